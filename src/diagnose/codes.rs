//! The per-code summary: every AADSTS code found, what it means, how often, and where.

use crate::analysis::{CodeLocation, CodeSummary, MAX_LOCATIONS};
use crate::model::{CodeForm, CodeMention, Severity};
use crate::rules::{docs_url, Catalog};
use std::collections::{BTreeMap, BTreeSet};

/// Summarises every mention, one entry per code, sorted by code.
pub fn summarize(mentions: &[CodeMention], catalog: &Catalog, paths: &[String]) -> Vec<CodeSummary> {
    let mut by_code: BTreeMap<u32, Vec<&CodeMention>> = BTreeMap::new();
    for m in mentions {
        by_code.entry(m.code).or_default().push(m);
    }
    by_code
        .into_iter()
        .map(|(code, ms)| {
            let rule = catalog.codes.get(&code);
            let mut failures: BTreeSet<FailureKey> = BTreeSet::new();
            let mut lines: BTreeSet<(u32, u64)> = BTreeSet::new();
            let mut locations = Vec::new();
            for m in &ms {
                failures.insert(failure_key(m));
                if lines.insert((m.source, m.line)) && locations.len() < MAX_LOCATIONS {
                    locations.push(CodeLocation {
                        path: paths[m.source as usize].clone(),
                        line: m.line,
                        trace_id: m.trace_id.clone(),
                        correlation_id: m.correlation_id.clone(),
                        timestamp: m.timestamp.clone(),
                    });
                }
            }
            CodeSummary {
                code: format!("AADSTS{code}"),
                name: rule.map_or_else(String::new, |r| r.name.clone()),
                meaning: rule.map_or_else(|| "not in aadlint's catalog".to_string(), |r| r.summary.clone()),
                category: rule.map_or_else(|| "unknown".to_string(), |r| kebab(&r.category)),
                fixed_by: rule.map_or_else(|| "unknown".to_string(), |r| r.fixed_by.as_str().to_string()),
                severity: rule.map_or(Severity::Error, |r| r.severity),
                occurrences: ms.iter().filter(|m| m.form == CodeForm::Prefixed).count() as u64,
                bare_occurrences: ms.iter().filter(|m| m.form == CodeForm::Bare).count() as u64,
                failures: failures.len() as u64,
                fix: rule.and_then(|r| r.first_fix()).map(str::to_string),
                docs_url: docs_url(code),
                locations,
                locations_total: lines.len() as u64,
            }
        })
        .collect()
}

/// What makes two mentions the same failure: the trace id Entra gives every request, else the
/// record (a line and its continuations) they were printed in.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum FailureKey {
    Trace(String),
    Record(u64),
}

fn failure_key(m: &CodeMention) -> FailureKey {
    match &m.trace_id {
        Some(t) => FailureKey::Trace(t.clone()),
        None => FailureKey::Record(m.record),
    }
}

fn kebab<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
