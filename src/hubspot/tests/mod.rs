//! Tests of the HubSpot client. The fakes they use (recording `Http`, moving `Clock`,
//! counting `TokenSource`, `block_on`) live in `crate::testing`, shared with the outbox tests.
//! Layer: core tests (native only).

mod queue;
mod session;

pub use crate::testing::*;
// What the test files used to get from this module's own imports.
pub use crate::ports::{Http, HttpRequest, TransportError};
pub use std::cell::Cell;
