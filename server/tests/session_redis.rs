//! Relay sessions with `--redis` across two real duplex-server instances on one real
//! `redis-server` (Debian's package; `scripts/setup.sh --for-tests` installs it): a peer
//! resumes on the other instance and gets everything its room said, once, in order, and its
//! own resent messages reach the room once.

mod support;

use support::redis::Redis;
use support::session::{SessionPeer, SessionState};
use support::{within, Server};
use tokio_tungstenite::tungstenite::Message;

fn text(message: &Message) -> String {
    message.to_text().expect("a text message").to_owned()
}

async fn two_instances(redis: &Redis) -> (Server, Server) {
    let args = ["--redis", &redis.url(), "--session-replay-messages", "8192"];
    let a = Server::start_with("page", &args);
    let b = Server::start_with("page", &args);
    a.wait_for_metric("duplex_backplane_up", 1.0).await;
    b.wait_for_metric("duplex_backplane_up", 1.0).await;
    (a, b)
}

#[tokio::test]
async fn a_relay_peer_resumes_on_the_other_instance_and_gets_all_5000_once_in_order() {
    let redis = Redis::start();
    let (one, two) = two_instances(&redis).await;
    let room = "/relay/lobby";
    let mut b = SessionPeer::open(&one.ws_url(room), SessionState::default()).await;
    let mut a = SessionPeer::open(&two.ws_url(room), SessionState::default()).await;
    a.send(Message::text("hi")).await;
    assert_eq!(text(&b.recv().await), "hi");
    // B says two things and is cut off before it can know they were acknowledged.
    b.send(Message::text("b0")).await;
    b.send(Message::text("b1")).await;
    assert_eq!(text(&a.recv().await), "b0");
    assert_eq!(text(&a.recv().await), "b1");
    let mut b_state = b.cut();
    // As if the acks had been lost: B resends both after its hello.
    b_state.unacked = ["b0", "b1"].into_iter().map(Message::text).collect();
    for n in 0..5000 {
        a.send(Message::text(format!("r{n}"))).await;
    }
    a.send_raw(Message::text("\0ping")).await;
    let mut b = SessionPeer::open(&two.ws_url(room), b_state).await;
    assert!(b.welcome.resumed, "{:?}", b.welcome);
    assert_eq!(b.welcome.received, 2, "B's two messages were had already");
    for n in 0..5000 {
        let got = within(&format!("r{n} after the resume"), b.recv()).await;
        assert_eq!(text(&got), format!("r{n}"));
    }
    b.send(Message::text("back")).await;
    // A hears "back" next: B's resent messages and the ping were not relayed again.
    assert_eq!(text(&a.recv().await), "back");
}

#[tokio::test]
async fn plain_and_session_peers_on_two_instances_hear_each_message_once() {
    let redis = Redis::start();
    let (one, two) = two_instances(&redis).await;
    let room = "/relay/mixed";
    let mut s1 = SessionPeer::open(&one.ws_url(room), SessionState::default()).await;
    let mut s2 = SessionPeer::open(&two.ws_url(room), SessionState::default()).await;
    let mut p1 = support::connect(&one.ws_url(room)).await;
    let mut p2 = support::connect(&two.ws_url(room)).await;
    one.wait_for_metric("duplex_backplane_rooms", 1.0).await;
    two.wait_for_metric("duplex_backplane_rooms", 1.0).await;
    use futures_util::SinkExt;
    s1.send(Message::text("from s1")).await;
    p1.send(Message::text("from p1")).await.unwrap();
    s2.send(Message::text("from s2")).await;
    p2.send(Message::text("from p2")).await.unwrap();
    let heard = |name: &str, got: Vec<String>| {
        let mut got = got;
        got.sort();
        let mut expected: Vec<String> = ["from s1", "from p1", "from s2", "from p2"]
            .iter()
            .filter(|m| !m.ends_with(name))
            .map(|m| m.to_string())
            .collect();
        expected.sort();
        assert_eq!(got, expected, "{name}");
    };
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(text(&s1.recv().await));
    }
    heard("s1", got);
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(text(&s2.recv().await));
    }
    heard("s2", got);
    for (name, peer) in [("p1", &mut p1), ("p2", &mut p2)] {
        let mut got = Vec::new();
        for _ in 0..3 {
            got.push(text(&support::next(peer).await));
        }
        heard(name, got);
    }
    // Nothing more comes: a marker is next for everyone.
    s1.send(Message::text("end")).await;
    assert_eq!(text(&s2.recv().await), "end");
    assert_eq!(text(&support::next(&mut p1).await), "end");
    assert_eq!(text(&support::next(&mut p2).await), "end");
}

/// One instance on `redis` with `args` besides `--redis`, its backplane up, and a connection
/// of the test's own to look at what it keeps in Redis.
async fn instance_and_store(
    redis: &Redis,
    args: &[&str],
) -> (Server, redis::aio::MultiplexedConnection) {
    let url = redis.url();
    let mut all = vec!["--redis", &url];
    all.extend_from_slice(args);
    let server = Server::start_with("page", &all);
    server.wait_for_metric("duplex_backplane_up", 1.0).await;
    let store = redis::Client::open(url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    (server, store)
}

/// How often the tests look at Redis while they wait for something to be there.
const POLL: std::time::Duration = std::time::Duration::from_millis(20);

/// Whether `key` exists in Redis, and its time to live in milliseconds (-1: none).
async fn key_state(store: &mut redis::aio::MultiplexedConnection, key: &str) -> (bool, i64) {
    let exists: bool = redis::cmd("EXISTS")
        .arg(key)
        .query_async(store)
        .await
        .unwrap();
    let ttl: i64 = redis::cmd("PTTL")
        .arg(key)
        .query_async(store)
        .await
        .unwrap();
    (exists, ttl)
}

/// A room's Stream expires a session TTL after its last message, unless a session of the room
/// is still connected (its refresh keeps the Stream): rooms no longer used leave nothing in
/// Redis, where any client could otherwise add one room's Stream after another for good.
#[tokio::test]
async fn a_rooms_stream_expires_after_the_session_ttl_unless_a_session_keeps_it() {
    use futures_util::SinkExt;
    let redis = Redis::start();
    let (server, mut store) = instance_and_store(&redis, &["--session-ttl", "2s"]).await;
    // A plain peer says one thing in a room nobody comes back to.
    let mut plain = support::connect(&server.ws_url("/relay/gone")).await;
    server.wait_for_metric("duplex_backplane_rooms", 1.0).await;
    plain.send(Message::text("once")).await.unwrap();
    let gone = "duplex:stream:gone";
    within("the room's Stream", async {
        while !key_state(&mut store, gone).await.0 {
            tokio::time::sleep(POLL).await;
        }
    })
    .await;
    let (_, ttl) = key_state(&mut store, gone).await;
    assert!((1..=2000).contains(&ttl), "the Stream's TTL: {ttl} ms");
    drop(plain);
    // A session peer stays connected in a room that then falls silent.
    let mut kept = SessionPeer::open(&server.ws_url("/relay/kept"), SessionState::default()).await;
    kept.send(Message::text("hello")).await;
    let kept_key = "duplex:stream:kept";
    within("the kept room's Stream", async {
        while !key_state(&mut store, kept_key).await.0 {
            tokio::time::sleep(POLL).await;
        }
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(3500)).await;
    assert_eq!(key_state(&mut store, gone).await, (false, -2), "expired");
    let (exists, ttl) = key_state(&mut store, kept_key).await;
    assert!(exists && ttl > 0, "kept by the connected session: {ttl} ms");
    drop(kept);
}

/// Stream entries as XRANGE answers them: id, then field names and values.
type StreamEntries = Vec<(String, Vec<(String, Vec<u8>)>)>;

/// Big messages trim a room's Stream to what `--session-replay-bytes` holds of them (Redis
/// trims by count only): ten of 30,000 bytes against a 100,000-byte bound leave three.
#[tokio::test]
async fn big_messages_trim_a_rooms_stream_to_the_byte_bound() {
    use futures_util::SinkExt;
    let redis = Redis::start();
    let (server, mut store) =
        instance_and_store(&redis, &["--session-replay-bytes", "100000"]).await;
    let mut sender = support::connect(&server.ws_url("/relay/big")).await;
    let mut listener = support::connect(&server.ws_url("/relay/big")).await;
    server.wait_for_metric("duplex_backplane_rooms", 1.0).await;
    for n in 0..10u8 {
        sender.send(Message::binary(vec![n; 30_000])).await.unwrap();
    }
    for n in 0..10u8 {
        let got = support::next(&mut listener).await;
        assert_eq!(got.into_data().first(), Some(&n));
    }
    let key = "duplex:stream:big";
    // Once the last message is in the Stream (its payload starts with 9), count the entries.
    within("the 10th message in the Stream", async {
        while last_payload(&mut store, key).await.first() != Some(&9) {
            tokio::time::sleep(POLL).await;
        }
    })
    .await;
    assert_eq!(
        xlen(&mut store, key).await,
        3,
        "three of 30,000 bytes fit 100,000"
    );
    // Small ones are kept by the count bound again.
    for _ in 0..20 {
        sender.send(Message::text("small")).await.unwrap();
    }
    within("20 more entries", async {
        while xlen(&mut store, key).await < 23 {
            tokio::time::sleep(POLL).await;
        }
    })
    .await;
    assert_eq!(xlen(&mut store, key).await, 23);
}

/// The entries of Stream `key`.
async fn xlen(store: &mut redis::aio::MultiplexedConnection, key: &str) -> usize {
    redis::cmd("XLEN")
        .arg(key)
        .query_async(store)
        .await
        .unwrap()
}

/// The payload (field `d`) of the last entry of Stream `key` (empty when there is none).
async fn last_payload(store: &mut redis::aio::MultiplexedConnection, key: &str) -> Vec<u8> {
    let last: StreamEntries = redis::cmd("XREVRANGE")
        .arg(&[key, "+", "-", "COUNT", "1"])
        .query_async(store)
        .await
        .unwrap();
    last.into_iter()
        .flat_map(|(_, fields)| fields)
        .find_map(|(name, value)| (name == "d").then_some(value))
        .unwrap_or_default()
}
