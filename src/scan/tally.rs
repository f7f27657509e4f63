//! Per-code counts, kept as the scan goes so that memory does not grow with the number of
//! mentions: occurrences, distinct failures, distinct lines and the first few locations.

use crate::model::{CodeForm, CodeMention};
use foldhash::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::collections::BTreeMap;
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
    /// The trace ids (hashed) of the failures counted, each with the minute it was counted in.
    trace_ids: HashMap<u64, Option<i64>>,
    last_record: Option<u64>,
    last_line: Option<(u32, u64)>,
}

/// One mention as the assembler reads it, borrowed from its record: copied into a
/// [`CodeMention`] only when its code keeps the place (most mentions are only counted, and three
/// copied strings a mention were an eighth of the assembling thread's work on the dense log).
#[derive(Clone, Copy, Debug)]
pub struct Mention<'a> {
    /// The numeric code.
    pub code: u32,
    /// How it was written.
    pub form: CodeForm,
    /// Where.
    pub source: u32,
    /// 1-based line number.
    pub line: u64,
    /// The per-request trace id of the same record, if any.
    pub trace_id: Option<&'a str>,
    /// The correlation id of the same record, if any.
    pub correlation_id: Option<&'a str>,
    /// The timestamp of the same record, if any.
    pub timestamp: Option<&'a str>,
    /// Which record (group of lines) the mention belongs to, for de-duplication.
    pub record: u64,
}

impl Mention<'_> {
    fn to_owned(self) -> CodeMention {
        CodeMention {
            code: self.code,
            form: self.form,
            source: self.source,
            line: self.line,
            trace_id: self.trace_id.map(str::to_string),
            correlation_id: self.correlation_id.map(str::to_string),
            timestamp: self.timestamp.map(str::to_string),
            record: self.record,
        }
    }
}

/// Counts for every code seen, by code.
#[derive(Clone, Debug, Default)]
pub struct Tallies {
    /// By code number.
    pub codes: BTreeMap<u32, CodeTally>,
}

impl Tallies {
    /// Counts one mention. Mentions must come in input and line order.
    pub fn add(&mut self, m: Mention<'_>) {
        let t = self.codes.entry(m.code).or_default();
        match m.form {
            CodeForm::Prefixed => t.prefixed += 1,
            CodeForm::Bare => t.bare += 1,
        }
        let minute = || {
            m.timestamp
                .and_then(|s| super::time::find(s.as_bytes())?.millis)
                .map(|ms| ms.div_euclid(60_000))
        };
        // One failure: the same trace id (the id Entra gives each request), else one record.
        let failure = match m.trace_id {
            Some(trace) if t.trace_ids.len() < MAX_TRACE_IDS => match t.trace_ids.entry(hash(trace)) {
                std::collections::hash_map::Entry::Occupied(_) => None,
                std::collections::hash_map::Entry::Vacant(slot) => Some(*slot.insert(minute())),
            },
            Some(trace) if t.trace_ids.contains_key(&hash(trace)) => None,
            Some(_) => {
                t.failures_approximate = true;
                (t.last_record != Some(m.record)).then(minute)
            }
            None => (t.last_record != Some(m.record)).then(minute),
        };
        if let Some(minute) = failure {
            t.count_failure(minute, 1);
        }
        t.last_record = Some(m.record);
        if t.last_line != Some((m.source, m.line)) {
            t.last_line = Some((m.source, m.line));
            t.lines += 1;
            if t.locations.len() < MAX_LOCATIONS {
                t.locations.push(m.to_owned());
            }
        }
    }
}

impl CodeTally {
    /// Adds `n` failures (removes them when `n` is negative) at `minute`, or untimed.
    fn count_failure(&mut self, minute: Option<i64>, n: i64) {
        self.failures = self.failures.saturating_add_signed(n);
        match minute {
            Some(minute) => {
                let slot = self.per_minute.entry(minute).or_default();
                *slot = slot.saturating_add_signed(n);
                if *slot == 0 {
                    self.per_minute.remove(&minute);
                }
            }
            None => self.untimed = self.untimed.saturating_add_signed(n),
        }
    }

    /// The failures told apart by trace id: each trace id's hash with the minute its failure was
    /// counted in (what [`CodeTally::absorb`] needs to count a trace id seen again only once).
    pub fn failure_keys(&self) -> impl Iterator<Item = (u64, Option<i64>)> + '_ {
        self.trace_ids.iter().map(|(&k, &m)| (k, m))
    }

    /// Records `keys` as this tally's [`failure_keys`](CodeTally::failure_keys) (a tally read back
    /// from its parts).
    pub fn set_failure_keys(&mut self, keys: impl IntoIterator<Item = (u64, Option<i64>)>) {
        self.trace_ids = keys.into_iter().collect();
    }

    /// Adds `later`, the tally of the same code over inputs that come after these, as if its
    /// mentions had been counted here: a failure whose trace id was counted already is not
    /// counted again, and locations stay the first [`MAX_LOCATIONS`].
    pub fn absorb(&mut self, later: CodeTally) {
        self.prefixed += later.prefixed;
        self.bare += later.bare;
        self.lines += later.lines;
        self.failures_approximate |= later.failures_approximate;
        let room = MAX_LOCATIONS.saturating_sub(self.locations.len());
        self.locations.extend(later.locations.into_iter().take(room));
        self.failures += later.failures;
        self.untimed += later.untimed;
        for (minute, n) in later.per_minute {
            *self.per_minute.entry(minute).or_default() += n;
        }
        // Sorted, so that which keys fit when the set is full does not depend on hashing.
        let mut keys: Vec<(u64, Option<i64>)> = later.trace_ids.into_iter().collect();
        keys.sort_unstable();
        for (key, minute) in keys {
            if self.trace_ids.contains_key(&key) {
                self.count_failure(minute, -1);
            } else if self.trace_ids.len() < MAX_TRACE_IDS {
                self.trace_ids.insert(key, minute);
            } else {
                self.failures_approximate = true;
            }
        }
    }
}

fn hash(s: &str) -> u64 {
    let mut h = DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}
