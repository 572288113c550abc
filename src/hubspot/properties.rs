//! Contact property names and definitions: which properties Spotdial may request. Layer: core
//! (pure). Only what dialing needs is requested, plus admin-mapped names that the portal's
//! definitions list as non-sensitive (API-FACTS §10, §2): sensitive data is never requested.
//! A name is validated (ASCII lowercase, digits, `_`) before it can reach a URL or a body.

use super::error::ApiError;
use super::model::{json_body, results, text, PropertyDef};
use super::version;
use crate::ports::{HttpRequest, HttpResponse, Method};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A validated HubSpot property internal name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PropertyName(String);

impl PropertyName {
    /// `Some` for 1–100 characters of `a-z`, `0-9`, `_` starting with a letter or `_`.
    pub fn parse(name: &str) -> Option<PropertyName> {
        let ok = !name.is_empty()
            && name.len() <= 100
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        ok.then(|| PropertyName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PropertyName {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        PropertyName::parse(&value).ok_or_else(|| ["not a property name: ", &value].concat())
    }
}

impl From<PropertyName> for String {
    fn from(value: PropertyName) -> String {
        value.0
    }
}

/// The contact properties every dialing card needs (DESIGN §3: only what dialing needs).
pub const DIALING_PROPERTIES: [&str; 8] =
    ["firstname", "lastname", "company", "jobtitle", "phone", "mobilephone", "hs_timezone", "country"];

/// The standard set plus admin-mapped names, without duplicates, in a stable order.
pub fn dialing_properties(extra: &[PropertyName]) -> Vec<PropertyName> {
    let mut out: Vec<PropertyName> = DIALING_PROPERTIES.iter().map(|n| PropertyName(n.to_string())).collect();
    for name in extra {
        if !out.contains(name) {
            out.push(name.clone());
        }
    }
    out
}

/// Comma-joined names for a `properties=` query parameter (safe: names are validated).
pub fn join(names: &[PropertyName]) -> String {
    names.iter().map(PropertyName::as_str).collect::<Vec<_>>().join(",")
}

/// `GET /crm/properties/2026-03/contacts?dataSensitivity=non_sensitive&archived=false`.
/// Asking for non-sensitive explicitly: the default is the same today (§10), but this way a
/// change of default cannot slip sensitive definitions in.
pub fn list_contact_properties() -> HttpRequest {
    HttpRequest::new(
        Method::Get,
        version::url("crm/properties", "/contacts?dataSensitivity=non_sensitive&archived=false"),
    )
}

pub fn parse_property_defs(resp: &HttpResponse) -> Result<Vec<PropertyDef>, ApiError> {
    let body = json_body(resp)?;
    Ok(results(&body, "property definitions")?.iter().filter_map(def_from).collect())
}

fn def_from(v: &Value) -> Option<PropertyDef> {
    let name = text(v.get("name"))?;
    Some(PropertyDef {
        label: text(v.get("label")).unwrap_or_else(|| name.clone()),
        name,
        data_sensitivity: text(v.get("dataSensitivity")),
        text_display_hint: text(v.get("textDisplayHint")),
        archived: v.get("archived").and_then(Value::as_bool).unwrap_or(false),
    })
}

/// Why a mapped property will not be requested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// Not a valid property name.
    InvalidName,
    /// Not among the portal's non-sensitive, non-archived definitions (unknown, archived,
    /// or sensitive: the non-sensitive listing leaves sensitive ones out).
    NotListed,
    /// Listed, but marked `sensitive` or `highly_sensitive`.
    Sensitive,
}

/// Splits admin-mapped names into those safe to request and those refused, with why.
/// `defs` must come from `list_contact_properties`.
pub fn admissible(mapped: &[String], defs: &[PropertyDef]) -> (Vec<PropertyName>, Vec<(String, Refusal)>) {
    let mut ok = Vec::new();
    let mut refused = Vec::new();
    for raw in mapped {
        let Some(name) = PropertyName::parse(raw) else {
            refused.push((raw.clone(), Refusal::InvalidName));
            continue;
        };
        match defs.iter().find(|d| d.name == raw.as_str() && !d.archived) {
            None => refused.push((raw.clone(), Refusal::NotListed)),
            Some(d) if d.data_sensitivity.as_deref().is_some_and(|s| s != "non_sensitive") => {
                refused.push((raw.clone(), Refusal::Sensitive))
            }
            Some(_) => ok.push(name),
        }
    }
    (ok, refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_validated_before_reaching_a_url() {
        for good in ["phone", "hs_whatsapp_phone_number", "direct_line_2", "_x"] {
            assert!(PropertyName::parse(good).is_some(), "{good}");
        }
        for bad in ["", "Phone", "phone,email", "a&b=c", "a/b", "2fa", "ph one", "téléphone", &"a".repeat(101)] {
            assert!(PropertyName::parse(bad).is_none(), "{bad}");
        }
        assert!(serde_json::from_str::<PropertyName>("\"a,b\"").is_err());
    }

    #[test]
    fn dialing_set_adds_extras_once() {
        let extra = [PropertyName::parse("direct_line").unwrap(), PropertyName::parse("phone").unwrap()];
        assert_eq!(
            join(&dialing_properties(&extra)),
            "firstname,lastname,company,jobtitle,phone,mobilephone,hs_timezone,country,direct_line"
        );
    }

    #[test]
    fn definitions_request_and_sensitive_refusal() {
        let req = list_contact_properties();
        assert_eq!(req.method, Method::Get);
        assert_eq!(
            req.url,
            "https://api.hubapi.com/crm/properties/2026-03/contacts?dataSensitivity=non_sensitive&archived=false"
        );
        let body = r#"{"results":[
            {"name":"direct_line","label":"Direct line","type":"string","fieldType":"phonenumber","groupName":"g","options":[],"description":"","dataSensitivity":"non_sensitive","textDisplayHint":"phone_number"},
            {"name":"health_phone","label":"Clinic","type":"string","fieldType":"text","groupName":"g","options":[],"description":"","dataSensitivity":"sensitive"},
            {"name":"old_phone","label":"Old","archived":true},
            {"label":"no name"}]}"#;
        let defs = parse_property_defs(&HttpResponse { status: 200, headers: vec![], body: body.into() }).unwrap();
        assert_eq!(defs.len(), 3);
        assert_eq!(defs[0].text_display_hint.as_deref(), Some("phone_number"));
        let mapped: Vec<String> =
            ["direct_line", "health_phone", "old_phone", "ssn", "Bad Name"].iter().map(|s| s.to_string()).collect();
        let (ok, refused) = admissible(&mapped, &defs);
        assert_eq!(ok, [PropertyName::parse("direct_line").unwrap()]);
        assert_eq!(
            refused,
            vec![
                ("health_phone".into(), Refusal::Sensitive),
                ("old_phone".into(), Refusal::NotListed),
                ("ssn".into(), Refusal::NotListed),
                ("Bad Name".into(), Refusal::InvalidName)
            ]
        );
    }
}
