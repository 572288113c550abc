//! The worker's `App` natively, with fakes for HTTP (a tiny scripted HubSpot), storage, clock
//! and browser: the world every service's tests share, and the dispatcher's own checks (the
//! allowed table in front of every handler, the sender's page and portal, ids of HubSpot's
//! shape, the random source). Layer: core tests (native). Each service's tests sit beside it.

use super::{App, Ports};
use crate::auth::AuthConfig;
use crate::message::{Request, Sender};
use crate::ports::{Area, Browser, HttpRequest, Method, Store};
use crate::testing::{block_on, response, FakeClock, FakeHttp, FakeStore};
use serde_json::json;
use std::cell::RefCell;

pub(super) const OWN: &str = "mlcffbhjimpjdchleegdmflbagencmpj";
pub(super) const T0: i64 = 1_795_780_800_000; // 2026-11-27 12:00 UTC
pub(super) const RECORD: &str = "https://app.hubspot.com/contacts/62515/record/0-1/201";

#[derive(Default, Clone, Copy)]
enum Random {
    #[default]
    Counting,
    Failing,
    /// Claims success and writes nothing.
    Silent,
}

#[derive(Default)]
pub(super) struct FakeBrowser {
    alarms: RefCell<Vec<(String, i64)>>,
    random: std::cell::Cell<Random>,
}

impl Browser for FakeBrowser {
    fn redirect_url(&self) -> String {
        ["https://", OWN, ".chromiumapp.org/"].concat()
    }
    async fn launch_web_auth_flow(&self, _url: &str) -> Result<String, String> {
        Err("no window in native tests".into())
    }
    fn fill_random(&self, buffer: &mut [u8]) -> Result<(), String> {
        match self.random.get() {
            Random::Counting => buffer.iter_mut().enumerate().for_each(|(i, b)| *b = i as u8),
            Random::Failing => return Err("QuotaExceededError".into()),
            Random::Silent => {}
        }
        Ok(())
    }
    fn set_alarm(&self, name: &str, at_ms: i64) {
        self.alarms.borrow_mut().push((name.to_string(), at_ms));
    }
    fn clear_alarm(&self, _name: &str) {}
    fn set_badge(&self, _text: &str, _trouble: bool) {}
}

/// Ana Alvarez (contact 201) as HubSpot returns her dialing properties.
fn ana() -> serde_json::Value {
    json!({"firstname": "Ana", "lastname": "Alvarez", "company": "Northwind Traders", "jobtitle": "VP Sales",
        "phone": "(415) 555-0132", "mobilephone": "+1 415.555.0199 x204", "country": "United States",
        "hs_timezone": "america_slash_los_angeles"})
}

/// The tasks on Ana: 70002 is the rep's (owner 501) open call task; 70009 was completed;
/// 70010 is another rep's.
fn task(id: &str) -> serde_json::Value {
    let (status, owner, due) = match id {
        "70002" => ("NOT_STARTED", "501", "2026-11-27T12:30:00Z"),
        "70009" => ("COMPLETED", "501", "2026-11-20T12:30:00Z"),
        _ => ("NOT_STARTED", "777", "2026-11-21T12:30:00Z"),
    };
    json!({"id": id, "properties": {"hs_task_subject": "Discovery call", "hs_task_type": "CALL",
        "hs_task_status": status, "hs_timestamp": due, "hs_task_priority": "HIGH", "hubspot_owner_id": owner}})
}

thread_local! {
    /// This test's portal is busy: every answer says 100 of the window's 110 requests are used.
    pub(super) static BUSY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// HubSpot as far as a queue, a card, a dial and a log need it.
pub(super) fn hubspot(req: &HttpRequest) -> Result<crate::ports::HttpResponse, crate::ports::TransportError> {
    let path = req.url.trim_start_matches("https://api.hubapi.com");
    let answer = match (req.method, path.split('?').next().unwrap_or("")) {
        (Method::Get, "/crm/objects/2026-03/contacts/201") => response(
            200,
            &json!({
            "id": "201", "properties": ana(),
            // §4: the contact's tasks (completed, open, another rep's), one type each.
            "associations": {"tasks": {"results": [{"id": "70009", "type": "contact_to_task"},
                {"id": "70002", "type": "contact_to_task"}, {"id": "70010", "type": "contact_to_task"}]}}})
            .to_string(),
        ),
        // A contact with no tasks: HubSpot leaves the association block out (§4).
        (Method::Get, "/crm/objects/2026-03/contacts/203") => response(
            200,
            &json!({"id": "203", "properties": {"firstname": "Cleo", "lastname": "Ng", "phone": "+1 212 555 0100"}})
                .to_string(),
        ),
        (Method::Get, "/calling/v1/dispositions") => {
            response(200, r#"[{"id":"f240bbac-87c9-4f6e-bf70-924b57d47db7","label":"Connected"}]"#)
        }
        // The queue: one search, the tasks' contacts, the contacts' batch read (§5, §7, §12).
        (Method::Post, "/crm/objects/2026-03/tasks/search") => {
            response(200, &json!({"total": 1, "results": [task("70002")]}).to_string())
        }
        (Method::Post, "/crm/associations/2026-03/tasks/contacts/batch/read") => response(
            200,
            &json!({"status": "COMPLETE", "results": [{"from": {"id": "70002"},
                "to": [{"toObjectId": 201, "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 204}]}]}]})
            .to_string(),
        ),
        (Method::Post, "/crm/objects/2026-03/contacts/batch/read") => {
            response(200, &json!({"status": "COMPLETE", "results": [{"id": "201", "properties": ana()}]}).to_string())
        }
        // Tasks by id, as many of the three known as were asked for.
        (Method::Post, "/crm/objects/2026-03/tasks/batch/read") => {
            let asked: serde_json::Value =
                serde_json::from_str(req.body.as_deref().unwrap_or("{}")).unwrap_or_default();
            let results: Vec<serde_json::Value> = ["70002", "70009", "70010"]
                .into_iter()
                .filter(|id| asked["inputs"].as_array().is_some_and(|i| i.iter().any(|x| x["id"] == *id)))
                .map(task)
                .collect();
            response(200, &json!({"status": "COMPLETE", "results": results}).to_string())
        }
        (Method::Post, "/crm/objects/2026-03/calls") => response(201, r#"{"id":"9001","properties":{}}"#),
        (Method::Patch, "/crm/objects/2026-03/tasks/70002") => {
            response(200, r#"{"id":"70002","properties":{"hs_task_status":"COMPLETED"}}"#)
        }
        _ => response(404, r#"{"status":"error","message":"not in this fake","category":"OBJECT_NOT_FOUND"}"#),
    };
    let mut answer = answer;
    if BUSY.with(std::cell::Cell::get) {
        answer.headers.push(("X-HubSpot-RateLimit-Max".into(), "110".into()));
        answer.headers.push(("X-HubSpot-RateLimit-Interval-Milliseconds".into(), "10000".into()));
        answer.headers.push(("X-HubSpot-RateLimit-Remaining".into(), "10".into()));
    }
    Ok(answer)
}

pub(super) struct World {
    pub(super) app: &'static App<FakeHttp, FakeStore, FakeClock, FakeBrowser>,
    pub(super) http: &'static FakeHttp,
    pub(super) store: &'static FakeStore,
    pub(super) clock: &'static FakeClock,
    pub(super) browser: &'static FakeBrowser,
}

pub(super) fn signed_in_world() -> World {
    let store: &'static FakeStore = Box::leak(Box::default());
    sign_in(store);
    let (app, http, clock, browser) = app_over(store);
    World { app, http, store, clock, browser }
}

/// What a finished sign-in leaves in storage: tokens for portal 62515, user 1001, and the profile.
pub(super) fn sign_in(store: &FakeStore) {
    store.put(
        Area::Session,
        "auth:v1:access",
        json!({"token": "tok-1", "expires_at_ms": T0 + 1_800_000, "lifetime_ms": 1_800_000}),
    );
    store.put(Area::Local, "auth:v1:refresh", json!({"token": "refresh-1"}));
    store.put(Area::Local, "auth:v1:state", json!({"kind": "signed_in", "hub_id": "62515", "user_id": "1001"}));
    store.put(Area::Local, "profile:v1", json!({"portal": "62515", "hub_domain": "acme-demo.test", "ui_domain": "app.hubspot.com",
        "hublet": "na1", "user_id": "1001", "user_email": "riley@acme-demo.test", "owner": "501", "owner_name": "Riley Rep"}));
}

/// An `App` over `store`, with the scripted HubSpot, a clock at `T0` and a fake browser.
#[allow(clippy::type_complexity)]
pub(super) fn app_over<S: Store>(
    store: &'static S,
) -> (&'static App<FakeHttp, S, FakeClock, FakeBrowser>, &'static FakeHttp, &'static FakeClock, &'static FakeBrowser) {
    let http: &'static FakeHttp = Box::leak(Box::new(FakeHttp::responding(hubspot)));
    let clock: &'static FakeClock = Box::leak(Box::new(FakeClock::at(T0)));
    let browser: &'static FakeBrowser = Box::leak(Box::default());
    let guard = Box::leak(Box::new(crate::outbox::DrainGuard::new()));
    let ports = Ports { http, store, clock, browser, extension_id: OWN.to_string(), drain_guard: guard };
    let app = block_on(App::build(ports, AuthConfig::broker("spotdial-sandbox-client", "https://broker.example")));
    (app, http, clock, browser)
}

/// The popup (our own page, not in a tab).
pub(super) fn popup() -> Sender {
    crate::testing::popup_sender(OWN)
}

pub(super) fn content_script() -> Sender {
    Sender {
        id: Some(OWN.into()),
        url: Some(RECORD.into()),
        from_tab: true,
        frame_id: Some(0),
        tab_url: Some(RECORD.into()),
    }
}

/// Dials Ana's office number from her record, as the card does.
pub(super) fn dial(world: &World) -> serde_json::Value {
    let answer = ask(
        world,
        Request::Dial { contact: crate::ids::ContactId::new("201"), number: "(415) 555-0132".into() },
        &content_script(),
    );
    assert_eq!(answer["kind"], "dialing", "{answer}");
    answer
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

pub(super) fn on_page(url: &str) -> Sender {
    Sender { url: Some(url.into()), tab_url: Some(url.into()), ..content_script() }
}

#[test]
fn a_page_acts_only_on_its_own_contact_and_portal() {
    let world = signed_in_world();
    let contact = crate::ids::ContactId::new;
    // Another contact than the page shows: refused before any request.
    let dial =
        ask(&world, Request::Dial { contact: contact("202"), number: "(415) 555-0132".into() }, &content_script());
    assert_eq!(dial["error"]["code"], "not_this_page");
    let forget = ask(&world, Request::ForgetContact { contact: contact("202") }, &content_script());
    assert_eq!(forget["error"]["code"], "not_this_page");
    // The same contact id on a record of another HubSpot account is another person.
    let elsewhere = on_page("https://app-eu1.hubspot.com/contacts/26500001/record/0-1/201");
    let dial = ask(&world, Request::Dial { contact: contact("201"), number: "(415) 555-0132".into() }, &elsewhere);
    assert_eq!(dial["error"]["code"], "other_portal");
    assert_eq!(world.http.count(), 0, "nothing reached HubSpot");
    // The options page may delete any prospect's data: it shows no page of HubSpot's.
    let options = Sender {
        id: Some(OWN.into()),
        url: Some(format!("chrome-extension://{OWN}/options/options.html")),
        from_tab: true,
        frame_id: Some(0),
        tab_url: None,
    };
    assert_eq!(ask(&world, Request::ForgetContact { contact: contact("202") }, &options)["kind"], "forgotten");
}

#[test]
fn ids_that_are_not_hubspots_shape_are_refused_before_anything_acts() {
    let world = signed_in_world();
    let hostile = ["201/../../owners", "", "20 1", "٢٠١", "1e3"];
    for id in hostile {
        let url = ["https://app.hubspot.com/contacts/62515/record/0-1/", id].concat();
        let answer =
            ask(&world, Request::Dial { contact: crate::ids::ContactId::new(id), number: "1".into() }, &on_page(&url));
        assert_eq!(answer["error"]["code"], "bad_request", "{id:?}: {answer}");
    }
    let task = Request::LogCall {
        call: "spotdial-00".into(),
        outcome: None,
        notes: String::new(),
        complete_task: Some(crate::ids::TaskId::new("70002?archived=true")),
    };
    assert_eq!(ask(&world, task, &content_script())["error"]["code"], "bad_request");
    let call =
        Request::LogCall { call: "../spotdial".into(), outcome: None, notes: String::new(), complete_task: None };
    assert_eq!(ask(&world, call, &content_script())["error"]["code"], "bad_request");
    assert_eq!(world.http.count(), 0);
}

#[test]
fn a_failing_or_silent_random_source_refuses_sign_in_and_dialing() {
    for random in [Random::Failing, Random::Silent] {
        let world = signed_in_world();
        world.browser.random.set(random);
        let options = Sender {
            id: Some(OWN.into()),
            url: Some(format!("chrome-extension://{OWN}/popup/popup.html")),
            from_tab: false,
            frame_id: None,
            tab_url: None,
        };
        let sign_in = ask(&world, Request::SignIn, &options);
        assert_eq!(sign_in["error"]["code"], "no_randomness", "{sign_in}");
        assert!(sign_in["error"]["message"].as_str().unwrap_or("").contains("random number source failed"));
        let dial = ask(
            &world,
            Request::Dial { contact: crate::ids::ContactId::new("201"), number: "(415) 555-0132".into() },
            &content_script(),
        );
        assert_eq!(dial["error"]["code"], "no_randomness", "{dial}");
        assert!(world.store.keys_in(Area::Session).iter().all(|k| !k.starts_with("call:")), "no call with a zero id");
        assert!(world.store.value(Area::Local, "auth:v1:pending").is_none(), "no sign-in begun with a zero state");
    }
}

/// Storage that notes every read, over a `FakeStore`.
#[derive(Default)]
struct ReadNoting {
    inner: FakeStore,
    reads: RefCell<Vec<(Area, String)>>,
    keys_listed: RefCell<Vec<Area>>,
}

impl Store for ReadNoting {
    async fn get(&self, area: Area, key: &str) -> Result<Option<serde_json::Value>, crate::ports::StoreError> {
        self.reads.borrow_mut().push((area, key.to_string()));
        self.inner.get(area, key).await
    }
    async fn set(&self, area: Area, key: &str, value: serde_json::Value) -> Result<(), crate::ports::StoreError> {
        self.inner.set(area, key, value).await
    }
    async fn remove(&self, area: Area, key: &str) -> Result<(), crate::ports::StoreError> {
        self.inner.remove(area, key).await
    }
    async fn keys(&self, area: Area) -> Result<Vec<String>, crate::ports::StoreError> {
        self.keys_listed.borrow_mut().push(area);
        self.inner.keys(area).await
    }
}

#[test]
fn every_local_read_of_a_start_is_listed() {
    // What `start()` runs before the first answer, signed in and signed out: the settings in
    // force, the `App`, the layout check. Each local read must be one the glue fetched ahead
    // (`START_UP_READS`), or the start pays a round trip the list was meant to save.
    for signed_in in [true, false] {
        let store: &'static ReadNoting = Box::leak(Box::default());
        // A worker waking up, not the first start after an install (that one migrates, and
        // lists every key once).
        store.inner.put(
            Area::Local,
            crate::privacy::migrate::LAYOUT_VERSION_KEY,
            json!(crate::privacy::migrate::CURRENT_LAYOUT),
        );
        if signed_in {
            sign_in(&store.inner);
            store.inner.put(Area::Local, super::BUDGET_KEY, json!({}));
            store.inner.put(Area::Local, crate::settings::SETTINGS_KEY, json!({"default_country": "US"}));
        }
        block_on(crate::settings::load(store));
        let (app, http, _, _) = app_over(store);
        block_on(app.prepare());
        let local: Vec<String> =
            store.reads.borrow().iter().filter(|(area, _)| *area == Area::Local).map(|(_, key)| key.clone()).collect();
        assert!(!local.is_empty(), "the start reads local storage");
        for key in &local {
            assert!(super::START_UP_READS.contains(&key.as_str()), "{key} is read at start but not fetched ahead");
        }
        assert!(
            !store.reads.borrow().iter().any(|(area, _)| *area == Area::Session),
            "no session read at start: {:?}",
            store.reads.borrow()
        );
        // Managed storage is the glue's in-memory copy of the policy; the others are Chrome's.
        assert!(
            store.keys_listed.borrow().iter().all(|area| *area == Area::Managed),
            "no listing of local or session storage at start"
        );
        assert_eq!(http.count(), 0, "no request at start");
    }
}
