//! Lines longer than [`MAX_LINE`](super::MAX_LINE): a sign-in export or a Graph response written
//! on one line, a dump of a request. Such a line is read in pieces, so memory and time stay
//! bounded and the facts of one record are not mixed with those of the next.
//!
//! In a sign-in export ([`Mode::Export`]), a line that is one JSON value holding an array of
//! objects is read one object at a time (with the text between them as pieces of their own): an
//! export on one line reads like the same export pretty-printed, one sign-in per record. Only
//! lines that no source cuts ([`input::WHOLE_LINE`]) are read so, which keeps a file, its `.gz`
//! and stdin alike. Any other long line (a Graph response quoted in an application log, an export
//! line longer than that), and any piece still too long, is read in windows around its anchors.
//! Pieces and windows never overlap and start and end between fields, so no mention or list of
//! codes is read twice or cut in two.

use super::event::read_line;
use super::excerpt::{self, Excerpts};
use super::hit::LineHit;
use super::record::Reader;
use super::{prefilter, secrets, Mode};
use crate::input;
use aho_corasick::{AhoCorasick, Input};
use std::ops::Range;

/// Lines longer than this are read in windows around their anchors.
pub const MAX_LINE: usize = 64 << 10;

/// The size of those windows: a few records' worth of text around each anchor.
pub const LONG_LINE_WINDOW: usize = 8 << 10;

/// Reads the long `line` of an input searched in `mode` (at byte `offset` of its chunk, line
/// `line_no`), whose first anchor is at byte `first`.
#[allow(clippy::too_many_arguments)]
pub(super) fn scan(
    mode: Mode,
    line: &[u8],
    offset: usize,
    first: usize,
    line_no: u64,
    excerpts: Excerpts,
    reader: &Reader,
    hits: &mut Vec<LineHit>,
) {
    let finder = prefilter::primary(mode);
    let records = if mode == Mode::Export && line.len() <= input::WHOLE_LINE {
        json_records(line)
    } else {
        Vec::new()
    };
    if records.len() < 2 {
        return windows(
            line,
            offset,
            first,
            line_no,
            finder,
            excerpts == Excerpts::Later,
            reader,
            hits,
        );
    }
    // The records, and the text before, between and after them.
    let mut at = 0;
    let end = line.len()..line.len();
    for record in records.iter().chain(std::iter::once(&end)) {
        for piece in [at..record.start, record.clone()] {
            let text = &line[piece.clone()];
            let Some(anchor) = finder.find(text).map(|m| m.start()) else {
                continue;
            };
            if text.len() <= MAX_LINE {
                read_line(hits, text, offset + piece.start, line_no, excerpts, reader);
            } else {
                windows(
                    text,
                    offset + piece.start,
                    anchor,
                    line_no,
                    finder,
                    excerpts == Excerpts::Later,
                    reader,
                    hits,
                );
            }
        }
        at = record.end;
    }
}

/// Reads `line` in windows around its anchors, the first at byte `first`. Their excerpts are
/// made now, or with `later` by the report from the window and its context (see
/// [`read_window`]).
#[allow(clippy::too_many_arguments)]
fn windows(
    line: &[u8],
    offset: usize,
    first: usize,
    line_no: u64,
    finder: &AhoCorasick,
    later: bool,
    reader: &Reader,
    hits: &mut Vec<LineHit>,
) {
    // Windows begin and end between two fields (see `input::field_boundary`).
    let boundary = input::field_boundary;
    let mut done = 0;
    let mut at = Some(first);
    while let Some(a) = at {
        let mut from = a.saturating_sub(LONG_LINE_WINDOW / 8).max(done);
        if from > done {
            from = boundary(&line[from..a]).map_or(a, |i| from + i);
        }
        let mut to = (a + LONG_LINE_WINDOW).min(line.len());
        if to < line.len() {
            let keep = a + LONG_LINE_WINDOW / 2;
            to = boundary(&line[keep..to]).map_or(to, |i| keep + i);
        }
        read_window(line, from..to, offset, line_no, later, reader, hits);
        done = to;
        at = finder.find(Input::new(line).span(to..line.len())).map(|m| m.start());
    }
}

/// Reads the window `part` of the long `line` (at byte `offset` of its chunk). Its excerpt is
/// made now, from the whole line: a window may start or end inside a secret's key or value, and
/// only the line around it shows the key (see [`secrets::redact_part`]). Read again later, the
/// window's bytes alone could show a secret's value without its key.
/// With `later` (a regular file), the excerpt is left to the report, which reads the window and
/// its context again.
#[allow(clippy::too_many_arguments)]
fn read_window(
    line: &[u8],
    part: Range<usize>,
    offset: usize,
    line_no: u64,
    later: bool,
    reader: &Reader,
    hits: &mut Vec<LineHit>,
) {
    let first = hits.len();
    // `Placed`: the window's own bytes are neither made an excerpt nor hashed; both are done here.
    read_line(
        hits,
        &line[part.clone()],
        offset + part.start,
        line_no,
        Excerpts::Placed,
        reader,
    );
    if later {
        // The file can be read again: record the window with the context its redaction needs
        // (the same bytes `redact_part` looks at), and redact only if a report quotes it.
        let from = part.start.saturating_sub(secrets::PART_CONTEXT);
        let to = part.end.saturating_add(secrets::PART_CONTEXT).min(line.len());
        let context = &line[from..to];
        let mut place = None;
        for hit in hits[first..].iter_mut().filter(|h| h.quoted) {
            let p = *place.get_or_insert_with(|| {
                (
                    (offset + from) as u64,
                    context.len() as u32,
                    secrets::line_hash(context),
                )
            });
            hit.place = Some(p);
            hit.window = Some(((part.start - from) as u32, part.len() as u32));
        }
        return;
    }
    let mut excerpt = None;
    for hit in hits[first..].iter_mut().filter(|h| h.quoted) {
        hit.excerpt = excerpt
            .get_or_insert_with(|| excerpt::excerpt(&secrets::redact_part(line, part.clone())))
            .clone();
    }
}

/// Where the objects of the outermost arrays of objects in `line` stand (`[{...}, {...}]`, or
/// `{"value": [{...}, {...}]}` after a log prefix), in order, when the line ends with one whole
/// JSON value that starts at its first brace or bracket; else none. Strings are skipped whole.
fn json_records(line: &[u8]) -> Vec<Range<usize>> {
    let mut records = Vec::new();
    let Some(mut i) = memchr::memchr2(b'{', b'[', line) else {
        return records;
    };
    // The open brackets and braces, and the depth of the objects taken as records: that of the
    // first object found right inside an array.
    let mut open: Vec<u8> = Vec::new();
    let mut record_depth = None;
    let mut record_start = 0;
    while i < line.len() {
        match line[i] {
            b'"' => match string_end(line, i + 1) {
                Some(end) => i = end,
                None => return Vec::new(),
            },
            b'{' => {
                if open.last() == Some(&b'[') && *record_depth.get_or_insert(open.len()) == open.len() {
                    record_start = i;
                }
                open.push(b'{');
            }
            b'[' => open.push(b'['),
            close @ (b'}' | b']') => {
                let expected = if close == b'}' { b'{' } else { b'[' };
                if open.pop() != Some(expected) {
                    return Vec::new();
                }
                if close == b'}' && open.last() == Some(&b'[') && record_depth == Some(open.len()) {
                    records.push(record_start..i + 1);
                }
                if open.is_empty() {
                    let whole = line[i + 1..].iter().all(u8::is_ascii_whitespace);
                    return if whole { records } else { Vec::new() };
                }
            }
            _ => {}
        }
        i += 1;
    }
    // The value never closed.
    Vec::new()
}

/// The index of the quote that closes the JSON string whose text starts at `from`.
fn string_end(line: &[u8], mut from: usize) -> Option<usize> {
    loop {
        let at = from + memchr::memchr2(b'"', b'\\', line.get(from..)?)?;
        if line[at] == b'"' {
            return Some(at);
        }
        from = at + 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(line: &str) -> Vec<&str> {
        json_records(line.as_bytes()).into_iter().map(|r| &line[r]).collect()
    }

    #[test]
    fn the_objects_of_the_outermost_array_are_records() {
        assert_eq!(
            records(r#"[{"a": 1}, {"b": [{"c": 2}]}]"#),
            [r#"{"a": 1}"#, r#"{"b": [{"c": 2}]}"#]
        );
        assert_eq!(
            records(r#"2026-11-27 DEBUG Graph response: {"@odata.context": "x", "value": [{"a": "}"}, {"b": "\"]"}]}"#),
            [r#"{"a": "}"}"#, r#"{"b": "\"]"}"#]
        );
        // Cut short, or more than one value: not read as records.
        assert!(records(r#"[{"a": 1}, {"b": 2}, {"c": "#).is_empty());
        assert!(records(r#"[{"a": 1}, {"b": 2}] [{"c": 3}]"#).is_empty());
        assert!(records(r#"{"a": 1}}, {"b": 2}, {"c": 3}]}"#).is_empty());
        // No array of objects, or none at all.
        assert!(records(r#"{"a": {"b": 1}, "c": [1, 2]}"#).is_empty());
        assert!(records("AADSTS50076 plain text").is_empty());
        // A stray bracket.
        assert!(records(r#"[{"a": 1}, }{"b": 2}]"#).is_empty());
        // Blanks after the value are fine.
        assert_eq!(records("[{\"a\": 1}, {\"b\": 2}] \r"), [r#"{"a": 1}"#, r#"{"b": 2}"#]);
        // An escape at the very end.
        assert!(records(r#"[{"a": "\"#).is_empty());
    }

    #[test]
    fn records_are_objects_in_order_on_any_bytes() {
        const PARTS: [&[u8]; 12] = [
            b"{", b"}", b"[", b"]", b"\"", b"\\", b",", b" ", b"\"a\": ", b"1", b"\xff", b"x",
        ];
        let mut next = crate::scan::bytes::xorshift(0x2f6b_3c1d_9a5e_7b11);
        for _ in 0..20_000 {
            let n = next() % 40;
            let line: Vec<u8> = (0..n)
                .flat_map(|_| PARTS[(next() % PARTS.len() as u64) as usize].iter().copied())
                .collect();
            let mut after = 0;
            for r in json_records(&line) {
                assert!(
                    r.start >= after && line[r.start] == b'{' && line[r.end - 1] == b'}',
                    "{line:?}"
                );
                after = r.end;
            }
        }
    }
}
