//! "Delete prospect data": removes everything Spotdial holds about one contact (its cached
//! card, its queue entries, its call history), and the options page's search for a prospect.
//! Layer: core (pure). HubSpot's own record is never touched. An unsent call log is never
//! dropped: it is marked (`forget:v1:<external id>`), sent first, and then leaves no history.

use super::history::{self, forget_mark_key, HISTORY_PREFIX};
use crate::hubspot::model::text;
use crate::ids::ContactId;
pub use crate::message::views::FoundContact;
use crate::ports::{Area, Store, StoreError};
use serde::Serialize;
use serde_json::{Map, Value};

pub const CONTACT_CACHE_PREFIX: &str = "cache:v1:contact:";
pub const QUEUE_KEY: &str = "cache:v1:queue";
pub const CACHE_PREFIX: &str = "cache:";
pub const OUTBOX_PREFIX: &str = "outbox:v1:";
/// A call between "Call" and "Log call" (session storage).
pub const ACTIVE_CALL_PREFIX: &str = "call:v1:";

/// What the confirmation dialog says before anything is deleted.
pub const FORGET_CONFIRMATION: &str = "Delete everything Spotdial keeps about this prospect on this computer \
(cached card, queue entries and call history)? The contact's record in HubSpot is not touched.";

/// Results of a prospect search beyond this many are left out (the rep narrows the query).
pub const FIND_LIMIT: usize = 50;

/// What `forget_contact` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForgetReport {
    pub contact: ContactId,
    /// Keys removed whole (cached card, history entries, other caches that named the contact).
    pub removed_keys: Vec<String>,
    /// Queue entries of this contact taken out of `cache:v1:queue`.
    pub queue_items_removed: usize,
    /// The queue cache had a shape this code does not know, so it was dropped whole.
    pub queue_dropped: bool,
    pub history_removed: usize,
    /// External ids of unsent call logs to this contact: kept, marked, sent first, then gone.
    pub pending_logs: Vec<String>,
}

impl ForgetReport {
    /// The sentence shown after deleting.
    pub fn message(&self) -> String {
        match self.pending_logs.len() {
            0 => "Spotdial no longer keeps any data about this prospect. The contact's record in HubSpot is unchanged."
                .to_string(),
            1 => "Spotdial's data about this prospect is deleted. 1 unsent call log to this contact will be sent to \
                  HubSpot first, then removed."
                .to_string(),
            n => format!(
                "Spotdial's data about this prospect is deleted. {n} unsent call logs to this contact will be sent \
                 to HubSpot first, then removed."
            ),
        }
    }
}

/// Removes everything Spotdial holds about `contact` in local and session storage. Unsent call
/// logs to the contact are kept and marked so that, once HubSpot has them, no history is written.
pub async fn forget_contact<S: Store>(store: &S, contact: &ContactId) -> Result<ForgetReport, StoreError> {
    let id = contact.as_str().trim();
    if id.is_empty() {
        return Err(StoreError("No prospect to delete: the contact id is empty.".into()));
    }
    let mut report = ForgetReport {
        contact: ContactId::new(id),
        removed_keys: Vec::new(),
        queue_items_removed: 0,
        queue_dropped: false,
        history_removed: 0,
        pending_logs: Vec::new(),
    };
    let card_key = [CONTACT_CACHE_PREFIX, id].concat();
    for area in [Area::Session, Area::Local] {
        for key in store.keys(area).await? {
            let remove = if key == card_key {
                true
            } else if key == QUEUE_KEY {
                let Some(queue) = store.get(area, &key).await? else { continue };
                match queue_without(&queue, id) {
                    QueueEdit::Unchanged => false,
                    QueueEdit::Rewritten(queue, removed) => {
                        store.set(area, &key, queue).await?;
                        report.queue_items_removed += removed;
                        false
                    }
                    QueueEdit::Drop => {
                        report.queue_dropped = true;
                        true
                    }
                }
            } else if key.starts_with(CACHE_PREFIX) || key.starts_with(ACTIVE_CALL_PREFIX) {
                // Any other cache that names the contact goes: caches are only caches.
                store.get(area, &key).await?.is_some_and(|v| has_leaf(&v, id))
            } else if key.starts_with(HISTORY_PREFIX) {
                let value = store.get(area, &key).await?;
                let hit = match value.as_ref().map(|v| (history::parse(v), v)) {
                    Some((Some(entry), _)) => entry.contact.as_str() == id,
                    Some((None, raw)) => has_leaf(raw, id),
                    None => false,
                };
                report.history_removed += usize::from(hit);
                hit
            } else if let Some(external_id) = key.strip_prefix(OUTBOX_PREFIX) {
                if store.get(area, &key).await?.is_some_and(|v| names_contact(&v, id)) {
                    store.set(Area::Local, &forget_mark_key(external_id), Value::Object(Map::new())).await?;
                    report.pending_logs.push(external_id.to_string());
                }
                false
            } else {
                false
            };
            if remove {
                store.remove(area, &key).await?;
                report.removed_keys.push(key);
            }
        }
    }
    Ok(report)
}

enum QueueEdit {
    Unchanged,
    Rewritten(Value, usize),
    Drop,
}

/// The queue cache without the items of contact `id`. The shape is
/// `{"fetched_at_ms": n, "items": [{"task": {...}, "contact": {"id": "...", ...}}]}`; an item
/// whose contact has no id (a task without a contact) stays. Anything else, or any trace of the
/// id left after the rewrite, drops the whole cache.
fn queue_without(queue: &Value, id: &str) -> QueueEdit {
    let Some(items) = queue.get("items").and_then(Value::as_array) else { return QueueEdit::Drop };
    let mut kept = Vec::with_capacity(items.len());
    for item in items {
        let Some(contact) = item.get("contact").and_then(Value::as_object) else { return QueueEdit::Drop };
        if text(contact.get("id")).as_deref() != Some(id) {
            kept.push(item.clone());
        }
    }
    let removed = items.len() - kept.len();
    let mut rewritten = queue.clone();
    if removed > 0 {
        rewritten["items"] = Value::Array(kept);
    }
    if has_leaf(&rewritten, id) {
        QueueEdit::Drop
    } else if removed == 0 {
        QueueEdit::Unchanged
    } else {
        QueueEdit::Rewritten(rewritten, removed)
    }
}

/// True when a string or number anywhere in `value` equals `id`.
fn has_leaf(value: &Value, id: &str) -> bool {
    super::any_leaf(value, &mut |leaf| leaf == id)
}

/// True when an outbox entry is a log to contact `id`: a `contact`/`contact_id`/`contactId`
/// field anywhere in it holds the id, as text or as `{"id": ...}`.
fn names_contact(value: &Value, id: &str) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(k, v)| {
            let is_contact_field = matches!(k.as_str(), "contact" | "contact_id" | "contactId");
            (is_contact_field && (text(Some(v)).as_deref() == Some(id) || text(v.get("id")).as_deref() == Some(id)))
                || names_contact(v, id)
        }),
        Value::Array(items) => items.iter().any(|v| names_contact(v, id)),
        _ => false,
    }
}

/// Prospects Spotdial holds data about whose name, company or number matches `query`
/// (case-insensitive; a number matches on its digits, whatever the spacing), for the options
/// page's "Delete prospect data" search. Looks in cached cards, the queue, call history and
/// unsent call logs.
pub async fn find_contacts<S: Store>(store: &S, query: &str) -> Result<Vec<FoundContact>, StoreError> {
    let query = query.trim();
    if query.chars().count() < 2 {
        return Ok(Vec::new());
    }
    let mut seen: Vec<FoundContact> = Vec::new();
    for area in [Area::Session, Area::Local] {
        for key in store.keys(area).await? {
            let cards: Vec<FoundContact> = if key.starts_with(CONTACT_CACHE_PREFIX) {
                store.get(area, &key).await?.as_ref().and_then(card_of).into_iter().collect()
            } else if key == QUEUE_KEY {
                let queue = store.get(area, &key).await?;
                let items = queue.as_ref().and_then(|q| q.get("items")).and_then(Value::as_array);
                items.into_iter().flatten().filter_map(|item| item.get("contact").and_then(card_of)).collect()
            } else if key.starts_with(HISTORY_PREFIX) {
                let entry = store.get(area, &key).await?.as_ref().and_then(history::parse);
                entry
                    .map(|e| FoundContact {
                        id: e.contact,
                        name: e.contact_name,
                        company: None,
                        numbers: vec![e.number],
                    })
                    .into_iter()
                    .collect()
            } else if key.starts_with(OUTBOX_PREFIX) {
                store.get(area, &key).await?.as_ref().and_then(outbox_card).into_iter().collect()
            } else {
                Vec::new()
            };
            for card in cards {
                merge(&mut seen, card);
            }
        }
    }
    let mut found: Vec<FoundContact> = seen.into_iter().filter(|c| matches_query(c, query)).collect();
    found.sort_by(|a, b| {
        let name = |c: &FoundContact| c.name.as_deref().map(str::to_lowercase);
        name(a).cmp(&name(b)).then_with(|| a.id.cmp(&b.id))
    });
    found.truncate(FIND_LIMIT);
    Ok(found)
}

fn merge(seen: &mut Vec<FoundContact>, card: FoundContact) {
    let Some(known) = seen.iter_mut().find(|c| c.id == card.id) else {
        seen.push(card);
        return;
    };
    if known.name.is_none() {
        known.name = card.name;
    }
    if known.company.is_none() {
        known.company = card.company;
    }
    for number in card.numbers {
        if !known.numbers.contains(&number) {
            known.numbers.push(number);
        }
    }
}

fn matches_query(card: &FoundContact, query: &str) -> bool {
    let needle = query.to_lowercase();
    let hit = |field: &Option<String>| field.as_deref().is_some_and(|f| f.to_lowercase().contains(&needle));
    if hit(&card.name) || hit(&card.company) {
        return true;
    }
    let looks_like_number = query.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
    let digits: String = query.chars().filter(char::is_ascii_digit).collect();
    // A national trunk `0` or an international `00` is not part of the stored E.164 digits.
    let digits = digits.trim_start_matches('0');
    if !looks_like_number || digits.len() < 3 {
        return false;
    }
    card.numbers.iter().any(|n| {
        let stored: String = n.chars().filter(char::is_ascii_digit).collect();
        let stored = stored.trim_start_matches('0');
        // Part of a number, or the same number written with and without its country code
        // (`+49 30 901820` and `030 901820`): one ends the other, over at least six digits.
        stored.contains(digits)
            || (stored.len() >= 6 && digits.len() >= 6 && (stored.ends_with(digits) || digits.ends_with(stored)))
    })
}

/// The prospect of an outbox entry (`{log: {contact, to_number}, contact_name}`).
fn outbox_card(value: &Value) -> Option<FoundContact> {
    let log = value.get("log")?;
    Some(FoundContact {
        id: ContactId(text(log.get("contact"))?),
        name: text(value.get("contact_name")),
        company: None,
        numbers: text(log.get("to_number")).into_iter().collect(),
    })
}

/// Reads a cached dialing card: a serialized `Contact` (possibly tagged, as queue items are),
/// on its own or under `contact` / `card`.
fn card_of(value: &Value) -> Option<FoundContact> {
    let obj =
        [Some(value), value.get("contact"), value.get("card")].into_iter().flatten().find(|v| v.get("id").is_some())?;
    let id = text(obj.get("id"))?;
    let field = |name: &str| text(obj.get(name));
    let name = match (field("first_name"), field("last_name")) {
        (Some(f), Some(l)) => Some([f.as_str(), " ", l.as_str()].concat()),
        (Some(n), None) | (None, Some(n)) => Some(n),
        (None, None) => field("name").or_else(|| field("display_name")),
    };
    let mut numbers: Vec<String> = ["phone", "mobile_phone"].iter().filter_map(|n| field(n)).collect();
    // The worker's card and queue caches hold `numbers` as `[property, number]` pairs; mapped
    // fields (`extra`) are pairs too, and only those holding a number are offered as one.
    let pairs = obj.get("numbers").and_then(Value::as_array).into_iter().flatten();
    for pair in pairs.chain(obj.get("extra").and_then(Value::as_array).into_iter().flatten()) {
        if let Some(v) = text(pair.get(1)) {
            if v.chars().filter(char::is_ascii_digit).count() >= 5 {
                numbers.push(v);
            }
        }
    }
    Some(FoundContact { id: ContactId(id), name, company: field("company"), numbers })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hubspot::model::Contact;
    use crate::privacy::history::{record, HistoryEntry, Recorded};
    use crate::testing::{block_on, FakeStore};
    use serde_json::json;

    const ANA: &str = "73519";
    const BEN: &str = "60428";

    fn contact(id: &str, first: &str, last: &str, company: &str, phone: &str) -> Contact {
        Contact {
            id: ContactId::new(id),
            first_name: Some(first.into()),
            last_name: Some(last.into()),
            company: Some(company.into()),
            job_title: Some("CTO".into()),
            phone: Some(phone.into()),
            mobile_phone: None,
            time_zone: Some("america_slash_denver".into()),
            country: None,
            extra: vec![(
                "direct_line".into(),
                if id == ANA { "+1 385 555 0199".into() } else { "+44 20 7946 0111".into() },
            )],
        }
    }

    fn queue_item(task: &str, c: &Contact) -> Value {
        let mut contact = serde_json::to_value(c).unwrap();
        contact["kind"] = json!("found");
        json!({"task": {"id": task, "subject": "Call back", "due_ms": 1_790_000_000_000_i64}, "contact": contact, "overdue": false})
    }

    fn history_of(external_id: &str, c: &Contact) -> Value {
        serde_json::to_value(HistoryEntry {
            account: None,
            external_id: external_id.into(),
            contact: c.id.clone(),
            contact_name: c.display_name(),
            number: c.phone.clone().unwrap_or_default(),
            started_at_ms: 1_790_000_000_000,
            duration_ms: 60_000,
            outcome_label: Some("Connected".into()),
            call_id: None,
        })
        .unwrap()
    }

    /// A store as the extension leaves it: two prospects, tokens, profile, settings, caches.
    fn populated() -> FakeStore {
        let ana = contact(ANA, "Ana", "Silva", "Acme Robotics", "+1 385 555 0100");
        let ben = contact(BEN, "Ben", "Okafor", "Globex", "+44 20 7946 0958");
        let store = FakeStore::default();
        store.put(Area::Session, "auth:v1:access", json!({"token": "at-1", "expires_at_ms": 1}));
        store.put(Area::Local, "auth:v1:refresh", json!({"token": "rt-1"}));
        store.put(Area::Local, "auth:v1:state", json!({"kind": "signed_in"}));
        store.put(
            Area::Local,
            "profile:v1",
            json!({"portal": "1234567", "email": "rep@example.com", "owner": "41629779"}),
        );
        store.put(Area::Local, "settings:v1", json!({"dialScheme": "callto"}));
        store.put(Area::Local, "storage:version", json!(1));
        store.put(
            Area::Session,
            "cache:v1:outcomes",
            json!({"fetched_at_ms": 5, "items": [{"id": "f240bbac", "label": "Connected"}]}),
        );
        store.put(Area::Session, &[CONTACT_CACHE_PREFIX, ANA].concat(), json!({"fetched_at_ms": 5, "contact": ana}));
        store.put(Area::Session, &[CONTACT_CACHE_PREFIX, BEN].concat(), json!({"fetched_at_ms": 5, "contact": ben}));
        store.put(
            Area::Session,
            QUEUE_KEY,
            json!({"fetched_at_ms": 5, "items": [
                queue_item("9001", &ana), queue_item("9002", &ben), queue_item("9003", &ana),
                {"task": {"id": "9004", "subject": "Dial in"}, "contact": {"kind": "no_contact"}, "overdue": true}
            ]}),
        );
        store.put(Area::Local, "history:v1:h-ana-1", history_of("h-ana-1", &ana));
        store.put(Area::Local, "history:v1:h-ana-2", history_of("h-ana-2", &ana));
        store.put(Area::Local, "history:v1:h-ben-1", history_of("h-ben-1", &ben));
        store
    }

    const ANA_TRACES: [&str; 7] = [ANA, "Ana", "Silva", "Acme", "385 555 0100", "3855550100", "555 0199"];

    /// Every (area, key, value as JSON text).
    fn dump(store: &FakeStore) -> Vec<(Area, String, String)> {
        let mut out = Vec::new();
        for area in [Area::Local, Area::Session] {
            for key in store.keys_in(area) {
                let value = store.value(area, &key).map(|v| v.to_string()).unwrap_or_default();
                out.push((area, key, value));
            }
        }
        out
    }

    fn traces(store: &FakeStore) -> Vec<(Area, String)> {
        dump(store)
            .into_iter()
            .filter(|(_, key, value)| ANA_TRACES.iter().any(|t| key.contains(t) || value.contains(t)))
            .map(|(area, key, _)| (area, key))
            .collect()
    }

    #[test]
    fn after_forgetting_no_key_or_value_holds_a_trace_of_the_prospect() {
        let store = populated();
        assert!(traces(&store).len() >= 4, "the fixture must hold traces to begin with");
        let report = block_on(forget_contact(&store, &ContactId::new(ANA))).unwrap();
        assert_eq!(traces(&store), vec![], "{:#?}", dump(&store));
        assert_eq!(report.queue_items_removed, 2);
        assert!(!report.queue_dropped);
        assert_eq!(report.history_removed, 2);
        assert!(report.pending_logs.is_empty());
        assert!(report.message().contains("no longer keeps any data"));
        // Everything else is untouched: the other prospect, tokens, settings.
        let queue = store.value(Area::Session, QUEUE_KEY).unwrap();
        let tasks: Vec<&str> =
            queue["items"].as_array().unwrap().iter().map(|i| i["task"]["id"].as_str().unwrap()).collect();
        assert_eq!(tasks, ["9002", "9004"]);
        assert_eq!(queue["fetched_at_ms"], 5);
        for key in ["auth:v1:refresh", "profile:v1", "settings:v1", "history:v1:h-ben-1"] {
            assert!(store.value(Area::Local, key).is_some(), "{key}");
        }
        assert!(store.value(Area::Session, "cache:v1:contact:60428").is_some());
        assert!(store.value(Area::Session, "auth:v1:access").is_some());
    }

    #[test]
    fn an_unsent_log_is_kept_marked_and_then_leaves_no_history() {
        let store = populated();
        store.put(Area::Local, "outbox:v1:log-7", json!({"state": "pending", "log": {"contact": ANA, "contact_name": "Ana Silva", "notes": "asked for a demo"}}));
        store.put(Area::Local, "outbox:v1:log-8", json!({"state": "pending", "log": {"contact": BEN}}));
        let report = block_on(forget_contact(&store, &ContactId::new(ANA))).unwrap();
        assert_eq!(report.pending_logs, ["log-7"]);
        assert_eq!(
            report.message(),
            "Spotdial's data about this prospect is deleted. 1 unsent call log to this contact will be sent to \
             HubSpot first, then removed."
        );
        // The log survives; it is the only place left that names the prospect.
        assert_eq!(traces(&store), vec![(Area::Local, "outbox:v1:log-7".to_string())]);
        assert!(store.value(Area::Local, "forget:v1:log-7").is_some());
        assert!(store.value(Area::Local, "forget:v1:log-8").is_none());
        // HubSpot has it now: the worker records history, which writes nothing, then the outbox
        // removes its entry. No trace is left.
        let mut sent: HistoryEntry =
            serde_json::from_value(history_of("log-7", &contact(ANA, "Ana", "Silva", "Acme", "+1 385 555 0100")))
                .unwrap();
        sent.external_id = "log-7".into();
        assert_eq!(block_on(record(&store, &sent)), Ok(Recorded::SkippedForgotten));
        store.data.borrow_mut().get_mut(&Area::Local).unwrap().remove("outbox:v1:log-7");
        assert_eq!(traces(&store), vec![]);
        assert!(store.value(Area::Local, "forget:v1:log-7").is_none());
    }

    #[test]
    fn a_queue_of_unknown_shape_is_dropped_whole() {
        for queue in [
            json!(["73519"]),
            json!({"items": [{"task": {"id": "1"}, "contact": "73519"}]}),
            json!({"items": [{"task": {"id": "1"}}]}),
            json!({"items": [{"task": {"id": "1", "contact_ids": ["73519"]}, "contact": {"kind": "no_contact"}}]}),
        ] {
            let store = FakeStore::default();
            store.put(Area::Session, QUEUE_KEY, queue.clone());
            let report = block_on(forget_contact(&store, &ContactId::new(ANA))).unwrap();
            assert!(report.queue_dropped, "{queue}");
            assert!(store.value(Area::Session, QUEUE_KEY).is_none(), "{queue}");
        }
    }

    #[test]
    fn a_queue_without_the_contact_is_left_as_it_is() {
        let store = populated();
        let before = store.value(Area::Session, QUEUE_KEY);
        let report = block_on(forget_contact(&store, &ContactId::new("11111"))).unwrap();
        assert_eq!(store.value(Area::Session, QUEUE_KEY), before);
        assert_eq!((report.queue_items_removed, report.queue_dropped, report.history_removed), (0, false, 0));
        assert!(report.removed_keys.is_empty());
        assert_eq!(store.writes.get(), 0, "nothing rewritten or removed");
    }

    #[test]
    fn an_empty_contact_id_deletes_nothing() {
        let store = populated();
        let before = dump(&store);
        assert!(block_on(forget_contact(&store, &ContactId::new("  "))).is_err());
        assert_eq!(dump(&store), before);
    }

    #[test]
    fn the_confirmation_says_hubspot_is_not_touched() {
        assert!(FORGET_CONFIRMATION.contains("record in HubSpot is not touched"));
    }

    #[test]
    fn search_matches_name_company_or_number_across_caches_and_history() {
        let store = populated();
        // Only in history: a prospect whose card is no longer cached.
        store.put(
            Area::Local,
            "history:v1:h-cy",
            history_of("h-cy", &contact("50001", "Cy", "Young", "Initech", "+49 30 901820")),
        );
        let ids = |q: &str| -> Vec<String> {
            block_on(find_contacts(&store, q)).unwrap().into_iter().map(|c| c.id.0).collect()
        };
        assert_eq!(ids("silva"), [ANA]);
        assert_eq!(ids("ACME"), [ANA]);
        assert_eq!(ids("globex"), [BEN]);
        assert_eq!(ids("385-555-0100"), [ANA]);
        assert_eq!(ids("5550199"), [ANA], "mapped number fields count too");
        assert_eq!(ids("young"), ["50001"]);
        assert_eq!(ids("+4930901820"), ["50001"]);
        assert_eq!(ids("a"), Vec::<String>::new(), "one letter is too short to search");
        assert_eq!(ids("nobody"), Vec::<String>::new());
        // Only in an unsent call log.
        store.put(Area::Local, "outbox:v1:log-5", json!({"schema": 1, "log": {"contact": "40404", "to_number": "+33142685300"}, "contact_name": "Dee Martin"}));
        assert_eq!(ids("martin"), ["40404"]);
        assert_eq!(ids("01 42 68 53 00"), ["40404"]);
        let ana = block_on(find_contacts(&store, "ana s")).unwrap();
        assert_eq!(ana.len(), 1);
        assert_eq!(ana[0].name.as_deref(), Some("Ana Silva"));
        assert_eq!(ana[0].company.as_deref(), Some("Acme Robotics"));
        assert_eq!(ana[0].numbers, ["+1 385 555 0100", "+1 385 555 0199"]);
    }

    #[test]
    fn search_then_forget_leaves_nothing_to_find() {
        let store = populated();
        let found = block_on(find_contacts(&store, "Silva")).unwrap();
        block_on(forget_contact(&store, &found[0].id)).unwrap();
        assert!(block_on(find_contacts(&store, "Silva")).unwrap().is_empty());
        assert_eq!(block_on(find_contacts(&store, "Okafor")).unwrap().len(), 1);
    }
}

#[cfg(test)]
mod worker_cache_tests {
    use super::*;
    use crate::ports::Area;
    use crate::testing::{block_on, FakeStore};
    use serde_json::json;

    /// The shape the worker writes for a card (`cache:v1:contact:<id>`): numbers as pairs.
    #[test]
    fn a_prospect_is_found_by_a_number_in_the_workers_card_cache() {
        let store = FakeStore::default();
        store.put(
            Area::Session,
            "cache:v1:contact:204",
            json!({"contact": {"id": "204", "name": "Daniel Weiss", "company": "Globex GmbH", "title": null,
                   "numbers": [["phone", "030 901820"], ["mobilephone", "+49 151 23456789"]],
                   "time_zone": null, "country": "Germany"}, "fields": [], "fetched_at_ms": 1}),
        );
        let found = block_on(find_contacts(&store, "+49 30 901820")).unwrap();
        assert_eq!(found.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["204"]);
        assert_eq!(found[0].numbers, ["030 901820", "+49 151 23456789"]);
        assert_eq!(block_on(find_contacts(&store, "151 2345 6789")).unwrap().len(), 1);
    }
}
