//! The registry's rules, on sessions marked attached and gone by hand (no connections).

use super::*;

/// The peer of most tests: one address, as every client of a server behind a proxy is.
const PEER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));

/// Another peer.
fn peer(last: u8) -> IpAddr {
    IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, last))
}

fn settings(ttl: Duration, max_sessions: usize) -> SessionSettings {
    SessionSettings {
        ttl,
        bounds: ReplayBounds {
            max_bytes: 1 << 20,
            max_messages: 16,
        },
        max_sessions,
    }
}

#[test]
fn ids_are_128_random_bits_in_hex() {
    let a = new_id();
    let b = new_id();
    assert_eq!(a.len(), 32);
    assert!(a
        .bytes()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert_ne!(a, b);
}

/// A session of `from` started, attached and left: it waits for a resume (and the next one
/// left after it).
fn left_by(sessions: &Sessions, from: IpAddr) -> Arc<Session> {
    let session = sessions.start("/", from, 0).unwrap();
    session.mark_gone();
    std::thread::sleep(Duration::from_millis(2));
    session
}

/// A session of [`PEER`] left.
fn left(sessions: &Sessions) -> Arc<Session> {
    left_by(sessions, PEER)
}

/// A table of two, full of sessions left one after the other, the first gone longer.
fn two_left() -> (Sessions, Arc<Session>, Arc<Session>) {
    let sessions = Sessions::new(settings(Duration::from_secs(60), 2));
    let first = left(&sessions);
    let second = left(&sessions);
    (sessions, first, second)
}

/// Whether `id` is held (without claiming it, as `find` does).
fn holds(sessions: &Sessions, id: &str) -> bool {
    sessions.lock().sessions.contains_key(id)
}

#[test]
fn a_session_is_found_by_id_in_its_scope_only() {
    let sessions = Sessions::new(settings(Duration::from_secs(60), 10));
    let session = sessions.start("/echo", PEER, 0).unwrap();
    assert!(sessions.find(session.id(), "/echo").is_some());
    assert!(sessions.find(session.id(), "/relay/red").is_none());
    assert!(sessions.find(&new_id(), "/echo").is_none());
}

#[test]
fn a_detached_session_expires_after_the_ttl_and_is_swept() {
    let ttl = Duration::from_millis(30);
    let sessions = Sessions::new(settings(ttl, 10));
    let session = left(&sessions);
    std::thread::sleep(ttl + Duration::from_millis(10));
    assert!(
        sessions.find(session.id(), "/").is_none(),
        "past the TTL a resume is refused"
    );
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions.sweep(Instant::now()), 1);
    assert!(sessions.is_empty());
}

#[test]
fn a_full_table_drops_the_session_gone_longest_and_refuses_only_when_all_are_connected() {
    let (sessions, first, second) = two_left();
    // Neither has a connection: the first, gone longer, makes room.
    let third = sessions.start("/", PEER, 0).unwrap();
    assert!(!holds(&sessions, first.id()), "the first was dropped");
    assert!(holds(&sessions, second.id()));
    assert_eq!((sessions.len(), sessions.evicted.get()), (2, 1));
    // With both connected, no session can go: the hello is refused.
    second.mark_attached();
    third.mark_attached();
    assert_eq!(sessions.start("/", PEER, 0).err(), Some(Full(2)));
    assert!(holds(&sessions, second.id()) && holds(&sessions, third.id()));
}

#[test]
fn a_session_being_opened_is_never_the_one_dropped() {
    let sessions = Sessions::new(settings(Duration::from_secs(60), 2));
    // A new session not attached yet, beside a connected one: nothing may go.
    let connected = sessions.start("/", PEER, 0).unwrap();
    connected.mark_attached();
    let opening = sessions.start("/", PEER, 0).unwrap();
    assert_eq!(sessions.start("/", PEER, 0).err(), Some(Full(2)));
    assert!(holds(&sessions, opening.id()));
    // A session found for a resume, not attached yet: another one goes in its stead.
    opening.mark_gone();
    sessions.remove_for_test(connected.id());
    std::thread::sleep(Duration::from_millis(2));
    let younger = left(&sessions);
    let resuming = sessions.find(opening.id(), "/").unwrap();
    let newcomer = sessions.start("/", PEER, 0).unwrap();
    assert!(
        holds(&sessions, resuming.id()),
        "the resume keeps its session"
    );
    assert!(!holds(&sessions, younger.id()));
    // Both openings under way: a third hello is refused.
    assert_eq!(sessions.start("/", PEER, 0).err(), Some(Full(2)));
    newcomer.mark_attached();
}

#[test]
fn a_session_that_came_back_and_left_again_is_judged_by_its_last_departure() {
    let (sessions, first, second) = two_left();
    std::thread::sleep(Duration::from_millis(2));
    // The first resumes and goes again: now the second has been gone longer.
    assert!(sessions.find(first.id(), "/").is_some());
    first.mark_gone();
    assert_eq!(sessions.idle.len(), 3, "one entry per departure");
    sessions.start("/", PEER, 0).unwrap();
    assert!(holds(&sessions, first.id()));
    assert!(!holds(&sessions, second.id()));
    // The sweep drops the entries that stand for nothing any more.
    sessions.sweep(Instant::now());
    assert_eq!(sessions.idle.len(), 1, "only the first's last departure");
}

#[test]
fn expired_sessions_make_room_before_any_is_dropped() {
    let ttl = Duration::from_millis(30);
    let sessions = Sessions::new(settings(ttl, 2));
    left(&sessions);
    left(&sessions);
    std::thread::sleep(ttl + Duration::from_millis(10));
    assert!(
        sessions.start("/", PEER, 0).is_ok(),
        "an expired one makes room"
    );
    assert_eq!(
        (sessions.len(), sessions.evicted.get()),
        (2, 0),
        "not counted evicted"
    );
    assert_eq!(
        sessions.sweep(Instant::now()),
        1,
        "the other goes with the sweep"
    );
}

#[test]
fn a_flood_of_hellos_from_one_peer_pushes_out_its_own_sessions_not_the_others() {
    let sessions = Sessions::new(settings(Duration::from_secs(60), 4));
    // Another peer's session waits for a resume, gone longest of all.
    let waiting = left_by(&sessions, peer(7));
    // One peer says hello and goes, again and again: it only ever replaces its own.
    let flood: Vec<_> = (0..12).map(|_| left_by(&sessions, PEER)).collect();
    assert!(
        holds(&sessions, waiting.id()),
        "the waiting session is kept"
    );
    assert!(flood[..9].iter().all(|s| !holds(&sessions, s.id())));
    assert!(flood[9..].iter().all(|s| holds(&sessions, s.id())));
    assert_eq!(sessions.evicted.get(), 9);
    // A newcomer from a third peer takes room from the flooding one too.
    sessions.start("/", peer(8), 0).unwrap();
    assert!(holds(&sessions, waiting.id()) && !holds(&sessions, flood[9].id()));
    let table = sessions.lock();
    let counts = [PEER, peer(7), peer(8)].map(|p| table.holders.held_by(PeerKey::from(p)));
    assert_eq!(counts, [2, 1, 1]);
}

#[test]
fn when_the_biggest_holder_has_none_waiting_the_session_gone_longest_of_all_goes() {
    let sessions = Sessions::new(settings(Duration::from_secs(60), 4));
    let first = left_by(&sessions, peer(7));
    let second = left_by(&sessions, peer(8));
    // The biggest holder's two sessions are both connected.
    for _ in 0..2 {
        sessions.start("/", PEER, 0).unwrap().mark_attached();
    }
    sessions.start("/", peer(9), 0).unwrap();
    assert!(!holds(&sessions, first.id()) && holds(&sessions, second.id()));
    assert_eq!(sessions.lock().holders.held_by(PeerKey::from(peer(7))), 0);
}

#[test]
fn the_next_biggest_holder_with_one_waiting_makes_room_when_the_biggest_has_none() {
    let sessions = Sessions::new(settings(Duration::from_secs(60), 6));
    let alone = left_by(&sessions, peer(7));
    let second: Vec<_> = (0..2).map(|_| left_by(&sessions, peer(8))).collect();
    for _ in 0..3 {
        sessions.start("/", PEER, 0).unwrap().mark_attached();
    }
    sessions.start("/", peer(9), 0).unwrap();
    assert!(
        holds(&sessions, alone.id()),
        "gone longest, but its peer holds one"
    );
    assert!(!holds(&sessions, second[0].id()) && holds(&sessions, second[1].id()));
}

#[test]
fn an_expired_session_not_swept_yet_makes_room_before_any_peers_waiting_one() {
    let ttl = Duration::from_millis(30);
    let sessions = Sessions::new(settings(ttl, 3));
    let expired = left_by(&sessions, peer(7));
    std::thread::sleep(ttl + Duration::from_millis(10));
    // Within a second of the last sweep: the expired one is still held.
    let biggest: Vec<_> = (0..2).map(|_| left_by(&sessions, PEER)).collect();
    sessions.start("/", PEER, 0).unwrap();
    assert!(!holds(&sessions, expired.id()));
    assert!(biggest.iter().all(|s| holds(&sessions, s.id())));
    assert_eq!(
        sessions.evicted.get(),
        0,
        "an expired one is not counted evicted"
    );
}

#[test]
fn the_sweep_forgets_the_peers_whose_sessions_expired_and_prunes_their_logs() {
    let ttl = Duration::from_millis(30);
    let sessions = Sessions::new(settings(ttl, 10));
    left_by(&sessions, PEER);
    left_by(&sessions, PEER);
    // Peer 7's session left and came back: its log's entry stands for nothing any more.
    let back = left_by(&sessions, peer(7));
    sessions.find(back.id(), "/").unwrap();
    back.mark_attached();
    std::thread::sleep(ttl + Duration::from_millis(10));
    assert_eq!(sessions.sweep(Instant::now()), 2);
    let table = sessions.lock();
    assert_eq!(table.holders.held_by(PeerKey::from(PEER)), 0);
    assert_eq!(table.holders.held_by(PeerKey::from(peer(7))), 1);
    let logs: Vec<usize> = table.holders.logs().map(IdleLog::len).collect();
    assert_eq!(logs, [0], "one peer left, its stale entry dropped");
}
