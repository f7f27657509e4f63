//! Scan: finds the few lines that matter in a sea of log text and reads them.
//!
//! A literal prefilter (Teddy, a SIMD multi-literal search, over a dozen anchors) runs over whole
//! chunks; only lines that hold an anchor are parsed ([`line::parse`]), and each of those is read
//! for keywords once ([`keywords`]) before any regular expression runs. Chunks are scanned in
//! parallel and merged in input order; [`assemble`] then groups each source's lines into records.
//! A line a report may quote gets its redacted excerpt at once when it comes from a stream; from
//! a regular file, the scan records where the line is, and only the lines a report quotes are
//! read again and redacted ([`ScanOutput::excerpt`]).

pub mod assemble;
pub mod clients;
pub mod codes;
pub mod export;
pub mod keywords;
pub mod line;
mod long_line;
pub mod prefilter;
pub mod record;
pub mod secrets;
pub mod tally;
pub mod time;
pub mod values;

use crate::input::{self, ChunkReader, Planned};
use crate::model::{Event, Excerpt, InputSummary};
use aho_corasick::Input;
use assemble::{Assembler, Sink};
use line::RecordHead;
use line::{Excerpts, LineHit};
pub use prefilter::{Mode, CONTINUATION_LINES};
use record::{Layouts, Reader};
use std::collections::BTreeMap;
use std::sync::mpsc;
use tally::Tallies;

/// `contains!(hay, "needle")`: whether `hay` holds the literal, with a SIMD substring searcher
/// built once per call site (building one costs more than searching a line).
macro_rules! contains {
    ($hay:expr, $needle:literal) => {{
        static FINDER: std::sync::OnceLock<memchr::memmem::Finder<'static>> = std::sync::OnceLock::new();
        FINDER
            .get_or_init(|| memchr::memmem::Finder::new($needle))
            .find($hay)
            .is_some()
    }};
}

pub(crate) use contains;

/// A regex over bytes whose classes (`\w`, `\s`, `\b`, case folding) are ASCII: log syntax is
/// ASCII, and Unicode tables make some patterns take milliseconds to build. Secret patterns are
/// ASCII too, which hides more, not less: a secret's value runs on through bytes that are not
/// ASCII (a no-break space, invalid UTF-8) instead of stopping at them.
pub(crate) fn ascii_regex(pattern: &str) -> regex::bytes::Regex {
    regex::bytes::RegexBuilder::new(pattern)
        .unicode(false)
        .build()
        .expect("built-in pattern compiles")
}

/// `\w` of an ASCII regex.
pub(crate) fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `\s` of an ASCII regex (which, unlike [`u8::is_ascii_whitespace`], counts the vertical tab).
pub(crate) fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r')
}

/// A quote that may open or close a value: `"` or `'`.
pub(crate) fn is_quote(b: u8) -> bool {
    b == b'"' || b == b'\''
}

/// Past the bytes from `at` on that are `what`.
pub(crate) fn skip(line: &[u8], at: usize, what: impl Fn(u8) -> bool) -> usize {
    at + line[at..].iter().take_while(|&&b| what(b)).count()
}

/// Back before the bytes up to `at` that are `what`.
pub(crate) fn skip_back(line: &[u8], at: usize, what: impl Fn(u8) -> bool) -> usize {
    at - line[..at].iter().rev().take_while(|&&b| what(b)).count()
}

/// Past the byte at `at` if it is `what`.
pub(crate) fn skip_one(line: &[u8], at: usize, what: impl Fn(u8) -> bool) -> usize {
    at + usize::from(line.get(at).is_some_and(|&b| what(b)))
}

/// Builds the searchers that every chunk needs now, side by side on the thread pool, instead of
/// on first use by one scanning thread while the others wait for it. Patterns (regular
/// expressions) are each built when a line first needs one: most inputs need only a few of them,
/// and building them all would be most of the start-up time.
pub fn prepare() {
    rayon::join(
        || {
            keywords::Keywords::of(b"");
            line::prepare();
        },
        prefilter::prepare,
    );
}

/// A small deterministic random number generator for tests (xorshift64).
#[cfg(test)]
pub(crate) fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}

/// Lines longer than this are read in windows around their anchors.
pub const MAX_LINE: usize = 64 << 10;

/// The size of those windows: a few records' worth of text around each anchor.
pub const LONG_LINE_WINDOW: usize = 8 << 10;

/// What scanning one chunk found.
#[derive(Debug, Default)]
pub struct ChunkScan {
    /// Line ends in the chunk.
    pub newlines: u64,
    /// Candidate lines, numbered from 0 at the chunk's first line.
    pub hits: Vec<LineHit>,
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
    let mut out = ChunkScan::default();
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
            looked_until = look_ahead(ahead, 0, 0, until, newline, excerpts, reader, &mut out.hits);
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
                    looked_until =
                        look_ahead(ahead, at, from, until, newline, excerpts, reader, &mut out.hits).max(looked_until);
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
    out
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The byte offset of the line `n` lines after the one starting at `at`.
fn nth_line_start(data: &[u8], mut at: usize, n: u64, newline: u8) -> Option<usize> {
    for _ in 0..n {
        at += memchr::memchr(newline, data.get(at..)?)? + 1;
    }
    (at < data.len()).then_some(at)
}

/// Reads the continuation lines from `at` (line number `first`) up to line `until` (excluded), or
/// up to the first line that starts a record. `data` ends where the next line holding a primary
/// literal starts, which ends the look-ahead too. Returns the line number it stopped at.
#[allow(clippy::too_many_arguments)]
fn look_ahead(
    data: &[u8],
    mut at: usize,
    first: u64,
    until: u64,
    newline: u8,
    excerpts: Excerpts,
    reader: &Reader,
    hits: &mut Vec<LineHit>,
) -> u64 {
    let mut n = first;
    while n < until && at < data.len() {
        let end = memchr::memchr(newline, &data[at..]).map_or(data.len(), |i| at + i);
        let line = trim_cr(&data[at..end]);
        // No primary literal on the line: a continuation key at its start makes it one.
        if prefilter::starts_with_continuation_key(line) {
            read_line(hits, line, at, n, excerpts, reader);
        } else if line::opens_record(line, reader) {
            break;
        }
        n += 1;
        at = end + 1;
    }
    n
}

/// How far into this chunk the continuations of a line at the end of the chunk before may reach:
/// the line number (in this chunk) where that look-ahead ends, if it reaches this chunk at all.
fn reach_from_context(context: &[u8], newline: u8, reader: &Reader) -> Option<u64> {
    let finder = prefilter::primary(Mode::Logs);
    let lines: Vec<&[u8]> = context.split(|&b| b == newline).map(trim_cr).collect();
    // The context ends with a line end: the last piece is empty.
    let lines = &lines[..lines.len().saturating_sub(1)];
    let last_primary = lines.iter().rposition(|l| finder.is_match(l))?;
    if lines[last_primary + 1..].iter().any(|l| line::starts_record(l, reader)) {
        return None;
    }
    let after = (lines.len() - last_primary - 1) as u64;
    CONTINUATION_LINES.checked_sub(after).filter(|&n| n > 0)
}

/// The record head just above a line (starting at `start`) that does not start a record itself:
/// the nearest line above, within [`CONTINUATION_LINES`], that starts one, unless a line holding a
/// primary literal (read on its own) comes first.
fn look_behind(data: &[u8], context: &[u8], start: usize, newline: u8, reader: &Reader) -> Option<RecordHead> {
    let finder = prefilter::primary(Mode::Logs);
    let mut above = 0u64;
    // Lines above `start` in this chunk, then in the context.
    let mut region = &data[..start];
    let mut in_context = false;
    while above < CONTINUATION_LINES {
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
        let line = trim_cr(&body[line_start..]);
        above += 1;
        if finder.is_match(line) {
            return None;
        }
        if let Some(head) = line::record_head(line, above, reader) {
            return Some(head);
        }
        region = &body[..line_start];
    }
    None
}

/// Parses the line at byte `offset` of the chunk and keeps it if it says anything.
fn read_line(hits: &mut Vec<LineHit>, line: &[u8], offset: usize, line_no: u64, excerpts: Excerpts, reader: &Reader) {
    let mut hit = line::parse_with(line, excerpts, reader);
    if hit.is_useful() {
        hit.line = line_no;
        if hit.quoted && excerpts == Excerpts::Later {
            hit.place = Some((offset as u64, line.len() as u32, secrets::line_hash(line)));
        }
        hits.push(hit);
    }
}

/// Everything the scan stage hands to the next stages.
#[derive(Debug)]
pub struct ScanOutput {
    /// One entry per input, in order.
    pub inputs: Vec<InputSummary>,
    /// Per-code counts.
    pub tallies: Tallies,
    /// Every device-code-flow event kept, by input and line.
    pub events: Vec<Event>,
    /// The event cap in force.
    pub max_events: usize,
    /// Events not kept because of the event cap.
    pub events_dropped: u64,
    /// The regular files, by input, still open: the lines a report quotes are read from them
    /// again (see [`ScanOutput::excerpt`]).
    pub files: Vec<Option<std::sync::Arc<input::RangedFile>>>,
}

impl ScanOutput {
    /// The excerpt a report shows for `event`: made during the scan, or now from the file.
    pub fn excerpt(&self, event: &Event) -> String {
        match &event.excerpt {
            Excerpt::Text(text) => text.clone(),
            Excerpt::At {
                offset,
                len,
                hash,
                part,
            } => {
                let file = self.files.get(event.source as usize).and_then(Option::as_deref);
                read_excerpt(file, *offset, *len, *hash, *part)
            }
        }
    }
}

/// The excerpt of the `len` bytes at `offset` of a file, read again, when they are still the
/// bytes scanned (their hash is `hash`).
fn read_excerpt(
    file: Option<&input::RangedFile>,
    offset: u64,
    len: u32,
    hash: u64,
    part: Option<(u32, u32)>,
) -> String {
    match file.map(|f| f.bytes_at(offset, len as usize)) {
        Some(Ok(bytes)) if bytes.len() < len as usize => {
            "(the line is gone: the file shrank after it was scanned)".into()
        }
        Some(Ok(bytes)) if secrets::line_hash(&bytes) != hash => {
            "(the line changed after it was scanned: not shown)".into()
        }
        Some(Ok(bytes)) => match part {
            // A window of a long line, redacted with the context read around it.
            Some((start, len)) => {
                let part = start as usize..(start + len) as usize;
                line::excerpt(&secrets::redact_part(&bytes, part))
            }
            None => line::excerpt(&bytes),
        },
        Some(Err(e)) => format!("(the line could not be read again: {})", input::describe_error(&e)),
        None => String::new(),
    }
}

/// How many inputs, the first ones, keep their files open after their scan when a report may
/// quote their lines; later inputs have their excerpts made while they are scanned.
const KEPT_FILES: usize = 128;

/// The most flow events kept by default ([`AADLINT_MAX_EVENTS`](MAX_EVENTS_VAR) overrides it):
/// enough for about a million polls, a few hundred MiB at worst.
pub const MAX_EVENTS: usize = 1_000_000;

/// The environment variable that overrides [`MAX_EVENTS`].
pub const MAX_EVENTS_VAR: &str = "AADLINT_MAX_EVENTS";

/// One scanned chunk on its way back to the reading thread.
struct ChunkResult {
    source: u32,
    index: u64,
    /// The buffer the chunk was read into (streams), or an empty one: a slot to reuse. The files
    /// of a batch share one slot, which the first of them returns.
    slot: Option<Vec<u8>>,
    /// Where the chunk starts in its file (ranges of regular files), and its size and last byte.
    base: u64,
    bytes: u64,
    last: Option<u8>,
    newline: u8,
    scan: ChunkScan,
    error: Option<std::io::Error>,
    /// The layouts ranked for a file of one range, sniffed while it was scanned.
    sniffed: Option<Reader>,
}

thread_local! {
    /// Each scanning thread's buffer for ranges of regular files.
    static READ_BUF: std::cell::RefCell<input::ReadBuf> = std::cell::RefCell::default();
}

/// How inputs are read: the layouts their envelopes may be in, and the one the user named.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// Every layout (built-in and `--rules`), compiled.
    pub layouts: std::sync::Arc<Layouts>,
    /// `--layout NAME`: the layout every input is read with first, whatever its lines say.
    pub layout: Option<usize>,
    /// The config file's `[[layout]]` entries: inputs whose path (as reported) matches a glob are
    /// read with its layout first, unless `layout` is set. The first matching glob wins.
    pub layout_by_path: Vec<(globset::GlobMatcher, usize)>,
    /// The layout `layout_by_path` picked for each input, by source: set when the scan starts
    /// (whatever a caller puts here is replaced).
    pub input_layouts: Vec<Option<usize>>,
}

impl Default for ScanOptions {
    fn default() -> ScanOptions {
        ScanOptions {
            layouts: Layouts::builtin().clone(),
            layout: None,
            layout_by_path: Vec::new(),
            input_layouts: Vec::new(),
        }
    }
}

impl ScanOptions {
    /// These options with `layout_by_path` resolved for each of `planned`.
    fn for_inputs(&self, planned: &[Planned]) -> ScanOptions {
        let pick = |p: &Planned| {
            let path = p.display.strip_prefix("./").unwrap_or(&p.display);
            self.layout_by_path
                .iter()
                .find(|(g, _)| g.is_match(path))
                .map(|&(_, l)| l)
        };
        ScanOptions {
            input_layouts: planned.iter().map(pick).collect(),
            ..self.clone()
        }
    }

    /// The layouts ranked for input `source`, which starts with `head`.
    fn reader(&self, source: u32, head: &[u8]) -> Reader {
        let chosen = self
            .layout
            .or_else(|| self.input_layouts.get(source as usize).copied().flatten());
        self.layouts.detect(head, chosen)
    }
}

/// Reads and scans every input. Regular files are read in ranges by the scanning threads
/// themselves; other sources are read here while the rayon pool scans their chunks. At most
/// `2 * threads + 2` chunks are in flight at once. Must not be called from inside the pool.
pub fn scan_inputs(planned: &[Planned]) -> ScanOutput {
    scan_inputs_with(planned, &ScanOptions::default(), &|_| {})
}

/// [`scan_inputs`], calling `progress` with the bytes scanned so far after every chunk.
pub fn scan_inputs_with_progress(planned: &[Planned], progress: &dyn Fn(u64)) -> ScanOutput {
    scan_inputs_with(planned, &ScanOptions::default(), progress)
}

/// [`scan_inputs`] with `options`, calling `progress` with the bytes scanned so far.
pub fn scan_inputs_with(planned: &[Planned], options: &ScanOptions, progress: &dyn Fn(u64)) -> ScanOutput {
    let options = &options.for_inputs(planned);
    let max_events = std::env::var(MAX_EVENTS_VAR)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(MAX_EVENTS);
    let mut flight = Flight {
        collector: Collector::new(planned, max_events),
        free: (0..2 * rayon::current_num_threads() + 2).map(|_| Vec::new()).collect(),
        progress,
    };
    let (tx, rx) = mpsc::channel::<ChunkResult>();

    let mut batch = Batch::default();
    for (source, plan) in planned.iter().enumerate() {
        let source = source as u32;
        let opened = match &plan.error {
            Some(_) => Err(std::io::ErrorKind::NotFound.into()),
            None => input::open_source(&plan.origin),
        };
        let small = matches!(&opened, Ok(input::Source::Ranged { file, .. }) if file.ranges() == 1);
        if !small {
            batch.spawn(&mut flight, &tx, &rx);
        }
        let count = match opened {
            Err(e) => {
                if plan.error.is_none() {
                    flight.collector.input_error(source, &e);
                }
                0
            }
            Ok(input::Source::Ranged { file, head }) => {
                let file = std::sync::Arc::new(file);
                flight.collector.files[source as usize] = Some(file.clone());
                if small {
                    batch.add(source, file, options, &mut flight, &tx, &rx);
                    1
                } else {
                    let reader = options.reader(source, &head);
                    flight.collector.detected(source, &reader);
                    range_chunks(source, file, &head, reader, &mut flight, &tx, &rx)
                }
            }
            Ok(input::Source::Stream(reader)) => {
                stream_chunks(source, ChunkReader::new(reader), options, &mut flight, &tx, &rx)
            }
        };
        flight.collector.source_read(source, count);
    }
    batch.spawn(&mut flight, &tx, &rx);
    drop(tx);
    for result in rx {
        flight.accept(result);
    }
    flight.collector.finish()
}

/// How excerpts of a regular file's lines are made: past the files kept open for the report, by
/// the scanning threads (the file is closed when its scan ends).
fn excerpts_of(source: u32) -> Excerpts {
    if (source as usize) < KEPT_FILES {
        Excerpts::Later
    } else {
        Excerpts::Now
    }
}

/// Reads range `index` of a regular file into this thread's buffer and scans it. `mode` is the
/// file's, or `None` for a file of one range, which is sniffed here.
fn scan_range(source: u32, index: u64, file: &input::RangedFile, shape: Shape, slot: Option<Vec<u8>>) -> ChunkResult {
    let scanned = READ_BUF.with_borrow_mut(|buf| {
        file.scan_range(index, buf, |range| {
            let (mode, reader) = match &shape {
                Shape::Known(mode, reader) => (*mode, reader.clone()),
                Shape::Sniff(options) => (Mode::of(range.data), options.reader(source, range.data)),
            };
            let scan = scan_chunk_with(
                range.data,
                range.context,
                file.newline(),
                mode,
                excerpts_of(source),
                &reader,
            );
            let sniffed = matches!(shape, Shape::Sniff(_)).then_some(reader);
            (
                scan,
                range.offset,
                range.data.len() as u64,
                range.data.last().copied(),
                sniffed,
            )
        })
    });
    let ((scan, base, bytes, last, sniffed), error) = match scanned {
        Ok(scanned) => (scanned, file.shrank_error()),
        Err(e) => ((ChunkScan::default(), 0, 0, None, None), Some(e)),
    };
    ChunkResult {
        source,
        index,
        slot,
        base,
        bytes,
        last,
        newline: file.newline(),
        scan,
        error,
        sniffed,
    }
}

/// What is known of a file's shape before one of its ranges is scanned.
#[derive(Clone, Debug)]
enum Shape {
    /// Its mode and layouts, from its first bytes.
    Known(Mode, Reader),
    /// Nothing yet: a file of one range, sniffed as it is scanned.
    Sniff(ScanOptions),
}

/// Scans the ranges of a regular file of several ranges on the pool, each read by the thread that
/// scans it; returns how many there are. (Files of one range go in a [`Batch`].)
fn range_chunks(
    source: u32,
    file: std::sync::Arc<input::RangedFile>,
    head: &[u8],
    reader: Reader,
    flight: &mut Flight,
    tx: &mpsc::Sender<ChunkResult>,
    rx: &mpsc::Receiver<ChunkResult>,
) -> u64 {
    let shape = Shape::Known(Mode::of(head), reader);
    for index in 0..file.ranges() {
        let slot = flight.slot(rx);
        let (tx, file, shape) = (tx.clone(), file.clone(), shape.clone());
        rayon::spawn(move || {
            let _ = tx.send(scan_range(source, index, &file, shape, Some(slot)));
        });
    }
    file.ranges()
}

/// Files of one range each, scanned one after the other by one task: a directory of many small
/// logs costs one task, and one wake-up, per batch instead of per file.
#[derive(Default)]
struct Batch {
    files: Vec<(u32, std::sync::Arc<input::RangedFile>)>,
    bytes: u64,
    options: Option<ScanOptions>,
}

impl Batch {
    /// The most files in a batch.
    const FILES: usize = 32;

    /// Adds a file of one range, spawning the batch when it is full.
    fn add(
        &mut self,
        source: u32,
        file: std::sync::Arc<input::RangedFile>,
        options: &ScanOptions,
        flight: &mut Flight,
        tx: &mpsc::Sender<ChunkResult>,
        rx: &mpsc::Receiver<ChunkResult>,
    ) {
        self.options.get_or_insert_with(|| options.clone());
        self.bytes += file.size();
        self.files.push((source, file));
        if self.files.len() >= Self::FILES || self.bytes >= input::RANGE_SIZE as u64 {
            self.spawn(flight, tx, rx);
        }
    }

    /// Scans the files gathered so far on the pool, in one task that takes one slot.
    fn spawn(&mut self, flight: &mut Flight, tx: &mpsc::Sender<ChunkResult>, rx: &mpsc::Receiver<ChunkResult>) {
        if self.files.is_empty() {
            return;
        }
        let files = std::mem::take(&mut self.files);
        self.bytes = 0;
        let mut slot = Some(flight.slot(rx));
        let tx = tx.clone();
        let options = self.options.clone().unwrap_or_default();
        rayon::spawn(move || {
            for (source, file) in files {
                let _ = tx.send(scan_range(source, 0, &file, Shape::Sniff(options.clone()), slot.take()));
            }
        });
    }
}

/// Reads a stream's chunks here and scans them on the pool; returns how many there were.
fn stream_chunks(
    source: u32,
    mut chunks: ChunkReader<Box<dyn std::io::Read + Send>>,
    options: &ScanOptions,
    flight: &mut Flight,
    tx: &mpsc::Sender<ChunkResult>,
    rx: &mpsc::Receiver<ChunkResult>,
) -> u64 {
    let mut newline = b'\n';
    let mut mode = Mode::Logs;
    let mut reader = options.reader(source, b"");
    let mut count = 0u64;
    loop {
        let buf = flight.slot(rx);
        match chunks.next_chunk(buf) {
            Ok(Some(chunk)) => {
                if chunk.index == 0 {
                    newline = input::line_end(&chunk.data);
                    mode = Mode::of(&chunk.data);
                    reader = options.reader(source, &chunk.data);
                    flight.collector.detected(source, &reader);
                }
                count += 1;
                let tx = tx.clone();
                let reader = reader.clone();
                rayon::spawn(move || {
                    let scan = scan_chunk_with(&chunk.data, &chunk.context, newline, mode, Excerpts::Now, &reader);
                    let _ = tx.send(ChunkResult {
                        source,
                        index: chunk.index,
                        base: 0,
                        bytes: chunk.data.len() as u64,
                        last: chunk.data.last().copied(),
                        slot: Some(chunk.data),
                        newline,
                        scan,
                        error: None,
                        sniffed: None,
                    });
                });
            }
            Ok(None) => {
                flight.free.push(Vec::new());
                return count;
            }
            Err(e) => {
                flight.collector.input_error(source, &e);
                flight.free.push(Vec::new());
                return count;
            }
        }
    }
}

/// The chunks in flight: a fixed number of slots (buffers for streams), and the collector that
/// takes the scanned chunks back.
struct Flight<'p> {
    collector: Collector,
    free: Vec<Vec<u8>>,
    progress: &'p dyn Fn(u64),
}

impl Flight<'_> {
    /// A free slot, waiting for a scanned chunk to come back when every slot is out.
    fn slot(&mut self, rx: &mpsc::Receiver<ChunkResult>) -> Vec<u8> {
        loop {
            if let Some(slot) = self.free.pop() {
                return slot;
            }
            let result = rx.recv().expect("a chunk is in flight");
            self.accept(result);
        }
    }

    fn accept(&mut self, result: ChunkResult) {
        let freed = self.collector.accept(result);
        self.free.extend(freed.into_iter().flatten());
        (self.progress)(self.collector.bytes_done);
    }
}

/// Takes scanned chunks in any order and assembles them in input order, so that only the chunks
/// in flight are ever held.
struct Collector {
    inputs: Vec<InputSummary>,
    chunk_counts: Vec<Option<u64>>,
    pending: BTreeMap<(u32, u64), ChunkResult>,
    source: u32,
    next_index: u64,
    lines_before: u64,
    ends_with_newline: bool,
    assembler: Option<Assembler>,
    record_base: u64,
    sink: Sink,
    /// Bytes of every chunk assembled so far.
    bytes_done: u64,
    /// The regular files being read, then those kept open for excerpts.
    files: Vec<Option<std::sync::Arc<input::RangedFile>>>,
    /// The first event of the source being assembled.
    source_events: usize,
    /// The layouts ranked for each input, until its assembly starts.
    readers: Vec<Option<Reader>>,
}

impl Collector {
    fn new(planned: &[Planned], max_events: usize) -> Collector {
        Collector {
            inputs: planned
                .iter()
                .map(|p| InputSummary {
                    path: p.display.clone(),
                    error: p.error.clone(),
                    ..Default::default()
                })
                .collect(),
            chunk_counts: vec![None; planned.len()],
            pending: BTreeMap::new(),
            source: 0,
            next_index: 0,
            lines_before: 0,
            ends_with_newline: true,
            assembler: None,
            record_base: 0,
            sink: Sink::new(max_events),
            bytes_done: 0,
            files: vec![None; planned.len()],
            source_events: 0,
            readers: vec![None; planned.len()],
        }
    }

    /// The layouts ranked for `source`: its assembly reads them, its summary names the first.
    fn detected(&mut self, source: u32, reader: &Reader) {
        self.inputs[source as usize].layout = reader.layout().map(str::to_string);
        self.readers[source as usize] = Some(reader.clone());
    }

    fn input_error(&mut self, source: u32, e: &std::io::Error) {
        self.inputs[source as usize].error = Some(input::describe_error(e));
    }

    /// All `count` chunks of `source` have been read.
    fn source_read(&mut self, source: u32, count: u64) {
        self.chunk_counts[source as usize] = Some(count);
        self.advance();
    }

    /// Takes one scanned chunk; returns the buffers of the chunks now assembled.
    fn accept(&mut self, result: ChunkResult) -> Vec<Option<Vec<u8>>> {
        self.pending.insert((result.source, result.index), result);
        self.advance()
    }

    fn advance(&mut self) -> Vec<Option<Vec<u8>>> {
        let mut freed = Vec::new();
        while (self.source as usize) < self.inputs.len() {
            if let Some(r) = self.pending.remove(&(self.source, self.next_index)) {
                freed.push(self.feed(r));
                self.next_index += 1;
            } else if self.chunk_counts[self.source as usize] == Some(self.next_index) {
                self.finish_source();
            } else {
                break;
            }
        }
        freed
    }

    fn feed(&mut self, r: ChunkResult) -> Option<Vec<u8>> {
        if let Some(e) = &r.error {
            if self.inputs[r.source as usize].error.is_none() {
                self.input_error(r.source, e);
            }
        }
        if let Some(reader) = &r.sniffed {
            self.detected(r.source, reader);
        }
        if self.assembler.is_none() {
            let reader = self.readers[r.source as usize].take().unwrap_or_default();
            self.assembler = Some(Assembler::new(r.source, self.record_base, &self.sink, reader));
        }
        let assembler = self.assembler.as_mut().expect("made above");
        for mut hit in r.scan.hits {
            hit.line += self.lines_before + 1;
            if let Some(place) = &mut hit.place {
                place.0 += r.base;
            }
            assembler.push(hit, &mut self.sink);
        }
        self.lines_before += r.scan.newlines;
        if let Some(last) = r.last {
            self.ends_with_newline = last == r.newline;
        }
        self.inputs[r.source as usize].bytes += r.bytes;
        self.bytes_done += r.bytes;
        r.slot
    }

    fn finish_source(&mut self) {
        let input = &mut self.inputs[self.source as usize];
        input.lines = self.lines_before + u64::from(!self.ends_with_newline && input.bytes > 0);
        if let Some(assembler) = self.assembler.take() {
            self.record_base = assembler.finish(&mut self.sink) + 1;
        }
        self.keep_or_close(self.source as usize);
        self.source_events = self.sink.events.len();
        self.source += 1;
        self.next_index = 0;
        self.lines_before = 0;
        self.ends_with_newline = true;
    }

    /// Keeps a finished file open when a report may quote its lines: only the first
    /// [`KEPT_FILES`] inputs can be such files (later ones made their excerpts while scanned).
    fn keep_or_close(&mut self, source: usize) {
        let Some(file) = self.files[source].take() else { return };
        let events = &self.sink.events[self.source_events..];
        if events.iter().any(|e| matches!(e.excerpt, Excerpt::At { .. })) {
            self.files[source] = Some(file);
        }
    }

    fn finish(mut self) -> ScanOutput {
        self.advance();
        ScanOutput {
            inputs: self.inputs,
            tallies: self.sink.tallies,
            events: self.sink.events,
            max_events: self.sink.max_events,
            events_dropped: self.sink.events_dropped,
            files: self.files,
        }
    }
}
