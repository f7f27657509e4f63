//! The answers that some HTTP loggers write on a line of their own, without the URL: `curl -v`'s
//! `< HTTP/1.1 200 OK` under its `> POST .../token HTTP/1.1`, the Azure SDKs' `Response status:
//! 400`, .NET's `Received HTTP response headers after 340.7ms - 200`. No prefilter literal finds
//! them (each literal costs the search on every byte of every log); instead the lines below a
//! token request whose answer is not on its own line are searched for them, up to the next line
//! the prefilter finds, within [`ANSWER_LINES`]. Like the continuations of a record, a request
//! near the end of a chunk is followed into the next one through its context, so what is read
//! does not depend on where chunks are cut.

use super::bytes::lines_at;
use super::clients::Phrases;
use super::event::{parse_with, read_answer};
use super::excerpt::Excerpts;
use super::hit::LineHit;
use super::prefilter;
use super::record::Reader;
use crate::model::{IdKind, Signal};

/// How many lines below its request an answer may stand: as many as a chunk's context holds.
pub const ANSWER_LINES: u64 = crate::input::CONTEXT_LINES as u64;

/// Whether a candidate line is a token request that waits for an answer logged below it: its
/// request line, or a part of its body that names the device code (`--trace-ascii` cuts a body
/// into lines of 64 bytes, each a candidate line that would end the search).
pub fn waits(hit: &LineHit) -> bool {
    let request = hit
        .signals
        .iter()
        .any(|s| matches!(s, Signal::Poll { status: None, .. }))
        || hit.keys.iter().any(|k| k.kind == IdKind::DeviceCode);
    request && !hit.signals.iter().any(|s| matches!(s, Signal::Outcome(_)))
}

/// Reads the HTTP answer lines among the lines of `data` from byte `at` (line number `first`) up
/// to line `until` (excluded), up to the first final one (an interim `100 Continue` comes before
/// it). `data` ends where the next line holding a primary literal starts, which ends the search
/// too. Returns whether it read any.
#[allow(clippy::too_many_arguments)]
pub fn read_ahead(
    data: &[u8],
    at: usize,
    first: u64,
    until: u64,
    newline: u8,
    excerpts: Excerpts,
    reader: &Reader,
    hits: &mut Vec<LineHit>,
) -> bool {
    let phrases = Phrases::builtin();
    let read = hits.len();
    for (n, (at, line)) in (first..until).zip(lines_at(data, at, newline)) {
        if let Some(status) = phrases.response(line) {
            read_answer(hits, line, at, n, status, excerpts, reader);
            if is_final(status) {
                break;
            }
        }
    }
    hits.len() > read
}

/// Whether a status is a final answer, not an interim one (`100 Continue`).
pub fn is_final(status: u16) -> bool {
    status >= 200
}

/// How far into this chunk the search for the answer of a request at the end of the chunk
/// before goes: the line number (in this chunk) where it ends, if it reaches this chunk at all
/// (the request is the last line of `context` that the prefilter finds, and no final answer
/// stands below it there).
pub fn reach_from_context(context: &[u8], newline: u8, reader: &Reader) -> Option<u64> {
    let (lines, request) = prefilter::last_primary_line(context, newline)?;
    let below = &lines[request + 1..];
    let answered = below
        .iter()
        .any(|l| Phrases::builtin().response(l).is_some_and(is_final));
    if answered || !waits(&parse_with(lines[request], Excerpts::Later, reader)) {
        return None;
    }
    ANSWER_LINES.checked_sub(below.len() as u64).filter(|&n| n > 0)
}
