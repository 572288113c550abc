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

impl crate::json_write::ToJson for Failure {
    fn to_json(&self) -> serde_json::Value {
        crate::json_write::Obj::new()
            .put("code", &self.code)
            .put("message", &self.message)
            .put("retryable", &self.retryable)
            .done()
    }
}

impl Failure {
    pub fn new(code: &str, message: impl Into<String>, retryable: bool) -> Self {
        Self { code: code.to_string(), message: message.into(), retryable }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_is_written_as_serde_writes_it() {
        let failures = [Failure::new("storage", "Could not save.", true), Failure::new("", "", false)];
        assert_eq!(crate::testing::agree_write(&failures), 2);
    }
}
