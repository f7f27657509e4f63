//! What reading one candidate line gives: the facts of the line ([`LineHit`]), who wrote it
//! ([`WorkerTag`]) and the record head above it ([`RecordHead`]). Data only: `event` fills it,
//! `assemble` groups it into records.

use super::export::{CsvHeader, Row};
use crate::model::{CodeForm, FlowKey, Signal, Tenancy, Timestamp};

/// Host, process and thread named on a line.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct WorkerTag {
    /// Host, machine or pod.
    pub host: Option<String>,
    /// Process id.
    pub pid: Option<String>,
    /// Thread.
    pub thread: Option<String>,
    /// Program, service or process name.
    pub app: Option<String>,
}

/// Everything the scanner keeps of one candidate line.
#[derive(Clone, Debug, Default)]
pub struct LineHit {
    /// 1-based line number in the source (chunk-relative, 0-based, until the chunk is placed).
    pub line: u64,
    /// The line starts a log record (it has its own timestamp, or is a JSON object).
    pub head: bool,
    /// The line's own timestamp, or the value of a `Timestamp:` continuation.
    pub timestamp: Option<Timestamp>,
    /// The timestamp named its zone (so `millis` is UTC).
    pub zoned: bool,
    /// The layout that read the line's envelope (index into the input's layouts).
    pub layout: Option<usize>,
    /// Host, process and thread.
    pub worker: WorkerTag,
    /// Logged at ERROR level or worse.
    pub error_level: bool,
    /// AADSTS code mentions.
    pub codes: Vec<(u32, CodeForm)>,
    /// A per-request trace id.
    pub trace_id: Option<String>,
    /// A correlation id / client-request-id.
    pub correlation_id: Option<String>,
    /// Device code and user code fingerprints.
    pub keys: Vec<FlowKey>,
    /// What the line says about a device code flow.
    pub signals: Vec<Signal>,
    /// The status of an HTTP response line that does not repeat its URL (`< HTTP/1.1 200 OK`):
    /// it answers the worker's most recent open request (`assemble` pairs them).
    pub response: Option<u16>,
    /// The line is CI runner output: the whole input is a CI job's log.
    pub ci_job: bool,
    /// The client library the line names.
    pub client: Option<&'static str>,
    /// The tenant and application the line names (an authority URL, a `client_id`).
    pub tenancy: Option<Box<Tenancy>>,
    /// The line, redacted and shortened (when excerpts are made as lines are read).
    pub excerpt: String,
    /// The line can become a flow's evidence, so it needs an excerpt (made now, or later from
    /// `place`).
    pub quoted: bool,
    /// Where the line is: its byte offset in the chunk (then in its file), its length and the
    /// hash of its bytes, when its excerpt is made later.
    pub place: Option<(u64, u32, u64)>,
    /// For a window of a long line whose excerpt is made later: the window's start and length
    /// within `place` (which then holds the window and its redaction context).
    pub window: Option<(u32, u32)>,
    /// The line starts a record of a JSON sign-in export (`"createdDateTime": ...`).
    pub export_record: bool,
    /// The line is the header of a CSV sign-in export.
    pub csv_header: Option<Box<CsvHeader>>,
    /// The line may be a row of a CSV sign-in export, read once its header is known.
    pub csv_row: Option<Box<str>>,
    /// The line only continues the record above it (`Trace ID: ...`).
    pub continuation: bool,
    /// For a line that does not start a record: the line a few lines above that does, when no
    /// other line worth reading stands between them.
    pub record_head: Option<Box<RecordHead>>,
}

impl LineHit {
    /// Takes what a row of a CSV sign-in export says (the line is that row).
    pub fn take_row(&mut self, row: Row) {
        if row.timestamp.is_some() {
            self.timestamp = row.timestamp;
            self.head = true;
        }
        self.correlation_id = row.correlation_id.or(self.correlation_id.take());
        self.trace_id = row.trace_id.or(self.trace_id.take());
        self.codes.extend(row.code.map(|n| (n, CodeForm::Bare)));
        self.signals.extend(row.signals);
    }

    /// Whether the line carries anything worth keeping.
    pub fn is_useful(&self) -> bool {
        !self.codes.is_empty()
            || self.trace_id.is_some()
            || self.correlation_id.is_some()
            || !self.keys.is_empty()
            || !self.signals.is_empty()
            || self.response.is_some()
            || self.ci_job
            || (self.timestamp.is_some() && !self.head)
            || self.export_record
            || self.csv_header.is_some()
            || self.csv_row.is_some()
    }
}

/// What a line that starts a log record says about the lines below it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordHead {
    /// How many lines above the line it heads.
    pub lines_above: u64,
    /// The record's timestamp.
    pub timestamp: Option<Timestamp>,
    /// The timestamp named its zone.
    pub zoned: bool,
    /// The layout that read it.
    pub layout: Option<usize>,
    /// Who wrote the record.
    pub worker: WorkerTag,
    /// The record was logged at ERROR level or worse.
    pub error_level: bool,
}
