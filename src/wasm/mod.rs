//! The wasm-only glue: moves bytes between the pure core and `fetch` / `chrome.*`.
//! Layer: glue (compiled only for wasm32). No decisions live here.

mod chrome;
mod exports;
mod platform;
mod policy;

#[cfg(test)]
mod tests;
