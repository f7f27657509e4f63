//! Reads one candidate line: codes, ids, timestamp, worker, and what it says about a device code
//! flow. Works on bytes; knows nothing about the lines around it (see `assemble`).

use super::clients;
use super::export::{CsvHeader, MIN_CSV_COMMAS};
use super::keywords::{self, has, has_ci, Dfa, Keywords};
use super::record::Reader;
use super::{codes, contains, is_blank, is_word, secrets, time, values};
use crate::model::{
    CodeForm, FlowKey, IdKind, Outcome, Signal, Timestamp, CONDITIONAL_ACCESS_CODES, DEVICE_FLOW_CODES,
};
use regex::bytes::Regex;
use std::sync::{LazyLock, OnceLock};

/// The longest excerpt kept for a line, in characters.
pub const EXCERPT_CHARS: usize = 240;

/// How many characters of a long line's start its excerpt keeps before the part around its anchor.
const EXCERPT_HEAD: usize = 60;

/// Host, process and thread named on a line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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
    /// The line is CI runner output: the whole input is a CI job's log.
    pub ci_job: bool,
    /// The client library the line names.
    pub client: Option<&'static str>,
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

/// Whether a line starts a log record: a layout reads an envelope from it (a time, a level, a
/// worker), or it is a JSON object with a message or time field. Continuation lines
/// (`Timestamp: ...`) do not.
pub fn starts_record(line: &[u8], reader: &Reader) -> bool {
    !super::prefilter::is_continuation(line) && opens_record(line, reader)
}

/// [`starts_record`] for a line known not to be a continuation.
pub fn opens_record(line: &[u8], reader: &Reader) -> bool {
    if trim_start(line).first() == Some(&b'{') {
        if reader.read(line).is_some_and(|e| e.is_head()) {
            return true;
        }
        return contains!(line, "\"message\"")
            || contains!(line, "\"msg\"")
            || json_time_key(line) && patterns().json_ts.is_match(line);
    }
    reader.layouts().reads_a_head(line) || head_timestamp(line).is_some()
}

/// Where the timestamp that starts a record in no known layout stands, and its time: near the
/// start of the line. One further in is part of the message (a quoted date, an error body's
/// `Timestamp:`, `The code will expire at ...`) and never the line's time.
fn head_timestamp(line: &[u8]) -> Option<(std::ops::Range<usize>, Option<i64>)> {
    let head_text = &line[..line.len().min(200)];
    let (range, millis) = time::locate(head_text)?;
    (range.start < 40).then_some((range, millis))
}

/// The record head a line is, when it starts a record.
pub fn record_head(line: &[u8], lines_above: u64, reader: &Reader) -> Option<RecordHead> {
    if !starts_record(line, reader) {
        return None;
    }
    // A line that starts a record is no continuation.
    let head = read_head(line, false, reader);
    head.head.then_some(RecordHead {
        lines_above,
        timestamp: head.timestamp,
        zoned: head.zoned,
        layout: head.layout,
        worker: head.worker,
        error_level: head.error_level,
    })
}

impl LineHit {
    /// Whether the line carries anything worth keeping.
    pub fn is_useful(&self) -> bool {
        !self.codes.is_empty()
            || self.trace_id.is_some()
            || self.correlation_id.is_some()
            || !self.keys.is_empty()
            || !self.signals.is_empty()
            || self.ci_job
            || (self.timestamp.is_some() && !self.head)
            || self.export_record
            || self.csv_header.is_some()
            || self.csv_row.is_some()
    }
}

struct Patterns {
    v1_code: LazyLock<Regex>,
    json_ts: LazyLock<Regex>,
    json_pid: LazyLock<Regex>,
    json_thread: LazyLock<Regex>,
    json_host: LazyLock<Regex>,
    kv_worker: LazyLock<Regex>,
    syslog_worker: LazyLock<Regex>,
    klog_pid: LazyLock<Regex>,
}

static P: Patterns = Patterns {
    v1_code: LazyLock::new(|| super::ascii_regex(r"(?:^|[?&\s])code=([A-Za-z0-9_\-.~+/%]{10,}=*)")),
    json_ts: LazyLock::new(|| {
        super::ascii_regex(
            r#""(?:timestamp|time|@timestamp|TimeGenerated|createdDateTime|asctime)"\s*:\s*"([^"]{8,40})""#,
        )
    }),
    json_pid: LazyLock::new(|| super::ascii_regex(r#""(?:pid|process|processId|process_id)"\s*:\s*"?([0-9]+)"#)),
    json_thread: LazyLock::new(|| super::ascii_regex(r#""(?:thread|threadName|thread_name|tid)"\s*:\s*"?([\w.\-]+)"#)),
    json_host: LazyLock::new(|| {
        super::ascii_regex(r#""(?:host|hostname|host_name|computer|Computer|pod|pod_name|machine)"\s*:\s*"([\w.\-]+)""#)
    }),
    kv_worker: LazyLock::new(|| {
        super::ascii_regex(r"\b(pid|tid|thread|host|hostname|pod)[=:]\s?([\w.\-]+)|\[T:([0-9]+)\]|\[pid ([0-9]+)\]")
    }),
    syslog_worker: LazyLock::new(|| {
        super::ascii_regex(r"^\w{3} +[0-9]+ [0-9][0-9]:[0-9][0-9]:[0-9][0-9] ([\w.\-]+) [\w./-]+\[([0-9]+)\]:")
    }),
    klog_pid: LazyLock::new(|| {
        super::ascii_regex(r"^[IWEF][0-9]{4} [0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]+\s+([0-9]+) ")
    }),
};

fn patterns() -> &'static Patterns {
    &P
}

/// Builds the searcher every record head needs now (see [`super::prepare`]); each pattern is
/// built when a line first needs it.
pub(super) fn prepare() {
    error_level(b"");
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A uuid that stands for "no id": all zeros or one repeated digit.
fn real_uuid(u: &[u8]) -> Option<String> {
    let hex: Vec<u8> = u.iter().copied().filter(|&b| b != b'-').collect();
    if hex.iter().all(|&b| b == hex[0]) {
        return None;
    }
    Some(text(u).to_ascii_lowercase())
}

/// When the excerpt of a line that may be quoted is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Excerpts {
    /// While the line is read: its bytes cannot be read again (streams).
    Now,
    /// Only if a report quotes it: the scanner records where the line is.
    Later,
}

/// Parses one line (without its line end), making its excerpt now, with layouts detected on
/// nothing (each line is read by whichever layout reads it).
pub fn parse(line: &[u8]) -> LineHit {
    parse_with(line, Excerpts::Now, &Reader::default())
}

/// Parses one line (without its line end). What the line says comes first; a line that says
/// nothing worth keeping is returned as it is, without reading its time, worker or level.
pub fn parse_with(line: &[u8], excerpts: Excerpts, reader: &Reader) -> LineHit {
    let mut hit = LineHit {
        continuation: super::prefilter::is_continuation(line),
        ..LineHit::default()
    };
    let trimmed = trim_start(line);
    let kw = Keywords::of(line);
    if memchr::memchr_iter(b',', line).count() >= MIN_CSV_COMMAS {
        if let Some(header) = has!(kw, "Correlation ID").then(|| CsvHeader::parse(line)).flatten() {
            hit.csv_header = Some(Box::new(header));
            return hit;
        }
        if trimmed.first().is_some_and(u8::is_ascii_digit) {
            hit.csv_row = Some(String::from_utf8_lossy(line).into());
        }
    }
    let bare_key = keywords::bare_code_key(kw);
    let traced =
        has_ci!(kw, "trace id") || has_ci!(kw, "trace_id") || has_ci!(kw, "trace-id") || has_ci!(kw, "traceid");
    let keyed = has_ci!(kw, "correlation") || has!(kw, "client-request-id");
    let bracketed = has!(kw, "Z - ") || has!(kw, "] : [") || has!(kw, "GMT:");
    // The line in lowercase, made once for the keys matched in any case.
    let lower = if bare_key || traced || keyed || device_code_key(kw) || user_code_key(kw) {
        line.to_ascii_lowercase()
    } else {
        Vec::new()
    };
    codes::find_with(line, bare_key.then_some(&lower[..]), &mut hit.codes);
    hit.trace_id = traced
        .then(|| values::trace(line, &lower))
        .flatten()
        .and_then(real_uuid);
    let id = keyed
        .then(|| values::correlation(line, &lower))
        .flatten()
        .or_else(|| bracketed.then(|| values::bracketed(line)).flatten());
    hit.correlation_id = id.and_then(real_uuid);
    flow_facts(line, &lower, kw, &mut hit);
    hit.ci_job = has!(kw, "##[")
        || has!(kw, "##vso[")
        || has!(kw, "GITHUB_ACTIONS")
        || has!(kw, "GITLAB_CI")
        || has!(kw, "BUILD_BUILDID");
    let export_key = has!(kw, "\"createdDateTime\"") || has!(kw, "\"TimeGenerated\"");
    if !(hit.is_useful() || hit.continuation || export_key) {
        return hit;
    }

    let head = read_head(line, hit.continuation, reader);
    hit.head = head.head;
    hit.timestamp = head.timestamp;
    hit.zoned = head.zoned;
    hit.layout = head.layout;
    hit.worker = head.worker;
    hit.error_level = head.error_level;
    hit.export_record = hit.head && export_key;
    hit.client = hit.client.or(keywords::client(kw));
    // Only lines that can become a flow's evidence need their (costly) redacted excerpt: a plain
    // error line with an ordinary code is counted, not quoted.
    let flow_line = !hit.keys.is_empty()
        || hit.signals.iter().any(|s| s != &Signal::Outcome(Outcome::OtherError))
        || hit.codes.is_empty()
        || hit
            .codes
            .iter()
            .any(|c| DEVICE_FLOW_CODES.contains(&c.0) || CONDITIONAL_ACCESS_CODES.contains(&c.0));
    hit.quoted = flow_line && hit.is_useful();
    if hit.quoted && excerpts == Excerpts::Now {
        hit.excerpt = excerpt(line);
    }
    hit
}

/// What the start of a line (or a JSON line's fields) says about the record it belongs to.
struct Head {
    head: bool,
    timestamp: Option<Timestamp>,
    zoned: bool,
    layout: Option<usize>,
    worker: WorkerTag,
    error_level: bool,
}

/// Time, worker and level: from the envelope a layout reads, else from the start of the line or
/// a JSON line's common keys (`continuation`: the line only continues the record above it).
fn read_head(line: &[u8], continuation: bool, reader: &Reader) -> Head {
    let mut h = Head {
        head: false,
        timestamp: None,
        zoned: false,
        layout: None,
        worker: WorkerTag::default(),
        error_level: false,
    };
    let start = &line[..line.len().min(320)];
    if continuation {
        if contains!(&line[..line.len().min(40)], "Timestamp") {
            h.timestamp = time::find(line);
            h.zoned = h.timestamp.as_ref().is_some_and(|t| t.text.ends_with('Z'));
        }
        h.error_level = error_level(start);
        return h;
    }
    if let Some(env) = reader.read(line).filter(|e| e.is_head()) {
        h.head = true;
        h.layout = env.layout;
        h.zoned = env.zoned;
        h.error_level = env.error_level().unwrap_or_else(|| error_level(start));
        h.timestamp = env.time;
        if h.timestamp.is_none() && trim_start(line).first() == Some(&b'{') {
            // A JSON record whose time is under another common key than its layout's.
            h.timestamp = json_time(line);
            h.zoned = h.timestamp.as_ref().is_some_and(|t| t.text.ends_with('Z'));
        }
        h.worker = WorkerTag {
            host: env.host,
            pid: env.pid,
            thread: env.thread,
            app: env.app,
        };
        if h.worker.pid.is_none() || h.worker.thread.is_none() {
            // A worker named inside the message (`[tid=140076847685918]`, `pid=12`).
            let message = &line[env.message_at.min(line.len())..];
            let named = worker_named(&message[..message.len().min(200)]);
            h.worker.pid = h.worker.pid.or(named.pid);
            h.worker.thread = h.worker.thread.or(named.thread);
            h.worker.host = h.worker.host.or(named.host);
        }
        return h;
    }
    let p = patterns();
    let is_json = trim_start(line).first() == Some(&b'{');
    let head_text = &line[..line.len().min(200)];
    if is_json {
        h.timestamp = json_time(line);
        h.head = h.timestamp.is_some() || contains!(line, "\"message\"") || contains!(line, "\"msg\"");
        // Each pattern runs only where one of its keys stands.
        let pid = contains!(line, "\"pid\"") || contains!(line, "\"process");
        let thread = contains!(line, "\"thread") || contains!(line, "\"tid\"");
        let host = contains!(line, "\"host")
            || contains!(line, "omputer\"")
            || contains!(line, "\"pod")
            || contains!(line, "\"machine\"");
        h.worker.pid = pid.then(|| p.json_pid.captures(line)).flatten().map(|c| text(&c[1]));
        h.worker.thread = thread
            .then(|| p.json_thread.captures(line))
            .flatten()
            .map(|c| text(&c[1]));
        h.worker.host = host.then(|| p.json_host.captures(line)).flatten().map(|c| text(&c[1]));
    } else if let Some((range, millis)) = head_timestamp(line) {
        h.head = true;
        h.worker = worker_after(line, range.end);
        h.timestamp = Some(time::stamp(&line[range], millis));
    }
    if h.worker == WorkerTag::default() {
        h.worker = worker_named(head_text);
    }
    h.error_level = error_level(start) || (is_json && line.len() > start.len() && error_level(line));
    h
}

/// A worker named by a key in free text: `pid=12`, `tid: 7`, `host=web-1`, `[T:3]`, `[pid 12]`.
fn worker_named(text_: &[u8]) -> WorkerTag {
    let mut w = WorkerTag::default();
    let named = contains!(text_, "pid")
        || contains!(text_, "tid")
        || contains!(text_, "host")
        || contains!(text_, "thread")
        || contains!(text_, "pod")
        || contains!(text_, "[T:");
    if !named {
        return w;
    }
    // Each key once, the first of its kind (`pid=12 tid=7` names both).
    for c in patterns().kv_worker.captures_iter(text_) {
        let slot = match (c.get(1), c.get(2), c.get(3), c.get(4)) {
            (Some(k), Some(v), _, _) => match k.as_bytes() {
                b"pid" => (&mut w.pid, v),
                b"host" | b"hostname" | b"pod" => (&mut w.host, v),
                _ => (&mut w.thread, v),
            },
            (_, _, Some(t), _) => (&mut w.thread, t),
            (_, _, _, Some(pid)) => (&mut w.pid, pid),
            _ => continue,
        };
        slot.0.get_or_insert_with(|| text(slot.1.as_bytes()));
    }
    w
}

/// Whether a JSON line holds one of the keys of [`Patterns::json_ts`] (`"timestamp"`, `"time"`,
/// `"@timestamp"`, `"TimeGenerated"`, `"createdDateTime"`, `"asctime"`): the pattern runs only
/// then.
fn json_time_key(line: &[u8]) -> bool {
    contains!(line, "timestamp\"")
        || contains!(line, "\"time\"")
        || contains!(line, "\"TimeGenerated\"")
        || contains!(line, "\"createdDateTime\"")
        || contains!(line, "\"asctime\"")
}

/// The time a JSON line's time key gives.
fn json_time(line: &[u8]) -> Option<Timestamp> {
    json_time_key(line)
        .then(|| patterns().json_ts.captures(line))
        .flatten()
        .and_then(|c| time::find(&c[1]))
}

fn trim_start(line: &[u8]) -> &[u8] {
    let n = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &line[n..]
}

/// Whether `text` says it was logged at ERROR level or worse: `ERROR` / `FATAL` / `CRITICAL` /
/// `SEVERE` standing alone, `"level": "error"`, `level=fatal`, klog's `E1127 `, `[error]`, a
/// leading `Error` or `Uncaught`, `Exception: ` or `throwable=`. Read by hand around the words
/// one search finds (this runs on every record head; see the test for the same rule as a regex).
fn error_level(text: &[u8]) -> bool {
    const WORDS: [&str; 7] = [
        "error",
        "fatal",
        "critical",
        "severe",
        "level",
        "exception: ",
        "throwable=",
    ];
    static SEARCH: OnceLock<Dfa> = OnceLock::new();
    let search = SEARCH.get_or_init(|| Dfa::new(&WORDS, |_| false));
    let klog = text.first() == Some(&b'E') && text.get(1..5).is_some_and(all_digits) && text.get(5) == Some(&b' ');
    let lead = &text[text.iter().take_while(|&&b| is_blank(b)).count()..];
    let lead = lead.strip_prefix(b"[").unwrap_or(lead);
    let leading = [&b"Error"[..], b"Uncaught"]
        .iter()
        .any(|w| lead.starts_with(w) && !lead.get(w.len()).is_some_and(|&b| is_word(b)));
    let mut level = klog || leading;
    search.each_match(text, |i, start| level = level || says_error(text, WORDS[i], start));
    level
}

/// Whether `word` (one of [`error_level`]'s, found ignoring case at byte `s` of `text`) says the
/// line was logged at ERROR level or worse.
fn says_error(text: &[u8], word: &str, s: usize) -> bool {
    let e = s + word.len();
    let found = &text[s..e];
    let before = s.checked_sub(1).map(|i| text[i]);
    let after = text.get(e).copied();
    match word {
        "level" => {
            let value = |at: usize, values: &[&[u8]]| {
                values
                    .iter()
                    .find(|v| text.get(at..at + v.len()).is_some_and(|t| t.eq_ignore_ascii_case(v)))
                    .map(|v| at + v.len())
            };
            let quoted = before == Some(b'"') && after == Some(b'"') && {
                let skip = |at: usize| at + text[at.min(text.len())..].iter().take_while(|&&b| is_blank(b)).count();
                let colon = skip(e + 1);
                let quote = skip(colon + 1);
                text.get(colon) == Some(&b':')
                    && text.get(quote) == Some(&b'"')
                    && value(quote + 1, &[b"error", b"fatal", b"critical"])
                        .is_some_and(|end| text.get(end) == Some(&b'"'))
            };
            quoted || (after == Some(b'=') && value(e + 1, &[b"error", b"fatal"]).is_some())
        }
        "exception: " => found == b"Exception: ",
        "throwable=" => found == b"throwable=",
        word => {
            let alone = found.iter().all(u8::is_ascii_uppercase)
                && before.is_none_or(|b| is_blank(b) || b"[|:".contains(&b))
                && after.is_none_or(|b| is_blank(b) || b"]|:".contains(&b));
            let bracketed = word == "error" && found == b"error" && before == Some(b'[') && after == Some(b']');
            alone || bracketed
        }
    }
}

/// The pid and thread that follow a leading timestamp (`... 21441 MainThread logger LEVEL msg`),
/// or the forms syslog and klog use.
fn worker_after(line: &[u8], ts_end: usize) -> WorkerTag {
    let p = patterns();
    let mut w = WorkerTag::default();
    // Each regex runs only where the start of the line has its shape.
    if let Some(c) = time::syslog_shape(line)
        .then(|| p.syslog_worker.captures(line))
        .flatten()
    {
        w.host = Some(text(&c[1]));
        w.pid = Some(text(&c[2]));
    } else if let Some(c) = time::klog_shape(line).then(|| p.klog_pid.captures(line)).flatten() {
        w.pid = Some(text(&c[1]));
    } else if let Some((pid, thread)) = pid_and_thread(&line[ts_end.min(line.len())..]) {
        w.pid = Some(text(pid));
        const LEVELS: [&[u8]; 9] = [
            b"TRACE",
            b"DEBUG",
            b"INFO",
            b"WARN",
            b"WARNING",
            b"ERROR",
            b"CRITICAL",
            b"FATAL",
            b"-",
        ];
        let thread = unbracket(thread);
        if !LEVELS.contains(&thread) {
            w.thread = Some(text(thread));
        }
    }
    w
}

/// `] 21441 MainThread ` after a timestamp: blanks, a pid of 1 to 7 digits, blanks, a thread name
/// (maybe `[bracketed]`) and a blank (what the regex `^\]?\s+([0-9]{1,7})\s+(\[[\w.-]+\]|[\w.-]+)\s`
/// matches, read by hand: it runs on every record head).
fn pid_and_thread(rest: &[u8]) -> Option<(&[u8], &[u8])> {
    let run = |from: usize, f: fn(u8) -> bool| rest.get(from..).map_or(0, |r| r.iter().take_while(|&&b| f(b)).count());
    let name = |b: u8| is_word(b) || b == b'.' || b == b'-';
    let mut i = usize::from(rest.first() == Some(&b']'));
    let blanks = run(i, is_blank);
    let pid_at = i + blanks;
    let digits = run(pid_at, |b| b.is_ascii_digit());
    let after_pid = pid_at + digits;
    if blanks == 0 || !(1..=7).contains(&digits) {
        return None;
    }
    let blanks = run(after_pid, is_blank);
    i = after_pid + blanks;
    let thread_end = if rest.get(i) == Some(&b'[') {
        let n = run(i + 1, name);
        (n > 0 && rest.get(i + 1 + n) == Some(&b']')).then_some(i + 2 + n)?
    } else {
        i + run(i, name)
    };
    let ends_in_blank = rest.get(thread_end).is_some_and(|&b| is_blank(b));
    (blanks > 0 && thread_end > i && ends_in_blank).then(|| (&rest[pid_at..after_pid], &rest[i..thread_end]))
}

fn all_digits(b: &[u8]) -> bool {
    b.iter().all(u8::is_ascii_digit)
}

/// `[name]` without its brackets.
fn unbracket(s: &[u8]) -> &[u8] {
    let s = s.strip_prefix(b"[").unwrap_or(s);
    s.strip_suffix(b"]").unwrap_or(s)
}

/// Device-code-flow facts: identifiers, requests, responses and client messages.
fn flow_facts(line: &[u8], lower: &[u8], kw: Keywords, hit: &mut LineHit) {
    let p = patterns();
    let device_grant = has!(kw, "grant-type:device_code")
        || has!(kw, "grant_type=device_code")
        || has!(kw, "\"grant_type\": \"device_code\"");
    let devicecode = has_ci!(kw, "devicecode");
    if device_code_key(kw) {
        for v in values::device_codes(line, lower) {
            if !secrets::is_placeholder(v) && !v.starts_with(b"urn:") {
                push_key(hit, IdKind::DeviceCode, v);
            }
        }
    }
    if device_grant {
        if let Some(c) = p.v1_code.captures(line) {
            push_key(hit, IdKind::DeviceCode, &c[1]);
        }
    }
    if user_code_key(kw) {
        for v in values::user_codes(line, lower) {
            if !secrets::is_placeholder(v) && v.iter().any(u8::is_ascii_uppercase) {
                push_key(hit, IdKind::UserCode, v);
            }
        }
    }

    let prompt = has_ci!(kw, "enter the code")
        || has!(kw, "verification_uri")
        || has!(kw, "verification_url")
        // A sign-in export record of a device code sign-in.
        || (has!(kw, "\"deviceCode\"")
            && (is_key(line, b"\"deviceCode\"") || contains!(line, "\"authenticationProtocol\"")))
        || has!(kw, "\"deviceCodeFlow\"");
    if (devicecode && values::names_devicecode_endpoint(line))
        || prompt
        || has!(kw, "Token Acquisition (DeviceCodeRequest) started")
    {
        let expires_in = has!(kw, "expires_in")
            .then(|| values::number_after(line, "expires_in", 6))
            .flatten();
        let interval = has!(kw, "interval")
            .then(|| values::number_after(line, "interval", 4))
            .flatten();
        hit.signals.push(Signal::Authorization { expires_in, interval });
    } else if has!(kw, "oauth2/") && values::names_token_endpoint(line) {
        let status = values::http_status(line).or_else(|| values::status_field(line));
        // A URL in an error text or a discovery document is not a request.
        let request = has!(kw, "POST") || has!(kw, "Request URL") || has!(kw, "Sending token request") || device_grant;
        if request {
            hit.signals.push(Signal::Poll { status, device_grant });
        }
    } else if device_grant && !has!(kw, "token_cache") {
        hit.signals.push(Signal::Poll {
            status: None,
            device_grant,
        });
    }
    if has!(kw, "Generate or reuse correlation_id") {
        hit.signals.push(Signal::Context);
    }
    if has!(kw, "Attempted too soon") {
        hit.signals.push(Signal::TooSoon);
    }
    // What a client family's own phrases tell (`rules/clients/`).
    let said = clients::Phrases::builtin().read(line);
    for s in said.signals {
        let known = hit
            .signals
            .iter()
            .any(|h| std::mem::discriminant(h) == std::mem::discriminant(&s));
        if !known {
            hit.signals.push(s);
        }
    }
    if let Some(o) = outcome(line, kw, &hit.codes).or(said.outcome) {
        hit.signals.push(Signal::Outcome(o));
    }
    hit.client = said.client;
}

/// Whether `quoted` stands on the line as a JSON key (a colon follows it), not as a value
/// (`"authType": "deviceCode"` says how a session signed in, not that a flow ran here; a sign-in
/// export's `"authenticationProtocol": "deviceCode"` does say it).
fn is_key(line: &[u8], quoted: &[u8]) -> bool {
    memchr::memmem::find_iter(line, quoted).any(|at| {
        let after = super::skip(line, at + quoted.len(), is_blank);
        line.get(after) == Some(&b':')
    })
}

/// Whether the line holds a key that a device code may follow (`device_code`, `devicecode`).
fn device_code_key(kw: Keywords) -> bool {
    has_ci!(kw, "devicecode") || has_ci!(kw, "device_code")
}

/// Whether the line holds a key that a user code may follow (`user code`, `enter the code`).
fn user_code_key(kw: Keywords) -> bool {
    has_ci!(kw, "user_code")
        || has_ci!(kw, "user code")
        || has_ci!(kw, "user-code")
        || has_ci!(kw, "usercode")
        || has_ci!(kw, "enter the code")
}

fn push_key(hit: &mut LineHit, kind: IdKind, value: &[u8]) {
    let key = FlowKey {
        kind,
        value: secrets::fingerprint(value),
    };
    if !hit.keys.contains(&key) {
        hit.keys.push(key);
    }
}

/// What a response or client message says about the state of a flow.
fn outcome(line: &[u8], kw: Keywords, codes: &[(u32, CodeForm)]) -> Option<Outcome> {
    let code = |n: u32| codes.iter().any(|c| c.0 == n);
    if has!(kw, "Timed out waiting for user to authenticate")
        || has!(kw, "Device code expired. Expiration time")
        || has!(kw, "Expired Device code")
        || has!(kw, "device_code_expired")
        || has!(kw, "expired before contacting the server")
        || has!(kw, "Timeout from \"get_token_with_polling\"")
        || has!(kw, "User defined timeout for device code polling")
        || has!(kw, "TaskCanceledException")
        || has!(kw, "OperationCanceledException")
        || has!(kw, "Device code flow was cancelled")
        || has!(kw, "Token request cancelled")
    {
        return Some(Outcome::ClientTimeout);
    }
    if code(90120) || has!(kw, "already been redeemed") || has!(kw, "already redeemed") {
        return Some(Outcome::Redeemed);
    }
    if codes.iter().any(|c| CONDITIONAL_ACCESS_CODES.contains(&c.0)) {
        return Some(Outcome::Blocked);
    }
    // RFC 8628's access_denied; Entra says authorization_declined. access_denied alone is also
    // what a browser redirect carries when a user declines consent, which is no device code flow.
    if has!(kw, "authorization_declined") || (has!(kw, "access_denied") && has_ci!(kw, "device")) {
        return Some(Outcome::Declined);
    }
    if has!(kw, "expired_token") || code(70019) || code(70020) || has!(kw, "code_expired") || has!(kw, "Code Expired") {
        return Some(Outcome::Expired);
    }
    if has!(kw, "slow_down") {
        return Some(Outcome::SlowDown);
    }
    if has!(kw, "authorization_pending") || code(70016) || has!(kw, "Authorization pending") {
        return Some(Outcome::Pending);
    }
    if has!(kw, "Authorization completed successfully")
        || has!(kw, "get_token succeeded")
        || has!(kw, "GetToken succeeded")
        || has!(kw, "Token Acquisition finished successfully")
        || has_ci!(kw, "signed in as ")
        || has_ci!(kw, "logged in as ")
        || (has!(kw, "token_cache") && has!(kw, "event="))
        || (has!(kw, "\"access_token\"") && has!(kw, "\"token_type\""))
        || (has!(kw, "\"errorCode\"") && p_export_success(line))
    {
        return Some(Outcome::Success);
    }
    if has!(kw, "invalid_grant") || has!(kw, "bad_verification_code") || has!(kw, "invalid_client") || !codes.is_empty()
    {
        return Some(Outcome::OtherError);
    }
    None
}

/// Markers of client libraries, wrappers before the libraries they wrap: a flow names the first
/// client in this list that any of its lines names.
pub const CLIENTS: [(&str, &str); 16] = [
    ("azsdk-python-identity", "azure-identity"),
    ("azure.identity", "azure-identity"),
    ("DeviceCodeCredential", "azure-identity"),
    ("msal.telemetry", "MSAL for Python"),
    ("msal.application", "MSAL for Python"),
    ("msal.token_cache", "MSAL for Python"),
    ("MSAL.NetCore", "MSAL.NET"),
    ("MSAL.Desktop", "MSAL.NET"),
    ("Microsoft.Identity.Client", "MSAL.NET"),
    ("@azure/msal-node", "MSAL Node"),
    ("msal4j", "MSAL Java"),
    ("azure.cli", "Azure CLI"),
    ("Connect-AzAccount", "Azure PowerShell"),
    ("azcopy", "azcopy"),
    ("azidentity", "azidentity (Go)"),
    ("OAuth2Client", "ADAL"),
];

/// `"errorCode": 0` in a sign-in export: the sign-in succeeded.
fn p_export_success(line: &[u8]) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| super::ascii_regex(r#""errorCode"\s*:\s*0\b"#))
        .is_match(line)
}

/// The line redacted, trimmed and cut to about [`EXCERPT_CHARS`] characters. A long line keeps
/// its start (time, process, logger) and the part around the first anchor; of a very long line
/// only those parts are redacted.
pub fn excerpt(line: &[u8]) -> String {
    // Raw bytes enough for `n` characters.
    const fn bytes(n: usize) -> usize {
        4 * n
    }
    if line.len() <= bytes(4 * EXCERPT_CHARS) {
        return shorten(&clean(&secrets::redact(line)));
    }
    let anchor = super::prefilter::primary(super::Mode::Export)
        .find(line)
        .map_or(0, |m| m.start());
    // What `shorten` shows: the start, and from 40 characters before the anchor to the end of
    // the excerpt.
    let after_anchor = bytes(EXCERPT_CHARS - EXCERPT_HEAD);
    if anchor <= bytes(2 * EXCERPT_CHARS) {
        return shorten(&clean(&secrets::redact_around(line, 0..anchor + after_anchor)));
    }
    let head = clean(&secrets::redact_around(line, 0..bytes(EXCERPT_HEAD)));
    let around = clean(&secrets::redact_around(line, anchor - bytes(40)..anchor + after_anchor));
    shorten(&format!("{head} {around}"))
}

/// Redacted bytes as one line of text: trimmed, control characters made spaces.
fn clean(redacted: &[u8]) -> String {
    if redacted.iter().all(|b| (b' '..=b'~').contains(b)) {
        // Printable ASCII, the usual case: nothing to replace.
        return String::from_utf8_lossy(redacted).trim().to_string();
    }
    let s = String::from_utf8_lossy(redacted);
    s.trim().chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// Text cut to about [`EXCERPT_CHARS`] characters: its start, and the part around its first
/// anchor when that lies further in.
fn shorten(s: &str) -> String {
    let total = s.chars().count();
    if total <= EXCERPT_CHARS {
        return s.to_string();
    }
    const HEAD: usize = EXCERPT_HEAD;
    let anchor_byte = super::prefilter::primary(super::Mode::Export)
        .find(s.as_bytes())
        .map_or(0, |m| m.start());
    let anchor = s[..floor_char_boundary(s, anchor_byte)].chars().count();
    let take = |from: usize, n: usize| s.chars().skip(from).take(n).collect::<String>();
    if anchor < HEAD + 40 {
        return format!("{}…", take(0, EXCERPT_CHARS));
    }
    let from = anchor - 40;
    let tail_len = EXCERPT_CHARS - HEAD;
    let end = if from + tail_len < total { "…" } else { "" };
    format!("{} … {}{end}", take(0, HEAD).trim_end(), take(from, tail_len))
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i.min(s.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        // Each is built on first use: build them all here.
        for pattern in [
            &P.v1_code,
            &P.json_ts,
            &P.json_pid,
            &P.json_thread,
            &P.json_host,
            &P.kv_worker,
            &P.syslog_worker,
            &P.klog_pid,
        ] {
            LazyLock::force(pattern);
        }
    }

    #[test]
    fn pid_and_thread_reads_what_its_regex_matches() {
        let regex = super::super::ascii_regex(r"^\]?\s+([0-9]{1,7})\s+(\[[\w.-]+\]|[\w.-]+)\s");
        // Each slot of the shape, with right and wrong choices.
        let slots: [&[&[u8]]; 6] = [
            &[b"", b"]", b"["],
            &[b"", b" ", b"\t", b"\x0b", b"  ", b"x"],
            &[b"", b"1", b"21441", b"1234567", b"12345678", b"1a"],
            &[b"", b" ", b"\x0c", b" \t"],
            &[b"", b"MainThread", b"[T-1]", b"[", b"[]", b"a.b-c_", b"\xff", b"[x"],
            &[b"", b" ", b"\r", b"]", b"x"],
        ];
        let mut next = crate::scan::xorshift(0x9e37_79b9_7f4a_7c15);
        for _ in 0..20_000 {
            let mut rest = Vec::new();
            for slot in slots {
                rest.extend_from_slice(slot[(next() % slot.len() as u64) as usize]);
            }
            let want = regex.captures(&rest).map(|c| (c[1].to_vec(), c[2].to_vec()));
            let got = pid_and_thread(&rest).map(|(p, t)| (p.to_vec(), t.to_vec()));
            assert_eq!(got, want, "{:?}", String::from_utf8_lossy(&rest));
        }
    }

    #[test]
    fn error_level_reads_what_its_regex_matches() {
        let regex = super::super::ascii_regex(
            r#"(?:^|[\s\[|:])(?:ERROR|FATAL|CRITICAL|SEVERE)(?:$|[\s\]|:])|(?i:"level"\s*:\s*"(?:error|fatal|critical)")|(?i:level=(?:error|fatal))|^E[0-9]{4} |\[error\]|##\[error\]|^\s*\[?(?:Error|Uncaught)\b|Exception: |throwable="#,
        );
        let pieces: [&[u8]; 35] = [
            b"ERROR",
            b"error",
            b"Error",
            b"FATAL",
            b"Fatal",
            b"CRITICAL",
            b"critical",
            b"SEVERE",
            b"level",
            b"LEVEL",
            b"Uncaught",
            b"uncaught",
            b"Exception: ",
            b"exception: ",
            b"throwable=",
            b"E1127 ",
            b"E1127",
            b"E112 ",
            b"\"level\"",
            b"\"level\": \"",
            b" : ",
            b"level=",
            b"\"",
            b":",
            b"=",
            b"]",
            b"[",
            b"|",
            b" ",
            b"\t",
            b"\x0b",
            b"x",
            b"_",
            b"##[",
            b"\xff",
        ];
        let mut next = crate::scan::xorshift(0x2545_f491_4f6c_dd1d);
        for _ in 0..50_000 {
            let mut text = Vec::new();
            for _ in 0..next() % 6 {
                text.extend_from_slice(pieces[(next() % pieces.len() as u64) as usize]);
            }
            assert_eq!(
                error_level(&text),
                regex.is_match(&text),
                "{:?}",
                String::from_utf8_lossy(&text)
            );
        }
    }
}
