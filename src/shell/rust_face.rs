//! The Rust face's own state and delivery: its callbacks, the Stream's sending end, and the
//! wakers of the futures that wait (`opened()`, `closed()`, `send_async`, the Sink).

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::Waker;

use futures_channel::mpsc::UnboundedSender;
use wasm_bindgen::JsValue;

use crate::engine::commands::{AttemptContext, CloseInfo};
use crate::engine::connection::Readiness;
use crate::error::Error;
use crate::shell::browser::absolute;
use crate::shell::face::{Face, Resolution, Target};
use crate::shell::message::Message;
use crate::shell::waiters::Waiters;

/// What the Rust Stream receives.
pub(crate) type StreamItem = Result<Message, Error>;

/// What a Rust provider gives: a URL (or protocols), or why it could not.
pub type ProviderFuture<T> = Pin<Box<dyn Future<Output = Result<T, String>>>>;

/// A provider called per attempt with what the attempt is told.
pub(crate) type Provider<T> = Box<dyn Fn(&AttemptContext) -> ProviderFuture<T>>;

/// What a `reconnecting` callback is told: the attempt to come and what ended the last
/// connection.
#[derive(Debug, Clone, PartialEq)]
pub struct ReconnectInfo {
    /// 1 for the first attempt after a loss, counting up until a connection stays open
    /// `min_uptime_ms`.
    pub attempt: u32,
    /// The delay before it, in milliseconds.
    pub delay_ms: u32,
    /// How the last connection ended.
    pub last_close: CloseInfo,
    /// The error that ended it, if any.
    pub error: Option<Error>,
}

/// What a `resumed` callback is told after each reconnect of a session.
#[derive(Debug, Clone, PartialEq)]
pub struct ResumeInfo {
    /// Whether the server still knew the session (see [`Error::SessionLost`] when not).
    pub recovered: bool,
    /// Messages sent again that the server had not received.
    pub resent: u64,
    /// Messages the server replayed that this side had not received.
    pub replayed: u64,
    /// `SESSION_LOST` when not recovered.
    pub error: Option<Error>,
}

/// One Rust callback, callable while it may replace itself or call back into the socket.
pub(crate) struct RustSlot<F: ?Sized>(RefCell<Option<Box<F>>>);

impl<F: ?Sized> Default for RustSlot<F> {
    fn default() -> Self {
        Self(RefCell::new(None))
    }
}

impl<F: ?Sized> RustSlot<F> {
    pub(crate) fn set(&self, callback: Box<F>) {
        *self.0.borrow_mut() = Some(callback);
    }

    pub(crate) fn is_set(&self) -> bool {
        self.0.borrow().is_some()
    }

    /// Calls the callback with the slot released, so the callback may set a new one
    /// (which then stays) or use the socket without a double borrow.
    pub(crate) fn call(&self, invoke: impl FnOnce(&mut F)) {
        let taken = self.0.borrow_mut().take();
        if let Some(mut callback) = taken {
            invoke(&mut callback);
            let mut slot = self.0.borrow_mut();
            if slot.is_none() {
                *slot = Some(callback);
            }
        }
    }
}

/// What only the Rust face holds.
pub(crate) struct RustFace {
    pub(crate) open: RustSlot<dyn FnMut()>,
    pub(crate) message: RustSlot<dyn FnMut(Message)>,
    pub(crate) close: RustSlot<dyn FnMut(CloseInfo)>,
    pub(crate) error: RustSlot<dyn FnMut(Error)>,
    pub(crate) reconnecting: RustSlot<dyn FnMut(&ReconnectInfo)>,
    pub(crate) resumed: RustSlot<dyn FnMut(&ResumeInfo)>,
    pub(crate) should_reconnect: RustSlot<dyn FnMut(&AttemptContext) -> bool>,
    /// The fixed URL, or none when the URL provider gives it.
    url: String,
    protocols: Vec<String>,
    pub(crate) url_provider: Option<Provider<String>>,
    pub(crate) protocols_provider: Option<Provider<Vec<String>>>,
    /// The Stream's sending end, until the socket closes for good.
    stream: RefCell<Option<UnboundedSender<StreamItem>>>,
    pub(crate) waiters: Waiters<Waker>,
}

impl RustFace {
    /// A face that connects to `url` with `protocols` (unless providers are set) and whose
    /// messages go to `stream` while no `on_message` callback is set.
    pub(crate) fn new(
        url: String,
        protocols: Vec<String>,
        stream: UnboundedSender<StreamItem>,
    ) -> Self {
        RustFace {
            should_reconnect: RustSlot::default(),
            url,
            protocols,
            url_provider: None,
            protocols_provider: None,
            open: RustSlot::default(),
            message: RustSlot::default(),
            close: RustSlot::default(),
            error: RustSlot::default(),
            resumed: RustSlot::default(),
            reconnecting: RustSlot::default(),
            stream: RefCell::new(Some(stream)),
            waiters: Waiters::default(),
        }
    }
}

impl Face for RustFace {
    const LINGERS: bool = false;

    fn target(&self, context: &AttemptContext) -> Resolution {
        if self.url_provider.is_none() && self.protocols_provider.is_none() {
            return Resolution::Now(Ok((self.url.clone(), self.protocols.clone())));
        }
        let failed = |provider: &'static str| {
            move |reason: String| Error::ProviderFailed {
                provider,
                reason: format!("failed: {reason}"),
                unsent: 0,
            }
        };
        let url = self.url_provider.as_ref().map(|provide| provide(context));
        let protocols = self
            .protocols_provider
            .as_ref()
            .map(|provide| provide(context));
        let (fixed_url, fixed_protocols) = (self.url.clone(), self.protocols.clone());
        Resolution::Later(Box::pin(async move {
            let url = match url {
                // Relative to the page, as the builder's own URL is (shell/browser.rs).
                Some(pending) => absolute(&pending.await.map_err(failed("url"))?),
                None => fixed_url,
            };
            let protocols = match protocols {
                Some(pending) => pending.await.map_err(failed("protocols"))?,
                None => fixed_protocols,
            };
            Target::Ok((url, protocols))
        }))
    }

    fn should_reconnect(&self, context: &AttemptContext) -> bool {
        let mut answer = true;
        self.should_reconnect
            .call(|decide| answer = decide(context));
        answer
    }

    fn opened(&self) {
        self.open.call(|on_open| on_open());
    }

    fn message(&self, data: JsValue) {
        if self.message.is_set() {
            let message = Message::from_event_data(data);
            self.message.call(|on_message| on_message(message));
        } else if let Some(stream) = &*self.stream.borrow() {
            let _ = stream.unbounded_send(Ok(Message::from_event_data(data)));
        }
    }

    fn error(&self, error: &Error) -> bool {
        let mut seen = self.error.is_set();
        self.error.call(|on_error| on_error(error.clone()));
        if let Some(stream) = &*self.stream.borrow() {
            seen |= stream.unbounded_send(Err(error.clone())).is_ok();
        }
        seen
    }

    fn reconnecting(
        &self,
        attempt: u32,
        delay_ms: u32,
        last_close: &CloseInfo,
        error: Option<&Error>,
    ) {
        if self.reconnecting.is_set() {
            let info = ReconnectInfo {
                attempt,
                delay_ms,
                last_close: last_close.clone(),
                error: error.cloned(),
            };
            self.reconnecting.call(|on| on(&info));
        }
    }

    fn resumed(&self, recovered: bool, resent: u64, replayed: u64, error: Option<&Error>) {
        let info = ResumeInfo {
            recovered,
            resent,
            replayed,
            error: error.cloned(),
        };
        self.resumed.call(|on| on(&info));
    }

    fn closed(&self, info: &CloseInfo) {
        self.close.call(|on_close| on_close(info.clone()));
        self.waiters.take_closed().into_iter().for_each(Waker::wake);
        // The Stream ends.
        self.stream.borrow_mut().take();
    }

    fn settle_first_open(&self, _: &Result<(), Error>) {
        // The woken future reads the outcome itself.
        self.waiters.take_opened().into_iter().for_each(Waker::wake);
    }

    fn settle_drain(&self, readiness: &Readiness, buffered: usize, done: u64) -> bool {
        self.waiters
            .settle_drain(readiness, buffered, done, |waker, _| waker.wake())
    }
}
