//! Ignore entries and baselines: known problems that stay in the report, marked suppressed, but
//! never fail `--fail-on`.
//!
//! An entry matches by keys that stay the same from one run to the next: a cause id (findings)
//! or an AADSTS code (codes), optionally the client library, a glob of the input path, and a glob
//! of the worker. Device code fingerprints and line numbers change every run, so no entry keys on
//! them. An entry past its `expires` date stops matching and is reported instead. A baseline is a
//! file of such entries that `aadlint scan --write-baseline` writes from a report.

use super::span;
use crate::analysis::{Analysis, IgnoreEntryRef};
use crate::rules::Catalog;
use globset::{Glob, GlobMatcher};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A calendar date, `(year, month, day)`: compares in date order.
pub type Date = (i32, u32, u32);

/// One `[[ignore]]` entry as written in a file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEntry {
    cause: Option<String>,
    code: Option<String>,
    client: Option<String>,
    path: Option<String>,
    worker: Option<String>,
    reason: String,
    expires: Option<toml::Value>,
}

/// A file that holds only ignore entries: a baseline.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    #[serde(default)]
    ignore: Vec<toml::Spanned<RawEntry>>,
}

/// What an entry matches: findings of a cause, or codes.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Target {
    Cause(String),
    Code(String),
}

/// One ignore entry, checked and ready to match.
#[derive(Clone, Debug)]
pub struct IgnoreEntry {
    target: Target,
    client: Option<String>,
    path: Option<GlobMatcher>,
    worker: Option<GlobMatcher>,
    expires: Option<Date>,
    /// Where it is written and why, as reports show it.
    pub reference: IgnoreEntryRef,
}

impl IgnoreEntry {
    /// Checks a raw entry found at byte `offset` of `text` (the file `path`): exactly one of
    /// `cause` (a cause of `catalog`) and `code`, valid globs, a date for `expires`.
    pub fn parse(
        raw: RawEntry,
        path: &str,
        text: &str,
        offset: usize,
        catalog: &Catalog,
    ) -> Result<IgnoreEntry, String> {
        let err = |m: String| span::at(path, text, offset, &format!("ignore entry: {m}"));
        let target = match (raw.cause, raw.code) {
            (Some(cause), None) => {
                let cause = cause.trim().to_ascii_lowercase();
                if !crate::model::CauseId::parse(&cause).is_some_and(|id| catalog.causes.contains_key(&id)) {
                    return Err(err(format!(
                        "unknown cause {cause:?}; causes: {}",
                        crate::gate::cause_ids(catalog).join(", ")
                    )));
                }
                Target::Cause(cause)
            }
            (None, Some(code)) => Target::Code(normalize_code(&code).ok_or_else(|| {
                err(format!("code {code:?} is not an AADSTS code (AADSTS50076 or 50076)"))
            })?),
            (Some(_), Some(_)) => return Err(err("has both `cause` and `code`: write two entries".into())),
            (None, None) => {
                return Err(err(
                    "needs `cause` (a finding's cause id) or `code` (an AADSTS code): an entry matching everything would turn the gate off".into(),
                ))
            }
        };
        if raw.reason.trim().is_empty() {
            return Err(err("`reason` is empty: say why the problem is accepted".into()));
        }
        let glob = |g: Option<String>, key: &str| -> Result<Option<GlobMatcher>, String> {
            g.map(|g| {
                Glob::new(&g)
                    .map(|g| g.compile_matcher())
                    .map_err(|e| err(format!("`{key}`: invalid glob {g:?}: {}", e.kind())))
            })
            .transpose()
        };
        let expires = raw
            .expires
            .map(|v| {
                parse_date(&v).ok_or_else(|| {
                    let given = v
                        .as_str()
                        .map_or_else(|| format!("a {}", v.type_str()), |t| format!("{t:?}"));
                    err(format!("`expires` is {given}: expected a date such as 2026-12-31"))
                })
            })
            .transpose()?;
        let (line, _) = span::line_col(text, offset);
        Ok(IgnoreEntry {
            target,
            client: raw.client,
            path: glob(raw.path, "path")?,
            worker: glob(raw.worker, "worker")?,
            expires,
            reference: IgnoreEntryRef {
                source: format!("{path}:{line}"),
                reason: raw.reason,
                expires: expires.map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
            },
        })
    }

    /// Whether the entry still applies on `today`: it applies through its `expires` day.
    pub fn active(&self, today: Date) -> bool {
        self.expires.is_none_or(|day| today <= day)
    }

    fn path_matches(&self, path: &str) -> bool {
        let path = path.strip_prefix("./").unwrap_or(path);
        self.path.as_ref().is_none_or(|g| g.is_match(path))
    }

    fn matches_finding(&self, cause: &str, client: Option<&str>, path: &str, workers: &[String]) -> bool {
        matches!(&self.target, Target::Cause(c) if c == cause)
            && self
                .client
                .as_deref()
                .is_none_or(|c| client.is_some_and(|client| client.eq_ignore_ascii_case(c)))
            && self.path_matches(path)
            && self
                .worker
                .as_ref()
                .is_none_or(|g| workers.iter().any(|w| g.is_match(w)))
    }

    fn matches_code(&self, code: &str, path: &str) -> bool {
        matches!(&self.target, Target::Code(c) if c == code)
            && self.client.is_none()
            && self.worker.is_none()
            && self.path_matches(path)
    }
}

/// `AADSTS50076` from `AADSTS50076`, `aadsts50076` or `50076`.
fn normalize_code(code: &str) -> Option<String> {
    let code = code.trim();
    let digits = code
        .get(..6)
        .filter(|p| p.eq_ignore_ascii_case("aadsts"))
        .map_or(code, |_| &code[6..]);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u32>().ok().map(|n| format!("AADSTS{n}"))
}

/// A TOML local date (`2026-12-31`) or a string holding one.
fn parse_date(v: &toml::Value) -> Option<Date> {
    let text = match v {
        toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
            return dt.date.map(|d| (d.year as i32, d.month as u32, d.day as u32))
        }
        toml::Value::String(s) => s.trim(),
        _ => return None,
    };
    let mut parts = text.splitn(3, '-').map(|p| p.parse::<u32>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    ((1..=12).contains(&m) && (1..=31).contains(&d) && text.len() == 10).then_some((y as i32, m, d))
}

/// Today's date in UTC.
pub fn today() -> Date {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    civil_from_days((secs / 86_400) as i64)
}

/// The calendar date `days` days after 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = (yoe + era * 400) as i32 + i32::from(m <= 2);
    (y, m, d)
}

/// Reads a baseline file (`[[ignore]]` entries only).
pub fn load_baseline(path: &std::path::Path, catalog: &Catalog) -> Result<Vec<IgnoreEntry>, String> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read the baseline {shown}: {e}"))?;
    let file: BaselineFile = toml::from_str(&text).map_err(|e| span::toml_error(&shown, &text, &e))?;
    file.ignore
        .into_iter()
        .map(|entry| {
            let offset = entry.span().start;
            IgnoreEntry::parse(entry.into_inner(), &shown, &text, offset, catalog)
        })
        .collect()
}

/// Marks the findings and codes of `analysis` that an active entry matches as suppressed, counts
/// them in the summary, and lists the expired entries. A finding matches by its cause, its flow's
/// client, the input of its first evidence line and its workers; a code is suppressed when every
/// input it was seen in (as far as its kept locations tell) is matched by an entry for it.
pub fn apply(analysis: &mut Analysis, entries: &[IgnoreEntry], today: Date) {
    let active: Vec<&IgnoreEntry> = entries.iter().filter(|e| e.active(today)).collect();
    analysis.expired_ignores = entries
        .iter()
        .filter(|e| !e.active(today))
        .map(|e| e.reference.clone())
        .collect();
    let clients = clients_by_flow(analysis);
    for f in &mut analysis.findings {
        let client = clients.get(&f.flow).map(String::as_str);
        let path = f.evidence.first().map_or("", |e| e.path.as_str());
        f.suppressed = active
            .iter()
            .find(|e| e.matches_finding(f.cause.as_str(), client, path, &f.workers))
            .map(|e| e.reference.clone());
    }
    for c in &mut analysis.codes {
        let paths: BTreeSet<&str> = c.locations.iter().map(|l| l.path.as_str()).collect();
        let matched: Vec<Option<&&IgnoreEntry>> = if paths.is_empty() {
            vec![active.iter().find(|e| e.matches_code(&c.code, ""))]
        } else {
            paths
                .iter()
                .map(|p| active.iter().find(|e| e.matches_code(&c.code, p)))
                .collect()
        };
        c.suppressed = if matched.iter().all(Option::is_some) {
            matched.first().copied().flatten().map(|e| e.reference.clone())
        } else {
            None
        };
    }
    analysis.summary.suppressed.findings = analysis.findings.iter().filter(|f| f.suppressed.is_some()).count();
    analysis.summary.suppressed.codes = analysis.codes.iter().filter(|c| c.suppressed.is_some()).count();
}

/// The client library of each flow that has one, by flow id.
fn clients_by_flow(analysis: &Analysis) -> HashMap<String, String> {
    analysis
        .flows
        .iter()
        .filter_map(|f| Some((f.id.clone(), f.client.clone()?)))
        .collect()
}

/// A TOML basic string holding `s`.
fn toml_string(s: &str) -> String {
    serde_json::to_string(s)
        .unwrap_or_default()
        .replace('\u{7f}', "\\u007F")
}

/// A baseline of `analysis`: one entry per finding (cause, client, input) and one per code and
/// input it was seen in, sorted. What another entry suppresses (the config file's) is left out;
/// what an entry of the baseline being rewritten suppresses (`rewritten` says which) is written
/// again with that entry's reason and expiry; anything else gets `reason`.
pub fn baseline(analysis: &Analysis, reason: &str, rewritten: &dyn Fn(&IgnoreEntryRef) -> bool) -> String {
    // The reason and expiry an item is written with, or `None` to leave it out.
    let why = |suppressed: &Option<IgnoreEntryRef>| match suppressed {
        None => Some((reason.to_string(), None)),
        Some(r) if rewritten(r) => Some((r.reason.clone(), r.expires.clone())),
        Some(_) => None,
    };
    let clients = clients_by_flow(analysis);
    let mut findings = BTreeMap::new();
    for f in &analysis.findings {
        if let Some(why) = why(&f.suppressed) {
            let client = clients.get(&f.flow).cloned();
            let path = f.evidence.first().map(|e| e.path.clone());
            findings.entry((f.cause.to_string(), client, path)).or_insert(why);
        }
    }
    let mut codes = BTreeMap::new();
    for c in &analysis.codes {
        if let Some(why) = why(&c.suppressed) {
            let mut paths: Vec<String> = c.locations.iter().map(|l| l.path.clone()).collect();
            if paths.is_empty() {
                paths.push(String::new());
            }
            for path in paths {
                codes.entry((c.code.clone(), path)).or_insert_with(|| why.clone());
            }
        }
    }
    let mut out = String::from(
        "# aadlint baseline, written by `aadlint scan --write-baseline` and read with `--baseline`.\n\
         # Each entry suppresses the findings of a cause (or the mentions of a code) in one input:\n\
         # they stay in the report, marked suppressed, and never fail --fail-on. Add `expires = YYYY-MM-DD`\n\
         # to an entry to have it stop matching after that day.\n",
    );
    let path_line = |p: &str| {
        format!(
            "path = {}\n",
            toml_string(&globset::escape(p.strip_prefix("./").unwrap_or(p)))
        )
    };
    let tail = |(reason, expires): &(String, Option<String>)| {
        let expires = expires
            .as_ref()
            .map_or_else(String::new, |d| format!("expires = {d}\n"));
        format!("reason = {}\n{expires}", toml_string(reason))
    };
    for ((cause, client, path), why) in &findings {
        out.push_str(&format!("\n[[ignore]]\ncause = {}\n", toml_string(cause)));
        if let Some(client) = client {
            out.push_str(&format!("client = {}\n", toml_string(client)));
        }
        if let Some(path) = path {
            out.push_str(&path_line(path));
        }
        out.push_str(&tail(why));
    }
    for ((code, path), why) in &codes {
        out.push_str(&format!("\n[[ignore]]\ncode = {}\n", toml_string(code)));
        if !path.is_empty() {
            out.push_str(&path_line(path));
        }
        out.push_str(&tail(why));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(text: &str) -> Result<IgnoreEntry, String> {
        let file: BaselineFile = toml::from_str(text).map_err(|e| span::toml_error("b.toml", text, &e))?;
        let raw = file.ignore.into_iter().next().expect("one entry");
        let offset = raw.span().start;
        IgnoreEntry::parse(raw.into_inner(), "b.toml", text, offset, Catalog::builtin())
    }

    #[test]
    fn dates_are_civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn an_entry_applies_through_its_expiry_day() {
        let e = entry("[[ignore]]\ncode = \"50076\"\nreason = \"MFA\"\nexpires = 2026-03-01\n").unwrap();
        assert!(e.active((2026, 3, 1)));
        assert!(!e.active((2026, 3, 2)));
        assert_eq!(e.reference.expires.as_deref(), Some("2026-03-01"));
        assert_eq!(e.reference.source, "b.toml:1");
        let quoted = entry("[[ignore]]\ncode = \"50076\"\nreason = \"MFA\"\nexpires = \"2026-03-01\"\n").unwrap();
        assert_eq!(quoted.expires, Some((2026, 3, 1)));
    }

    #[test]
    fn bad_entries_are_errors_with_their_position() {
        let cases = [
            (
                "\n[[ignore]]\nreason = \"x\"\n",
                "b.toml:2:1: ignore entry: needs `cause`",
            ),
            (
                "[[ignore]]\ncause = \"polled-twice\"\nreason = \"x\"\n",
                "unknown cause \"polled-twice\"",
            ),
            ("[[ignore]]\ncode = \"x1\"\nreason = \"x\"\n", "is not an AADSTS code"),
            ("[[ignore]]\ncode = \"1\"\nreason = \" \"\n", "`reason` is empty"),
            (
                "[[ignore]]\ncode = \"1\"\nreason = \"r\"\nexpires = \"soon\"\n",
                "expected a date",
            ),
            (
                "[[ignore]]\ncode = \"1\"\nreason = \"r\"\npath = \"a[\"\n",
                "invalid glob",
            ),
            (
                "[[ignore]]\ncode = \"1\"\nreason = \"r\"\nfingerprint = \"dc:1\"\n",
                "b.toml:4:1: unknown field `fingerprint`",
            ),
        ];
        for (text, want) in cases {
            let e = entry(text).unwrap_err();
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }

    #[test]
    fn baseline_strings_are_toml_strings() {
        for s in ["plain", "quote \" back\\slash", "tab\tnew\nline", "del\u{7f}", "ünï"] {
            let doc = format!("v = {}", toml_string(s));
            let parsed: toml::Table = toml::from_str(&doc).unwrap();
            assert_eq!(parsed["v"].as_str(), Some(s));
        }
    }
}
