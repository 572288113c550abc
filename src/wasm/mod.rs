//! The wasm-only glue: moves bytes between the pure core and `fetch` / `chrome.*`.
//! Layer: glue (compiled only for wasm32). No decisions live here.

mod chrome;
mod exports;
mod platform;
mod policy;

#[cfg(test)]
mod tests;

// The heap: talc instead of the default dlmalloc, smaller in the shipped wasm (issue 12) and
// faster; the worker is single-threaded (no `atomics`), which this allocator assumes.
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
