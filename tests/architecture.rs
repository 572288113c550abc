//! The module graph of the core, checked: no top-level module of `src/` reaches one that reaches
//! it back, and the wire contract (`failure`, `page`, `message`) stays a leaf that could be its own
//! serde-only crate (issue 11). Reads the source the way the compiler does: from `src/lib.rs`
//! through every `mod`, skipping `#[cfg(test)]` items. Layer: tests (native, no dependencies).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// A token of Rust source, enough to follow paths: comments are dropped and literals kept whole,
/// so a `crate::x` in a doc comment or a string is not a dependency.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Punct(char),
    Str(String),
}

fn lex(text: &str) -> Vec<(Tok, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let (mut i, mut line, mut out) = (0, 1, Vec::new());
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    line += usize::from(chars[i] == '\n');
                    i += 1;
                }
            }
        } else if c == 'r'
            && (next == Some('"') || (next == Some('#') && chars.get(i + 2).is_some_and(|&c| c == '"' || c == '#')))
        {
            // A raw string: r"…", r#"…"#, r##"…"##.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars[j] == '#' {
                hashes += 1;
                j += 1;
            }
            j += 1;
            let start = j;
            loop {
                if chars[j] == '"' && (0..hashes).all(|h| chars.get(j + 1 + h) == Some(&'#')) {
                    break;
                }
                line += usize::from(chars[j] == '\n');
                j += 1;
            }
            out.push((Tok::Str(chars[start..j].iter().collect()), line));
            i = j + 1 + hashes;
        } else if c == '"' || (c == 'b' && next == Some('"')) {
            let mut j = if c == 'b' { i + 2 } else { i + 1 };
            let mut s = String::new();
            while chars[j] != '"' {
                if chars[j] == '\\' {
                    j += 1;
                }
                line += usize::from(chars[j] == '\n');
                s.push(chars[j]);
                j += 1;
            }
            out.push((Tok::Str(s), line));
            i = j + 1;
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{..}') or a lifetime ('a): neither names a module.
            if next == Some('\\') {
                let mut j = i + 2;
                while chars[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
            }
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((Tok::Ident(chars[start..i].iter().collect()), line));
        } else {
            out.push((Tok::Punct(c), line));
            i += 1;
        }
    }
    out
}

fn ident(toks: &[(Tok, usize)], i: usize) -> Option<&str> {
    match toks.get(i) {
        Some((Tok::Ident(s), _)) => Some(s),
        _ => None,
    }
}

fn punct(toks: &[(Tok, usize)], i: usize, c: char) -> bool {
    matches!(toks.get(i), Some((Tok::Punct(p), _)) if *p == c)
}

/// `::` at `i`.
fn path_sep(toks: &[(Tok, usize)], i: usize) -> bool {
    punct(toks, i, ':') && punct(toks, i + 1, ':')
}

/// The index after the item starting at `i`: up to a `;` or a `{…}` block at depth 0.
fn skip_item(toks: &[(Tok, usize)], mut i: usize) -> usize {
    let mut depth = 0i32;
    while i < toks.len() {
        match &toks[i].0 {
            Tok::Punct('(' | '[') => depth += 1,
            Tok::Punct(')' | ']') => depth -= 1,
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            Tok::Punct(';') if depth == 0 => return i + 1,
            _ => {}
        }
        i += 1;
    }
    i
}

/// The index after the bracket group (`[…]`, `(…)` or `{…}`) that opens at `i`.
fn skip_group(toks: &[(Tok, usize)], mut i: usize) -> usize {
    let mut depth = 0i32;
    while i < toks.len() {
        match &toks[i].0 {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    i
}

/// One use of another module: which top-level module, from which file and line.
struct Reference {
    to: String,
    file: PathBuf,
    line: usize,
}

/// Reads one module file (`module` is its path from the crate root) and the files it declares,
/// collecting every `crate::…` and `super::…` path that leaves it.
fn read_module(file: &Path, module: &[String], refs: &mut Vec<(String, Reference)>) {
    let text = fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let toks = lex(&text);
    let dir = file.parent().expect("a file has a folder");
    let owns_dir = matches!(file.file_name().and_then(|n| n.to_str()), Some("mod.rs" | "lib.rs"));
    let child_dir = if owns_dir { dir.to_path_buf() } else { dir.join(file.file_stem().expect("stem")) };
    // Inline `mod x { … }` blocks: their names, and the brace depth that closes each.
    let mut inline: Vec<(String, i32)> = Vec::new();
    let mut depth = 0i32;
    let mut path_attr: Option<String> = None;
    let mut i = 0;
    while i < toks.len() {
        let here: Vec<String> = module.iter().cloned().chain(inline.iter().map(|(n, _)| n.clone())).collect();
        match &toks[i].0 {
            Tok::Punct('#') if punct(&toks, i + 1, '[') => {
                let end = skip_group(&toks, i + 1);
                let attr: Vec<&Tok> = toks[i + 2..end - 1].iter().map(|(t, _)| t).collect();
                let is = |words: &[&str]| {
                    attr.len() == words.len()
                        && attr.iter().zip(words).all(|(t, w)| match t {
                            Tok::Ident(s) => s == w,
                            Tok::Punct(p) => w.len() == 1 && w.starts_with(*p),
                            Tok::Str(_) => false,
                        })
                };
                if is(&["cfg", "(", "test", ")"]) {
                    // Test code is not the shipped graph: skip the item and its other attributes.
                    let mut j = end;
                    while punct(&toks, j, '#') {
                        j = skip_group(&toks, j + 1);
                    }
                    i = skip_item(&toks, j);
                    continue;
                }
                if let (Some(Tok::Ident(p)), Some(Tok::Str(s))) = (attr.first(), attr.last()) {
                    if p == "path" {
                        path_attr = Some(s.clone());
                    }
                }
                i = end;
                continue;
            }
            Tok::Ident(k) if k == "mod" => {
                if let Some(name) = ident(&toks, i + 1) {
                    if punct(&toks, i + 2, ';') {
                        let child = match path_attr.take() {
                            Some(p) => dir.join(p),
                            None if child_dir.join(format!("{name}.rs")).exists() => {
                                child_dir.join(format!("{name}.rs"))
                            }
                            None => child_dir.join(name).join("mod.rs"),
                        };
                        let mut sub = here.clone();
                        sub.push(name.to_string());
                        read_module(&child, &sub, refs);
                        i += 3;
                        continue;
                    }
                    if punct(&toks, i + 2, '{') {
                        depth += 1;
                        inline.push((name.to_string(), depth));
                        i += 3;
                        continue;
                    }
                }
            }
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth -= 1;
            }
            Tok::Punct('$') if ident(&toks, i + 1) == Some("crate") => {
                i += 2;
                continue;
            }
            Tok::Ident(k) if (k == "crate" || k == "super") && path_sep(&toks, i + 1) => {
                // Resolve the path's start against this module: each `super` goes up one.
                let mut at: Vec<String> = if k == "crate" { Vec::new() } else { here[..here.len() - 1].to_vec() };
                let mut j = i + 3;
                if k == "super" {
                    while ident(&toks, j) == Some("super") && path_sep(&toks, j + 1) {
                        at.pop();
                        j += 3;
                    }
                }
                let line = toks[i].1;
                let mut tops: Vec<String> = Vec::new();
                if let Some(first) = at.first() {
                    tops.push(first.clone());
                } else if let Some(name) = ident(&toks, j) {
                    tops.push(name.to_string());
                } else if punct(&toks, j, '{') {
                    // `crate::{a::X, b}`: the first segment of each entry of the group.
                    let end = skip_group(&toks, j);
                    let mut level = 0;
                    let mut expect = true;
                    for (t, _) in &toks[j..end] {
                        match t {
                            Tok::Punct('{') => {
                                level += 1;
                                expect = level == 1;
                            }
                            Tok::Punct('}') => level -= 1,
                            Tok::Punct(',') if level == 1 => expect = true,
                            Tok::Ident(s) if expect && level == 1 => {
                                tops.push(s.clone());
                                expect = false;
                            }
                            _ => expect = false,
                        }
                    }
                }
                let from = here[0].clone();
                for to in tops.into_iter().filter(|t| t != "self" && *t != from) {
                    refs.push((from.clone(), Reference { to, file: file.to_path_buf(), line }));
                }
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
}

/// Every top-level module and the modules it names, each with the first place it does.
fn module_graph() -> BTreeMap<String, BTreeMap<String, String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = root.join("src/lib.rs");
    let text = fs::read_to_string(&lib).expect("src/lib.rs");
    let toks = lex(&text);
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut i = 0;
    while i < toks.len() {
        if punct(&toks, i, '#') && punct(&toks, i + 1, '[') {
            let end = skip_group(&toks, i + 1);
            let attr: Vec<&Tok> = toks[i + 2..end - 1].iter().map(|(t, _)| t).collect();
            let test_only = matches!(attr.as_slice(), [Tok::Ident(c), Tok::Punct('('), Tok::Ident(t), Tok::Punct(')')] if c == "cfg" && t == "test");
            i = if test_only { skip_item(&toks, end) } else { end };
            continue;
        }
        if ident(&toks, i) == Some("mod") && punct(&toks, i + 2, ';') {
            let name = ident(&toks, i + 1).expect("mod name").to_string();
            let file = if root.join("src").join(format!("{name}.rs")).exists() {
                root.join("src").join(format!("{name}.rs"))
            } else {
                root.join("src").join(&name).join("mod.rs")
            };
            let mut refs = Vec::new();
            read_module(&file, std::slice::from_ref(&name), &mut refs);
            let deps = graph.entry(name).or_default();
            for (_, r) in refs {
                let at = format!("{}:{}", r.file.strip_prefix(root).unwrap_or(&r.file).display(), r.line);
                deps.entry(r.to).or_insert(at);
            }
        }
        i += 1;
    }
    graph
}

/// A path from `from` to `to` through the graph, if there is one.
fn path(graph: &BTreeMap<String, BTreeMap<String, String>>, from: &str, to: &str) -> Option<Vec<String>> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![vec![from.to_string()]];
    while let Some(trail) = stack.pop() {
        let last = trail.last().expect("non-empty").clone();
        for next in graph.get(&last).map(|d| d.keys().cloned().collect::<Vec<_>>()).unwrap_or_default() {
            let mut longer = trail.clone();
            longer.push(next.clone());
            if next == to {
                return Some(longer);
            }
            if seen.insert(next) {
                stack.push(longer);
            }
        }
    }
    None
}

#[test]
fn the_walk_reads_the_whole_core() {
    let graph = module_graph();
    for name in ["ids", "page", "message", "hubspot", "auth", "settings", "outbox", "privacy", "worker", "wasm"] {
        assert!(graph.contains_key(name), "{name} is a top-level module the walk found: {:?}", graph.keys());
    }
    // Known edges: if the reader lost them (a lexer slip), the cycle test below would pass on nothing.
    assert!(graph["worker"].contains_key("hubspot"), "{:?}", graph["worker"]);
    assert!(graph["wasm"].contains_key("worker"), "{:?}", graph["wasm"]);
    assert!(!graph.contains_key("testing"), "test-only modules are not the shipped graph");
}

/// No top-level module imports one that imports it back, directly or through others.
/// `cargo test --test architecture` shows every cycle with the line that makes each step.
#[test]
fn no_module_cycles() {
    let graph = module_graph();
    let mut cycles = Vec::new();
    let mut reported = BTreeSet::new();
    for (from, deps) in &graph {
        for to in deps.keys() {
            if let Some(back) = path(&graph, to, from) {
                let mut members: Vec<String> = back.clone();
                members.sort();
                members.dedup();
                if !reported.insert(members) {
                    continue;
                }
                let mut steps = vec![format!("{from} -> {to} ({})", deps[to])];
                for pair in back.windows(2) {
                    steps.push(format!("{} -> {} ({})", pair[0], pair[1], graph[&pair[0]][&pair[1]]));
                }
                cycles.push(steps.join(", "));
            }
        }
    }
    assert!(cycles.is_empty(), "module cycles:\n{}", cycles.join("\n"));
}

/// The wire contract depends on nothing but ids and the leaves beside it, so editing a worker or
/// settings struct cannot change what the JavaScript receives without a change in `message`.
/// `json_read` and `json_write` (leaves that read and write JSON by hand, defining no shape)
/// are among those leaves.
#[test]
fn the_contract_is_a_leaf() {
    let graph = module_graph();
    let allowed: [(&str, &[&str]); 4] = [
        ("ids", &["json_read", "json_write"]),
        ("failure", &["json_write"]),
        ("page", &["ids", "json_write"]),
        ("message", &["ids", "page", "failure", "json_read", "json_write"]),
    ];
    let mut offenders = Vec::new();
    for (module, may) in allowed {
        let deps = graph.get(module).unwrap_or_else(|| panic!("{module} is a top-level module"));
        for (dep, at) in deps {
            if !may.contains(&dep.as_str()) {
                offenders.push(format!("{module} uses {dep} ({at})"));
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}

/// The dependency table in `docs/ARCHITECTURE.md`, as the source makes it: one line per
/// top-level module, `module → dependencies` in order of the crate's layers.
fn dependency_table(graph: &BTreeMap<String, BTreeMap<String, String>>) -> String {
    // Leaves first: a module comes after everything it depends on (the graph has no cycles).
    let mut placed: Vec<String> = Vec::new();
    while placed.len() < graph.len() {
        let before = placed.len();
        for (module, deps) in graph {
            if !placed.contains(module) && deps.keys().all(|d| placed.contains(d) || !graph.contains_key(d)) {
                placed.push(module.clone());
            }
        }
        assert!(placed.len() > before, "the graph has a cycle; see no_module_cycles");
    }
    let mut out = String::from("| module | depends on |\n|---|---|\n");
    for module in &placed {
        let deps: Vec<String> = graph[module].keys().map(|d| format!("`{d}`")).collect();
        let deps = if deps.is_empty() { "nothing in the crate".to_string() } else { deps.join(", ") };
        out.push_str(&format!("| `{module}` | {deps} |\n"));
    }
    out
}

/// `docs/ARCHITECTURE.md` shows the real graph: the table between its markers is regenerated
/// from the source (`cargo test --test architecture -- --nocapture` prints it on a mismatch).
#[test]
fn the_architecture_doc_shows_the_real_dependencies() {
    let table = dependency_table(&module_graph());
    let doc = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ARCHITECTURE.md"))
        .expect("docs/ARCHITECTURE.md");
    let (start, end) = ("<!-- dependencies: generated -->\n", "<!-- /dependencies -->");
    let shown = doc.split_once(start).and_then(|(_, rest)| rest.split_once(end)).map(|(t, _)| t);
    assert_eq!(
        shown,
        Some(table.as_str()),
        "docs/ARCHITECTURE.md's dependency table is stale; it should read:\n{table}"
    );
}
