//! The shape rules of the core, checked: outside `src/wasm/` no file names a JS binding crate
//! (every decision stays testable natively), shipped code has no panic path without a stated
//! reason (issue 14), nothing shipped writes to the console, and no result is dropped without
//! saying why. Layer: tests (native), over `src/` and `broker/src/`.

use std::fs;
use std::path::Path;

/// JS binding crates, and `regex` (HOUSE-STYLE: no regex for URLs; it would bloat the wasm).
const JS_CRATES: [&str; 7] = ["wasm_bindgen", "web_sys", "js_sys", "gloo_net", "gloo", "serde_wasm_bindgen", "regex"];

/// Files compiled only for tests (declared `#[cfg(test)]` by their parent module).
fn test_only(p: &Path) -> bool {
    p.components().any(|c| c.as_os_str() == "tests")
        || ["testing.rs", "fakes.rs", "tests.rs", "corpus.rs", "proptests.rs"].iter().any(|f| p.ends_with(f))
        || p.file_name().is_some_and(|n| n.to_string_lossy().ends_with("_tests.rs"))
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

/// Every shipped Rust file under `src/` with its shipped part: its text without the items
/// under `#[cfg(test)]`, blank lines in their place so line numbers stay the file's.
fn shipped_sources() -> Vec<(std::path::PathBuf, String)> {
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    assert!(files.len() > 20, "the walk found the core");
    files
        .into_iter()
        .filter(|f| !test_only(f))
        .map(|file| {
            let text = fs::read_to_string(&file).expect("readable");
            let mut shipped = vec![""; text.lines().count()];
            for (n, line) in shipped_lines(&text) {
                shipped[n - 1] = line;
            }
            let shipped = shipped.join("\n");
            (file, shipped)
        })
        .collect()
}

/// The lines of `text` that ship, numbered from 1: every item under a `#[cfg(test)]` or
/// `#[cfg(all(test, …))]` attribute is left out, whether it is a `mod x;` declaration, an inline
/// module at the end or a test-only method in the middle of an `impl` (so shipped code after an
/// early `#[cfg(test)] mod tests;` is still read, which a split at the first attribute missed).
/// The tree is rustfmt-clean, so an item's block closes on a `}` line at the item's indentation
/// (counting braces instead would trip on the JSON in tests' raw strings).
fn shipped_lines(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let trimmed = line.trim_start();
        if !(trimmed.starts_with("#[cfg(test)]") || trimmed.starts_with("#[cfg(all(test")) {
            out.push((n + 1, line));
            continue;
        }
        let close = [&line[..line.len() - trimmed.len()], "}"].concat();
        let mut first = true;
        for (_, item) in lines.by_ref() {
            let code = code_of(item);
            let code = code.trim_end();
            if first && code.trim_start().starts_with("#[") {
                continue;
            }
            let one_line =
                code.ends_with(';') || (code.ends_with('}') && code.matches('{').count() == code.matches('}').count());
            if (first && one_line) || code == close {
                break;
            }
            first = false;
        }
    }
    out
}

/// A line's code: string and char literals emptied, the trailing `//` comment dropped, so a
/// message that says "[0]" or "unwrap()" is not mistaken for code.
fn code_of(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                while let Some(s) = chars.next() {
                    match s {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
                out.push_str("\"\"");
            }
            // A char literal ('x', '\n', '\u{5b}'), not a lifetime ('a): it closes on the
            // next char, or after an escape.
            '\'' => {
                let rest: Vec<char> = chars.clone().take(12).collect();
                let len = match rest.as_slice() {
                    ['\\', tail @ ..] => tail.iter().position(|&q| q == '\'').map(|at| at + 2),
                    [_, '\'', ..] => Some(2),
                    _ => None,
                };
                match len {
                    Some(len) => {
                        chars.nth(len - 1);
                        out.push_str("' '");
                    }
                    None => out.push(c),
                }
            }
            '/' if chars.peek() == Some(&'/') => break,
            _ => out.push(c),
        }
    }
    out
}

/// Every shipped Rust file under `src/` (core and glue) and `broker/src/`, as shipped lines.
fn shipped_files_everywhere() -> Vec<(std::path::PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let core = files.len();
    rust_files(&root.join("broker/src"), &mut files);
    assert!(core > 20 && files.len() > core + 5, "the walk found the core and the broker");
    files
        .into_iter()
        .filter(|f| !test_only(f))
        .map(|file| {
            let text = fs::read_to_string(&file).expect("readable");
            (file, text)
        })
        .collect()
}

/// The marker that lets a panic path stay: on its line or the line above, with the reason it
/// cannot fire (`// cannot panic: the index is below the length checked above`).
const PANIC_REASON: &str = "// cannot panic:";

/// The panic paths a line of code holds, by name (empty when it holds none).
fn panic_paths(code: &str) -> Vec<&'static str> {
    let mut found = Vec::new();
    let word_before = |at: usize| code[..at].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_');
    for (needle, name) in [(".expect(", "expect"), (".unwrap(", "unwrap")] {
        if code.contains(needle) {
            found.push(name);
        }
    }
    for (needle, name) in [
        ("assert!(", "assert!"),
        ("assert_eq!(", "assert_eq!"),
        ("assert_ne!(", "assert_ne!"),
        ("panic!(", "panic!"),
        ("unreachable!(", "unreachable!"),
        ("todo!(", "todo!"),
        ("unimplemented!(", "unimplemented!"),
    ] {
        // `debug_assert!` is compiled out of release builds; `const _: () = assert!(…)` fails
        // the build, never a run.
        let hit = code
            .match_indices(needle)
            .any(|(at, _)| !word_before(at) && !code[..at].trim_end().ends_with("const _: () ="));
        if hit {
            found.push(name);
        }
    }
    // Indexing (`v[i]`, `&s[a..]`, `json["k"] = …`): a `[` right after a name, `)` or `]`.
    // Types (`&[u8]`, `[u8; 4]`), `vec![…]` and attributes (`#[…]`) have other neighbours.
    let bytes = code.as_bytes();
    let indexes = bytes.iter().enumerate().any(|(i, &b)| {
        b == b'[' && i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || matches!(bytes[i - 1], b'_' | b')' | b']'))
    });
    if indexes {
        found.push("indexing");
    }
    found
}

/// The panic paths in shipped text, as `file:line: names: code`, skipping those with a reason.
fn unexplained_panic_paths(file: &Path, text: &str) -> Vec<String> {
    let mut offenders = Vec::new();
    let mut previous = "";
    for (n, line) in shipped_lines(text) {
        let found = panic_paths(&code_of(line));
        let explained = line.contains(PANIC_REASON) || previous.trim_start().starts_with(PANIC_REASON);
        if !found.is_empty() && !explained {
            offenders.push(format!("{}:{n}: {}: {}", file.display(), found.join(", "), line.trim()));
        }
        previous = line;
    }
    offenders
}

/// Issue 14: under `panic = "abort"` a panic kills the wasm instance and every request in flight
/// (and in the broker, the request's task). Shipped code in `src/` (core and glue) and
/// `broker/src/` has no `expect`, `unwrap`, `assert!`/`assert_eq!`/`assert_ne!`, `panic!`,
/// `unreachable!`, `todo!`, `unimplemented!` or indexing, unless the line or the line above says
/// `// cannot panic: <why>`.
#[test]
fn no_panic_path_without_a_reason() {
    let mut offenders = Vec::new();
    for (file, text) in shipped_files_everywhere() {
        offenders.extend(unexplained_panic_paths(&file, &text));
    }
    assert!(
        offenders.is_empty(),
        "remove these panic paths, or say `{PANIC_REASON} <why>` beside each: {offenders:#?}"
    );
}

/// The guard above can fail: each kind of panic path is caught in shipped code, and is let
/// through in a test module, with a reason, in a string or a comment, or as a type.
#[test]
fn the_panic_guard_sees_each_kind() {
    let file = Path::new("planted.rs");
    for planted in [
        "let v = read().expect(\"present\");",
        "let v = read().unwrap();",
        "assert!(n < 100, \"chunk first\");",
        "assert_eq!(a, b);",
        "assert_ne!(a, b);",
        "panic!(\"no\");",
        "_ => unreachable!(),",
        "todo!()",
        "unimplemented!()",
        "let first = items[0];",
        "let tail = &text[at..];",
        "body[\"after\"] = json!(after);",
        "let x = f()[1];",
    ] {
        let shipped = ["fn f() {\n    ", planted, "\n}\n"].concat();
        assert_eq!(unexplained_panic_paths(file, &shipped).len(), 1, "not caught: {planted}");
        let reasoned = ["fn f() {\n    // cannot panic: checked above\n    ", planted, "\n}\n"].concat();
        assert!(unexplained_panic_paths(file, &reasoned).is_empty(), "reason not honoured: {planted}");
        let inline = ["fn f() {\n    ", planted, " // cannot panic: checked above\n}\n"].concat();
        assert!(unexplained_panic_paths(file, &inline).is_empty(), "inline reason not honoured: {planted}");
        let in_tests =
            ["fn f() {}\n#[cfg(test)]\nmod tests {\n    fn g() {\n        ", planted, "\n    }\n}\n"].concat();
        assert!(unexplained_panic_paths(file, &in_tests).is_empty(), "test code flagged: {planted}");
    }
    for innocent in [
        "debug_assert!(n < 100);",
        "const _: () = assert!(A < B);",
        "let v = read().unwrap_or(0);",
        "let v = read().unwrap_or_default();",
        "let m = \"say unwrap() or v[0]\";",
        "// a comment with .expect( and v[0]",
        "fn f(b: &[u8], a: [u8; 4]) -> Vec<[u8; 2]> { vec![[0, 1]] }",
        "#[derive(Debug)]",
        "let c = '[';",
        "fn f<'a>(x: &'a [u8]) {}",
    ] {
        let shipped = ["fn f() {\n    ", innocent, "\n}\n"].concat();
        assert!(unexplained_panic_paths(file, &shipped).is_empty(), "wrongly flagged: {innocent}");
    }
    // Shipped code after an early `#[cfg(test)] mod tests;` is still read.
    let after = "#[cfg(test)]\nmod tests;\nfn f() { g().unwrap(); }\n";
    assert_eq!(unexplained_panic_paths(file, after).len(), 1);
    // A test-only method in the middle of an impl is skipped, the rest of the impl is not.
    let middle = "impl A {\n    #[cfg(test)]\n    fn t(&self) { self.v[0] }\n    fn s(&self) { self.v[0] }\n}\n";
    assert_eq!(unexplained_panic_paths(file, middle).len(), 1);
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
    let mut offenders = Vec::new();
    for (file, shipped) in shipped_sources() {
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
