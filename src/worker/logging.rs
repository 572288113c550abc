//! The logging service: "Log call" puts the log in the durable outbox before any request, the
//! outbox drains (single-flight), settled logs go to the rep's call history and get a later
//! duplicate check (verify); the popup's unsent logs with retry and delete. Layer: core (pure).
//! What a log says is `crate::calls::log`; sending and retrying is `crate::outbox`.

use super::card::{Dialer, LoggedView};
use super::hub::Hub;
use super::queue::Queue;
use super::{error, ALARM_OUTBOX};
use crate::calls::{self, MAX_NOTES_CHARS};
use crate::ids::{ContactId, TaskId};
use crate::message::Response;
use crate::outbox::{EntryId, Hold};
use crate::page::contact_url;
use crate::ports::{Area, Browser, Clock, Http, Store};

pub struct Logging<H: Http + 'static, S: Store + 'static, C: Clock + 'static, B: Browser + 'static> {
    hub: &'static Hub<H, S, C, B>,
    /// The call being logged, its outcomes and the history's outcome labels.
    dialer: &'static Dialer<H, S, C, B>,
    /// The next task offered after a log.
    queue: &'static Queue<H, S, C, B>,
}

impl<H: Http, S: Store, C: Clock, B: Browser> Logging<H, S, C, B> {
    pub fn new(
        hub: &'static Hub<H, S, C, B>,
        dialer: &'static Dialer<H, S, C, B>,
        queue: &'static Queue<H, S, C, B>,
    ) -> Self {
        Logging { hub, dialer, queue }
    }

    /// "Log call": the log goes into the durable outbox before any request, then the outbox
    /// drains. From a page, the rep's choices come with the message; from the popup, the
    /// saved draft is logged. Only the task offered at dial may be completed. The answer says
    /// whether HubSpot has it yet, and offers the next task.
    pub async fn log_call(
        &self,
        call: &str,
        outcome: Option<String>,
        notes: String,
        complete_task: Option<TaskId>,
        page: Option<&ContactId>,
    ) -> Response {
        if notes.chars().count() > MAX_NOTES_CHARS {
            let too_long = calls::DraftError::NotesTooLong;
            return error(too_long.code(), too_long.message(), false);
        }
        let guard = calls::lock().lock().await;
        let active = match self.dialer.own_call(call, page).await {
            Ok(active) => active,
            Err(refusal) => {
                drop(guard);
                // Already logged (a second click) or never dialed: say which, never log twice.
                // A logged call is always in one of these: the outbox until HubSpot holds it,
                // then its duplicate check (written before the entry leaves), then history.
                let store = self.hub.ports.store;
                let logged = crate::outbox::entry::load(store, &EntryId::new(call)).await.ok().flatten().is_some()
                    || crate::outbox::verify::is_pending(store, call).await
                    || self.history_has(call).await;
                return if logged { error("already_logged", "This call is already logged.", false) } else { refusal };
            }
        };
        let offered = active.task.as_ref().map(|t| &t.id);
        if complete_task.is_some() && complete_task.as_ref() != offered {
            return error("task_mismatch", "That task is not the one offered when this call was dialed.", false);
        }
        let (outcome, notes) = match page {
            Some(_) => (outcome.filter(|o| !o.is_empty()), notes),
            None => (active.outcome.clone(), active.notes.clone()),
        };
        let outcomes = self.dialer.call_outcomes().await;
        if let Some(id) = &outcome {
            if !outcomes.iter().any(|o| &o.id == id) {
                return error("unknown_outcome", "That outcome is not one of your portal's call outcomes.", false);
            }
        }
        let settings = crate::settings::load(self.hub.ports.store).await;
        let profile = self.hub.profile().await;
        let log = active.log(calls::Ending {
            ended_at_ms: self.hub.ports.clock.now_ms(),
            owner: profile.as_ref().and_then(|p| p.owner.clone()),
            from_number: settings.from_number.clone(),
            outcome,
            notes,
        });
        // The account the log belongs to: the entry's, checked above to be the one signed in.
        let Some(account) = active.account.clone() else {
            return error("other_account", active.other_account_sentence(), false);
        };
        let new = crate::outbox::NewEntry {
            account,
            log,
            task: complete_task.clone(),
            contact_name: active.contact_name.clone(),
        };
        if let Err(e) = crate::outbox::enqueue(self.hub.ports.store, self.hub.ports.clock, new).await {
            return error("storage", ["Spotdial could not save the call log: ", e.0.as_str()].concat(), true);
        }
        // The log is in the outbox: the call in progress ends (a failed removal shows the call
        // again, and its second log is refused as already logged).
        let _ = calls::remove(self.hub.ports.store, &active.external_id).await;
        drop(guard);
        let report = self.drain().await;
        let id = EntryId::new(active.external_id.clone());
        let (state, message) = if report.settled.iter().any(|s| s.id == id) {
            ("logged", "Call logged".to_string())
        } else if report.completing.contains(&id) {
            // In HubSpot; only its task's status waits (at most 90 s) to go with others.
            ("logged", "Call logged. HubSpot is busy: its task is marked complete there within 2 minutes.".to_string())
        } else if report.failed.contains(&id) {
            (
                "failed",
                "HubSpot refused this call log; it is kept in the Spotdial popup with the reason, to retry."
                    .to_string(),
            )
        } else {
            (
                "queued",
                "Call saved. Spotdial will send it to HubSpot as soon as HubSpot allows; it is kept until then."
                    .to_string(),
            )
        };
        let record_url = profile.as_ref().map(|p| contact_url(p.hublet, &p.portal, &active.contact));
        let next = self.queue.next_after(&active.contact, complete_task.as_ref()).await;
        Response::Logged(LoggedView { state: state.to_string(), message, record_url, next })
    }

    async fn history_has(&self, external_id: &str) -> bool {
        match crate::privacy::history::key_of(external_id) {
            Some(key) => matches!(self.hub.ports.store.get(Area::Local, &key).await, Ok(Some(_))),
            None => false,
        }
    }

    /// One drain of the outbox (which releases logs held for a sign-in while a token is in
    /// hand); settled calls go into the rep's history; what stopped the drain is acted on.
    async fn drain_round(&self, account: Option<&crate::ids::Account>) -> crate::outbox::DrainReport {
        let report = crate::outbox::drain(
            self.hub.ports.drain_guard,
            self.hub.ports.store,
            &self.hub.client,
            self.hub.ports.clock,
            account,
        )
        .await;
        // Each settled log's duplicate check was scheduled by the drain, before its entry left
        // the outbox; what is left here is the rep's own history line.
        for settled in &report.settled {
            let label = match &settled.log.outcome {
                Some(id) => self.dialer.outcome_label(id).await,
                None => None,
            };
            let entry = crate::privacy::history::from_settled(settled, label);
            // The log is in HubSpot (settled); the history is only the rep's own list of
            // recent calls, and a missing line loses no call.
            let _ = crate::privacy::history::record(self.hub.ports.store, &entry).await;
        }
        // What stopped the drain is acted on as any request's answer: a rate limit's pause is
        // persisted and shown, a token HubSpot refused even after a refresh asks the rep to
        // reconnect (DESIGN §2), so the held logs are not left waiting behind a "signed in".
        if let Some(cause) = &report.stopped_by {
            self.hub.after_api::<()>(&Err(cause.clone())).await;
        }
        report
    }

    /// Sends what the outbox holds (single-flight), records settled calls in the rep's call
    /// history, and arms the alarm for the next due entry.
    pub async fn drain(&self) -> crate::outbox::DrainReport {
        // Only the signed-in account's logs are sent (DESIGN §4); the profile is written after
        // HubSpot has named the portal and user of the tokens in store, and removed before
        // tokens of another sign-in are stored.
        let account = self.hub.account().await;
        let account = account.as_ref();
        let first = self.drain_round(account).await;
        // Stopped for a sign-in while a token is in hand again: a sign-in finished while this
        // drain's refused request was in flight, after it had resumed the outbox. Once more, then
        // (the drain releases those holds); without a token the second round sends nothing.
        let report = match first.stopped {
            Some(Hold::SignedOut | Hold::NeedsReconnect) => first.then(self.drain_round(account).await),
            _ => first,
        };
        if report.stopped.is_none() {
            // A check that could not run stays due and runs at the next drain (its alarm is
            // armed below from what is still due); what stopped the run is acted on as above.
            let checked =
                crate::outbox::verify::run_due(self.hub.ports.store, &self.hub.client, self.hub.ports.clock, account)
                    .await;
            if let Ok(crate::outbox::verify::VerifyReport { stopped: Some(cause), .. }) = &checked {
                self.hub.after_api::<()>(&Err(cause.clone())).await;
            }
        }
        let now = self.hub.ports.clock.now_ms();
        let outbox_due = crate::outbox::next_wake_at_ms(self.hub.ports.store, now, account).await.ok().flatten();
        let verify_due = crate::outbox::verify::next_due_at_ms(self.hub.ports.store, account).await.ok().flatten();
        match outbox_due.into_iter().chain(verify_due).min() {
            Some(at) => self.hub.ports.browser.set_alarm(ALARM_OUTBOX, at.max(now + 1_000)),
            None => self.hub.ports.browser.clear_alarm(ALARM_OUTBOX),
        }
        report
    }

    /// Unsent call logs, as the popup lists them.
    pub async fn outbox_view(&self) -> Response {
        let now = self.hub.ports.clock.now_ms();
        let offset_minutes = (self.hub.ports.clock.utc_offset_ms(now) / 60_000) as i32;
        let account = self.hub.account().await;
        match crate::outbox::list(self.hub.ports.store, now, offset_minutes, account.as_ref()).await {
            Ok(entries) => Response::Outbox { entries },
            Err(e) => error("storage", e.0, true),
        }
    }

    /// "Delete" on a log held for another HubSpot account.
    pub async fn delete(&self, id: String) -> Response {
        let account = self.hub.account().await;
        match crate::outbox::delete_held(self.hub.ports.store, &EntryId::new(id), account.as_ref()).await {
            Ok(true) => self.outbox_view().await,
            Ok(false) => error(
                "not_deletable",
                "Only a log waiting for another HubSpot account can be deleted; this one is being sent.",
                false,
            ),
            Err(e) => error("storage", e.0, true),
        }
    }

    /// "Retry now" on a log that failed or waits: due now, then one drain.
    pub async fn retry(&self, id: String) -> Response {
        let now = self.hub.ports.clock.now_ms();
        if let Err(e) = crate::outbox::retry_now(self.hub.ports.store, now, &EntryId::new(id)).await {
            return error("storage", ["Spotdial could not mark the call log for retry: ", &e.0].concat(), true);
        }
        self.drain().await;
        self.outbox_view().await
    }
}

#[cfg(test)]
#[path = "logging_tests.rs"]
mod tests;
