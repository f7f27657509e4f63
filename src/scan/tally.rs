//! Per-code counts, kept as the scan goes so that memory does not grow with the number of
//! mentions: occurrences, distinct failures, distinct lines and the first few locations.

use crate::model::{CodeForm, CodeMention};
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashSet};
use std::hash::{Hash, Hasher};

/// How many locations a code keeps.
pub const MAX_LOCATIONS: usize = 20;

/// How many distinct trace ids a code remembers to tell failures apart; past this, each record
/// counts as a failure of its own and the count is marked approximate.
pub const MAX_TRACE_IDS: usize = 1 << 20;

/// Everything counted for one code.
#[derive(Clone, Debug, Default)]
pub struct CodeTally {
    /// `AADSTS<code>` mentions.
    pub prefixed: u64,
    /// Bare mentions in an Entra context.
    pub bare: u64,
    /// Distinct failures.
    pub failures: u64,
    /// Distinct lines.
    pub lines: u64,
    /// The first [`MAX_LOCATIONS`] mentions on distinct lines.
    pub locations: Vec<CodeMention>,
    /// Failures were counted without remembering every trace id.
    pub failures_approximate: bool,
    /// Failures by the minute of their record's timestamp (minutes since the Unix epoch, or
    /// since the start of a year the log does not name).
    pub per_minute: BTreeMap<i64, u64>,
    /// Failures whose record has no readable timestamp.
    pub untimed: u64,
    trace_ids: HashSet<u64>,
    last_record: Option<u64>,
    last_line: Option<(u32, u64)>,
}

/// Counts for every code seen, by code.
#[derive(Clone, Debug, Default)]
pub struct Tallies {
    /// By code number.
    pub codes: BTreeMap<u32, CodeTally>,
}

impl Tallies {
    /// Counts one mention. Mentions must come in input and line order.
    pub fn add(&mut self, m: CodeMention) {
        let t = self.codes.entry(m.code).or_default();
        match m.form {
            CodeForm::Prefixed => t.prefixed += 1,
            CodeForm::Bare => t.bare += 1,
        }
        // One failure: the same trace id (the id Entra gives each request), else one record.
        let new_failure = match &m.trace_id {
            Some(trace) if t.trace_ids.len() < MAX_TRACE_IDS => t.trace_ids.insert(hash(trace)),
            Some(trace) if t.trace_ids.contains(&hash(trace)) => false,
            Some(_) => {
                t.failures_approximate = true;
                t.last_record != Some(m.record)
            }
            None => t.last_record != Some(m.record),
        };
        t.failures += u64::from(new_failure);
        if new_failure {
            let millis = m
                .timestamp
                .as_deref()
                .and_then(|s| super::time::find(s.as_bytes())?.millis);
            match millis {
                Some(ms) => *t.per_minute.entry(ms.div_euclid(60_000)).or_default() += 1,
                None => t.untimed += 1,
            }
        }
        t.last_record = Some(m.record);
        if t.last_line != Some((m.source, m.line)) {
            t.last_line = Some((m.source, m.line));
            t.lines += 1;
            if t.locations.len() < MAX_LOCATIONS {
                t.locations.push(m);
            }
        }
    }
}

fn hash(s: &str) -> u64 {
    let mut h = DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}
