//! The handful of functions the service worker calls: the whole wasm surface.
//! Layer: glue (wasm32 only). Each export decodes its input, calls the pure core, encodes
//! the answer; no decision is made here.

use super::chrome;
use super::platform::{from_js, to_js, BrowserClock, BrowserHttp, ChromeBrowser, ChromeStore};
use crate::json_write::ToJson;
use crate::message::{Failure, Response, Sender};
use crate::worker::{parse_request, App, Ports};
use std::cell::Cell;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

type WorkerApp = App<BrowserHttp, ChromeStore, BrowserClock, ChromeBrowser>;

static HTTP: BrowserHttp = BrowserHttp;
static STORE: ChromeStore = ChromeStore;
static CLOCK: BrowserClock = BrowserClock;
static BROWSER: ChromeBrowser = ChromeBrowser;

thread_local! {
    /// The worker's one `App`, set by `start` (the service worker is single-threaded).
    static APP: Cell<Option<&'static WorkerApp>> = const { Cell::new(None) };
    /// Set when this Chrome cannot keep storage from content scripts: Spotdial then refuses to run.
    static UNSUPPORTED: Cell<bool> = const { Cell::new(false) };
    /// One drain guard for the worker's life, shared by every `App` built.
    static DRAIN_GUARD: &'static crate::outbox::DrainGuard = Box::leak(Box::new(crate::outbox::DrainGuard::new()));
}

/// Starts the core: restricts storage to trusted contexts, builds the `App`, re-arms alarms.
/// The worker's `ready` promise waits on this.
#[wasm_bindgen]
pub async fn start() -> Result<(), JsValue> {
    // Content scripts must never read tokens, HubSpot data or an admin's policy (DESIGN §5):
    // in direct mode managed storage holds the client secret. A Chrome that cannot close every
    // area to them gets no App at all (fail closed), and every answer says why. `managed`
    // gained setAccessLevel last, in chromium/src d933fca ("Enable setAccessLevel() for managed
    // storage area", refs/heads/main@{#1487140}, first in Chrome 140): hence the manifest's
    // `minimum_chrome_version` of 140.
    // All three requests are made before the first is awaited: Chrome answers them in
    // parallel, and the first message waits on one round trip instead of three.
    // The keys the start reads go out in the same breath: the worker's own reads need no
    // access level, and one request instead of six is most of a waking worker's start.
    let start_up_reads = super::platform::fetch_start_up_reads();
    let trusted = to_js(&serde_json::json!({ "accessLevel": "TRUSTED_CONTEXTS" }));
    let mut pending = Vec::with_capacity(3);
    for area in ["session", "local", "managed"] {
        pending.push(chrome::storage_area(area)?.set_access_level(&trusted).ok().map(JsFuture::from));
    }
    for request in pending {
        let restricted = match request {
            Some(future) => future.await.is_ok(),
            None => false,
        };
        if !restricted {
            UNSUPPORTED.with(|u| u.set(true));
            return Ok(());
        }
    }
    start_up_reads.await;
    reconfigure().await;
    if let Some(app) = app() {
        app.prepare().await;
    }
    super::platform::end_start_up_reads();
    if let Some(app) = app() {
        wasm_bindgen_futures::spawn_local(app.catch_up());
    }
    Ok(())
}

/// Rebuilds the `App` when the sign-in settings in force changed (admin policy or the rep's
/// settings). Other setting changes keep the running `App` and its in-memory state.
#[wasm_bindgen]
pub async fn reconfigure() {
    let config = crate::settings::load(&STORE).await.auth_config();
    if app().is_some_and(|running| running.config() == &config) {
        return;
    }
    let ports = Ports {
        http: &HTTP,
        store: &STORE,
        clock: &CLOCK,
        browser: &BROWSER,
        extension_id: chrome::runtime_id(),
        drain_guard: DRAIN_GUARD.with(|g| *g),
    };
    let app = App::build(ports, config).await;
    APP.with(|cell| cell.set(Some(app)));
}

fn app() -> Option<&'static WorkerApp> {
    APP.with(Cell::get)
}

/// Answers one `chrome.runtime.onMessage` message. Always resolves with a response object.
#[wasm_bindgen]
pub async fn handle_message(message: JsValue, sender: JsValue) -> JsValue {
    if UNSUPPORTED.with(Cell::get) {
        let message = "This version of Chrome cannot keep Spotdial's HubSpot sign-in away from web pages. Update Chrome to use Spotdial.";
        return to_js(&Response::Error { error: Failure::new("chrome_too_old", message, false) }.to_json());
    }
    let Some(app) = app() else {
        return to_js(
            &Response::Error { error: Failure::new("starting", "Spotdial is still starting.", true) }.to_json(),
        );
    };
    let raw = from_js(&message).and_then(parse_request);
    to_js(&app.handle(raw, &read_sender(&sender)).await.to_json())
}

/// Admin policy changed (`chrome.storage.onChanged` for `managed`): read it again and rebuild
/// what depends on it.
#[wasm_bindgen]
pub async fn policy_changed() {
    super::policy::refresh().await;
    reconfigure().await;
}

/// A `chrome.alarms.onAlarm` event.
#[wasm_bindgen]
pub async fn on_alarm(name: String) {
    if let Some(app) = app() {
        app.on_alarm(&name).await;
    }
}

/// Classifies a URL (used by tests and the popup).
#[wasm_bindgen]
pub fn classify_page(url: &str) -> JsValue {
    to_js(&crate::page::classify(url).to_json())
}

/// Reads Chrome's `MessageSender` into the core's `Sender`.
pub(super) fn read_sender(sender: &JsValue) -> Sender {
    Sender {
        id: chrome::field(sender, "id").as_string(),
        url: chrome::field(sender, "url").as_string(),
        from_tab: chrome::field(sender, "tab").is_object(),
        frame_id: chrome::field(sender, "frameId").as_f64().map(|f| f as i64),
        tab_url: chrome::field(&chrome::field(sender, "tab"), "url").as_string(),
    }
}
