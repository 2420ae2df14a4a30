//! Relative URLs in both faces, resolved against the page as the browser's own `WebSocket`
//! resolves them: its `url` is the oracle.

use duplex_ws::DuplexSocket;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::js_class::new_socket;
use crate::js_face::assert_thrown;
use crate::support::sleep;

/// Relative forms a page writes: a path, a bare name, dot segments, a query alone, another
/// host on the page's scheme, and the page's own scheme without slashes (the test page is
/// http: the WHATWG parser reads `http:echo` against it as its `/echo`, not as host `echo`).
const RELATIVE: [&str; 6] = [
    "/echo?x=1",
    "echo",
    "../a/./b",
    "?q",
    "//127.0.0.1:9/x",
    "http:echo",
];

/// What the browser's own `WebSocket` makes of `url` (closed at once).
fn browsers_url(url: &str) -> String {
    let ws = web_sys::WebSocket::new(url).unwrap_or_else(|e| panic!("{url:?}: {e:?}"));
    let resolved = ws.url();
    ws.close().unwrap();
    resolved
}

#[wasm_bindgen_test]
fn a_relative_url_resolves_against_the_page_in_both_faces() {
    for url in RELATIVE {
        let expected = browsers_url(url);
        assert!(expected.starts_with("ws://"), "{expected}");
        let rust = DuplexSocket::new(url).unwrap_or_else(|e| panic!("{url:?}: {e}"));
        assert_eq!(rust.url(), expected, "{url:?}: the Rust face");
        rust.close().unwrap();
        let js =
            new_socket(url.into(), JsValue::UNDEFINED).unwrap_or_else(|e| panic!("{url:?}: {e:?}"));
        assert_eq!(js.url(), expected, "{url:?}: the JS class");
        js.close(JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap();
    }
}

/// The empty string (or a blank one) is refused as Firefox's `WebSocket` refuses it
/// (Chromium's would open the page's own URL): a URL left empty by mistake says so rather than
/// connecting somewhere. Blank is JS's `trim()` in both faces (a byte order mark is blank).
#[wasm_bindgen_test]
fn a_url_that_does_not_parse_even_against_the_page_names_it_as_given() {
    for url in ["//[::1/x", "ws://[::1", "", "  ", "\u{feff} "] {
        let err = DuplexSocket::new(url).expect_err("refused");
        assert_eq!(err.code(), "INVALID_URL", "{url}");
        assert!(err.to_string().contains(&format!("\"{url}\"")), "{err}");
        let named = format!("\"{url}\"");
        assert_thrown(
            new_socket(url.into(), JsValue::UNDEFINED),
            "INVALID_URL",
            &named,
        );
    }
}

/// Waits until `read()` gives `expected` (a provider's URL is taken when an attempt starts).
async fn becomes(read: impl Fn() -> String, expected: &str, face: &str) {
    for _ in 0..200 {
        if read() == expected {
            return;
        }
        sleep(10).await;
    }
    panic!("{face}: the URL is {:?}, not {expected:?}", read());
}

#[wasm_bindgen_test]
async fn a_providers_relative_url_resolves_against_the_page_in_both_faces() {
    let expected = browsers_url("/echo?provided");
    let rust = DuplexSocket::builder("provided")
        .url_provider(|_| async { Ok("/echo?provided".to_owned()) })
        .connect()
        .unwrap();
    becomes(|| rust.url(), &expected, "Rust").await;
    rust.close().unwrap();

    let provider = Closure::<dyn Fn() -> JsValue>::new(|| "/echo?provided".into());
    let js = new_socket(provider.into_js_value(), JsValue::UNDEFINED).unwrap();
    becomes(|| js.url(), &expected, "JS").await;
    js.close(JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap();
}

/// A relative URL that breaks a rule once resolved is named as checked, resolved against the
/// page: the page's part of it (a `file:` scheme, say) is what explains the refusal.
#[wasm_bindgen_test]
fn a_relative_url_refused_once_resolved_is_named_as_resolved() {
    let location = js_sys::Reflect::get(&js_sys::global(), &"location".into()).unwrap();
    let origin = js_sys::Reflect::get(&location, &"origin".into()).unwrap();
    let named = format!("\"{}/echo#frag\"", origin.as_string().unwrap());
    let err = DuplexSocket::new("/echo#frag").expect_err("a fragment is refused");
    assert_eq!(err.code(), "INVALID_URL");
    assert!(err.to_string().contains(&named), "{err}");
    assert_thrown(
        new_socket("/echo#frag".into(), JsValue::UNDEFINED),
        "INVALID_URL",
        &named,
    );
}
