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
