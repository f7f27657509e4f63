//! Report: renders one [`Analysis`] in the format the user asked for. Renderers only render; no
//! analysis happens here.
//!
//! | format | for | what |
//! |---|---|---|
//! | `table` | people | summary, findings worst first, codes, flows with findings |
//! | `concise` | editors, grep | one `path:line: severity[id] message` line per finding and error code |
//! | `json` | dashboards, scripts | the [`Analysis`] itself ([`REPORT_SCHEMA`] describes it) |
//! | `sarif` | GitHub code scanning, SARIF viewers | SARIF 2.1.0 |
//! | `github` | GitHub Actions logs | workflow commands (annotations) |
//! | `azure` | Azure Pipelines logs | `##vso[task.logissue]` commands |
//! | `markdown` | `$GITHUB_STEP_SUMMARY`, PR comments | counts, tables, fixes |
//!
//! `sarif`, `github` and `azure` carry the same results: every finding and every AADSTS code of
//! severity error (see the `ci` module). Findings and codes that ignore entries suppress are only
//! counted outside `json`, which keeps them, marked.

mod azure;
mod ci;
mod concise;
mod explain;
mod github;
mod json;
mod layouts;
mod markdown;
mod pretty;
mod sarif;
mod table;
mod text;

pub use explain::{
    explain_cause, explain_code, explain_group, explain_oauth, oauth_error, rules_json, rules_table, OauthError,
};
pub use layouts::{clients_table, layouts_json, layouts_table};
pub use sarif::SARIF_SCHEMA_URI;

use crate::analysis::Analysis;
use std::io::{self, Write};
use std::path::Path;

/// The JSON Schema (draft 2020-12) of the `--format json` report, as `aadlint schema` prints it.
pub const REPORT_SCHEMA: &str = include_str!("../../schema/report.schema.json");

/// Output formats of `aadlint scan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The report to read: summary, findings worst first, codes, flows with findings (the default).
    Table,
    /// One line per finding and error code, `path:line: severity[id] message`.
    Concise,
    /// One versioned JSON document (`aadlint schema` prints its JSON Schema).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning (upload-sarif) and SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands: an annotation per finding and per error code.
    Github,
    /// Azure Pipelines logging commands: an issue per finding and per error code.
    Azure,
    /// A markdown summary for $GITHUB_STEP_SUMMARY and pull-request comments.
    Markdown,
}

impl Format {
    /// True for the formats people read in a terminal (colour and width apply).
    pub fn is_human_readable(self) -> bool {
        matches!(self, Format::Table | Format::Concise)
    }
}

/// Rendering options.
#[derive(Clone, Copy, Debug)]
pub struct Style<'a> {
    /// Use ANSI colours (only the table has any).
    pub color: bool,
    /// Width in columns that the table report, its tables and excerpts fit.
    pub width: u16,
    /// The directory CI formats make absolute input paths relative to (the current directory);
    /// `None` keeps every path as given.
    pub root: Option<&'a Path>,
    /// How many causes, codes and flows each section of the table shows (`--top`); `None`: all.
    pub top: Option<usize>,
    /// The table lists flows without findings too (`--all-flows`).
    pub all_flows: bool,
    /// Whole fixes, every evidence line and every flow id (`--verbose`).
    pub verbose: bool,
    /// Minutes per bucket of the JSON time series (`--bucket`).
    pub bucket_minutes: u32,
}

impl Default for Style<'_> {
    fn default() -> Self {
        Style {
            color: false,
            width: DEFAULT_WIDTH,
            root: None,
            top: None,
            all_flows: false,
            verbose: false,
            bucket_minutes: 1,
        }
    }
}

/// The width reports fit when the terminal's is unknown (piped, no `COLUMNS`).
pub const DEFAULT_WIDTH: u16 = 100;

/// A serde_json write error as the I/O error it wraps when it wraps one, so that a closed pipe
/// stays a [`io::ErrorKind::BrokenPipe`] the caller can recognise.
fn json_error(e: serde_json::Error) -> io::Error {
    match e.io_error_kind() {
        Some(kind) => io::Error::new(kind, e),
        None => io::Error::other(e),
    }
}

/// The sentence every format uses for an input that could not be read.
fn unreadable(path: &str, error: Option<&str>) -> String {
    format!("Could not read {path}: {}.", error.unwrap_or_default())
}

/// The sentence every format uses when the event cap left events out, if it did.
fn events_dropped(limits: &crate::analysis::Limits) -> Option<String> {
    (limits.events_dropped > 0).then(|| {
        if limits.events_over_budget > 0 {
            format!(
                "{} device code flow event(s) were not kept: the memory budget of {} MiB (AADLINT_MEMORY_BUDGET) was reached, and flows after it are left out or incomplete.",
                limits.events_dropped,
                limits.memory_budget >> 20
            )
        } else {
            format!(
                "{} device code flow event(s) were not kept (the cap is {}, AADLINT_MAX_EVENTS): flows may be incomplete.",
                limits.events_dropped, limits.max_events
            )
        }
    })
}

/// The sentences the table uses for the clock skews assumed between inputs.
fn skew_notes(a: &Analysis) -> Vec<String> {
    a.clock_skew
        .iter()
        .map(|s| {
            format!(
                "Flow {}: {} was taken to be at least {} ms behind {} (--max-skew {} ms) to put a poll after the tokens it came after.",
                s.flow, s.input, s.millis, s.behind, s.max_skew_millis
            )
        })
        .collect()
}

/// The sentences the table and markdown use for what ignore entries did: how many findings and
/// codes they suppressed, and each expired entry.
fn suppression_notes(a: &Analysis) -> Vec<String> {
    let mut notes = Vec::new();
    let n = &a.summary.suppressed;
    if !n.is_empty() {
        notes.push(format!(
            "{} finding(s) and {} code(s) are suppressed by ignore entries or a baseline: they never fail --fail-on, suppressed findings are left out of this report, and the JSON report marks them all.",
            n.findings, n.codes
        ));
    }
    for e in &a.expired_ignores {
        notes.push(format!(
            "The ignore entry at {} expired on {} and no longer suppresses anything ({}).",
            e.source,
            e.expires.as_deref().unwrap_or_default(),
            e.reason
        ));
    }
    notes
}

/// Writes the report.
pub fn render(analysis: &Analysis, format: Format, style: Style<'_>, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Table => table::render(analysis, style, out),
        Format::Concise => concise::render(analysis, style, out),
        Format::Json => json::render(analysis, style, out),
        Format::Sarif => sarif::render(analysis, style, out),
        Format::Github => github::render(analysis, style, out),
        Format::Azure => azure::render(analysis, style, out),
        Format::Markdown => markdown::render(analysis, style, out),
    }
}
