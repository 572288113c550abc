//! The service worker's brain: one long-lived `App` per worker holds the token keeper (so
//! concurrent callers share one refresh), the HubSpot client and its rate budget, and answers
//! each request after checking the `allowed` table. Layer: core (pure). The wasm glue builds
//! the `App` once, then only decodes messages, calls `handle` and encodes the answers.

mod account;
mod config;
mod queue;

use crate::auth::{AuthConfig, TokenKeeper};
use crate::hubspot::budget::{Class, RateBudget};
use crate::hubspot::session::Client;
use crate::hubspot::ApiError;
use crate::message::{allowed, answer_local, origin_of, Failure, Request, Response, Sender};
use crate::ports::{Area, Browser, Clock, Http, HttpRequest, HttpResponse, Store};

pub use account::{AuthView, PauseView, Profile, StatusView, PROFILE_KEY};
pub use config::{auth_config, SETTINGS_KEY};
pub use queue::{ContactView, QueueEntry, QueueSource, QueueView, QUEUE_CACHE_KEY};

/// Alarm names (one prefix for everything Spotdial names in Chrome).
pub const ALARM_REFRESH: &str = "spotdial:refresh";
/// Fires when a HubSpot rate-limit pause ends, to clear the alert and resume syncing.
pub const ALARM_RESUME: &str = "spotdial:resume";
/// Storage key of the persisted rate-budget pause.
pub const BUDGET_KEY: &str = "budget:v1";

/// The world as the worker sees it, for the worker's whole life.
pub struct Ports<H: 'static, S: 'static, C: 'static, B: 'static> {
    pub http: &'static H,
    pub store: &'static S,
    pub clock: &'static C,
    pub browser: &'static B,
    /// This extension's id (`chrome.runtime.id`), to recognise our own senders.
    pub extension_id: String,
}

/// One per service worker. Built once (`App::build`) and kept for the worker's life: the
/// token keeper's single-flight refresh only works if every request goes through one keeper.
pub struct App<H: Http + 'static, S: Store + 'static, C: Clock + 'static, B: Browser + 'static> {
    ports: Ports<H, S, C, B>,
    config: &'static AuthConfig,
    keeper: &'static TokenKeeper<'static, H, S, C>,
    client: Client<'static, H, C, TokenKeeper<'static, H, S, C>>,
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
        let client = Client::new(ports.http, ports.clock, keeper, budget);
        Box::leak(Box::new(App { ports, config, keeper, client }))
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
        if let Some(response) = answer_local(&request) {
            return response;
        }
        match request {
            Request::Status => Response::Status(self.status().await),
            Request::SignIn => self.sign_in().await,
            Request::SignOut => self.sign_out().await,
            Request::Queue { refresh } => match self.queue(refresh).await {
                Ok(queue) => Response::Queue { queue, paused: self.pause() },
                Err(failure) => self.failure(failure),
            },
            Request::Lists => match self.contact_lists().await {
                Ok(lists) => Response::Lists { lists },
                Err(failure) => self.failure(failure),
            },
            Request::SetQueueList { list } => self.set_queue_list(list).await,
            Request::Ping | Request::Card { .. } => error("unsupported", "Not supported.", false),
        }
    }

    /// A Chrome alarm fired.
    pub async fn on_alarm(&self, name: &str) {
        match name {
            ALARM_REFRESH => self.refresh_tokens().await,
            ALARM_RESUME => self.show_pause(),
            _ => {}
        }
    }

    /// The worker started (browser start, install, or a wake-up): re-arm what must run.
    pub async fn on_startup(&self) {
        self.schedule_refresh().await;
        self.show_pause();
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
            message: "HubSpot's limit was reached, syncing is paused. It resumes by itself; your call logs are kept.".to_string(),
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

    /// A failure answer; a rate-limit failure also carries the pause.
    fn failure(&self, failure: Failure) -> Response {
        Response::Error { error: failure }
    }

    async fn set_queue_list(&self, list: Option<crate::ids::ListId>) -> Response {
        let mut own = match self.ports.store.get(Area::Local, SETTINGS_KEY).await {
            Ok(Some(serde_json::Value::Object(map))) => map,
            _ => serde_json::Map::new(),
        };
        match list {
            Some(id) if crate::ids::is_digits(id.as_str()) => {
                own.insert("queueListId".into(), serde_json::Value::String(id.0));
            }
            Some(_) => return error("bad_request", "That is not a HubSpot list id.", false),
            None => {
                own.remove("queueListId");
            }
        }
        if let Err(e) = self.ports.store.set(Area::Local, SETTINGS_KEY, serde_json::Value::Object(own)).await {
            return error("storage", e.0, true);
        }
        let _ = self.ports.store.remove(Area::Session, QUEUE_CACHE_KEY).await;
        match self.queue(true).await {
            Ok(queue) => Response::Queue { queue, paused: self.pause() },
            Err(failure) => self.failure(failure),
        }
    }
}

/// A failure answer.
pub fn error(code: &str, message: impl Into<String>, retryable: bool) -> Response {
    Response::Error { error: Failure::new(code, message, retryable) }
}

/// Parses a JSON message into a request, with a clear reason when it is not one.
pub fn parse_request(value: serde_json::Value) -> Result<Request, String> {
    serde_json::from_value(value).map_err(|e| {
        let mut reason = String::from("Not a Spotdial request: ");
        reason.push_str(&e.to_string());
        reason
    })
}
