//! Reads the trace and correlation ids that a line gives after a key: `Trace ID: <uuid>`,
//! `"correlation_id": "<uuid>"`, `client-request-id=<uuid>`, and the bracketed ids of Azure
//! CLI and MSAL lines (`...12Z - <uuid>`, `] : [<uuid>`, `GMT:<uuid>`).
//!
//! Read by hand, as the regular expressions in the tests read them (a test compares the two on
//! generated lines): these run on most candidate lines, and a regex with a capture group costs
//! far more there than a search for the key and a look at the bytes after it.

use super::{is_blank, is_word, skip, skip_one};
use memchr::memmem;

/// A uuid's length: `8-4-4-4-12` hex digits.
const UUID_LEN: usize = 36;

/// The uuid after the first `trace id` key (`trace[ _-]?id`, any case) followed by `:` or `=`.
pub fn trace<'a>(line: &'a [u8], lower: &[u8]) -> Option<&'a [u8]> {
    first_after(line, lower, "trace", true, |at| id_word_end(lower, at + "trace".len())).map(|(_, uuid)| uuid)
}

/// The uuid after the first correlation key (`correlation[ _-]?id`, or `client-request-id` as a
/// word of its own, any case), with or without a `:` or `=` between.
pub fn correlation<'a>(line: &'a [u8], lower: &[u8]) -> Option<&'a [u8]> {
    let stem = "correlation".len();
    let correlation = first_after(line, lower, "correlation", false, |at| id_word_end(lower, at + stem));
    let request = first_after(line, lower, "client-request-id", false, |at| {
        let free = at == 0 || !(is_word(line[at - 1]) || line[at - 1] == b'-');
        free.then_some(at + "client-request-id".len())
    });
    // The one that stands first (keys cannot overlap).
    match (correlation, request) {
        (Some(c), Some(r)) => Some(if c.0 < r.0 { c.1 } else { r.1 }),
        (c, r) => c.or(r).map(|(_, uuid)| uuid),
    }
}

/// The uuid right after `NNZ - `, `] : [` or `GMT:` (case matters), the first such.
pub fn bracketed(line: &[u8]) -> Option<&[u8]> {
    let time = memmem::find_iter(line, b"Z - ").find_map(|at| {
        let digits = at >= 2 && line[at - 2..at].iter().all(u8::is_ascii_digit);
        digits
            .then(|| uuid_at(line, at + 4))
            .flatten()
            .map(|uuid| (at - 2, uuid))
    });
    [time, after_key(line, "] : ["), after_key(line, "GMT:")]
        .into_iter()
        .flatten()
        .min_by_key(|&(at, _)| at)
        .map(|(_, uuid)| uuid)
}

/// The first place where `literal` stands right before a uuid.
fn after_key<'a>(line: &'a [u8], literal: &str) -> Option<(usize, &'a [u8])> {
    memmem::find_iter(line, literal.as_bytes()).find_map(|at| uuid_at(line, at + literal.len()).map(|uuid| (at, uuid)))
}

/// The first place where `stem` (searched in the lowercase line) starts a key (`key_end` says
/// where that key ends, if it is one) followed by a uuid: `(where the stem is, the uuid)`.
fn first_after<'a>(
    line: &'a [u8],
    lower: &[u8],
    stem: &str,
    separator_needed: bool,
    key_end: impl Fn(usize) -> Option<usize>,
) -> Option<(usize, &'a [u8])> {
    memmem::find_iter(lower, stem.as_bytes()).find_map(|at| {
        let uuid = uuid_at(line, value_start(line, key_end(at)?, separator_needed)?)?;
        Some((at, uuid))
    })
}

/// After `trace` or `correlation` (ending at `at` of the lowercase line): the end of `[ _-]?id`.
fn id_word_end(lower: &[u8], at: usize) -> Option<usize> {
    let i = skip_one(lower, at, |b| matches!(b, b' ' | b'_' | b'-'));
    (lower.get(i..i + 2)? == b"id").then_some(i + 2)
}

/// Where a key's value starts: past `\\*["']?\s*[:=]\s*\\*["']?\s*` (the `:` or `=` optional
/// unless `separator_needed`). Every part is a class of its own and none holds a hex digit, so
/// taking each greedily reads what the regex reads.
fn value_start(line: &[u8], at: usize, separator_needed: bool) -> Option<usize> {
    let at = skip(line, at, |b| b == b'\\');
    let at = skip_one(line, at, |b| b == b'"' || b == b'\'');
    let at = skip(line, at, is_blank);
    let sep = skip_one(line, at, |b| b == b':' || b == b'=');
    if separator_needed && sep == at {
        return None;
    }
    let at = skip(line, sep, is_blank);
    let at = skip(line, at, |b| b == b'\\');
    let at = skip_one(line, at, |b| b == b'"' || b == b'\'');
    Some(skip(line, at, is_blank))
}

/// The uuid that starts at byte `at`, if one does.
fn uuid_at(line: &[u8], at: usize) -> Option<&[u8]> {
    let uuid = line.get(at..at + UUID_LEN)?;
    let shape = uuid.iter().enumerate().all(|(i, &b)| {
        if matches!(i, 8 | 13 | 18 | 23) {
            b == b'-'
        } else {
            b.is_ascii_hexdigit()
        }
    });
    shape.then_some(uuid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(line: &str) -> (Option<String>, Option<String>) {
        let lower = line.to_ascii_lowercase();
        let text = |u: &[u8]| String::from_utf8_lossy(u).into_owned();
        (
            trace(line.as_bytes(), lower.as_bytes()).map(text),
            correlation(line.as_bytes(), lower.as_bytes())
                .or_else(|| bracketed(line.as_bytes()))
                .map(text),
        )
    }

    const A: &str = "0a1b2c3d-1111-2222-3333-444455556666";
    const B: &str = "3A5EA470-14F1-5E77-9E0A-DB23AC176630";

    #[test]
    fn ids_after_their_keys() {
        let line = format!("AADSTS70016 Trace ID: {A} Correlation ID: {B} Timestamp: 2025-03-04");
        assert_eq!(ids(&line), (Some(A.into()), Some(B.into())));
        let json = format!(r#"{{"trace_id":"{A}","correlation_id":"{B}"}}"#);
        assert_eq!(ids(&json), (Some(A.into()), Some(B.into())));
        assert_eq!(ids(&format!("client-request-id={B}")).1, Some(B.into()));
        assert_eq!(ids(&format!("x-ms-client-request-id={B}")).1, None);
        assert_eq!(ids(&format!("2026-11-27T08:00:00.12Z - {B} msal")).1, Some(B.into()));
        // The trace key needs its `:` or `=`; the correlation key does not.
        assert_eq!(ids(&format!("trace id {A} correlation id {B}")), (None, Some(B.into())));
        assert_eq!(ids(&format!("Trace ID: {}", &A[..35])), (None, None));
    }

    const UUID: &str = r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})";

    #[test]
    fn ids_are_read_as_their_regexes_read_them() {
        let trace_re = crate::scan::ascii_regex(&format!(r#"(?i)trace[ _-]?id\\*["']?\s*[:=]\s*\\*["']?\s*{UUID}"#));
        let key_re = crate::scan::ascii_regex(&format!(
            r#"(?i)(?:correlation[ _-]?id|correlationid|(?:^|[^\w-])client-request-id)\\*["']?\s*[:=]?\s*\\*["']?\s*{UUID}"#
        ));
        let bracket_re = crate::scan::ascii_regex(&format!(r"(?:[0-9][0-9]Z - |\] : \[|GMT:){UUID}"));
        let group = |re: &regex::bytes::Regex, line: &[u8]| re.captures(line).map(|c| c[1].to_vec());
        const KEYS: [&str; 16] = [
            "Trace ID",
            "trace_id",
            "TRACE-Id",
            "traceid",
            "trace  id",
            "Correlation ID",
            "correlation_id",
            "correlationId",
            "CorrelationID",
            "client-request-id",
            "x-client-request-id",
            "_client-request-id",
            "12Z - ",
            "1Z - ",
            "] : [",
            "GMT:",
        ];
        const SEPS: [&str; 10] = ["", " ", "\\", "\"", "'", ":", "=", "\t", ": ", "\\\":\\\""];
        const IDS: [&str; 6] = [
            A,
            B,
            "00000000-0000-0000-0000-000000000000",
            "0a1b2c3d-1111-2222-3333-44445555666",
            "0a1b2c3d1111-2222-3333-444455556666",
            "g0000000-0000-0000-0000-000000000000",
        ];
        const GLUE: [&str; 6] = ["", " ", "x", "\u{e9}", ",", "id"];
        let mut next = crate::scan::xorshift(0x1d8e_4e27_c47d_124f);
        let mut pick = |parts: &[&'static str]| parts[(next() % parts.len() as u64) as usize];
        let mut found = 0;
        for _ in 0..60_000 {
            let mut line = String::new();
            for _ in 0..pick(&["1", "2", "3"]).parse::<u32>().unwrap() {
                line += pick(&GLUE);
                line += pick(&KEYS);
                for _ in 0..pick(&["0", "1", "2", "3"]).parse::<u32>().unwrap() {
                    line += pick(&SEPS);
                }
                line += pick(&IDS);
                line += pick(&GLUE);
            }
            let (bytes, lower) = (line.as_bytes(), line.to_ascii_lowercase());
            let want_trace = group(&trace_re, bytes);
            let want_correlation = group(&key_re, bytes).or_else(|| group(&bracket_re, bytes));
            assert_eq!(
                trace(bytes, lower.as_bytes()).map(<[u8]>::to_vec),
                want_trace,
                "{line:?}"
            );
            let got = correlation(bytes, lower.as_bytes())
                .or_else(|| bracketed(bytes))
                .map(<[u8]>::to_vec);
            assert_eq!(got, want_correlation, "{line:?}");
            found += usize::from(want_trace.is_some()) + usize::from(got.is_some());
        }
        // The lines are worth comparing: many hold ids.
        assert!(found > 15_000, "{found}");
    }
}
