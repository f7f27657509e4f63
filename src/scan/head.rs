//! Record heads: the time, worker and level of the line that starts a log record, read from the
//! envelope a layout reads (`record`), else from the start of the line or a JSON line's common
//! keys. A line below its head (`Trace ID: ...`) takes them from the head.

use super::bytes::{all_digits, ascii_regex, contains, is_blank, is_word, text, trim_start};
use super::hit::{RecordHead, WorkerTag};
use super::keywords::Dfa;
use super::record::Reader;
use super::{prefilter, time};
use crate::model::Timestamp;
use regex::bytes::Regex;
use std::borrow::Cow;
use std::sync::{LazyLock, OnceLock};

/// Whether a line starts a log record: a layout reads an envelope from it (a time, a level, a
/// worker), or it is a JSON object with a message or time field. Continuation lines
/// (`Timestamp: ...`) do not.
pub fn starts_record(line: &[u8], reader: &Reader) -> bool {
    !prefilter::is_continuation(line) && opens_record(line, reader)
}

/// [`starts_record`] for a line known not to be a continuation.
pub fn opens_record(line: &[u8], reader: &Reader) -> bool {
    if trim_start(line).first() == Some(&b'{') {
        // The common keys first: reading the record's envelope costs more.
        return contains!(line, "\"message\"")
            || contains!(line, "\"msg\"")
            || json_time_key(line) && patterns().json_ts.is_match(line)
            || reader.read(line).is_some_and(|e| e.is_head());
    }
    // The cheaper question first: most records start with their time.
    head_timestamp(line).is_some() || reader.layouts().reads_a_head(line)
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

struct Patterns {
    json_ts: LazyLock<Regex>,
    json_pid: LazyLock<Regex>,
    json_thread: LazyLock<Regex>,
    json_host: LazyLock<Regex>,
    kv_worker: LazyLock<Regex>,
    syslog_worker: LazyLock<Regex>,
    klog_pid: LazyLock<Regex>,
}

static P: Patterns = Patterns {
    json_ts: LazyLock::new(|| {
        ascii_regex(r#""(?:timestamp|time|@timestamp|TimeGenerated|createdDateTime|asctime)"\s*:\s*"([^"]{8,40})""#)
    }),
    json_pid: LazyLock::new(|| ascii_regex(r#""(?:pid|process|processId|process_id)"\s*:\s*"?([0-9]+)"#)),
    json_thread: LazyLock::new(|| ascii_regex(r#""(?:thread|threadName|thread_name|tid)"\s*:\s*"?([\w.\-]+)"#)),
    json_host: LazyLock::new(|| {
        ascii_regex(r#""(?:host|hostname|host_name|computer|Computer|pod|pod_name|machine)"\s*:\s*"([\w.\-]+)""#)
    }),
    kv_worker: LazyLock::new(|| {
        ascii_regex(r"\b(pid|tid|thread|host|hostname|pod)[=:]\s?([\w.\-]+)|\[T:([0-9]+)\]|\[pid ([0-9]+)\]")
    }),
    syslog_worker: LazyLock::new(|| {
        ascii_regex(r"^\w{3} +[0-9]+ [0-9][0-9]:[0-9][0-9]:[0-9][0-9] ([\w.\-]+) [\w./-]+\[([0-9]+)\]:")
    }),
    klog_pid: LazyLock::new(|| ascii_regex(r"^[IWEF][0-9]{4} [0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]+\s+([0-9]+) ")),
};

fn patterns() -> &'static Patterns {
    &P
}

/// Builds the searcher every record head needs now (see [`super::prepare`]); each pattern is
/// built when a line first needs it.
pub fn prepare() {
    error_level(b"");
}

/// What the start of a line (or a JSON line's fields) says about the record it belongs to.
pub(super) struct Head {
    pub head: bool,
    pub timestamp: Option<Timestamp>,
    pub zoned: bool,
    pub layout: Option<usize>,
    pub worker: WorkerTag,
    pub error_level: bool,
}

/// Time, worker and level: from the envelope a layout reads, else from the start of the line or
/// a JSON line's common keys (`continuation`: the line only continues the record above it).
pub(super) fn read_head(line: &[u8], continuation: bool, reader: &Reader) -> Head {
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
            host: env.host.map(Cow::into_owned),
            pid: env.pid.map(Cow::into_owned),
            thread: env.thread.map(Cow::into_owned),
            app: env.app.map(Cow::into_owned),
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

/// `[name]` without its brackets.
fn unbracket(s: &[u8]) -> &[u8] {
    let s = s.strip_prefix(b"[").unwrap_or(s);
    s.strip_suffix(b"]").unwrap_or(s)
}

#[cfg(test)]
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        // Each is built on first use: build them all here.
        for pattern in [
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
        let regex = super::ascii_regex(r"^\]?\s+([0-9]{1,7})\s+(\[[\w.-]+\]|[\w.-]+)\s");
        // Each slot of the shape, with right and wrong choices.
        let slots: [&[&[u8]]; 6] = [
            &[b"", b"]", b"["],
            &[b"", b" ", b"\t", b"\x0b", b"  ", b"x"],
            &[b"", b"1", b"21441", b"1234567", b"12345678", b"1a"],
            &[b"", b" ", b"\x0c", b" \t"],
            &[b"", b"MainThread", b"[T-1]", b"[", b"[]", b"a.b-c_", b"\xff", b"[x"],
            &[b"", b" ", b"\r", b"]", b"x"],
        ];
        let mut next = crate::scan::bytes::xorshift(0x9e37_79b9_7f4a_7c15);
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
        let regex = super::ascii_regex(
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
        let mut next = crate::scan::bytes::xorshift(0x2545_f491_4f6c_dd1d);
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
