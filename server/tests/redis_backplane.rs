//! `--redis`: relay rooms that span two real duplex-server instances through a real
//! `redis-server` (Debian's package; `scripts/setup.sh --for-tests` installs it), all on free
//! loopback ports.

mod support;

use std::collections::BTreeMap;
use std::process::Command;

use futures_util::SinkExt;
use support::redis::Redis;
use support::{close_code, connect, next, read_to_end, run_server, Client, Server};
use tokio_tungstenite::tungstenite::Message;

const UP: &str = "duplex_backplane_up";
const SUBSCRIBED: &str = "duplex_backplane_rooms";

/// Two instances on one Redis, each connected to the backplane.
async fn two_instances(redis: &Redis) -> (Server, Server) {
    let a = Server::start_with("page", &["--redis", &redis.url()]);
    let b = Server::start_with("page", &["--redis", &redis.url()]);
    a.wait_for_metric(UP, 1.0).await;
    b.wait_for_metric(UP, 1.0).await;
    (a, b)
}

fn text(message: &Message) -> String {
    message.to_text().expect("a text message").to_owned()
}

/// A peer in a test: its name, its room, its connection.
struct Peer {
    name: &'static str,
    room: &'static str,
    client: Client,
}

/// Every peer sends `marker name`; each then reads until it has the marker of every mate.
/// Returns what each peer read before that, markers excluded; fails on a marker from a peer
/// that is not a mate.
async fn until_markers(peers: &mut [Peer], marker: &str) -> Vec<Vec<Message>> {
    for peer in peers.iter_mut() {
        let message = Message::text(format!("{marker} {}", peer.name));
        peer.client.send(message).await.unwrap();
    }
    let rooms: Vec<(&str, &str)> = peers.iter().map(|p| (p.name, p.room)).collect();
    let mut heard = Vec::new();
    for peer in peers.iter_mut() {
        let mut expected: Vec<String> = rooms
            .iter()
            .filter(|(name, room)| *room == peer.room && *name != peer.name)
            .map(|(name, _)| format!("{marker} {name}"))
            .collect();
        let mut messages = Vec::new();
        while !expected.is_empty() {
            let message = next(&mut peer.client).await;
            if message.is_text() && text(&message).starts_with(&format!("{marker} ")) {
                let position = expected.iter().position(|m| *m == text(&message));
                let position =
                    position.unwrap_or_else(|| panic!("{} heard {message:?}", peer.name));
                expected.remove(position);
            } else {
                messages.push(message);
            }
        }
        heard.push(messages);
    }
    heard
}

#[tokio::test]
async fn peers_of_one_room_on_two_instances_hear_each_other_once_and_never_themselves() {
    let redis = Redis::start();
    let (a, mut b) = two_instances(&redis).await;
    // red: one peer on A, two on B (so that B's own publications, if they came back to it,
    // would reach b1 and b2 a second time); blue: one on each.
    let mut peers = Vec::new();
    for (name, room, server) in [
        ("a1", "red", &a),
        ("b1", "red", &b),
        ("b2", "red", &b),
        ("a2", "blue", &a),
        ("b3", "blue", &b),
    ] {
        let client = connect(&server.ws_url(&format!("/relay/{room}"))).await;
        peers.push(Peer { name, room, client });
    }
    // Both rooms are subscribed on both instances before anyone speaks.
    a.wait_for_metric(SUBSCRIBED, 2.0).await;
    b.wait_for_metric(SUBSCRIBED, 2.0).await;

    for peer in &mut peers {
        peer.client.send(Message::text(peer.name)).await.unwrap();
    }
    let binary = Message::binary(vec![0u8, 1, 2, 255]);
    peers[0].client.send(binary.clone()).await.unwrap();
    let mut heard = until_markers(&mut peers, "end").await;
    // Every mate's "fence" is published after that mate heard everyone's "end" through Redis,
    // so anything Redis sent back to an instance (a duplicate, an echo to its sender) reached
    // its peers before the fences: it would show up here.
    let late = until_markers(&mut peers, "fence").await;
    for (messages, more) in heard.iter_mut().zip(late) {
        messages.extend(more);
    }

    for (peer, messages) in peers.iter().zip(&heard) {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for message in messages {
            let key = if message.is_binary() {
                assert_eq!(message, &binary, "{} heard {message:?}", peer.name);
                "binary".to_owned()
            } else {
                text(message)
            };
            *counts.entry(key).or_default() += 1;
        }
        let mut expected: BTreeMap<String, usize> = peers
            .iter()
            .filter(|p| p.room == peer.room && p.name != peer.name)
            .map(|p| (p.name.to_owned(), 1))
            .collect();
        if peer.room == "red" && peer.name != "a1" {
            expected.insert("binary".to_owned(), 1);
        }
        assert_eq!(counts, expected, "what {} heard", peer.name);
    }
    // What crossed: from A, a1's text, binary, end and fence and a2's three; the rest is
    // B's. Each instance received only the other's.
    let published = "duplex_backplane_messages_published_total";
    let received = "duplex_backplane_messages_received_total";
    a.wait_for_metric(published, 7.0).await;
    b.wait_for_metric(published, 9.0).await;
    a.wait_for_metric(received, 9.0).await;
    b.wait_for_metric(received, 7.0).await;

    // The last peer of a room leaving unsubscribes its channel.
    let blue: Vec<Peer> = peers.drain(3..).collect();
    for mut peer in blue {
        peer.client.close(None).await.unwrap();
        read_to_end(&mut peer.client).await;
    }
    a.wait_for_metric(SUBSCRIBED, 1.0).await;
    b.wait_for_metric(SUBSCRIBED, 1.0).await;

    // SIGTERM with --redis: close 1001 to every peer, exit 0.
    b.terminate();
    for peer in &mut peers[1..] {
        assert_eq!(close_code(&next(&mut peer.client).await), 1001);
        read_to_end(&mut peer.client).await;
    }
    let status = tokio::task::spawn_blocking(move || b.wait_exit())
        .await
        .unwrap();
    assert!(status.success(), "exit status {status:?}");
}

#[tokio::test]
async fn a_redis_restart_is_survived_and_local_delivery_never_stops() {
    let mut redis = Redis::start();
    let (a, b) = two_instances(&redis).await;
    let mut a1 = connect(&a.ws_url("/relay/r")).await;
    let mut a2 = connect(&a.ws_url("/relay/r")).await;
    let mut b1 = connect(&b.ws_url("/relay/r")).await;
    a.wait_for_metric(SUBSCRIBED, 1.0).await;
    b.wait_for_metric(SUBSCRIBED, 1.0).await;
    a1.send(Message::text("before")).await.unwrap();
    assert_eq!(next(&mut a2).await, Message::text("before"));
    assert_eq!(next(&mut b1).await, Message::text("before"));

    redis.kill();
    a.wait_for_metric(UP, 0.0).await;
    b.wait_for_metric(UP, 0.0).await;
    assert_eq!(
        a.get_async("/healthz").await,
        (200, "ok (backplane down)\n".to_owned())
    );
    // Local delivery goes on; the publication is dropped and counted.
    a1.send(Message::text("during")).await.unwrap();
    assert_eq!(next(&mut a2).await, Message::text("during"));
    a.wait_for_metric(
        r#"duplex_backplane_messages_dropped_total{reason="down"}"#,
        1.0,
    )
    .await;
    let log = a.log();
    assert!(log.contains("backplane down"), "{log}");

    redis.restart();
    // Reconnected and subscribed again, on both instances.
    for server in [&a, &b] {
        server.wait_for_metric(UP, 1.0).await;
        server.wait_for_metric(SUBSCRIBED, 1.0).await;
    }
    assert_eq!(a.get_async("/healthz").await, (200, "ok\n".to_owned()));
    a1.send(Message::text("after")).await.unwrap();
    assert_eq!(next(&mut a2).await, Message::text("after"));
    // "during" was dropped, not delivered late.
    assert_eq!(next(&mut b1).await, Message::text("after"));
    b1.send(Message::text("back")).await.unwrap();
    assert_eq!(next(&mut a1).await, Message::text("back"));
    assert_eq!(next(&mut a2).await, Message::text("back"));
}

#[tokio::test]
async fn redis_may_come_up_after_the_server() {
    let mut redis = Redis::start();
    redis.kill();
    let server = Server::start_with("page", &["--redis", &redis.url()]);
    let mut one = connect(&server.ws_url("/relay/early")).await;
    let mut two = connect(&server.ws_url("/relay/early")).await;
    server.wait_for_metric("duplex_relay_members", 2.0).await;
    assert_eq!(server.metric(UP).await, 0.0);
    assert_eq!(
        server.get_async("/healthz").await,
        (200, "ok (backplane down)\n".to_owned())
    );
    one.send(Message::text("local")).await.unwrap();
    assert_eq!(next(&mut two).await, Message::text("local"));

    redis.restart();
    server.wait_for_metric(UP, 1.0).await;
    // The room that existed before Redis did is subscribed too.
    server.wait_for_metric(SUBSCRIBED, 1.0).await;
    let other = Server::start_with("page", &["--redis", &redis.url()]);
    let mut three = connect(&other.ws_url("/relay/early")).await;
    other.wait_for_metric(SUBSCRIBED, 1.0).await;
    three.send(Message::text("remote")).await.unwrap();
    assert_eq!(next(&mut one).await, Message::text("remote"));
    assert_eq!(next(&mut two).await, Message::text("remote"));
}

#[tokio::test]
async fn without_redis_there_is_no_backplane() {
    let server = Server::start("page");
    let (_, metrics) = server.get_async("/metrics").await;
    assert!(!metrics.contains("duplex_backplane"), "{metrics}");
    assert_eq!(server.get_async("/healthz").await, (200, "ok\n".to_owned()));
}

#[test]
fn a_url_that_is_not_redis_names_the_flag_the_value_and_the_rule() {
    let output = run_server(&["--redis", "http://x"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    for needle in ["--redis", "http://x", "not a redis:// URL"] {
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
    // The environment twin is checked the same way.
    let output = Command::new(env!("CARGO_BIN_EXE_duplex-server"))
        .env("DUPLEX_REDIS", "rediss://db:6380")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("rediss://db:6380") && stderr.contains("TLS"),
        "{stderr}"
    );
}

#[test]
fn help_lists_redis_with_its_environment_twin() {
    let output = run_server(&["--help"]);
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(
        help.contains("--redis <URL>") && help.contains("DUPLEX_REDIS"),
        "{help}"
    );
}
