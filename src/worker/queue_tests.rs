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

/// On a busy portal the queue is kept as long as a card (10 minutes), on a quiet one 2 minutes;
/// "Refresh queue" asks HubSpot either way. Each reload is one task search.
#[test]
fn a_queue_loaded_while_the_portal_is_busy_is_kept_ten_minutes_and_refresh_always_reloads() {
    use super::{QUEUE_CACHE_BUSY_MS, QUEUE_CACHE_MS};
    let searches = |world: &crate::worker::tests::World| world.http.count_where(|r| r.url.ends_with("/tasks/search"));
    let minute = 60_000;
    for busy in [true, false] {
        crate::worker::tests::BUSY.with(|b| b.set(busy));
        let world = signed_in_world();
        let first = ask(&world, Request::Queue { refresh: false }, &popup());
        assert_eq!(first["queue"]["busy_portal"], busy, "{first}");
        assert_eq!(searches(&world), 1);
        // Past the quiet portal's 2 minutes, well inside the busy portal's 10.
        world.clock.advance(QUEUE_CACHE_MS + minute);
        let later = ask(&world, Request::Queue { refresh: false }, &popup());
        assert_eq!(later["queue"]["items"][0]["task"]["id"], "70002", "{later}");
        assert_eq!(searches(&world), if busy { 1 } else { 2 }, "busy portal: {busy}");
        // The rep's "Refresh queue" asks HubSpot however fresh the queue is.
        ask(&world, Request::Queue { refresh: true }, &popup());
        let after_refresh = if busy { 2 } else { 3 };
        assert_eq!(searches(&world), after_refresh, "busy portal: {busy}");
        // Past 10 minutes even a busy portal's queue is loaded again.
        world.clock.advance(QUEUE_CACHE_BUSY_MS);
        ask(&world, Request::Queue { refresh: false }, &popup());
        assert_eq!(searches(&world), after_refresh + 1, "busy portal: {busy}");
    }
    crate::worker::tests::BUSY.with(|b| b.set(false));
}
