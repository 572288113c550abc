//! Admin policy as the glue serves it to the core: `chrome.storage.managed`, read once and kept
//! in memory, started from the last copy in local storage because Chrome's first managed read
//! after the browser starts takes seconds. Layer: glue (wasm32 only); what may be copied and
//! when a copy may stand in is decided by `settings::{policy_snapshot, snapshot_can_stand_in}`.

use super::chrome;
use super::platform::{from_js, to_js};
use crate::settings::{policy_snapshot, snapshot_can_stand_in, POLICY_SNAPSHOT_KEY};
use serde_json::{Map, Value};
use std::cell::RefCell;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

thread_local! {
    static POLICY: RefCell<Option<Map<String, Value>>> = const { RefCell::new(None) };
}

async fn read_area(area: &str, key: Option<&str>) -> Option<Value> {
    let storage = chrome::storage_area(area).ok()?;
    let keys = key.map_or(JsValue::NULL, JsValue::from_str);
    let items = JsFuture::from(storage.get(&keys)).await.ok()?;
    let value = match key {
        Some(k) => chrome::field(&items, k),
        None => items,
    };
    from_js(&value).ok()
}

/// Reads the real policy now, keeps it, and stores the snapshot. True when it changed.
pub async fn refresh() -> bool {
    let real = match read_area("managed", None).await {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    };
    let changed = POLICY.with(|p| p.borrow().as_ref() != Some(&real));
    let snapshot = Value::Object(policy_snapshot(&real));
    POLICY.with(|p| *p.borrow_mut() = Some(real));
    if let Ok(storage) = chrome::storage_area("local") {
        let items = js_sys::Object::new();
        // Setting a property on a fresh plain object cannot fail (no setter, not frozen).
        let _ = js_sys::Reflect::set(&items, &JsValue::from_str(POLICY_SNAPSHOT_KEY), &to_js(&snapshot));
        // The snapshot only spares the next worker's start the slow first managed read; unsaved,
        // that start reads the real policy instead (the answer waits, nothing is wrong).
        let _ = JsFuture::from(storage.set(&items)).await;
    }
    changed
}

/// The names the policy holds, from the same copy `get` answers from (so the snapshot serves
/// the first start without waiting seconds for Chrome's first managed read).
pub async fn keys() -> Vec<String> {
    load().await;
    POLICY.with(|p| p.borrow().as_ref().map(|m| m.keys().cloned().collect()).unwrap_or_default())
}

/// One policy value.
pub async fn get(key: &str) -> Option<Value> {
    load().await;
    POLICY.with(|p| p.borrow().as_ref().and_then(|m| m.get(key).cloned()))
}

/// Fills the in-memory copy once per worker. The first load answers from the snapshot when it
/// can stand in (the real read then runs behind it and `on_changed` rebuilds what depends on
/// it); otherwise it waits for the real read.
async fn load() {
    if POLICY.with(|p| p.borrow().is_some()) {
        return;
    }
    let snapshot = match super::platform::start_up_read(POLICY_SNAPSHOT_KEY) {
        Some(found) => found,
        None => read_area("local", Some(POLICY_SNAPSHOT_KEY)).await,
    };
    if let Some(Value::Object(snapshot)) = snapshot {
        if snapshot_can_stand_in(&snapshot) && POLICY.with(|p| p.borrow().is_none()) {
            POLICY.with(|p| *p.borrow_mut() = Some(snapshot));
            wasm_bindgen_futures::spawn_local(async {
                if refresh().await {
                    super::exports::reconfigure().await;
                }
            });
            return;
        }
    }
    refresh().await;
}
