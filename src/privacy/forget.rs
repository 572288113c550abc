//! "Delete prospect data": removes everything Spotdial holds about one contact (its cached
//! card, its queue entries, its call history), and the options page's search for a prospect.
//! Layer: core (pure). HubSpot's own record is never touched. An unsent call log is never
//! dropped: it is marked (`forget:v1:<external id>`), sent first, and then leaves no history.

use super::history::{self, forget_mark_key};
use crate::calls::{self, CallEntry};
use crate::ids::ContactId;
use crate::keys::{self, StorageKey};
use crate::message::views::ContactView;
pub use crate::message::views::FoundContact;
use crate::outbox::{self, EntryId};
use crate::ports::{Area, Store, StoreError};
use serde::Serialize;
use serde_json::{Map, Value};

/// What the confirmation dialog says before anything is deleted.
pub const FORGET_CONFIRMATION: &str = "Delete everything Spotdial keeps about this prospect on this computer \
(cached card, queue entries and call history)? The contact's record in HubSpot is not touched.";

/// Results of a prospect search beyond this many are left out (the rep narrows the query).
pub const FIND_LIMIT: usize = 50;

/// What `forget_contact` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForgetReport {
    pub contact: ContactId,
    /// Keys removed whole (cached cards, history entries, caches that could not be read).
    pub removed_keys: Vec<String>,
    /// Queue entries of this contact taken out of the queue cache.
    pub queue_items_removed: usize,
    /// The queue cache could not be read as the worker writes it, so it was dropped whole.
    pub queue_dropped: bool,
    pub history_removed: usize,
    /// Calls in progress on this contact, removed.
    pub calls_removed: usize,
    /// External ids of unsent call logs to this contact: kept, marked, sent first, then gone.
    pub pending_logs: Vec<String>,
    /// Stored values this version cannot read (another version's call logs or calls in
    /// progress, keys it does not know): kept, because they may be another prospect's unsent
    /// work, and named in the message, because they may hold this one.
    pub unread: Vec<String>,
}

impl ForgetReport {
    /// A report for `contact` before anything was done.
    fn nothing_yet(contact: ContactId) -> ForgetReport {
        ForgetReport {
            contact,
            removed_keys: Vec::new(),
            queue_items_removed: 0,
            queue_dropped: false,
            history_removed: 0,
            calls_removed: 0,
            pending_logs: Vec::new(),
            unread: Vec::new(),
        }
    }

    /// The sentence shown after deleting. It says "no longer keeps any data" only when that is
    /// true: every key that may hold a prospect was read, and none is left holding this one.
    pub fn message(&self) -> String {
        let unread = match self.unread.len() {
            0 => String::new(),
            1 => " 1 stored item was written by another version of Spotdial and could not be read; it may still \
                  hold data about this prospect. Update Spotdial and delete again."
                .to_string(),
            n => format!(
                " {n} stored items were written by another version of Spotdial and could not be read; they may \
                 still hold data about this prospect. Update Spotdial and delete again."
            ),
        };
        let head = match (self.pending_logs.len(), unread.is_empty()) {
            (0, true) => {
                return "Spotdial no longer keeps any data about this prospect. The contact's record in HubSpot is \
                        unchanged."
                    .to_string()
            }
            (0, false) => "Spotdial deleted the data it could read about this prospect.".to_string(),
            (1, _) => "Spotdial's data about this prospect is deleted. 1 unsent call log to this contact will be \
                       sent to HubSpot first, then removed."
                .to_string(),
            (n, _) => format!(
                "Spotdial's data about this prospect is deleted. {n} unsent call logs to this contact will be sent \
                 to HubSpot first, then removed."
            ),
        };
        [head, unread].concat()
    }
}

/// Removes everything Spotdial holds about `contact` in local and session storage, reading
/// each registry key that may hold a prospect as the type its writer stored. Unsent call logs
/// to the contact are kept and marked so that, once HubSpot has them, no history is written.
pub async fn forget_contact<S: Store>(store: &S, contact: &ContactId) -> Result<ForgetReport, StoreError> {
    let id = contact.as_str().trim();
    if id.is_empty() {
        return Err(StoreError("No prospect to delete: the contact id is empty.".into()));
    }
    let contact = ContactId::new(id);
    let mut report = ForgetReport::nothing_yet(contact.clone());
    {
        // Calls in progress: one list, rewritten under its lock. A call kept in the previous
        // layout (one session key each) is moved into the list first, so it is read too.
        let _guard = calls::lock().lock().await;
        calls::migrate_legacy(store).await?;
        let removal = calls::remove_contact(store, &contact).await?;
        report.calls_removed = removal.removed;
        if removal.unreadable > 0 {
            report.unread.push(keys::CALLS.key.to_string());
        }
    }
    // Duplicate checks keep guarding their calls in HubSpot, by the search, without the
    // contact's id (one pass over every check).
    outbox::verify::forget_contacts(store, Some(&contact)).await?;
    for area in [Area::Session, Area::Local] {
        for key in store.keys(area).await? {
            let spec = keys::classify(&key).filter(|spec| spec.area == area);
            let remove = match spec {
                Some(spec) if !spec.contact_data => false,
                Some(spec) => match store.get(area, &key).await? {
                    Some(value) => forget_in(store, spec, &key, value, &contact, &mut report).await?,
                    None => false, // gone since the listing
                },
                // A key this version does not write: a cache goes (caches are only caches);
                // anything else may be another version's unsent work, kept and named.
                None if keys::family(&key) == keys::QUEUE.family() => true,
                None => {
                    report.unread.push(key.clone());
                    false
                }
            };
            if remove {
                store.remove(area, &key).await?;
                report.removed_keys.push(key);
            }
        }
    }
    Ok(report)
}

/// Forgets `contact` in one registry key that may hold a prospect; true when the key goes
/// whole.
async fn forget_in<S: Store>(
    store: &S,
    spec: &StorageKey,
    key: &str,
    value: Value,
    contact: &ContactId,
    report: &mut ForgetReport,
) -> Result<bool, StoreError> {
    if *spec == keys::CONTACT_CARD {
        // A card cache that does not read as `CachedContact` goes too: it is only a cache.
        let card = crate::contact_cache::read(&value);
        return Ok(keys::CONTACT_CARD.with(contact.as_str()).as_deref() == Some(key)
            || card.map_or(true, |card| &card.contact.id == contact));
    }
    if *spec == keys::QUEUE {
        let Ok(mut queue) = crate::message::read::queue_view(&value) else {
            // Unreadable: dropped whole (it is only a cache, fetched again when opened).
            report.queue_dropped = true;
            return Ok(true);
        };
        let before = queue.items.len();
        // An entry without a contact (`null`: a task with none, or one HubSpot could not
        // read) names nobody and stays.
        queue.items.retain(|entry| entry.contact.as_ref().map_or(true, |c| &c.id != contact));
        let removed = before - queue.items.len();
        if removed > 0 {
            store.set(spec.area, key, crate::json_write::ToJson::to_json(&queue)).await?;
            report.queue_items_removed += removed;
        }
        return Ok(false);
    }
    if *spec == keys::HISTORY {
        // An unreadable history value goes too: whose call it was cannot be told, HubSpot
        // keeps the call itself, and the daily purge removes unreadable history anyway.
        let hit = history::parse(&value).is_some_and(|entry| &entry.contact == contact);
        report.history_removed += usize::from(hit);
        return Ok(hit || history::parse(&value).is_none());
    }
    if *spec == keys::OUTBOX {
        let Some(id) = EntryId::from_key(key) else { return Ok(false) };
        match outbox::entry::load(store, &id).await? {
            Some(Ok(entry)) if &entry.log.contact == contact => {
                store.set(keys::FORGET_MARK.area, &forget_mark_key(id.as_str()), Value::Object(Map::new())).await?;
                report.pending_logs.push(id.0);
            }
            Some(Ok(_)) | None => {}
            // Never dropped: a call log is never lost (DESIGN §4), and it may be another's.
            Some(Err(unreadable)) => report.unread.push(unreadable.key),
        }
        return Ok(false);
    }
    if *spec == keys::CALLS {
        // Done above, under the calls lock.
        return Ok(false);
    }
    if *spec == keys::VERIFY {
        // Done above, for every check at once.
        return Ok(false);
    }
    // A key marked as holding prospect data that this function does not know how to read:
    // it fails closed, so the rep is told, never "done".
    report.unread.push(key.to_string());
    Ok(false)
}

/// Prospects Spotdial holds data about whose name, company or number matches `query`
/// (case-insensitive; a number matches on its digits, whatever the spacing), for the options
/// page's "Delete prospect data" search. Looks in cached cards, the queue, call history,
/// unsent call logs and calls in progress, each read as its writer stored it.
pub async fn find_contacts<S: Store>(store: &S, query: &str) -> Result<Vec<FoundContact>, StoreError> {
    let query = query.trim();
    if query.chars().count() < 2 {
        return Ok(Vec::new());
    }
    let mut seen: Vec<FoundContact> = Vec::new();
    for call in calls::all(store).await? {
        merge(&mut seen, FoundContact::of_call(call));
    }
    for area in [Area::Session, Area::Local] {
        for key in store.keys(area).await? {
            let Some(spec) = keys::classify(&key).filter(|spec| spec.area == area && spec.contact_data) else {
                continue;
            };
            let Some(value) = store.get(area, &key).await? else { continue };
            let cards: Vec<FoundContact> = if *spec == keys::CONTACT_CARD {
                crate::contact_cache::read(&value).map(|c| FoundContact::of_view(&c.contact)).into_iter().collect()
            } else if *spec == keys::QUEUE {
                let queue = crate::message::read::queue_view(&value).map(|q| q.items).unwrap_or_default();
                queue.iter().filter_map(|entry| entry.contact.as_ref()).map(FoundContact::of_view).collect()
            } else if *spec == keys::HISTORY {
                history::parse(&value).map(FoundContact::of_history).into_iter().collect()
            } else if *spec == keys::OUTBOX {
                let id = EntryId::from_key(&key);
                let entry = match id {
                    Some(id) => outbox::entry::load(store, &id).await?.and_then(Result::ok),
                    None => None,
                };
                entry.map(FoundContact::of_log).into_iter().collect()
            } else {
                Vec::new()
            };
            for card in cards {
                merge(&mut seen, card);
            }
        }
    }
    let mut found: Vec<FoundContact> = seen.into_iter().filter(|c| matches_query(c, query)).collect();
    crate::sorting::sort_by_key(&mut found, |c| (c.name.as_deref().map(crate::fold::fold), c.id.clone()));
    found.truncate(FIND_LIMIT);
    Ok(found)
}

impl FoundContact {
    fn of_view(view: &ContactView) -> FoundContact {
        FoundContact {
            id: view.id.clone(),
            name: Some(view.name.clone()),
            company: view.company.clone(),
            numbers: view.numbers.iter().map(|(_, number)| number.clone()).collect(),
        }
    }

    fn of_history(entry: history::HistoryEntry) -> FoundContact {
        FoundContact { id: entry.contact, name: entry.contact_name, company: None, numbers: vec![entry.number] }
    }

    fn of_log(entry: outbox::Entry) -> FoundContact {
        let name = entry.contact_name.trim();
        FoundContact {
            id: entry.log.contact,
            name: (!name.is_empty()).then(|| name.to_string()),
            company: None,
            numbers: entry.log.to_number.into_iter().collect(),
        }
    }

    fn of_call(call: CallEntry) -> FoundContact {
        let name = call.contact_name.trim();
        let numbers = [call.number, call.to_e164].into_iter().filter(|n| !n.trim().is_empty()).collect();
        FoundContact { id: call.contact, name: (!name.is_empty()).then(|| name.to_string()), company: None, numbers }
    }
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
    let needle = crate::fold::fold(query);
    let hit = |field: &Option<String>| field.as_deref().is_some_and(|f| crate::fold::fold(f).contains(&needle));
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

#[cfg(test)]
mod tests {
    //! What forget decides for values it cannot read, and its sentences. Forgetting data the
    //! worker really wrote is tested in `privacy/world_tests.rs`.
    use super::*;
    use crate::testing::{block_on, FakeStore};
    use serde_json::json;

    const ANA: &str = "73519";

    #[test]
    fn an_unreadable_cache_goes_and_an_unreadable_log_or_call_is_kept_and_named() {
        let store = FakeStore::default();
        // Not the `QueueView` / `CachedContact` the worker writes: only caches, so they go.
        store.put(Area::Session, keys::QUEUE.key, json!({"items": [{"contact": ANA}]}));
        store.put(Area::Session, "cache:v1:contact:60428", json!({"contact": {"id": ANA}}));
        store.put(Area::Session, "cache:v2:queue", json!({"items": [ANA]}));
        // A newer version's call log and call in progress: kept (never lose a log), and named.
        store.put(Area::Local, "outbox:v1:log-9", json!({"schema": 9, "log": {"contact": ANA}}));
        store.put(Area::Local, keys::CALLS.key, json!({"calls": [{"external_id": "c-1", "contact": {"id": ANA}}]}));
        store.put(Area::Local, "outbox:v2:log-8", json!({"log": {"contact": ANA}}));
        let report = block_on(forget_contact(&store, &ContactId::new(ANA))).unwrap();
        assert!(report.queue_dropped);
        let mut removed = report.removed_keys.clone();
        removed.sort();
        assert_eq!(removed, ["cache:v1:contact:60428", "cache:v1:queue", "cache:v2:queue"]);
        let mut unread = report.unread.clone();
        unread.sort();
        assert_eq!(unread, ["calls:v1", "outbox:v1:log-9", "outbox:v2:log-8"]);
        assert!(store.keys_in(Area::Session).is_empty());
        assert_eq!(store.keys_in(Area::Local), ["calls:v1", "outbox:v1:log-9", "outbox:v2:log-8"]);
        assert!(report.pending_logs.is_empty(), "an unreadable log gets no mark");
        let message = report.message();
        assert!(!message.contains("no longer keeps any data"), "{message}");
        assert!(message.contains("3 stored items were written by another version of Spotdial"), "{message}");
    }

    #[test]
    fn deleting_a_prospect_takes_it_out_of_pending_duplicate_checks_only() {
        let store = FakeStore::default();
        let check = |id: &str, contact: &str| {
            json!({"account": {"portal": "62515", "user": "1001"}, "external_id": id, "call_id": "9002",
                "since_ms": 0, "checks": 0, "next_at_ms": 30000, "failures": 0, "contact": contact, "baseline": "9001"})
        };
        store.put(Area::Local, "verify:v1:a", check("a", ANA));
        store.put(Area::Local, "verify:v1:b", check("b", "202"));
        let report = block_on(forget_contact(&store, &ContactId::new(ANA))).unwrap();
        let a = store.value(Area::Local, "verify:v1:a").expect("the check stays: it guards a call");
        assert_eq!((a.get("contact"), a.get("baseline")), (None, None), "{a}");
        assert_eq!(store.value(Area::Local, "verify:v1:b").unwrap()["contact"], "202");
        assert!(report.unread.is_empty() && report.removed_keys.is_empty(), "{report:?}");
    }

    #[test]
    fn an_unreadable_history_entry_goes_as_the_purge_would_remove_it() {
        let store = FakeStore::default();
        store.put(Area::Local, "history:v1:junk", json!({"contact": 5}));
        let report = block_on(forget_contact(&store, &ContactId::new(ANA))).unwrap();
        assert_eq!((report.removed_keys.as_slice(), report.history_removed), (&["history:v1:junk".to_string()][..], 0));
        assert!(report.unread.is_empty());
    }

    #[test]
    fn a_call_kept_in_the_previous_layout_is_moved_then_forgotten() {
        let store = FakeStore::default();
        let call = json!({"external_id": "spotdial-old", "contact": ANA, "contact_name": "Ana Silva",
            "to_e164": "+13855550100", "started_at_ms": 1});
        store.put(Area::Session, &[keys::RETIRED_CALL.key, "spotdial-old"].concat(), call);
        let report = block_on(forget_contact(&store, &ContactId::new(ANA))).unwrap();
        assert_eq!(report.calls_removed, 1);
        assert!(store.dump().is_empty(), "{:?}", store.dump());
    }

    #[test]
    fn an_empty_contact_id_deletes_nothing() {
        let store = FakeStore::default();
        store.put(Area::Session, "cache:v1:contact:1", json!({}));
        assert!(block_on(forget_contact(&store, &ContactId::new("  "))).is_err());
        assert_eq!(store.writes.get(), 0);
    }

    #[test]
    fn the_sentences_say_done_only_when_it_is() {
        let mut report = ForgetReport::nothing_yet(ContactId::new(ANA));
        assert!(report.message().starts_with("Spotdial no longer keeps any data about this prospect."));
        report.pending_logs = vec!["a".into(), "b".into()];
        assert_eq!(
            report.message(),
            "Spotdial's data about this prospect is deleted. 2 unsent call logs to this contact will be sent to \
             HubSpot first, then removed."
        );
        report.pending_logs.clear();
        report.unread = vec!["outbox:v2:x".into()];
        assert_eq!(
            report.message(),
            "Spotdial deleted the data it could read about this prospect. 1 stored item was written by another \
             version of Spotdial and could not be read; it may still hold data about this prospect. Update \
             Spotdial and delete again."
        );
    }

    #[test]
    fn the_confirmation_says_hubspot_is_not_touched() {
        assert!(FORGET_CONFIRMATION.contains("record in HubSpot is not touched"));
    }
}
