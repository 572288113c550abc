//! The call queue: the rep's open call tasks with their contacts, or a list's contacts, loaded
//! in batches, never one request per task (DESIGN §2). Layer: core (pure, over `Client`).
//! N tasks cost ceil(N/200) searches + ceil(N/1000) association reads + ceil(C/100) contact
//! batch reads for C distinct contacts; `naive_request_count` is the one-per-object baseline.

use super::associations::{batch_read_task_contacts, parse_task_contacts, ASSOCIATION_BATCH_MAX};
use super::budget::Class;
use super::contacts::{batch_read_contacts, parse_contact_batch, BATCH_READ_MAX};
use super::error::ApiError;
use super::lists::{list_memberships, parse_memberships, MEMBERSHIP_PAGE_MAX};
use super::model::{Contact, Task};
use super::properties::PropertyName;
use super::session::{Client, RequestCounts};
use super::tasks::{parse_task_page, search_open_call_tasks, SEARCH_CEILING, SEARCH_PAGE_MAX};
use crate::ids::{ContactId, ListId, OwnerId, TaskId};
use crate::ports::{Clock, Http, TokenSource};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// The contact behind a queue item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QueueContact {
    Found(Box<Contact>),
    /// The task has no associated contact: kept in the queue, nothing to dial.
    NoContact,
    /// Associated, but HubSpot did not return it (deleted or merged since).
    Unreadable {
        id: ContactId,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
pub struct QueueItem {
    /// `None` for a list queue.
    pub task: Option<Task>,
    pub contact: QueueContact,
    /// Due before the moment the queue was loaded.
    pub overdue: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
pub struct Queue {
    pub items: Vec<QueueItem>,
    /// More matched than one search can reach (§11: 10,000) or a list queue's cap.
    pub truncated: bool,
}

/// The most contacts a list queue loads (the same bound as a task search).
pub const LIST_QUEUE_MAX: usize = SEARCH_CEILING;

const DAY_MS: i64 = 86_400_000;
/// The furthest ahead a rep may look (days after today).
pub const MAX_HORIZON_DAYS: i64 = 30;

/// The end of the rep's local day `days` after today, in epoch ms: the task queue shows the
/// tasks due by then (`days` is bounded to `0..=MAX_HORIZON_DAYS`).
pub fn due_horizon_ms(now_ms: i64, utc_offset_ms: i64, days: i64) -> i64 {
    let local = now_ms + utc_offset_ms;
    let end_of_today_local = local - local.rem_euclid(DAY_MS) + DAY_MS - 1;
    end_of_today_local + days.clamp(0, MAX_HORIZON_DAYS) * DAY_MS - utc_offset_ms
}

/// The rep's open CALL tasks due by `due_by_ms` with their contacts, ordered by due time, then
/// priority (HIGH, MEDIUM, LOW, none), then id. `properties` are the contact properties to read
/// (`properties::dialing_properties`).
pub async fn load_task_queue<H: Http, C: Clock, T: TokenSource>(
    client: &Client<'_, H, C, T>,
    owner: &OwnerId,
    due_by_ms: i64,
    now_ms: i64,
    properties: &[PropertyName],
) -> Result<Queue, ApiError> {
    let mut tasks: Vec<Task> = Vec::new();
    let mut seen: HashSet<TaskId> = HashSet::new();
    let mut after: Option<String> = None;
    let mut truncated = false;
    // Bounded: the ceiling allows 50 pages of 200; one more guards a misbehaving cursor.
    for _ in 0..=(SEARCH_CEILING / SEARCH_PAGE_MAX as usize) {
        let req = search_open_call_tasks(owner, due_by_ms, SEARCH_PAGE_MAX, after.as_deref());
        let page = parse_task_page(&client.send(req, Class::Search).await?)?;
        let fresh = page.items.len();
        // Search may repeat a record across pages when tasks change while paging (§11).
        tasks.extend(page.items.into_iter().filter(|t| seen.insert(t.id.clone())));
        if tasks.len() >= SEARCH_CEILING {
            // §11: paging past 10,000 gives a 400; stop and say the queue is cut short.
            truncated = page.next_after.is_some() || page.total.is_some_and(|t| t as usize > tasks.len());
            tasks.truncate(SEARCH_CEILING);
            break;
        }
        match page.next_after {
            Some(next) if fresh > 0 && after.as_deref() != Some(next.as_str()) => after = Some(next),
            _ => break,
        }
    }

    let mut contact_of: HashMap<TaskId, ContactId> = HashMap::new();
    let ids: Vec<TaskId> = tasks.iter().map(|t| t.id.clone()).collect();
    for chunk in ids.chunks(ASSOCIATION_BATCH_MAX) {
        let resp = client.send(batch_read_task_contacts(chunk), Class::Read).await?;
        for (task, contacts) in parse_task_contacts(&resp)? {
            if let Some(first) = contacts.into_iter().next() {
                contact_of.insert(task, first);
            }
        }
    }

    let mut wanted: Vec<ContactId> = Vec::new();
    for task in &tasks {
        if let Some(c) = contact_of.get(&task.id) {
            if !wanted.contains(c) {
                wanted.push(c.clone());
            }
        }
    }
    let found = read_contacts(client, &wanted, properties).await?;

    let mut items: Vec<QueueItem> = tasks
        .into_iter()
        .map(|task| {
            let contact = match contact_of.get(&task.id) {
                None => QueueContact::NoContact,
                Some(id) => match found.get(id) {
                    Some(c) => QueueContact::Found(Box::new(c.clone())),
                    None => QueueContact::Unreadable { id: id.clone() },
                },
            };
            let overdue = task.due_ms.is_some_and(|d| d < now_ms);
            QueueItem { task: Some(task), contact, overdue }
        })
        .collect();
    crate::sorting::sort_by_key(&mut items, queue_key);
    Ok(Queue { items, truncated })
}

/// A list's contacts as a queue, in membership order (by record id, §9).
pub async fn load_list_queue<H: Http, C: Clock, T: TokenSource>(
    client: &Client<'_, H, C, T>,
    list: &ListId,
    properties: &[PropertyName],
) -> Result<Queue, ApiError> {
    let mut members: Vec<ContactId> = Vec::new();
    let mut seen: HashSet<ContactId> = HashSet::new();
    let mut after: Option<String> = None;
    let mut truncated = false;
    for _ in 0..=(LIST_QUEUE_MAX / MEMBERSHIP_PAGE_MAX as usize) {
        let resp = client.send(list_memberships(list, MEMBERSHIP_PAGE_MAX, after.as_deref()), Class::Read).await?;
        let page = parse_memberships(&resp)?;
        let fresh = page.items.len();
        members.extend(page.items.into_iter().filter(|c| seen.insert(c.clone())));
        if members.len() >= LIST_QUEUE_MAX {
            truncated = page.next_after.is_some() || members.len() > LIST_QUEUE_MAX;
            members.truncate(LIST_QUEUE_MAX);
            break;
        }
        match page.next_after {
            Some(next) if fresh > 0 && after.as_deref() != Some(next.as_str()) => after = Some(next),
            _ => break,
        }
    }
    let found = read_contacts(client, &members, properties).await?;
    let items = members
        .into_iter()
        .map(|id| QueueItem {
            task: None,
            contact: match found.get(&id) {
                Some(c) => QueueContact::Found(Box::new(c.clone())),
                None => QueueContact::Unreadable { id },
            },
            overdue: false,
        })
        .collect();
    Ok(Queue { items, truncated })
}

async fn read_contacts<H: Http, C: Clock, T: TokenSource>(
    client: &Client<'_, H, C, T>,
    ids: &[ContactId],
    properties: &[PropertyName],
) -> Result<HashMap<ContactId, Contact>, ApiError> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(BATCH_READ_MAX) {
        let resp = client.send(batch_read_contacts(chunk, properties), Class::Read).await?;
        for contact in parse_contact_batch(&resp)?.contacts {
            found.insert(contact.id.clone(), contact);
        }
    }
    Ok(found)
}

/// Due time (unknown last), priority, then id for a stable order.
fn queue_key(item: &QueueItem) -> (i64, super::model::Priority, u64, String) {
    match &item.task {
        Some(t) => {
            (t.due_ms.unwrap_or(i64::MAX), t.priority, t.id.as_str().parse().unwrap_or(u64::MAX), t.id.0.clone())
        }
        None => (i64::MAX, super::model::Priority::None, u64::MAX, String::new()),
    }
}

/// Requests `load_task_queue` makes for `tasks` tasks behind `contacts` distinct contacts.
pub fn planned_request_count(tasks: usize, contacts: usize) -> RequestCounts {
    let tasks = tasks.min(SEARCH_CEILING);
    let contacts = contacts.min(tasks);
    RequestCounts {
        searches: tasks.div_ceil(SEARCH_PAGE_MAX as usize).max(1) as u32,
        reads: (tasks.div_ceil(ASSOCIATION_BATCH_MAX) + contacts.div_ceil(BATCH_READ_MAX)) as u32,
        writes: 0,
        exempt: 0,
    }
}

/// The one-request-per-object baseline: each task read on its own (with its associations,
/// which a single-record read can include, §4) and each contact read on its own.
pub fn naive_request_count(tasks: usize) -> u32 {
    (tasks * 2) as u32
}
