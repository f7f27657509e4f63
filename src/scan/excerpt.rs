//! Excerpts: the redacted, shortened text of a line a report quotes, made while the line is read
//! (streams) or later from the file, when the bytes there are still the bytes scanned.

use super::{prefilter, secrets, Mode};
use crate::input;

/// The longest excerpt kept for a line, in characters.
pub const EXCERPT_CHARS: usize = 240;

/// How many characters of a long line's start its excerpt keeps before the part around its anchor.
const EXCERPT_HEAD: usize = 60;

/// When the excerpt of a line that may be quoted is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Excerpts {
    /// While the line is read: its bytes cannot be read again (streams).
    Now,
    /// Only if a report quotes it: the scanner records where the line is.
    Later,
    /// By the caller, which records where the excerpt's bytes are itself (a window of a long
    /// line, placed with the context its redaction needs).
    Placed,
}

/// Lines up to this long are remembered by [`excerpt_repeated`].
const REPEATED_LINE_MAX: usize = 4 << 10;

thread_local! {
    /// The last line this thread made an excerpt of with [`excerpt_repeated`], and the excerpt.
    static LAST_EXCERPT: std::cell::RefCell<(Vec<u8>, String)> = const { std::cell::RefCell::new((Vec::new(), String::new())) };
}

/// [`excerpt`], made once for a line repeated: a client that polls for hours logs the same
/// request line millions of times, and redacting a line costs far more than comparing it.
pub fn excerpt_repeated(line: &[u8]) -> String {
    if line.len() > REPEATED_LINE_MAX {
        return excerpt(line);
    }
    LAST_EXCERPT.with_borrow_mut(|(last, text)| {
        if last.as_slice() != line {
            *text = excerpt(line);
            last.clear();
            last.extend_from_slice(line);
        }
        text.clone()
    })
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
    let anchor = prefilter::primary(Mode::Export).find(line).map_or(0, |m| m.start());
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
        // Printable ASCII, the usual case: nothing to replace, and valid UTF-8 (checked faster
        // than a lossy conversion walks it).
        return std::str::from_utf8(redacted).unwrap_or_default().trim().to_string();
    }
    let s = String::from_utf8_lossy(redacted);
    s.trim().chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// Text cut to about [`EXCERPT_CHARS`] characters: its start, and the part around its first
/// anchor when that lies further in.
fn shorten(s: &str) -> String {
    if s.len() <= EXCERPT_CHARS {
        // No more bytes than the characters allowed: short enough whatever they are.
        return s.to_string();
    }
    let total = s.chars().count();
    if total <= EXCERPT_CHARS {
        return s.to_string();
    }
    const HEAD: usize = EXCERPT_HEAD;
    let anchor_byte = prefilter::primary(Mode::Export)
        .find(s.as_bytes())
        .map_or(0, |m| m.start());
    let anchor = s[..floor_char_boundary(s, anchor_byte)].chars().count();
    let ascii = s.is_ascii();
    let take = |from: usize, n: usize| {
        if ascii {
            s[from.min(s.len())..(from + n).min(s.len())].to_string()
        } else {
            s.chars().skip(from).take(n).collect::<String>()
        }
    };
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

/// The excerpt of the `len` bytes at `offset` of a file, read again, when they are still the
/// bytes scanned (their hash is `hash`).
pub(super) fn read_excerpt(
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
                excerpt(&secrets::redact_part(&bytes, part))
            }
            None => excerpt(&bytes),
        },
        Some(Err(e)) => format!("(the line could not be read again: {})", input::describe_error(&e)),
        None => String::new(),
    }
}
