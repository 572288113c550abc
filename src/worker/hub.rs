//! What every worker service shares for the worker's life: the ports, the one token keeper and
//! the one HubSpot client with its rate budget, and who is signed in. Layer: core (pure).
//! Services (account, card, calls, logging, queue, settings, privacy) each hold a `&Hub`;
//! nothing here answers a request.

use super::{PauseView, Ports, Profile, ALARM_RESUME, BUDGET_KEY, PROFILE_KEY};
use crate::auth::{AuthConfig, TokenKeeper};
use crate::hubspot::budget::Class;
use crate::hubspot::session::Client;
use crate::hubspot::ApiError;
use crate::ids::Account;
use crate::json_write::ToJson;
use crate::ports::{Area, Browser, Clock, Http, HttpRequest, HttpResponse, Store};

/// The shared parts. Built once per worker (`App::build`) and leaked with it.
pub struct Hub<H: Http + 'static, S: Store + 'static, C: Clock + 'static, B: Browser + 'static> {
    pub(super) ports: Ports<H, S, C, B>,
    pub(super) config: &'static AuthConfig,
    pub(super) keeper: &'static TokenKeeper<'static, H, S, C>,
    pub(super) client: Client<'static, H, C, TokenKeeper<'static, H, S, C>>,
    /// A sign-in is between dropping the last profile and storing the new one (HubSpot is
    /// naming the new tokens' account): no account is signed in, but one is arriving.
    pub(super) signing_in: std::cell::Cell<bool>,
}

/// Marks the sign-in window on the hub while alive; every exit from the sign-in ends it.
pub(super) struct SignInWindow<'a>(&'a std::cell::Cell<bool>);

impl<'a> SignInWindow<'a> {
    pub(super) fn open(flag: &'a std::cell::Cell<bool>) -> Self {
        flag.set(true);
        SignInWindow(flag)
    }
}

impl Drop for SignInWindow<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

impl<H: Http, S: Store, C: Clock, B: Browser> Hub<H, S, C, B> {
    /// The signed-in rep's profile, `None` when signed out or unreadable.
    pub async fn profile(&self) -> Option<Profile> {
        let value = self.ports.store.get(Area::Local, PROFILE_KEY).await.ok()??;
        crate::message::read::profile(&value).ok()
    }

    /// The account (portal and user) signed in now.
    pub async fn account(&self) -> Option<Account> {
        self.profile().await.and_then(|p| p.account())
    }

    /// Writes a cache entry (cards, the queue, call outcomes) to session storage. Only a cache:
    /// a write that fails is dropped, and the next reader asks HubSpot again.
    pub async fn cache(&self, key: &str, value: &impl ToJson) {
        // Only a cache: unsaved, the next reader asks HubSpot again.
        let _ = self.ports.store.set(Area::Session, key, value.to_json()).await;
    }

    /// Sends one HubSpot request through the shared client.
    pub async fn api(&self, request: HttpRequest, class: Class) -> Result<HttpResponse, ApiError> {
        let result = self.client.send(request, class).await;
        self.after_api(&result).await;
        result
    }

    /// After HubSpot answered: on a rate limit, persist the pause (a restarted worker still
    /// honours it), show it on the badge and arm the alarm that clears it.
    pub async fn after_api<T>(&self, result: &Result<T, ApiError>) {
        // HubSpot says the grant is not enough, or refuses even a freshly refreshed token:
        // the rep must reconnect, and the popup says so (naming missing scopes).
        let reconnect = match result {
            Err(e @ ApiError::MissingScopes { scopes, .. }) => Some((e.failure().message, scopes.clone())),
            Err(e @ ApiError::Unauthorized { .. }) => Some((e.failure().message, Vec::new())),
            _ => None,
        };
        if let Some((reason, scopes)) = reconnect {
            // Unsaved, the mark is made again by the next refused request; the request that
            // failed already answers with HubSpot's reason.
            let _ = self.keeper.mark_needs_reconnect(&reason, scopes).await;
        }
        if matches!(result, Err(ApiError::RateLimited { .. })) {
            // Unsaved, this worker still honours the pause in memory; only a restarted worker
            // would try once more and be told to wait again.
            let _ = self.ports.store.set(Area::Local, BUDGET_KEY, self.client.budget().to_json()).await;
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
    pub fn show_pause(&self) {
        match self.client.paused() {
            Some((until, _)) => {
                self.ports.browser.set_badge("!", true);
                self.ports.browser.set_alarm(ALARM_RESUME, until);
            }
            None => self.ports.browser.set_badge("", false),
        }
    }
}
