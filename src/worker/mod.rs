//! The service worker's brain: takes a parsed request and its sender, checks the `allowed`
//! table, and answers. Layer: core (pure). The wasm glue only decodes the message, calls
//! `Worker::handle` and encodes the answer.

use crate::message::{allowed, answer_local, origin_of, Failure, Request, Response, Sender};
use crate::ports::{Clock, Http, Store};

/// Everything the worker needs from the world, borrowed for one call.
pub struct Worker<'a, H: Http, S: Store, C: Clock> {
    pub http: &'a H,
    pub store: &'a S,
    pub clock: &'a C,
    /// This extension's id (`chrome.runtime.id`), to recognise our own senders.
    pub extension_id: &'a str,
}

impl<'a, H: Http, S: Store, C: Clock> Worker<'a, H, S, C> {
    /// Answers one message. Never panics; refusals and failures come back as data.
    pub async fn handle(&self, raw: Result<Request, String>, sender: &Sender) -> Response {
        let request = match raw {
            Ok(request) => request,
            Err(reason) => return Response::Error { error: Failure::new("bad_request", reason, false) },
        };
        let origin = origin_of(sender, self.extension_id);
        if !allowed(&request, origin) {
            return Response::Error {
                error: Failure::new("forbidden", "This sender may not make that request.", false),
            };
        }
        match answer_local(&request) {
            Some(response) => response,
            None => Response::Error { error: Failure::new("unsupported", "Not supported yet.", false) },
        }
    }
}

/// Parses a JSON message into a request, with a clear reason when it is not one.
pub fn parse_request(value: serde_json::Value) -> Result<Request, String> {
    serde_json::from_value(value).map_err(|e| {
        let mut reason = String::from("Not a Spotdial request: ");
        reason.push_str(&e.to_string());
        reason
    })
}
