//! The JS ↔ Rust message contract, checked end to end: every builder `extension/shared/messages.js`
//! exports is run by the real `node` (with sample arguments and with none), and each message it
//! makes must parse with the worker's own parser and serialize back to the same JSON. Fails when a
//! builder has no `Request` variant, or a variant has no builder. Layer: tests (native + node).

use serde_json::{json, Value};
use spotdial::message::{parse_request, Request};
use std::path::Path;
use std::process::Command;

/// Variants no page builds through messages.js (each would need a reason). Empty today: every
/// request, even the ones only our own pages send, goes through the one factory.
const NOT_BUILT_BY_JS: &[&str] = &[];

/// Runs messages.js as the browser does (a classic script assigning `globalThis.spotdialMessage`)
/// and calls every exported function except `send`, twice: with a sample value per parameter
/// (chosen by the parameter's name, so a builder with a new parameter must add a sample here)
/// and with no arguments (what a page passing `undefined` sends).
const SCRIPT: &str = r#"
const fs = require('node:fs');
const vm = require('node:vm');
const [file] = process.argv.slice(1);
const context = vm.createContext({});
vm.runInContext(fs.readFileSync(file, 'utf8'), context, { filename: file });
const factory = context.spotdialMessage;
const samples = {
  url: 'https://app.hubspot.com/contacts/9/record/0-1/7', refresh: true, list: '12', contact: '7',
  number: '+1 415 555 0132', call: 'spotdial-1', outcome: 'f240', notes: 'hi', completeTask: '70002',
  id: 'spotdial-1', values: { dialScheme: 'sip' }, query: 'ana',
};
const out = [];
for (const name of Object.keys(factory)) {
  const fn = factory[name];
  if (name === 'send' || typeof fn !== 'function') continue;
  const params = fn.toString().match(/^\(?([^)=]*)/)[1].split(',').map((p) => p.trim()).filter(Boolean);
  const missing = params.filter((p) => !(p in samples));
  if (missing.length) { out.push({ name, missing }); continue; }
  out.push({ name, full: fn(...params.map((p) => samples[p])), empty: fn() });
}
process.stdout.write(JSON.stringify(out));
"#;

fn builders() -> Vec<Value> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = root.join("extension/shared/messages.js");
    let output = Command::new("node")
        .arg("-e")
        .arg(SCRIPT)
        .arg(&file)
        .output()
        .expect("node runs (./build.sh installs it; Node.js 20+)");
    assert!(output.status.success(), "node failed: {}", String::from_utf8_lossy(&output.stderr));
    let built: Vec<Value> = serde_json::from_slice(&output.stdout).expect("the script prints JSON");
    assert!(built.len() > 20, "the factory's builders were found: {built:?}");
    built
}

/// Every variant the Rust parser knows, as serde lists them when it meets an unknown kind.
fn rust_kinds() -> Vec<String> {
    let refused = parse_request(json!({"kind": "no_such_kind"})).expect_err("unknown kind refused");
    let kinds: Vec<String> = refused.split('`').skip(3).step_by(2).map(str::to_string).collect();
    assert!(kinds.len() > 20, "serde listed the variants: {refused}");
    kinds
}

#[test]
fn every_builder_makes_a_request_rust_parses_unchanged() {
    let mut problems = Vec::new();
    for builder in builders() {
        let name = builder["name"].as_str().unwrap_or("?").to_string();
        if let Some(missing) = builder.get("missing") {
            problems.push(format!("{name}: no sample for parameter(s) {missing}; add one to SCRIPT"));
            continue;
        }
        for which in ["full", "empty"] {
            let sent = builder[which].clone();
            match parse_request(sent.clone()) {
                // Re-serialized, the request must be what JS sent: a field serde ignored or
                // defaulted (a misspelt `complete_task`) would otherwise vanish silently.
                Ok(request) => {
                    let back = serde_json::to_value(&request).expect("a request serializes");
                    if back != sent {
                        problems.push(format!("{name}({which}): JS sent {sent}, Rust read {back}"));
                    }
                }
                Err(reason) => problems.push(format!("{name}({which}): {sent} is refused: {reason}")),
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_request_variant_has_a_builder() {
    let built: Vec<String> = builders().iter().filter_map(|b| b["full"]["kind"].as_str().map(str::to_string)).collect();
    let missing: Vec<String> = rust_kinds()
        .into_iter()
        .filter(|kind| !built.contains(kind) && !NOT_BUILT_BY_JS.contains(&kind.as_str()))
        .collect();
    assert!(missing.is_empty(), "Request variants without a builder in messages.js: {missing:?}");
    // The exemptions are real variants, not leftovers.
    for kind in NOT_BUILT_BY_JS {
        assert!(rust_kinds().iter().any(|k| k == kind), "{kind} is no longer a Request variant");
    }
}

/// The samples cover the requests' optional parts both ways, so a builder that drops a field
/// (or sends `undefined`, which JSON leaves out) is caught: spot-check two builders' JSON.
#[test]
fn the_builders_fill_every_field() {
    let built = builders();
    let find = |kind: &str| built.iter().find(|b| b["full"]["kind"] == kind).cloned().expect(kind);
    let log = parse_request(find("log_call")["full"].clone()).expect("log_call parses");
    assert_eq!(
        log,
        Request::LogCall {
            call: "spotdial-1".into(),
            outcome: Some("f240".into()),
            notes: "hi".into(),
            complete_task: Some(spotdial::ids::TaskId::new("70002")),
        }
    );
    assert_eq!(find("set_queue_list")["empty"], json!({"kind": "set_queue_list", "list": null}));
}
