//! Sign-in, sign-out and the rep's profile: who is signed in to which portal, as the popup
//! shows it. Layer: core (pure). Tokens stay in the token keeper; nothing here returns one.

use super::{error, App, ALARM_REFRESH};
use crate::auth::{AuthState, ConnectError};
use crate::hubspot::budget::Class;
use crate::hubspot::{account, owners};
pub use crate::message::views::{AuthView, HealthView, PauseView, Profile, StatusView};
use crate::message::Response;
use crate::page::Hublet;
use crate::ports::{Area, Browser, Clock, Http, Store, TokenSource};

/// Storage key of the signed-in rep's profile (Local).
pub const PROFILE_KEY: &str = crate::keys::PROFILE.key;

impl<H: Http, S: Store, C: Clock, B: Browser> App<H, S, C, B> {
    pub(super) async fn status(&self) -> StatusView {
        let auth = match self.keeper.state().await {
            Ok(AuthState::SignedIn { .. }) => AuthView::SignedIn { profile: self.profile().await },
            Ok(AuthState::NeedsReconnect { reason, missing_scopes }) => {
                AuthView::NeedsReconnect { reason, missing_scopes }
            }
            Ok(AuthState::SignedOut) | Err(_) => AuthView::SignedOut,
        };
        let unsent_logs = crate::outbox::count_unsent(self.ports.store).await.unwrap_or(0);
        let health = match &auth {
            AuthView::SignedOut => None,
            AuthView::SignedIn { profile } => Some(self.health(profile.as_ref()).await),
            AuthView::NeedsReconnect { .. } => Some(self.health(self.profile().await.as_ref()).await),
        };
        StatusView { auth, paused: self.pause(), unsent_logs, health }
    }

    async fn health(&self, profile: Option<&Profile>) -> HealthView {
        let now = self.ports.clock.now_ms();
        HealthView {
            user_email: profile.and_then(|p| p.user_email.clone()),
            owner_name: profile.and_then(|p| p.owner_name.clone()),
            portal: profile.map(|p| p.portal.0.clone()),
            hub_domain: profile.and_then(|p| p.hub_domain.clone()),
            token_renewed_at_ms: self.keeper.renewed_at_ms().await.ok().flatten(),
            budget: self.client.budget().usage(now),
            paused_until_ms: self.pause().map(|p| p.until_ms),
        }
    }

    pub async fn profile(&self) -> Option<Profile> {
        let value = self.ports.store.get(Area::Local, PROFILE_KEY).await.ok()??;
        serde_json::from_value(value).ok()
    }

    /// The whole interactive sign-in: consent window, code exchange, then the profile.
    pub(super) async fn sign_in(&self) -> Response {
        let mut random = [0u8; 64];
        if let Err(reason) = crate::ports::random_bytes(self.ports.browser, &mut random) {
            let message =
                ["Spotdial cannot sign in safely: the browser's random number source failed (", &reason, ")."].concat();
            return error("no_randomness", message, false);
        }
        let redirect = self.ports.browser.redirect_url();
        let url = match self.keeper.begin_sign_in(&redirect, &random).await {
            Ok(url) => url,
            Err(e) => return connect_error(&e),
        };
        let returned = match self.ports.browser.launch_web_auth_flow(&url).await {
            Ok(returned) => returned,
            Err(reason) => {
                let _ = self.keeper.abandon_sign_in().await;
                let mut message = String::from("Sign-in did not finish: ");
                message.push_str(&reason);
                return error("sign_in_cancelled", message, true);
            }
        };
        // The new tokens may be another account's: until HubSpot names theirs there is no
        // profile, so nothing is sent under the old one meanwhile (DESIGN §4).
        let previous = self.profile().await.and_then(|p| p.account());
        if let Err(e) = self.ports.store.remove(Area::Local, PROFILE_KEY).await {
            let _ = self.keeper.abandon_sign_in().await; // best effort: the answer says why
            return error("storage", e.0, true);
        }
        if let Err(e) = self.keeper.finish_sign_in(&returned).await {
            return connect_error(&e);
        }
        let profile = match self.load_profile().await {
            Ok(profile) => profile,
            Err(response) => return response,
        };
        if previous.is_some() && previous != profile.account() {
            // A reconnect into another account or user: the last one's caches and history
            // leave with it, as at sign-out (its unsent logs stay, held for it).
            if let Err(e) = crate::privacy::wipe::wipe_previous_account(self.ports.store).await {
                return error(
                    "storage",
                    ["Signed in, but the last account's data could not be removed: ", &e.0].concat(),
                    true,
                );
            }
        }
        self.schedule_refresh().await;
        // Call logs kept while signed out go now.
        let now = self.ports.clock.now_ms();
        let _ = crate::outbox::resume_after_sign_in(self.ports.store, now).await;
        self.drain_outbox().await;
        Response::Status(self.status().await)
    }

    /// Learns portal, user, owner and UI domain for the fresh tokens (DESIGN §2).
    async fn load_profile(&self) -> Result<Profile, Response> {
        let facts = self.keeper.introspect().await.map_err(|e| connect_error(&e))?;
        let owner = match &facts.user_id {
            Some(user) => match self.api(owners::owner_by_user_id(user), Class::Read).await {
                Ok(resp) => owners::parse_owner(&resp).ok(),
                Err(_) => None, // not every user is an owner; calls are then logged without one
            },
            None => None,
        };
        let details = match self.api(account::account_details(), Class::Read).await {
            Ok(resp) => account::parse_account_details(&resp).ok(),
            Err(_) => None,
        };
        let hublet = match facts.hublet.as_deref().or(details.as_ref().and_then(|d| d.data_hosting_location.as_deref()))
        {
            Some("eu1") => Hublet::Eu1,
            _ => Hublet::Na1,
        };
        let ui_domain = details
            .as_ref()
            .and_then(|d| d.ui_domain.clone())
            .filter(|domain| Hublet::from_app_host(domain).is_some())
            .unwrap_or_else(|| hublet.app_host().to_string());
        let owner_name = owner.as_ref().and_then(|o| match (&o.first_name, &o.last_name) {
            (Some(f), Some(l)) => Some([f.as_str(), l.as_str()].join(" ")),
            (Some(n), None) | (None, Some(n)) => Some(n.clone()),
            (None, None) => None,
        });
        let profile = Profile {
            portal: facts.hub_id.clone(),
            hub_domain: facts.hub_domain.clone(),
            ui_domain,
            hublet,
            user_id: facts.user_id.clone(),
            user_email: facts.user_email.clone().or_else(|| owner.as_ref().and_then(|o| o.email.clone())),
            owner: owner.map(|o| o.id),
            owner_name,
        };
        let value = serde_json::to_value(&profile).map_err(|e| error("storage", e.to_string(), true))?;
        self.ports.store.set(Area::Local, PROFILE_KEY, value).await.map_err(|e| error("storage", e.0, true))?;
        Ok(profile)
    }

    /// Signs out: revokes the refresh token through the broker and wipes tokens and HubSpot
    /// data. Unsent call logs are kept and sent after the next sign-in.
    pub(super) async fn sign_out(&self) -> Response {
        let _ = self.keeper.sign_out().await;
        let _ = crate::privacy::wipe::wipe_on_sign_out(self.ports.store).await;
        self.ports.browser.clear_alarm(ALARM_REFRESH);
        Response::Status(self.status().await)
    }

    /// The refresh alarm fired: refresh if due (the keeper decides), then re-arm.
    pub(super) async fn refresh_tokens(&self) {
        let _ = self.keeper.access_token().await;
        self.schedule_refresh().await;
    }

    pub(super) async fn schedule_refresh(&self) {
        match self.keeper.next_refresh_at_ms().await {
            Ok(Some(at)) => self.ports.browser.set_alarm(ALARM_REFRESH, at),
            _ => self.ports.browser.clear_alarm(ALARM_REFRESH),
        }
    }
}

fn connect_error(e: &ConnectError) -> Response {
    let (code, retryable) = match e {
        ConnectError::MissingScopes { .. } => ("missing_scopes", false),
        ConnectError::Token(t) => (t.code(), t.retryable()),
        ConnectError::SignIn(s) => (s.code(), true),
        ConnectError::Auth(_) => ("auth", true),
        ConnectError::Storage { .. } => ("storage", true),
        ConnectError::WrongPortal { .. } => ("wrong_portal", false),
        ConnectError::NoPendingSignIn => ("no_pending_sign_in", true),
    };
    error(code, e.to_string(), retryable)
}
