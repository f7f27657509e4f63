//! The CI gate: what `--fail-on` (or `fail-on` in the config file) asks for, and the first thing in
//! a report that matches it. Values are checked against the catalog, so a typo, an empty CI
//! variable or a code the catalog does not know is a usage error instead of a gate that never
//! fails. Suppressed findings and codes (ignore entries, a baseline) never match.

use crate::analysis::Analysis;
use crate::diagnose::causes::{Group, CAUSES};
use crate::model::{CauseId, Severity};
use crate::rules::{Catalog, RuleRef};

/// What one `--fail-on` value asks to fail on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Want {
    /// A finding or code of this severity or worse.
    Severity(Severity),
    /// A finding of this cause (or one that follows from it).
    Cause(CauseId),
    /// An AADSTS code (`AADSTS50076`).
    Code(String),
}

/// One `--fail-on` value: what it asks for and how the user wrote it (for the failing line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailOn {
    /// What it asks for.
    pub want: Want,
    /// The value as written.
    pub written: String,
}

/// A query as pasted: without surrounding blanks, quotes, brackets and trailing punctuation
/// (`AADSTS50076:`, `"invalid_grant",`).
pub fn clean_query(q: &str) -> &str {
    const OPENING: [char; 7] = ['"', '\'', '`', '(', '[', '{', '<'];
    const CLOSING: [char; 13] = [':', ';', ',', '.', '!', '?', '"', '\'', '`', ')', ']', '}', '>'];
    q.trim().trim_start_matches(OPENING).trim_end_matches(CLOSING).trim()
}

/// Every cause id the gate accepts, in order of precedence: the registered causes the catalog
/// explains.
pub fn cause_ids(catalog: &Catalog) -> Vec<String> {
    CAUSES
        .iter()
        .map(|c| c.id())
        .filter(|id| catalog.causes.contains_key(id))
        .map(|id| id.to_string())
        .collect()
}

/// What `--fail-on` accepts, for error messages.
fn valid_values(catalog: &Catalog) -> String {
    let groups: Vec<&str> = Group::ALL.iter().map(|g| g.as_str()).collect();
    format!(
        "valid values: error, warning, info (that severity or worse); {}; a cause id ({}); \
         or one of the {} AADSTS codes of the catalog (AADSTS50076, 50076 or its name; `aadlint rules` lists them)",
        groups.join(", "),
        cause_ids(catalog).join(", "),
        catalog.codes.len()
    )
}

/// Parses `--fail-on` values (already split at commas). `what` names where they came from in
/// errors (`--fail-on`, or `fail-on` in the config file). Empty values, unknown causes and codes
/// the catalog does not have are errors that list the valid values.
pub fn parse_fail_on(values: &[String], catalog: &Catalog, what: &str) -> Result<Vec<FailOn>, String> {
    let mut out = Vec::new();
    for raw in values {
        let written = raw.trim();
        let v = clean_query(written);
        if v.is_empty() {
            return Err(format!(
                "{what}: an empty value (an unset variable?) would never fail the gate; {}",
                valid_values(catalog)
            ));
        }
        let lower = v.to_ascii_lowercase();
        let push = |out: &mut Vec<FailOn>, want| {
            out.push(FailOn {
                want,
                written: written.to_string(),
            })
        };
        if let Some(s) = Severity::parse(&lower) {
            push(&mut out, Want::Severity(s));
        } else if let Some(group) = Group::parse(&lower) {
            for c in group.causes() {
                push(&mut out, Want::Cause(c));
            }
        } else if let Some(cause) = CauseId::parse(&lower).filter(|c| catalog.causes.contains_key(c)) {
            push(&mut out, Want::Cause(cause));
        } else if let Some(RuleRef::Code(r)) = catalog.lookup(v) {
            push(&mut out, Want::Code(r.code.clone()));
        } else {
            let kind = if looks_like_code(&lower) {
                "not a code of the catalog"
            } else {
                "not a severity, cause or code"
            };
            return Err(format!("{what} {written:?}: {kind}; {}", valid_values(catalog)));
        }
    }
    Ok(out)
}

/// `AADSTS` plus digits, or digits alone.
fn looks_like_code(lower: &str) -> bool {
    let digits = lower.strip_prefix("aadsts").unwrap_or(lower);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The first unsuppressed finding or code of `analysis` that `rules` match, described for
/// stderr with the value the user wrote; `None` when the gate passes.
pub fn failing(a: &Analysis, rules: &[FailOn]) -> Option<String> {
    let findings = || a.findings.iter().filter(|f| f.suppressed.is_none());
    let codes = || a.codes.iter().filter(|c| c.suppressed.is_none());
    rules.iter().find_map(|r| {
        let written = &r.written;
        match &r.want {
            Want::Severity(s) => findings()
                .find(|f| f.severity >= *s)
                .map(|f| format!("{} {} in flow {} (--fail-on {written})", f.severity, f.cause, f.flow))
                .or_else(|| {
                    codes()
                        .find(|c| c.severity >= *s)
                        .map(|c| format!("{} {} (--fail-on {written})", c.severity, c.code))
                }),
            Want::Cause(c) => findings()
                .find(|f| f.cause == *c || f.follows.contains(c))
                .map(|f| format!("{c} in flow {} (--fail-on {written})", f.flow)),
            Want::Code(code) => codes().find(|c| &c.code == code).map(|c| {
                format!(
                    "{} seen {} time(s) (--fail-on {written})",
                    c.code,
                    c.occurrences + c.bare_occurrences
                )
            }),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(values: &[&str]) -> Result<Vec<FailOn>, String> {
        let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        parse_fail_on(&values, Catalog::builtin(), "--fail-on")
    }

    fn wants(values: &[&str]) -> Vec<Want> {
        parse(values).unwrap().into_iter().map(|f| f.want).collect()
    }

    #[test]
    fn known_values_parse() {
        assert_eq!(wants(&["Error"]), vec![Want::Severity(Severity::Error)]);
        assert_eq!(wants(&["50076"]), vec![Want::Code("AADSTS50076".into())]);
        assert_eq!(wants(&["aadsts90120"]), vec![Want::Code("AADSTS90120".into())]);
        assert_eq!(wants(&["reused-device-code"]).len(), 3);
        assert_eq!(
            wants(&["pending-logged-as-error"]),
            vec![Want::Cause(CauseId::PendingLoggedAsError)]
        );
    }

    #[test]
    fn fail_on_keeps_what_was_written() {
        let rules = parse(&["Reused-Device-Code"]).unwrap();
        assert_eq!(rules.len(), 3);
        assert!(rules.iter().all(|r| r.written == "Reused-Device-Code"));
        let rules = parse(&["ERROR", "aadsts50076:"]).unwrap();
        assert_eq!(rules[0].want, Want::Severity(Severity::Error));
        assert_eq!(rules[1].want, Want::Code("AADSTS50076".to_string()));
    }

    #[test]
    fn values_that_would_disable_the_gate_are_errors() {
        for bad in [
            &[""][..],
            &["", ""],
            &["error", " "],
            &["\"\""],
            &["AADSTS12345678"],
            &["polled-twice"],
        ] {
            let e = parse(bad).unwrap_err();
            assert!(
                e.contains("valid values") && e.contains("stale-device-code"),
                "{bad:?}: {e}"
            );
        }
        assert!(parse(&["AADSTS12345678"])
            .unwrap_err()
            .contains("not a code of the catalog"));
    }

    #[test]
    fn pasted_queries_lose_their_punctuation() {
        assert_eq!(clean_query("AADSTS50076:"), "AADSTS50076");
        assert_eq!(clean_query(" \"invalid_grant\", "), "invalid_grant");
        assert_eq!(clean_query("(70016)."), "70016");
        assert_eq!(clean_query("polled-after-success"), "polled-after-success");
    }
}
