//! Typed HubSpot records (contact, task, owner, account, list, call outcome, property
//! definition) and the defensive JSON readers every parser shares. Layer: core (pure).
//! HubSpot sends every property value as a string or null (API-FACTS §3); ids may come as
//! strings or numbers; an empty string means "cleared" (§5). Nothing here panics on bad input.

use super::error::ApiError;
use crate::ids::{ContactId, OwnerId, PortalId, TaskId, UserId};
use crate::json_write::Obj;
/// Shapes the extension shows as they are: defined with the wire contract.
pub use crate::message::views::{CallOutcome, ListSummary, Priority};
use crate::ports::HttpResponse;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A contact as dialing needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub id: ContactId,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub job_title: Option<String>,
    pub phone: Option<String>,
    pub mobile_phone: Option<String>,
    pub time_zone: Option<String>,
    pub country: Option<String>,
    /// Properties an admin mapped (other phone fields), `(name, value)`, non-empty values only.
    pub extra: Vec<(String, String)>,
}

/// Properties of a contact that are not "extra": the standard dialing set and the ones
/// HubSpot always returns (§4).
const CONTACT_KNOWN: [&str; 11] = [
    "firstname",
    "lastname",
    "company",
    "jobtitle",
    "phone",
    "mobilephone",
    "hs_timezone",
    "country",
    "hs_object_id",
    "createdate",
    "lastmodifieddate",
];

impl Contact {
    /// Reads a CRM object (`{id, properties{}}`); `None` when it has no usable id.
    pub fn from_object(obj: &Value) -> Option<Contact> {
        let id = object_id(obj)?;
        let mut extra = Vec::new();
        if let Some(props) = obj.get("properties").and_then(Value::as_object) {
            for (name, value) in props {
                if CONTACT_KNOWN.contains(&name.as_str()) {
                    continue;
                }
                if let Some(value) = text(Some(value)) {
                    extra.push((name.clone(), value));
                }
            }
        }
        Some(Contact {
            id: ContactId(id),
            first_name: prop(obj, "firstname"),
            last_name: prop(obj, "lastname"),
            company: prop(obj, "company"),
            job_title: prop(obj, "jobtitle"),
            phone: prop(obj, "phone"),
            mobile_phone: prop(obj, "mobilephone"),
            time_zone: prop(obj, "hs_timezone"),
            country: prop(obj, "country"),
            extra,
        })
    }

    /// "First Last", or whichever part exists, or `None`.
    pub fn display_name(&self) -> Option<String> {
        match (&self.first_name, &self.last_name) {
            (Some(f), Some(l)) => Some([f.as_str(), " ", l.as_str()].concat()),
            (Some(n), None) | (None, Some(n)) => Some(n.clone()),
            (None, None) => None,
        }
    }

    /// Every number to offer, labelled by property name: phone, mobile, then mapped extras.
    pub fn numbers(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(p) = &self.phone {
            out.push(("phone".to_string(), p.clone()));
        }
        if let Some(p) = &self.mobile_phone {
            out.push(("mobilephone".to_string(), p.clone()));
        }
        out.extend(self.extra.iter().cloned());
        out
    }
}

/// A task as the queue needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
pub struct Task {
    pub id: TaskId,
    pub subject: Option<String>,
    /// `hs_task_status` as sent (NOT_STARTED, WAITING, ... §5 is UNSURE of the full enum).
    pub status: Option<String>,
    pub priority: Priority,
    /// `hs_task_type` as sent (CALL, EMAIL, TODO, or a portal's own).
    pub task_type: Option<String>,
    /// `hs_timestamp`, the due time, in epoch ms; `None` if absent or unreadable.
    pub due_ms: Option<i64>,
    pub owner: Option<OwnerId>,
}

impl Task {
    pub fn from_object(obj: &Value) -> Option<Task> {
        Some(Task {
            id: TaskId(object_id(obj)?),
            subject: prop(obj, "hs_task_subject"),
            status: prop(obj, "hs_task_status"),
            priority: Priority::parse(prop(obj, "hs_task_priority").as_deref()),
            task_type: prop(obj, "hs_task_type"),
            due_ms: prop(obj, "hs_timestamp").as_deref().and_then(parse_timestamp_ms),
            owner: prop(obj, "hubspot_owner_id").map(OwnerId),
        })
    }
}

/// A CRM owner (§8). `id` is what `hubspot_owner_id` takes; `user_id` is not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    pub id: OwnerId,
    pub user_id: Option<UserId>,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub archived: bool,
}

/// The portal's facts (§15, `GET /account-info/2026-03/details`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDetails {
    pub portal_id: PortalId,
    /// E.g. `app.hubspot.com` or `app-eu1.hubspot.com`; record URLs are built from it.
    pub ui_domain: Option<String>,
    /// `na1`, `eu1`, ...
    pub data_hosting_location: Option<String>,
    pub time_zone: Option<String>,
}

/// A property definition, as far as choosing what to request needs it (§10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PropertyDef {
    pub name: String,
    pub label: String,
    /// `non_sensitive`, `sensitive` or `highly_sensitive`; `None` when HubSpot left it out.
    pub data_sensitivity: Option<String>,
    /// E.g. `phone_number`.
    pub text_display_hint: Option<String>,
    pub archived: bool,
}

/// One page of a cursor-paged result: the items and the cursor for the next page, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_after: Option<String>,
    pub total: Option<u64>,
}

/// A result item that a batch endpoint reported as failed (207 multi-status, §12).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchError {
    pub category: Option<String>,
    pub message: Option<String>,
    /// The input ids the error names (`context.ids`), when given.
    pub ids: Vec<String>,
}

// ---- shared writers -------------------------------------------------------------------------

/// A batch read's body (§12): `{"inputs": [{"id": …}, …]}`, with `properties` when given. Built
/// as values, not with `json!`, whose expression leaves go through serde's serializer (issue
/// 12: size).
pub fn batch_read_body<'a>(properties: Option<&[&str]>, ids: impl Iterator<Item = &'a str>) -> Value {
    let inputs = ids.map(|id| Obj::new().set("id", Value::from(id)).done()).collect();
    let body = Obj::new().set("inputs", Value::Array(inputs));
    match properties {
        Some(properties) => body.set("properties", Value::from(properties)),
        None => body,
    }
    .done()
}

/// A CRM search's body (§11): one filter group of `filters`, the `properties` to return, and a
/// page of `limit` from the cursor `after`. An `Obj`, so a caller can add its `sorts`.
pub fn search_body(filters: Vec<Value>, properties: &[&str], limit: u32, after: Option<&str>) -> Obj {
    let group = Obj::new().set("filters", Value::Array(filters)).done();
    let body = Obj::new()
        .set("filterGroups", Value::Array(vec![group]))
        .set("properties", Value::from(properties))
        .set("limit", Value::from(limit));
    match after {
        Some(after) => body.set("after", Value::from(after)),
        None => body,
    }
}

/// One search filter: `{"propertyName", "operator", "value"}` (`values` for `IN`, §11).
pub fn filter(property: &str, operator: &str, value: Value) -> Value {
    let key = if value.is_array() { "values" } else { "value" };
    Obj::new().set("propertyName", Value::from(property)).set("operator", Value::from(operator)).set(key, value).done()
}

// ---- shared readers -------------------------------------------------------------------------

/// The JSON body of a successful response, or the classified error for a failed one.
pub fn json_body(resp: &HttpResponse) -> Result<Value, ApiError> {
    if !resp.is_success() {
        return Err(ApiError::from_response(resp, 0));
    }
    serde_json::from_str(&resp.body).map_err(|_| {
        let start = resp.body.trim_start();
        ApiError::malformed(if start.starts_with('<') {
            "an HTML page instead of JSON"
        } else if start.is_empty() {
            "an empty body"
        } else {
            "JSON that is cut off or invalid"
        })
    })
}

/// `body.results` as an array, or `Malformed` naming what was expected.
pub fn results<'a>(body: &'a Value, what: &str) -> Result<&'a Vec<Value>, ApiError> {
    body.get("results")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::malformed(["no results list in ", what].concat()))
}

/// `paging.next.after`, as a string whichever way it was sent.
pub fn next_after(body: &Value) -> Option<String> {
    text(body.get("paging").and_then(|p| p.get("next")).and_then(|n| n.get("after")))
}

/// `errors[]` of a batch answer (207).
pub fn batch_errors(body: &Value) -> Vec<BatchError> {
    let Some(errors) = body.get("errors").and_then(Value::as_array) else { return Vec::new() };
    errors
        .iter()
        .map(|e| BatchError {
            category: text(e.get("category")),
            message: text(e.get("message")),
            ids: e
                .get("context")
                .and_then(|c| c.get("ids"))
                .and_then(Value::as_array)
                .map(|ids| ids.iter().filter_map(|i| text(Some(i))).collect())
                .unwrap_or_default(),
        })
        .collect()
}

/// An object's `id` (string or number), non-empty.
pub fn object_id(obj: &Value) -> Option<String> {
    text(obj.get("id"))
}

/// A property value from `properties`, trimmed, with "" and null as `None`.
pub fn prop(obj: &Value, name: &str) -> Option<String> {
    text(obj.get("properties").and_then(|p| p.get(name)))
}

/// A JSON string or number as non-empty text.
pub fn text(value: Option<&Value>) -> Option<String> {
    let s = match value? {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// A timestamp as HubSpot sends it (§5: epoch ms or ISO 8601 UTC) → epoch ms.
pub fn parse_timestamp_ms(value: &str) -> Option<i64> {
    super::timestamp::parse_ms(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn contact_reads_dialing_fields_and_keeps_mapped_extras() {
        let obj = json!({"id":"123","properties":{"firstname":"Ana","lastname":" Silva ","company":"Acme",
            "jobtitle":"CTO","phone":"+1 385 555 0100","mobilephone":null,"hs_timezone":"america_slash_denver",
            "country":"","hs_object_id":"123","createdate":"2026-01-01T00:00:00Z","lastmodifieddate":"x",
            "direct_line":"+1 385 555 0199","assistant_phone":""},"createdAt":"…","archived":false});
        let c = Contact::from_object(&obj).expect("contact");
        assert_eq!(c.id.as_str(), "123");
        assert_eq!(c.display_name().as_deref(), Some("Ana Silva"));
        assert_eq!(c.mobile_phone, None);
        assert_eq!(c.country, None, "empty string means cleared");
        assert_eq!(c.time_zone.as_deref(), Some("america_slash_denver"));
        assert_eq!(c.extra, vec![("direct_line".to_string(), "+1 385 555 0199".to_string())]);
        assert_eq!(c.numbers().len(), 2);
    }

    #[test]
    fn contact_without_id_is_refused_and_numeric_ids_are_read() {
        assert!(Contact::from_object(&json!({"properties":{}})).is_none());
        assert_eq!(Contact::from_object(&json!({"id":42})).map(|c| c.id.0), Some("42".into()));
        assert!(Contact::from_object(&json!("nope")).is_none());
    }

    #[test]
    fn task_due_time_accepts_iso_and_epoch_strings() {
        let iso = json!({"id":"7","properties":{"hs_timestamp":"2026-01-01T00:00:00.000Z","hs_task_priority":"HIGH","hubspot_owner_id":"41629779"}});
        let ms = json!({"id":"8","properties":{"hs_timestamp":"1767225600000","hs_task_priority":"weird"}});
        let t = Task::from_object(&iso).expect("task");
        assert_eq!(t.due_ms, Some(1_767_225_600_000));
        assert_eq!(t.priority, Priority::High);
        assert_eq!(t.owner, Some(OwnerId::new("41629779")));
        let t = Task::from_object(&ms).expect("task");
        assert_eq!(t.due_ms, Some(1_767_225_600_000));
        assert_eq!(t.priority, Priority::None);
    }

    #[test]
    fn timestamps_in_every_shape() {
        assert_eq!(parse_timestamp_ms("2026-01-01T01:00:00+01:00"), Some(1_767_225_600_000));
        assert_eq!(parse_timestamp_ms("2026-01-01T00:00:00"), Some(1_767_225_600_000));
        assert_eq!(parse_timestamp_ms("2026-01-01"), Some(1_767_225_600_000));
        assert_eq!(parse_timestamp_ms("soon"), None);
        assert_eq!(parse_timestamp_ms(""), None);
        assert_eq!(parse_timestamp_ms("99999999999999999999999"), None);
    }

    #[test]
    fn priority_orders_high_first_unset_last() {
        let mut p = vec![Priority::None, Priority::Low, Priority::High, Priority::Medium];
        p.sort();
        assert_eq!(p, [Priority::High, Priority::Medium, Priority::Low, Priority::None]);
    }

    #[test]
    fn bodies_that_are_not_json_are_named() {
        let r = |body: &str| HttpResponse { status: 200, headers: vec![], body: body.into() };
        for (body, what) in [("<html>", "HTML"), ("", "empty"), (r#"{"results":[{"id":"1""#, "cut off")] {
            match json_body(&r(body)) {
                Err(ApiError::Malformed { what: w }) => assert!(w.contains(what), "{w}"),
                other => panic!("{other:?}"),
            }
        }
        assert!(matches!(results(&json!({"results":"x"}), "contacts"), Err(ApiError::Malformed { .. })));
        assert_eq!(next_after(&json!({"paging":{"next":{"after":200}}})).as_deref(), Some("200"));
        assert_eq!(next_after(&json!({"paging":{}})), None);
    }
}
