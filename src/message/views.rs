//! Every view a `Response` carries: the card, calls in progress, the queue, the popup's status,
//! the outbox, settings, the data inventory, found prospects and the call history. Layer: core
//! (pure, serde only). This is the JSON the pages read, so it names only ids and the page
//! classification; the modules owning each subject build these. A field changed here changes
//! the wire: the snapshot tests in `message` fail until the change is deliberate.

use crate::ids::{Account, CallId, ContactId, ListId, OwnerId, PortalId, TaskId, UserId};
use crate::page::Hublet;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One number on the card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberView {
    /// "Phone", "Mobile", or the admin-mapped property's name.
    pub label: String,
    /// As HubSpot holds it.
    pub raw: String,
    pub dialable: bool,
    pub e164: Option<String>,
    /// Why it cannot be dialed.
    pub problem: Option<String>,
}

/// The contact's local time, when HubSpot knows the time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalTimeView {
    pub time: String,
    pub zone: String,
    pub outside_hours: bool,
    pub warning: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldView {
    pub label: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardView {
    pub name: String,
    pub title: Option<String>,
    pub company: Option<String>,
    pub numbers: Vec<NumberView>,
    pub fields: Vec<FieldView>,
    pub local_time: Option<LocalTimeView>,
    pub record_url: String,
}

/// The next task offered after a log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextView {
    pub record_url: String,
    pub name: String,
    pub subject: Option<String>,
}

/// The answer to "Log call".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedView {
    /// `logged` (HubSpot has it), `queued` (kept, sent when HubSpot allows) or `failed`.
    pub state: String,
    pub message: String,
    pub record_url: Option<String>,
    pub next: Option<NextView>,
}

/// Who is signed in, learned once after sign-in. No token, no contact data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
pub struct Profile {
    pub portal: PortalId,
    /// The portal's domain as HubSpot names it (introspection's `hub_domain`).
    pub hub_domain: Option<String>,
    /// The portal's HubSpot UI host (`app.hubspot.com`, `app-eu1.hubspot.com`).
    pub ui_domain: String,
    pub hublet: Hublet,
    pub user_id: Option<UserId>,
    pub user_email: Option<String>,
    /// The rep's CRM owner id (what `hubspot_owner_id` takes), when HubSpot has one.
    pub owner: Option<OwnerId>,
    pub owner_name: Option<String>,
}

impl Profile {
    /// The portal and user this rep is signed in as; `None` when HubSpot named no user.
    pub fn account(&self) -> Option<Account> {
        Some(Account { portal: self.portal.clone(), user: self.user_id.clone()? })
    }
}

/// Where sign-in stands, as the popup shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
#[serde(tag = "auth", rename_all = "snake_case")]
pub enum AuthView {
    SignedOut,
    SignedIn { profile: Option<Profile> },
    NeedsReconnect { reason: String, missing_scopes: Vec<String> },
}

/// HubSpot's rate limit was reached: syncing is paused until then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PauseView {
    pub until_ms: i64,
    pub message: String,
}

/// What the popup shows: sign-in, a rate-limit pause, unsent call logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
pub struct StatusView {
    #[serde(flatten)]
    pub auth: AuthView,
    pub paused: Option<PauseView>,
    /// Call logs HubSpot does not have yet (sign-out warns about them; they are never dropped).
    pub unsent_logs: usize,
    /// The account health line; `None` when signed out.
    pub health: Option<HealthView>,
}

/// What the popup's one health line says: who, which portal, how fresh the token is, and how
/// much of HubSpot's rate window is spent (or until when syncing is paused).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthView {
    pub user_email: Option<String>,
    pub owner_name: Option<String>,
    pub portal: Option<String>,
    pub hub_domain: Option<String>,
    /// When the access token in use was granted (sign-in or the last refresh).
    pub token_renewed_at_ms: Option<i64>,
    pub budget: Usage,
    /// HubSpot's limit was reached: nothing is sent before this.
    pub paused_until_ms: Option<i64>,
}

/// A call in progress as the card shows it: the answer to "Call …", and the card's `call`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallView {
    pub call: String,
    pub uri: String,
    /// The number as the card showed it.
    pub number: String,
    pub started_at_ms: i64,
    pub outcomes: Vec<CallOutcome>,
    pub task: Option<TaskView>,
    /// The draft as last saved.
    pub outcome: Option<String>,
    pub notes: String,
    /// Older than 12 h: the card asks to log or discard it.
    pub stale: bool,
}

/// One line of the popup's "Calls not logged".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallListItem {
    pub call: String,
    pub contact: ContactId,
    pub contact_name: String,
    pub number: String,
    pub started_at_ms: i64,
    pub record_url: Option<String>,
    pub stale: bool,
    pub task: Option<TaskView>,
    pub outcome: Option<String>,
    /// The outcome's label, for the popup (no request: cached outcomes or HubSpot's defaults).
    pub outcome_label: Option<String>,
    pub notes: String,
    /// Who dialed it; null for a call from before accounts were recorded.
    pub account: Option<Account>,
    /// Not the account signed in now: it waits for that account (or a discard).
    pub other_account: bool,
}

/// A contact as the popup and the card need it: the dialing facts only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
pub struct ContactView {
    pub id: ContactId,
    pub name: String,
    pub company: Option<String>,
    pub title: Option<String>,
    /// `(property, number as HubSpot holds it)`.
    pub numbers: Vec<(String, String)>,
    pub time_zone: Option<String>,
    pub country: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
pub struct TaskView {
    pub id: TaskId,
    pub subject: String,
    pub due_ms: Option<i64>,
    pub priority: Priority,
    pub overdue: bool,
}

/// One line of the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
pub struct QueueEntry {
    pub task: Option<TaskView>,
    pub contact: Option<ContactView>,
    /// Why there is nothing to dial, when there is not.
    pub problem: Option<String>,
    pub record_url: Option<String>,
}

/// Where the queue comes from. Written `{"kind": "tasks", "due_by_ms": …}` or
/// `{"kind": "list", "list": …}`; read by `read::queue_source` (serde's tagged derive, which
/// buffers the whole value first, reads it in tests only, as the reference).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QueueSource {
    Tasks { due_by_ms: i64 },
    List { list: ListId },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
pub struct QueueView {
    pub source: QueueSource,
    pub items: Vec<QueueEntry>,
    pub truncated: bool,
    pub fetched_at_ms: i64,
}

/// `hs_task_priority` (§5). Orders HIGH first, unset last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    High,
    Medium,
    Low,
    None,
}

impl Priority {
    /// HubSpot's `hs_task_priority` value; anything else (or nothing) is `None`.
    pub fn parse(value: Option<&str>) -> Priority {
        match value {
            Some("HIGH") => Priority::High,
            Some("MEDIUM") => Priority::Medium,
            Some("LOW") => Priority::Low,
            _ => Priority::None,
        }
    }
}

/// One list found by the lists search (§9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListSummary {
    pub id: ListId,
    pub name: String,
    /// MANUAL, DYNAMIC or SNAPSHOT.
    pub processing_type: Option<String>,
    /// `hs_list_size` from `additionalProperties`, when sent.
    pub size: Option<u64>,
}

/// A call outcome: `id` is the GUID that goes into `hs_call_disposition` (§6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
pub struct CallOutcome {
    pub id: String,
    pub label: String,
}

/// Requests in HubSpot's current rate window, for the popup's health line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub used: u32,
    pub max: u32,
    pub window_ms: u64,
}

/// Where a resolved value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Admin,
    Rep,
    Default,
}

/// The serializable form of `Settings` for the options page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SettingsView {
    pub settings: Vec<ShownSetting>,
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShownSetting {
    pub key: &'static str,
    pub value: Value,
    pub source: Source,
    /// The rep may change it in the options page (a rep-level field no admin has set).
    pub rep_can_change: bool,
}

/// What the popup shows for an entry, as a stable tag for styling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    Waiting,
    Sending,
    CheckingHubSpot,
    Retrying,
    CompletingTask,
    Failed,
    WaitingForSignIn,
    /// Made under another HubSpot account (or none recorded): waits for that account.
    OtherAccount,
    RateLimited,
    Offline,
    /// The stored value could not be read; it is kept.
    Unreadable,
}

/// One row of the popup's outbox list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntryView {
    /// The call's external id.
    pub id: String,
    /// `None` only for an unreadable entry.
    pub contact: Option<ContactId>,
    pub contact_name: String,
    /// When the call was logged (0 for an unreadable entry).
    pub created_at_ms: i64,
    pub status: OutboxStatus,
    /// A sentence for the rep, e.g. "retrying at 14:05" or "failed: …".
    pub label: String,
    /// The time the label speaks of, for a shell that formats times itself.
    pub at_ms: Option<i64>,
    /// Whether a "Retry now" button makes sense.
    pub can_retry: bool,
    /// The HubSpot account and user the call was made under (`None`: not recorded).
    pub account: Option<Account>,
    /// Made under another account than the one signed in (or under none recorded): it waits
    /// for that account's sign-in and may be deleted.
    pub other_account: bool,
}

/// One prospect found by `find_contacts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundContact {
    pub id: ContactId,
    pub name: Option<String>,
    pub company: Option<String>,
    pub numbers: Vec<String>,
}

/// One call the rep logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
pub struct HistoryEntry {
    /// The HubSpot account and user the call was logged under (`None`: recorded before
    /// Spotdial kept it).
    #[serde(default)]
    pub account: Option<Account>,
    /// The client-made id, also sent to HubSpot as `hs_call_external_id`.
    pub external_id: String,
    pub contact: ContactId,
    pub contact_name: Option<String>,
    /// The number dialed, as dialed (E.164).
    pub number: String,
    /// When the call started (epoch ms); retention is measured from here.
    pub started_at_ms: i64,
    pub duration_ms: u64,
    pub outcome_label: Option<String>,
    /// HubSpot's call engagement id, once known.
    pub call_id: Option<CallId>,
}

/// A storage area as the "Data" page names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreArea {
    Local,
    Session,
    Managed,
}

/// One kind of storage key on the "Data" page: `pattern` is the key itself, or a prefix
/// followed by a `<placeholder>` naming what completes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyView {
    pub pattern: String,
    pub area: StoreArea,
    pub holds: String,
    pub kept: String,
    /// May hold data about a HubSpot contact: "Delete prospect data" looks into these.
    pub contact_data: bool,
    /// Removed when the rep signs out.
    pub cleared_on_sign_out: bool,
}
