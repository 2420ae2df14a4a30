//! The JS face's own state and delivery. Events are real `Event` objects dispatched on the
//! JS class `DuplexSocket` (js/duplex_socket.js), a real `EventTarget`, so listeners, `once`,
//! `signal`, `handleEvent`, `this` and `reportError` are the platform's own. A message
//! event carries the browser's own `data`.

use std::cell::RefCell;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::EventTarget;

use crate::engine::commands::{AttemptContext, CloseInfo};
use crate::engine::connection::Readiness;
use crate::error::{Error, UrlProblem};
use crate::shell::events::{
    close_event, close_info_object, error_event, plain_event, reconnecting_event, resumed_event,
    set, to_js_error,
};
use crate::shell::face::{Face, Resolution, Target};
use crate::shell::js_options::{read_protocols, JsCallbacks};
use crate::shell::message::describe_value;
use crate::shell::waiters::Waiters;

/// A JS promise waiting: its settle functions.
pub(crate) struct JsWaiter {
    pub(crate) resolve: Function,
    pub(crate) reject: Function,
}

impl JsWaiter {
    fn settle(self, outcome: Result<&JsValue, &JsValue>) {
        // A settle function cannot throw.
        let _ = match outcome {
            Ok(value) => self.resolve.call1(&JsValue::UNDEFINED, value),
            Err(error) => self.reject.call1(&JsValue::UNDEFINED, error),
        };
    }
}

/// Where the JS face connects: a fixed URL, or the app's provider.
pub(crate) enum UrlSource {
    Fixed(String),
    Provider(Function),
}

/// What only the JS face holds.
pub(crate) struct JsFace {
    /// The JS `DuplexSocket` the events are dispatched on.
    target: EventTarget,
    /// The class's `deliver(data)`: makes a message event and dispatches it on `target`.
    deliver: Function,
    url: UrlSource,
    protocols: Vec<String>,
    callbacks: JsCallbacks,
    pub(crate) waiters: Waiters<JsWaiter>,
    /// The `opened` promise, made on first use and then always the same.
    pub(crate) opened_promise: RefCell<Option<Promise>>,
    /// The `closed` promise of a life of the socket (`reconnect()` after a close starts a
    /// new one), made on first use.
    pub(crate) closed_promise: RefCell<Option<(u32, Promise)>>,
}

impl JsFace {
    pub(crate) fn new(
        target: EventTarget,
        deliver: Function,
        url: UrlSource,
        protocols: Vec<String>,
        callbacks: JsCallbacks,
    ) -> Self {
        JsFace {
            target,
            deliver,
            url,
            protocols,
            callbacks,
            waiters: Waiters::default(),
            opened_promise: RefCell::default(),
            closed_promise: RefCell::default(),
        }
    }

    fn dispatch(&self, event: &JsValue) {
        // Listener exceptions are reported by the platform (reportError); nothing throws here.
        let _ = self.target.dispatch_event(event.unchecked_ref());
    }
}

/// `{ attempt, lastClose, lastError }` for the app's providers and `shouldReconnect`.
fn context_object(context: &AttemptContext) -> JsValue {
    let object: JsValue = Object::new().into();
    set(&object, "attempt", &context.attempt.into());
    let last_close = context
        .last_close
        .as_ref()
        .map_or(JsValue::NULL, close_info_object);
    set(&object, "lastClose", &last_close);
    let last_error = context
        .last_error
        .as_ref()
        .map_or(JsValue::NULL, to_js_error);
    set(&object, "lastError", &last_error);
    object
}

/// Calls provider `name` with the context; what it returned, or what it threw as an error.
fn call_provider(provider: &Function, name: &'static str, ctx: &JsValue) -> Result<JsValue, Error> {
    provider
        .call1(&JsValue::UNDEFINED, ctx)
        .map_err(|thrown| provider_error(name, "threw", &thrown))
}

fn provider_error(provider: &'static str, did: &str, thrown: &JsValue) -> Error {
    let message = thrown
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| describe_value(thrown));
    Error::ProviderFailed {
        provider,
        reason: format!("{did} {message}"),
        unsent: 0,
    }
}

fn is_thenable(value: &JsValue) -> bool {
    value.is_object()
        && Reflect::get(value, &JsValue::from_str("then")).is_ok_and(|then| then.is_function())
}

/// Waits for a provider's promise; a rejection fails the attempt, naming the provider.
async fn settle(value: JsValue, provider: &'static str) -> Result<JsValue, Error> {
    if !is_thenable(&value) {
        return Ok(value);
    }
    JsFuture::from(Promise::resolve(&value))
        .await
        .map_err(|reason| provider_error(provider, "rejected with", &reason))
}

/// The URL and protocols from what the providers (or the fixed options) gave.
fn target_of(url: JsValue, protocols: Option<JsValue>, fixed: Vec<String>) -> Target {
    let url = url.as_string().ok_or_else(|| Error::InvalidUrl {
        url: describe_value(&url),
        problem: UrlProblem::DoesNotParse("the url provider must give a string"),
    })?;
    let protocols = match protocols {
        Some(value) => read_protocols(&value)?,
        None => fixed,
    };
    Ok((url, protocols))
}

impl Face for JsFace {
    const LINGERS: bool = true;

    fn target(&self, context: &AttemptContext) -> Resolution {
        let ctx = context_object(context);
        let url = match &self.url {
            UrlSource::Fixed(url) => Ok(JsValue::from_str(url)),
            UrlSource::Provider(provider) => call_provider(provider, "url", &ctx),
        };
        let protocols = match &self.callbacks.protocols {
            Some(provider) => call_provider(provider, "protocols", &ctx).map(Some),
            None => Ok(None),
        };
        let (url, protocols) = match (url, protocols) {
            (Ok(url), Ok(protocols)) => (url, protocols),
            (Err(error), _) | (_, Err(error)) => return Resolution::Now(Err(error)),
        };
        let fixed = self.protocols.clone();
        if !is_thenable(&url) && !protocols.as_ref().is_some_and(is_thenable) {
            return Resolution::Now(target_of(url, protocols, fixed));
        }
        Resolution::Later(Box::pin(async move {
            let url = settle(url, "url").await?;
            let protocols = match protocols {
                Some(value) => Some(settle(value, "protocols").await?),
                None => None,
            };
            target_of(url, protocols, fixed)
        }))
    }

    fn should_reconnect(&self, context: &AttemptContext) -> bool {
        let Some(decide) = &self.callbacks.should_reconnect else {
            return true;
        };
        match decide.call1(&JsValue::UNDEFINED, &context_object(context)) {
            Ok(answer) => answer.is_truthy(),
            Err(thrown) => {
                report_error(&thrown);
                true
            }
        }
    }

    fn opened(&self) {
        self.dispatch(&plain_event("open"));
    }

    fn message(&self, data: JsValue) {
        // Listener exceptions are reported by the platform; `deliver` itself does not throw.
        let _ = self.deliver.call1(&JsValue::UNDEFINED, &data);
    }

    fn error(&self, error: &Error) -> bool {
        // Dispatched on a real EventTarget, as the browser's own WebSocket does its errors:
        // whether anyone listens is the app's to decide, so it counts as told.
        self.dispatch(&error_event(error));
        true
    }

    fn reconnecting(
        &self,
        attempt: u32,
        delay_ms: u32,
        last_close: &CloseInfo,
        error: Option<&Error>,
    ) {
        self.dispatch(&reconnecting_event(attempt, delay_ms, last_close, error));
    }

    fn resumed(&self, recovered: bool, resent: u64, replayed: u64, error: Option<&Error>) {
        self.dispatch(&resumed_event(recovered, resent, replayed, error));
    }

    fn closed(&self, info: &CloseInfo) {
        self.dispatch(&close_event(info));
        let value = close_info_object(info);
        for waiter in self.waiters.take_closed() {
            waiter.settle(Ok(&value));
        }
    }

    fn settle_first_open(&self, outcome: &Result<(), Error>) {
        let value = match outcome {
            Ok(()) => Ok(JsValue::UNDEFINED),
            Err(error) => Err(to_js_error(error)),
        };
        for waiter in self.waiters.take_opened() {
            waiter.settle(value.as_ref());
        }
    }

    fn settle_drain(&self, readiness: &Readiness, buffered: usize, done: u64) -> bool {
        self.waiters
            .settle_drain(readiness, buffered, done, |waiter, outcome| match outcome {
                Ok(()) => waiter.settle(Ok(&JsValue::UNDEFINED)),
                Err(error) => waiter.settle(Err(&to_js_error(error))),
            })
    }
}

/// Reports an exception of an app callback the way the platform reports a listener's:
/// `reportError` (error trackers see it), or the console where there is none.
fn report_error(thrown: &JsValue) {
    let global = js_sys::global();
    match Reflect::get(&global, &JsValue::from_str("reportError")) {
        Ok(report) if report.is_function() => {
            let _ = report.unchecked_ref::<Function>().call1(&global, thrown);
        }
        _ => web_sys::console::error_1(thrown),
    }
}
