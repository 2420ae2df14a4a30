//! DuplexSocket as a citizen of the web platform (API 0.2): a real EventTarget, URL
//! providers, reconnect rules, the page's lifecycle, heartbeat replies. The checks are JS
//! (tests/web/platform.js), run here in both browsers against duplex-server.

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::js_class::socket_class;
use crate::support::{hooks, server};

#[wasm_bindgen(module = "/tests/web/platform.js")]
extern "C" {
    #[wasm_bindgen(js_name = eventTargetSemantics)]
    fn event_target_semantics(class: &JsValue, url: &str) -> Promise;
    #[wasm_bindgen(js_name = binaryTypeSwitchedMidStream)]
    fn binary_type_switched_mid_stream(class: &JsValue, url: &str) -> Promise;
    #[wasm_bindgen(js_name = aUrlObjectIsTaken)]
    fn a_url_object_is_taken(class: &JsValue, url: &str) -> Promise;
    #[wasm_bindgen(js_name = urlProviderGivesATokenPerAttempt)]
    fn url_provider_gives_a_token_per_attempt(class: &JsValue, url: &str) -> Promise;
    #[wasm_bindgen(js_name = aRejectingProviderIsAnErrorThenBackoff)]
    fn a_rejecting_provider_is_an_error_then_backoff(class: &JsValue, url: &str) -> Promise;
    #[wasm_bindgen(js_name = anAcceptAndDropServerIsNotHammered)]
    fn an_accept_and_drop_server_is_not_hammered(class: &JsValue, url: &str) -> Promise;
    #[wasm_bindgen(js_name = offlinePausesAndOnlineReconnectsAtOnce)]
    fn offline_pauses_and_online_reconnects_at_once(class: &JsValue, url: &str) -> Promise;
    #[wasm_bindgen(js_name = aHeartbeatWithDelayedTimersDoesNotTimeOutFalsely)]
    fn a_heartbeat_with_delayed_timers_does_not_time_out_falsely(
        class: &JsValue,
        url: &str,
    ) -> Promise;
    #[wasm_bindgen(js_name = theBackForwardCacheClosesAndAShowReopens)]
    fn the_back_forward_cache_closes_and_a_show_reopens(class: &JsValue, url: &str) -> Promise;
    #[wasm_bindgen(js_name = heartbeatReplyIsNotDispatched)]
    fn heartbeat_reply_is_not_dispatched(class: &JsValue, url: &str) -> Promise;
    #[wasm_bindgen(js_name = shouldReconnectHasTheLastWord)]
    fn should_reconnect_has_the_last_word(class: &JsValue, url: &str) -> Promise;
    #[wasm_bindgen(js_name = queuedTextCountsItsUtf8Bytes)]
    fn queued_text_counts_its_utf8_bytes(class: &JsValue, url: &str) -> Promise;
}

/// Runs a JS check; its Error's message is the failure.
pub(crate) async fn run(check: fn(&JsValue, &str) -> Promise, url: String) {
    if let Err(error) = JsFuture::from(check(&socket_class(), &url)).await {
        let message = error
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .unwrap_or_else(|| format!("{error:?}"));
        panic!("{message}");
    }
}

#[wasm_bindgen_test]
async fn a_real_event_target_once_signal_handle_event_order_this_and_reported_throws() {
    run(event_target_semantics, server("/echo")).await;
}

#[wasm_bindgen_test]
async fn binary_type_can_be_switched_mid_stream() {
    run(binary_type_switched_mid_stream, server("/echo")).await;
}

#[wasm_bindgen_test]
async fn a_url_object_is_taken_as_a_websocket_takes_it() {
    run(a_url_object_is_taken, server("/echo")).await;
}

#[wasm_bindgen_test]
async fn a_url_provider_gives_each_attempt_its_own_token() {
    run(url_provider_gives_a_token_per_attempt, hooks()).await;
}

#[wasm_bindgen_test]
async fn a_rejecting_url_provider_is_an_error_event_then_backoff() {
    run(
        a_rejecting_provider_is_an_error_then_backoff,
        server("/echo"),
    )
    .await;
}

#[wasm_bindgen_test]
async fn a_server_that_accepts_and_drops_is_retried_no_faster_than_the_backoff() {
    run(an_accept_and_drop_server_is_not_hammered, hooks()).await;
}

#[wasm_bindgen_test]
async fn offline_pauses_attempts_and_online_reconnects_within_100_ms() {
    run(offline_pauses_and_online_reconnects_at_once, hooks()).await;
}

#[wasm_bindgen_test]
async fn a_heartbeat_whose_timers_were_delayed_does_not_time_out_falsely() {
    run(
        a_heartbeat_with_delayed_timers_does_not_time_out_falsely,
        server("/echo"),
    )
    .await;
}

#[wasm_bindgen_test]
async fn pagehide_into_the_bfcache_closes_and_pageshow_reopens_with_the_queue() {
    run(
        the_back_forward_cache_closes_and_a_show_reopens,
        server("/echo"),
    )
    .await;
}

#[wasm_bindgen_test]
async fn the_heartbeat_reply_of_the_original_server_is_not_dispatched() {
    run(heartbeat_reply_is_not_dispatched, server("/")).await;
}

#[wasm_bindgen_test]
async fn should_reconnect_has_the_last_word_and_reconnect_reopens() {
    run(should_reconnect_has_the_last_word, hooks()).await;
}

#[wasm_bindgen_test]
async fn queued_text_counts_its_utf8_bytes_short_long_and_lone_surrogates() {
    run(queued_text_counts_its_utf8_bytes, hooks()).await;
}
