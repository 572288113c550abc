//! The shape rules of the core, checked: outside `src/wasm/` no file names a JS binding crate
//! (every decision stays testable natively), shipped code has no `unwrap` (HOUSE-STYLE.md),
//! nothing shipped writes to the console, and no result is dropped without saying why.
//! Layer: tests (native).

use std::fs;
use std::path::Path;

/// JS binding crates, and `regex` (HOUSE-STYLE: no regex for URLs; it would bloat the wasm).
const JS_CRATES: [&str; 7] = ["wasm_bindgen", "web_sys", "js_sys", "gloo_net", "gloo", "serde_wasm_bindgen", "regex"];

/// Files compiled only for tests (declared `#[cfg(test)]` by their parent module).
fn test_only(p: &Path) -> bool {
    p.components().any(|c| c.as_os_str() == "tests")
        || ["testing.rs", "fakes.rs", "tests.rs", "corpus.rs"].iter().any(|f| p.ends_with(f))
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).expect("src is readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every shipped Rust file under `src/` with its shipped part (what precedes `#[cfg(test)]`).
fn shipped_sources() -> Vec<(std::path::PathBuf, String)> {
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    assert!(files.len() > 20, "the walk found the core");
    files
        .into_iter()
        .filter(|f| !test_only(f))
        .map(|file| {
            let text = fs::read_to_string(&file).expect("readable");
            let shipped = text.split("#[cfg(test)]").next().unwrap_or("").to_string();
            (file, shipped)
        })
        .collect()
}

#[test]
fn only_the_wasm_glue_names_js_crates() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 20, "the walk found the core");
    let glue = src.join("wasm");
    let mut offenders = Vec::new();
    for file in files.iter().filter(|f| !f.starts_with(&glue)) {
        let text = fs::read_to_string(file).expect("readable");
        for name in JS_CRATES {
            if text.contains(&[name, "::"].concat()) || text.contains(&["use ", name].concat()) {
                offenders.push(format!("{} names {name}", file.display()));
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}

/// HOUSE-STYLE: no `unwrap` in shipped core code (a panic in the worker is a blank card or a
/// lost log); tests may. Test-only files and each file's `#[cfg(test)]` part are skipped.
#[test]
fn no_unwrap_outside_tests() {
    let mut offenders = Vec::new();
    for (file, shipped) in shipped_sources() {
        for (n, line) in shipped.lines().enumerate() {
            if line.contains(".unwrap()") && !line.trim_start().starts_with("//") {
                offenders.push(format!("{}:{}", file.display(), n + 1));
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}

/// DESIGN §3 / issue 6: no HubSpot data or token in console output. Nothing the extension
/// ships prints at all: no `println!`/`eprintln!`/`dbg!` in the core or glue, and no
/// `console.` in the shell's scripts.
#[test]
fn nothing_shipped_writes_to_the_console() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut offenders = Vec::new();
    for file in files.iter().filter(|f| !test_only(f)) {
        let text = fs::read_to_string(file).expect("readable");
        let shipped = text.split("#[cfg(test)]").next().unwrap_or("");
        for needle in ["println!", "eprintln!", "dbg!", "console::log", "console_log"] {
            if shipped.contains(needle) {
                offenders.push(format!("{} uses {needle}", file.display()));
            }
        }
    }
    fn scripts(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in fs::read_dir(dir).expect("extension is readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                scripts(&path, out);
            } else if path.extension().is_some_and(|e| e == "js" || e == "html") {
                out.push(path);
            }
        }
    }
    let mut shell = Vec::new();
    scripts(&root.join("extension"), &mut shell);
    assert!(shell.len() > 8, "the walk found the shell");
    for file in shell {
        if fs::read_to_string(&file).expect("readable").contains("console.") {
            offenders.push(format!("{} uses console.", file.display()));
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}

#[test]
fn the_glue_is_compiled_only_for_wasm() {
    let lib = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).expect("lib.rs");
    assert!(lib.contains("#[cfg(target_arch = \"wasm32\")]\nmod wasm;"), "src/lib.rs gates the glue on wasm32");
}

/// Issue 11: no result is dropped silently. Every `let _ =` in shipped code carries a comment on
/// its line or the line above saying why dropping that result is safe (a lost call log or a
/// wipe reported as done must never hide behind one).
#[test]
fn every_dropped_result_says_why() {
    let mut offenders = Vec::new();
    for (file, shipped) in shipped_sources() {
        let mut previous = "";
        for (n, line) in shipped.lines().enumerate() {
            if line.contains("let _ =") && !line.contains("//") && !previous.trim_start().starts_with("//") {
                offenders.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
            previous = line;
        }
    }
    assert!(offenders.is_empty(), "say why each of these results may be dropped: {offenders:#?}");
}
