//! The storage layout's version story: `storage:version` (local) holds the layout number, and
//! `migrate` runs at start-up before anything else reads storage. Layer: core (pure).
//! Rules: keys of the current layout stay; older keys are migrated where a migration exists;
//! caches are otherwise dropped (they are only caches); call logs and history are never dropped.

use super::history::HistoryEntry;
use crate::hubspot::model::{parse_timestamp_ms, text};
use crate::ids::{CallId, ContactId};
use crate::keys;
use crate::ports::{Area, Store, StoreError};
use serde::Serialize;
use serde_json::Value;

pub const LAYOUT_VERSION_KEY: &str = crate::keys::LAYOUT_VERSION.key;

/// The layout this build reads and writes: every key of `keys::ALL`.
pub const CURRENT_LAYOUT: u64 = 1;

/// What `migrate` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MigrationReport {
    /// The layout found (`None`: no marker, a fresh install or the unversioned layout 0).
    pub from: Option<u64>,
    pub to: u64,
    /// `(old key, new key)` of every migrated value.
    pub moved: Vec<(String, String)>,
    /// Keys removed: caches, and sign-in data of another layout (the rep signs in again).
    pub dropped: Vec<String>,
    /// Call logs, history and unrecognised keys this build cannot migrate: left as they are,
    /// never deleted, so the options page can say so.
    pub left: Vec<String>,
}

/// Brings storage to `CURRENT_LAYOUT`. Quick when it already is (one read).
///
/// Layout 0 (the prototypes) used the same families without a version segment: `outbox:<id>`
/// (same value as today), `history:<id>` as `{contactId, name, number, at, seconds, outcome,
/// callId}`, `settings`, `profile`, `budget`, `tokens` and `cache:...`.
pub async fn migrate<S: Store>(store: &S) -> Result<MigrationReport, StoreError> {
    let stored = store.get(Area::Local, LAYOUT_VERSION_KEY).await?;
    let from = stored.as_ref().and_then(Value::as_u64);
    let mut report = MigrationReport { from, to: CURRENT_LAYOUT, ..MigrationReport::default() };
    if from == Some(CURRENT_LAYOUT) {
        return Ok(report);
    }
    for area in [Area::Local, Area::Session] {
        for key in store.keys(area).await? {
            if keys::is_known(&key) {
                continue;
            }
            let (family, version) = split_key(&key);
            match (family, version) {
                ("cache", _) => {
                    store.remove(area, &key).await?;
                    report.dropped.push(key);
                }
                // Sign-in state of another layout cannot be read: the rep signs in again.
                ("auth" | "tokens" | "profile" | "budget", _) => {
                    store.remove(area, &key).await?;
                    report.dropped.push(key);
                }
                ("outbox", None) if key.len() > "outbox:".len() => {
                    let new_key = [keys::OUTBOX.key, key.get("outbox:".len()..).unwrap_or_default()].concat();
                    move_value(store, area, &key, &new_key, Some).await?;
                    report.moved.push((key, new_key));
                }
                ("history", None) if key.len() > "history:".len() => {
                    let external_id = key.get("history:".len()..).unwrap_or_default();
                    let new_key = [keys::HISTORY.key, external_id].concat();
                    let convert =
                        |v: Value| history_from_v0(external_id, &v).map(|e| crate::json_write::ToJson::to_json(&e));
                    if move_value(store, area, &key, &new_key, convert).await? {
                        report.moved.push((key, new_key));
                    } else {
                        report.left.push(key);
                    }
                }
                ("settings", None) if key == "settings" => {
                    let taken = store.get(keys::SETTINGS.area, keys::SETTINGS.key).await?.is_some();
                    let convert = |v: Value| (v.is_object() && !taken).then_some(v);
                    if move_value(store, area, &key, keys::SETTINGS.key, convert).await? {
                        report.moved.push((key, keys::SETTINGS.key.to_string()));
                    } else {
                        // The rep's old preferences are worth nothing once newer ones exist.
                        store.remove(area, &key).await?;
                        report.dropped.push(key);
                    }
                }
                // Another layout's call logs and history (a newer build, then a downgrade), and
                // keys nobody here knows: never deleted.
                _ => report.left.push(key),
            }
        }
    }
    store.set(Area::Local, LAYOUT_VERSION_KEY, Value::from(CURRENT_LAYOUT)).await?;
    Ok(report)
}

/// `("outbox", None)` for `outbox:abc`, `("cache", Some(2))` for `cache:v2:queue`.
fn split_key(key: &str) -> (&str, Option<u64>) {
    let mut parts = key.split(':');
    let family = parts.next().unwrap_or(key);
    let version = parts.next().and_then(|p| p.strip_prefix('v')).and_then(|n| n.parse().ok());
    (family, version)
}

/// Writes `convert(value)` under `new_key`, then removes `old_key`; returns false (touching
/// nothing) when there is nothing to convert. The new value is written first, so a worker
/// stopped half-way leaves a copy, never a loss.
async fn move_value<S: Store>(
    store: &S,
    area: Area,
    old_key: &str,
    new_key: &str,
    convert: impl FnOnce(Value) -> Option<Value>,
) -> Result<bool, StoreError> {
    let Some(value) = store.get(area, old_key).await? else { return Ok(false) };
    let Some(value) = convert(value) else { return Ok(false) };
    store.set(area, new_key, value).await?;
    store.remove(area, old_key).await?;
    Ok(true)
}

fn history_from_v0(external_id: &str, v: &Value) -> Option<HistoryEntry> {
    let at = v.get("at")?;
    let started_at_ms = at.as_i64().or_else(|| at.as_str().and_then(parse_timestamp_ms))?;
    let seconds = v.get("seconds").and_then(Value::as_u64).unwrap_or(0);
    Some(HistoryEntry {
        account: None,
        external_id: external_id.to_string(),
        contact: ContactId(text(v.get("contactId"))?),
        contact_name: text(v.get("name")),
        number: text(v.get("number"))?,
        started_at_ms,
        duration_ms: seconds.saturating_mul(1000),
        outcome_label: text(v.get("outcome")),
        call_id: text(v.get("callId")).map(CallId),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::privacy::history;
    use crate::testing::{block_on, FakeStore};
    use serde_json::json;

    /// The unversioned prototype layout.
    fn v0_store() -> FakeStore {
        let store = FakeStore::default();
        store.put(Area::Local, "tokens", json!({"refresh": "rt-old"}));
        store.put(Area::Local, "profile", json!({"portal": "1234567"}));
        store.put(Area::Local, "settings", json!({"dialScheme": "callto"}));
        store.put(Area::Local, "outbox:log-1", json!({"log": {"contact": "73519", "notes": "call back"}}));
        store.put(
            Area::Local,
            "history:log-0",
            json!({"contactId": 73519, "name": "Ana Silva", "number": "+13855550100", "at": "2026-01-01T00:00:00Z", "seconds": 95, "outcome": "Connected", "callId": "88001"}),
        );
        store.put(Area::Local, "history:garbled", json!({"who": "?"}));
        store.put(Area::Session, "cache:contact:73519", json!({"firstname": "Ana"}));
        store.put(Area::Session, "cache:queue", json!([]));
        store
    }

    #[test]
    fn layout_0_is_migrated_caches_dropped_and_no_log_or_history_lost() {
        let store = v0_store();
        let report = block_on(migrate(&store)).unwrap();
        assert_eq!(report.from, None);
        assert_eq!(
            store.keys_in(Area::Local),
            ["history:garbled", "history:v1:log-0", "outbox:v1:log-1", "settings:v1", "storage:version"]
        );
        assert!(store.keys_in(Area::Session).is_empty());
        assert_eq!(store.value(Area::Local, "storage:version"), Some(json!(1)));
        assert_eq!(
            store.value(Area::Local, "outbox:v1:log-1"),
            Some(json!({"log": {"contact": "73519", "notes": "call back"}}))
        );
        assert_eq!(store.value(Area::Local, "settings:v1"), Some(json!({"dialScheme": "callto"})));
        let entries = block_on(history::list(&store)).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].contact, ContactId::new("73519"));
        assert_eq!(entries[0].started_at_ms, 1_767_225_600_000);
        assert_eq!(entries[0].duration_ms, 95_000);
        assert_eq!(entries[0].call_id, Some(CallId::new("88001")));
        assert_eq!(report.left, ["history:garbled"]);
        let mut dropped = report.dropped.clone();
        dropped.sort();
        assert_eq!(dropped, ["cache:contact:73519", "cache:queue", "profile", "tokens"]);
        assert_eq!(report.moved.len(), 3);
    }

    #[test]
    fn the_current_layout_is_left_alone_and_a_second_run_does_nothing() {
        let store = v0_store();
        block_on(migrate(&store)).unwrap();
        let writes = store.writes.get();
        let again = block_on(migrate(&store)).unwrap();
        assert_eq!(again.from, Some(1));
        assert_eq!((again.moved.len(), again.dropped.len(), again.left.len()), (0, 0, 0));
        assert_eq!(store.writes.get(), writes, "nothing written or removed");
    }

    #[test]
    fn a_newer_layout_keeps_its_logs_and_history_and_loses_its_caches() {
        let store = FakeStore::default();
        store.put(Area::Local, "storage:version", json!(2));
        store.put(Area::Local, "outbox:v2:log-9", json!({"log": {}}));
        store.put(Area::Local, "history:v2:log-8", json!({}));
        store.put(Area::Local, "auth:v2:refresh", json!({"token": "rt"}));
        store.put(Area::Session, "cache:v2:queue", json!({}));
        store.put(
            Area::Local,
            "history:v1:log-7",
            serde_json::to_value(history::tests::entry("log-7", "1", 5)).unwrap(),
        );
        let report = block_on(migrate(&store)).unwrap();
        assert_eq!(report.from, Some(2));
        assert_eq!(
            store.keys_in(Area::Local),
            ["history:v1:log-7", "history:v2:log-8", "outbox:v2:log-9", "storage:version"]
        );
        assert!(store.keys_in(Area::Session).is_empty());
        assert_eq!(report.left, ["history:v2:log-8", "outbox:v2:log-9"]);
    }

    #[test]
    fn newer_settings_are_not_overwritten_by_old_ones() {
        let store = FakeStore::default();
        store.put(Area::Local, "settings", json!({"dialScheme": "sip"}));
        store.put(Area::Local, "settings:v1", json!({"dialScheme": "tel"}));
        let report = block_on(migrate(&store)).unwrap();
        assert_eq!(store.value(Area::Local, "settings:v1"), Some(json!({"dialScheme": "tel"})));
        assert_eq!(report.dropped, ["settings"]);
    }

    #[test]
    fn a_fresh_install_just_gets_the_marker() {
        let store = FakeStore::default();
        let report = block_on(migrate(&store)).unwrap();
        assert_eq!(report, MigrationReport { from: None, to: 1, ..MigrationReport::default() });
        assert_eq!(store.keys_in(Area::Local), ["storage:version"]);
    }
}
