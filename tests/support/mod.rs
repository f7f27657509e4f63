//! What several integration tests need: the files of a rules folder, the logs of the fixtures.

#![allow(dead_code)] // each test binary uses its own part

use std::path::{Path, PathBuf};

/// The files under `dirs` (searched recursively) whose names end in `.ext`, sorted.
pub fn files_under(dirs: &[&str], ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = dirs.iter().map(PathBuf::from).collect();
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == ext) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Every rule file of a `rules/` folder, parsed as `T`, with its path.
pub fn rule_files<T: serde::de::DeserializeOwned>(dir: &str) -> Vec<(String, T)> {
    files_under(&[dir], "toml")
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let rule = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p.display().to_string(), rule)
        })
        .collect()
}

/// The file stem of a path, for rule files named after their id.
pub fn stem(path: &str) -> &str {
    Path::new(path).file_stem().unwrap().to_str().unwrap()
}

/// The raw secrets the fixtures hold (`fixtures/SECRETS.txt`, one a line, `#` comments): none may
/// appear in any output.
pub fn fixture_secrets() -> Vec<String> {
    std::fs::read_to_string("fixtures/SECRETS.txt")
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}
