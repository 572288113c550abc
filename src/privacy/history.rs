//! The rep's own call history: one `history:v1:<external id>` key per logged call, in local
//! storage, purged by `retention`. Layer: core (pure). `record` is called when an outbox entry
//! settles; it writes nothing for a log whose prospect was deleted meanwhile (`forget:v1:`).

use crate::ids::ContactId;
pub use crate::message::views::HistoryEntry;
use crate::outbox::Settled;
use crate::ports::{Area, Store, StoreError};
use serde::Serialize;

/// Prefix of every history key; the rest is the call log's external id.
pub const HISTORY_PREFIX: &str = crate::keys::HISTORY.key;

/// Prefix of the mark left on an unsent log whose prospect was deleted (see `forget`).
pub const FORGET_MARK_PREFIX: &str = crate::keys::FORGET_MARK.key;

/// The history entry of a call log the outbox has settled. `outcome_label` is the label of
/// the log's outcome GUID among the portal's call outcomes, when known.
pub fn from_settled(settled: &Settled, outcome_label: Option<String>) -> HistoryEntry {
    let name = settled.contact_name.trim();
    HistoryEntry {
        account: settled.account.clone(),
        external_id: settled.id.as_str().to_string(),
        contact: settled.log.contact.clone(),
        contact_name: (!name.is_empty()).then(|| name.to_string()),
        number: settled.log.to_number.clone().unwrap_or_default(),
        started_at_ms: settled.log.started_at_ms,
        duration_ms: settled.log.duration_ms,
        outcome_label,
        call_id: Some(settled.call_id.clone()),
    }
}

/// What `record` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Recorded {
    Written,
    /// The rep deleted this prospect while the log was unsent: nothing is kept.
    SkippedForgotten,
}

/// The storage key of an entry. External ids are client-made; an empty one has no key.
pub fn key_of(external_id: &str) -> Option<String> {
    let id = external_id.trim();
    (!id.is_empty()).then(|| [HISTORY_PREFIX, id].concat())
}

pub(crate) fn forget_mark_key(external_id: &str) -> String {
    [FORGET_MARK_PREFIX, external_id.trim()].concat()
}

/// Writes `entry`, unless its prospect was deleted while the log waited in the outbox; then the
/// mark is consumed and nothing is written. The worker calls it for every `Settled` of a drain
/// (`from_settled`); the purge leaves a lone mark a day for that.
pub async fn record<S: Store>(store: &S, entry: &HistoryEntry) -> Result<Recorded, StoreError> {
    let key = key_of(&entry.external_id)
        .ok_or_else(|| StoreError("A call history entry needs the call log's external id.".into()))?;
    let mark = forget_mark_key(&entry.external_id);
    if store.get(Area::Local, &mark).await?.is_some() {
        store.remove(Area::Local, &key).await?;
        store.remove(Area::Local, &mark).await?;
        return Ok(Recorded::SkippedForgotten);
    }
    store.set(Area::Local, &key, crate::json_write::ToJson::to_json(entry)).await?;
    Ok(Recorded::Written)
}

/// Every readable entry, newest call first. Unreadable values are skipped (the purge removes
/// them).
pub async fn list<S: Store>(store: &S) -> Result<Vec<HistoryEntry>, StoreError> {
    let mut out = Vec::new();
    for key in store.keys(Area::Local).await? {
        if !key.starts_with(HISTORY_PREFIX) {
            continue;
        }
        if let Some(entry) = store.get(Area::Local, &key).await?.and_then(|v| parse(&v)) {
            out.push(entry);
        }
    }
    crate::sorting::sort_by(&mut out, |a, b| {
        b.started_at_ms.cmp(&a.started_at_ms).then_with(|| a.external_id.cmp(&b.external_id))
    });
    Ok(out)
}

/// The entries of one contact, newest first.
pub async fn for_contact<S: Store>(store: &S, contact: &ContactId) -> Result<Vec<HistoryEntry>, StoreError> {
    Ok(list(store).await?.into_iter().filter(|e| &e.contact == contact).collect())
}

pub(crate) fn parse(value: &serde_json::Value) -> Option<HistoryEntry> {
    crate::message::read::history_entry(value).ok()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ids::CallId;
    use crate::testing::{block_on, FakeStore};
    use serde_json::json;

    pub fn entry(external_id: &str, contact: &str, started_at_ms: i64) -> HistoryEntry {
        HistoryEntry {
            account: None,
            external_id: external_id.into(),
            contact: ContactId::new(contact),
            contact_name: Some("Ana Silva".into()),
            number: "+13855550100".into(),
            started_at_ms,
            duration_ms: 95_000,
            outcome_label: Some("Connected".into()),
            call_id: Some(CallId::new("88001")),
        }
    }

    #[test]
    fn recorded_calls_are_listed_newest_first_and_by_contact() {
        let store = FakeStore::default();
        block_on(async {
            assert_eq!(record(&store, &entry("a", "1", 1_000)).await, Ok(Recorded::Written));
            record(&store, &entry("b", "2", 3_000)).await.unwrap();
            record(&store, &entry("c", "1", 2_000)).await.unwrap();
            let all: Vec<String> = list(&store).await.unwrap().into_iter().map(|e| e.external_id).collect();
            assert_eq!(all, ["b", "c", "a"]);
            let one: Vec<String> =
                for_contact(&store, &ContactId::new("1")).await.unwrap().into_iter().map(|e| e.external_id).collect();
            assert_eq!(one, ["c", "a"]);
        });
        assert_eq!(store.value(Area::Local, "history:v1:a").unwrap()["contact"], "1");
        assert!(store.keys_in(Area::Session).is_empty(), "history is local only");
    }

    #[test]
    fn a_log_of_a_forgotten_prospect_leaves_no_history() {
        let store = FakeStore::default();
        store.put(Area::Local, "forget:v1:a", json!({}));
        let result = block_on(record(&store, &entry("a", "1", 1_000)));
        assert_eq!(result, Ok(Recorded::SkippedForgotten));
        assert!(store.keys_in(Area::Local).is_empty(), "{:?}", store.keys_in(Area::Local));
    }

    #[test]
    fn a_settled_log_becomes_a_history_entry() {
        use crate::hubspot::{CallLog, CallStatus};
        use crate::outbox::{EntryId, Settled, TaskResult};
        let settled = Settled {
            account: None,
            id: EntryId::new("spotdial-00ff"),
            log: CallLog {
                external_id: "spotdial-00ff".into(),
                contact: ContactId::new("73519"),
                owner: None,
                started_at_ms: 1_790_000_000_000,
                duration_ms: 61_000,
                title: None,
                notes: Some("asked for pricing".into()),
                to_number: Some("+13855550100".into()),
                from_number: None,
                outcome: Some("f240bbac-87c9-4f6e-bf70-924b57d47db7".into()),
                status: CallStatus::Completed,
            },
            call_id: CallId::new("88001"),
            contact_name: "Ana Silva".into(),
            task: None,
            task_result: TaskResult::NoTask,
            settled_at_ms: 1_790_000_100_000,
        };
        let e = from_settled(&settled, Some("Connected".into()));
        assert_eq!(e.external_id, "spotdial-00ff");
        assert_eq!(
            (e.contact.as_str(), e.contact_name.as_deref(), e.number.as_str()),
            ("73519", Some("Ana Silva"), "+13855550100")
        );
        assert_eq!((e.started_at_ms, e.duration_ms), (1_790_000_000_000, 61_000));
        assert_eq!(e.call_id, Some(CallId::new("88001")));
        assert!(!serde_json::to_string(&e).unwrap().contains("pricing"), "notes are not kept in history");
    }

    #[test]
    fn entries_without_an_external_id_or_unreadable_are_refused_or_skipped() {
        let store = FakeStore::default();
        assert!(block_on(record(&store, &entry(" ", "1", 1))).is_err());
        store.put(Area::Local, "history:v1:junk", json!({"contact": 5}));
        store.put(Area::Local, "outbox:v1:x", json!({"contact": "1"}));
        assert!(block_on(list(&store)).unwrap().is_empty());
    }
}
