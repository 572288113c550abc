//! Page classification: a HubSpot URL → what kind of page it is. A pure function of the URL;
//! the HubSpot DOM is never a data source. Layer: core (pure).
//! Record URL forms (API-FACTS §15): `/contacts/{portal}/record/{objectTypeId}/{id}` (modern)
//! and `/contacts/{portal}/contact/{id}` (legacy), on `app.hubspot.com` and `app-eu1.hubspot.com`.

use crate::ids::{is_digits, ContactId, PortalId};
use crate::json_write::{Obj, ToJson};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The HubSpot data centre a UI host belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Hublet {
    Na1,
    Eu1,
}

impl Hublet {
    /// The UI host name of this hublet.
    pub fn app_host(self) -> &'static str {
        match self {
            Hublet::Na1 => "app.hubspot.com",
            Hublet::Eu1 => "app-eu1.hubspot.com",
        }
    }

    /// The hublet whose UI is served on `host` (lower-case, without port), if any.
    pub fn from_app_host(host: &str) -> Option<Hublet> {
        match host {
            "app.hubspot.com" => Some(Hublet::Na1),
            "app-eu1.hubspot.com" => Some(Hublet::Eu1),
            _ => None,
        }
    }

    /// The data centre HubSpot names for an account (introspection's `hublet`, else the
    /// account's `dataHostingLocation`): `eu1` is Europe; anything else, or nothing, is the
    /// default North American one.
    pub fn from_location(location: Option<&str>) -> Hublet {
        match location {
            Some("eu1") => Hublet::Eu1,
            _ => Hublet::Na1,
        }
    }

    /// The UI host record links use: HubSpot's `uiDomain` when it is a HubSpot UI host we
    /// know, else this hublet's own (a link never points at a host we do not recognise).
    pub fn ui_host(self, ui_domain: Option<&str>) -> String {
        ui_domain.filter(|domain| Hublet::from_app_host(domain).is_some()).unwrap_or(self.app_host()).to_string()
    }
}

/// What a URL shows. Every URL maps to exactly one of these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Page {
    /// A contact record: the only page that gets a dialing card.
    Contact { hublet: Hublet, portal: PortalId, contact: ContactId },
    /// A record of another object type (company `0-2`, deal `0-3`, …).
    OtherRecord { hublet: Hublet, portal: PortalId, object_type: String, record: String },
    /// Anything else, HubSpot or not.
    NotARecord,
}

impl ToJson for Hublet {
    fn to_json(&self) -> Value {
        Value::from(match self {
            Hublet::Na1 => "na1",
            Hublet::Eu1 => "eu1",
        })
    }
}

impl ToJson for Page {
    fn to_json(&self) -> Value {
        match self {
            Page::Contact { hublet, portal, contact } => {
                Obj::tagged("kind", "contact").put("hublet", hublet).put("portal", portal).put("contact", contact)
            }
            Page::OtherRecord { hublet, portal, object_type, record } => Obj::tagged("kind", "other_record")
                .put("hublet", hublet)
                .put("portal", portal)
                .put("object_type", object_type)
                .put("record", record),
            Page::NotARecord => Obj::tagged("kind", "not_a_record"),
        }
        .done()
    }
}

/// HubSpot's object type id for contacts.
pub const CONTACT_OBJECT_TYPE: &str = "0-1";

/// Classifies a URL. Never panics, whatever the input.
pub fn classify(url: &str) -> Page {
    classify_parts(url).unwrap_or(Page::NotARecord)
}

fn classify_parts(url: &str) -> Option<Page> {
    let rest = strip_prefix_ignore_case(url.trim(), "https://")?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(authority_end);
    // A user-info part (`app.hubspot.com@evil.example`) or a port is never HubSpot's own UI.
    if authority.contains('@') || authority.contains(':') {
        return None;
    }
    let hublet = Hublet::from_app_host(&authority.to_ascii_lowercase())?;
    let path = after.split(['?', '#']).next().unwrap_or("");
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    if segments.next()? != "contacts" {
        return None;
    }
    let portal = segments.next().filter(|p| is_digits(p))?;
    let portal = PortalId::new(portal);
    match segments.next()? {
        "record" => {
            let object_type = segments.next().filter(|t| is_object_type(t))?;
            let record = segments.next().filter(|r| is_digits(r))?;
            if object_type == CONTACT_OBJECT_TYPE {
                Some(Page::Contact { hublet, portal, contact: ContactId::new(record) })
            } else {
                Some(Page::OtherRecord {
                    hublet,
                    portal,
                    object_type: object_type.to_string(),
                    record: record.to_string(),
                })
            }
        }
        "contact" => {
            let record = segments.next().filter(|r| is_digits(r))?;
            Some(Page::Contact { hublet, portal, contact: ContactId::new(record) })
        }
        legacy @ ("company" | "deal" | "ticket") => {
            let record = segments.next().filter(|r| is_digits(r))?;
            let object_type = match legacy {
                "company" => "0-2",
                "deal" => "0-3",
                _ => "0-5",
            };
            Some(Page::OtherRecord { hublet, portal, object_type: object_type.to_string(), record: record.to_string() })
        }
        _ => None,
    }
}

/// `0-1`, `2-12345`: HubSpot object type ids are two digit runs joined by a dash.
fn is_object_type(text: &str) -> bool {
    match text.split_once('-') {
        Some((a, b)) => is_digits(a) && is_digits(b),
        None => false,
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| text.get(prefix.len()..)).flatten()
}

/// The modern record URL of a contact, for links and "Next task".
pub fn contact_url(hublet: Hublet, portal: &PortalId, contact: &ContactId) -> String {
    let mut url = String::from("https://");
    url.push_str(hublet.app_host());
    url.push_str("/contacts/");
    url.push_str(portal.as_str());
    url.push_str("/record/0-1/");
    url.push_str(contact.as_str());
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_written_as_serde_writes_it() {
        let pages = [
            contact(Hublet::Na1, "1", "2"),
            contact(Hublet::Eu1, "3", "4"),
            other("5", "0-2", "6"),
            Page::NotARecord,
            classify("https://app-eu1.hubspot.com/contacts/7/record/0-3/8"),
        ];
        assert_eq!(crate::testing::agree_write(&pages), 5);
    }

    fn contact(hublet: Hublet, portal: &str, id: &str) -> Page {
        Page::Contact { hublet, portal: PortalId::new(portal), contact: ContactId::new(id) }
    }

    fn other(portal: &str, object_type: &str, id: &str) -> Page {
        Page::OtherRecord {
            hublet: Hublet::Na1,
            portal: PortalId::new(portal),
            object_type: object_type.into(),
            record: id.into(),
        }
    }

    /// Every URL maps to exactly one kind; the table is the specification.
    #[test]
    fn url_matrix() {
        use Hublet::*;
        let table: Vec<(&str, Page)> = vec![
            // Modern contact records.
            ("https://app.hubspot.com/contacts/123/record/0-1/456", contact(Na1, "123", "456")),
            ("https://app.hubspot.com/contacts/123/record/0-1/456/", contact(Na1, "123", "456")),
            ("https://app.hubspot.com/contacts/123/record/0-1/456?interaction=call", contact(Na1, "123", "456")),
            ("https://app.hubspot.com/contacts/123/record/0-1/456#activity", contact(Na1, "123", "456")),
            ("https://app.hubspot.com/contacts/123/record/0-1/456/view/2", contact(Na1, "123", "456")),
            ("HTTPS://APP.HUBSPOT.COM/contacts/123/record/0-1/456", contact(Na1, "123", "456")),
            ("https://app-eu1.hubspot.com/contacts/99/record/0-1/7", contact(Eu1, "99", "7")),
            // Legacy contact records.
            ("https://app.hubspot.com/contacts/123/contact/456", contact(Na1, "123", "456")),
            ("https://app-eu1.hubspot.com/contacts/5/contact/6?foo=bar", contact(Eu1, "5", "6")),
            // Records of other objects.
            ("https://app.hubspot.com/contacts/123/record/0-2/9", other("123", "0-2", "9")),
            ("https://app.hubspot.com/contacts/123/record/0-3/9", other("123", "0-3", "9")),
            ("https://app.hubspot.com/contacts/123/record/2-4455/9", other("123", "2-4455", "9")),
            ("https://app.hubspot.com/contacts/123/company/9", other("123", "0-2", "9")),
            ("https://app.hubspot.com/contacts/123/deal/9", other("123", "0-3", "9")),
            // Not records.
            ("https://app.hubspot.com/contacts/123/objects/0-1/views/all/list", Page::NotARecord),
            ("https://app.hubspot.com/contacts/123/record/0-1/", Page::NotARecord),
            ("https://app.hubspot.com/contacts/123/record/0-1/abc", Page::NotARecord),
            ("https://app.hubspot.com/contacts/123/record/x-1/456", Page::NotARecord),
            ("https://app.hubspot.com/contacts/abc/record/0-1/456", Page::NotARecord),
            ("https://app.hubspot.com/contacts/123/contact/", Page::NotARecord),
            ("https://app.hubspot.com/tasks/123", Page::NotARecord),
            ("https://app.hubspot.com/", Page::NotARecord),
            ("https://app.hubspot.com", Page::NotARecord),
            ("http://app.hubspot.com/contacts/123/record/0-1/456", Page::NotARecord),
            ("https://app.hubspot.com:8443/contacts/123/record/0-1/456", Page::NotARecord),
            ("https://app.hubspot.com@evil.example/contacts/123/record/0-1/456", Page::NotARecord),
            ("https://evil.example/contacts/123/record/0-1/456", Page::NotARecord),
            ("https://app.hubspot.com.evil.example/contacts/123/record/0-1/456", Page::NotARecord),
            ("https://app-na2.hubspot.com/contacts/123/record/0-1/456", Page::NotARecord),
            ("https://api.hubapi.com/crm/objects/2026-03/contacts/456", Page::NotARecord),
            ("https://evil.example/?u=https://app.hubspot.com/contacts/1/record/0-1/2", Page::NotARecord),
            ("javascript:alert(1)", Page::NotARecord),
            ("", Page::NotARecord),
            ("https://app.hubspot.com/contacts/123/record/0-1/99999999999999999999999", Page::NotARecord),
        ];
        for (url, expected) in table {
            assert_eq!(classify(url), expected, "{url}");
        }
    }

    #[test]
    fn record_urls_round_trip_through_the_classifier() {
        for hublet in [Hublet::Na1, Hublet::Eu1] {
            let url = contact_url(hublet, &PortalId::new("42"), &ContactId::new("77"));
            assert_eq!(classify(&url), contact(hublet, "42", "77"));
        }
    }

    #[test]
    fn the_data_centre_and_ui_host_come_from_what_hubspot_names() {
        assert_eq!(Hublet::from_location(Some("eu1")), Hublet::Eu1);
        for other in [Some("na1"), Some("na2"), Some("EU1"), Some(""), None] {
            assert_eq!(Hublet::from_location(other), Hublet::Na1, "{other:?}");
        }
        assert_eq!(Hublet::Na1.ui_host(Some("app-eu1.hubspot.com")), "app-eu1.hubspot.com");
        assert_eq!(Hublet::Eu1.ui_host(None), "app-eu1.hubspot.com");
        assert_eq!(Hublet::Na1.ui_host(Some("app.hubspot.com.evil.example")), "app.hubspot.com");
    }
}
