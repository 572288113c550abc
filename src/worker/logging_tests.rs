//! The logging service natively, against the scripted HubSpot of `tests.rs`: card, dial and
//! log make exactly the requests needed, a second "Log call" never logs twice, a call never
//! dialed is refused, and a call is logged only from its own contact's page.
//! Layer: core tests (native).

use crate::message::Request;
use crate::ports::{Area, Method};
use crate::testing::block_on;
use crate::worker::tests::{ask, content_script, dial, on_page, signed_in_world, RECORD};
use serde_json::json;

#[test]
fn card_dial_and_log_make_exactly_the_requests_needed_and_a_second_log_is_refused() {
    let world = signed_in_world();
    let card = ask(&world, Request::Card { url: RECORD.into() }, &content_script());
    assert_eq!(card["card"]["name"], "Ana Alvarez");
    assert_eq!(
        card["card"]["numbers"][0],
        json!({"label": "Phone", "raw": "(415) 555-0132", "dialable": true, "e164": "+14155550132", "problem": null})
    );
    // The fake clock knows no time zones (the browser's Intl does, tested in the glue): no line.
    assert_eq!(card["card"]["local_time"], serde_json::Value::Null);
    let sent = world.http.sent.borrow().clone();
    assert_eq!(sent.len(), 1, "one contact read");
    assert!(
        sent[0].url.contains("properties=firstname,lastname,company,jobtitle,phone,mobilephone,hs_timezone,country"),
        "{}",
        sent[0].url
    );
    assert_eq!(sent[0].header_value("Authorization"), Some("Bearer tok-1"));

    // A number that is not the contact's is never dialed.
    let bad = ask(
        &world,
        Request::Dial { contact: crate::ids::ContactId::new("201"), number: "+1 900 555 0000".into() },
        &content_script(),
    );
    assert_eq!(bad["error"]["code"], "unknown_number");

    let dial = ask(
        &world,
        Request::Dial { contact: crate::ids::ContactId::new("201"), number: "+1 415.555.0199 x204".into() },
        &content_script(),
    );
    assert_eq!(dial["uri"], "tel:+14155550199;ext=204");
    assert_eq!(dial["task"]["id"], "70002");
    let call = dial["call"].as_str().expect("a call id").to_string();

    let log = Request::LogCall {
        call: call.clone(),
        outcome: Some("f240bbac-87c9-4f6e-bf70-924b57d47db7".into()),
        notes: "Wants a quote".into(),
        complete_task: Some(crate::ids::TaskId::new("70002")),
    };
    let logged = ask(&world, log.clone(), &content_script());
    assert_eq!(logged["state"], "logged", "{logged}");
    assert_eq!(logged["message"], "Call logged");
    let creates = world.http.count_where(|r| r.method == Method::Post && r.url.ends_with("/crm/objects/2026-03/calls"));
    let completes = world.http.count_where(|r| r.method == Method::Patch && r.url.ends_with("/tasks/70002"));
    assert_eq!((creates, completes), (1, 1));
    let history =
        world.store.keys_in(Area::Local).into_iter().find(|k| k.starts_with("history:v1:")).expect("history kept");
    assert_eq!(world.store.value(Area::Local, &history).expect("entry")["outcome_label"], "Connected");

    // The rep clicks "Log call" again (or the page is reloaded and the message resent).
    let again = ask(&world, log, &content_script());
    assert_eq!(again["error"]["code"], "already_logged");
    let creates = world.http.count_where(|r| r.method == Method::Post && r.url.ends_with("/crm/objects/2026-03/calls"));
    assert_eq!(creates, 1, "never twice");
}

#[test]
fn a_log_for_a_call_never_dialed_is_refused() {
    let world = signed_in_world();
    let answer = ask(
        &world,
        Request::LogCall {
            call: "spotdial-00000000000000000000000000000000".into(),
            outcome: None,
            notes: String::new(),
            complete_task: None,
        },
        &content_script(),
    );
    assert_eq!(answer["error"]["code"], "unknown_call");
    assert_eq!(world.http.count(), 0);
}

#[test]
fn a_call_is_logged_only_from_its_own_contacts_page() {
    let world = signed_in_world();
    let call = dial(&world)["call"].as_str().expect("a call id").to_string();
    let other_page = on_page("https://app.hubspot.com/contacts/62515/record/0-1/202");
    let log = Request::LogCall { call, outcome: None, notes: "x".into(), complete_task: None };
    assert_eq!(ask(&world, log.clone(), &other_page)["error"]["code"], "not_this_page");
    let creates =
        || world.http.count_where(|r| r.method == Method::Post && r.url.ends_with("/crm/objects/2026-03/calls"));
    assert_eq!(creates(), 0);
    assert_eq!(ask(&world, log, &content_script())["state"], "logged");
    assert_eq!(creates(), 1);
}

/// Removes a key as the worker would not: the moment before a write lands.
fn forget_key(world: &crate::worker::tests::World, key: &str) {
    if let Some(map) = world.store.data.borrow_mut().get_mut(&Area::Local) {
        map.remove(key);
    }
}

#[test]
fn a_second_log_call_finds_the_call_logged_before_its_history_line_is_written() {
    let world = signed_in_world();
    let call = dial(&world)["call"].as_str().expect("a call id").to_string();
    let log = Request::LogCall { call: call.clone(), outcome: None, notes: "x".into(), complete_task: None };
    assert_eq!(ask(&world, log.clone(), &content_script())["state"], "logged");
    // The window between the drain settling the log and the history line being written: the
    // outbox entry is gone, the history line not there yet. The duplicate check, written by the
    // drain before the entry left, still says the call is logged.
    let history = ["history:v1:", call.as_str()].concat();
    forget_key(&world, &history);
    assert!(world.store.value(Area::Local, &["verify:v1:", call.as_str()].concat()).is_some(), "the drain's check");
    let again = ask(&world, log, &content_script());
    assert_eq!(again["error"]["code"], "already_logged", "{again}");
    let creates = world.http.count_where(|r| r.method == Method::Post && r.url.ends_with("/crm/objects/2026-03/calls"));
    assert_eq!(creates, 1, "never twice");
}

#[test]
fn during_a_reconnect_a_call_waits_for_the_account_instead_of_being_called_anothers() {
    let world = signed_in_world();
    let call = dial(&world)["call"].as_str().expect("a call id").to_string();
    let log = Request::LogCall { call, outcome: None, notes: "x".into(), complete_task: None };
    // A reconnect has dropped the profile and HubSpot is naming the new tokens' account.
    forget_key(&world, "profile:v1");
    let window = crate::worker::hub::SignInWindow::open(&world.app.hub.signing_in);
    let waiting = ask(&world, log.clone(), &content_script());
    assert_eq!(waiting["error"]["code"], "signing_in", "{waiting}");
    assert_eq!(waiting["error"]["retryable"], true);
    drop(window);
    // Signed out for good (no sign-in under way): the call names the account it waits for.
    let other = ask(&world, log, &content_script());
    assert_eq!(other["error"]["code"], "other_account", "{other}");
    let creates = world.http.count_where(|r| r.method == Method::Post && r.url.ends_with("/crm/objects/2026-03/calls"));
    assert_eq!(creates, 0);
}

#[test]
fn on_a_busy_portal_the_call_is_logged_and_its_task_completion_shown_as_waiting() {
    crate::worker::tests::BUSY.with(|b| b.set(true));
    let world = signed_in_world();
    let dial = dial(&world);
    let call = dial["call"].as_str().expect("a call id").to_string();
    let logged = ask(
        &world,
        Request::LogCall {
            call,
            outcome: None,
            notes: String::new(),
            complete_task: Some(crate::ids::TaskId::new("70002")),
        },
        &content_script(),
    );
    crate::worker::tests::BUSY.with(|b| b.set(false));
    assert_eq!(logged["state"], "logged", "the call is in HubSpot: {logged}");
    assert!(logged["message"].as_str().is_some_and(|m| m.contains("within 2 minutes")), "{logged}");
    let creates = world.http.count_where(|r| r.method == Method::Post && r.url.ends_with("/crm/objects/2026-03/calls"));
    let completes =
        world.http.count_where(|r| r.url.contains("/tasks/70002") || r.url.ends_with("/tasks/batch/update"));
    assert_eq!((creates, completes), (1, 0), "the completion waits for the rep's next log");
    let outbox = ask(&world, Request::Outbox, &crate::worker::tests::popup());
    let entry = &outbox["entries"][0];
    assert_eq!(entry["status"], "completing_task", "{outbox}");
    assert!(entry["label"].as_str().is_some_and(|l| l.starts_with("logged, completing the task at ")), "{outbox}");
}

fn is_create(req: &crate::ports::HttpRequest) -> bool {
    req.method == Method::Post && req.url.ends_with("/crm/objects/2026-03/calls")
}

/// HubSpot refuses every create with 401, the broker's refresh works, and HubSpot refuses the
/// new token too (DESIGN §2: one refresh and one retry, then "needs reconnect").
fn refuse_creates_even_with_a_fresh_token(world: &crate::worker::tests::World) {
    world.http.respond(|req| {
        if is_create(req) {
            return Ok(crate::testing::response(
                401,
                r#"{"status":"error","message":"Authentication credentials not found.","category":"INVALID_AUTHENTICATION"}"#,
            ));
        }
        if req.url == "https://broker.example/v1/token" {
            return Ok(crate::testing::response(
                200,
                r#"{"access_token":"tok-2","refresh_token":"refresh-1","expires_in":1800,"hub_id":62515,"user_id":1001}"#,
            ));
        }
        crate::worker::tests::hubspot(req)
    });
}

#[test]
fn a_log_refused_even_with_a_fresh_token_asks_the_rep_to_reconnect_and_is_kept() {
    let world = signed_in_world();
    let call = dial(&world)["call"].as_str().expect("a call id").to_string();
    refuse_creates_even_with_a_fresh_token(&world);
    let log = Request::LogCall { call, outcome: None, notes: "Kept".into(), complete_task: None };
    let held = ask(&world, log, &content_script());
    assert_ne!(held["state"], "logged", "{held}");
    let creates = world.http.count_where(is_create);
    let refreshes = world.http.count_where(|r| r.url.ends_with("/v1/token"));
    assert_eq!((creates, refreshes), (2, 1), "one refresh, one retry: {held}");
    // The rep is asked to reconnect: the popup says so, and the log waits for it, kept. (Held
    // for reconnect while the popup said "signed in", it waited 15 minutes unasked.)
    let status = ask(&world, Request::Status, &crate::worker::tests::popup());
    assert_eq!(status["auth"], "needs_reconnect", "{status}");
    let outbox = ask(&world, Request::Outbox, &crate::worker::tests::popup());
    assert_eq!(outbox["entries"].as_array().map(Vec::len), Some(1), "{outbox}");
    assert_eq!(outbox["entries"][0]["status"], "waiting_for_sign_in", "{outbox}");
}

#[test]
fn a_log_held_for_a_reconnect_goes_at_the_next_drain_once_a_token_is_in_hand() {
    // Soak seed 707864256: a sign-in finished while a drain's refused request was in flight, so
    // the drain held the log for a reconnect after the sign-in had resumed the outbox: the popup
    // said "signed in" and the log waited for its 15-minute recheck, unasked.
    let world = signed_in_world();
    let call = dial(&world)["call"].as_str().expect("a call id").to_string();
    refuse_creates_even_with_a_fresh_token(&world);
    let log = Request::LogCall { call, outcome: None, notes: "Kept".into(), complete_task: None };
    assert_ne!(ask(&world, log, &content_script())["state"], "logged");
    let key = world.store.keys_in(Area::Local).into_iter().find(|k| k.starts_with("outbox:v1:")).expect("kept");
    let held = world.store.value(Area::Local, &key).expect("kept");
    assert_eq!(held["hold"]["kind"], "needs_reconnect", "{held}");
    // The sign-in that raced it: new tokens in store, the outbox not resumed after the hold.
    crate::worker::tests::sign_in(world.store);
    world.http.respond(crate::worker::tests::hubspot);
    let status = ask(&world, Request::Status, &crate::worker::tests::popup());
    assert_eq!(status["auth"], "signed_in", "{status}");
    let creates = world.http.count_where(is_create);
    block_on(world.app.on_alarm(crate::worker::ALARM_OUTBOX));
    assert_eq!(world.http.count_where(is_create), creates + 1, "sent at the next drain, not in 15 minutes");
    assert!(world.store.value(Area::Local, &key).is_none(), "no log left held behind a \"signed in\"");
}
