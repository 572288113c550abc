//! Glue tests, run by wasm-bindgen-test in headless Chromium (`cargo test --target
//! wasm32-unknown-unknown --lib`). Layer: glue. They check the byte-moving: JSON ↔ JS values,
//! Chrome's `MessageSender` shape, `fetch` results and failures, the clock.

use super::exports::{classify_page, read_sender};
use super::platform::{from_js, to_js, BrowserClock, BrowserHttp};
use crate::message::Sender;
use crate::ports::{Clock, Http, HttpRequest, Method, TransportError};
use js_sys::{Object, Reflect, JSON};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn set(object: &Object, key: &str, value: JsValue) {
    Reflect::set(object, &JsValue::from_str(key), &value).expect("set");
}

#[wasm_bindgen_test]
fn json_objects_cross_as_plain_objects_not_maps() {
    let value = serde_json::json!({"kind": "card", "nested": {"a": [1, "two", null]}});
    let text: String = JSON::stringify(&to_js(&value)).expect("stringify").into();
    assert_eq!(serde_json::from_str::<serde_json::Value>(&text).expect("json"), value);
}

#[wasm_bindgen_test]
fn js_values_are_read_as_json_and_what_json_cannot_hold_is_refused() {
    let message = Object::new();
    set(&message, "kind", "card".into());
    set(&message, "url", "https://app.hubspot.com/contacts/1/record/0-1/2".into());
    set(&message, "dropped", JsValue::UNDEFINED);
    let expected = serde_json::json!({"kind": "card", "url": "https://app.hubspot.com/contacts/1/record/0-1/2"});
    assert_eq!(from_js(&message.into()), Ok(expected));
    assert_eq!(from_js(&JsValue::from_f64(2.5)), Ok(serde_json::json!(2.5)));
    // Nothing, a BigInt and a cycle are errors, never a panic or a silent null.
    assert!(from_js(&JsValue::UNDEFINED).is_err());
    assert!(from_js(&JsValue::bigint_from_str("1")).is_err());
    let cycle = Object::new();
    set(&cycle, "me", cycle.clone().into());
    assert!(from_js(&cycle.into()).is_err());
}

#[wasm_bindgen_test]
fn message_sender_is_read_from_chromes_shape() {
    let sender = Object::new();
    set(&sender, "id", "abc".into());
    set(&sender, "url", "https://app.hubspot.com/contacts/1/record/0-1/2".into());
    let tab = Object::new();
    set(&tab, "url", "https://app.hubspot.com/contacts/1/record/0-1/3".into());
    set(&sender, "tab", tab.into());
    set(&sender, "frameId", JsValue::from_f64(0.0));
    assert_eq!(
        read_sender(&sender.into()),
        Sender {
            id: Some("abc".into()),
            url: Some("https://app.hubspot.com/contacts/1/record/0-1/2".into()),
            from_tab: true,
            frame_id: Some(0),
            tab_url: Some("https://app.hubspot.com/contacts/1/record/0-1/3".into()),
        }
    );
    // Garbage in: no panic, nothing trusted.
    assert_eq!(read_sender(&JsValue::from_f64(3.0)), Sender::default());
    assert_eq!(read_sender(&JsValue::NULL), Sender::default());
}

#[wasm_bindgen_test]
fn classify_page_returns_a_tagged_object() {
    let page = classify_page("https://app-eu1.hubspot.com/contacts/9/record/0-1/77");
    let text: String = JSON::stringify(&page).expect("stringify").into();
    let expected = serde_json::json!({"kind": "contact", "hublet": "eu1", "portal": "9", "contact": "77"});
    assert_eq!(serde_json::from_str::<serde_json::Value>(&text).expect("json"), expected);
}

#[wasm_bindgen_test]
async fn fetch_reads_status_headers_and_body() {
    let request = HttpRequest::new(Method::Get, "data:application/json,%7B%22ok%22%3Atrue%7D");
    let response = BrowserHttp.send(&request).await.expect("data URL answers");
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(response.body, r#"{"ok":true}"#);
}

#[wasm_bindgen_test]
async fn fetch_reports_a_refused_connection_as_a_network_error() {
    let request = HttpRequest::new(Method::Post, "http://127.0.0.1:9/nothing-listens-here").header("X-Test", "1");
    match BrowserHttp.send(&request).await {
        Err(TransportError::Network(_)) => {}
        other => panic!("expected a network error, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn clock_sleeps_about_as_long_as_asked() {
    let before = BrowserClock.now_ms();
    BrowserClock.sleep(50).await;
    let slept = BrowserClock.now_ms() - before;
    assert!((45..1000).contains(&slept), "slept {slept} ms");
}

#[wasm_bindgen_test]
fn zone_offsets_come_from_the_browsers_time_zone_database() {
    let noon = 1_795_780_800_000; // 2026-11-27 12:00 UTC
    assert_eq!(BrowserClock.zone_offset_ms("Asia/Kolkata", noon), Some(19_800_000));
    assert_eq!(BrowserClock.zone_offset_ms("America/Los_Angeles", noon), Some(-8 * 3_600_000));
    assert_eq!(BrowserClock.zone_offset_ms("Europe/Berlin", noon), Some(3_600_000));
    // Summer time: Berlin is UTC+2 in July.
    assert_eq!(BrowserClock.zone_offset_ms("Europe/Berlin", 1_782_907_200_000), Some(7_200_000));
    assert_eq!(BrowserClock.zone_offset_ms("Nowhere/Atlantis", noon), None);
}
