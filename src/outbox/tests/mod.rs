//! Outbox tests: a small fake HubSpot portal that stores calls, answers search only after a
//! lag and can drop an answer after storing (the faults that make logs double or vanish), and
//! a harness that runs drains with the shared fakes of `crate::testing`.
//! Layer: core tests (native only). The assertions count the calls the portal ended up with.

mod account;
mod completions;
mod duplicates;
mod entry;
mod scenarios;
mod view;

use super::{drain, enqueue, next_wake_at_ms, DrainGuard, DrainReport, Entry, EntryId, NewEntry};
use crate::hubspot::{CallLog, CallStatus, Client, RateBudget};
use crate::ids::{ContactId, OwnerId, TaskId};
use crate::ports::{Area, HttpRequest, Method, TransportError};
use crate::testing::{block_on, response, Answer, FakeClock, FakeHttp, FakeStore, FakeTokens};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

pub const T0: i64 = 1_790_604_300_000;
pub const CALLS: &str = "https://api.hubapi.com/crm/objects/2026-03/calls";
pub const SEARCH: &str = "https://api.hubapi.com/crm/objects/2026-03/calls/search";
pub const TASKS: &str = "https://api.hubapi.com/crm/objects/2026-03/tasks/";
pub const TASKS_BATCH_UPDATE: &str = "https://api.hubapi.com/crm/objects/2026-03/tasks/batch/update";
pub const CONTACT_CALLS: &str = "https://api.hubapi.com/crm/associations/2026-03/contacts/calls/batch/read";
pub const CALLS_BATCH: &str = "https://api.hubapi.com/crm/objects/2026-03/calls/batch/read";
/// Associations HubSpot returns per contact before paging on (undocumented; the sandbox's too).
pub const ASSOCIATION_PAGE: usize = 500;
/// How long the fake portal's search takes to see a new call (§11: eventually consistent).
pub const LAG_MS: i64 = 8_000;

/// What the portal does with the next request of a kind.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Stores the call, then the connection drops before the answer arrives.
    StoreThenDrop,
    /// The connection drops before HubSpot gets the request.
    DropBeforeStore,
    /// Stores the call, then answers with this status (a 5xx after the write).
    StoreThenStatus(u16),
    /// Answers with this status and body; nothing is stored.
    Status(u16, String),
    /// Stores the call twice and answers for the second: Chromium resent the POST after the
    /// first answer was lost on a reused keep-alive connection (`outbox::verify`).
    StoreTwice,
}

#[derive(Debug, Clone)]
pub struct PortalCall {
    pub id: String,
    pub external_id: String,
    pub contact: String,
    pub created_at_ms: i64,
}

/// A fake HubSpot holding calls and tasks, as honest as the outbox needs.
pub struct Portal {
    clock: Rc<FakeClock>,
    pub calls: RefCell<Vec<PortalCall>>,
    pub completed_tasks: RefCell<Vec<String>>,
    /// When each create request arrived, whatever became of it.
    pub create_times: RefCell<Vec<i64>>,
    pub search_times: RefCell<Vec<i64>>,
    pub deleted_tasks: RefCell<Vec<String>>,
    pub create_faults: RefCell<VecDeque<Fault>>,
    pub task_faults: RefCell<VecDeque<Fault>>,
    /// Faults of the next contact→call association reads (`Status`, or `DropBeforeStore`).
    pub association_faults: RefCell<VecDeque<Fault>>,
    /// Faults of the next call batch reads (`Status`).
    pub batch_read_faults: RefCell<VecDeque<Fault>>,
    /// Calls archived (moved out of `calls`, as HubSpot's recycle bin keeps them out of reads).
    pub archived: RefCell<Vec<PortalCall>>,
    /// When set, every answer but a search's carries the 110 / 10 s window's headers with this
    /// many requests left (the portal's other reps spend the rest).
    pub remaining: std::cell::Cell<Option<u32>>,
    /// Faults of the next task batch updates (`Status`).
    pub batch_update_faults: RefCell<VecDeque<Fault>>,
    /// Task ids each batch update named, in order.
    pub batch_updates: RefCell<Vec<Vec<String>>>,
}

impl Portal {
    fn answer(&self, req: &HttpRequest) -> Answer {
        assert!(req.header_value("Authorization").is_some_and(|a| a.starts_with("Bearer ")), "unauthenticated request");
        let body: Value = serde_json::from_str(req.body.as_deref().unwrap_or("null")).unwrap_or(Value::Null);
        let now = self.clock.now.get();
        match (req.method, req.url.as_str()) {
            (Method::Post, CALLS) => {
                self.create_times.borrow_mut().push(now);
                let props = &body["properties"];
                let mut call = PortalCall {
                    id: (9_001 + self.calls.borrow().len()).to_string(),
                    external_id: props["hs_call_external_id"].as_str().unwrap_or_default().to_string(),
                    contact: body["associations"][0]["to"]["id"].as_str().unwrap_or_default().to_string(),
                    created_at_ms: now,
                };
                assert!(!call.external_id.is_empty(), "every call carries its external id");
                let fault = self.create_faults.borrow_mut().pop_front();
                match fault {
                    Some(Fault::Status(status, body)) => return Ok(response(status, &body)),
                    Some(Fault::DropBeforeStore) => return Err(TransportError::Timeout),
                    _ => {}
                }
                if matches!(fault, Some(Fault::StoreTwice)) {
                    let first = call.clone();
                    self.calls.borrow_mut().push(first);
                    call.id = (9_001 + self.calls.borrow().len()).to_string();
                }
                let created = json!({"id": call.id, "properties": {"hs_call_external_id": call.external_id},
                    "createdAt": "2026-09-28T14:05:00Z", "updatedAt": "2026-09-28T14:05:00Z", "archived": false});
                self.calls.borrow_mut().push(call);
                match fault {
                    Some(Fault::StoreThenDrop) => Err(TransportError::Network("connection reset".into())),
                    Some(Fault::StoreThenStatus(status)) => Ok(response(status, "<html>Bad Gateway</html>")),
                    _ => Ok(response(201, &created.to_string())),
                }
            }
            (Method::Post, SEARCH) => {
                self.search_times.borrow_mut().push(now);
                // EQ (the outbox's settling) or IN (the duplicate check's shared search).
                let filter = &body["filterGroups"][0]["filters"][0];
                let wanted: Vec<String> = match filter["values"].as_array() {
                    Some(values) => values.iter().filter_map(Value::as_str).map(str::to_lowercase).collect(),
                    None => vec![filter["value"].as_str().unwrap_or_default().to_lowercase()],
                };
                let results: Vec<Value> = self
                    .calls
                    .borrow()
                    .iter()
                    .filter(|c| wanted.contains(&c.external_id.to_lowercase()) && c.created_at_ms + LAG_MS <= now)
                    .map(|c| json!({"id": c.id, "properties": {"hs_call_external_id": c.external_id}}))
                    .collect();
                Ok(response(200, &json!({"total": results.len(), "results": results}).to_string()))
            }
            (Method::Post, CONTACT_CALLS) => {
                match self.association_faults.borrow_mut().pop_front() {
                    Some(Fault::Status(status, body)) => return Ok(response(status, &body)),
                    Some(Fault::DropBeforeStore) => return Err(TransportError::Timeout),
                    _ => {}
                }
                // §7: one result per contact with calls, paged past a page; 207 errors for
                // contacts without any.
                let (mut results, mut errors) = (Vec::new(), Vec::new());
                for input in body["inputs"].as_array().cloned().unwrap_or_default() {
                    let id = input["id"].as_str().unwrap_or_default().to_string();
                    let to: Vec<Value> = self
                        .calls
                        .borrow()
                        .iter()
                        .filter(|c| c.contact == id)
                        .map(|c| json!({"toObjectId": c.id, "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 193, "label": null}]}))
                        .collect();
                    if to.is_empty() {
                        errors.push(json!({"status": "error", "category": "OBJECT_NOT_FOUND",
                            "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND", "context": {"fromObjectId": [id]}}));
                    } else if to.len() > ASSOCIATION_PAGE {
                        let page: Vec<Value> = to.into_iter().take(ASSOCIATION_PAGE).collect();
                        results.push(json!({"from": {"id": id}, "to": page, "paging": {"next": {"after": "NTAw"}}}));
                    } else {
                        results.push(json!({"from": {"id": id}, "to": to}));
                    }
                }
                let status = if errors.is_empty() { 200 } else { 207 };
                Ok(response(status, &json!({"status": "COMPLETE", "results": results, "errors": errors}).to_string()))
            }
            (Method::Post, CALLS_BATCH) => {
                assert_eq!(body["properties"], json!(["hs_call_external_id"]));
                if let Some(Fault::Status(status, body)) = self.batch_read_faults.borrow_mut().pop_front() {
                    return Ok(response(status, &body));
                }
                let wanted: Vec<String> = body["inputs"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|i| i["id"].as_str().map(str::to_string)).collect())
                    .unwrap_or_default();
                assert!(wanted.len() <= 100, "§12: at most 100 inputs");
                let results: Vec<Value> = self
                    .calls
                    .borrow()
                    .iter()
                    .filter(|c| wanted.contains(&c.id))
                    .map(|c| json!({"id": c.id, "properties": {"hs_call_external_id": c.external_id}}))
                    .collect();
                Ok(response(200, &json!({"status": "COMPLETE", "results": results}).to_string()))
            }
            (Method::Delete, url) if url.starts_with(CALLS) => {
                let id = url[CALLS.len() + 1..].to_string();
                let mut calls = self.calls.borrow_mut();
                match calls.iter().position(|c| c.id == id) {
                    Some(i) => {
                        self.archived.borrow_mut().push(calls.remove(i));
                        Ok(response(204, ""))
                    }
                    None => Ok(response(
                        404,
                        r#"{"status":"error","message":"Object not found","category":"OBJECT_NOT_FOUND"}"#,
                    )),
                }
            }
            (Method::Post, TASKS_BATCH_UPDATE) => {
                // §12: ≤ 100 inputs; a deleted task is named in a 207's OBJECT_NOT_FOUND error.
                let inputs = body["inputs"].as_array().cloned().unwrap_or_default();
                assert!(!inputs.is_empty() && inputs.len() <= 100, "§12: 1 to 100 inputs");
                let ids: Vec<String> =
                    inputs.iter().map(|i| i["id"].as_str().unwrap_or_default().to_string()).collect();
                for input in &inputs {
                    assert_eq!(input["properties"], json!({"hs_task_status": "COMPLETED"}));
                }
                self.batch_updates.borrow_mut().push(ids.clone());
                if let Some(Fault::Status(status, body)) = self.batch_update_faults.borrow_mut().pop_front() {
                    return Ok(response(status, &body));
                }
                let (gone, done): (Vec<String>, Vec<String>) =
                    ids.into_iter().partition(|id| self.deleted_tasks.borrow().contains(id));
                self.completed_tasks.borrow_mut().extend(done.iter().cloned());
                let results: Vec<Value> =
                    done.iter().map(|id| json!({"id": id, "properties": {"hs_task_status": "COMPLETED"}})).collect();
                let mut answer = json!({"status": "COMPLETE", "results": results});
                if gone.is_empty() {
                    return Ok(response(200, &answer.to_string()));
                }
                answer["numErrors"] = json!(1);
                answer["errors"] =
                    json!([{"status": "error", "category": "OBJECT_NOT_FOUND", "context": {"ids": gone}}]);
                Ok(response(207, &answer.to_string()))
            }
            (Method::Patch, url) if url.starts_with(TASKS) => {
                let id = url[TASKS.len()..].to_string();
                assert_eq!(body, json!({"properties": {"hs_task_status": "COMPLETED"}}));
                if let Some(Fault::Status(status, body)) = self.task_faults.borrow_mut().pop_front() {
                    return Ok(response(status, &body));
                }
                if self.deleted_tasks.borrow().contains(&id) {
                    return Ok(response(
                        404,
                        r#"{"status":"error","message":"Object not found","category":"OBJECT_NOT_FOUND"}"#,
                    ));
                }
                self.completed_tasks.borrow_mut().push(id.clone());
                Ok(response(200, &json!({"id": id, "properties": {"hs_task_status": "COMPLETED"}}).to_string()))
            }
            _ => panic!("unexpected request {} {}", req.method.as_str(), req.url),
        }
    }

    /// The window's headers on every answer but a search's (§13), when `remaining` is set.
    fn with_rate_headers(&self, req: &HttpRequest, mut resp: crate::ports::HttpResponse) -> crate::ports::HttpResponse {
        if let (Some(left), false) = (self.remaining.get(), req.url.ends_with("/search")) {
            resp.headers.push(("X-HubSpot-RateLimit-Max".into(), "110".into()));
            resp.headers.push(("X-HubSpot-RateLimit-Interval-Milliseconds".into(), "10000".into()));
            resp.headers.push(("X-HubSpot-RateLimit-Remaining".into(), left.to_string()));
        }
        resp
    }

    /// Calls in the portal carrying `external_id`.
    pub fn calls_with(&self, external_id: &str) -> usize {
        self.calls.borrow().iter().filter(|c| c.external_id == external_id).count()
    }
}

/// One worker's world: store, clock, tokens, the portal behind a recording `FakeHttp`, the
/// drain guard, and the rate budget the worker persists between drains.
pub struct Harness {
    pub clock: Rc<FakeClock>,
    pub portal: Rc<Portal>,
    pub http: FakeHttp,
    pub store: FakeStore,
    pub tokens: FakeTokens,
    pub guard: DrainGuard,
    pub budget: RefCell<RateBudget>,
    /// The account signed in: every entry the harness makes is its.
    pub account: crate::ids::Account,
}

impl Harness {
    pub fn new() -> Self {
        let clock = Rc::new(FakeClock::at(T0));
        let portal = Rc::new(Portal {
            clock: clock.clone(),
            calls: RefCell::default(),
            completed_tasks: RefCell::default(),
            create_times: RefCell::default(),
            search_times: RefCell::default(),
            deleted_tasks: RefCell::default(),
            create_faults: RefCell::default(),
            task_faults: RefCell::default(),
            association_faults: RefCell::default(),
            batch_read_faults: RefCell::default(),
            archived: RefCell::default(),
            remaining: std::cell::Cell::new(None),
            batch_update_faults: RefCell::default(),
            batch_updates: RefCell::default(),
        });
        let answering = portal.clone();
        Harness {
            clock,
            portal,
            http: FakeHttp::responding(move |req| answering.answer(req).map(|r| answering.with_rate_headers(req, r))),
            store: FakeStore::default(),
            tokens: FakeTokens::new(),
            guard: DrainGuard::new(),
            budget: RefCell::new(RateBudget::new()),
            account: account_a(),
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.now.get()
    }

    pub fn client(&self) -> Client<'_, FakeHttp, FakeClock, FakeTokens> {
        Client::new(&self.http, &*self.clock, &self.tokens, self.budget.borrow().clone())
    }

    pub fn drain(&self) -> DrainReport {
        let client = self.client();
        let report = block_on(drain(&self.guard, &self.store, &client, &*self.clock, Some(&self.account)));
        *self.budget.borrow_mut() = client.budget();
        report
    }

    /// What the alarm does: wait until `next_wake_at_ms`, then drain.
    pub fn wake_and_drain(&self) -> DrainReport {
        let at = self.next_wake().expect("an alarm is set");
        assert!(at >= self.now(), "the alarm is never set in the past");
        self.clock.now.set(at);
        self.drain()
    }

    pub fn next_wake(&self) -> Option<i64> {
        block_on(next_wake_at_ms(&self.store, self.now(), Some(&self.account))).expect("store")
    }

    /// Enqueues call `n` of contact `500 + n`, with a task when given.
    pub fn enqueue(&self, n: u8, task: Option<&str>) -> EntryId {
        block_on(enqueue(&self.store, &*self.clock, new_entry(n, task))).expect("enqueued")
    }

    pub fn entry(&self, id: &EntryId) -> Option<Entry> {
        self.store.value(Area::Local, &id.key()).map(|v| serde_json::from_value(v).expect("a readable entry"))
    }

    pub fn creates(&self) -> usize {
        self.http.count_where(|r| r.method == Method::Post && r.url == CALLS)
    }

    pub fn searches(&self) -> usize {
        self.http.count_where(|r| r.url == SEARCH)
    }

    /// Contact→call association reads (exempt from the ten-secondly window).
    pub fn association_reads(&self) -> usize {
        self.http.count_where(|r| r.url == CONTACT_CALLS)
    }

    /// Runs the due duplicate checks, as the worker does after each drain.
    pub fn verify(&self) -> crate::outbox::verify::VerifyReport {
        let client = self.client();
        let report = block_on(crate::outbox::verify::run_due(&self.store, &client, &*self.clock, Some(&self.account)))
            .expect("store");
        *self.budget.borrow_mut() = client.budget();
        report
    }

    pub fn task_patches(&self) -> usize {
        self.http.count_where(|r| r.method == Method::Patch)
    }
}

pub fn external_id(n: u8) -> String {
    super::external_id_from_random(&[n; 16])
}

/// The account the harness's logs are made under and drained as.
pub fn account_a() -> crate::ids::Account {
    crate::ids::Account { portal: crate::ids::PortalId::new("62515"), user: crate::ids::UserId::new("1001") }
}

pub fn new_entry(n: u8, task: Option<&str>) -> NewEntry {
    NewEntry {
        account: account_a(),
        log: CallLog {
            external_id: external_id(n),
            contact: ContactId::new((500 + n as u32).to_string()),
            owner: Some(OwnerId::new("41629779")),
            started_at_ms: T0 - 120_000,
            duration_ms: 95_000,
            title: Some("Call with Ana".into()),
            notes: Some("Wants a quote".into()),
            to_number: Some("+13855550111".into()),
            from_number: None,
            outcome: Some("f240bbac-87c9-4f6e-bf70-924b57d47db7".into()),
            status: CallStatus::Completed,
        },
        task: task.map(TaskId::new),
        contact_name: ["Ana ", &n.to_string()].concat(),
    }
}

/// Polls `fut` once with a waker that does nothing (the fakes wake themselves).
pub fn poll_once<F: Future>(fut: Pin<&mut F>) -> Poll<F::Output> {
    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }
    let waker = Waker::from(Arc::new(Noop));
    fut.poll(&mut Context::from_waker(&waker))
}
