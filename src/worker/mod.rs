//! The service worker's brain: one long-lived `App` per worker holds the token keeper (so
//! concurrent callers share one refresh), the HubSpot client and its rate budget, and answers
//! each request after checking the `allowed` table. Layer: core (pure). The wasm glue builds
//! the `App` once, then only decodes messages, calls `handle` and encodes the answers.

mod account;
mod calls;
mod card;
mod queue;

use crate::auth::{AuthConfig, TokenKeeper};
use crate::hubspot::budget::{Class, RateBudget};
use crate::hubspot::session::Client;
use crate::hubspot::ApiError;
use crate::message::{
    allowed, answer_local, bind_to_sender, origin_of, sender_page, validate, Failure, Origin, Request, Response, Sender,
};
use crate::ports::{Area, Browser, Clock, Http, HttpRequest, HttpResponse, Store};

pub use crate::settings::SETTINGS_KEY;
pub use account::{AuthView, HealthView, PauseView, Profile, StatusView, PROFILE_KEY};
pub use calls::{CallListItem, CallView};
pub use card::{CachedContact, CardView, LoggedView, NextView};
pub use queue::{ContactView, QueueEntry, QueueSource, QueueView, TaskView, QUEUE_CACHE_KEY};

/// Alarm names (one prefix for everything Spotdial names in Chrome).
pub const ALARM_REFRESH: &str = "spotdial:refresh";
/// Fires when a HubSpot rate-limit pause ends, to clear the alert and resume syncing.
pub const ALARM_RESUME: &str = "spotdial:resume";
/// Fires when the outbox has an entry due.
pub const ALARM_OUTBOX: &str = "spotdial:outbox";
pub use crate::privacy::retention::PURGE_ALARM as ALARM_PURGE;
/// Storage key of the persisted rate-budget pause.
pub const BUDGET_KEY: &str = crate::keys::BUDGET.key;

/// The world as the worker sees it, for the worker's whole life.
pub struct Ports<H: 'static, S: 'static, C: 'static, B: 'static> {
    pub http: &'static H,
    pub store: &'static S,
    pub clock: &'static C,
    pub browser: &'static B,
    /// This extension's id (`chrome.runtime.id`), to recognise our own senders.
    pub extension_id: String,
    /// Keeps outbox drains single-flight for the worker's whole life, across `App` rebuilds.
    pub drain_guard: &'static crate::outbox::DrainGuard,
}

/// One per service worker. Built once (`App::build`) and kept for the worker's life: the
/// token keeper's single-flight refresh only works if every request goes through one keeper.
pub struct App<H: Http + 'static, S: Store + 'static, C: Clock + 'static, B: Browser + 'static> {
    ports: Ports<H, S, C, B>,
    config: &'static AuthConfig,
    keeper: &'static TokenKeeper<'static, H, S, C>,
    client: Client<'static, H, C, TokenKeeper<'static, H, S, C>>,
    /// The portal's non-sensitive contact property definitions, with when they were read: only
    /// a cache (an admin's mapped properties are checked against it).
    property_defs: std::cell::RefCell<Option<(i64, Vec<crate::hubspot::model::PropertyDef>)>>,
    /// Calls kept in the previous layout were moved into the list (once per worker).
    calls_migrated: std::cell::Cell<bool>,
}

impl<H: Http, S: Store, C: Clock, B: Browser> App<H, S, C, B> {
    /// Builds the worker's one `App`. The parts reference each other for the worker's life,
    /// so they are leaked once: a worker is stopped after ~30 s idle, freeing everything.
    pub async fn build(ports: Ports<H, S, C, B>, config: AuthConfig) -> &'static Self {
        let budget = match ports.store.get(Area::Local, BUDGET_KEY).await {
            Ok(Some(value)) => serde_json::from_value(value).unwrap_or_default(),
            _ => RateBudget::default(),
        };
        let config: &'static AuthConfig = Box::leak(Box::new(config));
        let keeper: &'static TokenKeeper<'static, H, S, C> =
            Box::leak(Box::new(TokenKeeper::new(config, ports.http, ports.store, ports.clock)));
        // Tokens from another broker or app (a changed setting or policy) are never sent to
        // this one: that is a sign-out, HubSpot data included (unsent logs stay).
        if let Ok(true) = keeper.drop_foreign_tokens().await {
            // A failed wipe leaves caches the next sign-out or purge removes; tokens are gone.
            let _ = crate::privacy::wipe::wipe_on_sign_out(ports.store).await;
        }
        let client = Client::new(ports.http, ports.clock, keeper, budget);
        Box::leak(Box::new(App {
            ports,
            config,
            keeper,
            client,
            property_defs: std::cell::RefCell::new(None),
            calls_migrated: std::cell::Cell::new(false),
        }))
    }

    /// The sign-in configuration this `App` was built with.
    pub fn config(&self) -> &AuthConfig {
        self.config
    }

    /// Answers one message. Never panics; refusals and failures come back as data.
    pub async fn handle(&self, raw: Result<Request, String>, sender: &Sender) -> Response {
        let request = match raw {
            Ok(request) => request,
            Err(reason) => return error("bad_request", reason, false),
        };
        let origin = origin_of(sender, &self.ports.extension_id);
        if !allowed(&request, origin) {
            return error("forbidden", "This sender may not make that request.", false);
        }
        if let Err(error) = validate(&request) {
            return Response::Error { error };
        }
        let request = match bind_to_sender(request, origin, sender) {
            Ok(request) => request,
            Err(error) => return Response::Error { error },
        };
        // A content script acts only in the HubSpot account Spotdial is signed in to.
        if origin == Origin::HubSpotTopFrame && !matches!(request, Request::Card { .. } | Request::Ping) {
            if let Err(error) = self.same_portal_as_page(sender).await {
                return Response::Error { error };
            }
        }
        if let Some(response) = answer_local(&request) {
            return response;
        }
        match request {
            Request::Status => Response::Status(self.status().await),
            Request::SignIn => self.sign_in().await,
            Request::SignOut => self.sign_out().await,
            Request::Queue { refresh } => match self.queue(refresh).await {
                Ok(queue) => Response::Queue { queue, paused: self.pause() },
                Err(error) => Response::Error { error },
            },
            Request::Lists => match self.contact_lists().await {
                Ok(lists) => Response::Lists { lists },
                Err(error) => Response::Error { error },
            },
            Request::SetQueueList { list } => self.set_queue_list(list).await,
            Request::Card { url } => self.card(&url).await,
            Request::Dial { contact, number } => self.dial(&contact, &number).await,
            Request::LogCall { call, outcome, notes, complete_task } => match calls::page_contact(sender, origin) {
                Ok(page) => self.log_call(&call, outcome, notes, complete_task, page.as_ref()).await,
                Err(error) => Response::Error { error },
            },
            Request::CallDraft { call, outcome, notes } => match calls::page_contact(sender, origin) {
                Ok(page) => self.save_draft(&call, outcome, notes, page.as_ref()).await,
                Err(error) => Response::Error { error },
            },
            Request::DiscardCall { call } => match calls::page_contact(sender, origin) {
                Ok(page) => self.discard_call(&call, page.as_ref()).await,
                Err(error) => Response::Error { error },
            },
            Request::Calls => self.calls_list().await,
            Request::ForgetContact { contact } => self.forget(&contact).await,
            Request::Outbox => self.outbox_view().await,
            Request::DeleteLog { id } => {
                let account = self.profile().await.and_then(|p| p.account());
                match crate::outbox::delete_held(self.ports.store, &crate::outbox::EntryId::new(id), account.as_ref())
                    .await
                {
                    Ok(true) => self.outbox_view().await,
                    Ok(false) => error(
                        "not_deletable",
                        "Only a log waiting for another HubSpot account can be deleted; this one is being sent.",
                        false,
                    ),
                    Err(e) => error("storage", e.0, true),
                }
            }
            Request::RetryLog { id } => {
                let now = self.ports.clock.now_ms();
                let _ = crate::outbox::retry_now(self.ports.store, now, &crate::outbox::EntryId::new(id)).await;
                self.drain_outbox().await;
                self.outbox_view().await
            }
            Request::Settings => Response::Settings(crate::settings::load(self.ports.store).await.view()),
            Request::SaveSettings { values } => match crate::settings::save_rep(self.ports.store, &values).await {
                Ok(_) => Response::Settings(crate::settings::load(self.ports.store).await.view()),
                Err(problems) => error("bad_setting", problems.join(" "), false),
            },
            Request::Inventory => Response::Inventory {
                keys: crate::privacy::inventory::inventory().iter().map(crate::privacy::inventory::view).collect(),
                retention_days: crate::settings::load(self.ports.store).await.retention.days(),
            },
            Request::FindContacts { query } => {
                match crate::privacy::forget::find_contacts(self.ports.store, &query).await {
                    Ok(contacts) => Response::Found { contacts },
                    Err(e) => error("storage", e.0, true),
                }
            }
            Request::History => match crate::privacy::history::list(self.ports.store).await {
                Ok(calls) => Response::History { calls },
                Err(e) => error("storage", e.0, true),
            },
            Request::Ping => error("unsupported", "Not supported.", false),
        }
    }

    /// A content script's page must be in the portal Spotdial is signed in to: contact and
    /// task ids are per portal, so the same id elsewhere is another person's record.
    async fn same_portal_as_page(&self, sender: &Sender) -> Result<(), Failure> {
        let Some((_, portal, _)) = sender_page(sender) else {
            return Err(Failure::new("not_this_page", "Spotdial acts only on the contact shown on this page.", false));
        };
        match self.profile().await {
            Some(profile) if profile.portal != portal => Err(Failure::new(
                "other_portal",
                format!("This record is in HubSpot account {portal}; Spotdial is signed in to {}.", profile.portal),
                false,
            )),
            _ => Ok(()),
        }
    }

    /// A Chrome alarm fired.
    pub async fn on_alarm(&self, name: &str) {
        match name {
            ALARM_REFRESH => self.refresh_tokens().await,
            ALARM_RESUME => {
                self.show_pause();
                self.drain_outbox().await;
            }
            ALARM_OUTBOX => {
                self.drain_outbox().await;
            }
            ALARM_PURGE => self.purge().await,
            _ => {}
        }
    }

    /// The worker started (browser start, install, or a wake-up): bring stored data to the
    /// current layout before any handler reads it (one key read when it already is).
    pub async fn prepare(&self) {
        let _ = crate::privacy::migrate::migrate(self.ports.store).await;
    }

    /// Start-up work no answer waits for: purge old call history, re-arm alarms, and send what
    /// the outbox holds. The glue runs it behind the first message, so a wake-up for a card
    /// never waits on a storage scan or a HubSpot request.
    pub async fn catch_up(&self) {
        self.purge().await;
        self.schedule_refresh().await;
        self.show_pause();
        self.drain_outbox().await;
    }

    /// Deletes call history older than the retention period, and re-arms the daily purge.
    async fn purge(&self) {
        let settings = crate::settings::load(self.ports.store).await;
        let _ = crate::privacy::retention::purge(self.ports.store, self.ports.clock, settings.retention).await;
        let now = self.ports.clock.now_ms();
        self.ports.browser.set_alarm(ALARM_PURGE, crate::privacy::retention::next_purge_at_ms(now));
    }

    /// Sends what the outbox holds (single-flight), records settled calls in the rep's call
    /// history, and arms the alarm for the next due entry.
    pub(super) async fn drain_outbox(&self) -> crate::outbox::DrainReport {
        // Only the signed-in account's logs are sent (DESIGN §4); the profile is written after
        // HubSpot has named the portal and user of the tokens in store, and removed before
        // tokens of another sign-in are stored.
        let account = self.profile().await.and_then(|p| p.account());
        let account = account.as_ref();
        let report =
            crate::outbox::drain(self.ports.drain_guard, self.ports.store, &self.client, self.ports.clock, account)
                .await;
        if !report.settled.is_empty() {
            let now = self.ports.clock.now_ms();
            for settled in &report.settled {
                if let Some(account) = &settled.account {
                    // A missed check only leaves a rare duplicate unarchived; the log is in HubSpot.
                    let _ = crate::outbox::verify::schedule(
                        self.ports.store,
                        account,
                        settled.id.as_str(),
                        &settled.call_id,
                        now,
                    )
                    .await;
                }
                let label = match &settled.log.outcome {
                    Some(id) => self.outcome_label(id).await,
                    None => None,
                };
                let entry = crate::privacy::history::from_settled(settled, label);
                let _ = crate::privacy::history::record(self.ports.store, &entry).await;
            }
        }
        self.after_api::<()>(&match &report.stopped {
            Some(crate::outbox::Hold::RateLimited { until_ms, policy }) => {
                Err(ApiError::RateLimited { policy: policy.clone(), retry_at_ms: *until_ms })
            }
            _ => Ok(()),
        })
        .await;
        if report.stopped.is_none() {
            let _ = crate::outbox::verify::run_due(self.ports.store, &self.client, self.ports.clock, account).await;
        }
        let now = self.ports.clock.now_ms();
        let outbox_due = crate::outbox::next_wake_at_ms(self.ports.store, now, account).await.ok().flatten();
        let verify_due = crate::outbox::verify::next_due_at_ms(self.ports.store, account).await.ok().flatten();
        match outbox_due.into_iter().chain(verify_due).min() {
            Some(at) => self.ports.browser.set_alarm(ALARM_OUTBOX, at.max(now + 1_000)),
            None => self.ports.browser.clear_alarm(ALARM_OUTBOX),
        }
        report
    }

    /// Unsent call logs, as the popup lists them.
    async fn outbox_view(&self) -> Response {
        let now = self.ports.clock.now_ms();
        let offset_minutes = (self.ports.clock.utc_offset_ms(now) / 60_000) as i32;
        let account = self.profile().await.and_then(|p| p.account());
        match crate::outbox::list(self.ports.store, now, offset_minutes, account.as_ref()).await {
            Ok(entries) => Response::Outbox { entries },
            Err(e) => error("storage", e.0, true),
        }
    }

    /// "Delete prospect data" (calls in progress on the prospect included).
    async fn forget(&self, contact: &crate::ids::ContactId) -> Response {
        match crate::privacy::forget::forget_contact(self.ports.store, contact).await {
            Ok(report) => Response::Forgotten { message: report.message() },
            Err(e) => error("storage", e.0, true),
        }
    }

    /// Sends one HubSpot request through the shared client.
    pub async fn api(&self, request: HttpRequest, class: Class) -> Result<HttpResponse, ApiError> {
        let result = self.client.send(request, class).await;
        self.after_api(&result).await;
        result
    }

    /// After HubSpot answered: on a rate limit, persist the pause (a restarted worker still
    /// honours it), show it on the badge and arm the alarm that clears it.
    pub(super) async fn after_api<T>(&self, result: &Result<T, ApiError>) {
        // HubSpot says the grant is not enough, or refuses even a freshly refreshed token:
        // the rep must reconnect, and the popup says so (naming missing scopes).
        match result {
            Err(e @ ApiError::MissingScopes { scopes, .. }) => {
                let _ = self.keeper.mark_needs_reconnect(&e.failure().message, scopes.clone()).await;
            }
            Err(e @ ApiError::Unauthorized { .. }) => {
                let _ = self.keeper.mark_needs_reconnect(&e.failure().message, Vec::new()).await;
            }
            _ => {}
        }
        if matches!(result, Err(ApiError::RateLimited { .. })) {
            if let Ok(value) = serde_json::to_value(self.client.budget()) {
                let _ = self.ports.store.set(Area::Local, BUDGET_KEY, value).await;
            }
            self.show_pause();
        }
    }

    /// The pause in force, if HubSpot's rate limit was reached.
    pub fn pause(&self) -> Option<PauseView> {
        let (until_ms, _policy) = self.client.paused()?;
        Some(PauseView {
            until_ms,
            message: "HubSpot's limit was reached, syncing is paused. It resumes by itself; your call logs are kept."
                .to_string(),
        })
    }

    /// Badge and resume alarm follow the pause state.
    fn show_pause(&self) {
        match self.client.paused() {
            Some((until, _)) => {
                self.ports.browser.set_badge("!", true);
                self.ports.browser.set_alarm(ALARM_RESUME, until);
            }
            None => self.ports.browser.set_badge("", false),
        }
    }

    /// The admin's extra properties that may be read: `(phone properties, card fields)`, each
    /// checked against the portal's non-sensitive definitions (DESIGN §3: sensitive properties
    /// never). No extra property configured: no request. Definitions unreadable: none admitted.
    pub(super) async fn admitted_properties(
        &self,
        settings: &crate::settings::Settings,
    ) -> (Vec<crate::hubspot::properties::PropertyName>, Vec<crate::hubspot::properties::PropertyName>) {
        use crate::hubspot::properties::{admissible, list_contact_properties, parse_property_defs};
        if settings.phone_properties.is_empty() && settings.mapped_properties.is_empty() {
            return (Vec::new(), Vec::new());
        }
        let now = self.ports.clock.now_ms();
        let fresh = self.property_defs.borrow().as_ref().is_some_and(|(at, _)| (0..3_600_000).contains(&(now - at)));
        if !fresh {
            let read =
                self.api(list_contact_properties(), Class::Read).await.and_then(|resp| parse_property_defs(&resp));
            match read {
                Ok(defs) => *self.property_defs.borrow_mut() = Some((now, defs)),
                Err(_) => return (Vec::new(), Vec::new()),
            }
        }
        let defs = self.property_defs.borrow();
        let defs = defs.as_ref().map(|(_, d)| d.as_slice()).unwrap_or(&[]);
        let names = |list: &[crate::hubspot::properties::PropertyName]| {
            admissible(&list.iter().map(|p| p.as_str().to_string()).collect::<Vec<_>>(), defs).0
        };
        (names(&settings.phone_properties), names(&settings.mapped_properties))
    }

    async fn set_queue_list(&self, list: Option<crate::ids::ListId>) -> Response {
        let mut own = match self.ports.store.get(Area::Local, SETTINGS_KEY).await {
            Ok(Some(serde_json::Value::Object(map))) => map,
            _ => serde_json::Map::new(),
        };
        match list {
            Some(id) => own.insert("queueListId".into(), serde_json::Value::String(id.0)),
            None => own.remove("queueListId"),
        };
        if let Err(problems) = crate::settings::save_rep(self.ports.store, &serde_json::Value::Object(own)).await {
            return error("bad_setting", problems.join(" "), false);
        }
        let _ = self.ports.store.remove(Area::Session, QUEUE_CACHE_KEY).await;
        match self.queue(true).await {
            Ok(queue) => Response::Queue { queue, paused: self.pause() },
            Err(error) => Response::Error { error },
        }
    }
}

/// A failure answer.
pub fn error(code: &str, message: impl Into<String>, retryable: bool) -> Response {
    Response::Error { error: Failure::new(code, message, retryable) }
}

/// The wire parser is the contract's; the glue reaches it here.
pub use crate::message::parse_request;

#[cfg(test)]
mod tests;
