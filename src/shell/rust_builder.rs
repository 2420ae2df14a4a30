//! The [`Builder`] of a Rust [`DuplexSocket`]: its options, set before it connects.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use futures_channel::mpsc::unbounded;

use crate::engine::commands::AttemptContext;
use crate::engine::options::{
    HeartbeatPolicy, Options, QueueLimits, ReconnectPolicy, SessionPolicy,
};
use crate::engine::url::validate_url;
use crate::error::Error;
use crate::shell::browser::absolute;
use crate::shell::driver::Driver;
use crate::shell::rust_api::DuplexSocket;
use crate::shell::rust_face::{ProviderFuture, RustFace};
use crate::shell::rust_halves::SinkState;
use crate::shell::rust_handle::Guard;

/// Sets the options of a [`DuplexSocket`] before it connects.
///
/// ```no_run
/// use duplex_ws::{DuplexSocket, HeartbeatPolicy, ReconnectPolicy};
/// # fn main() -> Result<(), duplex_ws::Error> {
/// let socket = DuplexSocket::builder("wss://example.com/feed")
///     .connect_timeout_ms(5_000)
///     .reconnect(ReconnectPolicy { final_codes: vec![4000], ..Default::default() })
///     .heartbeat(HeartbeatPolicy { interval_ms: 10_000, timeout_ms: 25_000, ..Default::default() })
///     .connect()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
#[must_use = "a builder does nothing until connect()"]
pub struct Builder {
    pub(crate) url: String,
    pub(crate) options: Options,
    url_provider: Option<SharedProvider<String>>,
    protocols_provider: Option<SharedProvider<Vec<String>>>,
    should_reconnect: Option<SharedDecider>,
}

type SharedProvider<T> = Rc<dyn Fn(&AttemptContext) -> ProviderFuture<T>>;
type SharedDecider = Rc<RefCell<dyn FnMut(&AttemptContext) -> bool>>;

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder")
            .field("url", &self.url)
            .field("options", &self.options)
            .field("url_provider", &self.url_provider.is_some())
            .field("protocols_provider", &self.protocols_provider.is_some())
            .field("should_reconnect", &self.should_reconnect.is_some())
            .finish()
    }
}

impl Builder {
    pub(crate) fn new(url: &str, options: Options) -> Builder {
        Builder {
            url: url.to_owned(),
            options,
            url_provider: None,
            protocols_provider: None,
            should_reconnect: None,
        }
    }

    /// Subprotocols to ask for, in order of preference.
    pub fn protocols<S: Into<String>>(mut self, protocols: impl IntoIterator<Item = S>) -> Self {
        self.options.protocols = protocols.into_iter().map(Into::into).collect();
        self
    }

    /// Gives up an attempt that has not opened within `ms` (`CONNECT_TIMEOUT`).
    pub fn connect_timeout_ms(mut self, ms: u32) -> Self {
        self.options.connect_timeout_ms = Some(ms);
        self
    }

    /// Reconnects with backoff after a connection ends without the user's `close()`.
    pub fn reconnect(mut self, policy: ReconnectPolicy) -> Self {
        self.options.reconnect = Some(policy);
        self
    }

    /// Sends a heartbeat and takes silence for a dead connection (`HEARTBEAT_TIMEOUT`).
    pub fn heartbeat(mut self, policy: HeartbeatPolicy) -> Self {
        self.options.heartbeat = Some(policy);
        self
    }

    /// Bounds the queue used while connecting and reconnecting.
    pub fn queue(mut self, limits: QueueLimits) -> Self {
        self.options.queue = limits;
        self
    }

    /// `send_async` and the Sink wait while the browser buffers more than `bytes`.
    pub fn high_water_mark(mut self, bytes: usize) -> Self {
        self.options.high_water_mark = bytes;
        self
    }

    /// Where each attempt goes, asked per attempt with what it is told (an auth token that
    /// expires, a fail-over list): the URL given to [`DuplexSocket::builder`] is then only
    /// its name until the first answer. An `Err(reason)` fails the attempt
    /// (`CONNECTION_FAILED`, naming the provider), and the backoff goes on.
    pub fn url_provider<F, Fut>(mut self, provide: F) -> Self
    where
        F: Fn(&AttemptContext) -> Fut + 'static,
        Fut: Future<Output = Result<String, String>> + 'static,
    {
        self.url_provider = Some(Rc::new(move |context: &AttemptContext| {
            Box::pin(provide(context)) as ProviderFuture<String>
        }));
        self
    }

    /// Which subprotocols each attempt asks for, like [`url_provider`](Self::url_provider).
    pub fn protocols_provider<F, Fut>(mut self, provide: F) -> Self
    where
        F: Fn(&AttemptContext) -> Fut + 'static,
        Fut: Future<Output = Result<Vec<String>, String>> + 'static,
    {
        self.protocols_provider = Some(Rc::new(move |context: &AttemptContext| {
            Box::pin(provide(context)) as ProviderFuture<Vec<String>>
        }));
        self
    }

    /// The last word on each reconnect the policy allows: `false` closes for good.
    pub fn should_reconnect(
        mut self,
        decide: impl FnMut(&AttemptContext) -> bool + 'static,
    ) -> Self {
        self.should_reconnect = Some(Rc::new(RefCell::new(decide)));
        self
    }

    /// Whether the page's lifecycle steers reconnects (default: on when reconnect is on):
    /// offline pauses attempts, online and a wake try at once, the back/forward cache
    /// closes and reopens.
    pub fn lifecycle(mut self, on: bool) -> Self {
        self.options.lifecycle = Some(on);
        self
    }

    /// Offers a session (`duplex.v1`, docs/protocol.md): with a server that accepts it,
    /// nothing is lost across reconnects in either direction, `send_async` resolves on the
    /// server's ack, and [`DuplexSocket::on_resumed`] says how each resume went.
    pub fn session(mut self, policy: SessionPolicy) -> Self {
        self.options.session = Some(policy);
        self
    }

    /// Checks every option and starts connecting.
    pub fn connect(mut self) -> Result<DuplexSocket, Error> {
        self.options.validate()?;
        let url = match self.url_provider {
            Some(_) => self.url.clone(),
            // An error names the URL as checked: resolved against the page.
            None => validate_url(&absolute(&self.url))?,
        };
        if let (Some(_), Some(policy)) = (&self.should_reconnect, &mut self.options.reconnect) {
            policy.consult = true;
        }
        let (stream, messages) = unbounded();
        let mut face = RustFace::new(url.clone(), self.options.protocols.clone(), stream);
        if let Some(provider) = self.url_provider {
            face.url_provider = Some(Box::new(move |context| provider(context)));
        }
        if let Some(provider) = self.protocols_provider {
            face.protocols_provider = Some(Box::new(move |context| provider(context)));
        }
        if let Some(decide) = self.should_reconnect {
            face.should_reconnect
                .set(Box::new(move |context| (decide.borrow_mut())(context)));
        }
        let caller_url = self.url;
        let driver = Driver::open(&url, self.options, face).map_err(|error| match error {
            // The browser's refusal names the URL as the caller gave it.
            Error::InvalidUrl { problem, .. } => Error::InvalidUrl {
                url: caller_url,
                problem,
            },
            other => other,
        })?;
        Ok(DuplexSocket {
            guard: Rc::new(Guard(driver)),
            messages: Some(messages),
            sink: SinkState::default(),
        })
    }
}
