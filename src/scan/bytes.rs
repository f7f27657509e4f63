//! Byte helpers every part of the scan uses: ASCII classes, skipping runs, trimming, literal
//! search. A leaf: it imports nothing of the scan.

/// `finder!("needle")`: a SIMD substring searcher for the literal, built once per call site
/// (`memmem::find` builds one at every call, which costs more than searching a line: 2% of a
/// dense log's scan).
macro_rules! finder {
    ($needle:literal) => {{
        static FINDER: std::sync::OnceLock<memchr::memmem::Finder<'static>> = std::sync::OnceLock::new();
        FINDER.get_or_init(|| memchr::memmem::Finder::new($needle))
    }};
}

/// `contains!(hay, "needle")`: whether `hay` holds the literal (see [`finder!`]).
macro_rules! contains {
    ($hay:expr, $needle:literal) => {
        $crate::scan::bytes::finder!($needle).find($hay).is_some()
    };
}

pub(crate) use {contains, finder};

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

/// The line without the `\r` of a `\r\n` line end.
pub(crate) fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The lines of `data` from byte `at` on, each with the byte it starts at (a `\r` before the
/// `newline` dropped; the last line may have no end).
pub(crate) fn lines_at(data: &[u8], mut at: usize, newline: u8) -> impl Iterator<Item = (usize, &[u8])> {
    std::iter::from_fn(move || {
        let start = at;
        let end = memchr::memchr(newline, data.get(start..)?).map_or(data.len(), |i| start + i);
        at = end + 1;
        (start < data.len()).then(|| (start, trim_cr(&data[start..end])))
    })
}

/// The line without its leading ASCII whitespace.
pub(crate) fn trim_start(line: &[u8]) -> &[u8] {
    let n = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &line[n..]
}

/// Whether every byte is an ASCII digit.
pub(crate) fn all_digits(b: &[u8]) -> bool {
    b.iter().all(u8::is_ascii_digit)
}

/// Bytes as text, invalid UTF-8 replaced.
pub(crate) fn text(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.to_owned(),
        Err(_) => String::from_utf8_lossy(b).into_owned(),
    }
}

/// The value of a run of ASCII digits, saturating at `u32::MAX`.
pub(crate) fn parse_digits(digits: &[u8]) -> u32 {
    digits
        .iter()
        .fold(0u32, |n, &d| n.saturating_mul(10).saturating_add(u32::from(d - b'0')))
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
