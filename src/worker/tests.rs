//! The worker's `App` natively, with fakes for HTTP (a tiny scripted HubSpot), storage, clock
//! and browser: the allowed table in front of every handler, the card, dial and log path, and
//! a second "Log call" for the same call never logging twice. Layer: core tests (native).

use super::{App, Ports};
use crate::auth::AuthConfig;
use crate::message::{Request, Sender};
use crate::ports::{Area, Browser, HttpRequest, Method};
use crate::testing::{block_on, response, FakeClock, FakeHttp, FakeStore};
use serde_json::json;
use std::cell::RefCell;

pub(super) const OWN: &str = "mlcffbhjimpjdchleegdmflbagencmpj";
pub(super) const T0: i64 = 1_795_780_800_000; // 2026-11-27 12:00 UTC
pub(super) const RECORD: &str = "https://app.hubspot.com/contacts/62515/record/0-1/201";

#[derive(Default)]
pub(super) struct FakeBrowser {
    alarms: RefCell<Vec<(String, i64)>>,
}

impl Browser for FakeBrowser {
    fn redirect_url(&self) -> String {
        ["https://", OWN, ".chromiumapp.org/"].concat()
    }
    async fn launch_web_auth_flow(&self, _url: &str) -> Result<String, String> {
        Err("no window in native tests".into())
    }
    fn fill_random(&self, buffer: &mut [u8]) {
        for (i, b) in buffer.iter_mut().enumerate() {
            *b = i as u8;
        }
    }
    fn set_alarm(&self, name: &str, at_ms: i64) {
        self.alarms.borrow_mut().push((name.to_string(), at_ms));
    }
    fn clear_alarm(&self, _name: &str) {}
    fn set_badge(&self, _text: &str, _trouble: bool) {}
}

/// HubSpot as far as a card, a dial and a log need it.
fn hubspot(req: &HttpRequest) -> Result<crate::ports::HttpResponse, crate::ports::TransportError> {
    let path = req.url.trim_start_matches("https://api.hubapi.com");
    let answer = match (req.method, path.split('?').next().unwrap_or("")) {
        (Method::Get, "/crm/objects/2026-03/contacts/201") => response(200, &json!({
            "id": "201", "properties": {"firstname": "Ana", "lastname": "Alvarez", "company": "Northwind Traders",
            "jobtitle": "VP Sales", "phone": "(415) 555-0132", "mobilephone": "+1 415.555.0199 x204",
            "country": "United States", "hs_timezone": "america_slash_los_angeles"}}).to_string()),
        (Method::Get, "/calling/v1/dispositions") => response(200, r#"[{"id":"f240bbac-87c9-4f6e-bf70-924b57d47db7","label":"Connected"}]"#),
        (Method::Post, "/crm/objects/2026-03/tasks/search") => response(200, &json!({"total": 1, "results": [
            {"id": "70002", "properties": {"hs_task_subject": "Discovery call", "hs_task_type": "CALL",
             "hs_task_status": "NOT_STARTED", "hs_timestamp": "2026-11-27T12:30:00Z", "hs_task_priority": "HIGH"}}]}).to_string()),
        (Method::Post, "/crm/objects/2026-03/calls") => response(201, r#"{"id":"9001","properties":{}}"#),
        (Method::Patch, "/crm/objects/2026-03/tasks/70002") => response(200, r#"{"id":"70002","properties":{"hs_task_status":"COMPLETED"}}"#),
        _ => response(404, r#"{"status":"error","message":"not in this fake","category":"OBJECT_NOT_FOUND"}"#),
    };
    Ok(answer)
}

pub(super) struct World {
    pub(super) app: &'static App<FakeHttp, FakeStore, FakeClock, FakeBrowser>,
    pub(super) http: &'static FakeHttp,
    pub(super) store: &'static FakeStore,
    pub(super) clock: &'static FakeClock,
}

pub(super) fn signed_in_world() -> World {
    let http: &'static FakeHttp = Box::leak(Box::new(FakeHttp::responding(hubspot)));
    let store: &'static FakeStore = Box::leak(Box::default());
    let clock: &'static FakeClock = Box::leak(Box::new(FakeClock::at(T0)));
    let browser: &'static FakeBrowser = Box::leak(Box::default());
    store.put(Area::Session, "auth:v1:access", json!({"token": "tok-1", "expires_at_ms": T0 + 1_800_000, "lifetime_ms": 1_800_000}));
    store.put(Area::Local, "auth:v1:refresh", json!({"token": "refresh-1"}));
    store.put(Area::Local, "auth:v1:state", json!({"kind": "signed_in", "hub_id": "62515", "user_id": "1001"}));
    store.put(Area::Local, "profile:v1", json!({"portal": "62515", "hub_domain": "acme-demo.test", "ui_domain": "app.hubspot.com",
        "hublet": "na1", "user_id": "1001", "user_email": "riley@acme-demo.test", "owner": "501", "owner_name": "Riley Rep"}));
    let guard = Box::leak(Box::new(crate::outbox::DrainGuard::new()));
    let ports = Ports { http, store, clock, browser, extension_id: OWN.to_string(), drain_guard: guard };
    let app = block_on(App::build(ports, AuthConfig::broker("spotdial-sandbox-client", "https://broker.example")));
    World { app, http, store, clock }
}

pub(super) fn content_script() -> Sender {
    Sender { id: Some(OWN.into()), url: Some(RECORD.into()), from_tab: true, frame_id: Some(0) }
}

pub(super) fn ask(world: &World, request: Request, sender: &Sender) -> serde_json::Value {
    serde_json::to_value(block_on(world.app.handle(Ok(request), sender))).expect("serializable")
}

#[test]
fn every_handler_sits_behind_the_allowed_table() {
    let world = signed_in_world();
    let stranger = Sender { id: Some("anotherextension".into()), ..content_script() };
    let sub_frame = Sender { frame_id: Some(2), ..content_script() };
    for sender in [stranger, sub_frame] {
        let answer = ask(&world, Request::Card { url: RECORD.into() }, &sender);
        assert_eq!(answer["error"]["code"], "forbidden");
    }
    let answer = ask(&world, Request::SignOut, &content_script());
    assert_eq!(answer["error"]["code"], "forbidden", "a page cannot sign the rep out");
    assert_eq!(world.http.count(), 0, "nothing reached HubSpot");
}

#[test]
fn card_dial_and_log_make_exactly_the_requests_needed_and_a_second_log_is_refused() {
    let world = signed_in_world();
    let card = ask(&world, Request::Card { url: RECORD.into() }, &content_script());
    assert_eq!(card["card"]["name"], "Ana Alvarez");
    assert_eq!(card["card"]["numbers"][0], json!({"label": "Phone", "raw": "(415) 555-0132", "dialable": true, "e164": "+14155550132", "problem": null}));
    // The fake clock knows no time zones (the browser's Intl does, tested in the glue): no line.
    assert_eq!(card["card"]["local_time"], serde_json::Value::Null);
    let sent = world.http.sent.borrow().clone();
    assert_eq!(sent.len(), 1, "one contact read");
    assert!(sent[0].url.contains("properties=firstname,lastname,company,jobtitle,phone,mobilephone,hs_timezone,country"), "{}", sent[0].url);
    assert_eq!(sent[0].header_value("Authorization"), Some("Bearer tok-1"));

    // A number that is not the contact's is never dialed.
    let bad = ask(&world, Request::Dial { contact: crate::ids::ContactId::new("201"), number: "+1 900 555 0000".into() }, &content_script());
    assert_eq!(bad["error"]["code"], "unknown_number");

    let dial = ask(&world, Request::Dial { contact: crate::ids::ContactId::new("201"), number: "+1 415.555.0199 x204".into() }, &content_script());
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
    let history = world.store.keys_in(Area::Local).into_iter().find(|k| k.starts_with("history:v1:")).expect("history kept");
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
        Request::LogCall { call: "spotdial-00000000000000000000000000000000".into(), outcome: None, notes: String::new(), complete_task: None },
        &content_script(),
    );
    assert_eq!(answer["error"]["code"], "unknown_call");
    assert_eq!(world.http.count(), 0);
}
