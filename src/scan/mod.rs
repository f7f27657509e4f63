//! Scan: finds the few lines that matter in a sea of log text and reads them.
//!
//! A literal prefilter (Aho-Corasick over a small set of anchors) runs over the whole chunk;
//! only lines that hold an anchor are parsed ([`line::parse`]). Chunks are scanned in parallel
//! and merged in input order; [`assemble`] then groups each source's lines into records.

pub mod assemble;
pub mod codes;
pub mod export;
pub mod line;
pub mod secrets;
pub mod time;

use crate::input::{self, ChunkReader, Planned};
use crate::model::{CodeMention, Event, InputSummary};
use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind};
use line::LineHit;
use std::sync::{mpsc, OnceLock};

/// Lines longer than this are read in windows of this size around each anchor.
pub const MAX_LINE: usize = 64 << 10;

/// Literals at least one of which every interesting line holds (matched ignoring ASCII case).
const ANCHORS: &[&str] = &[
    "AADSTS",
    "error_code",
    "errorcode",
    "error code",
    "resulttype",
    "expired_token",
    "code_expired",
    "code expired",
    "expired device code",
    "expired before contacting",
    "authorization_",
    "authorization pending",
    "authorization completed",
    "slow_down",
    "access_denied",
    "invalid_grant",
    "bad_verification",
    "oauth2/",
    "devicecode",
    "device_code",
    "grant-type:device",
    "enter the code",
    "user_code",
    "user code",
    "verification_ur",
    "correlation",
    "client-request-id",
    "trace id",
    "trace_id",
    "timestamp:",
    "token_cache",
    "timed out waiting",
    "attempted too soon",
    "get_token succeeded",
    "gettoken succeeded",
    "token acquisition",
    "sending token request",
    "timeout from",
    "user defined timeout",
    "canceledexception",
    "flow was cancelled",
    "request cancelled",
    "\"access_token\"",
    "signed in as ",
    "logged in as ",
    "createddatetime",
    "timegenerated",
    "device code",
    "already redeemed",
    "already been redeemed",
    "##[",
    "##vso[",
    "github_actions",
    "gitlab_ci",
    "build_buildid",
    "systemd[",
];

/// The prefilter: every anchor, ignoring ASCII case.
pub(crate) fn anchors() -> &'static AhoCorasick {
    static AC: OnceLock<AhoCorasick> = OnceLock::new();
    AC.get_or_init(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostFirst)
            .kind(Some(AhoCorasickKind::DFA))
            .build(ANCHORS)
            .expect("anchors compile")
    })
}

/// What scanning one chunk found.
#[derive(Debug, Default)]
pub struct ChunkScan {
    /// Line ends in the chunk.
    pub newlines: u64,
    /// Candidate lines, numbered from 0 at the chunk's first line.
    pub hits: Vec<LineHit>,
}

/// Scans one chunk of whole lines. `newline` is the line terminator of the source (`\n`, or `\r`
/// for old Mac files); a `\r` before `\n` is dropped.
pub fn scan_chunk(data: &[u8], newline: u8) -> ChunkScan {
    let ac = anchors();
    let mut out = ChunkScan::default();
    let mut pos = 0;
    let mut counted_to = 0;
    let mut line_no = 0u64;
    while pos < data.len() {
        let Some(m) = ac.find(Input::new(data).span(pos..data.len())) else {
            break;
        };
        let start = memchr::memrchr(newline, &data[pos..m.start()]).map_or(pos, |i| pos + i + 1);
        let end = memchr::memchr(newline, &data[m.start()..]).map_or(data.len(), |i| m.start() + i);
        line_no += bytecount::count(&data[counted_to..start], newline) as u64;
        counted_to = start;
        let mut line = &data[start..end];
        if line.last() == Some(&b'\r') {
            line = &line[..line.len() - 1];
        }
        if line.len() <= MAX_LINE {
            push(&mut out.hits, line::parse(line), line_no);
        } else {
            scan_long_line(line, m.start() - start, line_no, &mut out.hits);
        }
        pos = end + 1;
    }
    out.newlines = line_no + bytecount::count(&data[counted_to.min(data.len())..], newline) as u64;
    out
}

fn push(hits: &mut Vec<LineHit>, mut hit: LineHit, line_no: u64) {
    if hit.is_useful() {
        hit.line = line_no;
        hits.push(hit);
    }
}

/// Reads a very long line in windows around its anchors, so memory and time stay bounded.
fn scan_long_line(line: &[u8], first: usize, line_no: u64, hits: &mut Vec<LineHit>) {
    let ac = anchors();
    let mut at = Some(first);
    while let Some(a) = at {
        let from = a.saturating_sub(1024);
        let to = (from + MAX_LINE).min(line.len());
        // Start the window at a separator so it never begins inside a value.
        let from = if from == 0 {
            0
        } else {
            line[from..a]
                .iter()
                .position(|b| b" ,;\"'&".contains(b))
                .map_or(a, |i| from + i)
        };
        push(hits, line::parse(&line[from..to]), line_no);
        at = if to < line.len() {
            ac.find(Input::new(line).span(to..line.len())).map(|m| m.start())
        } else {
            None
        };
    }
}

/// Everything the scan stage hands to the next stages.
#[derive(Debug, Default)]
pub struct ScanOutput {
    /// One entry per input, in order.
    pub inputs: Vec<InputSummary>,
    /// Every AADSTS mention, by input and line.
    pub mentions: Vec<CodeMention>,
    /// Every device-code-flow event, by input and line.
    pub events: Vec<Event>,
}

struct ChunkResult {
    source: u32,
    index: u64,
    bytes: u64,
    ends_with_newline: bool,
    scan: ChunkScan,
}

/// Reads and scans every input. This thread reads ahead while the rayon pool scans chunks; at
/// most `2 * threads + 2` chunks are in memory at once. Must not be called from inside the pool.
pub fn scan_inputs(planned: &[Planned]) -> ScanOutput {
    scan_inputs_with_progress(planned, &|_| {})
}

/// [`scan_inputs`], calling `progress` with the bytes read so far after every chunk read.
pub fn scan_inputs_with_progress(planned: &[Planned], progress: &dyn Fn(u64)) -> ScanOutput {
    let mut read_so_far = 0u64;
    let in_flight = 2 * rayon::current_num_threads() + 2;
    let (free_tx, free_rx) = mpsc::channel::<Vec<u8>>();
    for _ in 0..in_flight {
        free_tx.send(Vec::new()).expect("receiver alive");
    }
    let (result_tx, result_rx) = mpsc::channel::<ChunkResult>();
    let mut inputs: Vec<InputSummary> = planned
        .iter()
        .map(|p| InputSummary {
            path: p.display.clone(),
            error: p.error.clone(),
            ..Default::default()
        })
        .collect();

    for (source, plan) in planned.iter().enumerate() {
        if plan.error.is_some() {
            continue;
        }
        let reader = match input::open(&plan.origin) {
            Ok(r) => r,
            Err(e) => {
                inputs[source].error = Some(input::describe_error(&e));
                continue;
            }
        };
        let mut chunks = ChunkReader::new(reader);
        let mut newline = b'\n';
        loop {
            let buf = free_rx.recv().expect("buffers come back");
            match chunks.next_chunk(buf) {
                Ok(Some(chunk)) => {
                    read_so_far += chunk.data.len() as u64;
                    progress(read_so_far);
                    if chunk.index == 0
                        && memchr::memchr(b'\n', &chunk.data).is_none()
                        && memchr::memchr(b'\r', &chunk.data).is_some()
                    {
                        newline = b'\r';
                    }
                    let (result_tx, free_tx) = (result_tx.clone(), free_tx.clone());
                    rayon::spawn(move || {
                        let scan = scan_chunk(&chunk.data, newline);
                        let _ = result_tx.send(ChunkResult {
                            source: source as u32,
                            index: chunk.index,
                            bytes: chunk.data.len() as u64,
                            ends_with_newline: chunk.data.last() == Some(&newline),
                            scan,
                        });
                        let _ = free_tx.send(chunk.data);
                    });
                }
                Ok(None) => {
                    let _ = free_tx.send(Vec::new());
                    break;
                }
                Err(e) => {
                    inputs[source].error = Some(input::describe_error(&e));
                    let _ = free_tx.send(Vec::new());
                    break;
                }
            }
        }
    }
    drop(result_tx);
    let mut results: Vec<ChunkResult> = result_rx.iter().collect();
    results.sort_by_key(|r| (r.source, r.index));
    merge(inputs, results)
}

/// Places every chunk's lines at their line numbers in the source and assembles records.
fn merge(mut inputs: Vec<InputSummary>, results: Vec<ChunkResult>) -> ScanOutput {
    let mut out = ScanOutput::default();
    let mut record_base = 0u64;
    let mut results = results.into_iter().peekable();
    while let Some(first) = results.peek() {
        let source = first.source;
        let input = &mut inputs[source as usize];
        let mut hits = Vec::new();
        let mut lines_before = 0u64;
        let mut last_ends_with_newline = true;
        while let Some(r) = results.next_if(|r| r.source == source) {
            input.bytes += r.bytes;
            hits.extend(r.scan.hits.into_iter().map(|mut h| {
                h.line += lines_before + 1;
                h
            }));
            lines_before += r.scan.newlines;
            last_ends_with_newline = r.ends_with_newline;
        }
        input.lines = lines_before + u64::from(!last_ends_with_newline && input.bytes > 0);
        let hits_len = hits.len() as u64;
        let assembled = assemble::assemble(source, hits, record_base);
        record_base += hits_len + 1;
        out.mentions.extend(assembled.mentions);
        out.events.extend(assembled.events);
    }
    out.inputs = inputs;
    out
}
