//! Compiles every file under `rules/` into the binary: writes `$OUT_DIR/builtin_rules.rs`, a
//! sorted list of `(relative path, include_str!(...))` pairs.

use std::path::{Path, PathBuf};
use std::{env, fs};

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
    let mut files = Vec::new();
    collect(&rules, &mut files);
    files.sort();
    let mut code = String::from("/// Every rule file shipped in `rules/`, as (path relative to `rules/`, contents).\n");
    code.push_str("pub static BUILTIN: &[(&str, &str)] = &[\n");
    for file in &files {
        let rel = file.strip_prefix(&rules).unwrap().to_string_lossy().replace('\\', "/");
        code.push_str(&format!(
            "    ({rel:?}, include_str!({:?})),\n",
            file.display().to_string()
        ));
        println!("cargo:rerun-if-changed={}", file.display());
    }
    code.push_str("];\n");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("builtin_rules.rs");
    fs::write(out, code).unwrap();
}
