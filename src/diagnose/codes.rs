//! The per-code summary: every AADSTS code found, what it means, how often, and where.

use crate::analysis::{CodeLocation, CodeSummary};
use crate::model::Severity;
use crate::rules::{docs_url, Catalog};
use crate::scan::tally::Tallies;

/// Summarises the counts of every code, sorted by code.
pub fn summarize(tallies: &Tallies, catalog: &Catalog, paths: &[String]) -> Vec<CodeSummary> {
    tallies
        .codes
        .iter()
        .map(|(&code, t)| {
            let rule = catalog.codes.get(&code);
            CodeSummary {
                code: format!("AADSTS{code}"),
                name: rule.map_or_else(String::new, |r| r.name.clone()),
                meaning: rule.map_or_else(|| "not in aadlint's catalog".to_string(), |r| r.summary.clone()),
                category: rule.map_or_else(|| "unknown".to_string(), |r| kebab(&r.category)),
                fixed_by: rule.map_or_else(|| "unknown".to_string(), |r| r.fixed_by.as_str().to_string()),
                severity: rule.map_or(Severity::Error, |r| r.severity),
                occurrences: t.prefixed,
                bare_occurrences: t.bare,
                failures: t.failures,
                failures_approximate: t.failures_approximate,
                fix: rule.and_then(|r| r.first_fix()).map(str::to_string),
                docs_url: docs_url(code),
                locations: t
                    .locations
                    .iter()
                    .map(|m| CodeLocation {
                        path: paths[m.source as usize].clone(),
                        line: m.line,
                        trace_id: m.trace_id.clone(),
                        correlation_id: m.correlation_id.clone(),
                        timestamp: m.timestamp.clone(),
                    })
                    .collect(),
                locations_total: t.lines,
                suppressed: None,
            }
        })
        .collect()
}

fn kebab<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
