//! The account service natively: the health line, sign-out keeping a call in progress for its
//! account, and a sign-out that could not remove everything saying what stayed instead of
//! reporting success. Layer: core tests (native).

use crate::message::Request;
use crate::ports::{Area, Store, StoreError};
use crate::testing::FakeStore;
use crate::worker::tests::{app_over, ask, content_script, dial, popup, sign_in, signed_in_world, RECORD, T0};
use serde_json::{json, Value};
use std::cell::Cell;

#[test]
fn status_carries_the_health_line() {
    let world = signed_in_world();
    ask(&world, Request::Card { url: RECORD.into() }, &content_script());
    let status = ask(&world, Request::Status, &popup());
    let health = &status["health"];
    assert_eq!(health["user_email"], "riley@acme-demo.test");
    assert_eq!(health["portal"], "62515");
    assert_eq!(health["token_renewed_at_ms"], json!(T0), "expiry minus lifetime of the stored token");
    assert_eq!(health["budget"], json!({"used": 1, "max": 110, "window_ms": 10_000}), "one contact read so far");
    assert_eq!(health["paused_until_ms"], Value::Null);
}
#[test]
fn sign_out_keeps_a_call_in_progress_for_its_account() {
    let world = signed_in_world();
    let call = dial(&world)["call"].as_str().expect("id").to_string();
    crate::testing::block_on(crate::privacy::wipe::wipe_on_sign_out(world.store)).expect("wiped");
    let kept = crate::testing::block_on(crate::calls::get(world.store, &call)).expect("readable");
    assert_eq!(kept.and_then(|c| c.account).map(|a| a.user.0), Some("1001".into()));
}

/// Storage that refuses to remove anything but sign-in keys while `stuck`: the tokens go, the
/// HubSpot data Spotdial kept stays (a quota or disk error halfway through a wipe).
#[derive(Default)]
struct StuckStore {
    inner: FakeStore,
    stuck: Cell<bool>,
}

impl Store for StuckStore {
    async fn get(&self, area: Area, key: &str) -> Result<Option<Value>, StoreError> {
        self.inner.get(area, key).await
    }
    async fn set(&self, area: Area, key: &str, value: Value) -> Result<(), StoreError> {
        self.inner.set(area, key, value).await
    }
    async fn remove(&self, area: Area, key: &str) -> Result<(), StoreError> {
        if self.stuck.get() && !key.starts_with("auth:") {
            return Err(StoreError("IO error: disk full".into()));
        }
        self.inner.remove(area, key).await
    }
    async fn keys(&self, area: Area) -> Result<Vec<String>, StoreError> {
        self.inner.keys(area).await
    }
}

#[test]
fn a_sign_out_whose_wipe_failed_says_what_stayed_and_a_second_one_finishes() {
    let store: &'static StuckStore = Box::leak(Box::default());
    sign_in(&store.inner);
    let (app, ..) = app_over(store);
    let ask =
        |request| serde_json::to_value(crate::testing::block_on(app.handle(Ok(request), &popup()))).expect("json");
    // A card leaves the contact's facts in the session cache: HubSpot data to wipe.
    let card = serde_json::to_value(crate::testing::block_on(
        app.handle(Ok(Request::Card { url: RECORD.into() }), &content_script()),
    ))
    .expect("json");
    assert_eq!(card["card"]["name"], "Ana Alvarez");
    store.stuck.set(true);
    let answer = ask(Request::SignOut);
    assert_eq!(answer["kind"], "error", "never a plain success: {answer}");
    assert_eq!(answer["error"]["code"], "sign_out_incomplete");
    let message = answer["error"]["message"].as_str().unwrap_or("");
    assert!(message.starts_with("Signed out, but some HubSpot data"), "{message}");
    assert!(message.contains("disk full") && message.contains("Sign out again"), "{message}");
    // The tokens went; the data that stayed is what the sentence names.
    assert_eq!(store.inner.value(Area::Local, "auth:v1:refresh"), None);
    assert!(store.inner.value(Area::Local, "profile:v1").is_some());
    assert!(store.inner.keys_in(Area::Session).iter().any(|k| k.starts_with("cache:v1:contact:")));
    // Storage works again: signing out again removes the rest and says signed out.
    store.stuck.set(false);
    let again = ask(Request::SignOut);
    assert_eq!((again["kind"].as_str(), again["auth"].as_str()), (Some("status"), Some("signed_out")), "{again}");
    assert_eq!(store.inner.value(Area::Local, "profile:v1"), None);
    assert!(store.inner.keys_in(Area::Session).is_empty(), "{:?}", store.inner.keys_in(Area::Session));
}

#[test]
fn a_sign_out_that_could_not_remove_the_tokens_says_the_sign_in_stayed() {
    let world = signed_in_world();
    world.store.fail_writes.set(true);
    let answer = ask(&world, Request::SignOut, &popup());
    assert_eq!(answer["error"]["code"], "sign_out_incomplete", "{answer}");
    let message = answer["error"]["message"].as_str().unwrap_or("");
    assert!(message.contains("could not remove your HubSpot sign-in"), "{message}");
    assert!(world.store.value(Area::Local, "auth:v1:refresh").is_some(), "the test's premise: the token stayed");
}
