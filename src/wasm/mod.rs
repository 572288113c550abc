//! The wasm-only glue: moves bytes between the pure core and `fetch` / `chrome.*`.
//! Layer: glue (compiled only for wasm32). No decisions live here.

mod chrome;
mod exports;
mod platform;

#[cfg(test)]
mod tests;
