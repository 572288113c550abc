//! The card-and-dial service (`Dialer`), part two: calls in progress. "Call …" (dial), the
//! draft the rep types, "Discard" and the popup's list of calls not yet logged. Layer: core
//! (pure). Thin: what a call entry is, where it is kept and when it is stale is `crate::calls`;
//! these handlers check who asks (account, the sender's page) and answer.

use super::card::{label_of_outcome_list, Dialer};
use super::error;
use crate::calls::{self, CallEntry};
use crate::contact_cache::CachedContact;
use crate::hubspot::budget::Class;
use crate::hubspot::tasks;
use crate::ids::{Account, ContactId};
use crate::message::views::TaskView;
pub use crate::message::views::{CallListItem, CallView};
use crate::message::{Failure, Origin, Response, Sender};
use crate::page::{contact_url, Hublet};
use crate::phone::{dial_uri, normalize};
use crate::ports::{Browser, Clock, Http, Store};

/// The contact of the sender's page (the record its tab shows, `sender_page`), for a content
/// script; `None` for our own pages.
pub(super) fn page_contact(sender: &Sender, origin: Origin) -> Result<Option<ContactId>, Failure> {
    if origin != Origin::HubSpotTopFrame {
        return Ok(None);
    }
    match crate::message::sender_page(sender) {
        Some((_, _, contact)) => Ok(Some(contact)),
        None => Err(Failure::new("not_this_page", "This page is not a contact record.", false)),
    }
}

fn not_this_page() -> Response {
    error(
        "not_this_page",
        "Spotdial acts only on the contact shown on this page; that call is another contact's.",
        false,
    )
}

pub(super) fn unknown_call() -> Response {
    error("unknown_call", "Spotdial has no record of that call. Press Call again.", false)
}

impl<H: Http, S: Store, C: Clock, B: Browser> Dialer<H, S, C, B> {
    /// The card's view of a call, with the portal's outcomes.
    pub async fn call_view(&self, entry: &CallEntry) -> CallView {
        let now = self.hub.ports.clock.now_ms();
        CallView {
            call: entry.external_id.clone(),
            uri: entry.uri.clone(),
            number: entry.number.clone(),
            started_at_ms: entry.started_at_ms,
            outcomes: self.call_outcomes().await,
            task: entry.task.clone(),
            outcome: entry.outcome.clone(),
            notes: entry.notes.clone(),
            stale: entry.is_stale(now),
        }
    }

    /// The call on this contact for the card: the call view when it is this account's, else
    /// the sentence naming the account it waits for.
    pub async fn call_on_card(&self, contact: &ContactId) -> (Option<CallView>, Option<String>) {
        self.migrate_calls_once().await;
        // Read under the writers' lock: a draft saved as the previous page went away (a reload)
        // is written before the reloaded page's card is answered, not after.
        let found = {
            let _guard = calls::lock().lock().await;
            calls::on_contact(self.hub.ports.store, contact).await
        };
        let Ok(Some(entry)) = found else { return (None, None) };
        if entry.belongs_to(self.hub.account().await.as_ref()) {
            (Some(self.call_view(&entry).await), None)
        } else {
            (None, Some(entry.other_account_sentence()))
        }
    }

    /// Calls kept in the previous layout join the list once per worker.
    async fn migrate_calls_once(&self) {
        if self.calls_migrated.replace(true) {
            return;
        }
        let _guard = calls::lock().lock().await;
        if calls::migrate_legacy(self.hub.ports.store).await.is_err() {
            // The old keys stay where they were (nothing is removed before it is moved): try
            // again on the next card, dial or list.
            self.calls_migrated.set(false);
        }
    }

    /// "Call …": checks the number belongs to the contact, makes the dial URI and the call's
    /// client-made id, records the call under the rep's account, and gathers what the call
    /// panel needs. A contact with a call in progress keeps it: the same call comes back
    /// (same id, same start), so a second press never splits one conversation into two logs.
    pub async fn dial(&self, contact: &ContactId, raw: &str) -> Response {
        // Ids were checked with the request (`message::validate`).
        let Some(account) = self.hub.account().await else {
            return error(
                "signed_out",
                "Sign in with HubSpot (the Spotdial button in the toolbar) to call this contact.",
                false,
            );
        };
        let started_at_ms = self.hub.ports.clock.now_ms();
        self.migrate_calls_once().await;
        // A call in progress on the contact answers at once: no HubSpot request, no new id.
        match self.call_on_contact(contact, &account).await {
            Ok(Some(existing)) => return Response::Dialing(self.call_view(&existing).await),
            Ok(None) => {}
            Err(refusal) => return refusal,
        }
        let settings = crate::settings::load(self.hub.ports.store).await;
        let cached = match self.contact_facts(contact, &settings, true).await {
            Ok(cached) => cached,
            Err(failure) => return Response::Error { error: failure },
        };
        let Some((_, number)) = cached.contact.numbers.iter().find(|(_, n)| n == raw) else {
            return error("unknown_number", "That number is not on this contact any more. Reload the page.", false);
        };
        let dialable = match normalize(number, cached.contact.country.as_deref(), settings.default_country) {
            Ok(d) => d,
            Err(e) => return error(e.code(), e.message(), false),
        };
        // Drawn before anything is kept: a call id from a broken random source would collide.
        let mut random = [0u8; 16];
        if let Err(reason) = crate::ports::random_bytes(self.hub.ports.browser, &mut random) {
            let message =
                ["Spotdial cannot start this call: the browser's random number source failed (", &reason, ")."]
                    .concat();
            return error("no_randomness", message, false);
        }
        // Looked up before taking the lock: a request must not hold up the drafts of other tabs.
        let task = self.open_task(contact, &cached).await;
        let entry = {
            let _guard = calls::lock().lock().await;
            // Another tab may have dialed the contact meanwhile: that call stands.
            match self.call_on_contact(contact, &account).await {
                Ok(Some(existing)) => existing,
                Err(refusal) => return refusal,
                Ok(None) => {
                    let entry = CallEntry {
                        external_id: crate::outbox::external_id_from_random(&random),
                        contact: contact.clone(),
                        contact_name: cached.contact.name.clone(),
                        to_e164: dialable.e164.clone(),
                        number: number.to_string(),
                        uri: dial_uri(&dialable, &settings.dial),
                        started_at_ms,
                        account: Some(account),
                        task,
                        outcome: None,
                        notes: String::new(),
                    };
                    if let Err(e) = calls::put(self.hub.ports.store, &entry).await {
                        return error("storage", e.0, true);
                    }
                    entry
                }
            }
        };
        // Outside the lock: the outcomes may take a HubSpot request.
        Response::Dialing(self.call_view(&entry).await)
    }

    /// The rep's soonest open call task on the contact, offered at dial: the queue's when the
    /// contact is in the cached queue (no request); none when the contact has no tasks (no
    /// request); else one batch read of its tasks (API-FACTS §12), never a search. A failed
    /// read offers no task: the call goes on, and the rep completes the task in HubSpot.
    async fn open_task(&self, contact: &ContactId, cached: &CachedContact) -> Option<TaskView> {
        if let Some(task) = self.queue.queued_task(contact).await {
            return Some(task);
        }
        let ids = cached.tasks.as_deref().unwrap_or_default();
        if ids.is_empty() {
            return None;
        }
        let owner = self.hub.profile().await?.owner?;
        let resp = self.hub.api(tasks::batch_read_tasks(ids), Class::Read).await.ok()?;
        let task = tasks::open_call_task_of(tasks::parse_task_batch(&resp).ok()?, &owner)?;
        let now = self.hub.ports.clock.now_ms();
        Some(super::queue::task_view(&task, task.due_ms.is_some_and(|d| d < now)))
    }

    /// The call in progress on the contact if it is this account's; a refusal naming the
    /// account when another account's call holds the contact.
    async fn call_on_contact(&self, contact: &ContactId, account: &Account) -> Result<Option<CallEntry>, Response> {
        match calls::on_contact(self.hub.ports.store, contact).await {
            Ok(Some(existing)) if existing.belongs_to(Some(account)) => Ok(Some(existing)),
            Ok(Some(existing)) => Err(error("other_account", existing.other_account_sentence(), false)),
            Ok(None) => Ok(None),
            Err(e) => Err(error("storage", e.0, true)),
        }
    }

    /// The call `id` as the sender may act on it: this account's, and for a content script
    /// on its own page's contact.
    pub(super) async fn own_call(&self, id: &str, page: Option<&ContactId>) -> Result<CallEntry, Response> {
        if !calls::is_call_id(id) {
            return Err(unknown_call());
        }
        let entry = match calls::get(self.hub.ports.store, id).await {
            Ok(Some(entry)) => entry,
            Ok(None) => return Err(unknown_call()),
            Err(e) => return Err(error("storage", e.0, true)),
        };
        if page.is_some_and(|p| p != &entry.contact) {
            return Err(not_this_page());
        }
        let account = self.hub.account().await;
        if !entry.belongs_to(account.as_ref()) {
            if account.is_none() && entry.account.is_some() && self.hub.signing_in.get() {
                // A reconnect is naming its account: the call may well be this rep's.
                return Err(error(
                    "signing_in",
                    "Spotdial is finishing your HubSpot sign-in. The call is kept; press the button again in a moment.",
                    true,
                ));
            }
            return Err(error("other_account", entry.other_account_sentence(), false));
        }
        Ok(entry)
    }

    /// Saves what the rep typed so far. Storage only: never a HubSpot request.
    pub async fn save_draft(
        &self,
        id: &str,
        outcome: Option<String>,
        notes: String,
        page: Option<&ContactId>,
    ) -> Response {
        let _guard = calls::lock().lock().await;
        let entry = match self.own_call(id, page).await {
            Ok(entry) => entry,
            Err(response) => return response,
        };
        let updated = match entry.with_draft(outcome, notes) {
            Ok(updated) => updated,
            Err(e) => return error(e.code(), e.message(), false),
        };
        match calls::replace(self.hub.ports.store, &updated).await {
            Ok(true) => Response::DraftSaved { call: updated.external_id },
            Ok(false) => unknown_call(),
            Err(e) => error("storage", e.0, true),
        }
    }

    /// "Discard": the call is dropped without a log. The popup may discard any call (that is
    /// how a call waiting for another account goes); a page only its own contact's, of its
    /// own account.
    pub async fn discard_call(&self, id: &str, page: Option<&ContactId>) -> Response {
        let _guard = calls::lock().lock().await;
        if page.is_some() {
            if let Err(response) = self.own_call(id, page).await {
                return response;
            }
        }
        match calls::remove(self.hub.ports.store, id).await {
            Ok(true) => Response::Discarded { call: id.to_string() },
            Ok(false) => unknown_call(),
            Err(e) => error("storage", e.0, true),
        }
    }

    /// The popup's "Calls not logged", oldest first.
    pub async fn calls_list(&self) -> Response {
        self.migrate_calls_once().await;
        let entries = match calls::all(self.hub.ports.store).await {
            Ok(entries) => entries,
            Err(e) => return error("storage", e.0, true),
        };
        let profile = self.hub.profile().await;
        let account = profile.as_ref().and_then(|p| p.account());
        let hublet = profile.as_ref().map(|p| p.hublet).unwrap_or(Hublet::Na1);
        let now = self.hub.ports.clock.now_ms();
        let cached_outcomes = self.cached_outcomes().await;
        let calls = entries
            .into_iter()
            .map(|e| CallListItem {
                record_url: e.account.as_ref().map(|a| contact_url(hublet, &a.portal, &e.contact)),
                stale: e.is_stale(now),
                other_account: !e.belongs_to(account.as_ref()),
                outcome_label: e.outcome.as_deref().and_then(|o| label_of_outcome_list(&cached_outcomes, o)),
                account: e.account.clone(),
                call: e.external_id,
                contact: e.contact,
                contact_name: e.contact_name,
                number: e.number,
                started_at_ms: e.started_at_ms,
                task: e.task,
                outcome: e.outcome,
                notes: e.notes,
            })
            .collect();
        Response::Calls { calls }
    }
}

#[cfg(test)]
#[path = "calls_tests.rs"]
mod tests;
