//! The per-code summary: every AADSTS code found, what it means, how often, and where.

use crate::analysis::{CodeLocation, CodeSummary, UtcTime};
use crate::model::Severity;
use crate::rules::{docs_url, Catalog};
use crate::scan::tally::Tallies;

/// Codes that report a pending state of a device code flow (`authorization_pending`): a normal
/// step, so their events count as no failure. (`slow_down` has no AADSTS code.)
pub const PENDING_CODES: [u32; 1] = [70016];

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
                events: t.failures,
                pending: PENDING_CODES.contains(&code),
                failures: if PENDING_CODES.contains(&code) { 0 } else { t.failures },
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
                        time: m
                            .timestamp
                            .as_deref()
                            .and_then(|s| crate::scan::time::find(s.as_bytes()))
                            .and_then(|ts| UtcTime::of(&ts)),
                    })
                    .collect(),
                locations_total: t.lines,
                per_minute: t
                    .per_minute
                    .iter()
                    .filter(|(&minute, _)| UtcTime::from_millis(minute * 60_000).is_some())
                    .map(|(&minute, &n)| (minute, n))
                    .collect(),
                untimed: t.untimed
                    + t.per_minute
                        .iter()
                        .filter(|(&minute, _)| UtcTime::from_millis(minute * 60_000).is_none())
                        .map(|(_, &n)| n)
                        .sum::<u64>(),
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
