//! Browser tests: the Rust API and the npm package's JS class (bundled, js_class.rs) of
//! `DuplexSocket` against a real `duplex-server`,
//! in headless Chromium and Firefox. `scripts/test.sh` starts the server on a free port
//! (with `--test-hooks`) and passes its address at compile time as `DUPLEX_SERVER_URL`.
#![cfg(target_arch = "wasm32")]

mod support;

mod conversation;
mod errors;
mod js_class;
mod js_face;
mod option_names;
mod platform;
mod reconnect;
mod resources;
mod sessions;
mod streams;
mod urls;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
