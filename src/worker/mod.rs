//! The service worker's brain: one long-lived `App` per worker checks each request against the
//! `allowed` table, binds it to its sender and hands it to the service that owns the feature.
//! Layer: core (pure). The services share one `Hub` (ports, token keeper, HubSpot client and
//! its rate budget); the wasm glue builds the `App` once, then only decodes, calls, encodes.
//!
//! Services: `account` (sign-in, out, tokens, badge), `card` + `calls` (the card and dialing),
//! `logging` (log → outbox → history → verify), `queue` (tasks, lists, next task), `settings`,
//! `privacy` (forget, purge, inventory, history). `properties` admits the admin's extra fields.

mod account;
mod calls;
mod card;
mod hub;
mod logging;
mod privacy;
mod properties;
mod queue;
mod settings;

use crate::auth::{AuthConfig, TokenKeeper};
use crate::hubspot::budget::RateBudget;
use crate::hubspot::session::Client;
use crate::message::{
    allowed, answer_local, bind_to_sender, origin_of, sender_page, validate, Failure, Origin, Request, Response, Sender,
};
use crate::ports::{Area, Browser, Clock, Http, Store};

pub use crate::settings::SETTINGS_KEY;
pub use account::{AuthView, HealthView, PauseView, Profile, StatusView, PROFILE_KEY};
pub use calls::{CallListItem, CallView};
pub use card::{CardView, LoggedView, NextView};
pub use queue::{
    ContactView, QueueEntry, QueueSource, QueueView, TaskView, QUEUE_CACHE_BUSY_MS, QUEUE_CACHE_KEY, QUEUE_CACHE_MS,
};

/// Alarm names (one prefix for everything Spotdial names in Chrome).
pub const ALARM_REFRESH: &str = "spotdial:refresh";
/// Fires when a HubSpot rate-limit pause ends, to clear the alert and resume syncing.
pub const ALARM_RESUME: &str = "spotdial:resume";
/// Fires when the outbox has an entry due.
pub const ALARM_OUTBOX: &str = "spotdial:outbox";
pub use crate::privacy::retention::PURGE_ALARM as ALARM_PURGE;
/// Storage key of the persisted rate-budget pause.
pub const BUDGET_KEY: &str = crate::keys::BUDGET.key;

/// The local keys a worker's start reads before it can answer (the admin policy's snapshot,
/// the rep's settings, the rate budget, the sign-in issuer and refresh token, the layout
/// version). The glue fetches them in one request beside the storage access levels instead of
/// one round trip each: about 1 ms apiece on a waking worker, most of `start()` (issue 12).
/// `every_local_read_of_a_start_is_listed` keeps the list whole.
pub const START_UP_READS: [&str; 6] = [
    crate::keys::POLICY.key,
    crate::keys::SETTINGS.key,
    crate::keys::BUDGET.key,
    crate::keys::AUTH_ISSUER.key,
    crate::keys::AUTH_REFRESH.key,
    crate::keys::LAYOUT_VERSION.key,
];

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
    hub: &'static hub::Hub<H, S, C, B>,
    account: account::Account<H, S, C, B>,
    dialer: &'static card::Dialer<H, S, C, B>,
    logging: &'static logging::Logging<H, S, C, B>,
    queue: &'static queue::Queue<H, S, C, B>,
    settings: settings::SettingsService<H, S, C, B>,
    privacy: privacy::Privacy<H, S, C, B>,
}

impl<H: Http, S: Store, C: Clock, B: Browser> App<H, S, C, B> {
    /// Builds the worker's one `App`. The parts reference each other for the worker's life,
    /// so they are leaked once: a worker is stopped after ~30 s idle, freeing everything.
    pub async fn build(ports: Ports<H, S, C, B>, config: AuthConfig) -> &'static Self {
        let budget: RateBudget = match ports.store.get(Area::Local, BUDGET_KEY).await {
            Ok(Some(value)) => RateBudget::read(&value).unwrap_or_default(),
            _ => RateBudget::default(),
        };
        // Each browser jitters its waits differently, so the reps of a portal that meet a
        // limit together do not come back together.
        let mut salt = [0u8; 8];
        // A failed random source leaves the salt at zero: waits still differ by their moment.
        let _ = crate::ports::random_bytes(ports.browser, &mut salt);
        let budget = budget.with_salt(u64::from_le_bytes(salt));
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
        let hub: &'static hub::Hub<H, S, C, B> =
            Box::leak(Box::new(hub::Hub { ports, config, keeper, client, signing_in: std::cell::Cell::new(false) }));
        let properties = Box::leak(Box::new(properties::Properties::new(hub)));
        let queue = Box::leak(Box::new(queue::Queue::new(hub, properties)));
        let dialer = Box::leak(Box::new(card::Dialer::new(hub, properties, queue)));
        let logging = Box::leak(Box::new(logging::Logging::new(hub, dialer, queue)));
        Box::leak(Box::new(App {
            hub,
            account: account::Account::new(hub, logging),
            dialer,
            logging,
            queue,
            settings: settings::SettingsService::new(hub),
            privacy: privacy::Privacy::new(hub),
        }))
    }

    /// The sign-in configuration this `App` was built with.
    pub fn config(&self) -> &AuthConfig {
        self.hub.config
    }

    /// Answers one message. Never panics; refusals and failures come back as data.
    pub async fn handle(&self, raw: Result<Request, String>, sender: &Sender) -> Response {
        let request = match raw {
            Ok(request) => request,
            Err(reason) => return error("bad_request", reason, false),
        };
        let origin = origin_of(sender, &self.hub.ports.extension_id);
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
        // What a content script may act on: its own tab's contact (`None` for our own pages).
        let page = || calls::page_contact(sender, origin);
        // Each request's work is its own boxed future: awaited inline, every service's state
        // machine would be one poll function for the whole dispatcher (104 KB, compiled by the
        // browser on the first message of every cold start, whatever the message); boxed, a
        // wake-up for a card compiles the card's path only.
        let work: Work<'_> = match request {
            Request::Status => Box::pin(async move { Response::Status(self.account.status().await) }),
            Request::SignIn => Box::pin(self.account.sign_in()),
            Request::SignOut => Box::pin(self.account.sign_out()),
            Request::Queue { refresh } => Box::pin(self.queue.answer(refresh)),
            Request::Lists => Box::pin(self.queue.lists()),
            Request::SetQueueList { list } => Box::pin(async move { self.queue.set_list(list).await }),
            Request::Card { url } => Box::pin(async move { self.dialer.card(&url).await }),
            Request::Dial { contact, number } => Box::pin(async move { self.dialer.dial(&contact, &number).await }),
            Request::LogCall { call, outcome, notes, complete_task } => {
                match page() {
                    Ok(page) => Box::pin(async move {
                        self.logging.log_call(&call, outcome, notes, complete_task, page.as_ref()).await
                    }),
                    Err(error) => return Response::Error { error },
                }
            }
            Request::CallDraft { call, outcome, notes } => match page() {
                Ok(page) => Box::pin(async move { self.dialer.save_draft(&call, outcome, notes, page.as_ref()).await }),
                Err(error) => return Response::Error { error },
            },
            Request::DiscardCall { call } => match page() {
                Ok(page) => Box::pin(async move { self.dialer.discard_call(&call, page.as_ref()).await }),
                Err(error) => return Response::Error { error },
            },
            Request::Calls => Box::pin(self.dialer.calls_list()),
            Request::ForgetContact { contact } => Box::pin(async move { self.privacy.forget(&contact).await }),
            Request::Outbox => Box::pin(self.logging.outbox_view()),
            Request::DeleteLog { id } => Box::pin(self.logging.delete(id)),
            Request::RetryLog { id } => Box::pin(self.logging.retry(id)),
            Request::Settings => Box::pin(self.settings.view()),
            Request::SaveSettings { values } => Box::pin(async move { self.settings.save(&values).await }),
            Request::Inventory => Box::pin(self.privacy.inventory()),
            Request::FindContacts { query } => Box::pin(async move { self.privacy.find_contacts(&query).await }),
            Request::History => Box::pin(self.privacy.history()),
            Request::Ping => return error("unsupported", "Not supported.", false),
        };
        work.await
    }

    /// A content script's page must be in the portal Spotdial is signed in to: contact and
    /// task ids are per portal, so the same id elsewhere is another person's record.
    async fn same_portal_as_page(&self, sender: &Sender) -> Result<(), Failure> {
        let Some((_, portal, _)) = sender_page(sender) else {
            return Err(Failure::new("not_this_page", "Spotdial acts only on the contact shown on this page.", false));
        };
        match self.hub.profile().await {
            Some(profile) if profile.portal != portal => Err(other_portal(&portal, &profile.portal)),
            _ => Ok(()),
        }
    }

    /// A Chrome alarm fired.
    pub async fn on_alarm(&self, name: &str) {
        match name {
            ALARM_REFRESH => self.account.refresh_tokens().await,
            ALARM_RESUME => {
                self.hub.show_pause();
                self.logging.drain().await;
            }
            ALARM_OUTBOX => {
                self.logging.drain().await;
            }
            ALARM_PURGE => self.privacy.purge().await,
            _ => {}
        }
    }

    /// The worker started (browser start, install, or a wake-up): bring stored data to the
    /// current layout before any handler reads it (one key read when it already is).
    pub async fn prepare(&self) {
        // A failed migration leaves the old layout in place, untouched and retried at the next
        // start; readers of the current layout meanwhile find nothing, never wrong data.
        let _ = crate::privacy::migrate::migrate(self.hub.ports.store).await;
    }

    /// Start-up work no answer waits for: purge old call history, re-arm alarms, and send what
    /// the outbox holds. The glue runs it behind the first message, so a wake-up for a card
    /// never waits on a storage scan or a HubSpot request.
    pub async fn catch_up(&self) {
        self.privacy.purge().await;
        self.account.schedule_refresh().await;
        self.hub.show_pause();
        self.logging.drain().await;
    }
}

/// A failure answer.
pub fn error(code: &str, message: impl Into<String>, retryable: bool) -> Response {
    Response::Error { error: Failure::new(code, message, retryable) }
}

/// The refusal for a record in another portal than the one signed in.
fn other_portal(page: &crate::ids::PortalId, signed_in: &crate::ids::PortalId) -> Failure {
    Failure::new(
        "other_portal",
        format!("This record is in HubSpot account {page}; Spotdial is signed in to {signed_in}."),
        false,
    )
}

/// The wire parser is the contract's; the glue reaches it here.
pub use crate::message::parse_request;

/// One request's work, boxed so that each has its own poll function (see `App::handle`).
type Work<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Response> + 'a>>;

#[cfg(test)]
mod tests;
