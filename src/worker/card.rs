//! The contact record's card: the contact's dialing facts, a number per "Call …" button, the
//! call in progress on it, and what a call needs (outcomes, the open task, the next task).
//! Layer: core (pure). Dial, draft and log are in `calls.rs`.
//! Everything comes from HubSpot's API with the rep's token, never from the page's DOM; the
//! content script only names the record (by its URL) and relays the rep's choices.

use super::queue::{QueueEntry, TaskView};
use super::App;
use crate::hubspot::budget::Class;
use crate::hubspot::model::{CallOutcome, Contact};
use crate::hubspot::properties::{dialing_properties, PropertyName};
use crate::hubspot::{contacts, outcomes, tasks};
use crate::ids::{ContactId, TaskId};
pub use crate::message::views::{CardView, FieldView, LocalTimeView, LoggedView, NextView, NumberView};
use crate::message::{Failure, Response};
use crate::page::{classify, contact_url, Page};
use crate::phone::normalize;
use crate::ports::{Area, Browser, Clock, Http, Store};
use crate::settings::Settings;
use serde::{Deserialize, Serialize};

/// Session cache of one contact's card facts.
pub const CONTACT_CACHE_PREFIX: &str = crate::keys::CONTACT_CARD.key;
/// Session cache of the portal's call outcomes.
pub const OUTCOMES_KEY: &str = crate::keys::OUTCOMES.key;
pub const OUTCOMES_CACHE_MS: i64 = 3_600_000;

/// The portal's call outcomes as cached in session storage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct CachedOutcomes {
    fetched_at_ms: i64,
    outcomes: Vec<CallOutcome>,
}

pub use crate::contact_cache::CachedContact;

/// The label of an outcome GUID among `cached`, else among HubSpot's defaults.
pub(super) fn label_of_outcome_list(cached: &[CallOutcome], id: &str) -> Option<String> {
    if let Some(hit) = cached.iter().find(|o| o.id == id) {
        return Some(hit.label.clone());
    }
    outcomes::DEFAULT_OUTCOMES.iter().find(|(guid, _)| *guid == id).map(|(_, label)| label.to_string())
}

/// HubSpot's `hs_timezone` value (`america_slash_los_angeles`) as an IANA zone name.
pub fn iana_zone(hubspot: &str) -> Option<String> {
    let text = hubspot.trim();
    if text.is_empty() || text.len() > 64 || !text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'/')
    {
        return None;
    }
    let path = text.replace("_slash_", "/");
    let mut out = String::with_capacity(path.len());
    let mut upper = true;
    for ch in path.chars() {
        if upper {
            out.extend(ch.to_uppercase());
        } else {
            out.push(ch);
        }
        upper = ch == '/' || ch == '_' || ch == '-';
    }
    Some(out)
}

/// The local-time line, with a warning outside the calling hours.
pub fn local_time(zone: &str, offset_ms: i64, now_ms: i64, hours: &crate::settings::CallingHours) -> LocalTimeView {
    let local = now_ms + offset_ms;
    let minutes_of_day = local.rem_euclid(86_400_000) / 60_000;
    let (hour, minute) = ((minutes_of_day / 60) as u8, (minutes_of_day % 60) as u8);
    let time = format!("{hour:02}:{minute:02}");
    let outside = !hours.contains_hour(hour);
    let warning = outside.then(|| {
        format!("It is {time} for this contact, outside calling hours ({}:00–{}:00).", hours.start, hours.end)
    });
    LocalTimeView { time, zone: zone.to_string(), outside_hours: outside, warning }
}

fn label_of(property: &str) -> String {
    match property {
        "phone" => "Phone".to_string(),
        "mobilephone" => "Mobile".to_string(),
        other => other.to_string(),
    }
}

impl<H: Http, S: Store, C: Clock, B: Browser> App<H, S, C, B> {
    /// The card for the record at `url` (or "not a record").
    pub(super) async fn card(&self, url: &str) -> Response {
        let Page::Contact { hublet, portal, contact } = classify(url) else {
            return Response::NotARecord;
        };
        let card = self.card_view(&portal, &contact).await;
        let (card, problem) = match card {
            Ok(card) => (Some(Box::new(card)), None),
            Err(failure) => (None, Some(failure)),
        };
        // A call in progress comes back with its card (reload, another tab, back again), even
        // when HubSpot cannot be reached for the contact: its log waits in the outbox.
        let (call, held_call) = match &problem {
            Some(p) if p.code == "other_portal" => (None, None),
            _ => self.call_on_card(&contact).await,
        };
        Response::Card { hublet, portal: portal.0, contact, card, problem, paused: self.pause(), call, held_call }
    }

    async fn card_view(&self, portal: &crate::ids::PortalId, id: &ContactId) -> Result<CardView, Failure> {
        let profile = self.profile().await.ok_or_else(|| {
            Failure::new(
                "signed_out",
                "Sign in with HubSpot (the Spotdial button in the toolbar) to call this contact.",
                false,
            )
        })?;
        if &profile.portal != portal {
            return Err(Failure::new(
                "other_portal",
                format!("This record is in HubSpot account {portal}; Spotdial is signed in to {}.", profile.portal),
                false,
            ));
        }
        let settings = crate::settings::load(self.ports.store).await;
        let cached = self.contact_facts(id, &settings).await?;
        let now = self.ports.clock.now_ms();
        let numbers = cached
            .contact
            .numbers
            .iter()
            .map(|(property, raw)| match normalize(raw, cached.contact.country.as_deref(), settings.default_country) {
                Ok(d) => NumberView {
                    label: label_of(property),
                    raw: raw.clone(),
                    dialable: true,
                    e164: Some(d.e164),
                    problem: None,
                },
                Err(e) => NumberView {
                    label: label_of(property),
                    raw: raw.clone(),
                    dialable: false,
                    e164: None,
                    problem: Some(e.message()),
                },
            })
            .collect();
        let local_time = cached.contact.time_zone.as_deref().and_then(iana_zone).and_then(|zone| {
            let offset = self.ports.clock.zone_offset_ms(&zone, now)?;
            Some(local_time(&zone, offset, now, &settings.calling_hours))
        });
        Ok(CardView {
            name: cached.contact.name.clone(),
            title: cached.contact.title.clone(),
            company: cached.contact.company.clone(),
            numbers,
            fields: cached.fields.iter().map(|(k, v)| FieldView { label: k.clone(), value: v.clone() }).collect(),
            local_time,
            record_url: contact_url(profile.hublet, &profile.portal, id),
        })
    }

    /// The contact's dialing facts: from the session cache, else the queue cache, else one
    /// HubSpot read. Only dialing data is kept (DESIGN §3).
    pub(super) async fn contact_facts(&self, id: &ContactId, settings: &Settings) -> Result<CachedContact, Failure> {
        let now = self.ports.clock.now_ms();
        let key = [CONTACT_CACHE_PREFIX, id.as_str()].concat();
        if let Ok(Some(value)) = self.ports.store.get(Area::Session, &key).await {
            if let Ok(cached) = serde_json::from_value::<CachedContact>(value) {
                if cached.is_fresh(now) {
                    return Ok(cached);
                }
            }
        }
        let (phone_properties, mapped_properties) = self.admitted_properties(settings).await;
        let mut wanted: Vec<PropertyName> = phone_properties.clone();
        wanted.extend(mapped_properties.iter().cloned());
        let result = self.api(contacts::get_contact(id, &dialing_properties(&wanted)), Class::Read).await;
        let contact: Contact = result.and_then(|resp| contacts::parse_contact(&resp)).map_err(|e| e.failure())?;
        // Numbers: phone, mobile, then the admin's phone properties; other extras are fields.
        let view = super::queue::contact_view(&contact, &phone_properties);
        let fields =
            contact.extra.iter().filter(|(k, _)| mapped_properties.iter().any(|p| p.as_str() == k)).cloned().collect();
        let cached = CachedContact { contact: view, fields, fetched_at_ms: now };
        if let Ok(value) = serde_json::to_value(&cached) {
            let _ = self.ports.store.set(Area::Session, &key, value).await;
        }
        Ok(cached)
    }

    /// The portal's call outcomes (its own, custom ones included; the six defaults when the
    /// endpoint is unavailable), cached for an hour.
    pub(super) async fn call_outcomes(&self) -> Vec<CallOutcome> {
        let now = self.ports.clock.now_ms();
        if let Some(cached) = self.stored_outcomes().await {
            if (0..OUTCOMES_CACHE_MS).contains(&(now - cached.fetched_at_ms)) && !cached.outcomes.is_empty() {
                return cached.outcomes;
            }
        }
        let fetched =
            self.api(outcomes::list_outcomes(), Class::Read).await.and_then(|resp| outcomes::parse_outcomes(&resp));
        let found = outcomes::outcomes_or_defaults(fetched);
        if found.source == outcomes::OutcomeSource::Portal {
            let cached = CachedOutcomes { fetched_at_ms: now, outcomes: found.outcomes.clone() };
            if let Ok(value) = serde_json::to_value(&cached) {
                let _ = self.ports.store.set(Area::Session, OUTCOMES_KEY, value).await;
            }
        }
        found.outcomes
    }

    async fn stored_outcomes(&self) -> Option<CachedOutcomes> {
        let value = self.ports.store.get(Area::Session, OUTCOMES_KEY).await.ok()??;
        serde_json::from_value(value).ok()
    }

    /// The label of an outcome GUID, for the call history, without a request: the portal's
    /// cached outcomes (whatever their age), else HubSpot's defaults.
    pub(super) async fn outcome_label(&self, id: &str) -> Option<String> {
        label_of_outcome_list(&self.cached_outcomes().await, id)
    }

    /// The portal's cached outcomes, whatever their age (empty when none are cached).
    pub(super) async fn cached_outcomes(&self) -> Vec<CallOutcome> {
        self.stored_outcomes().await.map(|c| c.outcomes).unwrap_or_default()
    }

    /// The rep's soonest open call task on this contact: from the queue cache when it has
    /// one, else one search.
    pub(super) async fn open_task_for(&self, contact: &ContactId) -> Option<TaskView> {
        if let Some(queue) = self.cached_queue().await {
            let hit =
                queue.items.iter().find(|e| e.contact.as_ref().is_some_and(|c| &c.id == contact) && e.task.is_some());
            if let Some(entry) = hit {
                return entry.task.clone();
            }
        }
        let owner = self.profile().await?.owner?;
        let resp = self.api(tasks::search_open_call_tasks_for_contact(&owner, contact), Class::Search).await.ok()?;
        let page = tasks::parse_task_page(&resp).ok()?;
        let now = self.ports.clock.now_ms();
        page.items.into_iter().next().map(|t| TaskView {
            overdue: t.due_ms.is_some_and(|d| d < now),
            id: t.id,
            subject: t.subject.unwrap_or_else(|| "Call".to_string()),
            due_ms: t.due_ms,
            priority: t.priority,
        })
    }

    pub(super) async fn history_has(&self, external_id: &str) -> bool {
        match crate::privacy::history::key_of(external_id) {
            Some(key) => matches!(self.ports.store.get(Area::Local, &key).await, Ok(Some(_))),
            None => false,
        }
    }

    /// The next task in the queue after this contact (and the task just completed).
    pub(super) async fn next_after(&self, contact: &ContactId, done: Option<&TaskId>) -> Option<NextView> {
        let mut queue = self.cached_queue().await?;
        if let Some(done) = done {
            // The completed task leaves the cached queue too.
            queue.items.retain(|e| e.task.as_ref().map(|t| &t.id) != Some(done));
            if let Ok(value) = serde_json::to_value(&queue) {
                let _ = self.ports.store.set(Area::Session, super::QUEUE_CACHE_KEY, value).await;
            }
        }
        let next: &QueueEntry = queue
            .items
            .iter()
            .find(|e| e.record_url.is_some() && e.contact.as_ref().is_some_and(|c| &c.id != contact))?;
        Some(NextView {
            record_url: next.record_url.clone()?,
            name: next.contact.as_ref()?.name.clone(),
            subject: next.task.as_ref().map(|t| t.subject.clone()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::CallingHours;

    #[test]
    fn hubspot_time_zones_become_iana_names() {
        assert_eq!(iana_zone("america_slash_los_angeles").as_deref(), Some("America/Los_Angeles"));
        assert_eq!(iana_zone("europe_slash_berlin").as_deref(), Some("Europe/Berlin"));
        assert_eq!(
            iana_zone("america_slash_argentina_slash_buenos_aires").as_deref(),
            Some("America/Argentina/Buenos_Aires")
        );
        assert_eq!(iana_zone(""), None);
        assert_eq!(iana_zone("<script>"), None);
    }

    #[test]
    fn calling_hours_warn_outside_the_window() {
        let hours = CallingHours { start: 8, end: 21 };
        let noon_utc = 1_795_780_800_000; // 2026-11-27 12:00 UTC
        let la = local_time("America/Los_Angeles", -8 * 3_600_000, noon_utc, &hours);
        assert_eq!((la.time.as_str(), la.outside_hours), ("04:00", true));
        assert!(la.warning.unwrap().contains("outside calling hours (8:00–21:00)"));
        let berlin = local_time("Europe/Berlin", 3_600_000, noon_utc, &hours);
        assert_eq!(
            (berlin.time.as_str(), berlin.outside_hours, berlin.warning),
            ("13:00".to_string().as_str(), false, None)
        );
        // The end hour itself is outside: 21:00 is too late.
        let late = local_time("UTC", 0, noon_utc + 9 * 3_600_000, &hours);
        assert!(late.outside_hours);
    }
}
