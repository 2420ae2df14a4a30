//! What peers that never read cost the server: its resident memory (VmRSS) while they push,
//! against the bound of server/README.md ("Limits"), and how they end.

mod support;

use std::time::{Duration, Instant};

use duplex_server::Limits;
use futures_util::SinkExt;
use support::{client_frame, connect, Server};
use tokio::io::AsyncWriteExt;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::MaybeTlsStream;

/// What the allocator and the runtime may add besides the connections themselves.
const SLACK: u64 = 48 << 20;

/// Samples the server's RSS every 50 ms while `work` runs; returns the highest.
async fn peak_rss_during<F: std::future::Future<Output = ()>>(server: &Server, work: F) -> u64 {
    tokio::pin!(work);
    let mut peak = server.rss_bytes();
    loop {
        tokio::select! {
            _ = &mut work => return peak.max(server.rss_bytes()),
            _ = tokio::time::sleep(Duration::from_millis(50)) => peak = peak.max(server.rss_bytes()),
        }
    }
}

#[tokio::test]
async fn ten_echo_peers_that_push_1_mib_messages_and_never_read_stay_within_the_bound() {
    let server = Server::start_with("page", &["--close-timeout", "1s"]);
    let before = server.rss_bytes();
    let mut peers = Vec::new();
    for _ in 0..10 {
        peers.push(connect(&server.ws_url("/echo")).await);
    }
    let pushing = peers.into_iter().map(|mut peer| async move {
        let message = Message::binary(vec![7u8; 1 << 20]);
        let deadline = Instant::now() + Duration::from_secs(5);
        // Until the server stops reading (its budget is full) or closes the connection.
        while let Ok(Ok(())) =
            tokio::time::timeout_at(deadline.into(), peer.send(message.clone())).await
        {}
        peer
    });
    let peak = peak_rss_during(&server, async {
        let _peers = futures_util::future::join_all(pushing).await;
    })
    .await;
    let bound = 10 * Limits::default().worst_case_connection_bytes() as u64 + SLACK;
    let grown = peak.saturating_sub(before);
    eprintln!(
        "RSS before {} MiB, peak {} MiB, grown {} MiB, bound {} MiB",
        before >> 20,
        peak >> 20,
        grown >> 20,
        bound >> 20
    );
    assert!(grown <= bound, "grew {grown} bytes, bound {bound}");
    // Slow readers are closed with 1013 once over the budget for the grace time (2s).
    server
        .wait_for_metric(r#"duplex_closes_total{code="1013",endpoint="/echo"}"#, 10.0)
        .await;
}

/// Writes pings of 125 bytes as fast as the socket takes them for `how_long`, never reading;
/// whether the server ended the connection before that.
async fn ping_flood(server: &Server, how_long: Duration) -> bool {
    let peer = connect(&server.ws_url("/echo")).await;
    let MaybeTlsStream::Plain(mut tcp) = peer.into_inner() else {
        panic!("plain TCP expected");
    };
    let batch: Vec<u8> = (0..500)
        .flat_map(|_| client_frame(0x9, &[0x70; 125]))
        .collect();
    let deadline = Instant::now() + how_long;
    while Instant::now() < deadline {
        match tokio::time::timeout_at(deadline.into(), tcp.write_all(&batch)).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return true, // the server closed it
            Err(_) => break,
        }
    }
    false
}

#[tokio::test]
async fn an_unread_ping_flood_is_closed_with_1008_and_memory_stays_bounded() {
    let server = Server::start_with("page", &["--close-timeout", "1s"]);
    let before = server.rss_bytes();
    let mut cut_off = false;
    let flood = async { cut_off = ping_flood(&server, Duration::from_secs(10)).await };
    let peak = peak_rss_during(&server, flood).await;
    assert!(cut_off, "the flood went on for 10 s");
    let grown = peak.saturating_sub(before);
    let bound = Limits::default().worst_case_connection_bytes() as u64 + SLACK;
    eprintln!(
        "ping flood: RSS grown {} MiB, bound {} MiB",
        grown >> 20,
        bound >> 20
    );
    assert!(grown <= bound, "grew {grown} bytes, bound {bound}");
    server
        .wait_for_metric(r#"duplex_closes_total{code="1008",endpoint="/echo"}"#, 1.0)
        .await;
}

#[tokio::test]
async fn without_a_ping_limit_the_write_bound_holds_and_pings_are_no_sign_of_life() {
    // No rate limit to speak of: only the bounded write buffer keeps the pongs in check, and
    // the server's own pings (unanswered: the peer reads nothing) end the connection.
    let server = Server::start_with(
        "page",
        &[
            "--max-pings-per-second",
            "4000000000",
            "--ping-interval",
            "2s",
            "--ping-timeout",
            "2s",
        ],
    );
    let before = server.rss_bytes();
    let mut cut_off = false;
    let flood = async { cut_off = ping_flood(&server, Duration::from_secs(10)).await };
    let peak = peak_rss_during(&server, flood).await;
    assert!(
        cut_off,
        "the flood went on for 10 s: the peer's pings kept it alive"
    );
    let grown = peak.saturating_sub(before);
    let bound = Limits::default().worst_case_connection_bytes() as u64 + SLACK;
    eprintln!("ping flood, no limit: RSS grown {} MiB", grown >> 20);
    assert!(grown <= bound, "grew {grown} bytes, bound {bound}");
    server
        .wait_for_metric(r#"duplex_closes_total{code="none",endpoint="/echo"}"#, 1.0)
        .await;
}

/// Opens `count` idle WebSockets to /echo (in a session when `session`), waits until the
/// server counts them; returns them and the server's RSS growth in bytes.
async fn idle_peers(server: &Server, count: usize, session: bool) -> (Vec<support::Client>, u64) {
    use support::session::{SessionPeer, SessionState};
    let before = server.rss_bytes();
    let url = server.ws_url("/echo");
    let mut peers = Vec::new();
    for _ in 0..count {
        if session {
            peers.push(SessionPeer::open(&url, SessionState::default()).await.ws);
        } else {
            peers.push(connect(&url).await);
        }
    }
    let series = r#"duplex_connections_open{endpoint="/echo"}"#;
    server.wait_for_metric(series, count as f64).await;
    (peers, server.rss_bytes().saturating_sub(before))
}

/// How many peers the idle-session measurement opens: `DUPLEX_MEMORY_PEERS`, default 2000.
fn idle_count() -> usize {
    std::env::var("DUPLEX_MEMORY_PEERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000)
}

#[tokio::test]
async fn an_idle_session_costs_a_few_kilobytes_connected_and_less_once_dropped() {
    use support::session::{SessionPeer, SessionState};
    let peers = idle_count();
    let most = (2 * peers).to_string();
    let args = ["--max-connections", &most, "--max-sessions", &most];
    let open = r#"duplex_connections_open{endpoint="/echo"}"#;
    let per = |bytes: u64| bytes / peers as u64;
    // Each figure from a fresh server: freed memory is reused, so one measurement would hide
    // the next.
    let plain = {
        let server = Server::start_with("page", &args);
        idle_peers(&server, peers, false).await.1
    };
    let connected = {
        let server = Server::start_with("page", &args);
        idle_peers(&server, peers, true).await.1
    };
    let server = Server::start_with("page", &args);
    let before = server.rss_bytes();
    for _ in 0..peers {
        let peer = SessionPeer::open(&server.ws_url("/echo"), SessionState::default()).await;
        drop(peer.cut());
    }
    server.wait_for_metric(open, 0.0).await;
    let held = server.rss_bytes().saturating_sub(before);
    eprintln!(
        "{peers} idle peers, RSS growth each: plain connection {} B, connection in a session \
         {} B, session held after its connection dropped {} B",
        per(plain),
        per(connected),
        per(held)
    );
    assert!(
        per(connected) < per(plain) + 16 * 1024,
        "{} B",
        per(connected)
    );
    assert!(per(held) < 8 * 1024, "{} B a held session", per(held));
}
