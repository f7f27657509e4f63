//! The config file: `aadlint.toml` or `.aadlint.toml`, found by walking up from the working
//! directory (or named with `--config`), so that a repository sets its gate, its folder-scan
//! globs and its accepted problems once for every run. Command-line options win over it. An
//! unknown key or a bad value is an error naming `path:line:col`.
//!
//! ```toml
//! fail-on = ["error", "reused-device-code"]
//! format = "github"
//! rules = "aadlint-rules"          # relative to this file
//! include = ["*.log", "*.log.gz"]  # files read when a folder is scanned (default: all)
//! extend-exclude = ["*.har"]       # added to the default excludes (`exclude` replaces them)
//!
//! [[layout]]                       # the record layout of some inputs
//! path = "services/*.jsonl"
//! name = "structlog-json"
//!
//! [[ignore]]                       # see the `ignore` module
//! cause = "device-code-in-automation"
//! path = "logs/nightly-*.log"
//! reason = "the nightly job signs in by hand until #42 lands"
//! expires = 2027-01-31
//! ```

pub mod ignore;
mod span;

use crate::gate::{parse_fail_on, FailOn};
use crate::input::{Select, DEFAULT_EXCLUDE};
use crate::report::Format;
use crate::rules::Catalog;
use ignore::{IgnoreEntry, RawEntry};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The names a config file may have, in the order they are looked for in each directory.
pub const FILE_NAMES: [&str; 2] = ["aadlint.toml", ".aadlint.toml"];

/// `fail-on` as one string or a list, each value with where it is written.
#[derive(Debug)]
struct FailOnValues(Vec<toml::Spanned<String>>);

impl<'de> Deserialize<'de> for FailOnValues {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Vec<toml::Spanned<String>>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                // The one value takes the position of the key's value, set below.
                Ok(vec![toml::Spanned::new(0..0, v.to_string())])
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<toml::Spanned<String>>()? {
                    out.push(v);
                }
                Ok(out)
            }
        }
        d.deserialize_any(Visit).map(FailOnValues)
    }
}

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    fail_on: Option<toml::Spanned<FailOnValues>>,
    include: Option<Vec<String>>,
    exclude: Option<Vec<String>>,
    #[serde(default)]
    extend_exclude: Vec<String>,
    rules: Option<String>,
    format: Option<toml::Spanned<String>>,
    #[serde(default)]
    layout: Vec<LayoutOverride>,
    #[serde(default)]
    ignore: Vec<toml::Spanned<RawEntry>>,
}

/// A `[[layout]]` entry: inputs whose path matches `path` are read with the record layout `name`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LayoutOverride {
    /// A glob of input paths, as reported.
    pub path: String,
    /// The layout's name (as `--layout` takes it).
    pub name: String,
}

impl LayoutOverride {
    /// The compiled `path` glob (checked when the file was loaded).
    pub fn matcher(&self) -> globset::GlobMatcher {
        globset::Glob::new(&self.path)
            .unwrap_or_else(|_| globset::Glob::new("").expect("the empty glob is valid"))
            .compile_matcher()
    }
}

/// A loaded config file.
#[derive(Debug)]
pub struct Config {
    /// The file, as shown in messages.
    pub path: String,
    text: String,
    fail_on: Vec<toml::Spanned<String>>,
    raw_ignore: Vec<toml::Spanned<RawEntry>>,
    /// Which files folder scans read.
    pub select: Select,
    /// The rules folder, resolved against the file's directory.
    pub rules: Option<PathBuf>,
    /// The default report format.
    pub format: Option<Format>,
    /// Per-glob record layouts, in file order (the first match wins).
    pub layouts: Vec<LayoutOverride>,
}

/// Finds the config file for `dir`: the first `aadlint.toml` or `.aadlint.toml` in `dir` or one
/// of its ancestors, and how to show it relative to `dir` (`aadlint.toml`, `../../aadlint.toml`).
/// Both names in one directory is an error: which one counts would be a guess.
pub fn discover(dir: &Path) -> Result<Option<(PathBuf, String)>, String> {
    for (depth, d) in dir.ancestors().enumerate() {
        let found: Vec<&str> = FILE_NAMES.iter().copied().filter(|n| d.join(n).is_file()).collect();
        match found.as_slice() {
            [] => continue,
            [one] => return Ok(Some((d.join(one), format!("{}{one}", "../".repeat(depth))))),
            _ => {
                return Err(format!(
                    "both {} and {} are in {}: keep one",
                    FILE_NAMES[0],
                    FILE_NAMES[1],
                    d.display()
                ))
            }
        }
    }
    Ok(None)
}

impl Config {
    /// Reads and checks the file at `path` (everything but what needs the catalog: `fail-on` and
    /// `ignore`, see [`Config::fail_on`] and [`Config::ignore_entries`]).
    pub fn load(path: &Path) -> Result<Config, String> {
        Config::load_as(path, &path.display().to_string())
    }

    /// [`Config::load`], naming the file `shown` in messages.
    pub fn load_as(path: &Path, shown: &str) -> Result<Config, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read the config file {shown}: {e}"))?;
        Config::parse(shown, text, path.parent().unwrap_or(Path::new(".")))
    }

    /// Parses config text; `shown` names it in errors, relative paths are resolved against `dir`.
    pub fn parse(shown: &str, text: String, dir: &Path) -> Result<Config, String> {
        let raw: RawConfig = toml::from_str(&text).map_err(|e| span::toml_error(shown, &text, &e))?;
        let format = match raw.format {
            None => None,
            Some(f) => Some(<Format as clap::ValueEnum>::from_str(f.get_ref(), true).map_err(|_| {
                let names: Vec<String> = <Format as clap::ValueEnum>::value_variants()
                    .iter()
                    .filter_map(|v| clap::ValueEnum::to_possible_value(v).map(|p| p.get_name().to_string()))
                    .collect();
                span::at(
                    shown,
                    &text,
                    f.span().start,
                    &format!("format {:?}: expected one of {}", f.get_ref(), names.join(", ")),
                )
            })?),
        };
        let mut exclude = raw
            .exclude
            .unwrap_or_else(|| DEFAULT_EXCLUDE.iter().map(|g| g.to_string()).collect());
        exclude.extend(raw.extend_exclude);
        let select = Select::new(raw.include.as_deref(), &exclude).map_err(|e| format!("{shown}: {e}"))?;
        for l in &raw.layout {
            globset::Glob::new(&l.path).map_err(|e| format!("{shown}: [[layout]] path {:?}: {}", l.path, e.kind()))?;
        }
        let fail_on = match raw.fail_on {
            None => Vec::new(),
            Some(values) => {
                let at = values.span();
                let values = values.into_inner().0;
                values
                    .into_iter()
                    .map(|v| match v.span() {
                        s if s.is_empty() => toml::Spanned::new(at.clone(), v.into_inner()),
                        _ => v,
                    })
                    .collect()
            }
        };
        Ok(Config {
            path: shown.to_string(),
            fail_on,
            raw_ignore: raw.ignore,
            select,
            rules: raw.rules.map(|r| dir.join(r)),
            format,
            layouts: raw.layout,
            text,
        })
    }

    /// `fail-on`, checked against `catalog`; an invalid value is an error at its position.
    pub fn fail_on(&self, catalog: &Catalog) -> Result<Vec<FailOn>, String> {
        let mut out = Vec::new();
        for v in &self.fail_on {
            let parsed = parse_fail_on(std::slice::from_ref(v.get_ref()), catalog, "fail-on")
                .map_err(|e| span::at(&self.path, &self.text, v.span().start, &e))?;
            out.extend(parsed);
        }
        Ok(out)
    }

    /// The `[[ignore]]` entries, checked against `catalog`.
    pub fn ignore_entries(&self, catalog: &Catalog) -> Result<Vec<IgnoreEntry>, String> {
        self.raw_ignore
            .iter()
            .map(|e| IgnoreEntry::parse(e.get_ref().clone(), &self.path, &self.text, e.span().start, catalog))
            .collect()
    }

    /// The layout `[[layout]]` names for an input path, if one of its globs matches.
    pub fn layout_for(&self, path: &str) -> Option<&str> {
        let path = path.strip_prefix("./").unwrap_or(path);
        self.layouts
            .iter()
            .find(|l| l.matcher().is_match(path))
            .map(|l| l.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse("aadlint.toml", text.to_string(), Path::new("/repo"))
    }

    #[test]
    fn every_key_is_read() {
        let c = parse(
            "fail-on = [\"error\", \"AADSTS50076\"]\nformat = \"SARIF\"\nrules = \"r\"\ninclude = [\"*.log\"]\n\
             extend-exclude = [\"old/**\"]\n[[layout]]\npath = \"svc/*.jsonl\"\nname = \"structlog-json\"\n\
             [[ignore]]\ncode = \"50076\"\nreason = \"MFA is expected\"\n",
        )
        .unwrap();
        assert_eq!(c.format, Some(Format::Sarif));
        assert_eq!(c.rules.as_deref(), Some(Path::new("/repo/r")));
        assert_eq!(c.fail_on(Catalog::builtin()).unwrap().len(), 2);
        assert_eq!(c.layout_for("./svc/a.jsonl"), Some("structlog-json"));
        assert_eq!(c.layout_for("svc/a.log"), None);
        assert_eq!(c.ignore_entries(Catalog::builtin()).unwrap().len(), 1);
        assert!(c.select.admits(Path::new("a.log"), Path::new("x/a.log")));
        assert!(!c.select.admits(Path::new("a.txt"), Path::new("x/a.txt")));
        assert!(!c.select.admits(Path::new("old/a.log"), Path::new("x/old/a.log")));
        assert!(!c.select.admits(Path::new("LABELS.tsv"), Path::new("x/LABELS.tsv")));
        let under_logs = parse("include = [\"logs/*.log\"]\n").unwrap();
        assert!(under_logs.select.admits(Path::new("a.log"), Path::new("./logs/a.log")));
        assert!(!under_logs.select.admits(Path::new("a.log"), Path::new("./old/a.log")));
    }

    #[test]
    fn errors_name_the_position() {
        let cases = [
            (
                "fail-on = \"error\"\nfial-on = 1\n",
                "aadlint.toml:2:1: unknown field `fial-on`",
            ),
            (
                "format = \"xml\"\n",
                "aadlint.toml:1:10: format \"xml\": expected one of table, concise, json",
            ),
            (
                "fail-on = [\"error\", \"\"]\n",
                "aadlint.toml:1:21: fail-on: an empty value",
            ),
            (
                "fail-on = [\"AADSTS12345678\"]\n",
                "aadlint.toml:1:12: fail-on \"AADSTS12345678\": not a code",
            ),
            (
                "[[layout]]\npath = \"*.log\"\nname = \"x\"\nlayout = \"y\"\n",
                "aadlint.toml:4:1: unknown field `layout`",
            ),
            ("include = \"*.log\"\n", "aadlint.toml:1:11: invalid type"),
        ];
        for (text, want) in cases {
            let e = parse(text)
                .and_then(|c| c.fail_on(Catalog::builtin()).map(|_| ()))
                .unwrap_err();
            assert!(e.starts_with(want), "{text:?}: {e}");
        }
    }

    #[test]
    fn discovery_walks_up_and_refuses_two_names() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        assert_eq!(
            discover(&deep).unwrap().filter(|(p, _)| p.starts_with(dir.path())),
            None
        );
        std::fs::write(dir.path().join("a/.aadlint.toml"), "").unwrap();
        let found = (dir.path().join("a/.aadlint.toml"), "../.aadlint.toml".to_string());
        assert_eq!(discover(&deep).unwrap(), Some(found));
        std::fs::write(dir.path().join("a/aadlint.toml"), "").unwrap();
        assert!(discover(&deep).unwrap_err().contains("keep one"));
    }
}
