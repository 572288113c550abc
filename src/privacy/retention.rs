//! Retention of call history: at most 180 days (an admin may set fewer, never more), purged
//! on a daily alarm and at start-up, measured from the time of each call. Layer: core (pure).
//! Boundary: a call is kept while `now - started_at <= days * 24 h` and purged one millisecond
//! later, so with 180 days a call 180 days old is kept and one 180 days and 1 ms old is gone.

use super::history;
use crate::keys::{FORGET_MARK, HISTORY, OUTBOX};
use crate::ports::{Area, Clock, Store, StoreError};
/// The setting is the settings' (it is read from policy); the purge applies it.
pub use crate::settings::RetentionDays;
use serde::Serialize;
use serde_json::Value;

pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The alarm that runs `purge` once a day.
pub const PURGE_ALARM: &str = "spotdial:purge";

/// True when a call that started at `started_at_ms` is still kept at `now_ms` under `days`.
/// Calls in the future (a clock that was wrong) are kept.
pub fn keeps(days: RetentionDays, started_at_ms: i64, now_ms: i64) -> bool {
    now_ms.saturating_sub(started_at_ms) <= i64::from(days.days()) * DAY_MS
}

/// What one purge did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PurgeReport {
    /// External ids of the history entries removed for their age.
    pub expired: Vec<String>,
    /// History keys whose value could not be read (and so could not be aged), removed.
    pub unreadable: Vec<String>,
    /// History entries still within the retention period.
    pub kept: usize,
    /// `forget:v1:` marks removed a day after their call log left the outbox.
    pub stale_marks: usize,
}

/// Removes every call-history entry older than `days` at the clock's time, unreadable history
/// values, and forget marks a day after their log left the outbox. Run at start-up and on
/// `PURGE_ALARM`.
pub async fn purge<S: Store, C: Clock>(store: &S, clock: &C, days: RetentionDays) -> Result<PurgeReport, StoreError> {
    let now = clock.now_ms();
    let keys = store.keys(Area::Local).await?;
    let mut report = PurgeReport::default();
    for key in &keys {
        if let Some(external_id) = key.strip_prefix(HISTORY.key) {
            match store.get(Area::Local, key).await? {
                None => {}
                Some(value) => match history::parse(&value) {
                    Some(entry) if keeps(days, entry.started_at_ms, now) => report.kept += 1,
                    Some(_) => {
                        store.remove(Area::Local, key).await?;
                        report.expired.push(external_id.to_string());
                    }
                    None => {
                        store.remove(Area::Local, key).await?;
                        report.unreadable.push(key.clone());
                    }
                },
            }
        } else if let Some(external_id) = key.strip_prefix(FORGET_MARK.key) {
            let outbox_key = [OUTBOX.key, external_id].concat();
            if keys.contains(&outbox_key) {
                continue;
            }
            // The log has left the outbox. The worker records (here: skips) its history right
            // after the drain, so a mark is removed only a day after it was first seen alone.
            let seen = store.get(Area::Local, key).await?;
            match seen.as_ref().and_then(|v| v.get("orphaned_at_ms")).and_then(Value::as_i64) {
                Some(since) if now.saturating_sub(since) >= DAY_MS => {
                    store.remove(Area::Local, key).await?;
                    report.stale_marks += 1;
                }
                Some(_) => {}
                None => store.set(Area::Local, key, serde_json::json!({ "orphaned_at_ms": now })).await?,
            }
        }
    }
    Ok(report)
}

/// When the next daily purge is due.
pub fn next_purge_at_ms(now_ms: i64) -> i64 {
    now_ms.saturating_add(DAY_MS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::privacy::history::tests::entry;
    use crate::testing::{block_on, FakeClock, FakeStore};
    use serde_json::json;

    const NOW: i64 = 1_800_000_000_000;

    fn store_with_calls_aged(ages_ms: &[(&str, i64)]) -> FakeStore {
        let store = FakeStore::default();
        for (id, age) in ages_ms {
            let value = serde_json::to_value(entry(id, "1", NOW - age)).unwrap();
            store.put(Area::Local, &["history:v1:", id].concat(), value);
        }
        store
    }

    fn remaining(store: &FakeStore) -> Vec<String> {
        store.keys_in(Area::Local).into_iter().filter_map(|k| k.strip_prefix("history:v1:").map(String::from)).collect()
    }

    #[test]
    fn default_retention_keeps_day_179_and_180_and_drops_day_181() {
        let store = store_with_calls_aged(&[
            ("d179", 179 * DAY_MS),
            ("d180", 180 * DAY_MS),
            ("d180-and-1ms", 180 * DAY_MS + 1),
            ("d181", 181 * DAY_MS),
            ("today", 0),
            ("future", -DAY_MS),
        ]);
        let report = block_on(purge(&store, &FakeClock::at(NOW), RetentionDays::default())).unwrap();
        assert_eq!(remaining(&store), ["d179", "d180", "future", "today"]);
        let mut expired = report.expired.clone();
        expired.sort();
        assert_eq!(expired, ["d180-and-1ms", "d181"]);
        assert_eq!(report.kept, 4);
    }

    #[test]
    fn an_admins_30_days_purge_at_day_31() {
        let days = RetentionDays::from_policy(&json!(30)).unwrap();
        let store = store_with_calls_aged(&[
            ("d29", 29 * DAY_MS),
            ("d30", 30 * DAY_MS),
            ("d31", 31 * DAY_MS),
            ("d179", 179 * DAY_MS),
        ]);
        block_on(purge(&store, &FakeClock::at(NOW), days)).unwrap();
        assert_eq!(remaining(&store), ["d29", "d30"]);
    }

    #[test]
    fn the_same_call_is_kept_until_its_day_passes_as_the_clock_moves() {
        let store = store_with_calls_aged(&[("c", 0)]);
        let clock = FakeClock::at(NOW + 179 * DAY_MS);
        block_on(purge(&store, &clock, RetentionDays::default())).unwrap();
        assert_eq!(remaining(&store), ["c"]);
        clock.now.set(NOW + 181 * DAY_MS);
        let report = block_on(purge(&store, &clock, RetentionDays::default())).unwrap();
        assert!(remaining(&store).is_empty());
        assert_eq!(report.expired, ["c"]);
    }

    #[test]
    fn a_policy_of_400_days_is_refused_with_a_clear_message() {
        let error = RetentionDays::from_policy(&json!(400)).unwrap_err();
        assert_eq!(error.message(), "Call history may be kept at most 180 days; the policy asks for 400.");
    }

    #[test]
    fn other_bad_policy_values_are_refused_and_good_ones_read() {
        let msg = |v: Value| RetentionDays::from_policy(&v).unwrap_err().message().to_string();
        assert_eq!(msg(json!(0)), "Call history must be kept at least 1 day; the policy asks for 0.");
        assert!(msg(json!(-3)).contains("at least 1 day"));
        assert!(msg(json!(30.5)).contains("whole number"), "{}", msg(json!(30.5)));
        assert!(msg(json!(1e300)).contains("at most 180 days"));
        assert_eq!(
            msg(json!("ninety")),
            "The call history retention must be a number of days from 1 to 180; the policy gives the text \"ninety\"."
        );
        assert!(msg(json!(true)).contains("yes/no value"));
        assert!(msg(json!(null)).contains("nothing"));
        assert_eq!(RetentionDays::from_policy(&json!(180)).map(RetentionDays::days), Ok(180));
        assert_eq!(RetentionDays::from_policy(&json!(1)).map(RetentionDays::days), Ok(1));
        assert_eq!(RetentionDays::from_policy(&json!(90.0)).map(RetentionDays::days), Ok(90));
    }

    #[test]
    fn unreadable_entries_and_stale_marks_go_live_marks_and_other_keys_stay() {
        let store = store_with_calls_aged(&[("ok", DAY_MS)]);
        store.put(Area::Local, "history:v1:junk", json!("not an entry"));
        store.put(Area::Local, "forget:v1:sent-long-ago", json!({}));
        store.put(Area::Local, "forget:v1:waiting", json!({}));
        store.put(Area::Local, "outbox:v1:waiting", json!({"contact": "1"}));
        store.put(Area::Local, "settings:v1", json!({}));
        let clock = FakeClock::at(NOW);
        let report = block_on(purge(&store, &clock, RetentionDays::default())).unwrap();
        assert_eq!(report.unreadable, ["history:v1:junk"]);
        // A mark without its log gets a day's grace: the worker may be about to consume it.
        assert_eq!(report.stale_marks, 0);
        assert_eq!(store.value(Area::Local, "forget:v1:sent-long-ago"), Some(json!({"orphaned_at_ms": NOW})));
        clock.advance(DAY_MS);
        let report = block_on(purge(&store, &clock, RetentionDays::default())).unwrap();
        assert_eq!(report.stale_marks, 1);
        assert_eq!(
            store.keys_in(Area::Local),
            ["forget:v1:waiting", "history:v1:ok", "outbox:v1:waiting", "settings:v1"]
        );
    }

    #[test]
    fn a_storage_failure_is_reported_not_swallowed() {
        let store = store_with_calls_aged(&[("old", 200 * DAY_MS)]);
        store.fail_writes.set(true);
        assert!(block_on(purge(&store, &FakeClock::at(NOW), RetentionDays::default())).is_err());
    }

    #[test]
    fn the_purge_runs_daily() {
        assert_eq!(next_purge_at_ms(NOW), NOW + DAY_MS);
        assert_eq!(next_purge_at_ms(i64::MAX), i64::MAX);
    }
}
