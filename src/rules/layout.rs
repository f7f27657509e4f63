//! Log layout rules (`rules/layouts/<name>.toml`): how the envelope of a record looks in one
//! layout (its time, level, host, app, pid, thread and logger), as data. The scanner's record
//! layer (`scan::record`) compiles them; `aadlint layouts` lists them.

use serde::Deserialize;
use std::collections::BTreeMap;

/// The fields an envelope can carry, in the order reports list them. A text layout names its
/// captures after them; JSON and logfmt layouts list the keys that hold each.
pub const FIELDS: [&str; 8] = ["time", "level", "host", "app", "pid", "thread", "logger", "message"];

/// One log layout.
#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct LayoutRule {
    /// The layout's name (equals the file name): `syslog`, `pino`, `spring-boot`, ...
    pub layout: String,
    /// One line: which programs write it.
    pub summary: String,
    /// A text layout: a regular expression over the whole line whose named captures are
    /// [`FIELDS`] (and `inner`, for a wrapper layout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// A JSON-lines layout: the keys (dotted for nested objects) that hold each field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<FieldKeys>,
    /// A logfmt layout (`key=value key="quoted value"`): the keys that hold each field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logfmt: Option<FieldKeys>,
    /// How the time field is written: `auto` (ISO 8601, RFC 1123, syslog and more), `klog`
    /// (`MMDD hh:mm:ss.ffffff`), `epoch` (seconds, milliseconds or nanoseconds as a number).
    #[serde(default = "auto", skip_serializing_if = "is_auto")]
    pub time_format: String,
    /// The layout wraps another program's lines (a CI step log, Docker, CRI): its `inner`
    /// capture (or message) is read again with the other layouts.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub wraps: bool,
    /// Every line the layout reads starts a record, though its envelope names nothing: a shell
    /// trace's `+ command` is one step, whatever lines follow it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub starts_records: bool,
    /// The layout writes a long line in fragments (Kubernetes CRI's `P` and `F` lines): one entry
    /// per stream, whose fragments join into one record (`scan::partial`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partial: Vec<PartialStream>,
    /// How a record is written in this layout, `{field}` standing for each field: used by the
    /// tests that re-render logs from one layout into another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// Lines in this layout with the fields each must give (`time` as RFC 3339 UTC). Checked by
    /// `tests/layouts.rs`; left out of the binary.
    #[serde(default, skip_serializing)]
    pub samples: Vec<LayoutSample>,
}

fn auto() -> String {
    "auto".into()
}

fn is_auto(s: &String) -> bool {
    s == "auto"
}

/// The keys of a structured layout, field by field (each a list: the first present wins).
#[derive(Clone, Debug, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct FieldKeys {
    /// Keys of the record's time.
    #[serde(default)]
    pub time: Vec<String>,
    /// Keys of its level.
    #[serde(default)]
    pub level: Vec<String>,
    /// Keys of the host, machine or pod.
    #[serde(default)]
    pub host: Vec<String>,
    /// Keys of the program, service or process name.
    #[serde(default)]
    pub app: Vec<String>,
    /// Keys of the process id.
    #[serde(default)]
    pub pid: Vec<String>,
    /// Keys of the thread name or id.
    #[serde(default)]
    pub thread: Vec<String>,
    /// Keys of the logger or category.
    #[serde(default)]
    pub logger: Vec<String>,
    /// Keys of the message.
    #[serde(default)]
    pub message: Vec<String>,
    /// Keys that a line must hold to be in this layout (they tell it from other JSON layouts).
    #[serde(default)]
    pub require: Vec<String>,
}

impl FieldKeys {
    /// The keys of `field` (one of [`FIELDS`]).
    pub fn of(&self, field: &str) -> &[String] {
        match field {
            "time" => &self.time,
            "level" => &self.level,
            "host" => &self.host,
            "app" => &self.app,
            "pid" => &self.pid,
            "thread" => &self.thread,
            "logger" => &self.logger,
            "message" => &self.message,
            _ => &[],
        }
    }
}

/// One stream of a layout that writes long lines in fragments. A line holding `continued` right
/// before its message goes on in the next line of the same stream; a line holding `end` there
/// ends the record (or is a whole record when no fragment came before it).
#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct PartialStream {
    /// What stands before the message of a fragment that the next line continues (` stdout P `).
    pub continued: String,
    /// What stands there on the line that ends a record (` stdout F `).
    pub end: String,
}

/// A sample line of a layout and the fields it must give.
#[derive(Clone, Debug, Deserialize)]
pub struct LayoutSample {
    /// The line as the program writes it.
    pub line: String,
    /// Field name to expected value; a field not listed must be absent.
    #[serde(flatten)]
    pub fields: BTreeMap<String, String>,
}

impl LayoutRule {
    /// What the fields alone do not say: exactly one way of reading, captures from [`FIELDS`].
    pub fn validate(&self, stem: &str) -> Result<(), String> {
        self.validate_fields(stem)?;
        self.validate_pattern()
    }

    /// [`validate`](Self::validate) but for the pattern's compilation: what a built-in layout,
    /// whose pattern the meta-test compiles, is checked for at start-up (compiling 35 patterns
    /// with Unicode classes took 167 million instructions, 44% of a scan of a 40 MB log).
    pub fn validate_fields(&self, stem: &str) -> Result<(), String> {
        if self.layout != stem {
            return Err(format!("layout {:?} must equal the file name {stem:?}", self.layout));
        }
        let readers = [self.pattern.is_some(), self.json.is_some(), self.logfmt.is_some()];
        if readers.iter().filter(|&&r| r).count() != 1 {
            return Err("a layout needs exactly one of `pattern`, `json` or `logfmt`".into());
        }
        if !["auto", "klog", "epoch"].contains(&self.time_format.as_str()) {
            return Err(format!("time_format {:?} is not auto, klog or epoch", self.time_format));
        }
        self.validate_partial()
    }

    /// Fragments are told by literals before a text layout's message: each non-empty, and no
    /// two alike (one of them ending another would tell a line's stream or tag wrong).
    fn validate_partial(&self) -> Result<(), String> {
        if self.partial.is_empty() {
            return Ok(());
        }
        if self.pattern.is_none() {
            return Err("`partial` needs a `pattern` (the literals stand before its message)".into());
        }
        let literals: Vec<&str> = self
            .partial
            .iter()
            .flat_map(|s| [s.continued.as_str(), s.end.as_str()])
            .collect();
        for (i, a) in literals.iter().enumerate() {
            if a.trim().is_empty() {
                return Err("a `partial` literal is empty".into());
            }
            if let Some(b) = literals[i + 1..].iter().find(|b| a.ends_with(**b) || b.ends_with(*a)) {
                return Err(format!("`partial` literals {a:?} and {b:?} cannot be told apart"));
            }
        }
        Ok(())
    }

    /// Whether the pattern compiles and names only known fields.
    pub fn validate_pattern(&self) -> Result<(), String> {
        if let Some(p) = &self.pattern {
            let re = regex::Regex::new(p).map_err(|e| format!("pattern does not compile: {e}"))?;
            if let Some(bad) = re
                .capture_names()
                .flatten()
                .find(|n| !FIELDS.contains(n) && *n != "inner" && !n.starts_with('_'))
            {
                return Err(format!(
                    "capture {bad:?} is not one of {FIELDS:?}, `inner` or a `_`-prefixed helper"
                ));
            }
        }
        Ok(())
    }
}
