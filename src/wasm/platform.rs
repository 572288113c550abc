//! The core's ports implemented over the browser: `fetch` for `Http`, `chrome.storage` for
//! `Store`, `Date.now`/`setTimeout` for `Clock`. Layer: glue (wasm32 only).

use super::chrome::{self, set_timeout};
use crate::ports::{Area, Browser, Clock, Http, HttpRequest, HttpResponse, Method, Store, StoreError, TransportError};
use gloo_net::http::RequestBuilder;
use js_sys::{Array, Object, Promise};
use serde_json::{Map, Value};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// How long one HTTP request may take before it is abandoned as a timeout.
const REQUEST_TIMEOUT_MS: i32 = 20_000;

pub struct BrowserHttp;

impl Http for BrowserHttp {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let controller = web_sys::AbortController::new().map_err(|_| network("no AbortController"))?;
        let signal = controller.signal();
        let abort = Closure::once_into_js(move || controller.abort());
        set_timeout(abort.unchecked_ref(), REQUEST_TIMEOUT_MS);
        let method = match request.method {
            Method::Get => gloo_net::http::Method::GET,
            Method::Post => gloo_net::http::Method::POST,
            Method::Put => gloo_net::http::Method::PUT,
            Method::Patch => gloo_net::http::Method::PATCH,
            Method::Delete => gloo_net::http::Method::DELETE,
        };
        let mut builder = RequestBuilder::new(&request.url).method(method).abort_signal(Some(&signal));
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let built = match &request.body {
            Some(body) => builder.body(body.clone()),
            None => builder.build(),
        }
        .map_err(|e| network(&e.to_string()))?;
        let response = built.send().await.map_err(|e| {
            if signal.aborted() {
                TransportError::Timeout
            } else {
                network(&e.to_string())
            }
        })?;
        let status = response.status();
        let headers = response.headers().entries().collect();
        let body = response.text().await.map_err(|e| {
            if signal.aborted() {
                TransportError::Timeout
            } else {
                network(&e.to_string())
            }
        })?;
        Ok(HttpResponse { status, headers, body })
    }
}

fn network(reason: &str) -> TransportError {
    TransportError::Network(reason.to_string())
}

pub struct ChromeStore;

thread_local! {
    /// The start-up reads (`worker::START_UP_READS`) fetched in one request, served to the
    /// start's own reads and kept current by its writes; dropped when `start()` ends, so every
    /// later read goes to Chrome. `None` outside a start, or when the one request failed.
    static START_UP: RefCell<Option<Map<String, Value>>> = const { RefCell::new(None) };
}

/// Sends the one request for the start-up reads now (Chrome answers it beside whatever else
/// the start has asked for); the returned future stores its answer for the start's reads.
pub fn fetch_start_up_reads() -> impl std::future::Future<Output = ()> {
    let request = chrome::storage_area("local").ok().map(|local| {
        let keys: Array = crate::worker::START_UP_READS.iter().map(|k| JsValue::from_str(k)).collect();
        JsFuture::from(local.get(&keys))
    });
    async move {
        let Some(request) = request else { return };
        if let Ok(Value::Object(found)) = request.await.map_err(drop).and_then(|items| from_js(&items).map_err(drop)) {
            START_UP.with(|s| *s.borrow_mut() = Some(found));
        }
    }
}

/// The start is over: reads go to Chrome again.
pub fn end_start_up_reads() {
    START_UP.with(|s| *s.borrow_mut() = None);
}

/// A start-up read's answer, when the start-up fetch holds it (`Some(None)`: the key is absent).
pub(super) fn start_up_read(key: &str) -> Option<Option<Value>> {
    if !crate::worker::START_UP_READS.contains(&key) {
        return None;
    }
    START_UP.with(|s| s.borrow().as_ref().map(|found| found.get(key).cloned()))
}

/// Keeps the start-up fetch current with the start's own writes (`None`: removed).
fn start_up_wrote(key: &str, value: Option<&Value>) {
    START_UP.with(|s| {
        if let Some(found) = s.borrow_mut().as_mut() {
            match value {
                Some(value) => found.insert(key.to_string(), value.clone()),
                None => found.remove(key),
            };
        }
    });
}

fn area_name(area: Area) -> &'static str {
    match area {
        Area::Local => "local",
        Area::Session => "session",
        Area::Managed => "managed",
    }
}

fn store_error(e: JsValue) -> StoreError {
    StoreError(e.as_string().unwrap_or_else(|| js_sys::JSON::stringify(&e).map(String::from).unwrap_or_default()))
}

/// Converts a JSON value to a plain JS value (objects as objects, keys sorted) through one
/// JSON text and the engine's `JSON.parse`: the core writes every value as JSON by hand
/// (`json_write`), and nothing of serde's serializer but the text writer ships (issue 12: size).
pub fn to_js(value: &Value) -> JsValue {
    js_sys::JSON::parse(&value.to_string()).unwrap_or(JsValue::NULL)
}

/// Reads a JS value as JSON (`JSON.stringify`, then serde_json): functions and `undefined`
/// members are dropped as `JSON.stringify` drops them; a value it refuses (a cycle, a BigInt) or
/// `undefined` itself is an error.
pub fn from_js(value: &JsValue) -> Result<serde_json::Value, String> {
    let text = js_sys::JSON::stringify(value).map_err(|e| describe(&e))?;
    let text = text.as_string().ok_or_else(|| "not a JSON value".to_string())?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

impl Store for ChromeStore {
    async fn get(&self, area: Area, key: &str) -> Result<Option<serde_json::Value>, StoreError> {
        if area == Area::Managed {
            return Ok(super::policy::get(key).await);
        }
        if area == Area::Local {
            if let Some(found) = start_up_read(key) {
                return Ok(found);
            }
        }
        let storage = chrome::storage_area(area_name(area)).map_err(store_error)?;
        let items = JsFuture::from(storage.get(&JsValue::from_str(key))).await.map_err(store_error)?;
        let value = chrome::field(&items, key);
        if value.is_undefined() {
            return Ok(None);
        }
        from_js(&value).map(Some).map_err(StoreError)
    }

    async fn set(&self, area: Area, key: &str, value: serde_json::Value) -> Result<(), StoreError> {
        let storage = chrome::storage_area(area_name(area)).map_err(store_error)?;
        let items = Object::new();
        js_sys::Reflect::set(&items, &JsValue::from_str(key), &to_js(&value)).map_err(store_error)?;
        JsFuture::from(storage.set(&items)).await.map_err(store_error)?;
        if area == Area::Local {
            start_up_wrote(key, Some(&value));
        }
        Ok(())
    }

    async fn remove(&self, area: Area, key: &str) -> Result<(), StoreError> {
        let storage = chrome::storage_area(area_name(area)).map_err(store_error)?;
        JsFuture::from(storage.remove(&JsValue::from_str(key))).await.map_err(store_error)?;
        if area == Area::Local {
            start_up_wrote(key, None);
        }
        Ok(())
    }

    async fn keys(&self, area: Area) -> Result<Vec<String>, StoreError> {
        if area == Area::Managed {
            return Ok(super::policy::keys().await);
        }
        let storage = chrome::storage_area(area_name(area)).map_err(store_error)?;
        let items = JsFuture::from(storage.get(&JsValue::NULL)).await.map_err(store_error)?;
        let object: Object = items.unchecked_into();
        let keys: Array = Object::keys(&object);
        Ok(keys.iter().filter_map(|k| k.as_string()).collect())
    }
}

pub struct BrowserClock;

impl Clock for BrowserClock {
    fn now_ms(&self) -> i64 {
        js_sys::Date::now() as i64
    }

    fn zone_offset_ms(&self, zone: &str, at_ms: i64) -> Option<i64> {
        // Intl knows every IANA zone: format the instant in the zone, read the wall-clock
        // fields back as if they were UTC, and the difference is the zone's offset.
        let options = to_js(&serde_json::json!({
            "timeZone": zone, "hourCycle": "h23", "year": "numeric", "month": "numeric", "day": "numeric",
            "hour": "numeric", "minute": "numeric", "second": "numeric",
        }));
        let format = chrome::date_time_format(&options).ok()?;
        let parts = format.format_to_parts(&js_sys::Date::new(&JsValue::from_f64(at_ms as f64)));
        let mut fields = [0f64; 6];
        for part in parts.iter() {
            let kind = chrome::field(&part, "type").as_string().unwrap_or_default();
            // Integers only (h23 and numeric fields): u32, not f64, keeps core's float parser out.
            let value =
                chrome::field(&part, "value").as_string().and_then(|v| v.parse::<u32>().ok()).map_or(0.0, f64::from);
            let slot = match kind.as_str() {
                "year" => 0,
                "month" => 1,
                "day" => 2,
                "hour" => 3,
                "minute" => 4,
                "second" => 5,
                _ => continue,
            };
            // cannot panic: `slot` is one of the six arms above, 0..=5, in a 6-entry array.
            fields[slot] = value;
        }
        let [year, month, day, hour, minute, second] = fields;
        let wall = js_sys::Date::utc(year, month - 1.0)
            + ((day - 1.0) * 86_400.0 + hour * 3_600.0 + minute * 60.0 + second) * 1_000.0;
        Some(wall as i64 - (at_ms - at_ms.rem_euclid(1_000)))
    }

    fn utc_offset_ms(&self, at_ms: i64) -> i64 {
        // getTimezoneOffset is UTC minus local, in minutes.
        let date = js_sys::Date::new(&JsValue::from_f64(at_ms as f64));
        -(date.get_timezone_offset() as i64) * 60_000
    }

    async fn sleep(&self, ms: u64) {
        let wait = Promise::new(&mut |resolve, _reject| {
            set_timeout(&resolve, ms.min(i32::MAX as u64) as i32);
        });
        // A setTimeout promise never rejects: only its resolution is awaited.
        let _ = JsFuture::from(wait).await;
    }
}

pub struct ChromeBrowser;

impl Browser for ChromeBrowser {
    fn redirect_url(&self) -> String {
        chrome::get_redirect_url()
    }

    async fn launch_web_auth_flow(&self, url: &str) -> Result<String, String> {
        let details = to_js(&serde_json::json!({ "url": url, "interactive": true }));
        let promise = chrome::launch_web_auth_flow(&details).map_err(|e| describe(&e))?;
        let answer = JsFuture::from(promise).await.map_err(|e| describe(&e))?;
        answer.as_string().ok_or_else(|| "The sign-in window returned no address.".to_string())
    }

    fn fill_random(&self, buffer: &mut [u8]) -> Result<(), String> {
        chrome::get_random_values(buffer)
            .map(|_| ())
            .map_err(|e| e.as_string().unwrap_or_else(|| "crypto.getRandomValues failed".to_string()))
    }

    fn set_alarm(&self, name: &str, at_ms: i64) {
        // The `Browser` port has no failure to report: a missed alarm only delays its work to
        // the next start (`catch_up` re-arms every alarm and drains the outbox).
        let _ = chrome::alarms_create(name, &to_js(&serde_json::json!({ "when": at_ms as f64 })));
    }

    fn clear_alarm(&self, name: &str) {
        // An alarm left armed wakes a handler that finds nothing due and re-arms or clears it.
        let _ = chrome::alarms_clear(name);
    }

    fn set_badge(&self, text: &str, trouble: bool) {
        // The badge only echoes what the popup says in words (the pause alert), so a failed
        // update hides nothing the rep cannot read there.
        let _ = chrome::set_badge_text(&to_js(&serde_json::json!({ "text": text })));
        let color = if trouble { "#b3261e" } else { "#516f90" };
        // As above: the colour is decoration over the same fact.
        let _ = chrome::set_badge_background_color(&to_js(&serde_json::json!({ "color": color })));
    }
}

/// A readable sentence from a thrown JS value (an Error's message, or the value itself).
pub fn describe(error: &JsValue) -> String {
    let message = chrome::field(error, "message");
    message.as_string().or_else(|| error.as_string()).unwrap_or_else(|| "unknown browser error".to_string())
}
