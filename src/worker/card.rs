//! The card-and-dial service (`Dialer`), part one: the contact record's card (the contact's
//! dialing facts, a number per "Call …" button, the call in progress on it) and the portal's
//! call outcomes. Layer: core (pure). Dial, drafts and the calls list are in `calls.rs`.
//! Everything comes from HubSpot's API with the rep's token, never from the page's DOM; the
//! content script only names the record (by its URL) and relays the rep's choices.

use super::hub::Hub;
use super::other_portal;
use super::properties::Properties;
use super::queue::{card_facts, Queue};
use crate::calling_hours::{iana_zone, local_time};
pub use crate::contact_cache::CachedContact;
use crate::hubspot::budget::Class;
use crate::hubspot::model::CallOutcome;
use crate::hubspot::properties::{dialing_properties, PropertyName};
use crate::hubspot::{contacts, outcomes};
use crate::ids::ContactId;
pub use crate::message::views::{CardView, FieldView, LocalTimeView, LoggedView, NextView, NumberView};
use crate::message::{Failure, Response};
use crate::page::{classify, contact_url, Page};
use crate::phone::normalize;
use crate::ports::{Area, Browser, Clock, Http, Store};
use crate::settings::Settings;
#[cfg(test)]
use serde::Deserialize;
use serde::Serialize;
use std::cell::Cell;

/// Session cache of the portal's call outcomes.
pub const OUTCOMES_KEY: &str = crate::keys::OUTCOMES.key;
pub const OUTCOMES_CACHE_MS: i64 = 3_600_000;
/// The portal's call outcomes as cached in session storage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
struct CachedOutcomes {
    fetched_at_ms: i64,
    outcomes: Vec<CallOutcome>,
}

impl crate::json_write::ToJson for CachedOutcomes {
    fn to_json(&self) -> serde_json::Value {
        crate::json_write::Obj::new().put("fetched_at_ms", &self.fetched_at_ms).put("outcomes", &self.outcomes).done()
    }
}

impl CachedOutcomes {
    /// As stored (serde's derive is the reference in tests).
    fn read(value: &serde_json::Value) -> Result<Self, String> {
        let f = crate::json_read::Fields::of("the cached outcomes", value)?;
        Ok(CachedOutcomes {
            fetched_at_ms: f.must("fetched_at_ms", crate::json_read::Fields::int)?,
            outcomes: f.need("outcomes", f.list("outcomes", crate::message::read::call_outcome)?)?,
        })
    }
}

/// The label of an outcome GUID among `cached`, else among HubSpot's defaults.
pub(super) fn label_of_outcome_list(cached: &[CallOutcome], id: &str) -> Option<String> {
    if let Some(hit) = cached.iter().find(|o| o.id == id) {
        return Some(hit.label.clone());
    }
    outcomes::DEFAULT_OUTCOMES.iter().find(|(guid, _)| *guid == id).map(|(_, label)| label.to_string())
}

fn label_of(property: &str) -> String {
    match property {
        "phone" => "Phone".to_string(),
        "mobilephone" => "Mobile".to_string(),
        other => other.to_string(),
    }
}

/// The card-and-dial service: cards, outcomes, dialing and the calls in progress.
pub struct Dialer<H: Http + 'static, S: Store + 'static, C: Clock + 'static, B: Browser + 'static> {
    pub(super) hub: &'static Hub<H, S, C, B>,
    properties: &'static Properties<H, S, C, B>,
    /// The open task offered at dial comes from the queue's cache when it has one.
    pub(super) queue: &'static Queue<H, S, C, B>,
    /// Calls kept in the previous layout were moved into the list (once per worker).
    pub(super) calls_migrated: Cell<bool>,
}

impl<H: Http, S: Store, C: Clock, B: Browser> Dialer<H, S, C, B> {
    pub fn new(
        hub: &'static Hub<H, S, C, B>,
        properties: &'static Properties<H, S, C, B>,
        queue: &'static Queue<H, S, C, B>,
    ) -> Self {
        Dialer { hub, properties, queue, calls_migrated: Cell::new(false) }
    }

    /// The card for the record at `url` (or "not a record").
    pub async fn card(&self, url: &str) -> Response {
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
        Response::Card { hublet, portal: portal.0, contact, card, problem, paused: self.hub.pause(), call, held_call }
    }

    async fn card_view(&self, portal: &crate::ids::PortalId, id: &ContactId) -> Result<CardView, Failure> {
        let profile = self.hub.profile().await.ok_or_else(|| {
            Failure::new(
                "signed_out",
                "Sign in with HubSpot (the Spotdial button in the toolbar) to call this contact.",
                false,
            )
        })?;
        if &profile.portal != portal {
            return Err(other_portal(portal, &profile.portal));
        }
        let settings = crate::settings::load(self.hub.ports.store).await;
        let cached = self.contact_facts(id, &settings, false).await?;
        let now = self.hub.ports.clock.now_ms();
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
            let offset = self.hub.ports.clock.zone_offset_ms(&zone, now)?;
            let local = local_time(offset, now, &settings.calling_hours);
            Some(LocalTimeView { time: local.time, zone, outside_hours: local.outside_hours, warning: local.warning })
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

    /// The contact's dialing facts: from the session cache (written by an earlier card or by
    /// the queue), else one HubSpot read that brings the contact's task ids along. With
    /// `need_tasks` (a dial), facts cached without task ids are read again. Only dialing data
    /// is kept (DESIGN §3).
    pub(super) async fn contact_facts(
        &self,
        id: &ContactId,
        settings: &Settings,
        need_tasks: bool,
    ) -> Result<CachedContact, Failure> {
        let now = self.hub.ports.clock.now_ms();
        let key = crate::contact_cache::key(id);
        if let Ok(Some(value)) = self.hub.ports.store.get(Area::Session, &key).await {
            if let Ok(cached) = crate::contact_cache::read(&value) {
                if cached.is_fresh(now) && (!need_tasks || cached.tasks.is_some()) {
                    return Ok(cached);
                }
            }
        }
        let (phone_properties, mapped_properties) = self.properties.admitted(settings).await;
        let mut wanted: Vec<PropertyName> = phone_properties.clone();
        wanted.extend(mapped_properties.iter().cloned());
        let result = self.hub.api(contacts::get_contact(id, &dialing_properties(&wanted)), Class::Read).await;
        let (contact, tasks) =
            result.and_then(|resp| contacts::parse_contact_with_tasks(&resp)).map_err(|e| e.failure())?;
        let cached = card_facts(&contact, &phone_properties, &mapped_properties, now, Some(tasks));
        self.hub.cache(&key, &cached).await;
        Ok(cached)
    }

    /// The portal's call outcomes (its own, custom ones included; the six defaults when the
    /// endpoint is unavailable), cached for an hour.
    pub(super) async fn call_outcomes(&self) -> Vec<CallOutcome> {
        let now = self.hub.ports.clock.now_ms();
        if let Some(cached) = self.stored_outcomes().await {
            if (0..OUTCOMES_CACHE_MS).contains(&(now - cached.fetched_at_ms)) && !cached.outcomes.is_empty() {
                return cached.outcomes;
            }
        }
        let fetched =
            self.hub.api(outcomes::list_outcomes(), Class::Read).await.and_then(|resp| outcomes::parse_outcomes(&resp));
        let found = outcomes::outcomes_or_defaults(fetched);
        if found.source == outcomes::OutcomeSource::Portal {
            let cached = CachedOutcomes { fetched_at_ms: now, outcomes: found.outcomes.clone() };
            self.hub.cache(OUTCOMES_KEY, &cached).await;
        }
        found.outcomes
    }

    async fn stored_outcomes(&self) -> Option<CachedOutcomes> {
        let value = self.hub.ports.store.get(Area::Session, OUTCOMES_KEY).await.ok()??;
        CachedOutcomes::read(&value).ok()
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
}

#[cfg(test)]
#[path = "card_tests.rs"]
mod tests;
