//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
//!
//! One run. `tool.driver.rules[]` describes every rule that has a result (in the order of first
//! use); `results[]` holds the results chosen in [`super::ci`]: findings, then AADSTS codes of
//! severity error. Locations are relative URIs (percent-encoded) when the input lies under the
//! current directory, `file://` URIs otherwise. `partialFingerprints` are built from the rule id
//! and the flow id (or, for a code, its file), never from line numbers, so scanning the same log
//! again yields the same fingerprints and code scanning does not open duplicate alerts.
//! Unreadable inputs and dropped events become `invocations[0].toolExecutionNotifications`.

use super::ci::{self, CiResult, Subject};
use super::Style;
use crate::analysis::{Analysis, CodeSummary, Finding};
use crate::model::Severity;
use serde::ser::{SerializeSeq, Serializer};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};

/// The `$schema` written into the document (the one GitHub's documentation uses).
pub const SARIF_SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where the tool is described: the crate's repository or homepage when `Cargo.toml` names one.
fn information_uri() -> &'static str {
    match (env!("CARGO_PKG_REPOSITORY"), env!("CARGO_PKG_HOMEPAGE")) {
        (r, _) if !r.is_empty() => r,
        (_, h) if !h.is_empty() => h,
        _ => concat!("https://crates.io/crates/", env!("CARGO_PKG_NAME")),
    }
}

/// Microsoft's page on the device authorization grant: the background of every root cause.
const DEVICE_FLOW_DOCS: &str = "https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// `polled-after-success` -> `PolledAfterSuccess`.
fn pascal(id: &str) -> String {
    id.split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map_or(String::new(), |f| f.to_ascii_uppercase().to_string() + c.as_str())
        })
        .collect()
}

fn sentence(s: &str) -> String {
    let s = s.trim();
    if s.ends_with(['.', '!', '?']) {
        s.to_string()
    } else {
        format!("{s}.")
    }
}

/// Cuts `s` to at most `max` characters (GitHub limits `fullDescription` to 1000).
fn at_most(s: String, max: usize) -> String {
    if s.chars().count() <= max {
        s
    } else {
        let cut: String = s.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

/// A path as a URI reference: percent-encodes everything but unreserved characters and `/`,
/// so `:` (which would read as a scheme), spaces, `#`, `%`, `,`, `;`, `]` and non-ASCII bytes are
/// safe. Absolute paths become `file://` URIs.
pub(crate) fn uri(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    if path.starts_with('/') {
        out.push_str("file://");
    } else if std::path::Path::new(path).is_absolute() {
        // A Windows drive path: keep `C:` as the URI's first segment.
        out.push_str("file:///");
        if let Some((drive, tail)) = path.split_once(':') {
            out.push_str(drive);
            out.push(':');
            rest = tail;
        }
    }
    for b in rest.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A physical location; `snippet` is the redacted log line, shown by viewers when the log is
/// not in the repository.
fn physical(path: &str, line: u64, snippet: Option<&str>) -> Value {
    let mut loc = Map::new();
    loc.insert("artifactLocation".into(), json!({ "uri": uri(path) }));
    if line >= 1 {
        let mut region = Map::new();
        region.insert("startLine".into(), json!(line));
        if let Some(text) = snippet {
            region.insert("snippet".into(), json!({ "text": text }));
        }
        loc.insert("region".into(), Value::Object(region));
    }
    Value::Object(loc)
}

fn finding_rule(f: &Finding) -> Value {
    let title = sentence(&f.title);
    let fix = f.fix.trim();
    json!({
        "id": f.cause,
        "name": pascal(f.cause.as_str()),
        "shortDescription": { "text": title },
        "fullDescription": { "text": at_most(format!(
            "{title} aadlint reports it for a device code flow when the log shows it; `aadlint explain {}` says what it looks for and why it breaks sign-in.",
            f.cause
        ), 1000) },
        "help": {
            "text": format!("{fix}\n\nDetails: aadlint explain {}", f.cause),
            "markdown": format!("**Fix**\n\n{}\n\nDetails: `aadlint explain {}`", super::markdown::fix_markdown(fix), f.cause),
        },
        "helpUri": DEVICE_FLOW_DOCS,
        "defaultConfiguration": { "level": level(f.severity) },
        "properties": { "tags": ["entra-id", "device-code-flow"] },
    })
}

fn code_rule(c: &CodeSummary) -> Value {
    let meaning = sentence(&c.meaning);
    let fix = c.fix.as_deref().map_or_else(
        || "aadlint's catalog has no fix for this code; Microsoft's page may.".to_string(),
        |f| f.trim().to_string(),
    );
    let named = if c.name.is_empty() {
        c.code.clone()
    } else {
        format!("{} ({})", c.code, c.name)
    };
    let mut rule = Map::new();
    rule.insert("id".into(), json!(c.code));
    // SARIF1001: a name identical to the id must be left out.
    if !c.name.is_empty() {
        rule.insert("name".into(), json!(c.name));
    }
    rule.insert("shortDescription".into(), json!({ "text": meaning }));
    rule.insert(
        "fullDescription".into(),
        json!({ "text": at_most(format!(
            "{named}: {meaning} Category: {}. Usually fixed by: {}.",
            c.category, c.fixed_by
        ), 1000) }),
    );
    rule.insert(
        "help".into(),
        json!({
            "text": format!("{fix}\n\nMicrosoft's page: {}\nEvery known cause and its fix: aadlint explain {}", c.docs_url, c.code),
            "markdown": format!("**Fix**\n\n{}\n\n[Microsoft's page]({}). Every known cause and its fix: `aadlint explain {}`", super::markdown::fix_markdown(&fix), c.docs_url, c.code),
        }),
    );
    rule.insert("helpUri".into(), json!(c.docs_url));
    rule.insert("defaultConfiguration".into(), json!({ "level": level(c.severity) }));
    rule.insert("properties".into(), json!({ "tags": ["entra-id", c.category] }));
    Value::Object(rule)
}

fn result(r: &CiResult<'_>, rule_index: usize, root: Option<&std::path::Path>) -> Value {
    let mut v = Map::new();
    v.insert("ruleId".into(), json!(r.rule_id));
    v.insert("ruleIndex".into(), json!(rule_index));
    v.insert("level".into(), json!(level(r.severity)));
    v.insert("message".into(), json!({ "text": r.message }));
    if !r.location.path.is_empty() {
        let snippet = match r.subject {
            Subject::Finding(f) => f.evidence.first().map(|e| e.excerpt.as_str()),
            Subject::Code(_) => None,
        };
        v.insert(
            "locations".into(),
            json!([{ "physicalLocation": physical(&r.location.path, r.location.line, snippet) }]),
        );
    }
    match r.subject {
        Subject::Finding(f) => {
            let related: Vec<Value> = f
                .evidence
                .iter()
                .skip(1)
                .enumerate()
                .map(|(i, e)| {
                    json!({
                        "id": i + 1,
                        "physicalLocation": physical(&ci::shown_path(&e.path, root), e.line, Some(&e.excerpt)),
                    })
                })
                .collect();
            if !related.is_empty() {
                v.insert("relatedLocations".into(), Value::Array(related));
            }
            v.insert("partialFingerprints".into(), fingerprints(&r.fingerprint, &f.flow));
            v.insert(
                "properties".into(),
                json!({ "flow": f.flow, "workers": f.workers, "follows": f.follows }),
            );
        }
        Subject::Code(c) => {
            v.insert("partialFingerprints".into(), fingerprints(&r.fingerprint, ""));
            v.insert(
                "properties".into(),
                json!({
                    "occurrences": c.occurrences + c.bare_occurrences,
                    "failures": c.failures,
                    "lines": c.locations_total,
                }),
            );
        }
    }
    Value::Object(v)
}

/// `primaryLocationLineHash` is the key GitHub code scanning matches alerts on; aadlint fills it
/// with its own stable value (rule and flow) so that `upload-sarif` does not hash log lines,
/// whose timestamps change every run. `aadlintFlow/v1` names the flow alone.
fn fingerprints(value: &str, flow: &str) -> Value {
    let mut m = Map::new();
    m.insert("primaryLocationLineHash".into(), json!(value));
    if !flow.is_empty() {
        m.insert("aadlintFlow/v1".into(), json!(flow));
    }
    Value::Object(m)
}

fn notifications(a: &Analysis, style: Style<'_>) -> Vec<Value> {
    let mut out = Vec::new();
    for i in a.inputs.iter().filter(|i| i.error.is_some()) {
        let path = ci::shown_path(&i.path, style.root);
        out.push(json!({
            "level": "error",
            "message": { "text": super::unreadable(&path, i.error.as_deref()) },
            "locations": [{ "physicalLocation": physical(&path, 0, None) }],
        }));
    }
    if let Some(note) = super::events_dropped(&a.limits) {
        out.push(json!({ "level": "warning", "message": { "text": note } }));
    }
    out
}

/// The `results` of the run, made and written one at a time.
struct Results<'a> {
    analysis: &'a Analysis,
    root: Option<&'a std::path::Path>,
    /// Each rule id's index in `tool.driver.rules`.
    rule_index: HashMap<&'a str, usize>,
}

impl Serialize for Results<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        for r in ci::results(self.analysis, self.root) {
            seq.serialize_element(&result(&r, self.rule_index[r.rule_id], self.root))?;
        }
        seq.end()
    }
}

/// The one run, in the order SARIF viewers show its members.
#[derive(Serialize)]
struct Run<'a> {
    tool: Value,
    invocations: Value,
    results: Results<'a>,
}

/// The SARIF log.
#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

/// Writes the report as one SARIF 2.1.0 log, pretty-printed, with a final newline. Results are
/// made and written one at a time, so a report of many findings is never held whole.
pub fn render(a: &Analysis, style: Style<'_>, out: &mut dyn Write) -> io::Result<()> {
    let used = ci::rules(a);
    let rules: Vec<Value> = used
        .iter()
        .map(|(_, subject)| match subject {
            Subject::Finding(f) => finding_rule(f),
            Subject::Code(c) => code_rule(c),
        })
        .collect();
    let rule_index = used.iter().enumerate().map(|(i, (id, _))| (*id, i)).collect();
    let log = Log {
        schema: SARIF_SCHEMA_URI,
        version: "2.1.0",
        runs: [Run {
            tool: json!({ "driver": {
                "name": a.tool.name,
                "version": a.tool.version,
                "semanticVersion": a.tool.version,
                "informationUri": information_uri(),
                "rules": rules,
            }}),
            invocations: json!([{
                "executionSuccessful": a.summary.input_errors == 0,
                "toolExecutionNotifications": notifications(a, style),
            }]),
            results: Results {
                analysis: a,
                root: style.root,
                rule_index,
            },
        }],
    };
    super::pretty::to_writer(&mut *out, &log).map_err(super::json_error)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri("logs/app.log"), "logs/app.log");
        assert_eq!(uri("a:b, c;d]e%f#g.log"), "a%3Ab%2C%20c%3Bd%5De%25f%23g.log");
        assert_eq!(uri("/var/log/x y.log"), "file:///var/log/x%20y.log");
        assert_eq!(uri("é.log"), "%C3%A9.log");
        assert_eq!(uri("line\nbreak"), "line%0Abreak");
    }

    #[test]
    fn names_are_pascal_case() {
        assert_eq!(pascal("polled-after-success"), "PolledAfterSuccess");
        assert_eq!(pascal("AADSTS90120"), "AADSTS90120");
    }
}
