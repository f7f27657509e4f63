//! What the CI formats (`sarif`, `github`, `azure`) carry, decided once so that the three agree.
//!
//! - every finding, at its severity, located at its first evidence line (or the start of its
//!   flow when it has no evidence), rule id = the cause id;
//! - every AADSTS code of severity `error`, located at its first location, rule id = the code
//!   (`AADSTS90120`). Warning and info codes (MFA required, `authorization_pending`, ...) are
//!   normal steps of many sign-ins and would flood an alert list; they stay in `json`,
//!   `markdown` and `table`.
//!
//! Suppressed findings and codes (ignore entries, a baseline) are left out.
//!
//! Findings come first, in report order, then codes by number. Nothing here analyses anything:
//! it selects and words fields of the [`Analysis`].

use crate::analysis::{Analysis, CodeSummary, Evidence, Finding};
use crate::model::{CauseId, Severity};
use std::collections::HashMap;
use std::path::Path;

/// Where a CI result points.
pub(crate) struct Location {
    /// The path relative to the root when it lies under it, else as given (`/` separators).
    pub path: String,
    /// 1-based line.
    pub line: u64,
}

/// What a result is about.
pub(crate) enum Subject<'a> {
    /// A root cause found for a flow.
    Finding(&'a Finding),
    /// An AADSTS code at error severity.
    Code(&'a CodeSummary),
}

/// One result of a CI format: a SARIF result, a GitHub or Azure annotation.
pub(crate) struct CiResult<'a> {
    /// The cause id or the AADSTS code.
    pub rule_id: &'a str,
    /// How serious.
    pub severity: Severity,
    /// Cause and fix in one paragraph.
    pub message: String,
    /// Where.
    pub location: Location,
    /// A value that stays the same when the same log is scanned again: `cause:flow` for a
    /// finding, `code:path` for a code.
    pub fingerprint: String,
    /// The finding or code.
    pub subject: Subject<'a>,
}

/// Every result the CI formats carry, in their order, made one at a time as the caller asks for
/// them (a report of many findings is never held as results all at once).
pub(crate) fn results<'a>(a: &'a Analysis, root: Option<&'a Path>) -> impl Iterator<Item = CiResult<'a>> + 'a {
    // Where a finding without evidence points: the start of its flow, found by id (looked up
    // once, and only when such a finding exists).
    let starts: HashMap<&str, &Evidence> = if a.findings.iter().any(|f| f.evidence.is_empty()) {
        a.flows.iter().map(|flow| (flow.id.as_str(), &flow.start)).collect()
    } else {
        HashMap::new()
    };
    let findings = a.findings.iter().filter(|f| f.suppressed.is_none()).map(move |f| {
        let at = f.evidence.first().or_else(|| starts.get(f.flow.as_str()).copied());
        let location = match at {
            Some(Evidence { path, line, .. }) => Location {
                path: shown_path(path, root),
                line: *line,
            },
            None => Location {
                path: String::new(),
                line: 0,
            },
        };
        CiResult {
            rule_id: f.cause.as_str(),
            severity: f.severity,
            message: finding_message(f),
            location,
            fingerprint: format!("{}:{}", f.cause, f.flow),
            subject: Subject::Finding(f),
        }
    });
    let codes = a
        .codes
        .iter()
        .filter(|c| c.severity == Severity::Error && c.suppressed.is_none())
        .map(move |c| {
            let location = c.locations.first().map_or(
                Location {
                    path: String::new(),
                    line: 0,
                },
                |l| Location {
                    path: shown_path(&l.path, root),
                    line: l.line,
                },
            );
            CiResult {
                rule_id: &c.code,
                severity: c.severity,
                message: code_message(c, &location),
                fingerprint: format!("{}:{}", c.code, location.path),
                location,
                subject: Subject::Code(c),
            }
        });
    findings.chain(codes)
}

/// The rule ids of [`results`], each once, in order of first use, with the finding or code that
/// first uses it: what a SARIF run's `rules` list describes.
pub(crate) fn rules(a: &Analysis) -> Vec<(&str, Subject<'_>)> {
    let mut out: Vec<(&str, Subject<'_>)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for f in a.findings.iter().filter(|f| f.suppressed.is_none()) {
        if seen.insert(f.cause.as_str()) {
            out.push((f.cause.as_str(), Subject::Finding(f)));
        }
    }
    for c in a
        .codes
        .iter()
        .filter(|c| c.severity == Severity::Error && c.suppressed.is_none())
    {
        if seen.insert(c.code.as_str()) {
            out.push((c.code.as_str(), Subject::Code(c)));
        }
    }
    out
}

/// `title: message (flow id). Fix: first step. Also in this flow: ...`
fn finding_message(f: &Finding) -> String {
    let mut m = format!(
        "{}: {} (flow {}). Fix: {}",
        f.title.trim_end_matches('.'),
        f.message.trim_end_matches('.'),
        f.flow,
        first_step(&f.fix)
    );
    if !f.follows.is_empty() {
        m.push_str(&format!(
            " Also in this flow, as a consequence: {}.",
            CauseId::join(&f.follows, ", ")
        ));
    }
    m.push_str(&format!(" Details: aadlint explain {}.", f.cause));
    m
}

/// `AADSTS90120 (Name): meaning. Seen n time(s) in m failure(s), first at path:line. Fix: ...`
fn code_message(c: &CodeSummary, at: &Location) -> String {
    let name = if c.name.is_empty() {
        String::new()
    } else {
        format!(" ({})", c.name)
    };
    let approx = if c.failures_approximate { " (about)" } else { "" };
    let first = if at.path.is_empty() {
        String::new()
    } else {
        format!(", first at {}:{}", at.path, at.line)
    };
    let fix = c
        .fix
        .as_deref()
        .map_or_else(|| format!("see {}", c.docs_url), first_step);
    format!(
        "{}{name}: {}. Seen {} time(s) in {}{approx} failure(s){first}. Fix: {}",
        c.code,
        c.meaning.trim_end_matches('.'),
        c.occurrences + c.bare_occurrences,
        c.failures,
        with_period(&fix)
    )
}

fn with_period(s: &str) -> String {
    if s.ends_with(['.', '!', '?', ':']) {
        s.to_string()
    } else {
        format!("{s}.")
    }
}

/// The first step of a fix: its first paragraph or numbered item, on one line, without the
/// number, at most 400 characters, ending with a period.
pub(crate) fn first_step(fix: &str) -> String {
    let mut lines = Vec::new();
    for (i, line) in fix.trim().lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || (i > 0 && starts_numbered(t)) {
            break;
        }
        lines.push(t);
    }
    let joined = lines.join(" ");
    let text = strip_number(&joined);
    let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = if text.chars().count() > 400 {
        let cut: String = text.chars().take(399).collect();
        format!("{}…", cut.trim_end())
    } else {
        text
    };
    with_period(&text)
}

fn starts_numbered(t: &str) -> bool {
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && t[digits..].starts_with(". ")
}

fn strip_number(t: &str) -> &str {
    if starts_numbered(t) {
        let digits = t.bytes().take_while(u8::is_ascii_digit).count();
        t[digits + 2..].trim_start()
    } else {
        t
    }
}

/// A report path as CI tools want it: relative to `root` when it is an absolute path under it,
/// without a leading `./`, with `/` separators on Windows. Other paths are kept as given.
pub(crate) fn shown_path(path: &str, root: Option<&Path>) -> String {
    let p = Path::new(path);
    let mut s = match root {
        Some(r) if p.is_absolute() => match p.strip_prefix(r) {
            Ok(rel) if !rel.as_os_str().is_empty() => rel.to_string_lossy().into_owned(),
            _ => path.to_string(),
        },
        _ => path.to_string(),
    };
    if cfg!(windows) {
        s = s.replace('\\', "/");
    }
    while let Some(rest) = s.strip_prefix("./") {
        s = rest.to_string();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_step_takes_the_first_item() {
        assert_eq!(
            first_step("1. Stop polling\n   on success.\n2. Second step."),
            "Stop polling on success."
        );
        assert_eq!(first_step("Just one line"), "Just one line.");
        assert_eq!(first_step("Para one.\n\nPara two."), "Para one.");
        assert!(first_step(&"x".repeat(1000)).chars().count() <= 401);
    }

    #[test]
    fn paths_become_relative_to_the_root() {
        let root = Path::new("/work/repo");
        assert_eq!(shown_path("/work/repo/logs/a.log", Some(root)), "logs/a.log");
        assert_eq!(shown_path("/elsewhere/a.log", Some(root)), "/elsewhere/a.log");
        assert_eq!(shown_path("./logs/a.log", Some(root)), "logs/a.log");
        assert_eq!(shown_path("logs/a.log", None), "logs/a.log");
        assert_eq!(shown_path("-", Some(root)), "-");
    }
}
