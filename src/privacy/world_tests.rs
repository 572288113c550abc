//! The privacy rules against storage the real writers filled: the worker's `App` is signed in,
//! opens cards, loads the queue, dials, logs and saves settings through the `testing` fakes,
//! then "Delete prospect data", search, purge and sign-out run on what it wrote, and every key
//! written is held against the registry (`crate::keys`). Layer: core tests (native).

use crate::auth::AuthConfig;
use crate::ids::ContactId;
use crate::keys;
use crate::message::{Request, Sender};
use crate::ports::{Area, Browser, HttpRequest, HttpResponse, Method, TransportError};
use crate::testing::{block_on, response, FakeClock, FakeHttp, FakeStore};
use crate::worker::{App, Ports};
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

const OWN: &str = "mlcffbhjimpjdchleegdmflbagencmpj";
const T0: i64 = 1_795_780_800_000; // 2026-11-27 12:00 UTC
const CONNECTED: &str = "f240bbac-87c9-4f6e-bf70-924b57d47db7";
const ANA: &str = "201";
const BEN: &str = "202";
/// Everything that identifies Ana in what the worker stores: id, name, company, numbers.
const ANA_TRACES: [&str; 6] = ["\"201\"", "Alvarez", "Northwind", "555-0132", "5550132", "0-1/201"];
const BEN_TRACES: [&str; 3] = ["\"202\"", "Okafor", "Globex"];

/// A browser whose consent window answers at once, and whose random bytes differ per call.
struct Browser_ {
    draws: Cell<u8>,
}

impl Browser for Browser_ {
    fn redirect_url(&self) -> String {
        ["https://", OWN, ".chromiumapp.org/"].concat()
    }
    async fn launch_web_auth_flow(&self, url: &str) -> Result<String, String> {
        let state = url.split(['?', '&']).find_map(|p| p.strip_prefix("state=")).ok_or("no state")?;
        Ok([&self.redirect_url(), "?code=na1-code&state=", state].concat())
    }
    fn fill_random(&self, buffer: &mut [u8]) -> Result<(), String> {
        self.draws.set(self.draws.get().wrapping_add(1));
        let draw = self.draws.get();
        buffer.iter_mut().enumerate().for_each(|(i, b)| *b = (i as u8).wrapping_mul(7).wrapping_add(draw));
        Ok(())
    }
    fn set_alarm(&self, _name: &str, _at_ms: i64) {}
    fn clear_alarm(&self, _name: &str) {}
    fn set_badge(&self, _text: &str, _trouble: bool) {}
}

/// What the fake HubSpot remembers: calls created (id, external id), and switches.
#[derive(Default)]
struct Hub {
    calls: RefCell<Vec<(String, String)>>,
    /// Call creation answers 503 (HubSpot down: the log waits in the outbox).
    calls_down: Cell<bool>,
    /// The next contact read answers 429 once.
    rate_limit_once: Cell<bool>,
    /// Other reps have used 90 of the portal's 110 requests (rate headers on every answer).
    busy: Cell<bool>,
}

fn contact(id: &str) -> Value {
    match id {
        ANA => json!({"id": ANA, "properties": {"firstname": "Ana", "lastname": "Alvarez",
            "company": "Northwind Traders", "jobtitle": "VP Sales", "phone": "(415) 555-0132",
            "mobilephone": "+1 415.555.0199", "country": "United States", "hs_timezone": "america_slash_los_angeles"}}),
        _ => json!({"id": BEN, "properties": {"firstname": "Ben", "lastname": "Okafor", "company": "Globex",
            "jobtitle": "CTO", "phone": "+44 20 7946 0958", "country": "United Kingdom"}}),
    }
}

fn task(id: &str, subject: &str) -> Value {
    json!({"id": id, "properties": {"hs_task_subject": subject, "hs_task_type": "CALL",
        "hs_task_status": "NOT_STARTED", "hs_timestamp": "2026-11-27T12:30:00Z", "hs_task_priority": "HIGH"}})
}

/// HubSpot and the token broker, as far as the workflow needs them.
fn answer(hub: &Hub, req: &HttpRequest) -> Result<HttpResponse, TransportError> {
    let body: Value = req.body.as_deref().and_then(|b| serde_json::from_str(b).ok()).unwrap_or(Value::Null);
    let text = req.body.clone().unwrap_or_default();
    if let Some(route) = req.url.strip_prefix("https://broker.example/v1/") {
        return Ok(match route {
            "token" => response(
                200,
                &json!({"token_type": "bearer", "access_token": "at-1", "refresh_token": "rt-1", "expires_in": 1800,
                    "hub_id": 62515, "user_id": 1001, "scopes": crate::auth::config::SCOPES})
                .to_string(),
            ),
            "introspect" => response(
                200,
                &json!({"hub_id": 62515, "user_id": 1001, "user": "riley@acme-demo.test",
                    "hub_domain": "acme-demo.test", "scopes": crate::auth::config::SCOPES,
                    "signed_access_token": {"hublet": "na1"}})
                .to_string(),
            ),
            _ => response(200, ""),
        });
    }
    let path = req.url.trim_start_matches("https://api.hubapi.com");
    let path = path.split('?').next().unwrap_or("");
    let answer = match (req.method, path) {
        (Method::Get, "/crm/owners/2026-03/1001") => response(
            200,
            r#"{"id":"501","email":"riley@acme-demo.test","firstName":"Riley","lastName":"Rep","userId":1001}"#,
        ),
        (Method::Get, "/account-info/2026-03/details") => {
            response(200, r#"{"portalId":62515,"uiDomain":"app.hubspot.com","dataHostingLocation":"na1"}"#)
        }
        (Method::Get, p) if p.starts_with("/crm/objects/2026-03/contacts/") => {
            if hub.rate_limit_once.replace(false) {
                response(
                    429,
                    r#"{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}"#,
                )
            } else {
                response(200, &contact(&p["/crm/objects/2026-03/contacts/".len()..]).to_string())
            }
        }
        (Method::Post, "/crm/objects/2026-03/contacts/batch/read") => {
            let ids: Vec<String> = body["inputs"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|i| i["id"].as_str().map(String::from))
                .collect();
            let results: Vec<Value> = ids.iter().map(|id| contact(id)).collect();
            response(200, &json!({"status": "COMPLETE", "results": results}).to_string())
        }
        (Method::Post, "/crm/objects/2026-03/tasks/search") => {
            let results = if text.contains("associations.contact") {
                if text.contains(&format!("\"value\":\"{ANA}\"")) {
                    vec![task("70001", "Discovery call")]
                } else {
                    vec![task("70002", "Intro call")]
                }
            } else {
                vec![
                    task("70001", "Discovery call"),
                    task("70002", "Intro call"),
                    task("70003", "Follow-up"),
                    task("70004", "Dial in"),
                ]
            };
            response(200, &json!({"total": results.len(), "results": results}).to_string())
        }
        (Method::Post, "/crm/associations/2026-03/tasks/contacts/batch/read") => {
            let to = |c: &str| json!([{"toObjectId": c, "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 204}]}]);
            response(
                207,
                &json!({"status": "COMPLETE", "results": [
                    {"from": {"id": "70001"}, "to": to(ANA)}, {"from": {"id": "70002"}, "to": to(BEN)},
                    {"from": {"id": "70003"}, "to": to(ANA)}]})
                .to_string(),
            )
        }
        (Method::Get, "/calling/v1/dispositions") => {
            response(200, &json!([{"id": CONNECTED, "label": "Connected"}]).to_string())
        }
        (Method::Post, "/crm/objects/2026-03/calls") if hub.calls_down.get() => {
            response(503, r#"{"status":"error","message":"Service unavailable","category":"SERVICE_UNAVAILABLE"}"#)
        }
        (Method::Post, "/crm/objects/2026-03/calls") => {
            let external = body["properties"]["hs_call_external_id"].as_str().unwrap_or_default().to_string();
            let id = (9001 + hub.calls.borrow().len()).to_string();
            hub.calls.borrow_mut().push((id.clone(), external.clone()));
            response(201, &json!({"id": id, "properties": {"hs_call_external_id": external}}).to_string())
        }
        (Method::Post, "/crm/objects/2026-03/calls/search") => {
            let results: Vec<Value> = hub
                .calls
                .borrow()
                .iter()
                .filter(|(_, external)| text.contains(external.as_str()))
                .map(|(id, external)| json!({"id": id, "properties": {"hs_call_external_id": external, "hs_timestamp": "2026-11-27T12:00:00Z"}}))
                .collect();
            response(200, &json!({"total": results.len(), "results": results}).to_string())
        }
        (Method::Patch, p) if p.starts_with("/crm/objects/2026-03/tasks/") => {
            response(200, r#"{"id":"1","properties":{"hs_task_status":"COMPLETED"}}"#)
        }
        _ => response(404, r#"{"status":"error","message":"not in this fake","category":"OBJECT_NOT_FOUND"}"#),
    };
    Ok(answer)
}

struct World {
    app: &'static App<FakeHttp, FakeStore, FakeClock, Browser_>,
    store: &'static FakeStore,
    clock: &'static FakeClock,
    hub: Rc<Hub>,
}

/// A worker on an empty store, started as the glue starts it, then signed in for real.
fn signed_in() -> World {
    let hub = Rc::new(Hub::default());
    let seen = Rc::clone(&hub);
    let http: &'static FakeHttp = Box::leak(Box::new(FakeHttp::responding(move |req| {
        answer(&seen, req).map(|mut r| {
            if seen.busy.get() {
                r.headers.push(("X-HubSpot-RateLimit-Max".into(), "110".into()));
                r.headers.push(("X-HubSpot-RateLimit-Remaining".into(), "20".into()));
            }
            r
        })
    })));
    let store: &'static FakeStore = Box::leak(Box::default());
    let clock: &'static FakeClock = Box::leak(Box::new(FakeClock::at(T0)));
    let browser: &'static Browser_ = Box::leak(Box::new(Browser_ { draws: Cell::new(0) }));
    let guard = Box::leak(Box::new(crate::outbox::DrainGuard::new()));
    let ports = Ports { http, store, clock, browser, extension_id: OWN.to_string(), drain_guard: guard };
    let app = block_on(App::build(ports, AuthConfig::broker("spotdial-sandbox-client", "https://broker.example")));
    let world = World { app, store, clock, hub };
    block_on(world.app.prepare());
    block_on(world.app.catch_up());
    let status = world.ask(Request::SignIn, &popup());
    assert_eq!(status["kind"], "status", "{status}");
    world
}

fn popup() -> Sender {
    crate::testing::popup_sender(OWN)
}

fn record(contact: &str) -> String {
    ["https://app.hubspot.com/contacts/62515/record/0-1/", contact].concat()
}

fn page(contact: &str) -> Sender {
    Sender {
        id: Some(OWN.into()),
        url: Some(record(contact)),
        from_tab: true,
        frame_id: Some(0),
        tab_url: Some(record(contact)),
    }
}

impl World {
    fn ask(&self, request: Request, sender: &Sender) -> Value {
        serde_json::to_value(block_on(self.app.handle(Ok(request), sender))).expect("serializable")
    }

    fn card(&self, contact: &str) {
        let card = self.ask(Request::Card { url: record(contact) }, &page(contact));
        assert_eq!(card["kind"], "card", "{card}");
    }

    /// Dials the contact's first number; returns the call id.
    fn dial(&self, contact: &str, number: &str) -> String {
        let dial = self.ask(Request::Dial { contact: ContactId::new(contact), number: number.into() }, &page(contact));
        dial["call"].as_str().unwrap_or_else(|| panic!("no call: {dial}")).to_string()
    }

    fn log(&self, contact: &str, call: &str) -> Value {
        let log = Request::LogCall {
            call: call.into(),
            outcome: Some(CONNECTED.into()),
            notes: "Asked for a quote".into(),
            complete_task: None,
        };
        self.ask(log, &page(contact))
    }

    /// Every (area, key, value as JSON text) in storage.
    fn dump(&self) -> Vec<(Area, String, String)> {
        let mut all = self.store.dump();
        all.sort_by(|a, b| (a.1.as_str(), a.2.as_str()).cmp(&(b.1.as_str(), b.2.as_str())));
        all
    }

    /// The keys whose name or value holds one of `traces`.
    fn traces(&self, traces: &[&str]) -> Vec<String> {
        self.dump()
            .into_iter()
            .filter(|(_, key, value)| traces.iter().any(|t| key.contains(t.trim_matches('"')) || value.contains(t)))
            .map(|(_, key, _)| key)
            .collect()
    }
}

/// Two prospects as the worker leaves them: cards, the queue, a logged call each, Ana's call
/// in progress with a draft, the outcomes cache and settings.
fn two_prospects() -> World {
    let world = signed_in();
    world.card(ANA);
    world.card(BEN);
    let queue = world.ask(Request::Queue { refresh: true }, &popup());
    assert_eq!(queue["queue"]["items"].as_array().map(Vec::len), Some(4), "{queue}");
    assert_eq!(queue["queue"]["items"][3]["contact"], Value::Null, "a task without a contact is null");
    for (contact, number) in [(ANA, "(415) 555-0132"), (BEN, "+44 20 7946 0958")] {
        let call = world.dial(contact, number);
        assert_eq!(world.log(contact, &call)["state"], "logged");
    }
    let call = world.dial(ANA, "+1 415.555.0199");
    let draft = Request::CallDraft { call, outcome: Some(CONNECTED.into()), notes: "Call back Friday".into() };
    assert_eq!(world.ask(draft, &page(ANA))["kind"], "draft_saved");
    world
}

#[test]
fn forgetting_a_prospect_leaves_no_trace_of_it_and_every_trace_of_another() {
    let world = two_prospects();
    let before = world.traces(&ANA_TRACES);
    for key in ["cache:v1:contact:201", "cache:v1:queue", "calls:v1"] {
        assert!(before.iter().any(|k| k == key), "{key} holds Ana before: {before:?}");
    }
    assert!(before.iter().any(|k| k.starts_with("history:v1:")), "{before:?}");
    let ben_before = world.traces(&BEN_TRACES);

    let answer = world.ask(Request::ForgetContact { contact: ContactId::new(ANA) }, &page(ANA));
    assert_eq!(answer["kind"], "forgotten", "{answer}");
    assert!(answer["message"].as_str().unwrap_or("").starts_with("Spotdial no longer keeps any data"), "{answer}");
    assert_eq!(world.traces(&ANA_TRACES), Vec::<String>::new(), "{:#?}", world.dump());
    assert_eq!(world.traces(&BEN_TRACES), ben_before, "Ben's data is all kept");

    // The queue keeps Ben's task and the task without a contact, in the worker's own shape.
    let queue: crate::worker::QueueView =
        serde_json::from_value(world.store.value(Area::Session, keys::QUEUE.key).expect("queue kept")).expect("reads");
    let tasks: Vec<&str> = queue.items.iter().filter_map(|e| e.task.as_ref()).map(|t| t.id.as_str()).collect();
    assert_eq!(tasks, ["70002", "70004"]);
    // What is not about prospects stays: sign-in, profile, outcomes.
    for (area, key) in
        [(Area::Local, "auth:v1:refresh"), (Area::Local, "profile:v1"), (Area::Session, "cache:v1:outcomes")]
    {
        assert!(world.store.value(area, key).is_some(), "{key}");
    }
    // Nothing left to find either.
    assert_eq!(world.ask(Request::FindContacts { query: "Alvarez".into() }, &popup())["contacts"], json!([]));
}

#[test]
fn an_unsent_log_is_kept_marked_and_then_leaves_no_history() {
    let world = two_prospects();
    world.hub.calls_down.set(true);
    let call = world.ask(Request::Calls, &popup())["calls"][0]["call"].as_str().expect("Ana's call").to_string();
    let logged = world.log(ANA, &call);
    assert_ne!(logged["state"], "logged", "HubSpot is down: {logged}");
    let outbox = ["outbox:v1:", &call].concat();
    assert!(world.store.value(Area::Local, &outbox).is_some(), "the log waits in the outbox");

    let answer = world.ask(Request::ForgetContact { contact: ContactId::new(ANA) }, &page(ANA));
    assert_eq!(
        answer["message"],
        "Spotdial's data about this prospect is deleted. 1 unsent call log to this contact will be sent to HubSpot \
         first, then removed."
    );
    assert_eq!(world.traces(&ANA_TRACES), vec![outbox], "only the unsent log still names Ana");
    assert!(world.store.value(Area::Local, &["forget:v1:", &call].concat()).is_some());

    // HubSpot is back: the log is sent, and no history is written for it.
    world.hub.calls_down.set(false);
    world.clock.advance(15 * 60_000);
    block_on(world.app.on_alarm(crate::worker::ALARM_OUTBOX));
    assert!(world.hub.calls.borrow().iter().any(|(_, external)| external == &call), "the log reached HubSpot");
    assert_eq!(world.traces(&ANA_TRACES), Vec::<String>::new(), "{:#?}", world.dump());
}

#[test]
fn search_finds_a_prospect_in_every_place_the_worker_keeps_one() {
    let world = two_prospects();
    let ids = |query: &str| -> Vec<String> {
        let found = world.ask(Request::FindContacts { query: query.into() }, &popup());
        found["contacts"].as_array().into_iter().flatten().filter_map(|c| c["id"].as_str().map(String::from)).collect()
    };
    assert_eq!(ids("alvarez"), [ANA]);
    assert_eq!(ids("NORTHWIND"), [ANA]);
    assert_eq!(ids("okafor"), [BEN]);
    assert_eq!(ids("415 555 0199"), [ANA], "the mobile number of the card cache");
    assert_eq!(ids("020 7946 0958"), [BEN], "a national form of a stored international number");
    assert_eq!(ids("a"), Vec::<String>::new(), "one letter is too short to search");
    // Only in history: the card and queue caches are gone (a browser restart clears session).
    world.store.data.borrow_mut().remove(&Area::Session);
    assert_eq!(ids("alvarez"), [ANA]);
}

/// Every key the worker writes, in a workflow that touches every feature, is in the registry
/// and in the area the registry says; and the workflow really wrote (nearly) every registry
/// entry, so the check cannot pass by writing nothing.
#[test]
fn every_key_a_full_workflow_writes_is_in_the_registry() {
    let world = two_prospects();
    world.hub.rate_limit_once.set(true);
    world.clock.advance(11 * 60_000); // the card cache is stale: the next card asks HubSpot
    world.card(BEN);
    world.clock.advance(60_000);
    world.hub.calls_down.set(true);
    let call = world.dial(BEN, "+44 20 7946 0958");
    // With Ben's task: its completion, on a busy portal, records the spell.
    let log = Request::LogCall {
        call: call.clone(),
        outcome: Some(CONNECTED.into()),
        notes: "Asked for a quote".into(),
        complete_task: Some(crate::ids::TaskId::new("70002")),
    };
    world.ask(log, &page(BEN));
    world.ask(Request::ForgetContact { contact: ContactId::new(BEN) }, &popup());
    world.hub.calls_down.set(false);
    world.hub.busy.set(true);
    world.clock.advance(15 * 60_000);
    block_on(world.app.on_alarm(crate::worker::ALARM_OUTBOX));
    world.hub.busy.set(false);
    let saved = world.ask(Request::SaveSettings { values: json!({"dialScheme": "callto"}) }, &popup());
    assert_eq!(saved["kind"], "settings", "{saved}");
    world.ask(Request::SetQueueList { list: None }, &popup());
    world.ask(Request::History, &popup());
    block_on(world.app.on_alarm(crate::worker::ALARM_PURGE));
    world.ask(Request::SignOut, &popup());

    let written = world.store.written.borrow().clone();
    for (area, key) in &written {
        let spec = keys::classify(key).unwrap_or_else(|| panic!("{key} is written but not in the registry"));
        assert_eq!(spec.area, *area, "{key} is written to another area than the registry says");
    }
    // Written only by the glue (`policy:v1`) or after a failed refresh (`auth:v1:retry`).
    let elsewhere = [keys::POLICY.key, keys::AUTH_RETRY.key];
    for spec in keys::ALL.iter().filter(|spec| !elsewhere.contains(&spec.key)) {
        assert!(written.iter().any(|(_, key)| spec.matches(key)), "the workflow never wrote {}", spec.pattern());
    }
}
