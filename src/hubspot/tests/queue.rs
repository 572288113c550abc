//! Queue loader tests against a small fake portal: the requests sent for 0, 1, 250 and 1,050
//! tasks (counts by kind, never one per task), their shapes, ordering, tasks without a contact,
//! and a list queue. Also prints the request-count table for the benchmark.
//! Layer: core tests (native only).

use super::*;
use crate::hubspot::queue::{
    due_horizon_ms, load_list_queue, load_task_queue, naive_request_count, planned_request_count, QueueContact,
    MAX_HORIZON_DAYS,
};
use crate::hubspot::{dialing_properties, Client, Priority, RateBudget};
use crate::ids::{ListId, OwnerId};
use crate::ports::Method;
use serde_json::{json, Value};
use std::rc::Rc;

const BASE_DUE: i64 = 1_790_000_000_000;
const SEARCH: &str = "https://api.hubapi.com/crm/objects/2026-03/tasks/search";
const ASSOC: &str = "https://api.hubapi.com/crm/associations/2026-03/tasks/contacts/batch/read";
const CONTACTS: &str = "https://api.hubapi.com/crm/objects/2026-03/contacts/batch/read";

/// Task `i` (1-based): due in groups of three, priorities cycling, every 10th without a
/// contact, every 7th sharing the contact of the task before it, contact 500 deleted.
fn contact_of(i: u64) -> Option<u64> {
    match i {
        _ if i % 10 == 0 => None,
        _ if i % 7 == 0 => Some(100_000 + i - 1),
        _ => Some(100_000 + i),
    }
}

fn task_json(i: u64) -> Value {
    let priority = ["LOW", "HIGH", "", "MEDIUM"][(i % 4) as usize];
    // Half the due times as ISO strings, half as epoch-ms strings (§5: both occur).
    let due = BASE_DUE + (i as i64 / 3) * 60_000;
    let due = if i % 2 == 0 { due.to_string() } else { crate::hubspot::timestamp::iso_utc(due).unwrap_or_default() };
    json!({"id": i.to_string(), "properties": {"hs_task_subject": (["Call #", &i.to_string()].concat()),
        "hs_task_status": "NOT_STARTED", "hs_task_priority": priority, "hs_task_type": "CALL",
        "hs_timestamp": due, "hubspot_owner_id": "41629779", "hs_object_id": i.to_string()},
        "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z", "archived": false})
}

/// A fake portal holding `n` open call tasks of owner 41629779, answering like HubSpot does.
fn portal(n: u64) -> impl Fn(&HttpRequest) -> Answer {
    move |req| {
        assert!(req.header_value("Authorization").is_some_and(|a| a.starts_with("Bearer ")));
        let body: Value = serde_json::from_str(req.body.as_deref().unwrap_or("null")).unwrap_or(Value::Null);
        let ok = |status: u16, v: Value| Ok(response(status, &v.to_string()));
        match (req.method, req.url.as_str()) {
            (Method::Post, SEARCH) => {
                let filters = &body["filterGroups"][0]["filters"];
                assert_eq!(filters[2]["value"], "41629779");
                let limit = body["limit"].as_u64().unwrap_or(10);
                assert!(limit <= 200);
                let from: u64 = body["after"].as_str().map(|a| a.parse().unwrap_or(0)).unwrap_or(0);
                assert!(from < 10_000, "§11: paging past 10,000 is a 400");
                let to = (from + limit).min(n);
                let results: Vec<Value> = (from + 1..=to).map(task_json).collect();
                let mut page = json!({"total": n, "results": results});
                if to < n {
                    page["paging"] = json!({"next": {"after": to.to_string(), "link": "…"}});
                }
                ok(200, page)
            }
            (Method::Post, ASSOC) => {
                let inputs = body["inputs"].as_array().cloned().unwrap_or_default();
                assert!(inputs.len() <= 1_000);
                let mut results = Vec::new();
                let mut errors = Vec::new();
                for input in inputs {
                    let id: u64 = input["id"].as_str().and_then(|s| s.parse().ok()).unwrap_or(0);
                    match contact_of(id) {
                        Some(c) => results.push(json!({"from": {"id": id.to_string()}, "to": [{"toObjectId": c,
                            "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 204, "label": null}]}]})),
                        None => errors.push(json!({"status": "error", "category": "OBJECT_NOT_FOUND",
                            "message": "No associations found", "context": {"fromObjectId": [id.to_string()]}})),
                    }
                }
                let status = if errors.is_empty() { 200 } else { 207 };
                ok(
                    status,
                    json!({"status": "COMPLETE", "results": results, "numErrors": errors.len(), "errors": errors,
                    "startedAt": "2026-01-01T00:00:00Z", "completedAt": "2026-01-01T00:00:00Z"}),
                )
            }
            (Method::Post, CONTACTS) => {
                let inputs = body["inputs"].as_array().cloned().unwrap_or_default();
                assert!(inputs.len() <= 100);
                assert_eq!(body["properties"][4], "phone");
                let results: Vec<Value> = inputs
                    .iter()
                    .filter_map(|i| i["id"].as_str())
                    .filter(|id| *id != "100500")
                    .map(|id| json!({"id": id, "properties": {"firstname": "Ana", "lastname": id, "phone": "+13855550100"}}))
                    .collect();
                ok(
                    207,
                    json!({"status": "COMPLETE", "results": results, "errors": [{"status": "error",
                    "category": "OBJECT_NOT_FOUND", "context": {"ids": ["100500"]}}]}),
                )
            }
            (Method::Get, url)
                if url.starts_with("https://api.hubapi.com/crm/lists/2026-03/42/memberships?limit=250") =>
            {
                let from: u64 = url.split("after=").nth(1).and_then(|a| a.parse().ok()).unwrap_or(0);
                let to = (from + 250).min(n);
                let results: Vec<Value> = (from + 1..=to)
                    .map(|i| {
                        json!({"recordId": (100_000 + i).to_string(),
                    "membershipTimestamp": "2026-01-01T00:00:00Z"})
                    })
                    .collect();
                let mut page = json!({"results": results, "total": n});
                if to < n {
                    page["paging"] = json!({"next": {"after": to.to_string()}});
                }
                ok(200, page)
            }
            _ => panic!("unexpected request {} {}", req.method.as_str(), req.url),
        }
    }
}

struct Run {
    http: Rc<FakeHttp>,
    queue: crate::hubspot::Queue,
    sleeps: Vec<u64>,
}

fn load(n: u64) -> Run {
    let http = Rc::new(FakeHttp::responding(portal(n)));
    let (clock, tokens) = (FakeClock::at(BASE_DUE), FakeTokens::new());
    let client = Client::new(&*http, &clock, &tokens, RateBudget::new());
    let owner = OwnerId::new("41629779");
    let queue =
        block_on(load_task_queue(&client, &owner, BASE_DUE + 86_400_000, BASE_DUE + 1, &dialing_properties(&[])))
            .expect("queue loads");
    let sleeps = clock.sleeps.borrow().clone();
    Run { http, queue, sleeps }
}

fn kinds(http: &FakeHttp) -> (usize, usize, usize) {
    (
        http.count_where(|r| r.url == SEARCH),
        http.count_where(|r| r.url == ASSOC),
        http.count_where(|r| r.url == CONTACTS),
    )
}

fn distinct_contacts(n: u64) -> usize {
    let mut ids: Vec<u64> = (1..=n).filter_map(contact_of).collect();
    ids.dedup();
    ids.len()
}

#[test]
fn request_counts_for_0_1_250_and_1050_tasks() {
    for (n, expected) in [(0, (1, 0, 0)), (1, (1, 1, 1)), (250, (2, 1, 2)), (1_050, (6, 2, 9))] {
        let run = load(n);
        assert_eq!(kinds(&run.http), expected, "{n} tasks");
        assert_eq!(run.http.count(), expected.0 + expected.1 + expected.2, "nothing else was sent for {n} tasks");
        assert_eq!(run.queue.items.len(), n as usize);
        let plan = planned_request_count(n as usize, distinct_contacts(n));
        assert_eq!((plan.searches as usize, plan.reads as usize), (expected.0, expected.1 + expected.2));
        if n >= 10 {
            assert!(run.http.count() * 10 < naive_request_count(n as usize) as usize, "batching beats one-per-object");
        }
        assert!(run.sleeps.iter().all(|&s| s >= 50), "{:?}", run.sleeps);
    }
}

#[test]
fn exact_requests_for_one_task() {
    let run = load(1);
    let sent = run.http.sent.borrow();
    let body = |i: usize| serde_json::from_str::<Value>(sent[i].body.as_deref().unwrap_or("")).unwrap_or(Value::Null);
    assert_eq!(sent[0].url, SEARCH);
    assert_eq!(body(0)["limit"], 200);
    assert!(body(0).get("after").is_none());
    assert_eq!(
        body(0)["filterGroups"][0]["filters"][3],
        json!({"propertyName":"hs_timestamp","operator":"LTE","value":(BASE_DUE + 86_400_000).to_string()})
    );
    assert_eq!((sent[1].method, sent[1].url.as_str()), (Method::Post, ASSOC));
    assert_eq!(body(1), json!({"inputs":[{"id":"1"}]}));
    assert_eq!(
        body(2),
        json!({"properties":["firstname","lastname","company","jobtitle","phone","mobilephone","hs_timezone","country"],"inputs":[{"id":"100001"}]})
    );
}

#[test]
fn search_pages_follow_the_cursor() {
    let run = load(1_050);
    let afters: Vec<Value> = run
        .http
        .sent
        .borrow()
        .iter()
        .filter(|r| r.url == SEARCH)
        .map(|r| serde_json::from_str::<Value>(r.body.as_deref().unwrap_or("")).unwrap_or(Value::Null)["after"].clone())
        .collect();
    assert_eq!(afters, [Value::Null, json!("200"), json!("400"), json!("600"), json!("800"), json!("1000")]);
    // 9 distinct contacts chunks: 100 per batch, none repeated.
    let batch_sizes: Vec<usize> = run
        .http
        .sent
        .borrow()
        .iter()
        .filter(|r| r.url == CONTACTS)
        .map(|r| {
            serde_json::from_str::<Value>(r.body.as_deref().unwrap_or("")).unwrap_or(Value::Null)["inputs"]
                .as_array()
                .map_or(0, Vec::len)
        })
        .collect();
    assert_eq!(batch_sizes.iter().sum::<usize>(), distinct_contacts(1_050));
    assert!(batch_sizes.iter().all(|&s| s <= 100));
}

#[test]
fn order_is_due_then_priority_and_contacts_are_attached() {
    let run = load(250);
    let items = &run.queue.items;
    let keys: Vec<(i64, Priority)> = items
        .iter()
        .map(|i| i.task.as_ref().map(|t| (t.due_ms.unwrap_or(i64::MAX), t.priority)).unwrap_or((0, Priority::None)))
        .collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]), "sorted by due, then priority");
    // Tasks 3, 4, 5 share a due time: HIGH (5), then MEDIUM (3), then LOW (4).
    let group: Vec<&str> = items
        .iter()
        .filter_map(|i| i.task.as_ref())
        .filter(|t| t.due_ms == Some(BASE_DUE + 60_000))
        .map(|t| t.id.as_str())
        .collect();
    assert_eq!(group, ["5", "3", "4"]);
    let task = |id: &str| items.iter().find(|i| i.task.as_ref().is_some_and(|t| t.id.as_str() == id)).expect("kept");
    assert_eq!(task("10").contact, QueueContact::NoContact, "a task without a contact is kept and marked");
    match &task("7").contact {
        QueueContact::Found(c) => assert_eq!(c.id.as_str(), "100006", "shared contact is read once and used twice"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(&task("11").contact, QueueContact::Found(c) if c.phone.as_deref() == Some("+13855550100")));
    assert!(task("1").overdue && !task("250").overdue);
}

#[test]
fn a_list_queue_reads_members_in_batches_and_marks_deleted_ones() {
    let http = FakeHttp::responding(portal(600));
    let (clock, tokens) = (FakeClock::at(0), FakeTokens::new());
    let client = Client::new(&http, &clock, &tokens, RateBudget::new());
    let queue = block_on(load_list_queue(&client, &ListId::new("42"), &dialing_properties(&[]))).unwrap();
    assert_eq!(queue.items.len(), 600);
    assert!(!queue.truncated);
    assert_eq!(http.count_where(|r| r.url.contains("/memberships")), 3, "250 per page");
    assert_eq!(http.count_where(|r| r.url == CONTACTS), 6, "100 per batch");
    assert!(queue
        .items
        .iter()
        .any(|i| matches!(&i.contact, QueueContact::Unreadable { id } if id.as_str() == "100500")));
    assert!(queue.items.iter().all(|i| i.task.is_none()));
}

#[test]
fn the_search_ceiling_stops_paging_at_10000() {
    let run = load(10_450);
    assert_eq!(kinds(&run.http).0, 50, "50 pages of 200, then stop (§11)");
    assert!(run.queue.truncated);
    assert_eq!(run.queue.items.len(), 10_000);
}

#[test]
fn an_error_midway_is_reported_not_swallowed() {
    let inner = portal(300);
    let http = FakeHttp::responding(move |req| {
        if req.url == CONTACTS {
            return Ok(response(
                403,
                r#"{"status":"error","category":"MISSING_SCOPES","context":{"missingScopes":["crm.objects.contacts.read"]}}"#,
            ));
        }
        inner(req)
    });
    let (clock, tokens) = (FakeClock::at(0), FakeTokens::new());
    let client = Client::new(&http, &clock, &tokens, RateBudget::new());
    let err = block_on(load_task_queue(&client, &OwnerId::new("41629779"), BASE_DUE * 2, 0, &dialing_properties(&[])))
        .unwrap_err();
    assert!(err.failure().message.contains("crm.objects.contacts.read"));
}

/// `cargo test hubspot::tests::queue::request_table -- --nocapture` prints the benchmark table.
#[test]
fn request_table() {
    println!("tasks  searches  assoc+contact reads  total  naive(one per object)");
    for n in [10usize, 100, 1_000] {
        let plan = planned_request_count(n, n);
        println!(
            "{n:>5}  {:>8}  {:>19}  {:>5}  {:>5}",
            plan.searches,
            plan.reads,
            plan.total(),
            naive_request_count(n)
        );
        let run = load(n as u64);
        assert!(run.http.count() as u32 <= plan.total());
    }
}

#[test]
fn horizon_is_the_end_of_the_local_day() {
    const DAY_MS: i64 = 86_400_000;
    // 2026-11-27 10:00 UTC; a rep in UTC-5 is at 05:00 local, so "today" ends at 04:59:59.999Z next day.
    let now = 1_795_773_600_000;
    assert_eq!(due_horizon_ms(now, 0, 0), 1_795_823_999_999);
    assert_eq!(due_horizon_ms(now, -5 * 3_600_000, 0), 1_795_823_999_999 + 5 * 3_600_000);
    assert_eq!(due_horizon_ms(now, 0, 2), 1_795_823_999_999 + 2 * DAY_MS);
    assert_eq!(due_horizon_ms(now, 0, 400), 1_795_823_999_999 + MAX_HORIZON_DAYS * DAY_MS);
    assert_eq!(due_horizon_ms(now, 0, -3), 1_795_823_999_999);
}
