//! The browser's `WebSocket` as the driver uses it: making one, hanging the listeners on it,
//! letting go of it, and sending the caller's own value through it.

use js_sys::{Array, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CloseEvent, MessageEvent, Url, WebSocket};

use crate::shell::live::{Counted, Kind};

#[wasm_bindgen]
extern "C" {
    /// The browser's `WebSocket`, seen only for [`send_any`].
    #[wasm_bindgen(js_name = WebSocket)]
    type AnySend;

    /// `WebSocket.send` with the caller's own value, whatever its type: no copy, no
    /// re-encoding (web-sys has one binding per type and would need a conversion first).
    #[wasm_bindgen(method, catch, js_name = send)]
    fn send_any(this: &AnySend, data: &JsValue) -> Result<(), JsValue>;
}

thread_local! {
    /// One JS function that does nothing, shared by every socket (not a Rust closure).
    static IGNORE: js_sys::Function = js_sys::Function::new_no_args("");
}

/// The three listeners of a socket, made once and hung on each browser socket in turn (so
/// reconnects create no closures). The browser's `error` event carries nothing; the `close`
/// that always follows it says what happened, so it is not listened to.
pub(crate) struct Listeners {
    open: Counted<Closure<dyn FnMut(JsValue)>>,
    message: Counted<Closure<dyn FnMut(MessageEvent)>>,
    close: Counted<Closure<dyn FnMut(CloseEvent)>>,
}

impl Listeners {
    pub(crate) fn new(
        open: impl FnMut(JsValue) + 'static,
        message: impl FnMut(MessageEvent) + 'static,
        close: impl FnMut(CloseEvent) + 'static,
    ) -> Listeners {
        Listeners {
            open: Counted::new(Kind::Listener, Closure::new(open)),
            message: Counted::new(Kind::Listener, Closure::new(message)),
            close: Counted::new(Kind::Listener, Closure::new(close)),
        }
    }

    /// Hangs the listeners on `ws`.
    pub(crate) fn install(&self, ws: &WebSocket) {
        // The `close` that follows says what happened; an `error` listener that does nothing
        // is there because Node.js's `ws` throws on an error event nobody listens to.
        IGNORE.with(|ignore| ws.set_onerror(Some(ignore)));
        ws.set_onopen(Some(self.open.get().as_ref().unchecked_ref()));
        ws.set_onmessage(Some(self.message.get().as_ref().unchecked_ref()));
        ws.set_onclose(Some(self.close.get().as_ref().unchecked_ref()));
    }
}

/// `url` resolved against the page's (or worker's) base URL, as the browser's `WebSocket`
/// resolves it, where that gives another URL than reading it alone: a relative one (`/echo`),
/// or one naming the page's own scheme without `//` (`http:echo` on an http page is its
/// `/echo`). As given otherwise (for the engine's rules to see it unchanged), where there is no
/// base, it does not parse even so, or it is empty or blank (the engine's rules then say why:
/// an empty URL is more likely a mistake than the page's own address, and Firefox refuses it
/// too).
pub(crate) fn absolute(url: &str) -> String {
    // Blank as JS's `trim()` says, as in the JS class (Rust's `trim` differs on U+0085 and
    // U+FEFF).
    let js_space = |c: char| (c.is_whitespace() && c != '\u{85}') || c == '\u{feff}';
    if url.trim_matches(js_space).is_empty() {
        return url.to_owned();
    }
    let Some(resolved) = base_url().and_then(|base| Url::new_with_base(url, &base).ok()) else {
        return url.to_owned();
    };
    let resolved = resolved.href();
    let alone = Url::new(url).ok().map(|alone| alone.href());
    if alone.as_deref() == Some(resolved.as_str()) {
        url.to_owned()
    } else {
        resolved
    }
}

/// The page's `document.baseURI`, or a worker's `location.href`.
fn base_url() -> Option<String> {
    let get = |target: &JsValue, key: &str| {
        Reflect::get(target, &JsValue::from_str(key))
            .ok()
            .filter(|value| !value.is_undefined() && !value.is_null())
    };
    let global = js_sys::global();
    get(&global, "document")
        .and_then(|document| get(&document, "baseURI"))
        .or_else(|| get(&global, "location").and_then(|location| get(&location, "href")))
        .and_then(|base| base.as_string())
}

/// A new browser socket to `url` asking for `protocols`, or the message of what it threw.
pub(crate) fn open_socket(url: &str, protocols: &[String]) -> Result<WebSocket, String> {
    let made = if protocols.is_empty() {
        WebSocket::new(url)
    } else {
        let list: Array = protocols.iter().map(|p| JsValue::from_str(p)).collect();
        WebSocket::new_with_str_sequence(url, &list)
    };
    made.map_err(|thrown| js_error_message(&thrown))
}

/// Lets go of `ws`: no more events from it, and it is closed.
pub(crate) fn abandon(ws: WebSocket) {
    ws.set_onopen(None);
    ws.set_onerror(None);
    ws.set_onmessage(None);
    ws.set_onclose(None);
    let _ = ws.close();
}

/// Hands the caller's own value to the browser; the message of what it threw if it refused
/// (only what it cannot send, e.g. a view of a SharedArrayBuffer).
pub(crate) fn transmit(ws: &WebSocket, data: &JsValue) -> Result<(), String> {
    ws.unchecked_ref::<AnySend>()
        .send_any(data)
        .map_err(|thrown| js_error_message(&thrown))
}

/// The message of a thrown JS value (an `Error`'s `.message`, or the value as text).
pub(crate) fn js_error_message(thrown: &JsValue) -> String {
    thrown
        .dyn_ref::<js_sys::Error>()
        .map(|err| String::from(err.message()))
        .or_else(|| thrown.as_string())
        .unwrap_or_else(|| "unknown error".to_owned())
}
