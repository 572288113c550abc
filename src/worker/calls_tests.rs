//! The worker's call-in-progress handlers natively, against the scripted HubSpot of
//! `tests.rs`: one call per contact, the card bringing the call back with its draft, drafts
//! that cost no request, the offered task only, the sender's own contact, the account a call
//! was made under, the popup's list, Log and Discard. Layer: core tests (native).

use crate::ids::{ContactId, TaskId};
use crate::message::{Request, Sender};
use crate::ports::{Area, Method};
use crate::worker::tests::{ask, content_script, dial, popup, signed_in_world, World, RECORD, T0};
use serde_json::{json, Value};

const CONNECTED: &str = "f240bbac-87c9-4f6e-bf70-924b57d47db7";

fn page(contact: &str) -> Sender {
    let url = ["https://app.hubspot.com/contacts/62515/record/0-1/", contact].concat();
    Sender { url: Some(url.clone()), tab_url: Some(url), ..content_script() }
}

fn log(call: &str, task: Option<&str>) -> Request {
    Request::LogCall {
        call: call.into(),
        outcome: Some(CONNECTED.into()),
        notes: "From the card".into(),
        complete_task: task.map(TaskId::new),
    }
}

fn creates(world: &World) -> usize {
    world.http.count_where(|r| r.method == Method::Post && r.url.ends_with("/crm/objects/2026-03/calls"))
}

/// Signs the world in as another HubSpot user of the same portal.
fn switch_user(world: &World, user: &str) {
    let mut profile = world.store.value(Area::Local, "profile:v1").expect("profile");
    profile["user_id"] = json!(user);
    world.store.put(Area::Local, "profile:v1", profile);
}

#[test]
fn a_second_dial_on_the_contact_returns_the_same_call() {
    let world = signed_in_world();
    let first = dial(&world);
    world.clock.advance(30_000);
    let before = world.http.count();
    let second = dial(&world);
    assert_eq!(world.http.count(), before, "the call in progress answers from storage");
    assert_eq!(second["call"], first["call"]);
    assert_eq!(second["started_at_ms"], json!(T0), "the start is the first dial's");
    assert_eq!(first["number"], "(415) 555-0132");
    assert_eq!(first["uri"], "tel:+14155550132");
}

#[test]
fn the_card_brings_back_the_call_with_its_draft_and_a_draft_costs_no_request() {
    let world = signed_in_world();
    let call = dial(&world)["call"].as_str().expect("id").to_string();
    let before = world.http.count();
    let saved = ask(
        &world,
        Request::CallDraft {
            call: call.clone(),
            outcome: Some(CONNECTED.into()),
            notes: "Typed before the reload".into(),
        },
        &content_script(),
    );
    assert_eq!(saved, json!({"kind": "draft_saved", "call": call}));
    assert_eq!(world.http.count(), before, "a draft is storage only");

    world.clock.advance(60_000);
    let card = ask(&world, Request::Card { url: RECORD.into() }, &content_script());
    assert_eq!(card["call"]["call"], json!(call));
    assert_eq!(card["call"]["notes"], "Typed before the reload");
    assert_eq!(card["call"]["outcome"], CONNECTED);
    assert_eq!(card["call"]["started_at_ms"], json!(T0));
    assert_eq!(card["call"]["stale"], false);
    assert_eq!(card["call"]["task"]["id"], "70002");

    // Hours later HubSpot no longer takes the token (the fake refuses the refresh): the card
    // cannot load the contact, and the call still comes back, now asking to be settled.
    world.clock.advance(12 * 3_600_000);
    let card = ask(&world, Request::Card { url: RECORD.into() }, &content_script());
    assert_eq!(card["card"], Value::Null, "{card}");
    assert_eq!(card["call"]["notes"], "Typed before the reload");
    assert_eq!(card["call"]["stale"], true, "a call from yesterday asks to be logged or discarded");
}

#[test]
fn drafts_are_bounded_and_bound_to_the_senders_contact() {
    let world = signed_in_world();
    let call = dial(&world)["call"].as_str().expect("id").to_string();
    let long = ask(
        &world,
        Request::CallDraft { call: call.clone(), outcome: None, notes: "x".repeat(10_001) },
        &content_script(),
    );
    assert_eq!(long["error"]["code"], "notes_too_long");
    let elsewhere =
        ask(&world, Request::CallDraft { call: call.clone(), outcome: None, notes: "n".into() }, &page("202"));
    assert_eq!(elsewhere["error"]["code"], "not_this_page");
    let list = "https://app.hubspot.com/contacts/62515/objects/0-1/views/all/list";
    let not_a_record = Sender { url: Some(list.into()), tab_url: Some(list.into()), ..content_script() };
    let listed = ask(&world, Request::DiscardCall { call: call.clone() }, &not_a_record);
    assert_eq!(listed["error"]["code"], "not_this_page");
    let logged_elsewhere = ask(&world, log(&call, None), &page("202"));
    assert_eq!(logged_elsewhere["error"]["code"], "not_this_page");
    assert_eq!(creates(&world), 0);
}

#[test]
fn a_log_completes_only_the_task_offered_at_dial() {
    let world = signed_in_world();
    let call = dial(&world)["call"].as_str().expect("id").to_string();
    let other = ask(&world, log(&call, Some("70009")), &content_script());
    assert_eq!(other["error"]["code"], "task_mismatch");
    let not_digits = ask(&world, log(&call, Some("70002/../1")), &content_script());
    assert_eq!(not_digits["error"]["code"], "bad_request");
    assert_eq!(creates(&world), 0, "a refused log sends nothing");
    let logged = ask(&world, log(&call, Some("70002")), &content_script());
    assert_eq!(logged["state"], "logged", "{logged}");
    assert_eq!(world.http.count_where(|r| r.method == Method::Patch && r.url.ends_with("/tasks/70002")), 1);
}

#[test]
fn a_dial_refuses_a_contact_id_that_is_not_digits() {
    let world = signed_in_world();
    let answer = ask(
        &world,
        Request::Dial { contact: ContactId::new("201/../7"), number: "(415) 555-0132".into() },
        &content_script(),
    );
    assert_eq!(answer["error"]["code"], "bad_request");
    assert_eq!(world.http.count(), 0);
}

#[test]
fn the_popup_lists_logs_the_saved_draft_and_discards() {
    let world = signed_in_world();
    let call = dial(&world)["call"].as_str().expect("id").to_string();
    ask(
        &world,
        Request::CallDraft { call: call.clone(), outcome: Some(CONNECTED.into()), notes: "Saved draft".into() },
        &content_script(),
    );
    let listed = ask(&world, Request::Calls, &popup());
    let item = &listed["calls"][0];
    assert_eq!(item["call"], json!(call));
    assert_eq!(item["contact_name"], "Ana Alvarez");
    assert_eq!(item["record_url"], RECORD);
    assert_eq!(item["account"], json!({"portal": "62515", "user": "1001"}));
    assert_eq!(item["other_account"], false);
    assert_eq!(item["notes"], "Saved draft");

    world.clock.advance(95_000);
    // The popup sends no notes: the saved draft is what is logged.
    let logged = ask(
        &world,
        Request::LogCall { call: call.clone(), outcome: None, notes: String::new(), complete_task: None },
        &popup(),
    );
    assert_eq!(logged["state"], "logged", "{logged}");
    let sent = world
        .http
        .sent
        .borrow()
        .iter()
        .find(|r| r.url.ends_with("/crm/objects/2026-03/calls"))
        .cloned()
        .expect("a create");
    let body: Value = serde_json::from_str(sent.body.as_deref().unwrap_or("{}")).expect("json");
    assert_eq!(body["properties"]["hs_call_body"], "Saved draft");
    assert_eq!(body["properties"]["hs_call_disposition"], CONNECTED);
    assert_eq!(body["properties"]["hs_call_duration"], "95000", "counted from the first dial");
    assert_eq!(ask(&world, Request::Calls, &popup())["calls"], json!([]));

    // (The fake browser's random source repeats itself, so the new call's id is not new.)
    let second = dial(&world)["call"].as_str().expect("id").to_string();
    assert_eq!(
        ask(&world, Request::DiscardCall { call: second.clone() }, &popup()),
        json!({"kind": "discarded", "call": second})
    );
    assert_eq!(ask(&world, Request::Calls, &popup())["calls"], json!([]));
    assert_eq!(creates(&world), 1, "a discarded call is never logged");
}

#[test]
fn a_call_made_under_another_account_waits_for_it() {
    let world = signed_in_world();
    let call = dial(&world)["call"].as_str().expect("id").to_string();
    switch_user(&world, "1002");
    let card = ask(&world, Request::Card { url: RECORD.into() }, &content_script());
    assert_eq!(card["call"], Value::Null, "not shown under another user");
    assert!(
        card["held_call"].as_str().is_some_and(|s| s.contains("account 62515") && s.contains("user 1001")),
        "{card}"
    );
    let refused = ask(&world, log(&call, None), &content_script());
    assert_eq!(refused["error"]["code"], "other_account");
    assert!(refused["error"]["message"].as_str().is_some_and(|m| m.contains("user 1001")));
    let from_popup = ask(
        &world,
        Request::LogCall { call: call.clone(), outcome: None, notes: String::new(), complete_task: None },
        &popup(),
    );
    assert_eq!(from_popup["error"]["code"], "other_account");
    let draft =
        ask(&world, Request::CallDraft { call: call.clone(), outcome: None, notes: "n".into() }, &content_script());
    assert_eq!(draft["error"]["code"], "other_account");
    let redial = ask(
        &world,
        Request::Dial { contact: ContactId::new("201"), number: "(415) 555-0132".into() },
        &content_script(),
    );
    assert_eq!(redial["error"]["code"], "other_account");
    assert_eq!(
        ask(&world, Request::DiscardCall { call: call.clone() }, &content_script())["error"]["code"],
        "other_account"
    );
    let listed = ask(&world, Request::Calls, &popup());
    assert_eq!(listed["calls"][0]["other_account"], true);
    assert_eq!(creates(&world), 0, "nothing was sent into the other account");
    // Back as the rep who dialed: the call is theirs again.
    switch_user(&world, "1001");
    assert_eq!(ask(&world, log(&call, None), &content_script())["state"], "logged");
}
