//! Messages between the extension's pages, content scripts and the service worker: one
//! request enum, one response enum, and the `allowed` table that says which sender may ask
//! what, failing closed. Layer: core (pure).

use crate::ids::ContactId;
use crate::page::{classify, Hublet, Page};
use serde::{Deserialize, Serialize};

/// Every request the worker answers. Tagged by `kind` on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Request {
    /// Liveness: the worker answers with its version.
    Ping,
    /// The dialing card for the contact record the content script sits on.
    Card { url: String },
}

/// A domain failure, returned as data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub code: String,
    pub message: String,
    pub retryable: bool,
}

impl Failure {
    pub fn new(code: &str, message: impl Into<String>, retryable: bool) -> Self {
        Self { code: code.to_string(), message: message.into(), retryable }
    }
}

/// Every answer the worker gives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Response {
    Pong { version: String },
    Card { hublet: Hublet, portal: String, contact: ContactId },
    NotARecord,
    Error { error: Failure },
}

/// Who sent a message, as Chrome's `MessageSender` describes it, already parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Sender {
    /// `sender.id`: the extension the message came from.
    pub id: Option<String>,
    /// `sender.url`: the page or frame URL.
    pub url: Option<String>,
    /// `sender.tab` was present: the message came from a content script in a tab.
    pub from_tab: bool,
    /// `sender.frameId`: 0 is the top frame.
    pub frame_id: Option<i64>,
}

/// The kinds of sender the table distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The popup, the options page or the call panel: this extension's own pages.
    ExtensionPage,
    /// A content script in the top frame of a HubSpot app page.
    HubSpotTopFrame,
    /// Anything else: another extension, a sub-frame, a non-HubSpot page.
    Untrusted,
}

/// Classifies a sender against this extension's id.
pub fn origin_of(sender: &Sender, own_id: &str) -> Origin {
    if sender.id.as_deref() != Some(own_id) || own_id.is_empty() {
        return Origin::Untrusted;
    }
    let url = sender.url.as_deref().unwrap_or("");
    if !sender.from_tab {
        let own_prefix = ["chrome-extension://", own_id, "/"].concat();
        return if url.starts_with(&own_prefix) { Origin::ExtensionPage } else { Origin::Untrusted };
    }
    if sender.frame_id != Some(0) {
        return Origin::Untrusted;
    }
    if is_hubspot_app_url(url) {
        Origin::HubSpotTopFrame
    } else {
        Origin::Untrusted
    }
}

fn is_hubspot_app_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else { return false };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    Hublet::from_app_host(host).is_some()
}

/// May this sender make this request? Fails closed: anything not listed is refused.
pub fn allowed(request: &Request, origin: Origin) -> bool {
    use Origin::*;
    match request {
        Request::Ping => matches!(origin, ExtensionPage | HubSpotTopFrame),
        Request::Card { .. } => matches!(origin, HubSpotTopFrame),
    }
}

/// Answers the requests that need nothing but the core itself.
pub fn answer_local(request: &Request) -> Option<Response> {
    match request {
        Request::Ping => Some(Response::Pong { version: env!("CARGO_PKG_VERSION").to_string() }),
        Request::Card { url } => Some(match classify(url) {
            Page::Contact { hublet, portal, contact } => {
                Response::Card { hublet, portal: portal.0, contact }
            }
            _ => Response::NotARecord,
        }),
    }
}
