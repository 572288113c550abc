//! Properties of the URL readers and writers: `page::classify` and the hublet hosts on any
//! string, a record URL read back as the record it names, and the query/form escaping
//! (`ports::form_encode`, `parse_query`, `path_segment`) as a round trip. Layer: tests (native).

use super::{config, text};
use proptest::prelude::*;
use spotdial::ids::{ContactId, PortalId};
use spotdial::page::{classify, contact_url, Hublet, Page};
use spotdial::ports::{form_encode, parse_query, path_segment};

const HOSTS: &[&str] = &[
    "app.hubspot.com",
    "APP.HubSpot.com",
    "app-eu1.hubspot.com",
    "app.hubspot.com.evil.example",
    "app.hubspot.com@evil.example",
    "app.hubspot.com:443",
    "evil.example",
    "",
    "app-na2.hubspot.com",
];

const SEGMENTS: &[&str] =
    &["contacts", "record", "contact", "company", "deal", "ticket", "0-1", "0-2", "2-123", "0-", "-1", "", "..", "%2F"];

/// URLs near HubSpot's record pages (known hosts, path words and digit runs in any order,
/// queries, fragments, odd case and padding) and any text at all.
pub fn url() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        3 => prop::sample::select(SEGMENTS.to_vec()).prop_map(String::from),
        3 => "[0-9]{1,12}",
        1 => text(),
    ];
    let near = (
        prop::sample::select(vec!["https://", "HTTPS://", "http://", " https://", "https:/", ""]),
        prop::sample::select(HOSTS.to_vec()),
        prop::collection::vec(segment, 0..6),
        prop::sample::select(vec!["", "?a=1", "#x", "?interaction=call#top", "/", "//"]),
    )
        .prop_map(|(scheme, host, path, tail)| [scheme, host, "/", &path.join("/"), tail].concat());
    prop_oneof![4 => near, 1 => text()]
}

fn hublet() -> impl Strategy<Value = Hublet> {
    prop_oneof![Just(Hublet::Na1), Just(Hublet::Eu1)]
}

proptest! {
    #![proptest_config(config(1024))]

    /// Any string is exactly one kind of page, and a page that is a record is on a HubSpot UI
    /// host with numeric ids.
    #[test]
    fn any_string_is_one_kind_of_page(raw in url()) {
        match classify(&raw) {
            Page::Contact { hublet, portal, contact } => {
                prop_assert!(portal.is_numeric() && contact.is_numeric());
                prop_assert!(raw.to_ascii_lowercase().contains(hublet.app_host()));
            }
            Page::OtherRecord { portal, record, object_type, .. } => {
                prop_assert!(portal.is_numeric() && !record.is_empty() && object_type != "0-1");
            }
            Page::NotARecord => {}
        }
    }

    /// The record URL the core writes is read back as that very record.
    #[test]
    fn contact_urls_round_trip(h in hublet(), portal in "[0-9]{1,12}", contact in "[0-9]{1,20}", tail in prop::sample::select(vec!["", "?a=b", "#c", "/"])) {
        let url = [contact_url(h, &PortalId::new(&portal), &ContactId::new(&contact)), tail.to_string()].concat();
        prop_assert_eq!(classify(&url), Page::Contact { hublet: h, portal: PortalId::new(portal), contact: ContactId::new(contact) });
    }

    /// A link is never built to a host we do not know, whatever HubSpot's `uiDomain` says.
    #[test]
    fn ui_hosts_are_known_hosts(h in hublet(), domain in prop::option::of(prop_oneof![prop::sample::select(HOSTS.to_vec()).prop_map(String::from), text()]), location in prop::option::of(text())) {
        let host = h.ui_host(domain.as_deref());
        prop_assert!(Hublet::from_app_host(&host).is_some(), "{host}");
        Hublet::from_location(location.as_deref());
    }

    /// Any query string is read without a panic (bad escapes kept, bad UTF-8 replaced).
    #[test]
    fn any_query_is_read(query in prop_oneof![text(), "[a-z=&%+0-9A-F]{0,40}"]) {
        parse_query(&query);
    }

    /// What `form_encode` writes, `parse_query` reads back field for field (the OAuth
    /// callback, the authorize URL and the broker's form bodies share the two).
    #[test]
    fn forms_round_trip(fields in prop::collection::vec((text(), text()), 0..6)) {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let encoded = form_encode(&pairs);
        prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%=&".contains(&b)), "{encoded}");
        prop_assert_eq!(parse_query(&encoded), fields);
    }

    /// An id escaped as a path segment stays one segment, and decodes back to the id.
    #[test]
    fn path_segments_stay_one_segment(id in text()) {
        let segment = path_segment(&id);
        prop_assert!(!segment.contains(['/', '?', '#', '&']));
        let back = parse_query(&["k=", &segment].concat());
        prop_assert_eq!(back, vec![("k".to_string(), id)]);
    }
}
