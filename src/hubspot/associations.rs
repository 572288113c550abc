//! Task→contact associations read in batches of up to 1,000 task ids (API-FACTS §5, §7, §12).
//! Layer: core (pure). Result shape (§7): `{from:{id}, to:[{toObjectId, associationTypes:
//! [{category,typeId,label}]}]}`; tasks with no contact come back in `errors[]` of a 207.

use super::error::ApiError;
use super::model::{json_body, results, text};
use super::version;
use crate::ids::{ContactId, TaskId};
use crate::ports::{HttpRequest, HttpResponse, Method};
use serde_json::{json, Value};

/// Association batch reads take up to 1,000 ids (§12).
pub const ASSOCIATION_BATCH_MAX: usize = 1_000;
/// The HubSpot-defined task→contact type (§7).
pub const TASK_TO_CONTACT: i64 = 204;

/// `POST /crm/associations/2026-03/tasks/contacts/batch/read` for at most 1,000 task ids.
pub fn batch_read_task_contacts(task_ids: &[TaskId]) -> HttpRequest {
    // A caller's bug, caught in tests; shipped, HubSpot answers a longer batch with a 400 that
    // reaches the rep as an error, where an assert would abort the worker (issue 14).
    debug_assert!(
        task_ids.len() <= ASSOCIATION_BATCH_MAX,
        "association batch read takes at most 1,000 ids; chunk first"
    );
    let inputs: Vec<Value> = task_ids.iter().map(|id| json!({ "id": id.as_str() })).collect();
    HttpRequest::new(Method::Post, version::url("crm/associations", "/tasks/contacts/batch/read"))
        .json(&json!({ "inputs": inputs }))
}

/// Each task's contacts, the task→contact (204) ones first. Tasks without contacts are absent.
pub fn parse_task_contacts(resp: &HttpResponse) -> Result<Vec<(TaskId, Vec<ContactId>)>, ApiError> {
    let body = json_body(resp)?;
    let mut out = Vec::new();
    for item in results(&body, "association batch")? {
        let Some(from) = text(item.get("from").and_then(|f| f.get("id"))) else { continue };
        let Some(to) = item.get("to").and_then(Value::as_array) else { continue };
        let mut primary = Vec::new();
        let mut other = Vec::new();
        for target in to {
            let Some(id) = text(target.get("toObjectId")) else { continue };
            let typed = target
                .get("associationTypes")
                .and_then(Value::as_array)
                .is_some_and(|ts| ts.iter().any(|t| t.get("typeId").and_then(Value::as_i64) == Some(TASK_TO_CONTACT)));
            if typed {
                primary.push(ContactId(id))
            } else {
                other.push(ContactId(id))
            }
        }
        primary.extend(other);
        if !primary.is_empty() {
            out.push((TaskId(from), primary));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_read_request_is_exact() {
        let req = batch_read_task_contacts(&[TaskId::new("11"), TaskId::new("12")]);
        assert_eq!(req.method, Method::Post);
        assert_eq!(req.url, "https://api.hubapi.com/crm/associations/2026-03/tasks/contacts/batch/read");
        assert_eq!(req.body.as_deref(), Some(r#"{"inputs":[{"id":"11"},{"id":"12"}]}"#));
    }

    #[test]
    #[should_panic(expected = "at most 1,000")]
    fn more_than_1000_is_a_bug() {
        let ids: Vec<TaskId> = (0..1001).map(|i| TaskId::new(i.to_string())).collect();
        batch_read_task_contacts(&ids);
    }

    #[test]
    fn results_prefer_type_204_and_keep_207_partials() {
        let body = r#"{"status":"COMPLETE","results":[
            {"from":{"id":"11"},"to":[
                {"toObjectId":900,"associationTypes":[{"category":"USER_DEFINED","typeId":77,"label":"Assistant"}]},
                {"toObjectId":"500","associationTypes":[{"category":"HUBSPOT_DEFINED","typeId":204,"label":null}]}]},
            {"from":{"id":"12"},"to":[]},
            {"from":{},"to":[{"toObjectId":"1"}]}],
            "numErrors":1,"errors":[{"status":"error","category":"OBJECT_NOT_FOUND","message":"No contacts for task 13","context":{"fromObjectId":["13"]}}],
            "startedAt":"2026-01-01T00:00:00Z","completedAt":"2026-01-01T00:00:00Z"}"#;
        let r = HttpResponse { status: 207, headers: vec![], body: body.into() };
        assert_eq!(
            parse_task_contacts(&r).unwrap(),
            vec![(TaskId::new("11"), vec![ContactId::new("500"), ContactId::new("900")])]
        );
    }

    #[test]
    fn missing_results_is_malformed() {
        let r = HttpResponse { status: 200, headers: vec![], body: r#"{"status":"COMPLETE"}"#.into() };
        assert!(matches!(parse_task_contacts(&r), Err(ApiError::Malformed { .. })));
    }
}
