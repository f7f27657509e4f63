//! Compiles every file under `rules/` into the binary: writes `$OUT_DIR/builtin_rules.rs`, a
//! sorted list of `(relative path, kind, rule as JSON)`. The TOML is read here, once, so that a
//! run parses JSON (several times faster) instead; a built-in file that is not TOML fails the build.
//! The secret shapes of `rules/secrets/` go to `$OUT_DIR/secret_shapes.rs` instead.
//! A code's `examples` are left out: they are for the tests, which read them from the TOML, and
//! they are half of the catalog's text, which every run would otherwise parse.
//! The text layouts' patterns are also compiled here, into the one automaton that tells which of
//! them a line's head may be in (`$OUT_DIR/layout_heads.dfa`, see `src/scan/record.rs`).

use regex_automata::dfa::{dense, StartKind};
use regex_automata::nfa::thompson::{self, WhichCaptures};
use regex_automata::util::syntax;
use regex_automata::MatchKind;
use std::path::{Path, PathBuf};
use std::{env, fs};

/// Compiles the built-in text layouts' patterns (in the order of their layout names) into one
/// sparse DFA that reports every pattern matching at the start of a line, as
/// `src/scan/record.rs`'s `HeadSet` compiles them at run time for layouts of `--rules`: the
/// automaton costs 33 ms here and nothing at start (2.4 ms at every start when compiled lazily
/// there). Writes it to `$OUT_DIR/layout_heads.dfa` and returns the Rust item that names it.
fn layout_heads(mut layouts: Vec<(String, String)>, out_dir: &Path) -> String {
    layouts.sort();
    let patterns: Vec<&str> = layouts.iter().map(|(_, p)| p.as_str()).collect();
    let nfa = thompson::Compiler::new()
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .configure(thompson::Config::new().utf8(false).which_captures(WhichCaptures::None))
        .build_many(&patterns)
        .unwrap_or_else(|e| panic!("a layout pattern does not compile: {e}"));
    let anchored = nfa.is_always_start_anchored();
    let start = if anchored {
        StartKind::Anchored
    } else {
        StartKind::Unanchored
    };
    let dense = dense::Builder::new()
        .configure(dense::Config::new().match_kind(MatchKind::All).start_kind(start))
        .build_from_nfa(&nfa)
        .unwrap_or_else(|e| panic!("the layout patterns make no DFA: {e}"));
    let dfa = dense
        .to_sparse()
        .unwrap_or_else(|e| panic!("the layout patterns make no sparse DFA: {e}"));
    let bytes = match env::var("CARGO_CFG_TARGET_ENDIAN").as_deref() {
        Ok("big") => dfa.to_bytes_big_endian(),
        _ => dfa.to_bytes_little_endian(),
    };
    let path = out_dir.join("layout_heads.dfa");
    fs::write(&path, bytes).unwrap();
    format!(
        "/// The built-in text layouts' patterns, the automaton of their heads (a sparse DFA built by\n\
         /// `build.rs`) and whether every pattern is anchored at the line's start.\n\
         pub static LAYOUT_HEADS: (&[&str], &[u8], bool) = (&{patterns:?}, include_bytes!({path:?}), {anchored});\n"
    )
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
}

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let rules = root.join("rules");
    println!("cargo:rerun-if-changed=rules");
    // The prefilter's literals, read from its source, to check client phrases against.
    let prefilter = root.join("src/scan/prefilter.rs");
    println!("cargo:rerun-if-changed={}", prefilter.display());
    let source = fs::read_to_string(&prefilter).unwrap();
    let list = &source[source.find("const PRIMARY").expect("PRIMARY in prefilter.rs")..];
    let list = &list[..list.find("];").unwrap()];
    let primary: Vec<&str> = list.split('"').skip(1).step_by(2).collect();
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    let mut files = Vec::new();
    collect(&rules, &mut files);
    files.sort();
    let mut code = String::from(
        "/// Every rule file shipped in `rules/`: (path relative to `rules/`, `code`, `cause` or `layout`, its\n\
         /// contents as JSON).\n",
    );
    code.push_str("pub static BUILTIN: &[(&str, &str, &str)] = &[\n");
    // The secret shapes (`rules/secrets/`) are the redactor's, not rules: they go to a file of
    // their own, as JSON (like the rules below) that the redactor parses on first use; parsing
    // their TOML at every start cost more than building their searchers.
    let (shapes, files): (Vec<PathBuf>, Vec<PathBuf>) = files
        .into_iter()
        .partition(|f| f.strip_prefix(&rules).is_ok_and(|r| r.starts_with("secrets")));
    let mut shape_code = String::from("/// Every secret shape in `rules/secrets/`: (file name, its fields as JSON).\n");
    shape_code.push_str("pub static SHAPES: &[(&str, &str)] = &[\n");
    for file in &shapes {
        let name = file.file_name().unwrap().to_string_lossy();
        let text = fs::read_to_string(file).unwrap_or_else(|e| panic!("rules/secrets/{name}: {e}"));
        let table = toml::from_str::<toml::Table>(&text)
            .unwrap_or_else(|e| panic!("rules/secrets/{name} is not valid TOML: {e}"));
        let json = serde_json::to_string(&table).unwrap();
        shape_code.push_str(&format!("    ({name:?}, {json:?}),\n"));
        println!("cargo:rerun-if-changed={}", file.display());
    }
    shape_code.push_str("];\n");
    fs::write(out_dir.join("secret_shapes.rs"), shape_code).unwrap();
    let mut text_layouts = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&rules).unwrap().to_string_lossy().replace('\\', "/");
        let text = fs::read_to_string(file).unwrap_or_else(|e| panic!("rules/{rel}: {e}"));
        let mut table: toml::Table =
            toml::from_str(&text).unwrap_or_else(|e| panic!("rules/{rel} is not valid TOML: {e}"));
        let kind = if table.contains_key("code") {
            "code"
        } else if table.contains_key("layout") {
            // A layout that writes fragments tells them by literals before the message, which a
            // text pattern places (the rules loader and `tests/layouts.rs` check the rest).
            for stream in table.get("partial").and_then(|p| p.as_array()).into_iter().flatten() {
                for key in ["continued", "end"] {
                    let literal = stream.get(key).and_then(|l| l.as_str()).unwrap_or_default();
                    assert!(
                        !literal.trim().is_empty(),
                        "rules/{rel}: a `partial` stream needs a `{key}` literal"
                    );
                }
                assert!(
                    table.contains_key("pattern"),
                    "rules/{rel}: `partial` needs a `pattern`"
                );
            }
            if let (Some(name), Some(pattern)) = (table["layout"].as_str(), table.get("pattern")) {
                text_layouts.push((name.to_string(), pattern.as_str().unwrap_or_default().to_string()));
            }
            "layout"
        } else if table.contains_key("client") {
            // A line holding a client's phrase must reach the parser: every phrase holds one of
            // the prefilter's literals or of the file's own `literals`.
            let own: Vec<&str> = table
                .get("literals")
                .and_then(|l| l.as_array())
                .into_iter()
                .flatten()
                .filter_map(|l| l.as_str())
                .collect();
            // (An HTTP answer line is looked for only below its request: `response` phrases
            // need no literal.)
            for (event, phrase) in table.get("phrases").and_then(|p| p.as_table()).into_iter().flatten() {
                for p in phrase.as_array().into_iter().flatten() {
                    let p = p.as_str().unwrap_or_default();
                    assert!(p.len() >= 8, "rules/{rel}: phrase {p:?} is shorter than 8 bytes");
                    assert!(
                        event == "response" || primary.iter().chain(&own).any(|l| p.contains(l)),
                        "rules/{rel}: phrase {p:?} holds no prefilter literal: add a part of it to `literals`"
                    );
                }
            }
            "client"
        } else {
            "cause"
        };
        table.remove("examples");
        table.remove("samples");
        let json = serde_json::to_string(&table).unwrap();
        code.push_str(&format!("    ({rel:?}, {kind:?}, {json:?}),\n"));
        println!("cargo:rerun-if-changed={}", file.display());
    }
    code.push_str("];\n");
    code.push_str(&layout_heads(text_layouts, &out_dir));
    fs::write(out_dir.join("builtin_rules.rs"), code).unwrap();
}
