//! The engine's side of sessions (`duplex.v1`) as a property: random drops, stale acks and
//! server messages against a model server written from docs/protocol.md; nothing the
//! application sent or the server said is lost or repeated across cuts.

use std::collections::{HashMap, VecDeque};

use proptest::prelude::*;

use super::harness::{drain, fire, on, Msg};
use super::session_tests::{lose_connection, open_with, session_options};
use super::*;
use crate::engine::commands::Event;
use crate::engine::frames::SESSION_PROTOCOL;

/// A frame on the wire in the model.
#[derive(Debug, Clone)]
enum Frame {
    Control(String),
    Data(u32),
}

/// The server's side of one session, as docs/protocol.md says.
#[derive(Default)]
struct ServerSession {
    /// Client messages accepted, in order.
    got: Vec<u32>,
    /// Its own messages, by number.
    sent: Vec<u32>,
}

/// A model duplex-server: sessions in memory, one connection at a time.
#[derive(Default)]
struct ModelServer {
    sessions: HashMap<String, ServerSession>,
    /// The connection's session and the number of the client's next message on it.
    conn: Option<(String, u64)>,
    next_id: u32,
}

impl ModelServer {
    /// Reads what arrived; answers go down. One ack per batch, as duplex-server does.
    fn read(&mut self, frames: Vec<Frame>, down: &mut VecDeque<Frame>) {
        let mut any_data = false;
        for frame in frames {
            match frame {
                Frame::Control(text) if text.starts_with("\0hello") => {
                    let f: Vec<&str> = text.split(' ').collect();
                    let (asked, received, next) = (
                        f[2],
                        f[3].parse::<u64>().unwrap(),
                        f[4].parse::<u64>().unwrap(),
                    );
                    let known = self
                        .sessions
                        .get(asked)
                        .filter(|s| received <= s.sent.len() as u64);
                    if let Some(s) = known {
                        let replay = &s.sent[received as usize..];
                        down.push_back(Frame::Control(format!(
                            "\0welcome {asked} 1 {} {}",
                            s.got.len(),
                            replay.len()
                        )));
                        down.extend(replay.iter().map(|&id| Frame::Data(id)));
                        self.conn = Some((asked.to_owned(), next));
                    } else {
                        self.next_id += 1;
                        let id = format!("m{}", self.next_id);
                        let s = ServerSession {
                            got: Vec::new(),
                            sent: Vec::new(),
                        };
                        // A new session takes the client's numbering from `next` on.
                        self.sessions.insert(id.clone(), s);
                        self.conn = Some((id.clone(), next));
                        down.push_back(Frame::Control(format!("\0welcome {id} 0 {next} 0")));
                        self.sessions.get_mut(&id).unwrap().got = vec![u32::MAX; next as usize];
                    }
                }
                Frame::Control(_) => {}
                Frame::Data(id) => {
                    let (sid, next) = self.conn.as_mut().expect("data after hello");
                    let s = self.sessions.get_mut(sid.as_str()).unwrap();
                    if *next >= s.got.len() as u64 {
                        s.got.push(id);
                    }
                    *next += 1;
                    any_data = true;
                }
            }
        }
        if let (true, Some((sid, _))) = (any_data, &self.conn) {
            let count = self.sessions[sid.as_str()].got.len();
            down.push_back(Frame::Control(format!("\0ack {count}")));
        }
    }

    fn app_send(&mut self, id: u32, down: &mut VecDeque<Frame>) {
        if let Some((sid, _)) = &self.conn {
            self.sessions.get_mut(sid.as_str()).unwrap().sent.push(id);
            down.push_back(Frame::Data(id));
        }
    }
}

#[derive(Debug, Clone)]
enum Step {
    Send,
    ServerSend,
    /// Up to this many frames cross each way.
    Deliver(u8),
    /// The connection is cut after this many more frames went up.
    Cut(u8),
    /// A stale cumulative ack (an older count after a newer one).
    StaleAck(u8),
    AckTimer,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        5 => Just(Step::Send),
        3 => Just(Step::ServerSend),
        4 => (1u8..12).prop_map(Step::Deliver),
        1 => (0u8..6).prop_map(Step::Cut),
        1 => (0u8..4).prop_map(Step::StaleAck),
        1 => Just(Step::AckTimer),
    ]
}

/// Carries out the client's commands: frames go up, a new socket opens with the protocol.
fn carry(c: &mut Connection<Msg>, out: Vec<Command<Msg>>, up: &mut VecDeque<Frame>, now: f64) {
    let mut pending = VecDeque::from(out);
    while let Some(command) = pending.pop_front() {
        match command {
            Command::Transmit((id, _)) | Command::TransmitEscaped((id, _)) => {
                up.push_back(Frame::Data(id))
            }
            Command::TransmitControl(frame) => up.push_back(Frame::Control(frame)),
            Command::Emit(Event::Resumed {
                recovered: false, ..
            }) => panic!("a live server lost the session"),
            Command::OpenSocket { .. } => {
                up.clear();
                pending.extend(open_with(c, SESSION_PROTOCOL, now));
            }
            _ => {}
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    /// Over random cuts, stale acks and traffic both ways, with the server alive: every
    /// message the client accepted reaches the server once and in order, and every message
    /// the server sent reaches the client once and in order.
    #[test]
    fn nothing_is_lost_or_repeated_across_cuts(steps in proptest::collection::vec(step(), 1..120)) {
        let mut c = Connection::new("ws://h/", session_options(), 7, 0.0);
        let mut server = ModelServer::default();
        let (mut up, mut down) = (VecDeque::new(), VecDeque::new());
        let mut got = Vec::new();
        let (mut accepted, mut next_client, mut next_server) = (Vec::new(), 0u32, 0u32);
        let mut now = 0.0;
        let out = drain(&mut c);
        carry(&mut c, out, &mut up, now);
        let deliver = |c: &mut Connection<Msg>, server: &mut ModelServer, up: &mut VecDeque<Frame>,
                           down: &mut VecDeque<Frame>, got: &mut Vec<u32>, n: usize, now: f64| {
            let batch: Vec<Frame> = up.drain(..n.min(up.len())).collect();
            server.read(batch, down);
            for _ in 0..n.min(down.len()) {
                let out = match down.pop_front().unwrap() {
                    Frame::Data(id) => { got.push(id); on(c, Input::DataReceived, now) }
                    Frame::Control(text) => on(c, Input::ControlReceived(text), now),
                };
                carry(c, out, up, now);
            }
        };
        for step in steps {
            now += 1.0;
            match step {
                Step::Send => {
                    next_client += 1;
                    c.handle(Input::Send((next_client, 3)), now).unwrap();
                    accepted.push(next_client);
                    let out = drain(&mut c);
                    carry(&mut c, out, &mut up, now);
                }
                Step::ServerSend => {
                    next_server += 1;
                    server.app_send(next_server, &mut down);
                }
                Step::Deliver(n) => deliver(&mut c, &mut server, &mut up, &mut down, &mut got, n.into(), now),
                Step::Cut(n) => {
                    let batch: Vec<Frame> = up.drain(..usize::from(n).min(up.len())).collect();
                    server.read(batch, &mut down);
                    server.conn = None;
                    up.clear();
                    down.clear();
                    let out = lose_connection(&mut c);
                    carry(&mut c, out, &mut up, now);
                }
                Step::StaleAck(back) => {
                    if let Some((sid, _)) = &server.conn {
                        let count = server.sessions[sid.as_str()].got.len().saturating_sub(back.into());
                        down.push_back(Frame::Control(format!("\0ack {count}")));
                    }
                }
                Step::AckTimer => {
                    let out = fire(&mut c, Timer::Ack, now);
                    carry(&mut c, out, &mut up, now);
                }
            }
        }
        // Settle: everything crosses.
        for _ in 0..10_000 {
            if up.is_empty() && down.is_empty() { break; }
            deliver(&mut c, &mut server, &mut up, &mut down, &mut got, 64, now);
        }
        let sid = server.conn.as_ref().map(|(s, _)| s.clone()).expect("connected at the end");
        // A session whose welcome never arrived is one the client never knew: the final
        // session holds everything (the client's side resent to it from 0).
        let s = &server.sessions[sid.as_str()];
        prop_assert_eq!(&s.got, &accepted, "client to server: once, in order");
        prop_assert_eq!(&got, &s.sent, "server to client: once, in order");
        prop_assert_eq!(c.sends_done(), accepted.len() as u64, "all acknowledged");
        prop_assert_eq!(c.unacked_bytes(), 0);
    }
}
