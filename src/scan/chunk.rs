//! Scans one chunk of whole lines: a literal prefilter finds the candidate lines, each is read
//! (`event`), and the lines that complete their records (continuations below, the head above)
//! are found, looking into the chunk before where needed, so the result does not depend on where
//! chunks are cut.

use super::answer;
use super::bytes::{lines_at, trim_cr};
use super::event::read_line;
use super::excerpt::Excerpts;
use super::head::{opens_record, record_head, starts_record};
use super::hit::{LineHit, RecordHead};
use super::long_line::{self, MAX_LINE};
use super::partial::{self, Boundary};
use super::prefilter::{self, Mode, CONTINUATION_LINES};
use super::record::Reader;
use aho_corasick::Input;

/// What scanning one chunk found.
#[derive(Debug, Default)]
pub struct ChunkScan {
    /// Line ends in the chunk.
    pub newlines: u64,
    /// Candidate lines, numbered from 0 at the chunk's first line.
    pub hits: Vec<LineHit>,
    /// For an input written in fragments (Kubernetes CRI), the runs across the chunk's ends.
    pub partial: Option<Box<Boundary>>,
}

/// Scans one chunk of whole lines, with no layout ranked first (each line is read by the layouts
/// that read it). `context` holds the last lines of the chunk before (empty for
/// the first); `newline` is the line terminator of the source (`\n`, or `\r` for old Mac files);
/// a `\r` before `\n` is dropped.
///
/// In [`Mode::Logs`] only lines holding a primary literal are read, together with the lines that
/// complete their record: the continuation lines just below them (`Trace ID:`, `Correlation ID:`,
/// `Timestamp:`, up to the next record) and the line that starts their record just above them.
/// Those are found by looking into `context` where a chunk starts, so the result does not
/// depend on where chunks are cut.
pub fn scan_chunk(data: &[u8], context: &[u8], newline: u8, mode: Mode) -> ChunkScan {
    scan_chunk_with(data, context, newline, mode, Excerpts::Now, &Reader::default())
}

/// [`scan_chunk`] with the input's layouts (`reader`), making the excerpts of the lines it may
/// quote now or later (then each such line records its place in the chunk).
pub fn scan_chunk_with(
    data: &[u8],
    context: &[u8],
    newline: u8,
    mode: Mode,
    excerpts: Excerpts,
    reader: &Reader,
) -> ChunkScan {
    let finder = prefilter::primary(mode);
    let anchor_from = |from: usize| {
        (from < data.len())
            .then(|| finder.find(Input::new(data).span(from..data.len())))
            .flatten()
    };
    // Room for a hit every 4 KiB (a dense log's rate): a vector of 416-byte hits that doubles
    // copies them all each time (1% of scanning the dense bench log).
    let mut out = ChunkScan {
        hits: Vec::with_capacity(data.len() / 4096),
        ..ChunkScan::default()
    };
    let mut pos = 0;
    let mut counted_to = 0;
    let mut line_no = 0u64;
    let mut looked_until = 0u64;
    let mut sorted = true;
    // The next anchor: the main loop reads its line, and a look-ahead stops before that line.
    let mut next = anchor_from(0);
    let before_anchor_line = |next: &Option<aho_corasick::Match>| match next {
        Some(m) => &data[..memchr::memrchr(newline, &data[..m.start()]).map_or(0, |i| i + 1)],
        None => data,
    };
    if mode == Mode::Logs {
        if let Some(until) = reach_from_context(context, newline, reader) {
            let ahead = before_anchor_line(&next);
            looked_until = look_ahead(ahead, context, 0, 0, until, newline, excerpts, reader, &mut out.hits);
        }
        if let Some(until) = answer::reach_from_context(context, newline, reader) {
            // An answer among continuations read above is out of their order.
            sorted &= !answer::read_ahead(
                before_anchor_line(&next),
                0,
                0,
                until,
                newline,
                excerpts,
                reader,
                &mut out.hits,
            );
        }
    }
    while let Some(m) = next {
        let start = memchr::memrchr(newline, &data[pos..m.start()]).map_or(pos, |i| pos + i + 1);
        let end = memchr::memchr(newline, &data[m.start()..]).map_or(data.len(), |i| m.start() + i);
        line_no += bytecount::count(&data[counted_to..start], newline) as u64;
        counted_to = start;
        let line = trim_cr(&data[start..end]);
        sorted &= out.hits.last().is_none_or(|h| h.line <= line_no);
        let first_hit = out.hits.len();
        if line.len() <= MAX_LINE {
            read_line(&mut out.hits, line, start, line_no, excerpts, reader);
        } else {
            long_line::scan(
                mode,
                line,
                start,
                m.start() - start,
                line_no,
                excerpts,
                reader,
                &mut out.hits,
            );
        }
        next = anchor_from(end + 1);
        if mode == Mode::Logs {
            if let Some(hit) = out.hits.get_mut(first_hit).filter(|h| !h.head && !h.continuation) {
                hit.record_head = look_behind(data, context, start, newline, reader).map(Box::new);
            }
            if end < data.len() {
                let from = (line_no + 1).max(looked_until);
                if let Some(at) = nth_line_start(data, end + 1, from - (line_no + 1), newline) {
                    let until = line_no + 1 + CONTINUATION_LINES;
                    let ahead = before_anchor_line(&next);
                    looked_until = look_ahead(
                        ahead,
                        context,
                        at,
                        from,
                        until,
                        newline,
                        excerpts,
                        reader,
                        &mut out.hits,
                    )
                    .max(looked_until);
                }
                if out.hits.get(first_hit..).is_some_and(|h| h.iter().any(answer::waits)) {
                    let (ahead, until) = (before_anchor_line(&next), line_no + 1 + answer::ANSWER_LINES);
                    sorted &= !answer::read_ahead(
                        ahead,
                        end + 1,
                        line_no + 1,
                        until,
                        newline,
                        excerpts,
                        reader,
                        &mut out.hits,
                    );
                }
            }
        }
        pos = end + 1;
    }
    if !sorted {
        // Continuations found ahead of later primary lines; windows of one long line keep their order.
        out.hits.sort_by_key(|h| h.line);
    }
    out.newlines = line_no + bytecount::count(&data[counted_to.min(data.len())..], newline) as u64;
    out.partial = partial::join(data, newline, mode, reader, &mut out.hits);
    out
}

/// The byte offset of the line `n` lines after the one starting at `at`.
fn nth_line_start(data: &[u8], mut at: usize, n: u64, newline: u8) -> Option<usize> {
    for _ in 0..n {
        at += memchr::memchr(newline, data.get(at..)?)? + 1;
    }
    (at < data.len()).then_some(at)
}

/// Reads the continuation lines from `at` (line number `first`) up to line `until` (excluded), or
/// up to the first line that starts a record (a fragment that goes on from the line above starts
/// none). `data` ends where the next line holding a primary literal starts, which ends the
/// look-ahead too; `context` holds the lines before it. Returns the line number it stopped at.
#[allow(clippy::too_many_arguments)]
fn look_ahead(
    data: &[u8],
    context: &[u8],
    at: usize,
    first: u64,
    until: u64,
    newline: u8,
    excerpts: Excerpts,
    reader: &Reader,
    hits: &mut Vec<LineHit>,
) -> u64 {
    let mut n = first;
    for (at, line) in lines_at(data, at, newline).take(until.saturating_sub(first) as usize) {
        // No primary literal on the line: a continuation key at its start makes it one.
        if prefilter::starts_with_continuation_key(line) {
            read_line(hits, line, at, n, excerpts, reader);
        } else if opens_record(line, reader)
            && !partial::continues(reader, line, || partial::line_above(data, at, context, newline))
        {
            break;
        }
        n += 1;
    }
    n
}

/// How far into this chunk the continuations of a line at the end of the chunk before may reach:
/// the line number (in this chunk) where that look-ahead ends, if it reaches this chunk at all.
fn reach_from_context(context: &[u8], newline: u8, reader: &Reader) -> Option<u64> {
    let (lines, last_primary) = prefilter::last_primary_line(context, newline)?;
    let opens = |k: usize| starts_record(lines[k], reader) && !partial::continues(reader, lines[k], || lines[k - 1]);
    if (last_primary + 1..lines.len()).any(opens) {
        return None;
    }
    let after = (lines.len() - last_primary - 1) as u64;
    CONTINUATION_LINES.checked_sub(after).filter(|&n| n > 0)
}

/// The record head just above a line (starting at `start`) that does not start a record itself:
/// the nearest line above, within [`CONTINUATION_LINES`], that starts one, unless a line holding a
/// primary literal (read on its own) comes first. A run of fragments above is one line, joined.
fn look_behind(data: &[u8], context: &[u8], start: usize, newline: u8, reader: &Reader) -> Option<RecordHead> {
    let finder = prefilter::primary(Mode::Logs);
    let mut lines = lines_above(data, context, start, newline)
        .take(CONTINUATION_LINES as usize)
        .peekable();
    let mut above = 0u64;
    while let Some(line) = lines.next() {
        above += 1;
        let joined = partial::run_ending(reader, line, &mut lines, &mut above);
        let line = joined.as_deref().unwrap_or(line);
        if finder.is_match(line) {
            return None;
        }
        if let Some(head) = record_head(line, above, reader) {
            return Some(head);
        }
    }
    None
}

/// The lines above the one starting at `start`, nearest first: in this chunk, then in `context`.
fn lines_above<'a>(data: &'a [u8], context: &'a [u8], start: usize, newline: u8) -> impl Iterator<Item = &'a [u8]> {
    let mut region = &data[..start];
    let mut in_context = false;
    std::iter::from_fn(move || loop {
        let body = region.strip_suffix(&[newline]).unwrap_or(region);
        if body.is_empty() && region.is_empty() {
            if in_context || context.is_empty() {
                return None;
            }
            region = context;
            in_context = true;
            continue;
        }
        let line_start = memchr::memrchr(newline, body).map_or(0, |i| i + 1);
        region = &body[..line_start];
        return Some(trim_cr(&body[line_start..]));
    })
}
