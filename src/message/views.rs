//! Every view a `Response` carries: the card, calls in progress, the queue, the popup's status,
//! the outbox, settings, the data inventory, found prospects and the call history. Layer: core
//! (pure, serde only). This is the JSON the pages read, so it names only ids and the page
//! classification; the modules owning each subject build these. A field changed here changes
//! the wire: the snapshot tests in `message` fail until the change is deliberate.

use crate::ids::{Account, CallId, ContactId, ListId, OwnerId, PortalId, TaskId, UserId};
use crate::json_write::{Obj, ToJson};
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

impl ToJson for NumberView {
    fn to_json(&self) -> Value {
        Obj::new()
            .put("label", &self.label)
            .put("raw", &self.raw)
            .put("dialable", &self.dialable)
            .put("e164", &self.e164)
            .put("problem", &self.problem)
            .done()
    }
}

/// The contact's local time, when HubSpot knows the time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalTimeView {
    pub time: String,
    pub zone: String,
    pub outside_hours: bool,
    pub warning: Option<String>,
}

impl ToJson for LocalTimeView {
    fn to_json(&self) -> Value {
        Obj::new()
            .put("time", &self.time)
            .put("zone", &self.zone)
            .put("outside_hours", &self.outside_hours)
            .put("warning", &self.warning)
            .done()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldView {
    pub label: String,
    pub value: String,
}

impl ToJson for FieldView {
    fn to_json(&self) -> Value {
        Obj::new().put("label", &self.label).put("value", &self.value).done()
    }
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

impl ToJson for CardView {
    fn to_json(&self) -> Value {
        Obj::new()
            .put("name", &self.name)
            .put("title", &self.title)
            .put("company", &self.company)
            .put("numbers", &self.numbers)
            .put("fields", &self.fields)
            .put("local_time", &self.local_time)
            .put("record_url", &self.record_url)
            .done()
    }
}

/// The next task offered after a log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextView {
    pub record_url: String,
    pub name: String,
    pub subject: Option<String>,
}

impl ToJson for NextView {
    fn to_json(&self) -> Value {
        Obj::new().put("record_url", &self.record_url).put("name", &self.name).put("subject", &self.subject).done()
    }
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

impl ToJson for LoggedView {
    fn to_json(&self) -> Value {
        Obj::new()
            .put("state", &self.state)
            .put("message", &self.message)
            .put("record_url", &self.record_url)
            .put("next", &self.next)
            .done()
    }
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

impl ToJson for Profile {
    fn to_json(&self) -> Value {
        Obj::new()
            .put("portal", &self.portal)
            .put("hub_domain", &self.hub_domain)
            .put("ui_domain", &self.ui_domain)
            .put("hublet", &self.hublet)
            .put("user_id", &self.user_id)
            .put("user_email", &self.user_email)
            .put("owner", &self.owner)
            .put("owner_name", &self.owner_name)
            .done()
    }
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

impl AuthView {
    /// Its fields, as `StatusView` carries them flattened.
    fn fields(&self) -> Obj {
        match self {
            AuthView::SignedOut => Obj::tagged("auth", "signed_out"),
            AuthView::SignedIn { profile } => Obj::tagged("auth", "signed_in").put("profile", profile),
            AuthView::NeedsReconnect { reason, missing_scopes } => {
                Obj::tagged("auth", "needs_reconnect").put("reason", reason).put("missing_scopes", missing_scopes)
            }
        }
    }
}

impl ToJson for AuthView {
    fn to_json(&self) -> Value {
        self.fields().done()
    }
}

/// HubSpot's rate limit was reached: syncing is paused until then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PauseView {
    pub until_ms: i64,
    pub message: String,
}

impl ToJson for PauseView {
    fn to_json(&self) -> Value {
        Obj::new().put("until_ms", &self.until_ms).put("message", &self.message).done()
    }
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

impl ToJson for StatusView {
    fn to_json(&self) -> Value {
        self.auth
            .fields()
            .put("paused", &self.paused)
            .put("unsent_logs", &self.unsent_logs)
            .put("health", &self.health)
            .done()
    }
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

impl ToJson for HealthView {
    fn to_json(&self) -> Value {
        Obj::new()
            .put("user_email", &self.user_email)
            .put("owner_name", &self.owner_name)
            .put("portal", &self.portal)
            .put("hub_domain", &self.hub_domain)
            .put("token_renewed_at_ms", &self.token_renewed_at_ms)
            .put("budget", &self.budget)
            .put("paused_until_ms", &self.paused_until_ms)
            .done()
    }
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

impl ToJson for CallView {
    fn to_json(&self) -> Value {
        Obj::new()
            .put("call", &self.call)
            .put("uri", &self.uri)
            .put("number", &self.number)
            .put("started_at_ms", &self.started_at_ms)
            .put("outcomes", &self.outcomes)
            .put("task", &self.task)
            .put("outcome", &self.outcome)
            .put("notes", &self.notes)
            .put("stale", &self.stale)
            .done()
    }
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

impl ToJson for CallListItem {
    fn to_json(&self) -> Value {
        Obj::new()
            .put("call", &self.call)
            .put("contact", &self.contact)
            .put("contact_name", &self.contact_name)
            .put("number", &self.number)
            .put("started_at_ms", &self.started_at_ms)
            .put("record_url", &self.record_url)
            .put("stale", &self.stale)
            .put("task", &self.task)
            .put("outcome", &self.outcome)
            .put("outcome_label", &self.outcome_label)
            .put("notes", &self.notes)
            .put("account", &self.account)
            .put("other_account", &self.other_account)
            .done()
    }
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

impl ToJson for ContactView {
    fn to_json(&self) -> Value {
        Obj::new()
            .put("id", &self.id)
            .put("name", &self.name)
            .put("company", &self.company)
            .put("title", &self.title)
            .put("numbers", &self.numbers)
            .put("time_zone", &self.time_zone)
            .put("country", &self.country)
            .done()
    }
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

impl ToJson for TaskView {
    fn to_json(&self) -> Value {
        Obj::new()
            .put("id", &self.id)
            .put("subject", &self.subject)
            .put("due_ms", &self.due_ms)
            .put("priority", &self.priority)
            .put("overdue", &self.overdue)
            .done()
    }
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

impl ToJson for QueueEntry {
    fn to_json(&self) -> Value {
        Obj::new()
            .put("task", &self.task)
            .put("contact", &self.contact)
            .put("problem", &self.problem)
            .put("record_url", &self.record_url)
            .done()
    }
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

impl ToJson for QueueSource {
    fn to_json(&self) -> Value {
        match self {
            QueueSource::Tasks { due_by_ms } => Obj::tagged("kind", "tasks").put("due_by_ms", due_by_ms),
            QueueSource::List { list } => Obj::tagged("kind", "list").put("list", list),
        }
        .done()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
pub struct QueueView {
    pub source: QueueSource,
    pub items: Vec<QueueEntry>,
    pub truncated: bool,
    pub fetched_at_ms: i64,
    /// HubSpot's window was busy when this queue was loaded: it is kept longer before HubSpot
    /// is asked again (`worker::queue`); absent in a queue cached before, and `false`.
    #[serde(default)]
    pub busy_portal: bool,
}

impl ToJson for QueueView {
    fn to_json(&self) -> Value {
        Obj::new()
            .put("source", &self.source)
            .put("items", &self.items)
            .put("truncated", &self.truncated)
            .put("fetched_at_ms", &self.fetched_at_ms)
            .put("busy_portal", &self.busy_portal)
            .done()
    }
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

impl ToJson for Priority {
    fn to_json(&self) -> Value {
        Value::from(match self {
            Priority::High => "high",
            Priority::Medium => "medium",
            Priority::Low => "low",
            Priority::None => "none",
        })
    }
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

impl ToJson for ListSummary {
    fn to_json(&self) -> Value {
        Obj::new()
            .put("id", &self.id)
            .put("name", &self.name)
            .put("processing_type", &self.processing_type)
            .put("size", &self.size)
            .done()
    }
}

/// A call outcome: `id` is the GUID that goes into `hs_call_disposition` (§6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
pub struct CallOutcome {
    pub id: String,
    pub label: String,
}

impl ToJson for CallOutcome {
    fn to_json(&self) -> Value {
        Obj::new().put("id", &self.id).put("label", &self.label).done()
    }
}

/// Requests in HubSpot's current rate window, for the popup's health line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub used: u32,
    pub max: u32,
    pub window_ms: u64,
}

impl ToJson for Usage {
    fn to_json(&self) -> Value {
        Obj::new().put("used", &self.used).put("max", &self.max).put("window_ms", &self.window_ms).done()
    }
}

/// Where a resolved value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Admin,
    Rep,
    Default,
}

impl ToJson for Source {
    fn to_json(&self) -> Value {
        Value::from(match self {
            Source::Admin => "admin",
            Source::Rep => "rep",
            Source::Default => "default",
        })
    }
}

/// The serializable form of `Settings` for the options page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SettingsView {
    pub settings: Vec<ShownSetting>,
    pub problems: Vec<String>,
}

impl ToJson for SettingsView {
    fn to_json(&self) -> Value {
        Obj::new().put("settings", &self.settings).put("problems", &self.problems).done()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShownSetting {
    pub key: &'static str,
    pub value: Value,
    pub source: Source,
    /// The rep may change it in the options page (a rep-level field no admin has set).
    pub rep_can_change: bool,
}

impl ToJson for ShownSetting {
    fn to_json(&self) -> Value {
        Obj::new()
            .put("key", &self.key)
            .put("value", &self.value)
            .put("source", &self.source)
            .put("rep_can_change", &self.rep_can_change)
            .done()
    }
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

impl ToJson for OutboxStatus {
    fn to_json(&self) -> Value {
        Value::from(match self {
            OutboxStatus::Waiting => "waiting",
            OutboxStatus::Sending => "sending",
            OutboxStatus::CheckingHubSpot => "checking_hub_spot",
            OutboxStatus::Retrying => "retrying",
            OutboxStatus::CompletingTask => "completing_task",
            OutboxStatus::Failed => "failed",
            OutboxStatus::WaitingForSignIn => "waiting_for_sign_in",
            OutboxStatus::OtherAccount => "other_account",
            OutboxStatus::RateLimited => "rate_limited",
            OutboxStatus::Offline => "offline",
            OutboxStatus::Unreadable => "unreadable",
        })
    }
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

impl ToJson for OutboxEntryView {
    fn to_json(&self) -> Value {
        Obj::new()
            .put("id", &self.id)
            .put("contact", &self.contact)
            .put("contact_name", &self.contact_name)
            .put("created_at_ms", &self.created_at_ms)
            .put("status", &self.status)
            .put("label", &self.label)
            .put("at_ms", &self.at_ms)
            .put("can_retry", &self.can_retry)
            .put("account", &self.account)
            .put("other_account", &self.other_account)
            .done()
    }
}

/// One prospect found by `find_contacts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundContact {
    pub id: ContactId,
    pub name: Option<String>,
    pub company: Option<String>,
    pub numbers: Vec<String>,
}

impl ToJson for FoundContact {
    fn to_json(&self) -> Value {
        Obj::new()
            .put("id", &self.id)
            .put("name", &self.name)
            .put("company", &self.company)
            .put("numbers", &self.numbers)
            .done()
    }
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

impl ToJson for HistoryEntry {
    fn to_json(&self) -> Value {
        Obj::new()
            .put("account", &self.account)
            .put("external_id", &self.external_id)
            .put("contact", &self.contact)
            .put("contact_name", &self.contact_name)
            .put("number", &self.number)
            .put("started_at_ms", &self.started_at_ms)
            .put("duration_ms", &self.duration_ms)
            .put("outcome_label", &self.outcome_label)
            .put("call_id", &self.call_id)
            .done()
    }
}

/// A storage area as the "Data" page names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreArea {
    Local,
    Session,
    Managed,
}

impl ToJson for StoreArea {
    fn to_json(&self) -> Value {
        Value::from(match self {
            StoreArea::Local => "local",
            StoreArea::Session => "session",
            StoreArea::Managed => "managed",
        })
    }
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

impl ToJson for KeyView {
    fn to_json(&self) -> Value {
        Obj::new()
            .put("pattern", &self.pattern)
            .put("area", &self.area)
            .put("holds", &self.holds)
            .put("kept", &self.kept)
            .put("contact_data", &self.contact_data)
            .put("cleared_on_sign_out", &self.cleared_on_sign_out)
            .done()
    }
}
