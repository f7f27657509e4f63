//! The result of a run: one in-memory document that every renderer renders. Its serde form is
//! the `--format json` contract (schema version [`SCHEMA_VERSION`]): fields may be added, never
//! renamed.

use crate::model::{InputSummary, Severity};
use serde::Serialize;

/// Bumped on any breaking change of the JSON report.
pub const SCHEMA_VERSION: u32 = 1;

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
    /// Events not kept because the cap was reached: flows may be incomplete when this is not 0.
    pub events_dropped: u64,
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
    /// Distinct failures over all codes.
    pub failures: usize,
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
    /// Distinct failures: one failure printed several times counts once.
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
    /// Timestamp of the record.
    pub timestamp: Option<String>,
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
    /// Who polled or authorized (input, host, pid, thread).
    pub workers: Vec<String>,
    /// First timestamp.
    pub first_timestamp: Option<String>,
    /// Last timestamp.
    pub last_timestamp: Option<String>,
    /// Where the flow starts.
    pub start: Evidence,
    /// Token requests made for the flow.
    pub polls: u64,
    /// How it ended: tokens, declined, expired, abandoned, blocked, error, pending (still polling
    /// when the log ends) or unknown (no poll in the log).
    pub outcome: &'static str,
    /// Cause ids found for this flow.
    pub findings: Vec<String>,
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
    pub cause: String,
    /// How serious.
    pub severity: Severity,
    /// One line from the rule.
    pub title: String,
    /// The flow id.
    pub flow: String,
    /// Workers involved.
    pub workers: Vec<String>,
    /// What in the log shows it.
    pub message: String,
    /// Lines that show it.
    pub evidence: Vec<Evidence>,
    /// The fix from the rule.
    pub fix: String,
    /// Other causes seen in the same flow that follow from this one.
    pub follows: Vec<String>,
    /// The ignore entry that suppresses the finding: it is reported but never fails `--fail-on`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<IgnoreEntryRef>,
}
