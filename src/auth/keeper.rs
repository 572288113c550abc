//! The token keeper: stores the tokens and the sign-in state, hands out access tokens,
//! refreshes ahead of expiry with one shared refresh however many callers wait, and signs out.
//! Layer: core (pure); reaches the world only through the `Http`, `Store` and `Clock` ports.
//! Storage: access token in `session`, refresh token and state in `local` (DESIGN §2).

use super::authorize::{begin, finish, PendingSignIn, SignInError};
use super::config::AuthConfig;
use super::grant::{
    exchange_request, introspect_request, parse_introspection, parse_revoke_response, parse_token_response,
    refresh_request, revoke_request, transport_error, Introspection, TokenError,
};
use crate::ids::{PortalId, UserId};
use crate::json_read::Fields;
use crate::json_write::{Obj, ToJson};
use crate::ports::{Area, AuthFailure, Clock, Http, Store, StoreError, TokenSource};
use crate::secret::{AccessToken, AuthCode, RefreshToken};
use futures_util::future::{LocalBoxFuture, Shared};
use futures_util::FutureExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;

/// Access token and its expiry, in `Area::Session` (gone when the browser closes).
pub const ACCESS_KEY: &str = crate::keys::AUTH_ACCESS.key;
/// Refresh token, in `Area::Local`.
pub const REFRESH_KEY: &str = crate::keys::AUTH_REFRESH.key;
/// The sign-in waiting for its redirect, in `Area::Session`.
pub const PENDING_KEY: &str = crate::keys::AUTH_PENDING.key;
/// `AuthState`, in `Area::Local`.
pub const STATE_KEY: &str = crate::keys::AUTH_STATE.key;
/// After a refresh that failed without refusing the grant: no new attempt before this time
/// (the broker's or HubSpot's `Retry-After`, at least `MIN_RETRY_MS`), in `Area::Session`.
pub const RETRY_KEY: &str = crate::keys::AUTH_RETRY.key;
/// Which app and token service the stored tokens came from, in `Area::Local`: tokens are
/// never sent to another broker or used with another client id.
pub const ISSUER_KEY: &str = crate::keys::AUTH_ISSUER.key;
/// The shortest wait after a failed refresh, so an alarm is never re-armed in the past.
pub const MIN_RETRY_MS: i64 = 30_000;
/// The longest `Retry-After` honoured.
pub const MAX_RETRY_MS: i64 = 3_600_000;
/// Every key this module owns starts with this; sign-out removes them all in both areas.
pub const KEY_PREFIX: &str = "auth:";

/// The longest refresh margin; shorter lifetimes use a quarter of the lifetime.
pub const MAX_REFRESH_MARGIN_MS: i64 = 5 * 60 * 1000;

/// How long before expiry a token is refreshed: min(5 min, lifetime / 4). A 60 s token is
/// refreshed at 45 s, a 30 min token at 25 min.
pub fn refresh_margin_ms(lifetime_ms: i64) -> i64 {
    MAX_REFRESH_MARGIN_MS.min(lifetime_ms / 4)
}

/// Where sign-in stands, as the popup shows it. Holds no token. Stored with a `kind` tag;
/// read by `AuthState::read` (serde's reader stays in tests, as the reference).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AuthState {
    SignedOut,
    SignedIn {
        hub_id: PortalId,
        user_id: Option<UserId>,
    },
    /// The rep must sign in again: a refused refresh, or scopes HubSpot did not grant.
    NeedsReconnect {
        reason: String,
        missing_scopes: Vec<String>,
    },
}

impl AuthState {
    /// The state a stored value holds; each kind reads its own fields.
    pub fn read(value: &Value) -> Result<AuthState, String> {
        let f = Fields::of("the sign-in state", value)?;
        let kind = f.must("kind", Fields::text)?;
        Ok(match kind.as_str() {
            "signed_out" => AuthState::SignedOut,
            "signed_in" => AuthState::SignedIn {
                hub_id: PortalId::new(f.must("hub_id", Fields::text)?),
                user_id: f.text("user_id")?.map(UserId::new),
            },
            "needs_reconnect" => AuthState::NeedsReconnect {
                reason: f.must("reason", Fields::text)?,
                missing_scopes: f.must("missing_scopes", Fields::texts)?,
            },
            other => return Err(["an unknown sign-in state: ", other].concat()),
        })
    }
}

impl ToJson for AuthState {
    fn to_json(&self) -> Value {
        match self {
            AuthState::SignedOut => Obj::tagged("kind", "signed_out"),
            AuthState::SignedIn { hub_id, user_id } => {
                Obj::tagged("kind", "signed_in").put("hub_id", hub_id).put("user_id", user_id)
            }
            AuthState::NeedsReconnect { reason, missing_scopes } => {
                Obj::tagged("kind", "needs_reconnect").put("reason", reason).put("missing_scopes", missing_scopes)
            }
        }
        .done()
    }
}

/// Why a sign-in (or an introspection) did not succeed. Holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConnectError {
    /// No sign-in was started, or it was already finished or abandoned.
    NoPendingSignIn,
    SignIn(SignInError),
    Token(TokenError),
    /// HubSpot granted fewer scopes than Spotdial needs; the state names them.
    MissingScopes {
        missing: Vec<String>,
    },
    Auth(AuthFailure),
    Storage {
        reason: String,
    },
    /// The grant is for another HubSpot account than the admin pinned; it was revoked and
    /// nothing of it kept.
    WrongPortal {
        got: PortalId,
        pinned: PortalId,
    },
}

impl From<StoreError> for ConnectError {
    fn from(error: StoreError) -> Self {
        ConnectError::Storage { reason: error.0 }
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::NoPendingSignIn => f.write_str("No sign-in is in progress. Please start again."),
            ConnectError::SignIn(e) => e.fmt(f),
            ConnectError::Token(e) => e.fmt(f),
            ConnectError::MissingScopes { missing } => write!(
                f,
                "HubSpot did not grant every permission Spotdial needs (missing: {}). Ask your admin.",
                missing.join(", ")
            ),
            ConnectError::WrongPortal { got, pinned } => write!(
                f,
                "You chose HubSpot account {got}, but your admin set Spotdial up for account {pinned}. \
                 Spotdial did not keep that sign-in; sign in again and choose account {pinned}."
            ),
            ConnectError::Auth(AuthFailure::SignedOut) => f.write_str("You are signed out."),
            ConnectError::Auth(AuthFailure::NeedsReconnect { reason }) => {
                write!(f, "Please reconnect to HubSpot: {reason}")
            }
            ConnectError::Auth(AuthFailure::Unreachable { reason }) => {
                write!(f, "HubSpot is not reachable right now: {reason}")
            }
            ConnectError::Storage { reason } => write!(f, "The browser's storage failed: {reason}"),
        }
    }
}

#[derive(Serialize)]
#[cfg_attr(test, derive(Deserialize, Debug, PartialEq))]
struct StoredAccess {
    token: AccessToken,
    expires_at_ms: i64,
    lifetime_ms: i64,
}

impl StoredAccess {
    fn read(value: &Value) -> Result<Self, String> {
        let f = Fields::of("the stored access token", value)?;
        Ok(StoredAccess {
            token: AccessToken::new(f.must("token", Fields::text)?),
            expires_at_ms: f.must("expires_at_ms", Fields::int)?,
            lifetime_ms: f.must("lifetime_ms", Fields::int)?,
        })
    }

    fn refresh_at_ms(&self) -> i64 {
        self.expires_at_ms - refresh_margin_ms(self.lifetime_ms)
    }
}

impl ToJson for StoredAccess {
    fn to_json(&self) -> Value {
        Obj::new()
            .put("token", self.token.expose())
            .put("expires_at_ms", &self.expires_at_ms)
            .put("lifetime_ms", &self.lifetime_ms)
            .done()
    }
}

#[derive(Serialize)]
#[cfg_attr(test, derive(Deserialize, Debug, PartialEq))]
struct StoredRefresh {
    token: RefreshToken,
}

impl StoredRefresh {
    fn read(value: &Value) -> Result<Self, String> {
        let f = Fields::of("the stored refresh token", value)?;
        Ok(StoredRefresh { token: RefreshToken::new(f.must("token", Fields::text)?) })
    }
}

impl ToJson for StoredRefresh {
    fn to_json(&self) -> Value {
        Obj::new().put("token", self.token.expose()).done()
    }
}

/// The app and the token service of a sign-in (`broker_url: None` in direct mode).
#[derive(Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
struct Issuer {
    client_id: String,
    broker_url: Option<String>,
}

impl Issuer {
    fn read(value: &Value) -> Result<Self, String> {
        let f = Fields::of("the stored issuer", value)?;
        Ok(Issuer { client_id: f.must("client_id", Fields::text)?, broker_url: f.text("broker_url")? })
    }

    fn of(config: &AuthConfig) -> Self {
        let broker_url = match &config.mode {
            super::config::TokenMode::Broker { url } => Some(url.clone()),
            super::config::TokenMode::Direct { .. } => None,
        };
        Issuer { client_id: config.client_id.clone(), broker_url }
    }
}

impl ToJson for Issuer {
    fn to_json(&self) -> Value {
        Obj::new().put("client_id", &self.client_id).put("broker_url", &self.broker_url).done()
    }
}

#[derive(Serialize)]
#[cfg_attr(test, derive(Deserialize, Debug, PartialEq))]
struct StoredRetry {
    not_before_ms: i64,
}

impl StoredRetry {
    fn read(value: &Value) -> Result<Self, String> {
        let f = Fields::of("the stored retry time", value)?;
        Ok(StoredRetry { not_before_ms: f.must("not_before_ms", Fields::int)? })
    }
}

impl ToJson for StoredRetry {
    fn to_json(&self) -> Value {
        Obj::new().put("not_before_ms", &self.not_before_ms).done()
    }
}

fn storage_failure(error: StoreError) -> AuthFailure {
    AuthFailure::Unreachable { reason: format!("storage: {}", error.0) }
}

/// Holds `closing` true while alive, also when the sign-out future is dropped half-way.
struct Closing<'c>(&'c Cell<bool>);

impl<'c> Closing<'c> {
    fn set(flag: &'c Cell<bool>) -> Self {
        flag.set(true);
        Closing(flag)
    }
}

impl Drop for Closing<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

type RefreshFuture<'a> = Shared<LocalBoxFuture<'a, Result<AccessToken, AuthFailure>>>;

/// The borrowed ports, copied into the shared refresh future (which must not borrow the
/// keeper it is stored in).
struct Ports<'a, H, S, C> {
    config: &'a AuthConfig,
    http: &'a H,
    store: &'a S,
    clock: &'a C,
    /// Bumped by sign-in and sign-out: a refresh that started before must not write.
    epoch: Rc<Cell<u64>>,
    /// True while a sign-out wipes: a refresh must not even start.
    closing: Rc<Cell<bool>>,
}

impl<H, S, C> Clone for Ports<'_, H, S, C> {
    fn clone(&self) -> Self {
        Self {
            config: self.config,
            http: self.http,
            store: self.store,
            clock: self.clock,
            epoch: self.epoch.clone(),
            closing: self.closing.clone(),
        }
    }
}

impl<'a, H: Http, S: Store, C: Clock> Ports<'a, H, S, C> {
    async fn state(&self) -> Result<AuthState, StoreError> {
        let value = self.store.get(Area::Local, STATE_KEY).await?;
        // An unreadable state (a newer version, corruption) counts as signed out.
        Ok(value.and_then(|v| AuthState::read(&v).ok()).unwrap_or(AuthState::SignedOut))
    }

    async fn access(&self) -> Result<Option<StoredAccess>, StoreError> {
        let value = self.store.get(Area::Session, ACCESS_KEY).await?;
        Ok(value.and_then(|v| StoredAccess::read(&v).ok()))
    }

    async fn retry_not_before(&self) -> Result<Option<i64>, StoreError> {
        let value = self.store.get(Area::Session, RETRY_KEY).await?;
        Ok(value.and_then(|v| StoredRetry::read(&v).ok()).map(|r| r.not_before_ms))
    }

    async fn refresh_token(&self) -> Result<Option<RefreshToken>, StoreError> {
        let value = self.store.get(Area::Local, REFRESH_KEY).await?;
        Ok(value.and_then(|v| StoredRefresh::read(&v).ok()).map(|r| r.token))
    }

    async fn put<T: ToJson>(&self, area: Area, key: &str, value: &T) -> Result<(), StoreError> {
        self.store.set(area, key, value.to_json()).await
    }

    async fn store_access(&self, token: &AccessToken, expires_at_ms: i64, lifetime_ms: i64) -> Result<(), StoreError> {
        let record = StoredAccess { token: token.clone(), expires_at_ms, lifetime_ms };
        self.put(Area::Session, ACCESS_KEY, &record).await
    }

    async fn store_refresh(&self, token: &RefreshToken) -> Result<(), StoreError> {
        self.put(Area::Local, REFRESH_KEY, &StoredRefresh { token: token.clone() }).await
    }

    /// Sets "needs reconnect" and drops the tokens, which are useless now; nothing else
    /// (pending sign-in, other modules' keys) is touched.
    async fn needs_reconnect(&self, reason: &str, missing_scopes: Vec<String>) -> Result<(), StoreError> {
        let state = AuthState::NeedsReconnect { reason: reason.to_string(), missing_scopes };
        self.put(Area::Local, STATE_KEY, &state).await?;
        self.store.remove(Area::Session, ACCESS_KEY).await?;
        self.store.remove(Area::Local, REFRESH_KEY).await
    }

    /// The one refresh. `seen` is the token the caller judged stale or HubSpot rejected: if
    /// the store already holds another, fresh one, someone refreshed and no request is sent.
    async fn refresh(self, seen: Option<AccessToken>) -> Result<AccessToken, AuthFailure> {
        if self.closing.get() {
            return Err(AuthFailure::SignedOut);
        }
        let epoch = self.epoch.get();
        // Checked before every write: signing in or out meanwhile makes this refresh stale.
        let still_current = || !self.closing.get() && self.epoch.get() == epoch;
        match self.state().await.map_err(storage_failure)? {
            AuthState::SignedIn { .. } => {}
            AuthState::SignedOut => return Err(AuthFailure::SignedOut),
            AuthState::NeedsReconnect { reason, .. } => return Err(AuthFailure::NeedsReconnect { reason }),
        }
        if let Some(current) = self.access().await.map_err(storage_failure)? {
            if Some(&current.token) != seen.as_ref() && self.clock.now_ms() < current.refresh_at_ms() {
                return Ok(current.token);
            }
        }
        // After a failed refresh, wait as the broker or HubSpot asked: a token still valid
        // serves meanwhile, and nothing is sent before then.
        if let Some(not_before) = self.retry_not_before().await.map_err(storage_failure)? {
            let now = self.clock.now_ms();
            if now < not_before {
                return match self.access().await.map_err(storage_failure)? {
                    Some(current) if now < current.expires_at_ms && Some(&current.token) != seen.as_ref() => {
                        Ok(current.token)
                    }
                    _ => Err(AuthFailure::Unreachable {
                        reason: [
                            "HubSpot sign-in asked Spotdial to wait ",
                            &((not_before - now + 999) / 1000).to_string(),
                            " s before trying again.",
                        ]
                        .concat(),
                    }),
                };
            }
        }
        let Some(refresh) = self.refresh_token().await.map_err(storage_failure)? else {
            if !still_current() {
                return Err(AuthFailure::SignedOut);
            }
            let reason = "The saved HubSpot sign-in is incomplete. Please reconnect.";
            self.needs_reconnect(reason, Vec::new()).await.map_err(storage_failure)?;
            return Err(AuthFailure::NeedsReconnect { reason: reason.to_string() });
        };
        let sent_at_ms = self.clock.now_ms();
        let outcome = match self.http.send(&refresh_request(self.config, &refresh)).await {
            Ok(response) => parse_token_response(&response, sent_at_ms),
            Err(error) => Err(transport_error(&error)),
        };
        if !still_current() {
            // Signed out (or in again) while the request was out: its answer must not be
            // written back. Whatever the store holds now is the truth.
            return match self.access().await.map_err(storage_failure)? {
                Some(current) if self.clock.now_ms() < current.expires_at_ms => Ok(current.token),
                _ => Err(AuthFailure::SignedOut),
            };
        }
        match outcome {
            Ok(grant) => {
                self.store_access(&grant.access, grant.expires_at_ms, grant.lifetime_ms)
                    .await
                    .map_err(storage_failure)?;
                self.store.remove(Area::Session, RETRY_KEY).await.map_err(storage_failure)?;
                // Rotation is UNSURE (API-FACTS §1.5): keep whatever HubSpot returns.
                if let Some(new_refresh) = grant.refresh.filter(|r| *r != refresh) {
                    if !still_current() {
                        return Ok(grant.access);
                    }
                    self.store_refresh(&new_refresh).await.map_err(storage_failure)?;
                }
                Ok(grant.access)
            }
            Err(refused @ TokenError::Refused { .. }) => {
                let reason = refused.to_string();
                self.needs_reconnect(&reason, Vec::new()).await.map_err(storage_failure)?;
                Err(AuthFailure::NeedsReconnect { reason })
            }
            Err(other) => {
                // The grant may be fine (the network, the broker, an admin's setting): tokens
                // stay, and the next try waits at least as long as the answer asked.
                let asked_ms = match &other {
                    TokenError::Temporary { retry_after_s: Some(s), .. } => (*s as i64).saturating_mul(1000),
                    _ => 0,
                };
                let not_before = self.clock.now_ms() + asked_ms.clamp(MIN_RETRY_MS, MAX_RETRY_MS);
                self.put(Area::Session, RETRY_KEY, &StoredRetry { not_before_ms: not_before })
                    .await
                    .map_err(storage_failure)?;
                Err(AuthFailure::Unreachable { reason: other.to_string() })
            }
        }
    }
}

/// Keeps the rep's HubSpot tokens. One per service worker; every HubSpot request gets its
/// token here (`TokenSource`).
pub struct TokenKeeper<'a, H: Http, S: Store, C: Clock> {
    ports: Ports<'a, H, S, C>,
    inflight: RefCell<Option<RefreshFuture<'a>>>,
}

impl<H: Http, S: Store, C: Clock> fmt::Debug for TokenKeeper<'_, H, S, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenKeeper")
            .field("config", self.ports.config)
            .field("refreshing", &self.inflight.borrow().is_some())
            .finish_non_exhaustive()
    }
}

impl<'a, H: Http + 'a, S: Store + 'a, C: Clock + 'a> TokenKeeper<'a, H, S, C> {
    pub fn new(config: &'a AuthConfig, http: &'a H, store: &'a S, clock: &'a C) -> Self {
        Self {
            ports: Ports {
                config,
                http,
                store,
                clock,
                epoch: Rc::new(Cell::new(0)),
                closing: Rc::new(Cell::new(false)),
            },
            inflight: RefCell::new(None),
        }
    }

    /// Where sign-in stands.
    pub async fn state(&self) -> Result<AuthState, StoreError> {
        self.ports.state().await
    }

    /// Starts a sign-in: stores the pending sign-in (session area) and returns the URL to open
    /// with `launchWebAuthFlow`. `random` comes from `crypto.getRandomValues`.
    pub async fn begin_sign_in(&self, redirect_uri: &str, random: &[u8; 64]) -> Result<String, ConnectError> {
        let (url, pending) =
            begin(self.ports.config, redirect_uri, random, self.ports.clock.now_ms()).map_err(ConnectError::SignIn)?;
        self.ports.put(Area::Session, PENDING_KEY, &pending).await?;
        Ok(url)
    }

    /// Finishes the sign-in `launchWebAuthFlow` resolved with `returned_url`: checks it against
    /// the stored pending sign-in (which is used up either way) and exchanges the code.
    pub async fn finish_sign_in(&self, returned_url: &str) -> Result<AuthState, ConnectError> {
        let pending = self.pending().await?.ok_or(ConnectError::NoPendingSignIn)?;
        self.ports.store.remove(Area::Session, PENDING_KEY).await?;
        let code = finish(returned_url, &pending, self.ports.clock.now_ms()).map_err(ConnectError::SignIn)?;
        self.complete_sign_in(&code, &pending).await
    }

    /// The rep closed the consent window (`launchWebAuthFlow` rejected): forget the attempt.
    pub async fn abandon_sign_in(&self) -> Result<(), StoreError> {
        self.ports.store.remove(Area::Session, PENDING_KEY).await
    }

    /// The stored pending sign-in, if any (an expired one is still returned; `finish` says so).
    pub async fn pending(&self) -> Result<Option<PendingSignIn>, StoreError> {
        let value = self.ports.store.get(Area::Session, PENDING_KEY).await?;
        Ok(value.and_then(|v| PendingSignIn::read(&v).ok()))
    }

    /// Exchanges `code` and stores the tokens. Scopes HubSpot did not grant are not accepted:
    /// the state becomes "needs reconnect" naming them, and no token is kept.
    pub async fn complete_sign_in(&self, code: &AuthCode, pending: &PendingSignIn) -> Result<AuthState, ConnectError> {
        let ports = &self.ports;
        let sent_at_ms = ports.clock.now_ms();
        let grant = match ports.http.send(&exchange_request(ports.config, code, pending)).await {
            Ok(response) => parse_token_response(&response, sent_at_ms),
            Err(error) => Err(transport_error(&error)),
        }
        .map_err(ConnectError::Token)?;
        if let Some(pinned) = ports.config.pinned_portal.as_ref().filter(|pinned| **pinned != grant.hub_id) {
            // HubSpot's account chooser can still hand out a grant for another account: it is
            // revoked (best effort) and never stored.
            if let Some(refresh) = &grant.refresh {
                // Not stored, so never used by us; if revoking fails the grant lapses unused.
                let _ = ports.http.send(&revoke_request(ports.config, refresh)).await;
            }
            return Err(ConnectError::WrongPortal { got: grant.hub_id.clone(), pinned: pinned.clone() });
        }
        // From here on a refresh of the previous session must not write.
        self.new_epoch();
        let missing = grant.missing_scopes();
        if !missing.is_empty() {
            let reason = ConnectError::MissingScopes { missing: missing.clone() }.to_string();
            ports.needs_reconnect(&reason, missing.clone()).await?;
            return Err(ConnectError::MissingScopes { missing });
        }
        let refresh = grant.refresh.as_ref().ok_or_else(|| {
            ConnectError::Token(TokenError::Malformed { reason: "token answer has no refresh_token".into() })
        })?;
        ports.put(Area::Local, ISSUER_KEY, &Issuer::of(ports.config)).await?;
        ports.store_refresh(refresh).await?;
        ports.store_access(&grant.access, grant.expires_at_ms, grant.lifetime_ms).await?;
        let state = AuthState::SignedIn { hub_id: grant.hub_id.clone(), user_id: grant.user_id.clone() };
        ports.put(Area::Local, STATE_KEY, &state).await?;
        Ok(state)
    }

    /// Who the current token belongs to (portal, user, email, hublet).
    pub async fn introspect(&self) -> Result<Introspection, ConnectError> {
        let access = self.access_token().await.map_err(ConnectError::Auth)?;
        let response = self
            .ports
            .http
            .send(&introspect_request(self.ports.config, &access))
            .await
            .map_err(|e| ConnectError::Token(transport_error(&e)))?;
        parse_introspection(&response).map_err(ConnectError::Token)
    }

    /// When the refresh alarm should fire: the refresh point of the stored token, now when
    /// signed in without one (the session area was cleared), `None` when not signed in.
    pub async fn next_refresh_at_ms(&self) -> Result<Option<i64>, StoreError> {
        if !matches!(self.ports.state().await?, AuthState::SignedIn { .. }) {
            return Ok(None);
        }
        let due = match self.ports.access().await? {
            Some(access) => access.refresh_at_ms(),
            None => self.ports.clock.now_ms(),
        };
        // Never before a Retry-After, and never in the past (an alarm there fires at once, again
        // and again, while the broker keeps refusing).
        let not_before = self.ports.retry_not_before().await?.unwrap_or(i64::MIN);
        Ok(Some(due.max(not_before).max(self.ports.clock.now_ms())))
    }

    /// The admin or the rep changed the broker URL or the client id: the stored tokens were
    /// issued through another app or service, and must not be sent to this one. They are
    /// revoked through the service that issued them (best effort: a broker mode only; direct
    /// mode's secret went with its policy) and wiped. Returns whether a sign-out happened.
    /// A sign-in from before issuers were recorded is taken as this configuration's.
    pub async fn drop_foreign_tokens(&self) -> Result<bool, StoreError> {
        let current = Issuer::of(self.ports.config);
        let stored: Option<Issuer> =
            self.ports.store.get(Area::Local, ISSUER_KEY).await?.and_then(|v| Issuer::read(&v).ok());
        let refresh = self.ports.refresh_token().await?;
        match stored {
            Some(stored) if stored == current => Ok(false),
            None if refresh.is_none() => Ok(false),
            None => {
                self.ports.put(Area::Local, ISSUER_KEY, &current).await?;
                Ok(false)
            }
            Some(previous) => {
                self.new_epoch();
                self.wipe().await?;
                if let (Some(token), Some(url)) = (refresh, previous.broker_url) {
                    let issuer = AuthConfig::broker(previous.client_id, url)
                        .with_hosts(self.ports.config.app_host.clone(), self.ports.config.api_base.clone());
                    // Best effort: the token is already wiped here, never used again; a revoke
                    // that fails leaves a grant that lapses unused.
                    let _ = self.ports.http.send(&revoke_request(&issuer, &token)).await;
                }
                Ok(true)
            }
        }
    }

    /// When the access token in use was granted (its expiry minus its lifetime), for the
    /// popup's health line; `None` when none is stored. Read-only.
    pub async fn renewed_at_ms(&self) -> Result<Option<i64>, StoreError> {
        Ok(self.ports.access().await?.map(|a| a.expires_at_ms - a.lifetime_ms))
    }

    /// Something outside the keeper knows the rep must reconnect: HubSpot kept answering 401
    /// after a refresh, or a 403 named missing scopes. Drops the tokens.
    pub async fn mark_needs_reconnect(&self, reason: &str, missing_scopes: Vec<String>) -> Result<(), StoreError> {
        self.new_epoch();
        self.ports.needs_reconnect(reason, missing_scopes).await
    }

    /// Signs out: removes every `auth:` key in both areas, then revokes the refresh token
    /// (best effort: a failed or hanging revoke never keeps a token on this machine).
    /// Returns whether HubSpot confirmed the revocation.
    pub async fn sign_out(&self) -> Result<bool, StoreError> {
        self.new_epoch();
        let (wiped, refresh) = {
            let _closing = Closing::set(&self.ports.closing);
            let refresh = self.ports.refresh_token().await.ok().flatten();
            (self.wipe().await, refresh)
        };
        let revoked = match refresh {
            Some(token) => match self.ports.http.send(&revoke_request(self.ports.config, &token)).await {
                Ok(response) => parse_revoke_response(&response).is_ok(),
                Err(_) => false,
            },
            None => false,
        };
        wiped.map(|()| revoked)
    }

    async fn wipe(&self) -> Result<(), StoreError> {
        let mut first_error = None;
        for area in [Area::Local, Area::Session] {
            let mut keys: Vec<String> = match self.ports.store.keys(area).await {
                Ok(keys) => keys.into_iter().filter(|k| k.starts_with(KEY_PREFIX)).collect(),
                Err(error) => {
                    first_error.get_or_insert(error);
                    Vec::new()
                }
            };
            for known in [ACCESS_KEY, REFRESH_KEY, PENDING_KEY, STATE_KEY] {
                if !keys.iter().any(|k| k == known) {
                    keys.push(known.to_string());
                }
            }
            for key in keys {
                if let Err(error) = self.ports.store.remove(area, &key).await {
                    first_error.get_or_insert(error);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    fn new_epoch(&self) {
        self.ports.epoch.set(self.ports.epoch.get().wrapping_add(1));
        self.inflight.borrow_mut().take();
    }

    /// Joins the refresh in flight, or starts the one every caller until it ends will share.
    async fn shared_refresh(&self, seen: Option<AccessToken>) -> Result<AccessToken, AuthFailure> {
        let refresh = {
            let mut slot = self.inflight.borrow_mut();
            match slot.as_ref() {
                Some(running) if running.peek().is_none() => running.clone(),
                _ => {
                    let started = self.ports.clone().refresh(seen).boxed_local().shared();
                    *slot = Some(started.clone());
                    started
                }
            }
        };
        let result = refresh.clone().await;
        let mut slot = self.inflight.borrow_mut();
        if slot.as_ref().is_some_and(|current| current.ptr_eq(&refresh)) {
            *slot = None;
        }
        result
    }
}

impl<'a, H: Http + 'a, S: Store + 'a, C: Clock + 'a> TokenSource for TokenKeeper<'a, H, S, C> {
    async fn access_token(&self) -> Result<AccessToken, AuthFailure> {
        let stored = self.ports.access().await.map_err(storage_failure)?;
        if let Some(access) = &stored {
            if self.ports.clock.now_ms() < access.refresh_at_ms() {
                return Ok(access.token.clone());
            }
        }
        match self.shared_refresh(stored.as_ref().map(|a| a.token.clone())).await {
            // The refresh failed for now, but the old token has not expired yet: use it.
            Err(AuthFailure::Unreachable { .. })
                if stored.as_ref().is_some_and(|a| self.ports.clock.now_ms() < a.expires_at_ms) =>
            {
                stored.map(|a| a.token).ok_or(AuthFailure::SignedOut)
            }
            other => other,
        }
    }

    async fn refresh_after_unauthorized(&self, rejected: &AccessToken) -> Result<AccessToken, AuthFailure> {
        self.shared_refresh(Some(rejected.clone())).await
    }
}

#[cfg(test)]
mod tests {
    /// The hand-written readers of the keeper's stored values against serde's derive (the
    /// reference, kept in tests): each field removed or replaced by each kind of JSON value,
    /// both read the same value or both refuse (`testing::agree`).
    #[test]
    fn the_stored_values_read_as_serdes_derive_reads_them() {
        use super::{AuthState, Issuer, PendingSignIn, StoredAccess, StoredRefresh, StoredRetry};
        use crate::testing::agree;
        use serde_json::json;
        let states = [
            json!({"kind": "signed_out"}),
            json!({"kind": "signed_in", "hub_id": "62515", "user_id": "1001"}),
            json!({"kind": "signed_in", "hub_id": "62515"}),
            json!({"kind": "needs_reconnect", "reason": "r", "missing_scopes": ["crm.lists.read", "oauth"]}),
            json!({"kind": "needs_reconnect", "reason": "r", "missing_scopes": []}),
        ];
        let extras = ["hub_id", "user_id", "reason", "missing_scopes"];
        assert!(agree(&states, AuthState::read, &[], &extras) > 500);
        agree(&[json!({"token": "t", "expires_at_ms": 5, "lifetime_ms": 1_800_000})], StoredAccess::read, &[], &[]);
        agree(&[json!({"token": "r"})], StoredRefresh::read, &[], &[]);
        agree(&[json!({"not_before_ms": 5})], StoredRetry::read, &[], &[]);
        let issuers =
            [json!({"client_id": "c", "broker_url": "https://b"}), json!({"client_id": "c", "broker_url": null})];
        agree(&issuers, Issuer::read, &[], &["broker_url"]);
        let pending =
            json!({"state": "s", "verifier": "v", "redirect_uri": "https://x.chromiumapp.org/", "started_at_ms": 5});
        agree(&[pending], PendingSignIn::read, &[], &[]);
    }

    #[test]
    fn every_sign_in_state_reads_back_as_written_and_a_half_one_is_refused() {
        use super::AuthState;
        use crate::ids::{PortalId, UserId};
        let states = [
            AuthState::SignedOut,
            AuthState::SignedIn { hub_id: PortalId::new("62515"), user_id: Some(UserId::new("1001")) },
            AuthState::SignedIn { hub_id: PortalId::new("62515"), user_id: None },
            AuthState::NeedsReconnect {
                reason: "Refused.".into(),
                missing_scopes: vec!["crm.objects.calls.write".into()],
            },
            AuthState::NeedsReconnect { reason: "Refused.".into(), missing_scopes: vec![] },
        ];
        for state in states {
            let written = serde_json::to_value(&state).unwrap();
            assert_eq!(serde_json::from_value::<AuthState>(written.clone()).unwrap(), state, "{written}");
        }
        // As an earlier build stored it.
        assert_eq!(
            serde_json::from_value::<AuthState>(
                serde_json::json!({"kind": "signed_in", "hub_id": "62515", "user_id": "1001"})
            )
            .unwrap(),
            AuthState::SignedIn { hub_id: PortalId::new("62515"), user_id: Some(UserId::new("1001")) }
        );
        for half in [
            serde_json::json!({"kind": "signed_in"}),
            serde_json::json!({"kind": "needs_reconnect", "reason": "x"}),
            serde_json::json!({"kind": "needs_reconnect", "missing_scopes": []}),
            serde_json::json!({"kind": "signed_up"}),
            serde_json::json!({"hub_id": "1"}),
            serde_json::json!({"kind": "signed_in", "hub_id": 7}),
        ] {
            assert!(serde_json::from_value::<AuthState>(half.clone()).is_err(), "{half}");
        }
    }

    use super::*;
    use crate::auth::grant::Grant;
    use crate::ports::{HttpResponse, TransportError};
    use crate::secret::ClientSecret;
    use crate::testing::{block_on, response, yield_now, FakeClock, FakeHttp, FakeStore};
    use futures_util::future::{join, join_all};
    use serde_json::json;
    use std::rc::Rc;

    const T0: i64 = 1_800_000_000_000;
    const REDIRECT: &str = "https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/";

    /// A 2026-03 token answer with every required scope (API-FACTS §1.3).
    fn token_answer(access: &str, refresh: Option<&str>, lifetime_s: i64) -> HttpResponse {
        let mut body = json!({
            "token_type": "bearer",
            "access_token": access,
            "expires_in": lifetime_s,
            "hub_id": 1234567,
            "user_id": 293199,
            "scopes": crate::auth::config::SCOPES,
        });
        if let Some(refresh) = refresh {
            body["refresh_token"] = serde_json::Value::from(refresh);
        }
        response(200, &body.to_string())
    }

    /// Every token request gets a fresh access token `at-N` living `lifetime_s`; the refresh
    /// token stays `rt-0`. Revokes get 200.
    fn issuing(lifetime_s: i64) -> FakeHttp {
        let mut n = 0;
        FakeHttp::responding(move |req| {
            if req.url.ends_with("/revoke") {
                return Ok(response(200, ""));
            }
            n += 1;
            Ok(token_answer(&format!("at-{n}"), Some("rt-0"), lifetime_s))
        })
    }

    fn config() -> AuthConfig {
        AuthConfig::broker("client-1", "https://broker.example")
    }

    /// A signed-in rep whose access token `at-0` was issued at the clock's now for
    /// `lifetime_s`, with refresh token `rt-0`.
    fn signed_in(store: &FakeStore, clock: &FakeClock, lifetime_s: i64) {
        let lifetime_ms = lifetime_s * 1000;
        let now = clock.now.get();
        store.put(Area::Local, STATE_KEY, json!({"kind": "signed_in", "hub_id": "1234567", "user_id": "293199"}));
        store.put(Area::Local, REFRESH_KEY, json!({"token": "rt-0"}));
        store.put(
            Area::Session,
            ACCESS_KEY,
            json!({"token": "at-0", "expires_at_ms": now + lifetime_ms, "lifetime_ms": lifetime_ms}),
        );
    }

    fn auth_keys(store: &FakeStore) -> Vec<(Area, String)> {
        let mut keys = Vec::new();
        for area in [Area::Local, Area::Session] {
            for key in store.keys_in(area).into_iter().filter(|k| k.starts_with(KEY_PREFIX)) {
                keys.push((area, key));
            }
        }
        keys
    }

    fn invalid_grant() -> HttpResponse {
        response(
            400,
            r#"{"error":"invalid_grant","error_description":"refresh token is invalid, expired or revoked",
                "status":"BAD_REFRESH_TOKEN","message":"refresh token is invalid, expired or revoked"}"#,
        )
    }

    #[test]
    fn margin_is_a_quarter_of_short_lifetimes_and_five_minutes_at_most() {
        assert_eq!(refresh_margin_ms(60_000), 15_000);
        assert_eq!(refresh_margin_ms(1_800_000), 300_000);
        assert_eq!(refresh_margin_ms(6 * 3_600_000), 300_000);
    }

    #[test]
    fn sign_in_survives_a_worker_restart_and_stores_tokens_only_under_their_keys() {
        let store = FakeStore::default();
        let clock = FakeClock::at(T0);
        let http = FakeHttp::scripted(vec![Ok(token_answer("at-1", Some("rt-1"), 1800))]);
        let config = config();
        let url = {
            let keeper = TokenKeeper::new(&config, &http, &store, &clock);
            block_on(keeper.begin_sign_in(REDIRECT, &[7; 64])).expect("sign-in starts")
        };
        assert!(url.starts_with("https://app.hubspot.com/oauth/authorize?client_id=client-1&"));
        assert_eq!(store.keys_in(Area::Session), vec![PENDING_KEY.to_string()]);
        let pending: PendingSignIn =
            serde_json::from_value(store.value(Area::Session, PENDING_KEY).expect("pending")).expect("parses");

        // The worker was stopped while the consent window was open: a new keeper finishes.
        clock.advance(90_000);
        let keeper = TokenKeeper::new(&config, &http, &store, &clock);
        let returned = format!("{REDIRECT}?code=na1-code&state={}", pending.state);
        let state = block_on(keeper.finish_sign_in(&returned)).expect("signed in");
        let expected = AuthState::SignedIn { hub_id: PortalId::new("1234567"), user_id: Some(UserId::new("293199")) };
        assert_eq!(state, expected);
        assert_eq!(block_on(keeper.state()), Ok(expected));

        let requests = http.sent.borrow();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].url, "https://broker.example/v1/token");
        assert_eq!(
            requests[0].body.as_deref(),
            Some(
                format!(
                    "grant_type=authorization_code&code=na1-code&redirect_uri=\
                     https%3A%2F%2Fabcdefghijklmnopabcdefghijklmnop.chromiumapp.org%2F&code_verifier={}",
                    pending.verifier.expose()
                )
                .as_str()
            )
        );
        assert_eq!(
            store.keys_in(Area::Local),
            vec![ISSUER_KEY.to_string(), REFRESH_KEY.to_string(), STATE_KEY.to_string()]
        );
        assert_eq!(store.keys_in(Area::Session), vec![ACCESS_KEY.to_string()]);
        assert_eq!(
            store.value(Area::Session, ACCESS_KEY),
            Some(json!({"token": "at-1", "expires_at_ms": T0 + 90_000 + 1_800_000, "lifetime_ms": 1_800_000}))
        );
        for (area, key, value) in store.dump() {
            assert_eq!(value.contains("at-1"), (area, key.as_str()) == (Area::Session, ACCESS_KEY), "{key}");
            assert_eq!(value.contains("rt-1"), (area, key.as_str()) == (Area::Local, REFRESH_KEY), "{key}");
        }
    }

    #[test]
    fn a_grant_for_another_portal_than_the_pinned_one_is_revoked_and_never_stored() {
        let store = FakeStore::default();
        let clock = FakeClock::at(T0);
        // The grant is for hub 1234567; the admin pinned 62515.
        let http = FakeHttp::scripted(vec![Ok(token_answer("at-1", Some("rt-1"), 1800)), Ok(response(200, "{}"))]);
        let config = config().with_pinned_portal(PortalId::new("62515"));
        let keeper = TokenKeeper::new(&config, &http, &store, &clock);
        let url = block_on(keeper.begin_sign_in(REDIRECT, &[7; 64])).expect("sign-in starts");
        assert!(url.starts_with("https://app.hubspot.com/oauth/62515/authorize?"), "{url}");
        let pending: PendingSignIn =
            serde_json::from_value(store.value(Area::Session, PENDING_KEY).expect("pending")).expect("parses");
        let returned = format!("{REDIRECT}?code=na1-code&state={}", pending.state);
        let refused = block_on(keeper.finish_sign_in(&returned)).expect_err("refused");
        assert_eq!(
            refused,
            ConnectError::WrongPortal { got: PortalId::new("1234567"), pinned: PortalId::new("62515") }
        );
        assert!(refused
            .to_string()
            .contains("You chose HubSpot account 1234567, but your admin set Spotdial up for account 62515."));
        let requests = http.sent.borrow();
        assert_eq!(requests.len(), 2, "the exchange, then the revocation");
        assert_eq!(requests[1].url, "https://broker.example/v1/revoke");
        assert!(requests[1].body.as_deref().unwrap_or("").contains("token=rt-1"));
        assert!(
            store.dump().iter().all(|(_, _, v)| !v.contains("at-1") && !v.contains("rt-1")),
            "nothing of the grant kept"
        );
        assert_eq!(block_on(keeper.state()), Ok(AuthState::SignedOut));
    }

    #[test]
    fn a_forged_redirect_exchanges_nothing_and_uses_up_the_pending_sign_in() {
        let (store, clock, http, config) =
            (FakeStore::default(), FakeClock::at(T0), FakeHttp::scripted(vec![]), config());
        let keeper = TokenKeeper::new(&config, &http, &store, &clock);
        block_on(keeper.begin_sign_in(REDIRECT, &[9; 64])).expect("sign-in starts");
        let forged = format!("{REDIRECT}?code=attacker-code&state=guess");
        assert_eq!(block_on(keeper.finish_sign_in(&forged)), Err(ConnectError::SignIn(SignInError::StateMismatch)));
        assert_eq!(http.count(), 0);
        assert_eq!(block_on(keeper.finish_sign_in(&forged)), Err(ConnectError::NoPendingSignIn));
        assert_eq!(block_on(keeper.state()), Ok(AuthState::SignedOut));
        assert!(auth_keys(&store).is_empty());
    }

    #[test]
    fn missing_scopes_are_named_and_no_token_is_kept() {
        let body = json!({"access_token": "at-1", "refresh_token": "rt-1", "expires_in": 1800,
            "hub_id": 1, "scopes": ["oauth", "crm.objects.contacts.read"]});
        let (store, clock, config) = (FakeStore::default(), FakeClock::at(T0), config());
        let http = FakeHttp::scripted(vec![Ok(response(200, &body.to_string()))]);
        let keeper = TokenKeeper::new(&config, &http, &store, &clock);
        block_on(keeper.begin_sign_in(REDIRECT, &[3; 64])).expect("sign-in starts");
        let pending = block_on(keeper.pending()).expect("readable").expect("stored");
        let missing = vec![
            "crm.objects.contacts.write".to_string(),
            "crm.objects.owners.read".to_string(),
            "crm.lists.read".to_string(),
        ];
        assert_eq!(
            block_on(keeper.complete_sign_in(&AuthCode::new("c"), &pending)),
            Err(ConnectError::MissingScopes { missing: missing.clone() })
        );
        match block_on(keeper.state()) {
            Ok(AuthState::NeedsReconnect { reason, missing_scopes }) => {
                assert_eq!(missing_scopes, missing);
                assert!(reason.contains("crm.lists.read"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        assert!(!store.dump().iter().any(|(_, _, v)| v.contains("at-1") || v.contains("rt-1")));
    }

    #[test]
    fn a_fresh_token_is_served_from_storage() {
        let (store, clock, http, config) = (FakeStore::default(), FakeClock::at(T0), issuing(60), config());
        signed_in(&store, &clock, 1800);
        let keeper = TokenKeeper::new(&config, &http, &store, &clock);
        assert_eq!(block_on(keeper.access_token()), Ok(AccessToken::new("at-0")));
        assert_eq!(http.count(), 0);
    }

    #[test]
    fn a_60_second_token_is_refreshed_at_45_seconds() {
        let (store, clock, http, config) = (FakeStore::default(), FakeClock::at(T0), issuing(60), config());
        signed_in(&store, &clock, 60);
        let keeper = TokenKeeper::new(&config, &http, &store, &clock);
        assert_eq!(block_on(keeper.next_refresh_at_ms()), Ok(Some(T0 + 45_000)));
        clock.advance(44_999);
        assert_eq!(block_on(keeper.access_token()), Ok(AccessToken::new("at-0")));
        assert_eq!(http.count(), 0);
        clock.advance(1);
        assert_eq!(block_on(keeper.access_token()), Ok(AccessToken::new("at-1")));
        assert_eq!(http.bodies(), vec!["grant_type=refresh_token&refresh_token=rt-0".to_string()]);
        assert_eq!(block_on(keeper.next_refresh_at_ms()), Ok(Some(T0 + 90_000)));
    }

    #[test]
    fn a_30_minute_token_is_refreshed_at_25_minutes() {
        let (store, clock, http, config) = (FakeStore::default(), FakeClock::at(T0), issuing(1800), config());
        signed_in(&store, &clock, 1800);
        let keeper = TokenKeeper::new(&config, &http, &store, &clock);
        assert_eq!(block_on(keeper.next_refresh_at_ms()), Ok(Some(T0 + 25 * 60_000)));
        clock.advance(25 * 60_000 - 1);
        assert_eq!(block_on(keeper.access_token()), Ok(AccessToken::new("at-0")));
        clock.advance(1);
        assert_eq!(block_on(keeper.access_token()), Ok(AccessToken::new("at-1")));
        assert_eq!(http.count(), 1);
    }

    #[test]
    fn five_minutes_of_use_refresh_once_per_usable_lifetime_and_never_serve_an_expired_token() {
        let (store, clock, http, config) = (FakeStore::default(), FakeClock::at(T0), issuing(60), config());
        signed_in(&store, &clock, 60);
        let keeper = TokenKeeper::new(&config, &http, &store, &clock);
        let mut issued_at = std::collections::HashMap::from([("at-0".to_string(), T0)]);
        block_on(async {
            while clock.now_ms() < T0 + 5 * 60_000 {
                let token = keeper.access_token().await.expect("a token");
                let now = clock.now_ms();
                let born = *issued_at.entry(token.expose().to_string()).or_insert(now);
                assert!(now < born + 60_000, "{:?} served expired at {}", token, now - T0);
                clock.sleep(1_000).await;
            }
        });
        // Each 60 s token is used for 45 s (its margin is 15 s): 300 s / 45 s = 6 refreshes,
        // at 45, 90, 135, 180, 225 and 270 s; one per token lifetime begun, none per call.
        assert_eq!(http.count(), 6);
        assert_eq!(http.count(), (5 * 60_000 / (60_000 - refresh_margin_ms(60_000))) as usize);
    }

    #[test]
    fn the_alarm_time_drives_the_refreshes() {
        let (store, clock, http, config) = (FakeStore::default(), FakeClock::at(T0), issuing(60), config());
        signed_in(&store, &clock, 60);
        let keeper = TokenKeeper::new(&config, &http, &store, &clock);
        block_on(async {
            loop {
                let at = keeper.next_refresh_at_ms().await.expect("readable").expect("signed in");
                if at > T0 + 5 * 60_000 {
                    break;
                }
                clock.sleep((at - clock.now_ms()) as u64).await;
                keeper.access_token().await.expect("refreshed");
            }
        });
        assert_eq!(http.count(), 6);
    }

    #[test]
    fn ten_concurrent_callers_at_expiry_share_one_refresh() {
        let (store, clock, http, config) = (FakeStore::default(), FakeClock::at(T0), issuing(60), config());
        signed_in(&store, &clock, 60);
        clock.advance(50_000);
        let keeper = TokenKeeper::new(&config, &http, &store, &clock);
        let results = block_on(join_all((0..10).map(|_| keeper.access_token())));
        assert_eq!(http.count(), 1);
        assert!(results.iter().all(|r| *r == Ok(AccessToken::new("at-1"))), "{results:?}");
        // And the next caller after it reads the stored result.
        assert_eq!(block_on(keeper.access_token()), Ok(AccessToken::new("at-1")));
        assert_eq!(http.count(), 1);
    }

    #[test]
    fn ten_concurrent_401s_share_one_refresh_and_a_late_one_refreshes_nothing() {
        let (store, clock, http, config) = (FakeStore::default(), FakeClock::at(T0), issuing(1800), config());
        signed_in(&store, &clock, 1800);
        let keeper = TokenKeeper::new(&config, &http, &store, &clock);
        let rejected = AccessToken::new("at-0");
        let results = block_on(join_all((0..10).map(|_| keeper.refresh_after_unauthorized(&rejected))));
        assert_eq!(http.count(), 1);
        assert!(results.iter().all(|r| *r == Ok(AccessToken::new("at-1"))), "{results:?}");
        // A request that was still out with at-0 comes back 401 later: the new token, no request.
        assert_eq!(block_on(keeper.refresh_after_unauthorized(&rejected)), Ok(AccessToken::new("at-1")));
        assert_eq!(http.count(), 1);
        // The new token rejected as well: one more refresh.
        let again = block_on(keeper.refresh_after_unauthorized(&AccessToken::new("at-1")));
        assert_eq!(again, Ok(AccessToken::new("at-2")));
        assert_eq!(http.count(), 2);
    }

    #[test]
    fn callers_at_expiry_and_401s_together_still_share_one_refresh() {
        let (store, clock, http, config) = (FakeStore::default(), FakeClock::at(T0), issuing(60), config());
        signed_in(&store, &clock, 60);
        clock.advance(46_000);
        let keeper = TokenKeeper::new(&config, &http, &store, &clock);
        let rejected = AccessToken::new("at-0");
        let (a, b) = block_on(join(
            join_all((0..5).map(|_| keeper.access_token())),
            join_all((0..5).map(|_| keeper.refresh_after_unauthorized(&rejected))),
        ));
        assert_eq!(http.count(), 1);
        assert!(a.iter().chain(&b).all(|r| *r == Ok(AccessToken::new("at-1"))));
    }

    #[test]
    fn a_refused_refresh_asks_for_reconnect_and_touches_nothing_else() {
        let (store, clock, config) = (FakeStore::default(), FakeClock::at(T0), config());
        let http = FakeHttp::scripted(vec![Ok(invalid_grant())]);
        signed_in(&store, &clock, 60);
        store.put(Area::Local, "outbox:v1", json!([{"id": "log-1"}]));
        store.put(Area::Session, PENDING_KEY, json!({"kept": true}));
        clock.advance(50_000);
        let keeper = TokenKeeper::new(&config, &http, &store, &clock);
        let result = block_on(keeper.access_token());
        let Err(AuthFailure::NeedsReconnect { reason }) = result else { panic!("{result:?}") };
        assert!(reason.contains("invalid_grant"), "{reason}");
        assert_eq!(
            block_on(keeper.state()),
            Ok(AuthState::NeedsReconnect { reason: reason.clone(), missing_scopes: vec![] })
        );
        assert_eq!(store.value(Area::Local, REFRESH_KEY), None);
        assert_eq!(store.value(Area::Session, ACCESS_KEY), None);
        assert_eq!(store.value(Area::Local, "outbox:v1"), Some(json!([{"id": "log-1"}])));
        assert_eq!(store.value(Area::Session, PENDING_KEY), Some(json!({"kept": true})));
        // Later callers get the same answer without asking the broker again.
        assert_eq!(block_on(keeper.access_token()), Err(AuthFailure::NeedsReconnect { reason }));
        assert_eq!(http.count(), 1);
        assert_eq!(block_on(keeper.next_refresh_at_ms()), Ok(None));
    }

    #[test]
    fn an_unreachable_broker_keeps_the_tokens_and_the_old_token_serves_until_it_expires() {
        let (store, clock, config) = (FakeStore::default(), FakeClock::at(T0), config());
        let online = Rc::new(Cell::new(false));
        let switch = online.clone();
        let http = FakeHttp::responding(move |_| {
            if switch.get() {
                Ok(token_answer("at-9", None, 60))
            } else {
                Err(TransportError::Network("offline".into()))
            }
        });
        signed_in(&store, &clock, 60);
        let before = store.dump();
        let keeper = TokenKeeper::new(&config, &http, &store, &clock);
        clock.advance(50_000);
        assert_eq!(block_on(keeper.access_token()), Ok(AccessToken::new("at-0")));
        clock.advance(10_000);
        assert!(matches!(block_on(keeper.access_token()), Err(AuthFailure::Unreachable { .. })));
        // Only the time of the next try was added; every token is as it was.
        let after: Vec<_> = store.dump().into_iter().filter(|(_, key, _)| key != RETRY_KEY).collect();
        assert_eq!(after, before);
        // The failed try at 50 s set the next one at 80 s: the expired token's caller is told
        // so without another request.
        assert_eq!(http.count(), 1);
        online.set(true);
        assert!(matches!(block_on(keeper.access_token()), Err(AuthFailure::Unreachable { .. })), "not before the wait");
        assert_eq!(http.count(), 1);
        clock.advance(MIN_RETRY_MS - 10_000);
        assert_eq!(block_on(keeper.access_token()), Ok(AccessToken::new("at-9")));
        assert_eq!(store.value(Area::Session, RETRY_KEY), None);
        // No refresh token in the answer: the stored one is kept.
        assert_eq!(store.value(Area::Local, REFRESH_KEY), Some(json!({"token": "rt-0"})));
    }

    #[test]
    fn a_new_broker_or_client_id_never_receives_the_old_refresh_token() {
        let store = FakeStore::default();
        let clock = FakeClock::at(T0);
        signed_in(&store, &clock, 1800);
        store.put(Area::Local, ISSUER_KEY, json!({"client_id": "client-1", "broker_url": "https://broker.example"}));
        let http = FakeHttp::scripted(vec![Ok(response(200, "{}"))]);
        // Unchanged: nothing happens.
        let same = config();
        assert_eq!(block_on(TokenKeeper::new(&same, &http, &store, &clock).drop_foreign_tokens()), Ok(false));
        assert_eq!(http.count(), 0);
        for changed in [
            AuthConfig::broker("client-1", "https://other-broker.example"),
            AuthConfig::broker("client-2", "https://broker.example"),
        ] {
            let store = FakeStore::default();
            signed_in(&store, &clock, 1800);
            store.put(
                Area::Local,
                ISSUER_KEY,
                json!({"client_id": "client-1", "broker_url": "https://broker.example"}),
            );
            let http = FakeHttp::scripted(vec![Ok(response(200, "{}"))]);
            let keeper = TokenKeeper::new(&changed, &http, &store, &clock);
            assert_eq!(block_on(keeper.drop_foreign_tokens()), Ok(true));
            let requests = http.sent.borrow();
            assert_eq!(requests.len(), 1, "one revocation, through the broker that issued it");
            assert_eq!(requests[0].url, "https://broker.example/v1/revoke");
            assert!(auth_keys(&store).is_empty(), "{:?}", auth_keys(&store));
            assert_eq!(block_on(keeper.state()), Ok(AuthState::SignedOut));
            assert!(matches!(block_on(keeper.access_token()), Err(AuthFailure::SignedOut)));
            assert_eq!(requests.len(), 1, "nothing sent to the new broker");
        }
        // A sign-in from before issuers were recorded is adopted, not dropped.
        let store = FakeStore::default();
        signed_in(&store, &clock, 1800);
        let keeper = TokenKeeper::new(&same, &http, &store, &clock);
        assert_eq!(block_on(keeper.drop_foreign_tokens()), Ok(false));
        assert_eq!(
            store.value(Area::Local, ISSUER_KEY),
            Some(json!({"client_id": "client-1", "broker_url": "https://broker.example"}))
        );
    }

    #[test]
    fn a_retry_after_is_honoured_and_the_alarm_is_never_set_in_the_past() {
        let (store, clock, config) = (FakeStore::default(), FakeClock::at(T0), config());
        let mut limited = response(429, r#"{"error":"rate_limited","source":"broker"}"#);
        limited.headers.push(("retry-after".into(), "120".into()));
        let http = FakeHttp::scripted(vec![Ok(limited), Ok(token_answer("at-2", None, 1800))]);
        signed_in(&store, &clock, 60);
        let keeper = TokenKeeper::new(&config, &http, &store, &clock);
        clock.advance(61_000);
        assert!(matches!(block_on(keeper.access_token()), Err(AuthFailure::Unreachable { .. })));
        let now = clock.now.get();
        assert_eq!(block_on(keeper.next_refresh_at_ms()), Ok(Some(now + 120_000)));
        clock.advance(119_000);
        assert!(matches!(block_on(keeper.access_token()), Err(AuthFailure::Unreachable { .. })));
        assert_eq!(http.count(), 1, "nothing sent before Retry-After");
        assert_eq!(block_on(keeper.next_refresh_at_ms()), Ok(Some(now + 120_000)));
        clock.advance(1_000);
        assert_eq!(block_on(keeper.access_token()), Ok(AccessToken::new("at-2")));
        assert_eq!(http.count(), 2);
        // A refresh that is overdue is due now, not at a time already gone.
        clock.advance(3_600_000);
        assert_eq!(block_on(keeper.next_refresh_at_ms()), Ok(Some(clock.now.get())));
    }

    #[test]
    fn a_broker_refusal_keeps_the_tokens_and_says_it_is_for_the_admin() {
        let (store, clock, config) = (FakeStore::default(), FakeClock::at(T0), config());
        let refusal = r#"{"error":"origin_not_allowed","error_description":"this extension is not allowed here","source":"broker"}"#;
        let http = FakeHttp::scripted(vec![Ok(response(403, refusal))]);
        signed_in(&store, &clock, 60);
        let keeper = TokenKeeper::new(&config, &http, &store, &clock);
        clock.advance(61_000);
        match block_on(keeper.access_token()) {
            Err(AuthFailure::Unreachable { reason }) => assert!(reason.contains("ask your admin"), "{reason}"),
            other => panic!("expected a kept sign-in, got {other:?}"),
        }
        assert!(matches!(block_on(keeper.state()), Ok(AuthState::SignedIn { .. })));
        assert_eq!(store.value(Area::Local, REFRESH_KEY), Some(json!({"token": "rt-0"})));
    }

    #[test]
    fn overload_is_temporary_too() {
        let (store, clock, config) = (FakeStore::default(), FakeClock::at(T0), config());
        let http = FakeHttp::scripted(vec![Ok(response(503, "")), Ok(response(429, "{}"))]);
        signed_in(&store, &clock, 60);
        let keeper = TokenKeeper::new(&config, &http, &store, &clock);
        clock.advance(61_000);
        for _ in 0..2 {
            assert!(matches!(block_on(keeper.access_token()), Err(AuthFailure::Unreachable { .. })));
        }
        assert!(matches!(block_on(keeper.state()), Ok(AuthState::SignedIn { .. })));
    }

    #[test]
    fn a_rotated_refresh_token_replaces_the_stored_one() {
        let (store, clock, config) = (FakeStore::default(), FakeClock::at(T0), config());
        let http = FakeHttp::scripted(vec![
            Ok(token_answer("at-1", Some("rt-new"), 60)),
            Ok(token_answer("at-2", Some("rt-new"), 60)),
        ]);
        signed_in(&store, &clock, 60);
        let keeper = TokenKeeper::new(&config, &http, &store, &clock);
        clock.advance(45_000);
        assert_eq!(block_on(keeper.access_token()), Ok(AccessToken::new("at-1")));
        assert_eq!(store.value(Area::Local, REFRESH_KEY), Some(json!({"token": "rt-new"})));
        clock.advance(45_000);
        assert_eq!(block_on(keeper.access_token()), Ok(AccessToken::new("at-2")));
        assert_eq!(http.bodies()[1], "grant_type=refresh_token&refresh_token=rt-new");
    }

    #[test]
    fn after_a_browser_restart_the_refresh_token_gets_a_new_access_token() {
        let (store, clock, http, config) = (FakeStore::default(), FakeClock::at(T0), issuing(1800), config());
        signed_in(&store, &clock, 1800);
        store.data.borrow_mut().remove(&Area::Session);
        let keeper = TokenKeeper::new(&config, &http, &store, &clock);
        assert_eq!(block_on(keeper.next_refresh_at_ms()), Ok(Some(T0)));
        assert_eq!(block_on(keeper.access_token()), Ok(AccessToken::new("at-1")));
        assert_eq!(http.count(), 1);
    }

    #[test]
    fn signed_out_means_no_token_and_no_request() {
        let (store, clock, http, config) = (FakeStore::default(), FakeClock::at(T0), issuing(60), config());
        let keeper = TokenKeeper::new(&config, &http, &store, &clock);
        assert_eq!(block_on(keeper.access_token()), Err(AuthFailure::SignedOut));
        assert_eq!(block_on(keeper.refresh_after_unauthorized(&AccessToken::new("x"))), Err(AuthFailure::SignedOut));
        assert_eq!(block_on(keeper.next_refresh_at_ms()), Ok(None));
        assert_eq!(http.count(), 0);
    }

    #[test]
    fn sign_out_removes_every_auth_key_even_when_revoke_fails() {
        for answer in [Err(TransportError::Network("offline".into())), Ok(response(500, "")), Ok(response(200, ""))] {
            let confirmed = matches!(answer, Ok(HttpResponse { status: 200, .. }));
            let (store, clock, config) = (FakeStore::default(), FakeClock::at(T0), config());
            let http = FakeHttp::scripted(vec![answer]);
            signed_in(&store, &clock, 1800);
            store.put(Area::Session, PENDING_KEY, json!({"state": "s"}));
            store.put(Area::Local, "auth:v0:legacy", json!("old"));
            store.put(Area::Local, "outbox:v1", json!([]));
            let keeper = TokenKeeper::new(&config, &http, &store, &clock);
            assert_eq!(block_on(keeper.sign_out()), Ok(confirmed));
            let requests = http.sent.borrow();
            assert_eq!(requests.len(), 1);
            assert_eq!(requests[0].url, "https://broker.example/v1/revoke");
            assert_eq!(requests[0].body.as_deref(), Some("token=rt-0&token_type_hint=refresh_token"));
            assert_eq!(auth_keys(&store), vec![]);
            assert_eq!(store.keys_in(Area::Local), vec!["outbox:v1".to_string()]);
            assert_eq!(block_on(keeper.state()), Ok(AuthState::SignedOut));
            assert_eq!(block_on(keeper.access_token()), Err(AuthFailure::SignedOut));
        }
    }

    #[test]
    fn a_refresh_in_flight_during_sign_out_never_writes_a_token_back() {
        // Every interleaving: sign-out starts before, during and after the refresh request.
        for delay in 0..16 {
            let (store, clock, http, config) = (FakeStore::default(), FakeClock::at(T0), issuing(60), config());
            signed_in(&store, &clock, 60);
            clock.advance(50_000);
            let keeper = TokenKeeper::new(&config, &http, &store, &clock);
            let (token, signed_out) = block_on(join(keeper.access_token(), async {
                for _ in 0..delay {
                    yield_now().await;
                }
                keeper.sign_out().await
            }));
            assert!(signed_out.is_ok());
            assert_eq!(auth_keys(&store), vec![], "delay {delay}, token {token:?}");
            assert_eq!(block_on(keeper.access_token()), Err(AuthFailure::SignedOut), "delay {delay}");
        }
    }

    #[test]
    fn mark_needs_reconnect_drops_the_tokens() {
        let (store, clock, http, config) = (FakeStore::default(), FakeClock::at(T0), issuing(60), config());
        signed_in(&store, &clock, 1800);
        let keeper = TokenKeeper::new(&config, &http, &store, &clock);
        let missing = vec!["crm.lists.read".to_string()];
        block_on(keeper.mark_needs_reconnect("HubSpot keeps refusing the token.", missing.clone())).expect("stored");
        assert_eq!(
            block_on(keeper.state()),
            Ok(AuthState::NeedsReconnect {
                reason: "HubSpot keeps refusing the token.".into(),
                missing_scopes: missing
            })
        );
        assert!(matches!(block_on(keeper.access_token()), Err(AuthFailure::NeedsReconnect { .. })));
        assert_eq!(http.count(), 0);
    }

    #[test]
    fn introspection_uses_the_current_token() {
        let (store, clock, config) = (FakeStore::default(), FakeClock::at(T0), config());
        let body = r#"{"hub_id":1234567,"user_id":293199,"user":"rep@example.com","hub_domain":"example.com",
            "scopes":["oauth"],"signed_access_token":{"hublet":"na1"}}"#;
        let http = FakeHttp::scripted(vec![Ok(response(200, body))]);
        signed_in(&store, &clock, 1800);
        let keeper = TokenKeeper::new(&config, &http, &store, &clock);
        let info = block_on(keeper.introspect()).expect("introspected");
        assert_eq!(info.user_email.as_deref(), Some("rep@example.com"));
        assert_eq!(info.hublet.as_deref(), Some("na1"));
        assert_eq!(http.bodies(), vec!["token=at-0&token_type_hint=access_token".to_string()]);
        assert_eq!(http.sent.borrow()[0].url, "https://broker.example/v1/introspect");
    }

    #[test]
    fn debug_of_every_public_type_shows_no_secret() {
        let secret_config = AuthConfig::direct("client-1", ClientSecret::new("sekrit-client"));
        let (store, clock, http) = (FakeStore::default(), FakeClock::at(T0), issuing(60));
        let keeper = TokenKeeper::new(&secret_config, &http, &store, &clock);
        let (_, pending) = crate::auth::authorize::begin(&secret_config, REDIRECT, &[5; 64], T0).expect("valid input");
        let grant = Grant {
            access: AccessToken::new("sekrit-access"),
            refresh: Some(RefreshToken::new("sekrit-refresh")),
            expires_at_ms: 1,
            lifetime_ms: 1,
            hub_id: PortalId::new("1"),
            user_id: None,
            scopes: None,
        };
        let shown = format!(
            "{secret_config:?} {keeper:?} {pending:?} {grant:?} {:?} {:?}",
            AuthState::SignedOut,
            ConnectError::NoPendingSignIn
        );
        for secret in ["sekrit", pending.state.as_str(), pending.verifier.expose()] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("PendingSignIn") && shown.contains("TokenKeeper"));
    }
}
