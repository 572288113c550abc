//! Properties of the extension's message handling (`src/message/`): `parse_request`,
//! `validate`, `origin_of`, `allowed` and `bind_to_sender` on any JSON and any sender, and the
//! wire round trip Request → JSON → Request. Layer: tests (native).

use super::urls::url;
use super::{config, json, text};
use proptest::prelude::*;
use serde_json::Value;
use spotdial::ids::{ContactId, ListId, TaskId};
use spotdial::message::{
    allowed, answer_local, bind_to_sender, origin_of, parse_request, sender_page, validate, Origin, Request, Sender,
    REQUEST_KINDS,
};
use spotdial::page::{classify, Page};

const OWN_ID: &str = "efojpjlggojnffmcakjellngbeeghopm";

/// Kinds the worker does not answer, beside every one it does (`REQUEST_KINDS`).
const ODD_KINDS: [&str; 4] = ["Ping", "", "dial ", "__proto__"];

/// A message shaped like a request: a known `kind` and the fields requests carry, each of
/// any type. Most are refused; the point is that refusing never panics.
fn request_json() -> impl Strategy<Value = Value> {
    (
        prop::sample::select([&REQUEST_KINDS[..], &ODD_KINDS[..]].concat()),
        super::object_with(&["url", "contact", "number", "call", "list"]),
        json(),
    )
        .prop_map(|(kind, fields, extra)| {
            let mut value = fields;
            if let Value::Object(map) = &mut value {
                map.insert("kind".into(), Value::from(kind));
                map.insert("notes".into(), extra);
            }
            value
        })
}

fn id() -> impl Strategy<Value = String> {
    prop_oneof![3 => "[0-9]{1,12}", 1 => text()]
}

/// Any request the worker could be sent, with ids that may or may not be valid.
fn request() -> impl Strategy<Value = Request> {
    let opt = |s: BoxedStrategy<String>| prop::option::of(s);
    prop_oneof![
        Just(Request::Ping),
        url().prop_map(|url| Request::Card { url }),
        Just(Request::Status),
        Just(Request::SignIn),
        Just(Request::SignOut),
        any::<bool>().prop_map(|refresh| Request::Queue { refresh }),
        Just(Request::Lists),
        prop::option::of(id()).prop_map(|list| Request::SetQueueList { list: list.map(ListId::new) }),
        (id(), text()).prop_map(|(c, number)| Request::Dial { contact: ContactId::new(c), number }),
        (text(), opt(text().boxed()), text(), opt(id().boxed())).prop_map(|(call, outcome, notes, task)| {
            Request::LogCall { call, outcome, notes, complete_task: task.map(TaskId::new) }
        }),
        (text(), opt(text().boxed()), text()).prop_map(|(call, outcome, notes)| Request::CallDraft {
            call,
            outcome,
            notes
        }),
        text().prop_map(|call| Request::DiscardCall { call }),
        Just(Request::Calls),
        id().prop_map(|c| Request::ForgetContact { contact: ContactId::new(c) }),
        Just(Request::Outbox),
        text().prop_map(|id| Request::RetryLog { id }),
        text().prop_map(|id| Request::DeleteLog { id }),
        Just(Request::Settings),
        json().prop_map(|values| Request::SaveSettings { values }),
        Just(Request::Inventory),
        text().prop_map(|query| Request::FindContacts { query }),
        Just(Request::History),
    ]
}

/// A sender as Chrome could describe it: this extension or another, a page of ours, a HubSpot
/// record or any URL, top frame or not.
fn sender() -> impl Strategy<Value = Sender> {
    let id = prop_oneof![Just(Some(OWN_ID.to_string())), Just(None), prop::option::of(text())];
    let own_page = prop_oneof![
        Just(format!("chrome-extension://{OWN_ID}/popup.html")),
        Just(format!("chrome-extension://{OWN_ID}x/popup.html")),
        url(),
    ];
    (id, prop::option::of(own_page), any::<bool>(), prop::option::of(-2i64..3), prop::option::of(url()))
        .prop_map(|(id, url, from_tab, frame_id, tab_url)| Sender { id, url, from_tab, frame_id, tab_url })
}

proptest! {
    #![proptest_config(config(512))]

    /// Any JSON, request-shaped or not: parsing answers a request or a reason, and every check
    /// after it answers too, for every kind of sender.
    #[test]
    fn any_message_is_answered(value in prop_oneof![request_json(), json()], who in sender()) {
        match parse_request(value) {
            Ok(request) => {
                let _ = validate(&request);
                answer_local(&request);
                let origin = origin_of(&who, OWN_ID);
                allowed(&request, origin);
                let _ = bind_to_sender(request, origin, &who);
            }
            Err(reason) => prop_assert!(reason.starts_with("Not a Spotdial request: ")),
        }
    }

    /// What we send is what the worker reads: every request survives JSON unchanged.
    #[test]
    fn requests_round_trip_through_json(request in request()) {
        let wire = serde_json::to_value(&request).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(parse_request(wire), Ok(request));
    }

    /// Every call id the outbox makes passes the wire's id check, so a call the worker dialed
    /// can always be logged, drafted, discarded, retried and deleted by its id.
    #[test]
    fn made_call_ids_are_valid_on_the_wire(bytes in any::<[u8; 16]>()) {
        let call = spotdial::outbox::entry::external_id_from_random(&bytes);
        let requests = [
            Request::LogCall { call: call.clone(), outcome: None, notes: String::new(), complete_task: None },
            Request::CallDraft { call: call.clone(), outcome: None, notes: String::new() },
            Request::DiscardCall { call: call.clone() },
            Request::RetryLog { id: call.clone() },
            Request::DeleteLog { id: call },
        ];
        for request in requests {
            prop_assert_eq!(validate(&request), Ok(()));
        }
    }

    /// Fails closed: an untrusted sender may ask nothing; only this extension's own id can be
    /// an extension page; a HubSpot top frame is a top-frame content script on a HubSpot host.
    #[test]
    fn the_sender_table_fails_closed(request in request(), who in sender()) {
        prop_assert!(!allowed(&request, Origin::Untrusted));
        match origin_of(&who, OWN_ID) {
            Origin::ExtensionPage => {
                prop_assert_eq!(who.id.as_deref(), Some(OWN_ID));
                let own_prefix = format!("chrome-extension://{OWN_ID}/");
                prop_assert!(who.url.as_deref().is_some_and(|u| u.starts_with(&own_prefix)));
            }
            Origin::HubSpotTopFrame => {
                prop_assert_eq!(who.id.as_deref(), Some(OWN_ID));
                prop_assert!(who.from_tab && who.frame_id == Some(0));
            }
            Origin::Untrusted => {}
        }
    }

    /// A content script acts only on the record its tab shows: a card bound to a tab is that
    /// tab's card, a dial or a deletion names the tab's contact, or the request is refused.
    #[test]
    fn requests_bind_to_the_senders_page(request in request(), who in sender()) {
        let valid = validate(&request).is_ok();
        match bind_to_sender(request.clone(), Origin::HubSpotTopFrame, &who) {
            Ok(Request::Card { url }) => {
                prop_assert_eq!(Some(url.clone()), who.tab_url.clone().or(Some(String::new())));
                if let Request::Card { url: asked } = &request {
                    let record = |u: &str| match classify(u) {
                        Page::Contact { portal, contact, .. } => Some((portal, contact)),
                        _ => None,
                    };
                    prop_assert_eq!(record(asked), record(&url));
                }
            }
            Ok(Request::Dial { contact, .. }) | Ok(Request::ForgetContact { contact }) => {
                let shown = sender_page(&who).map(|(_, _, c)| c);
                prop_assert_eq!(Some(contact), shown);
            }
            Ok(other) => prop_assert_eq!(&other, &request),
            Err(failure) => prop_assert!(!failure.code.is_empty()),
        }
        // `validate` does not depend on who asked; binding never turns an invalid id valid.
        if let Ok(bound) = bind_to_sender(request, Origin::HubSpotTopFrame, &who) {
            if !matches!(bound, Request::Card { .. }) {
                prop_assert_eq!(validate(&bound).is_ok(), valid);
            }
        }
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// The same rule where it bites: a content script on a contact's record, asking about that
    /// contact or a near one (same digits, other portal, a prefix), for a card, a dial or a
    /// deletion. Only the shown contact passes; a card always becomes the tab's own card.
    #[test]
    fn content_scripts_act_only_on_their_record(
        shown in prop::sample::select(vec!["201", "2010", "20", "7"]),
        asked in prop::sample::select(vec!["201", "2010", "20", "7", "0201", "", "20102010"]),
        portals in (prop::sample::select(vec!["62515", "625150"]), prop::sample::select(vec!["62515", "625150"])),
        kind in 0..3u8,
    ) {
        let tab = format!("https://app.hubspot.com/contacts/{}/record/0-1/{shown}", portals.0);
        let who = Sender {
            id: Some(OWN_ID.into()),
            url: Some(tab.clone()),
            from_tab: true,
            frame_id: Some(0),
            tab_url: Some(tab.clone()),
        };
        prop_assert_eq!(origin_of(&who, OWN_ID), Origin::HubSpotTopFrame);
        let contact = ContactId::new(asked);
        let request = match kind {
            0 => Request::Dial { contact, number: "+14155550100".into() },
            1 => Request::ForgetContact { contact },
            _ => Request::Card { url: format!("https://app.hubspot.com/contacts/{}/record/0-1/{asked}", portals.1) },
        };
        let same = asked == shown && (kind < 2 || portals.0 == portals.1);
        match bind_to_sender(request.clone(), Origin::HubSpotTopFrame, &who) {
            Ok(Request::Card { url }) => prop_assert!(same && url == tab, "{url}"),
            Ok(bound) => prop_assert!(same && bound == request, "{bound:?}"),
            Err(_) => prop_assert!(!same),
        }
    }
}

/// Which variant a request is. No wildcard arm: a new `Request` variant fails to compile here,
/// and then `the_generator_covers_every_variant` until `request()` generates it.
fn variant(request: &Request) -> usize {
    match request {
        Request::Ping => 0,
        Request::Card { .. } => 1,
        Request::Status => 2,
        Request::SignIn => 3,
        Request::SignOut => 4,
        Request::Queue { .. } => 5,
        Request::Lists => 6,
        Request::SetQueueList { .. } => 7,
        Request::Dial { .. } => 8,
        Request::LogCall { .. } => 9,
        Request::CallDraft { .. } => 10,
        Request::DiscardCall { .. } => 11,
        Request::Calls => 12,
        Request::ForgetContact { .. } => 13,
        Request::Outbox => 14,
        Request::RetryLog { .. } => 15,
        Request::DeleteLog { .. } => 16,
        Request::Settings => 17,
        Request::SaveSettings { .. } => 18,
        Request::Inventory => 19,
        Request::FindContacts { .. } => 20,
        Request::History => 21,
    }
}

#[test]
fn the_generator_covers_every_variant() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..2_000 {
        if let Ok(tree) = request().new_tree(&mut runner) {
            seen.insert(variant(&tree.current()));
        }
    }
    assert_eq!(seen, (0..22).collect(), "every variant is generated, so every variant round-trips");
}
