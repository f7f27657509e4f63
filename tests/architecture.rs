//! The module graph has no cycles: no module of the library imports one that imports it, however
//! far round. Each file under `src/` (but `main.rs`) is a module; a path in its code (`use
//! super::bytes::skip`, `crate::scan::time::find`, `super::{hit, event}`) that names another
//! module, or an item of one, is an edge to the file of that module. Comments are not read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every module of the library: its path (`["scan", "event"]`) and its code without comments.
fn modules() -> BTreeMap<Vec<String>, String> {
    let mut out = BTreeMap::new();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") || path == src.join("main.rs") {
                continue;
            }
            let rel = path.strip_prefix(&src).unwrap().with_extension("");
            let mut name: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            if matches!(name.last().map(String::as_str), Some("mod" | "lib")) {
                name.pop();
            }
            let code = std::fs::read_to_string(&path).unwrap();
            out.insert(name, strip_comments(&code));
        }
    }
    out
}

/// The code without `//` comments (doc comments included) and without string literals' text.
fn strip_comments(code: &str) -> String {
    code.lines()
        .map(|line| {
            let mut in_str = false;
            let bytes = line.as_bytes();
            let mut end = line.len();
            let mut i = 0;
            while i < bytes.len() {
                match bytes[i] {
                    b'\\' if in_str => i += 1,
                    b'"' => in_str = !in_str,
                    b'/' if !in_str && bytes.get(i + 1) == Some(&b'/') => {
                        end = i;
                        break;
                    }
                    _ => {}
                }
                i += 1;
            }
            &line[..end]
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths a module's code names, each as written from its first `crate` or `super`
/// (`super::{a, b::c}` gives `super::a` and `super::b::c`).
fn paths(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let tokens: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < tokens.len() {
        let rest: String = tokens[i..tokens.len().min(i + 7)].iter().collect();
        let boundary = i == 0 || !(tokens[i - 1].is_alphanumeric() || tokens[i - 1] == '_' || tokens[i - 1] == '$');
        if boundary && (rest.starts_with("crate::") || rest.starts_with("super::")) {
            let (found, next) = read_path(&tokens, i, Vec::new());
            out.extend(found);
            i = next.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// Reads the path (or brace group of paths) at `i`, after `prefix`.
fn read_path(tokens: &[char], mut i: usize, prefix: Vec<String>) -> (Vec<Vec<String>>, usize) {
    let mut path = prefix;
    loop {
        while tokens.get(i).is_some_and(|c| c.is_whitespace()) {
            i += 1;
        }
        if tokens.get(i) == Some(&'{') {
            let mut out = Vec::new();
            i += 1;
            loop {
                let (found, next) = read_path(tokens, i, path.clone());
                out.extend(found);
                i = next;
                while tokens.get(i).is_some_and(|c| c.is_whitespace() || *c == ',') {
                    i += 1;
                }
                if tokens.get(i).is_none_or(|&c| c == '}') {
                    return (out, i + 1);
                }
            }
        }
        let start = i;
        while tokens.get(i).is_some_and(|c| c.is_alphanumeric() || *c == '_') {
            i += 1;
        }
        if start == i {
            return ((!path.is_empty()).then_some(path).into_iter().collect(), i);
        }
        path.push(tokens[start..i].iter().collect());
        if tokens.get(i) == Some(&':') && tokens.get(i + 1) == Some(&':') {
            i += 2;
        } else {
            return (vec![path], i);
        }
    }
}

/// The module a path written in module `from` names: the longest known module it starts with.
fn target(from: &[String], path: &[String], known: &BTreeMap<Vec<String>, String>) -> Option<Vec<String>> {
    let mut base: Vec<String> = Vec::new();
    let mut rest = path;
    match path.first().map(String::as_str) {
        Some("crate") => rest = &path[1..],
        Some("super") => {
            base = from.to_vec();
            while rest.first().map(String::as_str) == Some("super") {
                base.pop();
                rest = &rest[1..];
            }
        }
        _ => return None,
    }
    let mut best = None;
    for n in 0..=rest.len() {
        let mut candidate = base.clone();
        candidate.extend(rest[..n].iter().cloned());
        if known.contains_key(&candidate) {
            best = Some(candidate);
        }
    }
    best.filter(|t| t.as_slice() != from)
}

#[test]
fn no_module_imports_one_that_imports_it() {
    let modules = modules();
    assert!(modules.contains_key(&vec!["scan".to_string(), "event".to_string()]));
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (name, code) in &modules {
        for path in paths(code) {
            if let Some(t) = target(name, &path, &modules) {
                edges.entry(name.clone()).or_default().insert(t);
            }
        }
    }
    // Depth-first search for a cycle; report the first one, as a chain of modules.
    fn visit(
        n: &Vec<String>,
        edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        state: &mut BTreeMap<Vec<String>, u8>,
        stack: &mut Vec<Vec<String>>,
    ) -> Option<Vec<Vec<String>>> {
        state.insert(n.clone(), 1);
        stack.push(n.clone());
        for t in edges.get(n).into_iter().flatten() {
            match state.get(t) {
                Some(1) => {
                    let at = stack.iter().position(|s| s == t).unwrap();
                    let mut cycle = stack[at..].to_vec();
                    cycle.push(t.clone());
                    return Some(cycle);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(t, edges, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(n.clone(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in modules.keys() {
        if !state.contains_key(n) {
            if let Some(cycle) = visit(n, &edges, &mut state, &mut Vec::new()) {
                let chain: Vec<String> = cycle
                    .iter()
                    .map(|m| {
                        if m.is_empty() {
                            "crate".to_string()
                        } else {
                            m.join("::")
                        }
                    })
                    .collect();
                panic!("import cycle: {}", chain.join(" -> "));
            }
        }
    }
}

#[test]
fn paths_are_read_from_use_groups() {
    let got = paths("use super::{a, b::{c, d}};\nlet x = crate::scan::time::find(y); // crate::no");
    let want: Vec<Vec<&str>> = vec![
        vec!["super", "a"],
        vec!["super", "b", "c"],
        vec!["super", "b", "d"],
        vec!["crate", "scan", "time", "find"],
    ];
    let got: Vec<Vec<&str>> = got.iter().map(|p| p.iter().map(String::as_str).collect()).collect();
    // Comments are stripped before paths are read; here the whole text is code.
    assert_eq!(got[..4], want[..]);
}
