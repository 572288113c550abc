//! The queue service: the rep's queue as the popup shows it (open call tasks due by the
//! horizon, or a list's contacts, each with its contact's dialing facts and record link), the
//! lists a rep may pick, the open task offered at dial and the next task after a log; a
//! short-lived cache in session storage so opening the popup again costs no request.
//! Layer: core (pure).

use super::card::NextView;
use super::error;
use super::hub::Hub;
use super::properties::Properties;
use crate::contact_cache::CachedContact;
use crate::hubspot::budget::Class;
use crate::hubspot::model::{Contact, ListSummary};
use crate::hubspot::properties::{dialing_properties, PropertyName};
use crate::hubspot::queue::{due_horizon_ms, load_list_queue, load_task_queue, QueueContact, QueueItem};
use crate::hubspot::{lists, ApiError};
use crate::ids::{ContactId, ListId, TaskId};
pub use crate::message::views::{ContactView, QueueEntry, QueueSource, QueueView, TaskView};
use crate::message::{Failure, Response};
use crate::page::{contact_url, Hublet};
use crate::ports::{Area, Browser, Clock, Http, Store};
use crate::settings::Settings;

/// Session-storage key of the cached queue.
pub const QUEUE_CACHE_KEY: &str = crate::keys::QUEUE.key;
/// How long a loaded queue is shown without asking HubSpot again.
pub const QUEUE_CACHE_MS: i64 = 120_000;
/// ... when HubSpot's window was busy as it loaded (`budget::is_busy`): as long as a card is
/// kept (`CONTACT_CACHE_MS`). On a portal whose reps fill the window, each popup that reloads
/// the queue spends a search (5 a second per portal, shared by every rep) and a read the call
/// logs need; the rep's own logged tasks leave the kept queue at once, and "Refresh queue"
/// asks HubSpot whenever the rep wants (issue 12: 300 reps with no 429).
pub const QUEUE_CACHE_BUSY_MS: i64 = 600_000;
/// How many of the queue's first contacts get their card cached from the queue's own read:
/// more than a rep reaches while the card cache is fresh (`CONTACT_CACHE_MS`, 10 minutes, at
/// a call every 20 s), few enough that a 1,000-task queue does not write 1,000 keys.
pub const CARDS_FROM_QUEUE: usize = 30;

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

/// A contact's card facts as the card cache keeps them: numbers as `contact_view` picks them,
/// the admin's mapped properties (`mapped`, not numbers) as fields, and where a dial looks for
/// its open call task (`tasks`, see `CachedContact`).
pub fn card_facts(
    contact: &Contact,
    phones: &[PropertyName],
    mapped: &[PropertyName],
    now_ms: i64,
    tasks: Option<Vec<TaskId>>,
) -> CachedContact {
    let fields = contact.extra.iter().filter(|(k, _)| mapped.iter().any(|p| p.as_str() == k)).cloned().collect();
    CachedContact { contact: contact_view(contact, phones), fields, fetched_at_ms: now_ms, tasks }
}

/// A task as the queue and a card show it ("Call" when it has no subject).
pub(super) fn task_view(task: &crate::hubspot::Task, overdue: bool) -> TaskView {
    TaskView {
        id: task.id.clone(),
        subject: task.subject.clone().unwrap_or_else(|| "Call".to_string()),
        due_ms: task.due_ms,
        priority: task.priority,
        overdue,
    }
}

fn entry(item: &QueueItem, hublet: Hublet, portal: &crate::ids::PortalId, phones: &[PropertyName]) -> QueueEntry {
    let task = item.task.as_ref().map(|t| task_view(t, item.overdue));
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

pub struct Queue<H: Http + 'static, S: Store + 'static, C: Clock + 'static, B: Browser + 'static> {
    hub: &'static Hub<H, S, C, B>,
    properties: &'static Properties<H, S, C, B>,
}

impl<H: Http, S: Store, C: Clock, B: Browser> Queue<H, S, C, B> {
    pub fn new(hub: &'static Hub<H, S, C, B>, properties: &'static Properties<H, S, C, B>) -> Self {
        Queue { hub, properties }
    }

    /// The answer to "Queue": the queue with the pause in force.
    pub async fn answer(&self, refresh: bool) -> Response {
        match self.load(refresh).await {
            Ok(queue) => Response::Queue { queue, paused: self.hub.pause() },
            Err(error) => Response::Error { error },
        }
    }

    /// The answer to "Lists".
    pub async fn lists(&self) -> Response {
        match self.contact_lists().await {
            Ok(lists) => Response::Lists { lists },
            Err(error) => Response::Error { error },
        }
    }

    /// The rep picks a list as the queue (or back to tasks): saved as the rep's setting, then
    /// the queue from the new source.
    pub async fn set_list(&self, list: Option<ListId>) -> Response {
        if let Err(problems) = crate::settings::set_queue_list(self.hub.ports.store, list).await {
            return error("bad_setting", problems.join(" "), false);
        }
        // The cache names its source, so a stale one is never shown for the new source; the
        // removal only spares a read of it when the refresh below fails.
        let _ = self.hub.ports.store.remove(Area::Session, QUEUE_CACHE_KEY).await;
        self.answer(true).await
    }

    /// The queue source in force: a list chosen by the admin or the rep, else the rep's tasks.
    fn source(&self, settings: &Settings, now_ms: i64) -> QueueSource {
        match &settings.queue_source {
            crate::settings::QueueSource::List { id } => QueueSource::List { list: id.clone() },
            crate::settings::QueueSource::Tasks => {
                let offset = self.hub.ports.clock.utc_offset_ms(now_ms);
                QueueSource::Tasks { due_by_ms: due_horizon_ms(now_ms, offset, i64::from(settings.queue_horizon_days)) }
            }
        }
    }

    /// The queue, from the cache when it is fresh and the source has not changed.
    async fn load(&self, refresh: bool) -> Result<QueueView, Failure> {
        let now = self.hub.ports.clock.now_ms();
        let settings = crate::settings::load(self.hub.ports.store).await;
        let source = self.source(&settings, now);
        if !refresh {
            if let Some(cached) = self.cached_queue().await {
                let same_source = match (&cached.source, &source) {
                    (QueueSource::List { list: a }, QueueSource::List { list: b }) => a == b,
                    (QueueSource::Tasks { .. }, QueueSource::Tasks { .. }) => true,
                    _ => false,
                };
                let keep = if cached.busy_portal { QUEUE_CACHE_BUSY_MS } else { QUEUE_CACHE_MS };
                if same_source && now - cached.fetched_at_ms < keep && now >= cached.fetched_at_ms {
                    return Ok(cached);
                }
            }
        }
        let profile = self
            .hub
            .profile()
            .await
            .ok_or_else(|| Failure::new("signed_out", "Sign in with HubSpot to see your call tasks.", false))?;
        let (phones, mapped) = self.properties.admitted(&settings).await;
        let mut wanted = phones.clone();
        wanted.extend(mapped.iter().cloned());
        // The card's own properties (`Dialer::contact_facts`), so the contacts read here answer
        // their cards too.
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
                load_task_queue(&self.hub.client, owner, *due_by_ms, now, &properties).await
            }
            QueueSource::List { list } => load_list_queue(&self.hub.client, list, &properties).await,
        };
        self.hub.after_api(&loaded).await;
        let queue = match loaded {
            Ok(queue) => queue,
            Err(e @ ApiError::RateLimited { .. }) => {
                // Paused by HubSpot's rate limit: keep showing what we had; the pause is shown too.
                return self.cached_queue().await.ok_or_else(|| e.failure());
            }
            Err(e) => return Err(e.failure()),
        };
        // A task whose call is logged (its completion may be waiting to go with the next one, or
        // HubSpot's search may not show it completed yet) is done for the rep.
        let account = self.hub.account().await;
        let done =
            crate::outbox::tasks_being_completed(self.hub.ports.store, account.as_ref()).await.unwrap_or_default();
        let view = QueueView {
            source,
            items: queue
                .items
                .iter()
                .filter(|i| !i.task.as_ref().is_some_and(|t| done.contains(&t.id)))
                .map(|i| entry(i, profile.hublet, &profile.portal, &phones))
                .collect(),
            truncated: queue.truncated,
            fetched_at_ms: now,
            // Read right after the load's own requests brought HubSpot's rate headers.
            busy_portal: {
                let usage = self.hub.client.usage();
                crate::hubspot::budget::is_busy(usage.used, usage.max)
            },
        };
        self.hub.cache(QUEUE_CACHE_KEY, &view).await;
        self.cache_cards(&queue.items, &phones, &mapped, now).await;
        Ok(view)
    }

    /// Opening a queued contact costs no request: the first `CARDS_FROM_QUEUE` contacts of the
    /// queue go into the card cache as the card would have read them (same properties, same
    /// age rule). A task queue knows the rep's open call tasks on each contact, which is where
    /// a dial looks; a list queue knows none (`tasks: None`: the dial reads the contact).
    async fn cache_cards(&self, items: &[QueueItem], phones: &[PropertyName], mapped: &[PropertyName], now: i64) {
        let mut written: Vec<&ContactId> = Vec::new();
        for item in items {
            let QueueContact::Found(contact) = &item.contact else { continue };
            if written.contains(&&contact.id) {
                continue;
            }
            if written.len() >= CARDS_FROM_QUEUE {
                break;
            }
            written.push(&contact.id);
            let tasks = item.task.as_ref().map(|_| {
                items
                    .iter()
                    .filter(|i| matches!(&i.contact, QueueContact::Found(c) if c.id == contact.id))
                    .filter_map(|i| i.task.as_ref().map(|t| t.id.clone()))
                    .collect()
            });
            let cached: CachedContact = card_facts(contact, phones, mapped, now, tasks);
            self.hub.cache(&crate::contact_cache::key(&contact.id), &cached).await;
        }
    }

    pub(super) async fn cached_queue(&self) -> Option<QueueView> {
        let value = self.hub.ports.store.get(Area::Session, QUEUE_CACHE_KEY).await.ok()??;
        crate::message::read::queue_view(&value).ok()
    }

    /// Contact lists the rep may use as a queue.
    async fn contact_lists(&self) -> Result<Vec<ListSummary>, Failure> {
        let result = self.hub.api(lists::search_lists("", 0, 100), Class::Read).await;
        let resp = result.map_err(|e| e.failure())?;
        lists::parse_list_search(&resp).map(|found| found.lists).map_err(|e: ApiError| e.failure())
    }

    /// The contact's task in the cached queue (whatever the cache's age: `next_after` keeps it
    /// current as tasks are completed), without a request.
    pub(super) async fn queued_task(&self, contact: &ContactId) -> Option<TaskView> {
        let queue = self.cached_queue().await?;
        let hit =
            queue.items.into_iter().find(|e| e.contact.as_ref().is_some_and(|c| &c.id == contact) && e.task.is_some());
        hit.and_then(|entry| entry.task)
    }

    /// The next task in the queue after this contact (and the task just completed).
    pub(super) async fn next_after(&self, contact: &ContactId, done: Option<&TaskId>) -> Option<NextView> {
        let mut queue = self.cached_queue().await?;
        if let Some(done) = done {
            // The completed task leaves the cached queue too.
            queue.items.retain(|e| e.task.as_ref().map(|t| &t.id) != Some(done));
            // Unsaved, the completed task may show in the popup until the cache expires or is
            // refreshed (minutes); HubSpot has it completed already.
            self.hub.cache(QUEUE_CACHE_KEY, &queue).await;
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
#[path = "queue_tests.rs"]
mod tests;
