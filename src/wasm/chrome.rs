//! Every `chrome.*` and browser-global binding the glue uses, in one file.
//! Layer: glue (wasm32 only). Objects are reached by property path from the global scope so
//! that a missing API (a context without `chrome.storage.session`, say) is an error, not a trap.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    /// A `chrome.storage` area (`local`, `session`, `managed`).
    pub type StorageArea;
    #[wasm_bindgen(method)]
    pub fn get(this: &StorageArea, keys: &JsValue) -> Promise;
    #[wasm_bindgen(method)]
    pub fn set(this: &StorageArea, items: &JsValue) -> Promise;
    #[wasm_bindgen(method)]
    pub fn remove(this: &StorageArea, keys: &JsValue) -> Promise;
    #[wasm_bindgen(method, js_name = setAccessLevel, catch)]
    pub fn set_access_level(this: &StorageArea, options: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_name = setTimeout)]
    pub fn set_timeout(handler: &Function, ms: i32) -> JsValue;

    #[wasm_bindgen(js_namespace = ["chrome", "identity"], js_name = getRedirectURL)]
    pub fn get_redirect_url() -> String;
    #[wasm_bindgen(js_namespace = ["chrome", "identity"], js_name = launchWebAuthFlow, catch)]
    pub fn launch_web_auth_flow(details: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "alarms"], js_name = create, catch)]
    pub fn alarms_create(name: &str, info: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "alarms"], js_name = clear, catch)]
    pub fn alarms_clear(name: &str) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "action"], js_name = setBadgeText, catch)]
    pub fn set_badge_text(details: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "action"], js_name = setBadgeBackgroundColor, catch)]
    pub fn set_badge_background_color(details: &JsValue) -> Result<JsValue, JsValue>;

    /// `new Intl.DateTimeFormat("en-US", options)`; throws for an unknown time zone.
    #[wasm_bindgen(js_namespace = Intl, js_name = DateTimeFormat, catch)]
    fn new_date_time_format(locale: &str, options: &JsValue) -> Result<js_sys::Intl::DateTimeFormat, JsValue>;

    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues, catch)]
    pub fn get_random_values(buffer: &mut [u8]) -> Result<JsValue, JsValue>;
}

/// Reads `globalThis.a.b.c`.
pub fn lookup(path: &[&str]) -> Result<JsValue, JsValue> {
    let mut value: JsValue = js_sys::global().into();
    for name in path {
        value = Reflect::get(&value, &JsValue::from_str(name))?;
        if value.is_undefined() || value.is_null() {
            let mut message = String::from("missing browser API: ");
            message.push_str(&path.join("."));
            return Err(JsValue::from_str(&message));
        }
    }
    Ok(value)
}

/// `chrome.storage.<area>`.
pub fn storage_area(area: &str) -> Result<StorageArea, JsValue> {
    Ok(lookup(&["chrome", "storage", area])?.unchecked_into())
}

/// `chrome.runtime.id`: this extension's id.
pub fn runtime_id() -> String {
    lookup(&["chrome", "runtime", "id"]).ok().and_then(|v| v.as_string()).unwrap_or_default()
}

/// Reads a property of a JS object, `undefined` when absent.
pub fn field(object: &JsValue, name: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

/// An `Intl.DateTimeFormat` for US English with these options (a bad zone is an error).
pub fn date_time_format(options: &JsValue) -> Result<js_sys::Intl::DateTimeFormat, JsValue> {
    new_date_time_format("en-US", options)
}
