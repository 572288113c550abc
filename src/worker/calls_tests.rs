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

/// Requests sent so far, by kind: (task searches, task batch reads, single contact reads,
/// everything else but the outcomes read).
fn by_class(world: &World) -> (usize, usize, usize, usize) {
    let sent = world.http.sent.borrow();
    let path = |r: &crate::ports::HttpRequest| r.url.split('?').next().unwrap_or("").to_string();
    let searches = sent.iter().filter(|r| path(r).ends_with("/tasks/search")).count();
    let task_reads = sent.iter().filter(|r| path(r).ends_with("/tasks/batch/read")).count();
    let contact_reads = sent.iter().filter(|r| r.method == Method::Get && path(r).contains("/contacts/")).count();
    let other = sent.len() - searches - task_reads - contact_reads;
    let outcomes = sent.iter().filter(|r| path(r).ends_with("/calling/v1/dispositions")).count();
    (searches, task_reads, contact_reads, other - outcomes)
}

#[test]
fn a_dial_outside_the_queue_reads_the_contacts_tasks_in_one_batch_and_never_searches() {
    let world = signed_in_world();
    ask(&world, Request::Card { url: RECORD.into() }, &content_script());
    let read = world.http.sent.borrow().iter().find(|r| r.url.contains("/contacts/201")).map(|r| r.url.clone());
    assert!(read.is_some_and(|u| u.ends_with("&associations=tasks")), "the card's one read brings the task ids");
    assert_eq!(by_class(&world), (0, 0, 1, 0));
    let dialed = dial(&world);
    assert_eq!(by_class(&world), (0, 1, 1, 0), "one task batch read, no search, the contact not read again");
    assert_eq!(dialed["task"]["id"], "70002", "the rep's open call task; not the completed one, not another rep's");
    let batch =
        world.http.sent.borrow().iter().find(|r| r.url.ends_with("/tasks/batch/read")).and_then(|r| r.body.clone());
    let batch: Value = serde_json::from_str(&batch.unwrap_or_default()).expect("a JSON body");
    assert_eq!(batch["inputs"], json!([{"id": "70009"}, {"id": "70002"}, {"id": "70010"}]));
}

#[test]
fn a_contact_without_tasks_dials_with_no_task_and_no_task_request() {
    let world = signed_in_world();
    let cleo = "https://app.hubspot.com/contacts/62515/record/0-1/203";
    let card = ask(&world, Request::Card { url: cleo.into() }, &crate::worker::tests::on_page(cleo));
    assert_eq!(card["card"]["name"], "Cleo Ng", "{card}");
    let dialed = ask(
        &world,
        Request::Dial { contact: ContactId::new("203"), number: "+1 212 555 0100".into() },
        &crate::worker::tests::on_page(cleo),
    );
    assert_eq!(dialed["kind"], "dialing", "{dialed}");
    assert_eq!(dialed["task"], Value::Null);
    assert_eq!(by_class(&world), (0, 0, 1, 0), "the card's read only");
}

#[test]
fn a_queued_contact_opens_and_dials_without_a_request_and_gets_the_queues_task() {
    let world = signed_in_world();
    let queue = ask(&world, Request::Queue { refresh: true }, &popup());
    assert_eq!(queue["queue"]["items"][0]["task"]["id"], "70002", "{queue}");
    let after_queue = by_class(&world);
    assert_eq!(after_queue, (1, 0, 0, 2), "search, association read, contact batch read");
    let card = ask(&world, Request::Card { url: RECORD.into() }, &content_script());
    assert_eq!(card["card"]["name"], "Ana Alvarez");
    assert_eq!(card["card"]["numbers"][0]["e164"], "+14155550132");
    let dialed = dial(&world);
    assert_eq!(dialed["task"]["id"], "70002");
    assert_eq!(by_class(&world), after_queue, "the card and the task came from the queue's read");

    // The queue cache went (another source chosen and back, say) while the card cache is
    // fresh: the card cache still knows the rep's task on Ana, one batch read finds it.
    crate::testing::block_on(crate::ports::Store::remove(world.store, Area::Session, "cache:v1:queue"))
        .expect("removed");
    ask(&world, Request::DiscardCall { call: dialed["call"].as_str().unwrap_or("").into() }, &content_script());
    let again = dial(&world);
    assert_eq!(again["task"]["id"], "70002");
    assert_eq!(by_class(&world), (1, 1, 0, 2), "one task batch read, still no contact read, no search");
}

#[test]
fn card_facts_cached_without_task_ids_are_read_again_for_a_dial_only() {
    // As a list queue (or a version before the field) leaves them: no `tasks`.
    let world = signed_in_world();
    let old = json!({"contact": {"id": "201", "name": "Ana Alvarez", "company": null, "title": null,
        "numbers": [["phone", "(415) 555-0132"]], "time_zone": null, "country": "United States"},
        "fields": [], "fetched_at_ms": T0});
    world.store.put(Area::Session, "cache:v1:contact:201", old);
    let card = ask(&world, Request::Card { url: RECORD.into() }, &content_script());
    assert_eq!(card["card"]["name"], "Ana Alvarez", "{card}");
    assert_eq!(world.http.count(), 0, "an old cache still answers the card");
    let dialed = dial(&world);
    assert_eq!(dialed["task"]["id"], "70002");
    assert_eq!(by_class(&world), (0, 1, 1, 0), "the contact read again for its task ids, then one batch read");
}
