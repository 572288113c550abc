//! The account service: sign-in, sign-out, the refresh alarm and the rep's profile (who is
//! signed in to which portal, as the popup shows it). Layer: core (pure). Tokens stay in the
//! token keeper; nothing here returns one.

use super::hub::Hub;
use super::logging::Logging;
use super::{error, ALARM_REFRESH};
use crate::auth::{AuthState, ConnectError};
use crate::hubspot::budget::Class;
use crate::hubspot::{account, owners};
use crate::json_write::ToJson;
pub use crate::message::views::{AuthView, HealthView, PauseView, Profile, StatusView};
use crate::message::Response;
use crate::page::Hublet;
use crate::ports::{Area, Browser, Clock, Http, Store, TokenSource};

/// Storage key of the signed-in rep's profile (Local).
pub const PROFILE_KEY: &str = crate::keys::PROFILE.key;

pub struct Account<H: Http + 'static, S: Store + 'static, C: Clock + 'static, B: Browser + 'static> {
    hub: &'static Hub<H, S, C, B>,
    /// Call logs kept while signed out are sent right after a sign-in.
    logging: &'static Logging<H, S, C, B>,
}

impl<H: Http, S: Store, C: Clock, B: Browser> Account<H, S, C, B> {
    pub fn new(hub: &'static Hub<H, S, C, B>, logging: &'static Logging<H, S, C, B>) -> Self {
        Account { hub, logging }
    }

    pub async fn status(&self) -> StatusView {
        let hub = self.hub;
        let auth = match hub.keeper.state().await {
            Ok(AuthState::SignedIn { .. }) => AuthView::SignedIn { profile: hub.profile().await },
            Ok(AuthState::NeedsReconnect { reason, missing_scopes }) => {
                AuthView::NeedsReconnect { reason, missing_scopes }
            }
            Ok(AuthState::SignedOut) | Err(_) => AuthView::SignedOut,
        };
        let unsent_logs = crate::outbox::count_unsent(hub.ports.store).await.unwrap_or(0);
        let health = match &auth {
            AuthView::SignedOut => None,
            AuthView::SignedIn { profile } => Some(self.health(profile.as_ref()).await),
            AuthView::NeedsReconnect { .. } => Some(self.health(hub.profile().await.as_ref()).await),
        };
        StatusView { auth, paused: hub.pause(), unsent_logs, health }
    }

    async fn health(&self, profile: Option<&Profile>) -> HealthView {
        HealthView {
            user_email: profile.and_then(|p| p.user_email.clone()),
            owner_name: profile.and_then(|p| p.owner_name.clone()),
            portal: profile.map(|p| p.portal.0.clone()),
            hub_domain: profile.and_then(|p| p.hub_domain.clone()),
            token_renewed_at_ms: self.hub.keeper.renewed_at_ms().await.ok().flatten(),
            budget: self.hub.client.usage(),
            paused_until_ms: self.hub.pause().map(|p| p.until_ms),
        }
    }

    /// The whole interactive sign-in: consent window, code exchange, then the profile.
    pub async fn sign_in(&self) -> Response {
        let hub = self.hub;
        let mut random = [0u8; 64];
        if let Err(reason) = crate::ports::random_bytes(hub.ports.browser, &mut random) {
            let message =
                ["Spotdial cannot sign in safely: the browser's random number source failed (", &reason, ")."].concat();
            return error("no_randomness", message, false);
        }
        let redirect = hub.ports.browser.redirect_url();
        let url = match hub.keeper.begin_sign_in(&redirect, &random).await {
            Ok(url) => url,
            Err(e) => return connect_error(&e),
        };
        let returned = match hub.ports.browser.launch_web_auth_flow(&url).await {
            Ok(returned) => returned,
            Err(reason) => {
                // A pending sign-in left behind is only a verifier no code will match; the
                // next sign-in replaces it. The answer says the sign-in did not finish.
                let _ = hub.keeper.abandon_sign_in().await;
                let mut message = String::from("Sign-in did not finish: ");
                message.push_str(&reason);
                return error("sign_in_cancelled", message, true);
            }
        };
        // The new tokens may be another account's: until HubSpot names theirs there is no
        // profile, so nothing is sent under the old one meanwhile (DESIGN §4). Calls asked
        // for in that window wait for it instead of being called another account's.
        let _window = super::hub::SignInWindow::open(&hub.signing_in);
        let previous = hub.account().await;
        if let Err(e) = hub.ports.store.remove(Area::Local, PROFILE_KEY).await {
            // As above: a stale pending sign-in is harmless, and the answer says why we stopped.
            let _ = hub.keeper.abandon_sign_in().await;
            return error("storage", e.0, true);
        }
        if let Err(e) = hub.keeper.finish_sign_in(&returned).await {
            return connect_error(&e);
        }
        let profile = match self.load_profile().await {
            Ok(profile) => profile,
            Err(response) => return response,
        };
        if previous.is_some() && previous != profile.account() {
            // A reconnect into another account or user: the last one's caches and history
            // leave with it, as at sign-out (its unsent logs stay, held for it).
            if let Err(e) = crate::privacy::wipe::wipe_previous_account(hub.ports.store).await {
                return error(
                    "storage",
                    ["Signed in, but the last account's data could not be removed: ", &e.0].concat(),
                    true,
                );
            }
        }
        self.schedule_refresh().await;
        // Call logs kept while signed out go now.
        let now = hub.ports.clock.now_ms();
        if let Err(e) = crate::outbox::resume_after_sign_in(hub.ports.store, now).await {
            return error(
                "storage",
                [
                    "Signed in, but the call logs kept while signed out could not be released (",
                    &e.0,
                    "). They are kept; sign in again to send them.",
                ]
                .concat(),
                true,
            );
        }
        self.logging.drain().await;
        Response::Status(self.status().await)
    }

    /// Learns portal, user, owner and UI domain for the fresh tokens (DESIGN §2).
    async fn load_profile(&self) -> Result<Profile, Response> {
        let hub = self.hub;
        let facts = hub.keeper.introspect().await.map_err(|e| connect_error(&e))?;
        let owner = match &facts.user_id {
            Some(user) => match hub.api(owners::owner_by_user_id(user), Class::Read).await {
                Ok(resp) => owners::parse_owner(&resp).ok(),
                Err(_) => None, // not every user is an owner; calls are then logged without one
            },
            None => None,
        };
        let details = match hub.api(account::account_details(), Class::Read).await {
            Ok(resp) => account::parse_account_details(&resp).ok(),
            Err(_) => None,
        };
        let location = facts.hublet.as_deref().or(details.as_ref().and_then(|d| d.data_hosting_location.as_deref()));
        let hublet = Hublet::from_location(location);
        let ui_domain = hublet.ui_host(details.as_ref().and_then(|d| d.ui_domain.as_deref()));
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
        hub.ports
            .store
            .set(Area::Local, PROFILE_KEY, profile.to_json())
            .await
            .map_err(|e| error("storage", e.0, true))?;
        Ok(profile)
    }

    /// Signs out: revokes the refresh token through the broker and wipes tokens and HubSpot
    /// data. Unsent call logs are kept and sent after the next sign-in. When something could
    /// not be removed the answer says what stayed, never a plain success.
    pub async fn sign_out(&self) -> Response {
        let hub = self.hub;
        // `Ok(false)` only means HubSpot did not confirm the revocation: the token is gone from
        // this computer either way and lapses unused.
        let tokens = hub.keeper.sign_out().await;
        let data = crate::privacy::wipe::wipe_on_sign_out(hub.ports.store).await;
        hub.ports.browser.clear_alarm(ALARM_REFRESH);
        match (tokens, data) {
            (Ok(_), Ok(_)) => Response::Status(self.status().await),
            (Err(e), _) => error(
                "sign_out_incomplete",
                [
                    "Spotdial could not remove your HubSpot sign-in from this computer (",
                    &e.0,
                    "). Sign out again; if this keeps happening, remove Spotdial from Chrome.",
                ]
                .concat(),
                true,
            ),
            (Ok(_), Err(e)) => error(
                "sign_out_incomplete",
                [
                    "Signed out, but some HubSpot data Spotdial kept (contact details, call history) could not be removed from this computer (",
                    &e.0,
                    "). Sign out again to remove it.",
                ]
                .concat(),
                true,
            ),
        }
    }

    /// The refresh alarm fired: refresh if due (the keeper decides), then re-arm.
    pub async fn refresh_tokens(&self) {
        // A refused refresh is recorded by the keeper (the popup then asks to reconnect); one
        // that could not reach the broker is tried again by the next request or alarm. Either
        // way the alarm is re-armed below.
        let _ = self.hub.keeper.access_token().await;
        self.schedule_refresh().await;
    }

    pub async fn schedule_refresh(&self) {
        match self.hub.keeper.next_refresh_at_ms().await {
            Ok(Some(at)) => self.hub.ports.browser.set_alarm(ALARM_REFRESH, at),
            _ => self.hub.ports.browser.clear_alarm(ALARM_REFRESH),
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

#[cfg(test)]
#[path = "account_tests.rs"]
mod tests;
