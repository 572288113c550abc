//! The handful of functions the service worker calls: the whole wasm surface.
//! Layer: glue (wasm32 only). Each export decodes its input, calls the pure core, encodes
//! the answer; no decision is made here.

use super::chrome;
use super::platform::{to_js, BrowserClock, BrowserHttp, ChromeStore};
use crate::message::Sender;
use crate::worker::{parse_request, Worker};
use wasm_bindgen::prelude::*;

/// Answers one `chrome.runtime.onMessage` message. Always resolves with a response object.
#[wasm_bindgen]
pub async fn handle_message(message: JsValue, sender: JsValue) -> JsValue {
    let raw = serde_wasm_bindgen::from_value::<serde_json::Value>(message)
        .map_err(|e| e.to_string())
        .and_then(parse_request);
    let extension_id = chrome::runtime_id();
    let worker = Worker { http: &BrowserHttp, store: &ChromeStore, clock: &BrowserClock, extension_id: &extension_id };
    let response = worker.handle(raw, &read_sender(&sender)).await;
    to_js(&response)
}

/// Classifies a URL (used by tests and the popup).
#[wasm_bindgen]
pub fn classify_page(url: &str) -> JsValue {
    to_js(&crate::page::classify(url))
}

/// Reads Chrome's `MessageSender` into the core's `Sender`.
pub(super) fn read_sender(sender: &JsValue) -> Sender {
    Sender {
        id: chrome::field(sender, "id").as_string(),
        url: chrome::field(sender, "url").as_string(),
        from_tab: chrome::field(sender, "tab").is_object(),
        frame_id: chrome::field(sender, "frameId").as_f64().map(|f| f as i64),
    }
}
