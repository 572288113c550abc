//! Messages between the extension's pages, content scripts and the service worker: one
//! request enum, one response enum, and the `allowed` table that says which sender may ask
//! what, failing closed. Layer: core (pure). The wire contract: this module and `views` name
//! only `ids`, `page` and `failure`, so no worker or domain edit can change the JSON unseen
//! (`tests/architecture.rs` checks it).

pub mod read;
pub mod views;

pub use crate::failure::Failure;
use crate::ids::{ContactId, PortalId};
use crate::json_write::{Obj, ToJson};
use crate::page::{classify, Hublet, Page};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use views::{
    CallListItem, CallView, CardView, FoundContact, HistoryEntry, KeyView, ListSummary, LoggedView, OutboxEntryView,
    PauseView, QueueView, SettingsView, StatusView,
};

/// Every request the worker answers. Tagged by `kind` on the wire; read by `parse_request`, by
/// hand: serde's derive for an internally tagged enum buffers every message first (issue 12:
/// wasm size). The derive stays in tests, where `request_snapshots` checks the two agree.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Request {
    /// Liveness: the worker answers with its version.
    Ping,
    /// The dialing card for the contact record the content script sits on.
    Card { url: String },
    /// Sign-in state and the signed-in rep, for the popup.
    Status,
    /// Start the interactive HubSpot sign-in.
    SignIn,
    /// Sign out: revoke and wipe tokens and HubSpot data (unsent call logs are kept).
    SignOut,
    /// The rep's queue (cached for a short while unless `refresh`).
    Queue {
        #[serde(default)]
        refresh: bool,
    },
    /// Contact lists that can serve as the queue.
    Lists,
    /// Use this list as the queue (`None`: the rep's call tasks).
    SetQueueList { list: Option<crate::ids::ListId> },
    /// "Call …" on a card: dial this number of this contact.
    Dial { contact: ContactId, number: String },
    /// "Log call": the call started by `Dial` (its client-made id), with the rep's choices.
    LogCall {
        call: String,
        outcome: Option<String>,
        #[serde(default)]
        notes: String,
        complete_task: Option<crate::ids::TaskId>,
    },
    /// The rep's draft of a call in progress (what the panel shows after a reload). Saved
    /// only: never a HubSpot request.
    CallDraft {
        call: String,
        outcome: Option<String>,
        #[serde(default)]
        notes: String,
    },
    /// "Discard": a call in progress is dropped without a log.
    DiscardCall { call: String },
    /// Calls dialed and not yet logged or discarded, for the popup.
    Calls,
    /// "Delete prospect data": everything Spotdial holds about one contact.
    ForgetContact { contact: ContactId },
    /// Unsent call logs with their state, for the popup.
    Outbox,
    /// Try an unsent call log again now.
    RetryLog { id: String },
    /// Delete an unsent call log that waits for another HubSpot account (the rep's choice).
    DeleteLog { id: String },
    /// The settings in force, where each came from, and the problems with admin policy.
    Settings,
    /// Save the rep's own settings (only the fields a rep may set, where no admin set them).
    SaveSettings { values: serde_json::Value },
    /// Every storage key Spotdial uses, what it holds and how long (the "Data" page).
    Inventory,
    /// Prospects Spotdial holds data about, matching a name, company or number.
    FindContacts { query: String },
    /// The rep's own call history kept on this computer.
    History,
}

/// Every answer the worker gives (only ever serialized).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Response {
    Pong {
        version: String,
    },
    Card {
        hublet: Hublet,
        portal: String,
        contact: ContactId,
        // Boxed: the card is most of the enum's size, and every other answer would carry its bytes.
        card: Option<Box<CardView>>,
        problem: Option<Failure>,
        paused: Option<PauseView>,
        /// The call in progress on this contact under the signed-in account.
        call: Option<CallView>,
        /// A call in progress on this contact made under another account: the sentence that
        /// names it (the call is neither shown nor logged here).
        held_call: Option<String>,
    },
    Dialing(CallView),
    DraftSaved {
        call: String,
    },
    Discarded {
        call: String,
    },
    Calls {
        calls: Vec<CallListItem>,
    },
    Logged(LoggedView),
    Forgotten {
        message: String,
    },
    Outbox {
        entries: Vec<OutboxEntryView>,
    },
    Settings(SettingsView),
    Inventory {
        keys: Vec<KeyView>,
        retention_days: u16,
    },
    Found {
        contacts: Vec<FoundContact>,
    },
    History {
        calls: Vec<HistoryEntry>,
    },
    NotARecord,
    Status(StatusView),
    Queue {
        queue: QueueView,
        paused: Option<PauseView>,
    },
    Lists {
        lists: Vec<ListSummary>,
    },
    Error {
        error: Failure,
    },
}

/// Written by hand (`json_write`), as serde's derive writes it (`response_snapshots` and
/// `every_view_is_written_as_serde_writes_it` hold them together).
impl ToJson for Response {
    fn to_json(&self) -> Value {
        match self {
            Response::Pong { version } => Obj::tagged("kind", "pong").put("version", version),
            Response::Card { hublet, portal, contact, card, problem, paused, call, held_call } => {
                Obj::tagged("kind", "card")
                    .put("hublet", hublet)
                    .put("portal", portal)
                    .put("contact", contact)
                    .put("card", card)
                    .put("problem", problem)
                    .put("paused", paused)
                    .put("call", call)
                    .put("held_call", held_call)
            }
            Response::Dialing(view) => Obj::tagged("kind", "dialing").merge(view.to_json()),
            Response::DraftSaved { call } => Obj::tagged("kind", "draft_saved").put("call", call),
            Response::Discarded { call } => Obj::tagged("kind", "discarded").put("call", call),
            Response::Calls { calls } => Obj::tagged("kind", "calls").put("calls", calls),
            Response::Logged(view) => Obj::tagged("kind", "logged").merge(view.to_json()),
            Response::Forgotten { message } => Obj::tagged("kind", "forgotten").put("message", message),
            Response::Outbox { entries } => Obj::tagged("kind", "outbox").put("entries", entries),
            Response::Settings(view) => Obj::tagged("kind", "settings").merge(view.to_json()),
            Response::Inventory { keys, retention_days } => {
                Obj::tagged("kind", "inventory").put("keys", keys).put("retention_days", retention_days)
            }
            Response::Found { contacts } => Obj::tagged("kind", "found").put("contacts", contacts),
            Response::History { calls } => Obj::tagged("kind", "history").put("calls", calls),
            Response::NotARecord => Obj::tagged("kind", "not_a_record"),
            Response::Status(view) => Obj::tagged("kind", "status").merge(view.to_json()),
            Response::Queue { queue, paused } => Obj::tagged("kind", "queue").put("queue", queue).put("paused", paused),
            Response::Lists { lists } => Obj::tagged("kind", "lists").put("lists", lists),
            Response::Error { error } => Obj::tagged("kind", "error").put("error", error),
        }
        .done()
    }
}

/// Every `kind` a request may have, in `Request`'s order.
pub const REQUEST_KINDS: [&str; 22] = [
    "ping",
    "card",
    "status",
    "sign_in",
    "sign_out",
    "queue",
    "lists",
    "set_queue_list",
    "dial",
    "log_call",
    "call_draft",
    "discard_call",
    "calls",
    "forget_contact",
    "outbox",
    "retry_log",
    "delete_log",
    "settings",
    "save_settings",
    "inventory",
    "find_contacts",
    "history",
];

/// Parses a JSON message into a request, with a clear reason when it is not one. Accepts what
/// serde's derive for `Request` accepts (`parse_request_agrees_with_serdes_derive`; but not its
/// array form, `["ping"]`): fields other
/// than the kind's are ignored; an optional field absent or null is `None`; `notes` and
/// `refresh` may be absent (empty, false) but not null; a field of another type is refused.
pub fn parse_request(value: serde_json::Value) -> Result<Request, String> {
    use serde_json::Value;
    let refuse = |why: String| ["Not a Spotdial request: ", &why].concat();
    let Value::Object(mut fields) = value else { return Err(refuse("invalid type: expected a JSON object".into())) };
    let kind = match fields.remove("kind") {
        Some(Value::String(kind)) => kind,
        Some(_) => return Err(refuse("invalid type for `kind`: expected a string".into())),
        None => return Err(refuse("missing field `kind`".into())),
    };
    // A string field: absent or null is `None`, anything but a string is refused.
    let text = |fields: &mut serde_json::Map<String, Value>, name: &str| -> Result<Option<String>, String> {
        match fields.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(refuse(["invalid type for `", name, "`: expected a string"].concat())),
        }
    };
    let required =
        |name: &str, value: Option<String>| value.ok_or_else(|| refuse(["missing field `", name, "`"].concat()));
    // `notes`: may be absent (empty), not null.
    let notes = |fields: &mut serde_json::Map<String, Value>| match fields.remove("notes") {
        None => Ok(String::new()),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(refuse("invalid type for `notes`: expected a string".into())),
    };
    let request = match kind.as_str() {
        "ping" => Request::Ping,
        "card" => Request::Card { url: required("url", text(&mut fields, "url")?)? },
        "status" => Request::Status,
        "sign_in" => Request::SignIn,
        "sign_out" => Request::SignOut,
        "queue" => Request::Queue {
            refresh: match fields.remove("refresh") {
                None => false,
                Some(Value::Bool(b)) => b,
                Some(_) => return Err(refuse("invalid type for `refresh`: expected a boolean".into())),
            },
        },
        "lists" => Request::Lists,
        "set_queue_list" => Request::SetQueueList { list: text(&mut fields, "list")?.map(crate::ids::ListId::new) },
        "dial" => Request::Dial {
            contact: ContactId::new(required("contact", text(&mut fields, "contact")?)?),
            number: required("number", text(&mut fields, "number")?)?,
        },
        "log_call" => Request::LogCall {
            call: required("call", text(&mut fields, "call")?)?,
            outcome: text(&mut fields, "outcome")?,
            notes: notes(&mut fields)?,
            complete_task: text(&mut fields, "complete_task")?.map(crate::ids::TaskId::new),
        },
        "call_draft" => Request::CallDraft {
            call: required("call", text(&mut fields, "call")?)?,
            outcome: text(&mut fields, "outcome")?,
            notes: notes(&mut fields)?,
        },
        "discard_call" => Request::DiscardCall { call: required("call", text(&mut fields, "call")?)? },
        "calls" => Request::Calls,
        "forget_contact" => {
            Request::ForgetContact { contact: ContactId::new(required("contact", text(&mut fields, "contact")?)?) }
        }
        "outbox" => Request::Outbox,
        "retry_log" => Request::RetryLog { id: required("id", text(&mut fields, "id")?)? },
        "delete_log" => Request::DeleteLog { id: required("id", text(&mut fields, "id")?)? },
        "settings" => Request::Settings,
        "save_settings" => Request::SaveSettings {
            values: fields.remove("values").ok_or_else(|| refuse("missing field `values`".into()))?,
        },
        "inventory" => Request::Inventory,
        "find_contacts" => Request::FindContacts { query: required("query", text(&mut fields, "query")?)? },
        "history" => Request::History,
        other => {
            let expected: Vec<String> = REQUEST_KINDS.iter().map(|k| ["`", k, "`"].concat()).collect();
            return Err(refuse(["unknown variant `", other, "`, expected one of ", &expected.join(", ")].concat()));
        }
    };
    Ok(request)
}

/// Who sent a message, as Chrome's `MessageSender` describes it, already parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Sender {
    /// `sender.id`: the extension the message came from.
    pub id: Option<String>,
    /// `sender.url`: the page or frame URL.
    pub url: Option<String>,
    /// `sender.tab` was present: the message came from a content script in a tab.
    pub from_tab: bool,
    /// `sender.frameId`: 0 is the top frame.
    pub frame_id: Option<i64>,
    /// `sender.tab.url`: what the browser says the tab shows now. Unlike `sender.url` (the
    /// document's URL when its content script started, measured on Chromium 156) it follows
    /// HubSpot's in-page navigation, so it names the record a top-frame request is about.
    #[serde(default)]
    pub tab_url: Option<String>,
}

/// The kinds of sender the table distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The popup, the options page or the call panel: this extension's own pages.
    ExtensionPage,
    /// A content script in the top frame of a HubSpot app page.
    HubSpotTopFrame,
    /// Anything else: another extension, a sub-frame, a non-HubSpot page.
    Untrusted,
}

/// Classifies a sender against this extension's id.
pub fn origin_of(sender: &Sender, own_id: &str) -> Origin {
    if sender.id.as_deref() != Some(own_id) || own_id.is_empty() {
        return Origin::Untrusted;
    }
    let url = sender.url.as_deref().unwrap_or("");
    // Our own pages (the popup, or the options page open in a tab) are known by their URL.
    let own_prefix = ["chrome-extension://", own_id, "/"].concat();
    if url.starts_with(&own_prefix) {
        return Origin::ExtensionPage;
    }
    if sender.from_tab && sender.frame_id == Some(0) && is_hubspot_app_url(url) {
        Origin::HubSpotTopFrame
    } else {
        Origin::Untrusted
    }
}

fn is_hubspot_app_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else { return false };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    Hublet::from_app_host(host).is_some()
}

/// May this sender make this request? Fails closed: anything not listed is refused.
pub fn allowed(request: &Request, origin: Origin) -> bool {
    use Origin::*;
    match request {
        Request::Ping => matches!(origin, ExtensionPage | HubSpotTopFrame),
        Request::Card { .. } | Request::Dial { .. } | Request::CallDraft { .. } => matches!(origin, HubSpotTopFrame),
        // A call in progress is logged or discarded from its card or from the popup's list.
        Request::LogCall { .. } | Request::DiscardCall { .. } => matches!(origin, HubSpotTopFrame | ExtensionPage),
        Request::ForgetContact { .. } => matches!(origin, HubSpotTopFrame | ExtensionPage),
        Request::Status
        | Request::SignIn
        | Request::SignOut
        | Request::Queue { .. }
        | Request::Lists
        | Request::SetQueueList { .. }
        | Request::Outbox
        | Request::Calls
        | Request::RetryLog { .. }
        | Request::DeleteLog { .. }
        | Request::Settings
        | Request::SaveSettings { .. }
        | Request::Inventory
        | Request::FindContacts { .. }
        | Request::History => matches!(origin, ExtensionPage),
    }
}

/// Checks the ids a request carries before anything acts on them: HubSpot's record ids are
/// digits, a call's id is the client-made external id. Anything else is refused with a reason.
pub fn validate(request: &Request) -> Result<(), Failure> {
    let bad = |what: &str| Err(Failure::new("bad_request", ["That ", what, " is not valid."].concat(), false));
    match request {
        Request::Dial { contact, .. } | Request::ForgetContact { contact } if !contact.is_numeric() => {
            bad("contact id")
        }
        Request::LogCall { complete_task: Some(task), .. } if !task.is_numeric() => bad("task id"),
        Request::LogCall { call, .. }
        | Request::CallDraft { call, .. }
        | Request::DiscardCall { call }
        | Request::RetryLog { id: call }
        | Request::DeleteLog { id: call }
            if !crate::ids::valid_external_id(call) =>
        {
            bad("call id")
        }
        Request::SetQueueList { list: Some(list) } if !list.is_numeric() => bad("list id"),
        _ => Ok(()),
    }
}

/// The contact record a content script's tab shows, as the browser reports it.
pub fn sender_page(sender: &Sender) -> Option<(Hublet, PortalId, ContactId)> {
    match classify(sender.tab_url.as_deref()?) {
        Page::Contact { hublet, portal, contact } => Some((hublet, portal, contact)),
        _ => None,
    }
}

/// Binds a content script's request to the page it came from (DESIGN §5): a card is always the
/// card of the record the sender's tab shows, and a dial or a prospect deletion may name only
/// that contact. A card asked for another record than the tab shows is refused as retryable:
/// in-page navigation can reach the browser just after the message. Extension pages' requests
/// pass unchanged.
pub fn bind_to_sender(request: Request, origin: Origin, sender: &Sender) -> Result<Request, Failure> {
    if origin != Origin::HubSpotTopFrame {
        return Ok(request);
    }
    let not_this_page =
        || Failure::new("not_this_page", "Spotdial acts only on the contact shown on this page.", false);
    match request {
        Request::Card { url } => {
            let shown = sender.tab_url.clone().unwrap_or_default();
            let record = |url: &str| match classify(url) {
                Page::Contact { portal, contact, .. } => Some((portal, contact)),
                _ => None,
            };
            if record(&url) != record(&shown) {
                return Err(Failure::new(
                    "page_changed",
                    "The page changed while Spotdial was loading its card.",
                    true,
                ));
            }
            Ok(Request::Card { url: shown })
        }
        Request::Dial { ref contact, .. } | Request::ForgetContact { ref contact } => match sender_page(sender) {
            Some((_, _, shown)) if &shown == contact => Ok(request),
            _ => Err(not_this_page()),
        },
        other => Ok(other),
    }
}

/// Answers the requests that need nothing but the core itself.
pub fn answer_local(request: &Request) -> Option<Response> {
    match request {
        Request::Ping => Some(Response::Pong { version: env!("CARGO_PKG_VERSION").to_string() }),
        Request::Card { url } if !matches!(classify(url), Page::Contact { .. }) => Some(Response::NotARecord),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const OWN: &str = "mlcffbhjimpjdchleegdmflbagencmpj";

    #[test]
    fn a_queue_source_reads_back_as_written_and_a_half_one_is_refused() {
        use crate::ids::ListId;
        use views::QueueSource;
        for source in
            [QueueSource::Tasks { due_by_ms: 1_795_780_800_000 }, QueueSource::List { list: ListId::new("7") }]
        {
            let written = serde_json::to_value(&source).unwrap();
            assert_eq!(serde_json::from_value::<QueueSource>(written).unwrap(), source);
        }
        assert_eq!(
            serde_json::to_value(QueueSource::List { list: ListId::new("7") }).unwrap(),
            json!({"kind": "list", "list": "7"})
        );
        for half in [
            json!({"kind": "tasks"}),
            json!({"kind": "list", "due_by_ms": 1}),
            json!({"kind": "lists", "list": "7"}),
            json!("tasks"),
        ] {
            assert!(serde_json::from_value::<QueueSource>(half.clone()).is_err(), "{half}");
        }
    }

    fn sender(id: &str, url: &str, from_tab: bool, frame: Option<i64>) -> Sender {
        Sender {
            id: Some(id.into()),
            url: Some(url.into()),
            from_tab,
            frame_id: frame,
            tab_url: from_tab.then(|| url.into()),
        }
    }

    /// One JSON snapshot per variant: the wire shape the JS shell relies on.
    #[test]
    fn request_snapshots() {
        let cases = [
            (Request::Ping, json!({"kind": "ping"})),
            (Request::Card { url: "https://x".into() }, json!({"kind": "card", "url": "https://x"})),
            (Request::Status, json!({"kind": "status"})),
            (Request::SignIn, json!({"kind": "sign_in"})),
            (Request::SignOut, json!({"kind": "sign_out"})),
            (Request::Queue { refresh: true }, json!({"kind": "queue", "refresh": true})),
            (Request::Lists, json!({"kind": "lists"})),
            (Request::SetQueueList { list: None }, json!({"kind": "set_queue_list", "list": null})),
            (
                Request::Dial { contact: ContactId::new("7"), number: "+1 415".into() },
                json!({"kind": "dial", "contact": "7", "number": "+1 415"}),
            ),
            (
                Request::LogCall {
                    call: "spotdial-1".into(),
                    outcome: Some("f240".into()),
                    notes: "hi".into(),
                    complete_task: Some(crate::ids::TaskId::new("70002")),
                },
                json!({"kind": "log_call", "call": "spotdial-1", "outcome": "f240", "notes": "hi", "complete_task": "70002"}),
            ),
            (
                Request::CallDraft { call: "spotdial-1".into(), outcome: Some("f240".into()), notes: "hi".into() },
                json!({"kind": "call_draft", "call": "spotdial-1", "outcome": "f240", "notes": "hi"}),
            ),
            (Request::DiscardCall { call: "spotdial-1".into() }, json!({"kind": "discard_call", "call": "spotdial-1"})),
            (Request::Calls, json!({"kind": "calls"})),
            (
                Request::ForgetContact { contact: ContactId::new("7") },
                json!({"kind": "forget_contact", "contact": "7"}),
            ),
            (Request::Outbox, json!({"kind": "outbox"})),
            (Request::RetryLog { id: "spotdial-1".into() }, json!({"kind": "retry_log", "id": "spotdial-1"})),
            (Request::DeleteLog { id: "spotdial-1".into() }, json!({"kind": "delete_log", "id": "spotdial-1"})),
            (Request::Settings, json!({"kind": "settings"})),
            (
                Request::SaveSettings { values: json!({"dialScheme": "sip"}) },
                json!({"kind": "save_settings", "values": {"dialScheme": "sip"}}),
            ),
            (Request::Inventory, json!({"kind": "inventory"})),
            (Request::FindContacts { query: "ana".into() }, json!({"kind": "find_contacts", "query": "ana"})),
            (Request::History, json!({"kind": "history"})),
        ];
        let mut covered = Vec::new();
        for (request, wire) in cases {
            assert_eq!(serde_json::to_value(&request).unwrap(), wire);
            covered.push(wire["kind"].as_str().unwrap().to_string());
            assert_eq!(serde_json::from_value::<Request>(wire.clone()).unwrap(), request);
            assert_eq!(parse_request(wire).unwrap(), request);
        }
        // Exhaustive by construction: serde's derive (kept in tests) names every variant when it
        // meets an unknown one, so a variant added without a case above, or without its kind in
        // REQUEST_KINDS (and so in `parse_request`), fails here.
        let refused = serde_json::from_value::<Request>(json!({"kind": "no_such_kind"})).unwrap_err().to_string();
        let every: Vec<String> = refused.split('`').skip(3).step_by(2).map(str::to_string).collect();
        assert!(every.len() > 20, "serde listed the variants: {refused}");
        assert_eq!(every, REQUEST_KINDS, "REQUEST_KINDS is Request's variants, in order");
        let ours = parse_request(json!({"kind": "no_such_kind"})).unwrap_err();
        assert_eq!(ours.split('`').skip(3).step_by(2).collect::<Vec<_>>(), REQUEST_KINDS, "{ours}");
        covered.sort();
        let mut every_sorted = every.clone();
        every_sorted.sort();
        assert_eq!(covered, every_sorted, "one snapshot per Request variant");
    }

    /// `parse_request` accepts exactly what serde's derive accepts, and reads it the same: every
    /// kind (and an unknown one) with every field name absent or set to each kind of JSON value.
    #[test]
    fn parse_request_agrees_with_serdes_derive() {
        let names = [
            "url",
            "refresh",
            "list",
            "contact",
            "number",
            "call",
            "outcome",
            "notes",
            "complete_task",
            "id",
            "values",
            "query",
        ];
        let values = [json!(null), json!("7"), json!(""), json!(7), json!(true), json!({"a": 1}), json!(["7"])];
        let mut kinds: Vec<serde_json::Value> = REQUEST_KINDS.iter().map(|k| json!(k)).collect();
        kinds.extend([json!("nope"), json!(7), json!(null)]);
        let mut compared = 0;
        for kind in &kinds {
            // Each kind with every field a string "7" (most variants' complete form), then each
            // field alone removed or replaced by each value.
            let mut full = serde_json::Map::new();
            full.insert("kind".into(), kind.clone());
            for name in names {
                full.insert(name.into(), json!("7"));
            }
            full.insert("refresh".into(), json!(true));
            let mut cases = vec![serde_json::Value::Object(full.clone()), json!({"kind": kind})];
            for name in names {
                let mut without = full.clone();
                without.remove(name);
                cases.push(serde_json::Value::Object(without));
                for value in &values {
                    let mut with = full.clone();
                    with.insert(name.into(), value.clone());
                    cases.push(serde_json::Value::Object(with));
                }
            }
            for case in cases {
                let derived = serde_json::from_value::<Request>(case.clone()).ok();
                assert_eq!(parse_request(case.clone()).ok(), derived, "{case}");
                compared += 1;
            }
        }
        for odd in [json!(null), json!("ping"), json!(7), json!({})] {
            assert!(parse_request(odd.clone()).is_err() && serde_json::from_value::<Request>(odd).is_err());
        }
        // The one difference, on purpose: serde's derive also reads an internally tagged enum
        // from an array (`["ping"]`, the tag first); no Spotdial page sends that, and it is refused.
        assert!(serde_json::from_value::<Request>(json!(["ping"])).is_ok());
        assert!(parse_request(json!(["ping"])).is_err());
        assert!(compared > 2_000, "{compared}");
    }

    /// The `kind` of every `Response` variant, by a `match` with no `_` arm: a new variant does
    /// not compile until it is named here, and `response_snapshots` fails until it has a case.
    fn response_kind(response: &Response) -> &'static str {
        match response {
            Response::Pong { .. } => "pong",
            Response::Card { .. } => "card",
            Response::Dialing(_) => "dialing",
            Response::DraftSaved { .. } => "draft_saved",
            Response::Discarded { .. } => "discarded",
            Response::Calls { .. } => "calls",
            Response::Logged(_) => "logged",
            Response::Forgotten { .. } => "forgotten",
            Response::Outbox { .. } => "outbox",
            Response::Settings(_) => "settings",
            Response::Inventory { .. } => "inventory",
            Response::Found { .. } => "found",
            Response::History { .. } => "history",
            Response::NotARecord => "not_a_record",
            Response::Status(_) => "status",
            Response::Queue { .. } => "queue",
            Response::Lists { .. } => "lists",
            Response::Error { .. } => "error",
        }
    }

    /// The variants of `Response` as its source declares them (snake_case), read from this
    /// file at compile time: the list `response_kind` and the snapshots must both match.
    fn declared_response_variants() -> Vec<String> {
        let source = include_str!("mod.rs");
        let body = source.split("pub enum Response {").nth(1).unwrap().split("\n}\n").next().unwrap();
        body.lines()
            .filter(|l| l.starts_with("    ") && !l.starts_with("     ") && !l.trim_start().starts_with("//"))
            .filter_map(|l| l.trim().split(['{', '(', ',', ' ']).next().filter(|n| n.starts_with(char::is_uppercase)))
            .map(|name| {
                let mut snake = String::new();
                for (i, c) in name.chars().enumerate() {
                    if c.is_uppercase() && i > 0 {
                        snake.push('_');
                    }
                    snake.push(c.to_ascii_lowercase());
                }
                snake
            })
            .collect()
    }

    fn call_view() -> views::CallView {
        views::CallView {
            call: "spotdial-1".into(),
            uri: "tel:+14155550132".into(),
            number: "(415) 555-0132".into(),
            started_at_ms: 5,
            outcomes: vec![views::CallOutcome { id: "f240".into(), label: "Connected".into() }],
            task: None,
            outcome: Some("f240".into()),
            notes: "hi".into(),
            stale: false,
        }
    }

    fn call_wire() -> serde_json::Value {
        json!({"call": "spotdial-1", "uri": "tel:+14155550132", "number": "(415) 555-0132", "started_at_ms": 5,
               "outcomes": [{"id": "f240", "label": "Connected"}], "task": null, "outcome": "f240", "notes": "hi", "stale": false})
    }

    #[test]
    fn response_snapshots() {
        let cases = [
            (Response::Pong { version: "1".into() }, json!({"kind": "pong", "version": "1"})),
            (
                Response::Card {
                    hublet: Hublet::Eu1,
                    portal: "9".into(),
                    contact: ContactId::new("7"),
                    card: None,
                    problem: Some(Failure::new("signed_out", "Sign in.", false)),
                    paused: None,
                    call: None,
                    held_call: None,
                },
                json!({"kind": "card", "hublet": "eu1", "portal": "9", "contact": "7", "card": null,
                       "problem": {"code": "signed_out", "message": "Sign in.", "retryable": false}, "paused": null,
                       "call": null, "held_call": null}),
            ),
            (
                Response::Card {
                    hublet: Hublet::Na1,
                    portal: "9".into(),
                    contact: ContactId::new("7"),
                    card: None,
                    problem: None,
                    paused: None,
                    call: Some(call_view()),
                    held_call: Some("Waits for account 9.".into()),
                },
                json!({"kind": "card", "hublet": "na1", "portal": "9", "contact": "7", "card": null, "problem": null,
                       "paused": null, "call": call_wire(), "held_call": "Waits for account 9."}),
            ),
            (Response::Dialing(call_view()), {
                let mut wire = call_wire();
                wire["kind"] = json!("dialing");
                wire
            }),
            (Response::DraftSaved { call: "spotdial-1".into() }, json!({"kind": "draft_saved", "call": "spotdial-1"})),
            (Response::Discarded { call: "spotdial-1".into() }, json!({"kind": "discarded", "call": "spotdial-1"})),
            (
                Response::Calls {
                    calls: vec![views::CallListItem {
                        call: "spotdial-1".into(),
                        contact: ContactId::new("7"),
                        contact_name: "Ana".into(),
                        number: "(415) 555-0132".into(),
                        started_at_ms: 5,
                        record_url: Some("https://app.hubspot.com/contacts/9/record/0-1/7".into()),
                        stale: true,
                        task: None,
                        outcome: None,
                        outcome_label: None,
                        notes: "n".into(),
                        account: Some(crate::ids::Account {
                            portal: crate::ids::PortalId::new("9"),
                            user: crate::ids::UserId::new("3"),
                        }),
                        other_account: true,
                    }],
                },
                json!({"kind": "calls", "calls": [{"call": "spotdial-1", "contact": "7", "contact_name": "Ana",
                       "number": "(415) 555-0132", "started_at_ms": 5, "record_url": "https://app.hubspot.com/contacts/9/record/0-1/7",
                       "stale": true, "task": null, "outcome": null, "outcome_label": null, "notes": "n",
                       "account": {"portal": "9", "user": "3"}, "other_account": true}]}),
            ),
            (Response::Forgotten { message: "Done.".into() }, json!({"kind": "forgotten", "message": "Done."})),
            (
                Response::Card {
                    hublet: Hublet::Na1,
                    portal: "9".into(),
                    contact: ContactId::new("7"),
                    card: Some(Box::new(views::CardView {
                        name: "Ana Li".into(),
                        title: Some("CTO".into()),
                        company: None,
                        numbers: vec![views::NumberView {
                            label: "Phone".into(),
                            raw: "(415) 555-0132".into(),
                            dialable: true,
                            e164: Some("+14155550132".into()),
                            problem: None,
                        }],
                        fields: vec![views::FieldView { label: "Lifecycle".into(), value: "Lead".into() }],
                        local_time: Some(views::LocalTimeView {
                            time: "09:05".into(),
                            zone: "America/Los_Angeles".into(),
                            outside_hours: false,
                            warning: None,
                        }),
                        record_url: "https://app.hubspot.com/contacts/9/record/0-1/7".into(),
                    })),
                    problem: None,
                    paused: Some(views::PauseView { until_ms: 9, message: "Paused.".into() }),
                    call: None,
                    held_call: None,
                },
                json!({"kind": "card", "hublet": "na1", "portal": "9", "contact": "7",
                       "card": {"name": "Ana Li", "title": "CTO", "company": null,
                                "numbers": [{"label": "Phone", "raw": "(415) 555-0132", "dialable": true,
                                             "e164": "+14155550132", "problem": null}],
                                "fields": [{"label": "Lifecycle", "value": "Lead"}],
                                "local_time": {"time": "09:05", "zone": "America/Los_Angeles", "outside_hours": false,
                                               "warning": null},
                                "record_url": "https://app.hubspot.com/contacts/9/record/0-1/7"},
                       "problem": null, "paused": {"until_ms": 9, "message": "Paused."}, "call": null, "held_call": null}),
            ),
            (
                Response::Logged(views::LoggedView {
                    state: "queued".into(),
                    message: "Kept.".into(),
                    record_url: None,
                    next: Some(views::NextView { record_url: "u".into(), name: "Bo".into(), subject: None }),
                }),
                json!({"kind": "logged", "state": "queued", "message": "Kept.", "record_url": null,
                       "next": {"record_url": "u", "name": "Bo", "subject": null}}),
            ),
            (
                Response::Outbox {
                    entries: vec![views::OutboxEntryView {
                        id: "spotdial-1".into(),
                        contact: Some(ContactId::new("7")),
                        contact_name: "Ana".into(),
                        created_at_ms: 5,
                        status: views::OutboxStatus::CheckingHubSpot,
                        label: "checking".into(),
                        at_ms: Some(6),
                        can_retry: false,
                        account: None,
                        other_account: false,
                    }],
                },
                json!({"kind": "outbox", "entries": [{"id": "spotdial-1", "contact": "7", "contact_name": "Ana",
                       "created_at_ms": 5, "status": "checking_hub_spot", "label": "checking", "at_ms": 6,
                       "can_retry": false, "account": null, "other_account": false}]}),
            ),
            (
                Response::Settings(views::SettingsView {
                    settings: vec![views::ShownSetting {
                        key: "dialScheme",
                        value: json!("sip"),
                        source: views::Source::Admin,
                        rep_can_change: false,
                    }],
                    problems: vec!["Bad.".into()],
                }),
                json!({"kind": "settings", "settings": [{"key": "dialScheme", "value": "sip", "source": "admin",
                       "rep_can_change": false}], "problems": ["Bad."]}),
            ),
            (
                Response::Inventory {
                    keys: vec![views::KeyView {
                        pattern: "cache:v1:contact:<contact id>".into(),
                        area: views::StoreArea::Session,
                        holds: "a card".into(),
                        kept: "10 minutes".into(),
                        contact_data: true,
                        cleared_on_sign_out: true,
                    }],
                    retention_days: 180,
                },
                json!({"kind": "inventory", "keys": [{"pattern": "cache:v1:contact:<contact id>", "area": "session",
                       "holds": "a card", "kept": "10 minutes", "contact_data": true, "cleared_on_sign_out": true}],
                       "retention_days": 180}),
            ),
            (
                Response::Found {
                    contacts: vec![views::FoundContact {
                        id: ContactId::new("7"),
                        name: Some("Ana".into()),
                        company: None,
                        numbers: vec!["+14155550132".into()],
                    }],
                },
                json!({"kind": "found", "contacts": [{"id": "7", "name": "Ana", "company": null,
                       "numbers": ["+14155550132"]}]}),
            ),
            (
                Response::History {
                    calls: vec![views::HistoryEntry {
                        account: None,
                        external_id: "spotdial-1".into(),
                        contact: ContactId::new("7"),
                        contact_name: None,
                        number: "+14155550132".into(),
                        started_at_ms: 5,
                        duration_ms: 60_000,
                        outcome_label: Some("Connected".into()),
                        call_id: Some(crate::ids::CallId::new("88")),
                    }],
                },
                json!({"kind": "history", "calls": [{"account": null, "external_id": "spotdial-1", "contact": "7",
                       "contact_name": null, "number": "+14155550132", "started_at_ms": 5, "duration_ms": 60000,
                       "outcome_label": "Connected", "call_id": "88"}]}),
            ),
            (
                Response::Status(views::StatusView {
                    auth: views::AuthView::SignedIn {
                        profile: Some(views::Profile {
                            portal: PortalId::new("9"),
                            hub_domain: Some("x.com".into()),
                            ui_domain: "app.hubspot.com".into(),
                            hublet: Hublet::Na1,
                            user_id: Some(crate::ids::UserId::new("3")),
                            user_email: Some("a@x.com".into()),
                            owner: None,
                            owner_name: None,
                        }),
                    },
                    paused: None,
                    unsent_logs: 2,
                    health: Some(views::HealthView {
                        user_email: Some("a@x.com".into()),
                        owner_name: None,
                        portal: Some("9".into()),
                        hub_domain: None,
                        token_renewed_at_ms: Some(4),
                        budget: views::Usage { used: 1, max: 110, window_ms: 10_000 },
                        paused_until_ms: None,
                    }),
                }),
                json!({"kind": "status", "auth": "signed_in",
                       "profile": {"portal": "9", "hub_domain": "x.com", "ui_domain": "app.hubspot.com", "hublet": "na1",
                                   "user_id": "3", "user_email": "a@x.com", "owner": null, "owner_name": null},
                       "paused": null, "unsent_logs": 2,
                       "health": {"user_email": "a@x.com", "owner_name": null, "portal": "9", "hub_domain": null,
                                  "token_renewed_at_ms": 4, "budget": {"used": 1, "max": 110, "window_ms": 10000},
                                  "paused_until_ms": null}}),
            ),
            (
                Response::Status(views::StatusView {
                    auth: views::AuthView::NeedsReconnect {
                        reason: "Revoked.".into(),
                        missing_scopes: vec!["x".into()],
                    },
                    paused: None,
                    unsent_logs: 0,
                    health: None,
                }),
                json!({"kind": "status", "auth": "needs_reconnect", "reason": "Revoked.", "missing_scopes": ["x"],
                       "paused": null, "unsent_logs": 0, "health": null}),
            ),
            (
                Response::Queue {
                    queue: views::QueueView {
                        source: views::QueueSource::Tasks { due_by_ms: 8 },
                        items: vec![views::QueueEntry {
                            task: Some(views::TaskView {
                                id: crate::ids::TaskId::new("70002"),
                                subject: "Call".into(),
                                due_ms: Some(7),
                                priority: views::Priority::High,
                                overdue: true,
                            }),
                            contact: Some(views::ContactView {
                                id: ContactId::new("7"),
                                name: "Ana".into(),
                                company: None,
                                title: None,
                                numbers: vec![("phone".into(), "(415) 555-0132".into())],
                                time_zone: None,
                                country: Some("US".into()),
                            }),
                            problem: None,
                            record_url: Some("u".into()),
                        }],
                        truncated: false,
                        fetched_at_ms: 6,
                        busy_portal: false,
                    },
                    paused: None,
                },
                json!({"kind": "queue", "queue": {"source": {"kind": "tasks", "due_by_ms": 8},
                       "items": [{"task": {"id": "70002", "subject": "Call", "due_ms": 7, "priority": "high", "overdue": true},
                                  "contact": {"id": "7", "name": "Ana", "company": null, "title": null,
                                              "numbers": [["phone", "(415) 555-0132"]], "time_zone": null, "country": "US"},
                                  "problem": null, "record_url": "u"}],
                       "truncated": false, "fetched_at_ms": 6, "busy_portal": false}, "paused": null}),
            ),
            (
                Response::Lists {
                    lists: vec![views::ListSummary {
                        id: crate::ids::ListId::new("12"),
                        name: "Hot".into(),
                        processing_type: Some("MANUAL".into()),
                        size: Some(3),
                    }],
                },
                json!({"kind": "lists", "lists": [{"id": "12", "name": "Hot", "processing_type": "MANUAL", "size": 3}]}),
            ),
            (Response::NotARecord, json!({"kind": "not_a_record"})),
            (
                Response::Error { error: Failure::new("forbidden", "No.", false) },
                json!({"kind": "error", "error": {"code": "forbidden", "message": "No.", "retryable": false}}),
            ),
        ];
        let mut covered = Vec::new();
        for (response, wire) in cases {
            assert_eq!(serde_json::to_value(&response).unwrap(), wire);
            assert_eq!(response.to_json(), wire, "written by hand");
            assert_eq!(wire["kind"], response_kind(&response), "{response:?}");
            covered.push(response_kind(&response).to_string());
        }
        covered.sort();
        covered.dedup();
        let mut declared = declared_response_variants();
        assert!(declared.len() >= 18, "the enum was read: {declared:?}");
        declared.sort();
        assert_eq!(covered, declared, "one snapshot per Response variant");
    }

    /// Every variant of the views' enums, and the fields `response_snapshots` leaves at one
    /// value, written by hand as serde's derive writes them.
    #[test]
    fn every_view_is_written_as_serde_writes_it() {
        use views::*;
        let profile = Profile {
            portal: PortalId::new("9"),
            hub_domain: None,
            ui_domain: "app-eu1.hubspot.com".into(),
            hublet: Hublet::Eu1,
            user_id: None,
            user_email: None,
            owner: Some(crate::ids::OwnerId::new("5")),
            owner_name: Some("Ana".into()),
        };
        let auths = [
            AuthView::SignedOut,
            AuthView::SignedIn { profile: None },
            AuthView::SignedIn { profile: Some(profile.clone()) },
            AuthView::NeedsReconnect { reason: String::new(), missing_scopes: vec![] },
        ];
        let pause = PauseView { until_ms: -1, message: "\"<b>\"".into() };
        let statuses: Vec<Response> = auths
            .iter()
            .map(|auth| {
                Response::Status(StatusView {
                    auth: auth.clone(),
                    paused: Some(pause.clone()),
                    unsent_logs: 7,
                    health: None,
                })
            })
            .collect();
        assert_eq!(crate::testing::agree_write(&statuses), 4);
        assert_eq!(crate::testing::agree_write(&auths), 4);
        assert_eq!(crate::testing::agree_write(&[profile]), 1);
        let outbox = [
            OutboxStatus::Waiting,
            OutboxStatus::Sending,
            OutboxStatus::CheckingHubSpot,
            OutboxStatus::Retrying,
            OutboxStatus::CompletingTask,
            OutboxStatus::Failed,
            OutboxStatus::WaitingForSignIn,
            OutboxStatus::OtherAccount,
            OutboxStatus::RateLimited,
            OutboxStatus::Offline,
            OutboxStatus::Unreadable,
        ];
        assert_eq!(crate::testing::agree_write(&outbox), 11);
        assert_eq!(crate::testing::agree_write(&[Priority::High, Priority::Medium, Priority::Low, Priority::None]), 4);
        assert_eq!(crate::testing::agree_write(&[Source::Admin, Source::Rep, Source::Default]), 3);
        assert_eq!(crate::testing::agree_write(&[StoreArea::Local, StoreArea::Session, StoreArea::Managed]), 3);
        let sources =
            [QueueSource::Tasks { due_by_ms: i64::MIN }, QueueSource::List { list: crate::ids::ListId::new("4") }];
        assert_eq!(crate::testing::agree_write(&sources), 2);
        let task = TaskView {
            id: crate::ids::TaskId::new("1"),
            subject: String::new(),
            due_ms: None,
            priority: Priority::None,
            overdue: false,
        };
        let call = CallView {
            call: "spotdial-2".into(),
            uri: "sip:+1@pbx".into(),
            number: "1".into(),
            started_at_ms: 0,
            outcomes: vec![],
            task: Some(task),
            outcome: None,
            notes: String::new(),
            stale: true,
        };
        let others = [
            Response::Dialing(call.clone()),
            Response::Queue {
                queue: QueueView {
                    source: sources[1].clone(),
                    items: vec![],
                    truncated: true,
                    fetched_at_ms: 0,
                    busy_portal: true,
                },
                paused: Some(pause),
            },
            Response::Lists {
                lists: vec![ListSummary {
                    id: crate::ids::ListId::new("1"),
                    name: String::new(),
                    processing_type: None,
                    size: Some(u64::MAX),
                }],
            },
            Response::Logged(LoggedView {
                state: "logged".into(),
                message: String::new(),
                record_url: Some("u".into()),
                next: None,
            }),
        ];
        assert_eq!(crate::testing::agree_write(&others), 4);
        let health = HealthView {
            user_email: None,
            owner_name: Some("A".into()),
            portal: None,
            hub_domain: Some("h".into()),
            token_renewed_at_ms: None,
            budget: Usage { used: 0, max: 0, window_ms: u64::MAX },
            paused_until_ms: Some(3),
        };
        assert_eq!(crate::testing::agree_write(&[health]), 1);
    }

    #[test]
    fn senders_are_classified_failing_closed() {
        let popup = format!("chrome-extension://{OWN}/popup/popup.html");
        let record = "https://app.hubspot.com/contacts/1/record/0-1/2";
        let table = [
            (sender(OWN, &popup, false, None), Origin::ExtensionPage),
            (sender(OWN, &popup, true, Some(0)), Origin::ExtensionPage), // options page in a tab
            (sender(OWN, record, true, Some(0)), Origin::HubSpotTopFrame),
            (sender(OWN, "https://app-eu1.hubspot.com/x", true, Some(0)), Origin::HubSpotTopFrame),
            // A HubSpot sub-frame, another site, another extension, a missing id.
            (sender(OWN, record, true, Some(3)), Origin::Untrusted),
            (sender(OWN, record, false, Some(0)), Origin::Untrusted),
            (sender(OWN, "https://evil.example/", true, Some(0)), Origin::Untrusted),
            (sender(OWN, "https://app.hubspot.com.evil.example/", true, Some(0)), Origin::Untrusted),
            (sender(OWN, "http://app.hubspot.com/", true, Some(0)), Origin::Untrusted),
            (sender("otherextensionid", &popup, false, None), Origin::Untrusted),
            (sender(OWN, "chrome-extension://otherextensionid/page.html", false, None), Origin::Untrusted),
            (Sender::default(), Origin::Untrusted),
        ];
        for (s, expected) in table {
            assert_eq!(origin_of(&s, OWN), expected, "{s:?}");
        }
        assert_eq!(origin_of(&sender("", &popup, false, None), ""), Origin::Untrusted);
    }

    #[test]
    fn allowed_table() {
        use Origin::*;
        let card = Request::Card { url: "https://app.hubspot.com/".into() };
        let dial = Request::Dial { contact: ContactId::new("1"), number: "1".into() };
        let forget = Request::ForgetContact { contact: ContactId::new("1") };
        let log = Request::LogCall { call: "c".into(), outcome: None, notes: String::new(), complete_task: None };
        let table = [
            (dial.clone(), HubSpotTopFrame, true),
            (dial.clone(), ExtensionPage, false),
            (dial, Untrusted, false),
            (Request::CallDraft { call: "c".into(), outcome: None, notes: String::new() }, HubSpotTopFrame, true),
            (Request::CallDraft { call: "c".into(), outcome: None, notes: String::new() }, ExtensionPage, false),
            (Request::CallDraft { call: "c".into(), outcome: None, notes: String::new() }, Untrusted, false),
            (Request::DiscardCall { call: "c".into() }, HubSpotTopFrame, true),
            (Request::DiscardCall { call: "c".into() }, ExtensionPage, true),
            (Request::DiscardCall { call: "c".into() }, Untrusted, false),
            (Request::Calls, ExtensionPage, true),
            (Request::Calls, HubSpotTopFrame, false),
            (Request::Calls, Untrusted, false),
            (log.clone(), HubSpotTopFrame, true),
            (log.clone(), ExtensionPage, true),
            (log, Untrusted, false),
            (forget.clone(), HubSpotTopFrame, true),
            (forget.clone(), ExtensionPage, true),
            (forget, Untrusted, false),
            (Request::SignIn, HubSpotTopFrame, false),
            (Request::SignOut, HubSpotTopFrame, false),
            (Request::Queue { refresh: false }, HubSpotTopFrame, false),
            (Request::Outbox, ExtensionPage, true),
            (Request::DeleteLog { id: "spotdial-1".into() }, ExtensionPage, true),
            (Request::DeleteLog { id: "spotdial-1".into() }, HubSpotTopFrame, false),
            (Request::Outbox, Untrusted, false),
            (Request::Settings, HubSpotTopFrame, false),
            (Request::SaveSettings { values: serde_json::Value::Null }, HubSpotTopFrame, false),
            (Request::FindContacts { query: String::new() }, HubSpotTopFrame, false),
            (Request::History, ExtensionPage, true),
            (Request::Ping, ExtensionPage, true),
            (Request::Ping, HubSpotTopFrame, true),
            (Request::Ping, Untrusted, false),
            (card.clone(), HubSpotTopFrame, true),
            (card.clone(), ExtensionPage, false),
            (card, Untrusted, false),
        ];
        for (request, origin, expected) in table {
            assert_eq!(allowed(&request, origin), expected, "{request:?} from {origin:?}");
        }
    }
}
