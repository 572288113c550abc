//! Spotdial core: every decision the extension makes, in pure Rust.
//! Layer: core. Every module here is pure (no JS types, testable natively) except `wasm`,
//! which is compiled only for `wasm32` and only moves bytes between the core and Chrome.

pub mod auth;
pub mod calling_hours;
pub mod calls;
pub mod contact_cache;
pub mod failure;
pub mod fold;
pub mod hubspot;
pub mod ids;
pub mod json_read;
pub mod json_write;
pub mod keys;
pub mod message;
pub mod outbox;
pub mod page;
pub mod phone;
pub mod ports;
pub mod privacy;
pub mod secret;
pub mod settings;
pub mod sorting;
pub mod worker;

#[cfg(test)]
pub mod testing;

#[cfg(target_arch = "wasm32")]
mod wasm;
