//! The page's lifecycle as the driver hears it: `online` and `offline` on the global
//! object, `pageshow` and `pagehide` on the window, `visibilitychange` on the document
//! (whichever of them the runtime has: a Worker has only the first two). One listener
//! serves them all; dropping the watch removes it.

use js_sys::Reflect;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::EventTarget;

use crate::engine::commands::Input;
use crate::shell::live::{Counted, Kind};

const GLOBAL_EVENTS: [&str; 4] = ["online", "offline", "pageshow", "pagehide"];

/// The listener on the page's events, and where it hangs.
pub(crate) struct PageWatch {
    listener: Counted<Closure<dyn FnMut(web_sys::Event)>>,
    global: EventTarget,
    document: Option<EventTarget>,
}

/// What a page event means for the engine, if anything.
pub(crate) fn page_input(event: &web_sys::Event) -> Option<Input<crate::shell::face::Outbound>> {
    let persisted = || {
        Reflect::get(event, &JsValue::from_str("persisted"))
            .ok()
            .and_then(|p| p.as_bool())
            .unwrap_or(false)
    };
    match event.type_().as_str() {
        "online" => Some(Input::Online),
        "offline" => Some(Input::Offline),
        "pageshow" if persisted() => Some(Input::Wake),
        "pagehide" if persisted() => Some(Input::PageHidden),
        "visibilitychange" => {
            let state = document(&js_sys::global())
                .and_then(|d| Reflect::get(&d, &JsValue::from_str("visibilityState")).ok())
                .and_then(|s| s.as_string());
            (state.as_deref() == Some("visible")).then_some(Input::Wake)
        }
        _ => None,
    }
}

fn document(global: &JsValue) -> Option<JsValue> {
    Reflect::get(global, &JsValue::from_str("document"))
        .ok()
        .filter(|d| d.is_object())
}

impl PageWatch {
    /// Hangs `listener` on the page's events; `None` where the runtime has no event target
    /// for them (then nothing steers the socket but its timers).
    pub(crate) fn install(listener: Closure<dyn FnMut(web_sys::Event)>) -> Option<PageWatch> {
        let global = js_sys::global().dyn_into::<EventTarget>().ok()?;
        let document = document(&global).and_then(|d| d.dyn_into::<EventTarget>().ok());
        let callback = listener.as_ref().unchecked_ref();
        for name in GLOBAL_EVENTS {
            let _ = global.add_event_listener_with_callback(name, callback);
        }
        if let Some(document) = &document {
            let _ = document.add_event_listener_with_callback("visibilitychange", callback);
        }
        Some(PageWatch {
            listener: Counted::new(Kind::Listener, listener),
            global,
            document,
        })
    }
}

impl Drop for PageWatch {
    fn drop(&mut self) {
        let callback = self.listener.get().as_ref().unchecked_ref();
        for name in GLOBAL_EVENTS {
            let _ = self
                .global
                .remove_event_listener_with_callback(name, callback);
        }
        if let Some(document) = &self.document {
            let _ = document.remove_event_listener_with_callback("visibilitychange", callback);
        }
    }
}
