//! Calls in progress: a dialed call belongs to its contact, under the HubSpot account it was
//! dialed in, until it is logged or discarded (DESIGN §4). Layer: core (pure, storage through
//! `Store`). One entry per contact, all in one local-storage key, so a card finds its contact's
//! call with one read and the entry survives reloads, closed tabs, sign-out and browser restarts.

use crate::ids::{Account, ContactId};
use crate::json_write::{Obj, ToJson};
use crate::message::views::TaskView;
use crate::ports::{Area, Store, StoreError};
#[cfg(test)]
use serde::Deserialize;
use serde::Serialize;
use serde_json::Value;

mod log;
#[cfg(test)]
mod tests;

pub use log::{Ending, MAX_CALL_MS};

/// Every call in progress (Local): `{"calls": [CallEntry, …]}`.
pub const KEY: &str = crate::keys::CALLS.key;
/// The previous layout: one session-storage key per call, without the account or the draft.
pub const LEGACY_PREFIX: &str = crate::keys::RETIRED_CALL.key;
/// A call older than this asks to be logged or discarded instead of carrying on silently.
pub const STALE_MS: i64 = 12 * 3_600_000;
/// Notes longer than this are refused with a clear message rather than cut (as `LogCall`).
pub const MAX_NOTES_CHARS: usize = 10_000;
/// An outcome is a HubSpot disposition GUID; anything longer is not one.
const MAX_OUTCOME_CHARS: usize = 64;

/// One call between "Call …" and "Log call" (or "Discard"). Written by `to_json`, read by
/// `CallEntry::read` (serde's derives stay in tests, as the reference).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
pub struct CallEntry {
    /// The client-made id, also the log's `hs_call_external_id`.
    pub external_id: String,
    pub contact: ContactId,
    pub contact_name: String,
    pub to_e164: String,
    /// The number as the card showed it.
    #[serde(default)]
    pub number: String,
    /// The URI the number was handed to the phone with (local storage is closed to pages).
    #[serde(default)]
    pub uri: String,
    pub started_at_ms: i64,
    /// Who dialed it; `None` for entries from before accounts were recorded: held, never
    /// logged blind, only discarded.
    #[serde(default)]
    pub account: Option<Account>,
    /// The task offered when the call was dialed: the only one its log may complete.
    #[serde(default)]
    pub task: Option<TaskView>,
    /// The rep's draft, as last saved.
    #[serde(default)]
    pub outcome: Option<String>,
    #[serde(default)]
    pub notes: String,
}

impl ToJson for CallEntry {
    fn to_json(&self) -> Value {
        Obj::new()
            .put("external_id", &self.external_id)
            .put("contact", &self.contact)
            .put("contact_name", &self.contact_name)
            .put("to_e164", &self.to_e164)
            .put("number", &self.number)
            .put("uri", &self.uri)
            .put("started_at_ms", &self.started_at_ms)
            .put("account", &self.account)
            .put("task", &self.task)
            .put("outcome", &self.outcome)
            .put("notes", &self.notes)
            .done()
    }
}

impl CallEntry {
    /// The call a stored value holds. Fields with a default may be absent, not null (as
    /// serde's derive reads them).
    pub fn read(value: &serde_json::Value) -> Result<CallEntry, String> {
        let f = crate::json_read::Fields::of("a call in progress", value)?;
        let defaulted = |name: &str| match f.map.get(name) {
            None => Ok(String::new()),
            Some(serde_json::Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(["a call in progress: `", name, "` is not a string"].concat()),
        };
        Ok(CallEntry {
            external_id: f.must("external_id", crate::json_read::Fields::text)?,
            contact: ContactId::new(f.must("contact", crate::json_read::Fields::text)?),
            contact_name: f.must("contact_name", crate::json_read::Fields::text)?,
            to_e164: f.must("to_e164", crate::json_read::Fields::text)?,
            number: defaulted("number")?,
            uri: defaulted("uri")?,
            started_at_ms: f.must("started_at_ms", crate::json_read::Fields::int)?,
            account: f.object("account", Account::read)?,
            task: f.object("task", crate::message::read::task_view)?,
            outcome: f.text("outcome")?,
            notes: defaulted("notes")?,
        })
    }
}

/// Why a draft was not saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DraftError {
    NotesTooLong,
    BadOutcome,
}

impl DraftError {
    pub fn code(&self) -> &'static str {
        match self {
            DraftError::NotesTooLong => "notes_too_long",
            DraftError::BadOutcome => "unknown_outcome",
        }
    }

    pub fn message(&self) -> String {
        match self {
            DraftError::NotesTooLong => {
                ["Notes can be at most ", &MAX_NOTES_CHARS.to_string(), " characters."].concat()
            }
            DraftError::BadOutcome => "That outcome is not one of your portal's call outcomes.".to_string(),
        }
    }
}

impl CallEntry {
    /// Older than `STALE_MS` at `now_ms`.
    pub fn is_stale(&self, now_ms: i64) -> bool {
        now_ms - self.started_at_ms > STALE_MS
    }

    /// Made under exactly this account (an entry without one belongs to nobody).
    pub fn belongs_to(&self, account: Option<&Account>) -> bool {
        matches!((&self.account, account), (Some(mine), Some(theirs)) if mine == theirs)
    }

    /// The sentence shown when this call is asked for under another account.
    pub fn other_account_sentence(&self) -> String {
        match &self.account {
            Some(a) => [
                "This call to ",
                &self.contact_name,
                " was made in HubSpot account ",
                a.portal.as_str(),
                " as user ",
                a.user.as_str(),
                ". Sign in as that user to log it, or discard it from the Spotdial popup.",
            ]
            .concat(),
            None => [
                "This call to ",
                &self.contact_name,
                " was made before Spotdial recorded which HubSpot account a call belongs to, so it is not logged automatically. Discard it from the Spotdial popup.",
            ]
            .concat(),
        }
    }

    /// The entry with the rep's draft applied, or why the draft is refused.
    pub fn with_draft(&self, outcome: Option<String>, notes: String) -> Result<CallEntry, DraftError> {
        if notes.chars().count() > MAX_NOTES_CHARS {
            return Err(DraftError::NotesTooLong);
        }
        let outcome = outcome.filter(|o| !o.is_empty());
        if let Some(o) = &outcome {
            let shaped =
                o.len() <= MAX_OUTCOME_CHARS && o.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !shaped {
                return Err(DraftError::BadOutcome);
            }
        }
        Ok(CallEntry { outcome, notes, ..self.clone() })
    }
}

/// A call id as `outbox::external_id_from_random` makes them: anything else names no call.
pub fn is_call_id(id: &str) -> bool {
    (1..=100).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The stored list as raw values: an entry this version cannot read is kept as it is, never
/// dropped by a rewrite.
async fn raw<S: Store>(store: &S) -> Result<Vec<Value>, StoreError> {
    match store.get(Area::Local, KEY).await? {
        Some(Value::Object(mut map)) => match map.remove("calls") {
            Some(Value::Array(items)) => Ok(items),
            _ => Ok(Vec::new()),
        },
        _ => Ok(Vec::new()),
    }
}

async fn write<S: Store>(store: &S, items: Vec<Value>) -> Result<(), StoreError> {
    if items.is_empty() {
        return store.remove(Area::Local, KEY).await;
    }
    store.set(Area::Local, KEY, serde_json::json!({ "calls": items })).await
}

fn id_of(item: &Value) -> Option<&str> {
    item.get("external_id").and_then(Value::as_str)
}

/// Every readable call in progress, oldest first.
pub async fn all<S: Store>(store: &S) -> Result<Vec<CallEntry>, StoreError> {
    let mut calls: Vec<CallEntry> = raw(store).await?.iter().filter_map(|v| CallEntry::read(v).ok()).collect();
    crate::sorting::sort_by_key(&mut calls, |c| c.started_at_ms);
    Ok(calls)
}

/// The call with this id.
pub async fn get<S: Store>(store: &S, id: &str) -> Result<Option<CallEntry>, StoreError> {
    Ok(all(store).await?.into_iter().find(|c| c.external_id == id))
}

/// The call in progress on this contact, whoever dialed it.
pub async fn on_contact<S: Store>(store: &S, contact: &ContactId) -> Result<Option<CallEntry>, StoreError> {
    Ok(all(store).await?.into_iter().find(|c| &c.contact == contact))
}

/// Inserts the entry, or replaces the one with the same id.
pub async fn put<S: Store>(store: &S, entry: &CallEntry) -> Result<(), StoreError> {
    let value = entry.to_json();
    let mut items = raw(store).await?;
    match items.iter_mut().find(|v| id_of(v) == Some(entry.external_id.as_str())) {
        Some(slot) => *slot = value,
        None => items.push(value),
    }
    write(store, items).await
}

/// Replaces the entry only if it is still there (a draft arriving after the log is dropped).
pub async fn replace<S: Store>(store: &S, entry: &CallEntry) -> Result<bool, StoreError> {
    let value = entry.to_json();
    let mut items = raw(store).await?;
    let Some(slot) = items.iter_mut().find(|v| id_of(v) == Some(entry.external_id.as_str())) else {
        return Ok(false);
    };
    *slot = value;
    write(store, items).await.map(|_| true)
}

/// Removes the call; true when it was there.
pub async fn remove<S: Store>(store: &S, id: &str) -> Result<bool, StoreError> {
    let mut items = raw(store).await?;
    let before = items.len();
    items.retain(|v| id_of(v) != Some(id));
    if items.len() == before {
        return Ok(false);
    }
    write(store, items).await.map(|_| true)
}

/// What `remove_contact` did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContactRemoval {
    /// Calls in progress on the contact, removed.
    pub removed: usize,
    /// Entries this version cannot read as a `CallEntry`: kept, since whose they are is unknown.
    pub unreadable: usize,
}

/// "Delete prospect data": every call in progress on this contact goes. Entries are read as
/// the `CallEntry` that `put` wrote; one that does not read is kept and counted, so the caller
/// never says "deleted" while it may still hold the prospect.
pub async fn remove_contact<S: Store>(store: &S, contact: &ContactId) -> Result<ContactRemoval, StoreError> {
    let mut items = raw(store).await?;
    let before = items.len();
    let mut unreadable = 0;
    items.retain(|v| match CallEntry::read(v) {
        Ok(call) => &call.contact != contact,
        Err(_) => {
            unreadable += 1;
            true
        }
    });
    let removed = before - items.len();
    if removed > 0 {
        write(store, items).await?;
    }
    Ok(ContactRemoval { removed, unreadable })
}

/// Moves calls kept in the previous layout (session, one key each, no account) into the list,
/// held for discarding: they cannot say which account they belong to. Returns how many moved.
pub async fn migrate_legacy<S: Store>(store: &S) -> Result<usize, StoreError> {
    let legacy: Vec<String> =
        store.keys(Area::Session).await?.into_iter().filter(|k| k.starts_with(LEGACY_PREFIX)).collect();
    let mut moved = 0;
    for key in legacy {
        if let Some(value) = store.get(Area::Session, &key).await? {
            if let Ok(mut entry) = CallEntry::read(&value) {
                entry.account = None;
                if get(store, &entry.external_id).await?.is_none() {
                    put(store, &entry).await?;
                    moved += 1;
                }
            }
        }
        store.remove(Area::Session, &key).await?;
    }
    Ok(moved)
}

/// One writer at a time for the list: handlers interleave at every await on the worker's one
/// thread, and two read-modify-writes of the one key would lose an entry.
pub fn lock() -> &'static futures_util::lock::Mutex<()> {
    thread_local! {
        static LOCK: &'static futures_util::lock::Mutex<()> = Box::leak(Box::new(futures_util::lock::Mutex::new(())));
    }
    LOCK.with(|l| *l)
}
