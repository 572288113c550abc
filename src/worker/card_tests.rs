//! The card natively, against the scripted HubSpot of `tests.rs`: a card only for the record
//! the sender's tab shows. Layer: core tests (native).

use crate::message::{Request, Sender};
use crate::worker::tests::{ask, content_script, on_page, signed_in_world, RECORD};

#[test]
fn a_card_is_only_for_the_record_the_senders_tab_shows() {
    let world = signed_in_world();
    let card = ask(
        &world,
        Request::Card { url: "https://app.hubspot.com/contacts/62515/record/0-1/999".into() },
        &content_script(),
    );
    assert_eq!(
        (card["error"]["code"].as_str(), card["error"]["retryable"].as_bool()),
        (Some("page_changed"), Some(true))
    );
    // HubSpot navigated in the page: the document's URL is the first record's, the tab's is the
    // second's, and the tab is what counts.
    let moved = Sender {
        tab_url: Some("https://app.hubspot.com/contacts/62515/record/0-1/201".into()),
        ..on_page("https://app.hubspot.com/contacts/62515/record/0-1/1")
    };
    let moved = Sender { url: Some("https://app.hubspot.com/contacts/62515/record/0-1/1".into()), ..moved };
    let card = ask(&world, Request::Card { url: RECORD.into() }, &moved);
    assert_eq!((card["contact"].as_str(), card["card"]["name"].as_str()), (Some("201"), Some("Ana Alvarez")));
    let sent = world.http.sent.borrow().clone();
    assert!(sent.iter().all(|r| !r.url.contains("/contacts/999")), "contact 999 was never read");
}

/// The cached outcomes' reader against serde's derive (the reference, `testing::agree`).
#[test]
fn cached_outcomes_read_as_serdes_derive_reads_them() {
    let cached = serde_json::json!({"fetched_at_ms": 5, "outcomes": [{"id": "f240", "label": "Connected"}]});
    let bases = [cached.clone(), crate::testing::with(&cached, "outcomes", Some(serde_json::json!([])))];
    assert!(crate::testing::agree(&bases, super::CachedOutcomes::read, &[], &[]) > 50);
}
