//! The queue service natively: choosing a list as the queue saves it as a typed rep setting
//! (the rep's other choices kept) and loads that list at once. Layer: core tests (native).

use crate::ids::ListId;
use crate::message::Request;
use crate::ports::Area;
use crate::worker::tests::{ask, popup, signed_in_world};
use serde_json::json;

#[test]
fn choosing_a_list_keeps_the_other_settings_and_loads_that_list() {
    let world = signed_in_world();
    world.store.put(Area::Local, "settings:v1", json!({"dialScheme": "callto"}));
    ask(&world, Request::SetQueueList { list: Some(ListId::new("42")) }, &popup());
    assert_eq!(
        world.store.value(Area::Local, "settings:v1"),
        Some(json!({"dialScheme": "callto", "queueListId": "42"}))
    );
    let lists = world.http.count_where(|r| r.url.contains("/crm/lists/2026-03/42/memberships"));
    assert_eq!(lists, 1, "{:?}", world.http.sent.borrow().iter().map(|r| r.url.clone()).collect::<Vec<_>>());
    // Back to the rep's tasks: the list goes, the other choice stays.
    ask(&world, Request::SetQueueList { list: None }, &popup());
    assert_eq!(world.store.value(Area::Local, "settings:v1"), Some(json!({"dialScheme": "callto"})));
    // A stored setting this build refuses is named; nothing is overwritten.
    world.store.put(Area::Local, "settings:v1", json!({"dialScheme": "skype"}));
    let refused = ask(&world, Request::SetQueueList { list: Some(ListId::new("42")) }, &popup());
    assert_eq!(refused["error"]["code"], "bad_setting", "{refused}");
    assert_eq!(world.store.value(Area::Local, "settings:v1"), Some(json!({"dialScheme": "skype"})));
}

#[test]
fn a_task_whose_call_is_logged_leaves_the_queue_while_hubspot_still_lists_it_open() {
    crate::worker::tests::BUSY.with(|b| b.set(true));
    let world = signed_in_world();
    let queue = ask(&world, Request::Queue { refresh: true }, &popup());
    assert_eq!(queue["queue"]["items"][0]["task"]["id"], "70002", "{queue}");
    // Logged on a busy portal: the completion of 70002 waits for the rep's next log.
    let dial = crate::worker::tests::dial(&world);
    let log = Request::LogCall {
        call: dial["call"].as_str().expect("a call").to_string(),
        outcome: None,
        notes: String::new(),
        complete_task: Some(crate::ids::TaskId::new("70002")),
    };
    let logged = ask(&world, log, &crate::worker::tests::content_script());
    crate::worker::tests::BUSY.with(|b| b.set(false));
    assert!(logged["message"].as_str().is_some_and(|m| m.contains("HubSpot is busy")), "{logged}");
    // HubSpot's search (the fake's) still lists 70002 open; the queue does not.
    let again = ask(&world, Request::Queue { refresh: true }, &popup());
    assert_eq!(again["queue"]["items"], json!([]), "{again}");
    let searches = world.http.count_where(|r| r.url.ends_with("/tasks/search"));
    assert_eq!(searches, 2, "the second queue was read from HubSpot, not the cache");
}
