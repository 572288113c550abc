//! Task requests: search "my open call tasks due by T" (API-FACTS §5, §11) page by page, and
//! complete a task. Layer: core (pure). Search pages hold at most 200 results and a query
//! reaches at most 10,000 (paging beyond gives a 400), so the loader stops at the ceiling.

use super::error::ApiError;
use super::model::{json_body, next_after, results, Page, Task};
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
/// The filters every "open call task of this rep" search starts with (§5), plus `last`.
fn open_call_task_filters(owner: &OwnerId, last: Value) -> Value {
    json!([
        { "propertyName": "hs_task_type", "operator": "EQ", "value": "CALL" },
        { "propertyName": "hs_task_status", "operator": "NEQ", "value": "COMPLETED" },
        { "propertyName": "hubspot_owner_id", "operator": "EQ", "value": owner.as_str() },
        last,
    ])
}

pub fn search_open_call_tasks(owner: &OwnerId, due_by_ms: i64, limit: u32, after: Option<&str>) -> HttpRequest {
    let due = json!({ "propertyName": "hs_timestamp", "operator": "LTE", "value": due_by_ms.to_string() });
    let mut body = json!({
        "filterGroups": [{ "filters": open_call_task_filters(owner, due) }],
        // §11: one sort rule, object form (the spec's string form does not match the docs).
        "sorts": [{ "propertyName": "hs_timestamp", "direction": "ASCENDING" }],
        "properties": TASK_PROPERTIES,
        "limit": limit.clamp(1, SEARCH_PAGE_MAX),
    });
    if let (Some(after), Some(map)) = (after, body.as_object_mut()) {
        map.insert("after".into(), Value::String(after.to_string()));
    }
    HttpRequest::new(Method::Post, version::objects_url("tasks", "/search")).json(&body)
}

/// One page of tasks; `total` is HubSpot's count of all matches.
/// `POST …/tasks/search` for the rep's open CALL tasks on one contact, soonest due first
/// (§5: the `associations.contact` pseudo-property). One page of 10 is plenty for a card.
pub fn search_open_call_tasks_for_contact(owner: &OwnerId, contact: &crate::ids::ContactId) -> HttpRequest {
    let on_contact = json!({ "propertyName": "associations.contact", "operator": "EQ", "value": contact.as_str() });
    let body = json!({
        "filterGroups": [{ "filters": open_call_task_filters(owner, on_contact) }],
        "sorts": [{ "propertyName": "hs_timestamp", "direction": "ASCENDING" }],
        "properties": TASK_PROPERTIES,
        "limit": 10,
    });
    HttpRequest::new(Method::Post, version::objects_url("tasks", "/search")).json(&body)
}

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

#[cfg(test)]
mod contact_task_tests {
    use super::*;
    use crate::ids::ContactId;

    #[test]
    fn a_contacts_open_call_tasks_are_searched_by_association() {
        let req = search_open_call_tasks_for_contact(&OwnerId::new("501"), &ContactId::new("202"));
        assert_eq!(req.url, "https://api.hubapi.com/crm/objects/2026-03/tasks/search");
        let body: Value = serde_json::from_str(req.body.as_deref().unwrap()).unwrap();
        let filters = &body["filterGroups"][0]["filters"];
        assert_eq!(filters[3], json!({"propertyName": "associations.contact", "operator": "EQ", "value": "202"}));
        assert_eq!(filters[2]["value"], "501");
        assert_eq!(body["limit"], 10);
    }
}
