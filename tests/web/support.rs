//! What the browser tests share: the server's address, channels fed by a socket's
//! callbacks, and waiting with a safety timeout.

use std::cell::Cell;

use duplex_ws::{Builder, CloseInfo, DuplexSocket, Error, HeartbeatPolicy, Message};
use futures::channel::mpsc::{unbounded, UnboundedReceiver};
use futures::future::{select, Either};
use futures::StreamExt;
use gloo_timers::future::TimeoutFuture;

pub const GREETING: &str = "Hello webSocket";

/// A heartbeat of the text `hb` (which /echo and /hooks send back) every `interval_ms`,
/// the connection taken for dead after `timeout_ms` without anything from the server.
pub fn beat(interval_ms: u32, timeout_ms: u32) -> HeartbeatPolicy {
    HeartbeatPolicy {
        interval_ms,
        timeout_ms,
        message: "hb".into(),
        reply: None,
    }
}

/// The server's address with `path`, fixed when the test was compiled.
pub fn server(path: &str) -> String {
    // option_env!, not env!: clippy and `cargo check` build this file without a server.
    let Some(base) = option_env!("DUPLEX_SERVER_URL") else {
        panic!("DUPLEX_SERVER_URL was not set at compile time: run the browser tests through scripts/test.sh, which starts duplex-server");
    };
    format!("{base}{path}")
}

thread_local! {
    static NEXT_KEY: Cell<u32> = const { Cell::new(0) };
}

/// The `/hooks` echo endpoint, with a key of its own so `hook:refuse` touches only this test.
pub fn hooks() -> String {
    let key = NEXT_KEY.with(|k| {
        k.set(k.get() + 1);
        k.get()
    });
    let salt = (js_sys::Math::random() * 1e9) as u64;
    server(&format!("/hooks?key=t{key}-{salt}"))
}

pub fn reply(text: &str) -> String {
    format!("I heard you say \"{text}\"")
}

pub fn text(s: &str) -> Message {
    Message::Text(s.to_owned())
}

/// The next item, or a panic naming `what` after 10 s (a safety net, not a measurement).
pub async fn next<T>(rx: &mut UnboundedReceiver<T>, what: &str) -> T {
    match select(rx.next(), TimeoutFuture::new(10_000)).await {
        Either::Left((Some(item), _)) => item,
        Either::Left((None, _)) => panic!("channel ended while waiting for {what}"),
        Either::Right(_) => panic!("timed out after 10 s waiting for {what}"),
    }
}

/// Waits for `future`, or panics naming `what` after 10 s.
pub async fn within<F: std::future::Future + Unpin>(future: F, what: &str) -> F::Output {
    match select(future, TimeoutFuture::new(10_000)).await {
        Either::Left((output, _)) => output,
        Either::Right(_) => panic!("timed out after 10 s waiting for {what}"),
    }
}

pub async fn sleep(ms: u32) {
    TimeoutFuture::new(ms).await;
}

/// A Rust socket whose callbacks feed channels.
pub struct Watched {
    pub socket: DuplexSocket,
    pub messages: UnboundedReceiver<Message>,
    pub errors: UnboundedReceiver<Error>,
    pub closes: UnboundedReceiver<CloseInfo>,
    pub opens: UnboundedReceiver<()>,
    pub reconnects: UnboundedReceiver<(u32, u32)>,
}

impl Watched {
    /// Whether no error has arrived (the channel is empty, or closed with the socket).
    pub fn no_error(&mut self) -> bool {
        self.errors.try_recv().is_err()
    }
}

pub fn watch_url(url: &str) -> Watched {
    watch(DuplexSocket::builder(url))
}

pub fn watch(builder: Builder) -> Watched {
    let socket = builder.connect().expect("valid options");
    let (message_tx, messages) = unbounded();
    let (error_tx, errors) = unbounded();
    let (close_tx, closes) = unbounded();
    let (open_tx, opens) = unbounded();
    let (reconnect_tx, reconnects) = unbounded();
    socket.on_message(move |m| drop(message_tx.unbounded_send(m)));
    socket.on_error(move |e| drop(error_tx.unbounded_send(e)));
    socket.on_close(move |c| drop(close_tx.unbounded_send(c)));
    socket.on_open(move || drop(open_tx.unbounded_send(())));
    socket.on_reconnecting(move |r| drop(reconnect_tx.unbounded_send((r.attempt, r.delay_ms))));
    Watched {
        socket,
        messages,
        errors,
        closes,
        opens,
        reconnects,
    }
}
