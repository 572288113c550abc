//! Task requests: search "my open call tasks due by T" (API-FACTS §5, §11) page by page,
//! batch-read a contact's tasks to pick its open call task (§12), and complete a task.
//! Layer: core (pure). Search pages hold at most 200 results and a query
//! reaches at most 10,000 (paging beyond gives a 400), so the loader stops at the ceiling.

use super::error::ApiError;
use super::model::{batch_read_body, filter, json_body, next_after, results, search_body, Page, Task};
use super::version;
use crate::ids::{OwnerId, TaskId};
use crate::ports::{path_segment, HttpRequest, HttpResponse, Method};
use serde_json::{json, Value};

/// Maximum `limit` of a search page (§11).
pub const SEARCH_PAGE_MAX: u32 = 200;
/// Results a single search query can reach (§11).
pub const SEARCH_CEILING: usize = 10_000;

/// The properties the queue reads. Tasks return almost nothing by default (§5).
pub const TASK_PROPERTIES: [&str; 6] =
    ["hs_task_subject", "hs_task_status", "hs_task_priority", "hs_task_type", "hs_timestamp", "hubspot_owner_id"];

/// `POST /crm/objects/2026-03/tasks/search`: CALL tasks of `owner`, not completed, due at or
/// before `due_by_ms`, oldest due first. Values are strings; enum matching is case-sensitive
/// (§5, §11). `limit` is clamped to 1..=200; `after` is the cursor from the previous page.
/// `open_call_task_of` applies the same filters to tasks read by id.
pub fn search_open_call_tasks(owner: &OwnerId, due_by_ms: i64, limit: u32, after: Option<&str>) -> HttpRequest {
    let filters = vec![
        filter("hs_task_type", "EQ", Value::from("CALL")),
        filter("hs_task_status", "NEQ", Value::from("COMPLETED")),
        filter("hubspot_owner_id", "EQ", Value::from(owner.as_str())),
        filter("hs_timestamp", "LTE", Value::from(due_by_ms.to_string())),
    ];
    // §11: one sort rule, object form (the spec's string form does not match the docs).
    let sorts = json!([{ "propertyName": "hs_timestamp", "direction": "ASCENDING" }]);
    let body =
        search_body(filters, &TASK_PROPERTIES, limit.clamp(1, SEARCH_PAGE_MAX), after).set("sorts", sorts).done();
    HttpRequest::new(Method::Post, version::objects_url("tasks", "/search")).json(&body)
}

/// `POST /crm/objects/2026-03/tasks/batch/read` with the queue's properties (§12). Batch reads
/// take at most 100 inputs: past that, the 100 newest ids (HubSpot's ids grow over time, and an
/// open task is a recent one) are read, so the request is never refused for its size.
pub fn batch_read_tasks(ids: &[TaskId]) -> HttpRequest {
    let mut rest: Vec<&TaskId> = ids.iter().collect();
    if rest.len() > super::contacts::BATCH_READ_MAX {
        // Rare (a contact with over 100 tasks): picked one by one rather than sorted, which
        // keeps a sort out of the shipped wasm. Digit ids compare by length, then text.
        let mut newest = Vec::with_capacity(super::contacts::BATCH_READ_MAX);
        while newest.len() < super::contacts::BATCH_READ_MAX {
            let Some((i, _)) = rest.iter().enumerate().max_by_key(|(_, id)| (id.as_str().len(), id.as_str())) else {
                break;
            };
            newest.push(rest.swap_remove(i));
        }
        rest = newest;
    }
    HttpRequest::new(Method::Post, version::objects_url("tasks", "/batch/read"))
        .json(&batch_read_body(Some(&TASK_PROPERTIES), rest.iter().map(|id| id.as_str())))
}

/// The tasks of a batch read (a 207 lists deleted ids in `errors[]`; the rest still count).
pub fn parse_task_batch(resp: &HttpResponse) -> Result<Vec<Task>, ApiError> {
    let body = json_body(resp)?;
    Ok(results(&body, "task batch")?.iter().filter_map(Task::from_object).collect())
}

/// The task a dial offers among `tasks`: what the queue's search asks for (§5: type CALL,
/// status not COMPLETED, owned by `owner`), soonest due first (no due time last), then id.
pub fn open_call_task_of(tasks: Vec<Task>, owner: &OwnerId) -> Option<Task> {
    tasks
        .into_iter()
        .filter(|t| {
            t.task_type.as_deref() == Some("CALL")
                && t.status.as_deref() != Some("COMPLETED")
                && t.owner.as_ref() == Some(owner)
        })
        .min_by_key(|t| (t.due_ms.unwrap_or(i64::MAX), t.id.as_str().len(), t.id.0.clone()))
}

/// One page of tasks; `total` is HubSpot's count of all matches.
pub fn parse_task_page(resp: &HttpResponse) -> Result<Page<Task>, ApiError> {
    let body = json_body(resp)?;
    Ok(Page {
        items: results(&body, "task search")?.iter().filter_map(Task::from_object).collect(),
        next_after: next_after(&body),
        total: body.get("total").and_then(Value::as_u64),
    })
}

/// `PATCH /crm/objects/2026-03/tasks/{id}` with `hs_task_status = COMPLETED` (§5).
pub fn complete_task(id: &TaskId) -> HttpRequest {
    let rest = ["/", &path_segment(id.as_str())].concat();
    HttpRequest::new(Method::Patch, version::objects_url("tasks", &rest))
        .json(&json!({ "properties": { "hs_task_status": "COMPLETED" } }))
}

/// Checks the answer to `complete_task`: a 2xx with the task's id.
pub fn parse_completed(resp: &HttpResponse) -> Result<TaskId, ApiError> {
    let body = json_body(resp)?;
    Task::from_object(&body).map(|t| t.id).ok_or_else(|| ApiError::malformed("an updated task without an id"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_of(req: &HttpRequest) -> Value {
        serde_json::from_str(req.body.as_deref().unwrap_or("null")).unwrap_or(Value::Null)
    }

    #[test]
    fn search_body_matches_the_documented_query() {
        let req = search_open_call_tasks(&OwnerId::new("41629779"), 1_767_225_600_000, 200, None);
        assert_eq!(req.method, Method::Post);
        assert_eq!(req.url, "https://api.hubapi.com/crm/objects/2026-03/tasks/search");
        assert_eq!(
            body_of(&req),
            json!({"filterGroups":[{"filters":[
                {"propertyName":"hs_task_type","operator":"EQ","value":"CALL"},
                {"propertyName":"hs_task_status","operator":"NEQ","value":"COMPLETED"},
                {"propertyName":"hubspot_owner_id","operator":"EQ","value":"41629779"},
                {"propertyName":"hs_timestamp","operator":"LTE","value":"1767225600000"}]}],
              "sorts":[{"propertyName":"hs_timestamp","direction":"ASCENDING"}],
              "properties":["hs_task_subject","hs_task_status","hs_task_priority","hs_task_type","hs_timestamp","hubspot_owner_id"],
              "limit":200})
        );
        assert!(req.body.as_deref().unwrap_or("").len() < 3_000, "§11: bodies over 3,000 chars get a 400");
    }

    #[test]
    fn a_batch_completion_names_at_most_100_tasks_and_reads_a_207_partial() {
        let ids: Vec<TaskId> = (0..105).map(|n| TaskId::new((70_000 + n).to_string())).collect();
        let req = complete_tasks(&ids);
        assert_eq!(req.method, Method::Post);
        assert_eq!(req.url, "https://api.hubapi.com/crm/objects/2026-03/tasks/batch/update");
        let body = body_of(&req);
        let inputs = body["inputs"].as_array().expect("inputs");
        assert_eq!(inputs.len(), BATCH_UPDATE_MAX, "§12: at most 100 inputs");
        assert_eq!(inputs[0], json!({"id": "70000", "properties": {"hs_task_status": "COMPLETED"}}));

        let answer = crate::testing::response;
        let partial = answer(
            207,
            r#"{"status":"COMPLETE","results":[{"id":"70003","properties":{"hs_task_status":"COMPLETED"}}],
               "numErrors":2,"errors":[{"status":"error","category":"OBJECT_NOT_FOUND","context":{"ids":["70009"]}},
               {"status":"error","category":"VALIDATION_ERROR","context":{"ids":["70004"]}}]}"#,
        );
        let read = parse_batch_completed(&partial).expect("a 207 is an answer");
        assert_eq!(read.completed, vec![TaskId::new("70003")]);
        assert_eq!(read.gone, vec![TaskId::new("70009")], "only a not-found error means the task is gone");
        assert!(parse_batch_completed(&answer(200, "{}")).is_err(), "no results list");
        assert!(parse_batch_completed(&answer(200, "<html>")).is_err());
        assert!(matches!(
            parse_batch_completed(&answer(429, r#"{"status":"error","policyName":"TEN_SECONDLY_ROLLING"}"#)),
            Err(ApiError::RateLimited { .. })
        ));
    }

    #[test]
    fn search_pages_on_and_clamps_limit() {
        let req = search_open_call_tasks(&OwnerId::new("1"), 0, 5_000, Some("400"));
        let body = body_of(&req);
        assert_eq!(body["after"], "400");
        assert_eq!(body["limit"], 200);
        assert_eq!(body_of(&search_open_call_tasks(&OwnerId::new("1"), 0, 0, None))["limit"], 1);
    }

    #[test]
    fn task_page_is_parsed() {
        let body = r#"{"total":3,"results":[
            {"id":"11","properties":{"hs_task_subject":"Call Ana","hs_task_status":"NOT_STARTED","hs_task_priority":"HIGH","hs_task_type":"CALL","hs_timestamp":"2026-09-28T14:00:00Z","hubspot_owner_id":"41629779","hs_object_id":"11"},"createdAt":"x","updatedAt":"x","archived":false},
            {"id":"12","properties":{"hs_timestamp":"1790000000000"}},
            {"properties":{}}],
            "paging":{"next":{"after":"2","link":"https://api.hubapi.com/…"}}}"#;
        let page = parse_task_page(&HttpResponse { status: 200, headers: vec![], body: body.into() }).unwrap();
        assert_eq!(page.items.len(), 2, "an entry without id is skipped");
        assert_eq!(page.items[0].subject.as_deref(), Some("Call Ana"));
        assert_eq!(page.items[0].due_ms, Some(1_790_604_000_000));
        assert_eq!(page.next_after.as_deref(), Some("2"));
        assert_eq!(page.total, Some(3));
    }

    #[test]
    fn complete_task_patch() {
        let req = complete_task(&TaskId::new("77"));
        assert_eq!(req.method, Method::Patch);
        assert_eq!(req.url, "https://api.hubapi.com/crm/objects/2026-03/tasks/77");
        assert_eq!(body_of(&req), json!({"properties":{"hs_task_status":"COMPLETED"}}));
        let resp = HttpResponse {
            status: 200,
            headers: vec![],
            body: r#"{"id":"77","properties":{"hs_task_status":"COMPLETED"}}"#.into(),
        };
        assert_eq!(parse_completed(&resp).unwrap(), TaskId::new("77"));
    }
}

/// Most inputs one object batch update takes (§12).
pub const BATCH_UPDATE_MAX: usize = 100;

/// `POST /crm/objects/2026-03/tasks/batch/update`, every task `hs_task_status = COMPLETED`
/// (§5, §12): one write for several completions. At most `BATCH_UPDATE_MAX` ids are sent; the
/// caller groups at most that many.
pub fn complete_tasks(ids: &[TaskId]) -> HttpRequest {
    let inputs: Vec<Value> = ids
        .iter()
        .take(BATCH_UPDATE_MAX)
        .map(|id| json!({ "id": id.as_str(), "properties": { "hs_task_status": "COMPLETED" } }))
        .collect();
    HttpRequest::new(Method::Post, version::objects_url("tasks", "/batch/update")).json(&json!({ "inputs": inputs }))
}

/// What a batch completion did: the tasks HubSpot answered for (completed), and those it named
/// as not found (deleted meanwhile). A task in neither is not known to be completed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchCompleted {
    pub completed: Vec<TaskId>,
    pub gone: Vec<TaskId>,
}

/// Reads the answer to `complete_tasks`: 200, or 207 with `errors[]` (§12).
pub fn parse_batch_completed(resp: &HttpResponse) -> Result<BatchCompleted, ApiError> {
    let body = json_body(resp)?;
    let completed = results(&body, "task batch update")?.iter().filter_map(Task::from_object).map(|t| t.id).collect();
    let gone = super::model::batch_errors(&body)
        .into_iter()
        .filter(|e| e.category.as_deref() == Some("OBJECT_NOT_FOUND"))
        .flat_map(|e| e.ids.into_iter().map(TaskId::new))
        .collect();
    Ok(BatchCompleted { completed, gone })
}

#[cfg(test)]
mod contact_task_tests {
    use super::*;

    fn task(id: &str, kind: &str, status: &str, owner: &str, due: &str) -> Value {
        let subject = ["Task ", id].concat();
        json!({"id": id, "properties": {"hs_task_type": kind, "hs_task_status": status, "hubspot_owner_id": owner,
            "hs_timestamp": due, "hs_task_subject": subject}})
    }

    #[test]
    fn a_contacts_tasks_are_read_in_one_batch_with_the_queues_properties() {
        let req = batch_read_tasks(&[TaskId::new("701"), TaskId::new("702")]);
        assert_eq!(
            (req.method, req.url.as_str()),
            (Method::Post, "https://api.hubapi.com/crm/objects/2026-03/tasks/batch/read")
        );
        let body: Value = serde_json::from_str(req.body.as_deref().unwrap_or("")).unwrap();
        assert_eq!(body, json!({"properties": TASK_PROPERTIES, "inputs": [{"id": "701"}, {"id": "702"}]}));
        // §12: at most 100 inputs; the newest ids are the ones read.
        let many: Vec<TaskId> = (1..=150).map(|i| TaskId::new(i.to_string())).collect();
        let body: Value = serde_json::from_str(batch_read_tasks(&many).body.as_deref().unwrap_or("")).unwrap();
        let inputs = body["inputs"].as_array().unwrap();
        assert_eq!(inputs.len(), 100);
        assert!(inputs.iter().all(|i| i["id"].as_str().unwrap().parse::<u32>().unwrap() > 50), "{inputs:?}");
    }

    #[test]
    fn the_offered_task_is_the_reps_soonest_open_call_task() {
        let body = json!({"status": "COMPLETE", "results": [
            task("1", "CALL", "COMPLETED", "501", "2026-01-01T00:00:00Z"),
            task("2", "EMAIL", "NOT_STARTED", "501", "2026-01-02T00:00:00Z"),
            task("3", "CALL", "NOT_STARTED", "999", "2026-01-03T00:00:00Z"),
            task("4", "CALL", "WAITING", "501", "2026-03-01T00:00:00Z"),
            task("5", "CALL", "NOT_STARTED", "501", "2026-02-01T00:00:00Z"),
            {"id": "6", "properties": {"hs_task_type": "CALL", "hs_task_status": "NOT_STARTED", "hubspot_owner_id": "501"}}],
            "numErrors": 1, "errors": [{"status": "error", "category": "OBJECT_NOT_FOUND", "context": {"ids": ["7"]}}]});
        let resp = HttpResponse { status: 207, headers: vec![], body: body.to_string() };
        let tasks = parse_task_batch(&resp).unwrap();
        assert_eq!(tasks.len(), 6);
        let picked = open_call_task_of(tasks.clone(), &OwnerId::new("501")).map(|t| t.id);
        assert_eq!(picked, Some(TaskId::new("5")), "completed, not CALL, another rep's: skipped; earliest due wins");
        let only_undated: Vec<Task> = tasks.into_iter().filter(|t| t.id.as_str() == "6").collect();
        assert_eq!(open_call_task_of(only_undated, &OwnerId::new("501")).map(|t| t.id), Some(TaskId::new("6")));
        assert_eq!(open_call_task_of(vec![], &OwnerId::new("501")), None);
    }
}
