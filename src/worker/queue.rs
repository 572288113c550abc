//! The rep's queue as the popup shows it: open call tasks due by the horizon (or a list's
//! contacts), each with its contact's dialing facts and record link; a short-lived cache in
//! session storage so opening the popup again costs no request. Layer: core (pure).

use super::App;
use crate::hubspot::budget::Class;
use crate::hubspot::model::Contact;
use crate::hubspot::properties::{dialing_properties, PropertyName};
use crate::hubspot::queue::{load_list_queue, load_task_queue, QueueContact, QueueItem};
use crate::hubspot::{lists, ApiError};
pub use crate::message::views::{ContactView, QueueEntry, QueueSource, QueueView, TaskView};
use crate::message::Failure;
use crate::page::{contact_url, Hublet};
use crate::ports::{Area, Browser, Clock, Http, Store};
use crate::settings::Settings;

/// Session-storage key of the cached queue.
pub const QUEUE_CACHE_KEY: &str = crate::keys::QUEUE.key;
/// How long a loaded queue is shown without asking HubSpot again.
pub const QUEUE_CACHE_MS: i64 = 120_000;
const DAY_MS: i64 = 86_400_000;
/// The furthest ahead a rep may look (days after today).
pub const MAX_HORIZON_DAYS: i64 = 30;

/// The dialing facts of `contact`; its numbers are phone, mobile and the admin's phone
/// properties `phones` (other mapped properties are card fields, not numbers).
pub fn contact_view(contact: &Contact, phones: &[PropertyName]) -> ContactView {
    let is_phone = |p: &str| p == "phone" || p == "mobilephone" || phones.iter().any(|n| n.as_str() == p);
    ContactView {
        id: contact.id.clone(),
        name: contact.display_name().unwrap_or_else(|| "Unnamed contact".to_string()),
        company: contact.company.clone(),
        title: contact.job_title.clone(),
        numbers: contact.numbers().into_iter().filter(|(p, raw)| is_phone(p) && !raw.trim().is_empty()).collect(),
        time_zone: contact.time_zone.clone(),
        country: contact.country.clone(),
    }
}

/// The end of the rep's local day `days` after today, in epoch ms.
pub fn due_horizon_ms(now_ms: i64, utc_offset_ms: i64, days: i64) -> i64 {
    let local = now_ms + utc_offset_ms;
    let end_of_today_local = local - local.rem_euclid(DAY_MS) + DAY_MS - 1;
    end_of_today_local + days.clamp(0, MAX_HORIZON_DAYS) * DAY_MS - utc_offset_ms
}

fn entry(item: &QueueItem, hublet: Hublet, portal: &crate::ids::PortalId, phones: &[PropertyName]) -> QueueEntry {
    let task = item.task.as_ref().map(|t| TaskView {
        id: t.id.clone(),
        subject: t.subject.clone().unwrap_or_else(|| "Call".to_string()),
        due_ms: t.due_ms,
        priority: t.priority,
        overdue: item.overdue,
    });
    let (contact, problem) = match &item.contact {
        QueueContact::Found(c) => (Some(contact_view(c, phones)), None),
        QueueContact::NoContact => (None, Some("This task has no contact to call.".to_string())),
        QueueContact::Unreadable { .. } => {
            (None, Some("This task's contact was deleted or merged in HubSpot.".to_string()))
        }
    };
    let record_url = contact.as_ref().map(|c| contact_url(hublet, portal, &c.id));
    QueueEntry { task, contact, problem, record_url }
}

impl<H: Http, S: Store, C: Clock, B: Browser> App<H, S, C, B> {
    /// The queue source in force: a list chosen by the admin or the rep, else the rep's tasks.
    pub(super) fn queue_source(&self, settings: &Settings, now_ms: i64) -> QueueSource {
        match &settings.queue_source {
            crate::settings::QueueSource::List { id } => QueueSource::List { list: id.clone() },
            crate::settings::QueueSource::Tasks => {
                let offset = self.ports.clock.utc_offset_ms(now_ms);
                QueueSource::Tasks { due_by_ms: due_horizon_ms(now_ms, offset, i64::from(settings.queue_horizon_days)) }
            }
        }
    }

    /// The queue, from the cache when it is fresh and the source has not changed.
    pub(super) async fn queue(&self, refresh: bool) -> Result<QueueView, Failure> {
        let now = self.ports.clock.now_ms();
        let settings = crate::settings::load(self.ports.store).await;
        let source = self.queue_source(&settings, now);
        if !refresh {
            if let Some(cached) = self.cached_queue().await {
                let same_source = match (&cached.source, &source) {
                    (QueueSource::List { list: a }, QueueSource::List { list: b }) => a == b,
                    (QueueSource::Tasks { .. }, QueueSource::Tasks { .. }) => true,
                    _ => false,
                };
                if same_source && now - cached.fetched_at_ms < QUEUE_CACHE_MS && now >= cached.fetched_at_ms {
                    return Ok(cached);
                }
            }
        }
        let profile = self
            .profile()
            .await
            .ok_or_else(|| Failure::new("signed_out", "Sign in with HubSpot to see your call tasks.", false))?;
        let (phones, mapped) = self.admitted_properties(&settings).await;
        let mut wanted = phones.clone();
        wanted.extend(mapped);
        let properties = dialing_properties(&wanted);
        let loaded = match &source {
            QueueSource::Tasks { due_by_ms } => {
                let Some(owner) = &profile.owner else {
                    return Err(Failure::new(
                        "no_owner",
                        "Your HubSpot user is not a CRM owner, so it has no tasks of its own.",
                        false,
                    ));
                };
                load_task_queue(&self.client, owner, *due_by_ms, now, &properties).await
            }
            QueueSource::List { list } => load_list_queue(&self.client, list, &properties).await,
        };
        self.after_api(&loaded).await;
        let queue = match loaded {
            Ok(queue) => queue,
            Err(e @ ApiError::RateLimited { .. }) => {
                // Paused by HubSpot's rate limit: keep showing what we had; the pause is shown too.
                return self.cached_queue().await.ok_or_else(|| e.failure());
            }
            Err(e) => return Err(e.failure()),
        };
        let view = QueueView {
            source,
            items: queue.items.iter().map(|i| entry(i, profile.hublet, &profile.portal, &phones)).collect(),
            truncated: queue.truncated,
            fetched_at_ms: now,
        };
        if let Ok(value) = serde_json::to_value(&view) {
            let _ = self.ports.store.set(Area::Session, QUEUE_CACHE_KEY, value).await;
        }
        Ok(view)
    }

    pub(super) async fn cached_queue(&self) -> Option<QueueView> {
        let value = self.ports.store.get(Area::Session, QUEUE_CACHE_KEY).await.ok()??;
        serde_json::from_value(value).ok()
    }

    /// Contact lists the rep may use as a queue.
    pub(super) async fn contact_lists(&self) -> Result<Vec<crate::hubspot::model::ListSummary>, Failure> {
        let result = self.api(lists::search_lists("", 0, 100), Class::Read).await;
        let resp = result.map_err(|e| e.failure())?;
        lists::parse_list_search(&resp).map(|found| found.lists).map_err(|e: ApiError| e.failure())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn horizon_is_the_end_of_the_local_day() {
        // 2026-11-27 10:00 UTC; a rep in UTC-5 is at 05:00 local, so "today" ends at 04:59:59.999Z next day.
        let now = 1_795_773_600_000;
        assert_eq!(due_horizon_ms(now, 0, 0), 1_795_823_999_999);
        assert_eq!(due_horizon_ms(now, -5 * 3_600_000, 0), 1_795_823_999_999 + 5 * 3_600_000);
        assert_eq!(due_horizon_ms(now, 0, 2), 1_795_823_999_999 + 2 * DAY_MS);
        assert_eq!(due_horizon_ms(now, 0, 400), 1_795_823_999_999 + MAX_HORIZON_DAYS * DAY_MS);
        assert_eq!(due_horizon_ms(now, 0, -3), 1_795_823_999_999);
    }
}
