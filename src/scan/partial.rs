//! Records written in fragments: a layout with `partial` streams (Kubernetes CRI) cuts a long line
//! into `P` lines ended by one `F` line of the same stream, and the other stream's lines may stand
//! between them. Such a run is read as one record: the first fragment's line (its envelope) and
//! the messages of the others after it, numbered at the first fragment's line. The literal
//! prefilter runs on the joined text, so a code or key cut in two by the runtime is still found,
//! and what was read of each fragment alone is dropped, so nothing is counted twice.
//!
//! A chunk joins the runs it holds ([`join`]); the fragments at its ends, which may continue a run
//! of the chunk before or go on in the next, go to the collector, which stitches the chunks in
//! input order ([`Stitcher`]): the result does not depend on where chunks are cut. A run is
//! bounded: it ends, unfinished, where its text would pass [`MAX_JOINED`] bytes or its fragments
//! would span more than [`MAX_SPAN`] lines (the next fragment starts a new one), and a run whose
//! `F` never comes is read as it stands.

use super::bytes::trim_cr;
use super::event::read_line;
use super::excerpt::Excerpts;
use super::hit::LineHit;
use super::long_line::{self, MAX_LINE};
use super::prefilter::{self, Mode};
use super::record::{Reader, Tag};

/// The most bytes a joined record holds: the cut of lines too long to read whole.
pub const MAX_JOINED: usize = crate::input::WHOLE_LINE;

/// The most lines a run's fragments span, from its first: past it, the lines the collector holds
/// back while a run is open would grow without bound.
pub const MAX_SPAN: u64 = 1 << 14;

/// One fragment line, copied: how a chunk hands the fragments at its start to the collector.
#[derive(Debug)]
pub struct Fragment {
    /// Its line, in the chunk (then in the input).
    line: u64,
    /// The stream's next line continues it.
    partial: bool,
    bytes: Vec<u8>,
    message_at: usize,
}

/// A run of fragments not ended yet: its first line and its text so far.
#[derive(Debug)]
pub struct Run {
    first: u64,
    text: Vec<u8>,
}

/// What runs across a chunk's ends, for one stream.
#[derive(Debug, Default)]
pub struct Ends {
    /// The stream's fragments from the chunk's start up to its first end (`F`): they go on with a
    /// run of the chunks before, if one is open. An end alone was read by the chunk as a record.
    lead: Vec<Fragment>,
    /// The run after that end still open at the chunk's end.
    tail: Option<Run>,
}

/// What a chunk of an input written in fragments leaves to the collector.
#[derive(Debug)]
pub struct Boundary {
    reader: Reader,
    mode: Mode,
    streams: Vec<Ends>,
}

/// Adds the fragment at `line` to `open`, its stream's run. Returns the run it ends, or that
/// ended unfinished before it (too long, or too far), and whether the fragment joined a run: an
/// end (`F`) with no run before it is a record of its own.
fn push(open: &mut Option<Run>, line: u64, partial: bool, bytes: &[u8], message_at: usize) -> (Option<Run>, bool) {
    let message = &bytes[message_at.min(bytes.len())..];
    let mut done = None;
    if open
        .as_ref()
        .is_some_and(|run| line.saturating_sub(run.first) > MAX_SPAN || run.text.len() + message.len() > MAX_JOINED)
    {
        done = open.take();
    }
    match open {
        Some(run) => {
            run.text.extend_from_slice(message);
            if !partial {
                done = open.take();
            }
            (done, true)
        }
        None if partial => {
            *open = Some(Run {
                first: line,
                text: bytes.to_vec(),
            });
            (done, true)
        }
        None => (done, false),
    }
}

/// Reads a record (a joined run, or a line) the way the chunk reads a candidate line: only if the
/// prefilter finds an anchor in it, in windows when it is long. Its excerpt is made now: its
/// bytes are not together in the input.
fn read(hits: &mut Vec<LineHit>, text: &[u8], line: u64, mode: Mode, reader: &Reader) {
    let Some(m) = prefilter::primary(mode).find(text) else {
        return;
    };
    if text.len() <= MAX_LINE {
        read_line(hits, text, 0, line, Excerpts::Now, reader);
    } else {
        long_line::scan(mode, text, 0, m.start(), line, Excerpts::Now, reader, hits);
    }
}

/// Whether `line` is a fragment that goes on from the line just above it (`above`, asked only
/// then): both are of one stream, and that one is partial. Such a line starts no record.
pub(super) fn continues<'a>(reader: &Reader, line: &[u8], above: impl FnOnce() -> &'a [u8]) -> bool {
    reader.splits().is_some()
        && reader
            .tag(line)
            .zip(reader.tag(above()))
            .is_some_and(|(tag, up)| up.partial && up.stream == tag.stream)
}

/// When `line` ends a run of fragments whose others stand just above it (`above`, nearest first,
/// within the look-behind's reach), the run joined; the lines it takes from `above` are counted
/// in `taken`. `None` for any other line.
pub(super) fn run_ending<'a>(
    reader: &Reader,
    line: &[u8],
    above: &mut std::iter::Peekable<impl Iterator<Item = &'a [u8]>>,
    taken: &mut u64,
) -> Option<Vec<u8>> {
    reader.splits()?;
    let tag = reader.tag(line)?;
    let mut run = vec![(line, tag.message_at)];
    while let Some(up) = above.next_if(|up| reader.tag(up).is_some_and(|t| t.partial && t.stream == tag.stream)) {
        let at = reader.tag(up).map_or(0, |t| t.message_at);
        run.push((up, at));
        *taken += 1;
    }
    if run.len() < 2 {
        return None;
    }
    let (first, _) = run.pop()?;
    let mut text = first.to_vec();
    for (fragment, at) in run.iter().rev() {
        text.extend_from_slice(&fragment[*at..]);
    }
    Some(text)
}

/// The line just above the one starting at `at` in `data`: the last line of `context` (which
/// ends with a line end, or is empty) when `at` is 0.
pub(super) fn line_above<'a>(data: &'a [u8], at: usize, context: &'a [u8], newline: u8) -> &'a [u8] {
    let (region, end) = if at == 0 {
        (context, context.len().saturating_sub(1))
    } else {
        (data, at - 1)
    };
    let start = memchr::memrchr(newline, &region[..end]).map_or(0, |i| i + 1);
    trim_cr(&region[start..end])
}

/// A fragment line found in a chunk.
#[derive(Clone, Copy)]
struct Found {
    start: usize,
    end: usize,
    partial: bool,
    message_at: usize,
}

/// The line numbers of positions in a chunk, counted as they are asked for.
struct Lines<'a> {
    data: &'a [u8],
    newline: u8,
    at: usize,
    line: u64,
}

impl Lines<'_> {
    fn of(&mut self, pos: usize) -> u64 {
        if pos < self.at {
            (self.at, self.line) = (0, 0);
        }
        self.line += bytecount::count(&self.data[self.at..pos], self.newline) as u64;
        self.at = pos;
        self.line
    }
}

/// Joins the fragments of one chunk of an input whose layout writes them ([`Reader::splits`]):
/// drops from `hits` what was read of each fragment of a run alone, adds what each run read
/// joined says, and returns what runs across the chunk's ends (`None` for other inputs).
pub(super) fn join(
    data: &[u8],
    newline: u8,
    mode: Mode,
    reader: &Reader,
    hits: &mut Vec<LineHit>,
) -> Option<Box<Boundary>> {
    let splits = reader.splits()?;
    let mut lines = Lines {
        data,
        newline,
        at: 0,
        line: 0,
    };
    let mut claimed = Vec::new();
    let mut joined = Vec::new();
    let mut streams = Vec::with_capacity(splits.streams.len());
    let continued = splits.continued_in(data);
    for (stream, (_, end)) in splits.streams.iter().enumerate() {
        // The fragment whose literal (`len` bytes) stands at `p`: a line the layout reads whose
        // literal of this stream ends where its message starts.
        let fragment = |p: usize, len: usize, partial: bool| {
            let start = memchr::memrchr(newline, &data[..p]).map_or(0, |i| i + 1);
            let end = memchr::memchr(newline, &data[p..]).map_or(data.len(), |i| p + i);
            let message_at = p + len - start;
            let tag = reader.tag(trim_cr(&data[start..end]));
            let is = tag
                == Some(Tag {
                    stream,
                    partial,
                    message_at,
                });
            // Not a fragment: the rest of its line is not either.
            is.then_some(Found {
                start,
                end,
                partial,
                message_at,
            })
            .ok_or(end)
        };
        // The stream's first end at or after `from`.
        let next = |mut from: usize| {
            while let Some(p) = end.find(data, from) {
                match fragment(p, end.text.len(), false) {
                    Ok(f) => return Some(f),
                    Err(line_end) => from = line_end.max(p + 1),
                }
            }
            None
        };
        let len = splits.streams[stream].0.text.len();
        let mut partials = Vec::new();
        let mut looked_to = None;
        for &(_, p) in continued.iter().filter(|c| c.0 == stream) {
            if looked_to.is_none_or(|to| p > to) {
                let found = fragment(p, len, true);
                looked_to = Some(found.map_or_else(|end| end, |f| f.end));
                partials.extend(found.ok());
            }
        }
        let first_end = next(0);
        let in_lead = partials.partition_point(|p| first_end.is_none_or(|e| p.start < e.start));
        let mut ends = Ends::default();
        for f in partials[..in_lead].iter().chain(first_end.as_ref()) {
            let line = lines.of(f.start);
            if in_lead > 0 {
                claimed.push(line);
            }
            ends.lead.push(Fragment {
                line,
                partial: f.partial,
                bytes: trim_cr(&data[f.start..f.end]).to_vec(),
                message_at: f.message_at,
            });
        }
        // The runs after the first end: each from a partial line up to the stream's next end.
        let mut open = None;
        let mut k = in_lead;
        while k < partials.len() {
            let close = next(partials[k].end);
            let members = partials[k..].partition_point(|p| close.is_none_or(|c| p.start < c.start));
            for f in partials[k..k + members].iter().chain(close.as_ref()) {
                let line = lines.of(f.start);
                let (done, took) = push(&mut open, line, f.partial, trim_cr(&data[f.start..f.end]), f.message_at);
                if took {
                    claimed.push(line);
                }
                if let Some(run) = done {
                    read(&mut joined, &run.text, run.first, mode, reader);
                }
            }
            k += members;
        }
        ends.tail = open;
        streams.push(ends);
    }
    if !claimed.is_empty() || !joined.is_empty() {
        claimed.sort_unstable();
        hits.retain(|h| claimed.binary_search(&h.line).is_err());
        hits.append(&mut joined);
        hits.sort_by_key(|h| h.line);
    }
    Some(Box::new(Boundary {
        reader: reader.clone(),
        mode,
        streams,
    }))
}

/// Stitches the chunks of one input written in fragments, in input order: joins the runs that
/// cross chunk ends, and holds back the lines below a run still open, so that the assembler gets
/// every line in order.
#[derive(Debug, Default)]
pub struct Stitcher {
    open: Vec<Option<Run>>,
    held: Vec<LineHit>,
    how: Option<(Reader, Mode)>,
}

impl Stitcher {
    /// Takes the next chunk's `hits` (numbered in the input) and what runs across its ends;
    /// `base` is the input's number of the chunk's first line, `last` of its last line. Returns
    /// the lines now settled, in order.
    pub fn feed(
        &mut self,
        mut hits: Vec<LineHit>,
        boundary: Option<Box<Boundary>>,
        base: u64,
        last: u64,
    ) -> Vec<LineHit> {
        let mut new = Vec::new();
        if let Some(boundary) = boundary {
            let Boundary { reader, mode, streams } = *boundary;
            if self.open.len() < streams.len() {
                self.open.resize_with(streams.len(), || None);
            }
            for (ends, open) in streams.into_iter().zip(&mut self.open) {
                let end_alone = matches!(&ends.lead[..], [f] if !f.partial);
                if open.is_some() && end_alone {
                    // The chunk read the end as a record of its own: it ends the open run instead.
                    let line = ends.lead[0].line + base;
                    hits.retain(|h| h.line != line);
                }
                if open.is_some() || !end_alone {
                    for f in &ends.lead {
                        let line = f.line + base;
                        let (done, took) = push(open, line, f.partial, &f.bytes, f.message_at);
                        if let Some(run) = done {
                            read(&mut new, &run.text, run.first, mode, &reader);
                        }
                        if !took {
                            read(&mut new, &f.bytes, line, mode, &reader);
                        }
                    }
                }
                if let Some(mut tail) = ends.tail {
                    tail.first += base;
                    *open = Some(tail);
                }
            }
            self.how = Some((reader, mode));
        }
        if let Some((reader, mode)) = &self.how {
            // Runs no later fragment can reach are read now.
            for open in &mut self.open {
                if let Some(run) = open.take_if(|run| (last + 1).saturating_sub(run.first) > MAX_SPAN) {
                    read(&mut new, &run.text, run.first, *mode, reader);
                }
            }
        }
        if new.is_empty() && self.held.is_empty() && self.open.iter().all(Option::is_none) {
            return hits;
        }
        self.held.append(&mut hits);
        self.held.append(&mut new);
        self.held.sort_by_key(|h| h.line);
        let until = self.open.iter().flatten().map(|run| run.first).min();
        let settled = until.map_or(self.held.len(), |u| self.held.partition_point(|h| h.line < u));
        let rest = self.held.split_off(settled);
        std::mem::replace(&mut self.held, rest)
    }

    /// Ends the input: its runs still open are read as they stand; returns the lines held.
    pub fn finish(mut self) -> Vec<LineHit> {
        if let Some((reader, mode)) = &self.how {
            for run in self.open.iter_mut().filter_map(Option::take) {
                read(&mut self.held, &run.text, run.first, *mode, reader);
            }
        }
        self.held.sort_by_key(|h| h.line);
        self.held
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::record::Layouts;
    use crate::scan::scan_chunk_with;

    const HEAD: &[u8] = b"2026-11-27T10:04:14.1Z stdout F 2026-11-27 10:04:14,100 7 MainThread app INFO start\n";

    fn cri() -> Reader {
        let reader = Layouts::builtin().detect(HEAD, None);
        assert_eq!(reader.layout(), Some("cri"));
        reader
    }

    /// Scans `text` cut into chunks after the given lines, stitched in order: every hit, in the
    /// input's line numbers (from 1), as line and codes.
    fn scan(text: &str, cuts: &[usize]) -> Vec<(u64, Vec<u32>)> {
        let reader = cri();
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let mut bounds = vec![0];
        bounds.extend(cuts.iter().copied().filter(|&c| c < lines.len()));
        bounds.push(lines.len());
        let mut stitcher = Stitcher::default();
        let mut out = Vec::new();
        for w in bounds.windows(2) {
            let data = lines[w[0]..w[1]].concat();
            let context = lines[w[0].saturating_sub(16)..w[0]].concat();
            let mut chunk = scan_chunk_with(
                data.as_bytes(),
                context.as_bytes(),
                b'\n',
                Mode::Logs,
                Excerpts::Now,
                &reader,
            );
            for h in &mut chunk.hits {
                h.line += w[0] as u64 + 1;
            }
            let last = w[1] as u64;
            out.extend(stitcher.feed(chunk.hits, chunk.partial, w[0] as u64 + 1, last));
        }
        out.extend(stitcher.finish());
        out.into_iter()
            .map(|h| (h.line, h.codes.iter().map(|c| c.0).collect()))
            .collect()
    }

    #[test]
    fn a_run_is_read_once_at_its_first_line_in_any_chunks() {
        let text = "\
2026-11-27T10:04:14.1Z stdout F 2026-11-27 10:04:14,100 7 MainThread app INFO start
2026-11-27T10:04:14.2Z stdout P 2026-11-27 10:04:14,200 7 MainThread app ERROR failed: AADS
2026-11-27T10:04:14.3Z stderr F 2026-11-27 10:04:14,300 8 worker app ERROR AADSTS50058 on stderr
2026-11-27T10:04:14.2Z stdout P TS7001
2026-11-27T10:04:14.2Z stdout F 6: pending
2026-11-27T10:04:14.4Z stdout F 2026-11-27 10:04:14,400 7 MainThread app ERROR AADSTS50126 alone
2026-11-27T10:04:14.5Z stderr P 2026-11-27 10:04:14,500 8 worker app ERROR AADSTS90120 never
";
        let want = vec![(2, vec![70016]), (3, vec![50058]), (6, vec![50126]), (7, vec![90120])];
        assert_eq!(scan(text, &[]), want);
        for cut in 1..7 {
            assert_eq!(scan(text, &[cut]), want, "cut after line {cut}");
            for second in cut + 1..7 {
                assert_eq!(scan(text, &[cut, second]), want, "cut after lines {cut} and {second}");
            }
        }
        let every: Vec<usize> = (1..7).collect();
        assert_eq!(scan(text, &every), want);
    }

    #[test]
    fn a_run_ends_where_it_grows_too_long_or_too_far() {
        let mut open = None;
        let line = |m: &str| format!("t stdout P {m}").into_bytes();
        let (done, took) = push(&mut open, 1, true, &line("a"), 11);
        assert!(done.is_none() && took);
        // Within reach: joined.
        let (done, took) = push(&mut open, 1 + MAX_SPAN, true, &line("b"), 11);
        assert!(done.is_none() && took);
        // Too far from the run's first line: the run ends, the fragment starts another.
        let (done, took) = push(&mut open, 2 + MAX_SPAN, false, &line("c"), 11);
        assert_eq!(done.map(|r| (r.first, r.text)), Some((1, b"t stdout P ab".to_vec())));
        assert!(!took, "an end with no run before it is a record of its own");
        assert!(open.is_none());
        // Too long: the run so far ends, unfinished.
        let big = vec![b'x'; MAX_JOINED / 2 - 1];
        push(&mut open, 10, true, &big, 0);
        assert!(push(&mut open, 11, true, &big, 0).0.is_none());
        let (done, took) = push(&mut open, 12, false, &big, 0);
        assert_eq!(done.map(|r| (r.first, r.text.len())), Some((10, big.len() * 2)));
        assert!(!took);
    }

    #[test]
    fn a_fragment_goes_on_from_a_partial_line_of_its_stream() {
        let reader = cri();
        let p = b"2026-11-27T10:04:14.2Z stdout P first";
        let f = b"2026-11-27T10:04:14.2Z stdout F second";
        let e = b"2026-11-27T10:04:14.2Z stderr F other";
        assert!(continues(&reader, f, || p));
        assert!(!continues(&reader, e, || p));
        assert!(!continues(&reader, f, || f));
        assert!(!continues(&reader, b"plain", || p));
        // Not a CRI input: nothing is a fragment.
        assert!(!continues(&Reader::default(), f, || p));
        let above = [&p[..], b"2026-11-27T10:04:14.2Z stdout P zeroth "];
        let mut above = above.into_iter().peekable();
        let mut taken = 0;
        let joined = run_ending(&reader, f, &mut above, &mut taken).unwrap();
        assert_eq!(joined, b"2026-11-27T10:04:14.2Z stdout P zeroth firstsecond");
        assert_eq!(taken, 2);
    }
}
