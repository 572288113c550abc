//! Contact requests: read one contact with its task ids, batch-read up to 100 (API-FACTS §4,
//! §12), and their parsers. Layer: core (pure). Builders return requests without `Authorization`; the session
//! adds it. Callers chunk id lists: a builder given more than 100 ids is a bug and asserts.

use super::error::ApiError;
use super::model::{batch_errors, batch_read_body, json_body, object_id, results, BatchError, Contact};
use super::properties::{join, PropertyName};
use super::version;
use crate::ids::{ContactId, TaskId};
use crate::ports::{path_segment, HttpRequest, HttpResponse, Method};
use serde_json::Value;

/// Batch endpoints take at most 100 inputs (§12).
pub const BATCH_READ_MAX: usize = 100;

/// `GET /crm/objects/2026-03/contacts/{id}?properties=…&associations=tasks`: the contact and
/// the ids of its tasks in one read (§4), so a dial finds the contact's open task without a
/// search (a batch read cannot return associations, §12).
pub fn get_contact(id: &ContactId, properties: &[PropertyName]) -> HttpRequest {
    let rest = ["/", &path_segment(id.as_str()), "?properties=", &join(properties), "&associations=tasks"].concat();
    HttpRequest::new(Method::Get, version::objects_url("contacts", &rest))
}

pub fn parse_contact(resp: &HttpResponse) -> Result<Contact, ApiError> {
    parse_contact_with_tasks(resp).map(|(contact, _)| contact)
}

/// The contact and its associated task ids (§4: `associations.tasks.results[].id`, one entry
/// per association type, so an id may repeat; kept once, in HubSpot's order). No block means
/// no tasks: HubSpot leaves out an association type with no records.
pub fn parse_contact_with_tasks(resp: &HttpResponse) -> Result<(Contact, Vec<TaskId>), ApiError> {
    let body = json_body(resp)?;
    let contact = Contact::from_object(&body).ok_or_else(|| ApiError::malformed("a contact without an id"))?;
    let mut tasks: Vec<TaskId> = Vec::new();
    let listed = body.get("associations").and_then(|a| a.get("tasks")).and_then(|t| t.get("results"));
    let listed = listed.and_then(Value::as_array);
    for id in listed.into_iter().flatten().filter_map(object_id) {
        let id = TaskId(id);
        if !tasks.contains(&id) {
            tasks.push(id);
        }
    }
    Ok((contact, tasks))
}

/// `POST /crm/objects/2026-03/contacts/batch/read` for at most 100 ids.
pub fn batch_read_contacts(ids: &[ContactId], properties: &[PropertyName]) -> HttpRequest {
    // A caller's bug, caught in tests; shipped, HubSpot answers a longer batch with a 400 that
    // reaches the rep as an error, where an assert would abort the worker (issue 14).
    debug_assert!(ids.len() <= BATCH_READ_MAX, "contact batch read takes at most 100 ids; chunk first");
    let props: Vec<&str> = properties.iter().map(PropertyName::as_str).collect();
    HttpRequest::new(Method::Post, version::objects_url("contacts", "/batch/read"))
        .json(&batch_read_body(Some(&props), ids.iter().map(ContactId::as_str)))
}

/// The contacts read, and the ones HubSpot reported missing (207 `errors[]`: deleted or
/// merged ids, §12).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactBatch {
    pub contacts: Vec<Contact>,
    pub errors: Vec<BatchError>,
}

pub fn parse_contact_batch(resp: &HttpResponse) -> Result<ContactBatch, ApiError> {
    let body = json_body(resp)?;
    Ok(ContactBatch {
        contacts: results(&body, "contact batch")?.iter().filter_map(Contact::from_object).collect(),
        errors: batch_errors(&body),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hubspot::properties::dialing_properties;
    use serde_json::json;

    fn ok(status: u16, body: &str) -> HttpResponse {
        HttpResponse { status, headers: vec![], body: body.into() }
    }

    #[test]
    fn get_builds_the_documented_url() {
        let req = get_contact(&ContactId::new("123"), &dialing_properties(&[]));
        assert_eq!(req.method, Method::Get);
        assert_eq!(
            req.url,
            "https://api.hubapi.com/crm/objects/2026-03/contacts/123?properties=firstname,lastname,company,jobtitle,phone,mobilephone,hs_timezone,country&associations=tasks"
        );
        assert!(req.header_value("Authorization").is_none());
        let odd = get_contact(&ContactId::new("1/../2?x"), &[]);
        assert!(odd.url.contains("/contacts/1%2F..%2F2%3Fx?properties="), "{}", odd.url);
    }

    #[test]
    fn the_contact_read_brings_its_task_ids_once_each() {
        // §4's example shape, with a task associated under two types (listed twice).
        let body = r#"{"id":"123","properties":{"firstname":"Ana","hs_object_id":"123"},
            "associations":{"tasks":{"results":[{"id":"701","type":"contact_to_task"},{"id":702,"type":"contact_to_task"},
              {"id":"701","type":"custom_label"},{"type":"contact_to_task"}]},
              "companies":{"results":[{"id":"456","type":"contact_to_company"}]}},
            "createdAt":"x","updatedAt":"x","archived":false}"#;
        let (contact, tasks) = parse_contact_with_tasks(&ok(200, body)).unwrap();
        assert_eq!(contact.first_name.as_deref(), Some("Ana"));
        assert_eq!(tasks, [TaskId::new("701"), TaskId::new("702")]);
        let none = parse_contact_with_tasks(&ok(200, r#"{"id":"5","properties":{}}"#)).unwrap();
        assert!(none.1.is_empty(), "no block: no tasks");
        let odd = parse_contact_with_tasks(&ok(200, r#"{"id":"5","associations":{"tasks":{"results":"x"}}}"#)).unwrap();
        assert!(odd.1.is_empty(), "a block of the wrong shape is no tasks, not a failure");
    }

    #[test]
    fn batch_read_body_is_exact() {
        let ids = [ContactId::new("1"), ContactId::new("2")];
        let req = batch_read_contacts(&ids, &dialing_properties(&[]));
        assert_eq!(req.method, Method::Post);
        assert_eq!(req.url, "https://api.hubapi.com/crm/objects/2026-03/contacts/batch/read");
        assert_eq!(req.header_value("content-type"), Some("application/json"));
        let body: Value = serde_json::from_str(req.body.as_deref().unwrap()).unwrap();
        assert_eq!(
            body,
            json!({"properties":["firstname","lastname","company","jobtitle","phone","mobilephone","hs_timezone","country"],
                   "inputs":[{"id":"1"},{"id":"2"}]})
        );
    }

    #[test]
    #[should_panic(expected = "at most 100")]
    fn batch_read_refuses_more_than_100() {
        let ids: Vec<ContactId> = (0..101).map(|i| ContactId::new(i.to_string())).collect();
        batch_read_contacts(&ids, &[]);
    }

    #[test]
    fn batch_207_keeps_results_and_errors() {
        let body = r#"{"status":"COMPLETE","results":[{"id":"1","properties":{"firstname":"Ana","phone":"+13855550100"},"createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z","archived":false}],
            "numErrors":1,"errors":[{"status":"error","category":"OBJECT_NOT_FOUND","message":"Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.","context":{"ids":["2"]}}],
            "startedAt":"2026-01-01T00:00:00Z","completedAt":"2026-01-01T00:00:01Z"}"#;
        let batch = parse_contact_batch(&ok(207, body)).unwrap();
        assert_eq!(batch.contacts.len(), 1);
        assert_eq!(batch.contacts[0].phone.as_deref(), Some("+13855550100"));
        assert_eq!(batch.errors[0].ids, ["2"]);
        assert_eq!(batch.errors[0].category.as_deref(), Some("OBJECT_NOT_FOUND"));
    }

    #[test]
    fn single_read_errors() {
        assert!(matches!(
            parse_contact(&ok(404, r#"{"category":"OBJECT_NOT_FOUND"}"#)),
            Err(ApiError::NotFound { .. })
        ));
        assert!(matches!(parse_contact(&ok(200, r#"{"properties":{}}"#)), Err(ApiError::Malformed { .. })));
        assert!(matches!(parse_contact(&ok(200, "{\"id\":\"1\",\"prop")), Err(ApiError::Malformed { .. })));
        assert_eq!(
            parse_contact(&ok(200, r#"{"id":"5","properties":{"lastname":"Li"}}"#)).unwrap().last_name.as_deref(),
            Some("Li")
        );
    }
}
