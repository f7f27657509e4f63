//! The CI gate: what `--fail-on` (or `fail-on` in the config file) asks for, and the first thing in
//! a report that matches it. Values are checked against the catalog, so a typo, an empty CI
//! variable or a code the catalog does not know is a usage error instead of a gate that never
//! fails. Suppressed findings and codes (ignore entries, a baseline) never match.

use crate::analysis::Analysis;
use crate::diagnose::causes::PRECEDENCE;
use crate::model::Severity;
use crate::rules::{Catalog, RuleRef};

/// One thing `--fail-on` asks to fail on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FailOn {
    /// A finding or code of this severity or worse.
    Severity(Severity),
    /// A finding of this cause (or one that follows from it).
    Cause(String),
    /// An AADSTS code (`AADSTS50076`).
    Code(String),
}

/// The causes `--fail-on reused-device-code` stands for.
pub const REUSED_DEVICE_CODE: [&str; 3] = ["polled-after-success", "shared-across-workers", "stale-device-code"];

/// Every cause id the gate accepts: the built-in precedence order, then any other cause of the
/// catalog (`pending-logged-as-error`, rules added with `--rules`), sorted.
pub fn cause_ids(catalog: &Catalog) -> Vec<String> {
    let mut ids: Vec<String> = PRECEDENCE.iter().map(|c| c.to_string()).collect();
    let mut rest: Vec<String> = catalog.causes.keys().filter(|k| !ids.contains(k)).cloned().collect();
    rest.sort();
    ids.extend(rest);
    ids
}

/// What `--fail-on` accepts, for error messages.
fn valid_values(catalog: &Catalog) -> String {
    format!(
        "valid values: error, warning, info (that severity or worse); reused-device-code; a cause id ({}); \
         or one of the {} AADSTS codes of the catalog (AADSTS50076, 50076 or its name; `aadlint rules` lists them)",
        cause_ids(catalog).join(", "),
        catalog.codes.len()
    )
}

/// Parses `--fail-on` values (already split at commas). `what` names where they came from in
/// errors (`--fail-on`, or `aadlint.toml: fail-on`). Empty values, unknown causes and codes the
/// catalog does not have are errors that list the valid values.
pub fn parse_fail_on(values: &[String], catalog: &Catalog, what: &str) -> Result<Vec<FailOn>, String> {
    let mut out = Vec::new();
    for raw in values {
        let v = raw.trim();
        if v.is_empty() {
            return Err(format!(
                "{what}: an empty value (an unset variable?) would never fail the gate; {}",
                valid_values(catalog)
            ));
        }
        let lower = v.to_ascii_lowercase();
        if let Some(s) = Severity::parse(&lower) {
            out.push(FailOn::Severity(s));
        } else if lower == "reused-device-code" {
            out.extend(REUSED_DEVICE_CODE.iter().map(|c| FailOn::Cause(c.to_string())));
        } else if PRECEDENCE.contains(&lower.as_str()) || catalog.causes.contains_key(&lower) {
            out.push(FailOn::Cause(lower));
        } else if let Some(RuleRef::Code(r)) = catalog.lookup(v) {
            out.push(FailOn::Code(r.code.clone()));
        } else {
            let kind = if looks_like_code(&lower) {
                "not a code of the catalog"
            } else {
                "not a severity, cause or code"
            };
            return Err(format!("{what} {v:?}: {kind}; {}", valid_values(catalog)));
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
/// stderr; `None` when the gate passes.
pub fn failing(a: &Analysis, rules: &[FailOn]) -> Option<String> {
    let findings = || a.findings.iter().filter(|f| f.suppressed.is_none());
    let codes = || a.codes.iter().filter(|c| c.suppressed.is_none());
    rules.iter().find_map(|r| match r {
        FailOn::Severity(s) => findings()
            .find(|f| f.severity >= *s)
            .map(|f| format!("{} {} in flow {} (--fail-on {s})", f.severity, f.cause, f.flow))
            .or_else(|| {
                codes()
                    .find(|c| c.severity >= *s)
                    .map(|c| format!("{} {} (--fail-on {s})", c.severity, c.code))
            }),
        FailOn::Cause(c) => findings()
            .find(|f| &f.cause == c || f.follows.contains(c))
            .map(|f| format!("{c} in flow {} (--fail-on {c})", f.flow)),
        FailOn::Code(code) => codes().find(|c| &c.code == code).map(|c| {
            format!(
                "{} seen {} time(s) (--fail-on {code})",
                c.code,
                c.occurrences + c.bare_occurrences
            )
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(values: &[&str]) -> Result<Vec<FailOn>, String> {
        let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        parse_fail_on(&values, Catalog::builtin(), "--fail-on")
    }

    #[test]
    fn known_values_parse() {
        assert_eq!(parse(&["Error"]).unwrap(), vec![FailOn::Severity(Severity::Error)]);
        assert_eq!(parse(&["50076"]).unwrap(), vec![FailOn::Code("AADSTS50076".into())]);
        assert_eq!(
            parse(&["aadsts90120"]).unwrap(),
            vec![FailOn::Code("AADSTS90120".into())]
        );
        assert_eq!(parse(&["reused-device-code"]).unwrap().len(), 3);
        assert_eq!(
            parse(&["pending-logged-as-error"]).unwrap(),
            vec![FailOn::Cause("pending-logged-as-error".into())]
        );
    }

    #[test]
    fn values_that_would_disable_the_gate_are_errors() {
        for bad in [
            &[""][..],
            &["", ""],
            &["error", " "],
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
}
