//! One outbox entry: a call log waiting to reach HubSpot, its states, its storage under one key
//! per entry (`outbox:v1:<external id>` in `Area::Local`), the `migrate` hook that reads stored
//! JSON, and `enqueue`, which writes the entry before any request is made (DESIGN §4).
//! Layer: core (pure; storage only through the `Store` port).

use crate::hubspot::CallLog;
use crate::ids::{Account, CallId, ContactId, TaskId};
use crate::json_write::{Obj, ToJson};
use crate::ports::{Area, Clock, Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Every outbox key starts with this. The version moves (with a `migrate` step) when the
/// stored shape changes incompatibly.
pub const KEY_PREFIX: &str = crate::keys::OUTBOX.key;
/// The `schema` number written into every entry of this version. Schema 2 added `account`;
/// a schema-1 entry reads with no account and is held (never sent to an account it may not
/// belong to) until the rep deletes it.
pub const SCHEMA: u32 = 2;
/// External ids are checked by the id rules (they are also HubSpot property values and keys).
pub use crate::ids::valid_external_id;

/// An entry's id: the call's client-made external id (`hs_call_external_id`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EntryId(pub String);

impl EntryId {
    pub fn new(value: impl Into<String>) -> Self {
        EntryId(value.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The storage key of this entry.
    pub fn key(&self) -> String {
        [KEY_PREFIX, &self.0].concat()
    }

    /// The id an outbox key names, or `None` for a key the outbox does not own.
    pub fn from_key(key: &str) -> Option<EntryId> {
        key.strip_prefix(KEY_PREFIX).map(EntryId::new)
    }
}

/// `spotdial-` and 32 lowercase hex digits. The caller draws the bytes from
/// `crypto.getRandomValues` (`Browser::fill_random`): the core never makes randomness.
pub fn external_id_from_random(bytes: &[u8; 16]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(9 + 32);
    out.push_str("spotdial-");
    for b in bytes {
        // cannot panic: a nibble (0..=15) indexes the 16-entry table, here and on the next line.
        out.push(HEX[(b >> 4) as usize] as char);
        // cannot panic: as above.
        out.push(HEX[(b & 15) as usize] as char);
    }
    out
}

/// What the caller hands to `enqueue`: the log (its `external_id` already made), the task the
/// call came from, the contact's display name for the popup, and the HubSpot account and user
/// the call was made under (the only ones it is ever sent under).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub account: Account,
    pub log: CallLog,
    pub task: Option<TaskId>,
    pub contact_name: String,
}

/// Where an entry stands with HubSpot. Serialized with a `kind` tag.
/// Written by hand (`json_write`) as serde's internally tagged derive writes it, read by
/// `stored::read_entry` (serde's derives, whose reader buffers every value first, stay in
/// tests as the reference both must agree with).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum State {
    /// Not sent yet, or HubSpot certainly does not hold it (refused, or settled as absent).
    Waiting,
    /// A create request is in flight; written before the request goes out. Found by a drain,
    /// it means the worker stopped mid-send: the call may exist.
    Sending { sent_at_ms: i64 },
    /// The create may have reached HubSpot but no answer came (network drop, timeout, 5xx, or
    /// a stale `Sending`). Settled by looking the external id up before any resend:
    /// `first_miss_ms` is the first "not found" taken after the search lag.
    Uncertain { since_ms: i64, first_miss_ms: Option<i64> },
    /// The call exists in HubSpot; the task completion is still to do.
    Logged { call_id: CallId },
    /// HubSpot refused for good (400, the contact deleted, scopes, forbidden). Kept and shown
    /// to the rep; `retry` says whether "Retry" is offered. `call_id` is set when the call
    /// exists and only the task completion was refused: a retry then never re-creates the call.
    Failed { code: String, reason: String, retry: bool, call_id: Option<CallId> },
}

impl ToJson for State {
    fn to_json(&self) -> Value {
        match self {
            State::Waiting => Obj::tagged("kind", "waiting"),
            State::Sending { sent_at_ms } => Obj::tagged("kind", "sending").put("sent_at_ms", sent_at_ms),
            State::Uncertain { since_ms, first_miss_ms } => {
                Obj::tagged("kind", "uncertain").put("since_ms", since_ms).put("first_miss_ms", first_miss_ms)
            }
            State::Logged { call_id } => Obj::tagged("kind", "logged").put("call_id", call_id),
            State::Failed { code, reason, retry, call_id } => Obj::tagged("kind", "failed")
                .put("code", code)
                .put("reason", reason)
                .put("retry", retry)
                .put("call_id", call_id),
        }
        .done()
    }
}

/// Why an unsent entry waits beyond its own schedule. Serialized with a `kind` tag; read as
/// `State` is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Hold {
    /// Nobody is signed in.
    SignedOut,
    /// The refresh token was refused or HubSpot answered 401 twice: the rep must reconnect.
    NeedsReconnect,
    /// HubSpot's rate limit (or our budget's pause) until `until_ms`.
    RateLimited { until_ms: i64, policy: String },
    /// HubSpot or the token broker could not be reached.
    Offline,
}

impl ToJson for Hold {
    fn to_json(&self) -> Value {
        match self {
            Hold::SignedOut => Obj::tagged("kind", "signed_out"),
            Hold::NeedsReconnect => Obj::tagged("kind", "needs_reconnect"),
            Hold::RateLimited { until_ms, policy } => {
                Obj::tagged("kind", "rate_limited").put("until_ms", until_ms).put("policy", policy)
            }
            Hold::Offline => Obj::tagged("kind", "offline"),
        }
        .done()
    }
}

/// One stored entry (the JSON value under its key). Written by `to_json`, read by
/// `stored::read_entry` (serde's derives are the reference both must agree with in tests).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
pub struct Entry {
    pub schema: u32,
    /// The portal and user the call was made under; `None` for an entry written before
    /// Spotdial recorded it (held, never sent).
    #[serde(default)]
    pub account: Option<Account>,
    pub log: CallLog,
    pub task: Option<TaskId>,
    pub contact_name: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    /// Create requests attempted (persisted as `Sending` each time).
    pub attempts: u32,
    /// Consecutive failed steps, for the backoff; reset by any answer that moves it on.
    pub failures: u32,
    pub last_sent_at_ms: Option<i64>,
    /// Not touched by a drain before this time (a stale `Sending` is always handled).
    pub next_attempt_at_ms: i64,
    pub state: State,
    pub hold: Option<Hold>,
    /// The contact's calls before the first create, for the duplicate check (`baseline`).
    /// `None`: not read yet, or an entry written before baselines (its check searches).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<super::baseline::Baseline>,
    /// When HubSpot was known to hold the call (`Logged`): a task completion held back while
    /// the portal is busy waits from here (`timing::completion_wait`). `None` before, and for
    /// an entry written before completions could wait (it completes at once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logged_at_ms: Option<i64>,
    /// The duplicate check was written when the completion was held back, so settling does
    /// not write it again (a finished check is never restarted).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub check_scheduled: bool,
}

impl ToJson for Entry {
    fn to_json(&self) -> Value {
        Obj::new()
            .put("schema", &self.schema)
            .put("account", &self.account)
            .put("log", &self.log)
            .put("task", &self.task)
            .put("contact_name", &self.contact_name)
            .put("created_at_ms", &self.created_at_ms)
            .put("updated_at_ms", &self.updated_at_ms)
            .put("attempts", &self.attempts)
            .put("failures", &self.failures)
            .put("last_sent_at_ms", &self.last_sent_at_ms)
            .put("next_attempt_at_ms", &self.next_attempt_at_ms)
            .put("state", &self.state)
            .put("hold", &self.hold)
            .some("baseline", &self.baseline)
            .some("logged_at_ms", &self.logged_at_ms)
            .some("check_scheduled", &self.check_scheduled.then_some(true))
            .done()
    }
}

impl Entry {
    pub fn id(&self) -> EntryId {
        EntryId::new(self.log.external_id.clone())
    }

    pub fn contact(&self) -> &ContactId {
        &self.log.contact
    }

    /// Only under the account it was made under (DESIGN §4): contact and task ids are per
    /// portal, and the log carries its rep's owner id and notes.
    pub fn belongs_to(&self, account: Option<&Account>) -> bool {
        account.is_some() && self.account.as_ref() == account
    }

    /// Failed entries wait for the rep; every other one is the drain's business.
    pub fn is_active(&self) -> bool {
        !matches!(self.state, State::Failed { .. })
    }

    pub fn is_due(&self, now_ms: i64) -> bool {
        match self.state {
            State::Failed { .. } => false,
            State::Sending { .. } => true,
            _ => self.next_attempt_at_ms <= now_ms,
        }
    }

    /// About to send its first create with no baseline read yet: the drain reads one first.
    /// Only before the first attempt: once a create may have reached HubSpot, a call read now
    /// could be a duplicate of ours and would hide it.
    pub fn wants_baseline(&self, now_ms: i64) -> bool {
        self.state == State::Waiting
            && self.attempts == 0
            && self.baseline.is_none()
            && self.next_attempt_at_ms <= now_ms
    }

    /// True until HubSpot is known to hold the call.
    pub fn is_unsent(&self) -> bool {
        match &self.state {
            State::Logged { .. } => false,
            State::Failed { call_id, .. } => call_id.is_none(),
            _ => true,
        }
    }
}

/// A stored value under an outbox key that could not be read. It is kept (never deleted) and
/// reported, so a log is never silently lost to a bad write or a downgrade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unreadable {
    pub key: String,
    pub reason: String,
}

/// Reads a stored entry into the current shape. Today only schema 1 exists; a later version
/// converts older shapes here, step by step, and keeps a clear error for what it cannot read.
pub fn migrate(stored: &Value) -> Result<Entry, String> {
    match stored.get("schema").and_then(Value::as_u64) {
        // Schema 1 had no `account`: it reads as `None`, and is written back as schema 2.
        Some(n @ 1..=2) => super::stored::read_entry(stored)
            .map(|entry| Entry { schema: SCHEMA, account: if n == 1 { None } else { entry.account.clone() }, ..entry })
            .map_err(|e| ["not a readable outbox entry: ", &e.to_string()].concat()),
        Some(n) if n > SCHEMA as u64 => {
            Err(["written by a newer version of Spotdial (schema ", &n.to_string(), "); update Spotdial to send it"]
                .concat())
        }
        Some(n) => Err(["unknown outbox schema ", &n.to_string()].concat()),
        None => Err("not an outbox entry (no schema number)".into()),
    }
}

/// Every entry, oldest first, and every unreadable value (kept in place).
pub async fn load_all<S: Store>(store: &S) -> Result<(Vec<Entry>, Vec<Unreadable>), StoreError> {
    let mut keys: Vec<String> = store.keys(Area::Local).await?;
    keys.retain(|k| k.starts_with(KEY_PREFIX));
    crate::sorting::sort_by(&mut keys, |a, b| a.cmp(b));
    let mut entries = Vec::with_capacity(keys.len());
    let mut unreadable = Vec::new();
    for key in keys {
        // A key can vanish between `keys` and `get` (settled meanwhile): nothing to read.
        let Some(value) = store.get(Area::Local, &key).await? else { continue };
        match read(&key, &value) {
            Ok(entry) => entries.push(entry),
            Err(reason) => unreadable.push(Unreadable { key, reason }),
        }
    }
    crate::sorting::sort_by(&mut entries, |a, b| {
        (a.created_at_ms, &a.log.external_id).cmp(&(b.created_at_ms, &b.log.external_id))
    });
    Ok((entries, unreadable))
}

/// One entry by id: `None` when absent, `Some(Err)` when present but unreadable.
pub async fn load<S: Store>(store: &S, id: &EntryId) -> Result<Option<Result<Entry, Unreadable>>, StoreError> {
    let key = id.key();
    Ok(store.get(Area::Local, &key).await?.map(|value| read(&key, &value).map_err(|reason| Unreadable { key, reason })))
}

fn read(key: &str, value: &Value) -> Result<Entry, String> {
    let entry = migrate(value)?;
    if EntryId::from_key(key).as_ref() != Some(&entry.id()) {
        return Err("the entry's external id does not match its key".into());
    }
    Ok(entry)
}

/// Writes `entry` under its key, stamping `updated_at_ms`.
pub async fn save<S: Store>(store: &S, entry: &mut Entry, now_ms: i64) -> Result<(), StoreError> {
    entry.updated_at_ms = now_ms;
    store.set(Area::Local, &entry.id().key(), entry.to_json()).await
}

pub async fn remove<S: Store>(store: &S, id: &EntryId) -> Result<(), StoreError> {
    store.remove(Area::Local, &id.key()).await
}

/// Writes the log to the outbox, due now, before any request is made. Idempotent per external
/// id: enqueueing an id that is already stored keeps the stored entry untouched (a double
/// click on "Log call" must not make two calls), and an unreadable value under that key is
/// never overwritten.
pub async fn enqueue<S: Store, C: Clock>(store: &S, clock: &C, new: NewEntry) -> Result<EntryId, StoreError> {
    let id = EntryId::new(new.log.external_id.clone());
    if !valid_external_id(id.as_str()) {
        return Err(StoreError(
            "an outbox id must be 1 to 100 letters, digits, '-' or '_' (see external_id_from_random)".into(),
        ));
    }
    if store.get(Area::Local, &id.key()).await?.is_some() {
        return Ok(id);
    }
    let now = clock.now_ms();
    let mut entry = Entry {
        schema: SCHEMA,
        account: Some(new.account),
        log: new.log,
        task: new.task,
        contact_name: new.contact_name,
        created_at_ms: now,
        updated_at_ms: now,
        attempts: 0,
        failures: 0,
        last_sent_at_ms: None,
        next_attempt_at_ms: now,
        state: State::Waiting,
        hold: None,
        baseline: None,
        logged_at_ms: None,
        check_scheduled: false,
    };
    save(store, &mut entry, now).await?;
    Ok(id)
}
