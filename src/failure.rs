//! `Failure`: a domain failure returned as data (`{code, message, retryable}`), the one error
//! shape every answer to the extension carries. Layer: core (pure). A leaf: it names nothing in
//! the crate, so HubSpot's error mapping, the worker and the wire contract can all use it
//! without depending on each other.

use serde::{Deserialize, Serialize};

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
