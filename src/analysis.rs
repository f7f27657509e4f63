//! The result of a run: one in-memory document that every renderer renders. Its serde form is
//! the `--format json` contract (schema version [`SCHEMA_VERSION`]): fields may be added, never
//! renamed.
//!
//! Version 2 changed what `codes[].failures` counts (pending states are not failures) and added
//! RFC 3339 times, worker objects and the time series; the version-1 fields it replaces
//! (`first_timestamp`, `last_timestamp`, `workers` as strings) stay for this version.

use crate::model::{CauseId, InputSummary, Severity, Timestamp};
use serde::{Serialize, Serializer};

/// Bumped on any breaking change of the JSON report.
pub const SCHEMA_VERSION: u32 = 2;

/// Milliseconds in 366 days: a time before this lies in 1970, which is what the scanner gives a
/// timestamp written without its year (syslog, klog). Such a time orders lines but names no
/// instant.
const YEARLESS_BEFORE: i64 = 366 * 86_400_000;

/// An instant, in milliseconds since the Unix epoch, UTC. Serialised as RFC 3339
/// (`2026-11-27T10:04:14.420Z`, or `2026-11-27T10:04:14Z` on a whole second).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UtcTime(pub i64);

impl UtcTime {
    /// The instant a log timestamp names, when its date (year included) is known.
    pub fn of(t: &Timestamp) -> Option<UtcTime> {
        t.millis.and_then(UtcTime::from_millis)
    }

    /// The instant `millis` after the epoch, unless it is a time without a year (see
    /// [`YEARLESS_BEFORE`]).
    pub fn from_millis(millis: i64) -> Option<UtcTime> {
        (millis >= YEARLESS_BEFORE).then_some(UtcTime(millis))
    }

    /// RFC 3339 in UTC: `2026-11-27T10:04:14.420Z` (the fraction only when there is one).
    pub fn rfc3339(self) -> String {
        crate::scan::time::rfc3339(self.0)
    }
}

impl Serialize for UtcTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.rfc3339())
    }
}

/// Who wrote a line, field by field (the object form of a worker label).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WorkerInfo {
    /// The input the lines came from.
    pub input: String,
    /// Host, machine or pod name, when the lines name one.
    pub host: Option<String>,
    /// Process name, when the lines name one.
    pub process: Option<String>,
    /// Process id, when the lines name one.
    pub pid: Option<String>,
    /// Thread name or id, when the lines name one.
    pub thread: Option<String>,
    /// The same worker as one label (`app.log[pid 42 MainThread]`), as `workers` lists it.
    pub label: String,
}

/// How many evidence lines a finding keeps.
pub const MAX_EVIDENCE: usize = 8;

/// The whole report.
#[derive(Clone, Debug, Serialize)]
pub struct Analysis {
    /// Version of this document's shape.
    pub schema_version: u32,
    /// The tool that wrote it.
    pub tool: Tool,
    /// Every input, in the order read, with its error if it could not be read.
    pub inputs: Vec<InputSummary>,
    /// Totals.
    pub summary: Summary,
    /// Every AADSTS code found, by code.
    pub codes: Vec<CodeSummary>,
    /// Every device code flow found, by first appearance.
    pub flows: Vec<FlowSummary>,
    /// Root causes found, by flow.
    pub findings: Vec<Finding>,
    /// Caps that bound memory, and what they cut.
    pub limits: Limits,
    /// Ignore entries (config file, baseline) that expired and so suppressed nothing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expired_ignores: Vec<IgnoreEntryRef>,
    /// Clock skews between inputs assumed to order the events of a flow (`--max-skew`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub clock_skew: Vec<ClockSkew>,
}

/// A clock skew assumed between two inputs to order a flow's events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClockSkew {
    /// The flow.
    pub flow: String,
    /// The input whose clock was taken to be behind.
    pub input: String,
    /// The input it was taken to be behind.
    pub behind: String,
    /// By how much, at least, in milliseconds.
    pub millis: i64,
    /// The most skew that may be assumed (`--max-skew`), in milliseconds.
    pub max_skew_millis: i64,
}

/// Why a finding or code is suppressed: the ignore entry that matched it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IgnoreEntryRef {
    /// Where the entry is written: `aadlint.toml:12` or `baseline.toml:40`.
    pub source: String,
    /// The entry's reason.
    pub reason: String,
    /// The last day the entry applies (`YYYY-MM-DD`), if it has one.
    pub expires: Option<String>,
}

/// How many findings and codes ignore entries suppressed.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SuppressedCounts {
    /// Findings suppressed.
    pub findings: usize,
    /// Codes suppressed.
    pub codes: usize,
}

impl SuppressedCounts {
    /// True when nothing was suppressed (the JSON then leaves the counts out).
    pub fn is_empty(&self) -> bool {
        self.findings == 0 && self.codes == 0
    }
}

/// The caps that keep memory bounded on hostile input, and what they cut.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Limits {
    /// The most device-code-flow events kept (`AADLINT_MAX_EVENTS`).
    pub max_events: usize,
    /// Events not kept because the cap or the memory budget was reached: flows may be
    /// incomplete when this is not 0.
    pub events_dropped: u64,
    /// The memory budget in bytes (`AADLINT_MEMORY_BUDGET`, in MiB): the events kept, and what
    /// the diagnosis and report make of them, are charged against it.
    pub memory_budget: u64,
    /// Of `events_dropped`, the events not kept because the memory budget was reached.
    pub events_over_budget: u64,
}

impl Analysis {
    /// The codes most worth a reader's attention first: by severity, then by failures, then by
    /// code (the JSON keeps them by code).
    pub fn codes_by_importance(&self) -> Vec<&CodeSummary> {
        let mut codes: Vec<&CodeSummary> = self.codes.iter().collect();
        codes.sort_by(|x, y| {
            y.severity
                .cmp(&x.severity)
                .then(y.failures.cmp(&x.failures))
                .then(x.code.cmp(&y.code))
        });
        codes
    }
}

/// Counts over time for dashboards: failures per code and findings per cause, per bucket.
#[derive(Clone, Debug, Serialize)]
pub struct Series {
    /// The bucket size: `1m`, `5m`, `1h`, `1d`, ...
    pub bucket: String,
    /// The bucket size in seconds.
    pub bucket_seconds: u64,
    /// One point per kind, key and bucket with a count, by kind, key and time.
    pub points: Vec<SeriesPoint>,
    /// What could not be placed in time (no timestamp, or one without its date), per kind and
    /// key.
    pub untimed: Vec<SeriesTotal>,
}

/// A count in one bucket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SeriesPoint {
    /// The start of the bucket, RFC 3339 UTC; buckets are aligned on the epoch (a `1h` bucket
    /// starts on the hour).
    pub time: UtcTime,
    /// `code` (failures of an AADSTS code) or `cause` (findings of a root cause).
    pub kind: &'static str,
    /// The code (`AADSTS50076`) or cause id.
    pub key: String,
    /// Failures of the code, or findings of the cause (by the time of their first line), that
    /// fall in the bucket.
    pub count: u64,
}

/// A count that has no time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SeriesTotal {
    /// `code` or `cause`.
    pub kind: &'static str,
    /// The code or cause id.
    pub key: String,
    /// Failures or findings without a known time.
    pub count: u64,
}

/// `1m`, `5m`, `1h`, `1d` for a bucket of that many minutes.
fn bucket_name(minutes: u32) -> String {
    if minutes % 1440 == 0 {
        format!("{}d", minutes / 1440)
    } else if minutes % 60 == 0 {
        format!("{}h", minutes / 60)
    } else {
        format!("{minutes}m")
    }
}

impl Analysis {
    /// The time series at `bucket_minutes` per bucket: for every code its failures (pending
    /// codes have none), for every cause its findings. Points plus untimed add up to
    /// `codes[].failures` and to the findings of each cause.
    pub fn series(&self, bucket_minutes: u32) -> Series {
        use std::collections::BTreeMap;
        let size = i64::from(bucket_minutes.max(1));
        let mut points: BTreeMap<(&'static str, &str, i64), u64> = BTreeMap::new();
        let mut untimed: BTreeMap<(&'static str, &str), u64> = BTreeMap::new();
        for c in self.codes.iter().filter(|c| !c.pending) {
            for &(minute, n) in &c.per_minute {
                *points
                    .entry(("code", &c.code, minute.div_euclid(size) * size))
                    .or_default() += n;
            }
            if c.untimed > 0 {
                *untimed.entry(("code", &c.code)).or_default() += c.untimed;
            }
        }
        for f in &self.findings {
            match f.first_time {
                Some(t) => {
                    let minute = t.0.div_euclid(60_000);
                    *points
                        .entry(("cause", f.cause.as_str(), minute.div_euclid(size) * size))
                        .or_default() += 1;
                }
                None => *untimed.entry(("cause", f.cause.as_str())).or_default() += 1,
            }
        }
        Series {
            bucket: bucket_name(bucket_minutes.max(1)),
            bucket_seconds: size as u64 * 60,
            points: points
                .into_iter()
                .map(|((kind, key, minute), count)| SeriesPoint {
                    time: UtcTime(minute * 60_000),
                    kind,
                    key: key.to_string(),
                    count,
                })
                .collect(),
            untimed: untimed
                .into_iter()
                .map(|((kind, key), count)| SeriesTotal {
                    kind,
                    key: key.to_string(),
                    count,
                })
                .collect(),
        }
    }
}

/// Name and version of the tool.
#[derive(Clone, Debug, Serialize)]
pub struct Tool {
    /// `aadlint`.
    pub name: &'static str,
    /// The crate version.
    pub version: &'static str,
}

impl Default for Tool {
    fn default() -> Self {
        Tool {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// Totals over the whole run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// Inputs named or found.
    pub inputs: usize,
    /// Inputs that could not be read completely.
    pub input_errors: usize,
    /// Bytes read.
    pub bytes: u64,
    /// Lines read.
    pub lines: u64,
    /// Distinct codes.
    pub codes: usize,
    /// Distinct failures over all codes (the sum of `codes[].failures`: pending states excluded).
    pub failures: usize,
    /// Distinct responses of pending states over all codes (AADSTS70016): normal steps of a
    /// device code flow, not failures.
    pub pending: usize,
    /// Device code flows.
    pub flows: usize,
    /// Findings, by severity (suppressed ones included).
    pub findings: SeverityCounts,
    /// Findings and codes that ignore entries suppressed (left out when there are none).
    #[serde(skip_serializing_if = "SuppressedCounts::is_empty")]
    pub suppressed: SuppressedCounts,
}

/// Counts per severity.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SeverityCounts {
    /// Errors.
    pub error: usize,
    /// Warnings.
    pub warning: usize,
    /// Infos.
    pub info: usize,
}

/// One AADSTS code and where it was seen.
#[derive(Clone, Debug, Serialize)]
pub struct CodeSummary {
    /// `AADSTS` plus digits.
    pub code: String,
    /// Microsoft's symbolic name, or empty.
    pub name: String,
    /// One-line meaning.
    pub meaning: String,
    /// The catalog's category, or `unknown`.
    pub category: String,
    /// Who usually fixes it.
    pub fixed_by: String,
    /// How serious.
    pub severity: Severity,
    /// Mentions written `AADSTS<code>` (what grep counts).
    pub occurrences: u64,
    /// Mentions as bare numbers in an Entra context (`"error_codes":[...]`).
    pub bare_occurrences: u64,
    /// Distinct events: one failure (or pending response) printed several times counts once.
    pub events: u64,
    /// True for codes that report a pending state (AADSTS70016, `authorization_pending`): their
    /// events are normal steps of a flow and count as no failure.
    pub pending: bool,
    /// Distinct failures: `events`, or 0 for a pending code.
    pub failures: u64,
    /// True when there were too many trace ids to remember them all: `failures` then counts
    /// each record once.
    pub failures_approximate: bool,
    /// The first fix to try, when the catalog has one.
    pub fix: Option<String>,
    /// Microsoft's page for the code.
    pub docs_url: String,
    /// Where, one per line, capped at [`crate::scan::tally::MAX_LOCATIONS`].
    pub locations: Vec<CodeLocation>,
    /// How many lines mention the code in all.
    pub locations_total: u64,
    /// Events by the minute they happened (minutes since the Unix epoch, UTC), for the time
    /// series; only minutes with a known date.
    #[serde(skip)]
    pub per_minute: Vec<(i64, u64)>,
    /// Events whose time is unknown (no timestamp, or one without a year).
    #[serde(skip)]
    pub untimed: u64,
    /// The ignore entry that suppresses the code: it is reported but never fails `--fail-on`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<IgnoreEntryRef>,
}

/// One line that mentions a code.
#[derive(Clone, Debug, Serialize)]
pub struct CodeLocation {
    /// The input.
    pub path: String,
    /// 1-based line.
    pub line: u64,
    /// Per-request trace id of the record.
    pub trace_id: Option<String>,
    /// Correlation id of the record.
    pub correlation_id: Option<String>,
    /// Timestamp of the record, as written in the log.
    pub timestamp: Option<String>,
    /// The same time in RFC 3339 UTC, when its date is known.
    pub time: Option<UtcTime>,
}

/// One device code flow.
#[derive(Clone, Debug, Serialize)]
pub struct FlowSummary {
    /// `dc:<fp>`, `uc:<fp>`, `corr:<id>` or `log:<path>:<line>`.
    pub id: String,
    /// Every identifier the flow is known by (fingerprints, never raw codes).
    pub identifiers: Vec<String>,
    /// The kinds of identifiers seen: `device_code`, `user_code`, `correlation_id`.
    pub identifier_kinds: Vec<&'static str>,
    /// The client library, when recognisable.
    pub client: Option<String>,
    /// Who polled or authorized (input, host, pid, thread), as labels.
    pub workers: Vec<String>,
    /// The same workers as objects.
    pub workers_detail: Vec<WorkerInfo>,
    /// First timestamp as written (version 1; `first_time_text` since version 2).
    pub first_timestamp: Option<String>,
    /// Last timestamp as written (version 1; `last_time_text` since version 2).
    pub last_timestamp: Option<String>,
    /// The earliest time of the flow, RFC 3339 UTC, when its date is known.
    pub first_time: Option<UtcTime>,
    /// The latest time of the flow, RFC 3339 UTC, when its date is known.
    pub last_time: Option<UtcTime>,
    /// The earliest timestamp as written in the log.
    pub first_time_text: Option<String>,
    /// The latest timestamp as written in the log.
    pub last_time_text: Option<String>,
    /// Where the flow starts.
    pub start: Evidence,
    /// Token requests made for the flow.
    pub polls: u64,
    /// The tenants its lines name (authority URLs), in order of first mention.
    pub tenants: Vec<String>,
    /// The application (client) ids its lines name, in order of first mention.
    pub client_ids: Vec<String>,
    /// The hosts of its workers, in order of first mention.
    pub hosts: Vec<String>,
    /// How it ended: tokens, declined, expired, abandoned, blocked, error, pending (still polling
    /// when the log ends) or unknown (no poll in the log).
    pub outcome: &'static str,
    /// Cause ids found for this flow.
    pub findings: Vec<CauseId>,
}

/// A line that supports a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The input.
    pub path: String,
    /// 1-based line.
    pub line: u64,
    /// The line, redacted and shortened.
    pub excerpt: String,
}

/// A root cause found for a flow.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// The cause id (`polled-after-success`, ...).
    pub cause: CauseId,
    /// How serious.
    pub severity: Severity,
    /// One line from the rule (shared by every finding of the cause).
    pub title: std::sync::Arc<str>,
    /// The flow id.
    pub flow: String,
    /// Workers involved, as labels.
    pub workers: Vec<String>,
    /// The same workers as objects.
    pub workers_detail: Vec<WorkerInfo>,
    /// The earliest time of the lines that show it, RFC 3339 UTC, when its date is known.
    pub first_time: Option<UtcTime>,
    /// The latest time of the lines that show it, RFC 3339 UTC, when its date is known.
    pub last_time: Option<UtcTime>,
    /// The earliest timestamp of those lines as written in the log.
    pub first_time_text: Option<String>,
    /// The latest timestamp of those lines as written in the log.
    pub last_time_text: Option<String>,
    /// The tenants the flow's lines name.
    pub tenants: Vec<String>,
    /// The application (client) ids the flow's lines name.
    pub client_ids: Vec<String>,
    /// The hosts of the workers involved.
    pub hosts: Vec<String>,
    /// What in the log shows it.
    pub message: String,
    /// Lines that show it.
    pub evidence: Vec<Evidence>,
    /// The fix from the rule (shared by every finding of the cause).
    pub fix: std::sync::Arc<str>,
    /// Other causes seen in the same flow that follow from this one.
    pub follows: Vec<CauseId>,
    /// The ignore entry that suppresses the finding: it is reported but never fails `--fail-on`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<IgnoreEntryRef>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_named_by_their_size() {
        assert_eq!(bucket_name(1), "1m");
        assert_eq!(bucket_name(5), "5m");
        assert_eq!(bucket_name(60), "1h");
        assert_eq!(bucket_name(90), "90m");
        assert_eq!(bucket_name(1440), "1d");
    }

    #[test]
    fn times_render_as_rfc3339_utc() {
        // 2026-11-27 10:04:14.420 UTC.
        let ms = 1_795_773_854_420;
        assert_eq!(UtcTime(ms).rfc3339(), "2026-11-27T10:04:14.420Z");
        assert_eq!(UtcTime(YEARLESS_BEFORE).rfc3339(), "1971-01-02T00:00:00Z");
        assert_eq!(
            UtcTime::from_millis(5_000),
            None,
            "a time without its year names no instant"
        );
        assert_eq!(UtcTime(951_782_400_000).rfc3339(), "2000-02-29T00:00:00Z");
    }
}
