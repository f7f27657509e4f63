//! Secrets never leave the scan stage: device codes and user codes become fingerprints, and every
//! excerpt is redacted as it is made (the scan keeps no raw line: a regular file's line is read
//! again only to be redacted for a report).

use super::bytes::{contains, is_blank, skip, skip_back};
pub use super::secret_shapes::{samples, shape_ids, user_code_prompts, Sample};
use super::secret_shapes::{Catalog, Keys, Kind, Searcher, Shape, CATALOG};
use sha2::{Digest, Sha256};

/// The first 12 hex digits of `sha256(value)`: `printf %s VALUE | sha256sum` shows the same.
pub fn fingerprint(value: &[u8]) -> String {
    let digest = Sha256::digest(value);
    const HEX: &[u8; 16] = b"0123456789abcdef";
    digest[..6]
        .iter()
        .flat_map(|&b| {
            [
                char::from(HEX[usize::from(b >> 4)]),
                char::from(HEX[usize::from(b & 15)]),
            ]
        })
        .collect()
}

/// A hash of a line's bytes (not a fingerprint: it never leaves the process), kept when the
/// line's excerpt is made at report time, so that bytes that changed since the scan are not shown.
pub fn line_hash(line: &[u8]) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0x6161_646c_696e_7420).hash_one(line)
}

/// What replaces a secret in an excerpt.
const REDACTED: &str = "[REDACTED]";

/// Returns `line` with every secret it holds replaced by `[REDACTED]`. Every shape marks the
/// secrets it finds in the original line and all marks are replaced at once, so no shape can
/// hide a secret from another by rewriting the line first.
pub fn redact(line: &[u8]) -> Vec<u8> {
    let spans = secret_spans(line, None);
    replace(line, 0..line.len(), spans)
}

/// [`redact`] with the shapes of the catalog only (not the long opaque runs, which a long path
/// is): for the names of files.
pub fn redact_name(name: &[u8]) -> Vec<u8> {
    let spans = secret_spans(name, Some(usize::MAX));
    replace(name, 0..name.len(), spans)
}

/// [`redact`] with the one shape `id` alone (and no other reader): what that shape hides.
pub fn redact_with_shape(line: &[u8], id: &str) -> Vec<u8> {
    let shape = CATALOG.shapes.iter().position(|s| s.file.id == id);
    let spans = shape.map_or_else(Vec::new, |i| secret_spans(line, Some(i)));
    replace(line, 0..line.len(), spans)
}

/// The bytes `part` of `line` with the secrets that touch them replaced, as if the whole line
/// had been redacted: keys up to [`PART_CONTEXT`] bytes before the part are seen, and a word
/// that the part cuts at either edge is hidden (it may be the end or start of a secret whose key
/// lies further away).
pub fn redact_part(line: &[u8], part: std::ops::Range<usize>) -> Vec<u8> {
    let part = part.start.min(line.len())..part.end.min(line.len());
    let from = part.start.saturating_sub(PART_CONTEXT);
    let to = part.end.saturating_add(PART_CONTEXT).min(line.len());
    let mut spans: Vec<(usize, usize)> = secret_spans(&line[from..to], None)
        .into_iter()
        .map(|(s, e)| (s + from, e + from))
        .collect();
    let inside = |b: u8| !b.is_ascii_whitespace() && !matches!(b, b'"' | b'\'' | b',' | b';' | b'&');
    if part.start > 0 && part.start < part.end && inside(line[part.start - 1]) && inside(line[part.start]) {
        spans.push((part.start, skip(line, part.start, inside).min(part.end)));
    }
    if part.end < line.len() && part.start < part.end && inside(line[part.end - 1]) && inside(line[part.end]) {
        spans.push((skip_back(line, part.end, inside).max(part.start), part.end));
    }
    replace(line, part, spans)
}

/// How far around a part of a line [`redact_part`] looks for the keys of the secrets in it.
pub const PART_CONTEXT: usize = 4096;

/// `line[part]` with the bytes of `spans` (sorted or not, overlapping or not) replaced.
fn replace(line: &[u8], part: std::ops::Range<usize>, mut spans: Vec<(usize, usize)>) -> Vec<u8> {
    spans.retain(|&(s, e)| s < e && e > part.start && s < part.end);
    if spans.is_empty() {
        return line[part].to_vec();
    }
    spans.sort_unstable();
    let mut out = Vec::with_capacity(part.len());
    let mut at = part.start;
    for (start, end) in spans {
        let (start, end) = (start.max(part.start), end.min(part.end));
        if end <= at {
            continue;
        }
        if start >= at {
            out.extend_from_slice(&line[at..start]);
            out.extend_from_slice(REDACTED.as_bytes());
        }
        at = end;
    }
    out.extend_from_slice(&line[at..part.end]);
    out
}

/// Where the secrets of `line` are: those of every shape (or of shape `only`; every shape for
/// `usize::MAX`), then, when all are wanted, the user and device codes the scanner reads and long
/// opaque runs.
fn secret_spans(line: &[u8], only: Option<usize>) -> Vec<(usize, usize)> {
    let catalog = &*CATALOG;
    let lower = line.to_ascii_lowercase();
    let mut spans = Vec::new();
    let wanted = |i: usize| only.is_none_or(|o| o == i || o == usize::MAX);
    if memchr::memchr3(b'=', b':', b'%', line).is_some() {
        pair_spans(line, &lower, catalog, &wanted, &mut spans);
    }
    for (_, shape) in catalog.shapes.iter().enumerate().filter(|&(i, _)| wanted(i)) {
        match shape.file.kind {
            Kind::Pair => {}
            Kind::Pattern => {
                if let Some(re) = Some(shape)
                    .filter(|s| s.needles.is_match(&lower))
                    .and_then(Shape::pattern)
                {
                    spans.extend(
                        re.captures_iter(line)
                            .filter_map(|c| c.name("secret"))
                            .filter(|m| !keeps(m.as_bytes()))
                            .map(|m| (m.start(), m.end())),
                    );
                }
            }
            Kind::Prompt => {
                prompt_spans(line, &lower, &shape.prompts, &mut spans);
                if shape.lines_naming.is_match(&lower) {
                    spans.extend(user_code_words(line));
                }
            }
        }
    }
    if only.is_none() {
        // Whatever the scanner reads as a user or device code (and fingerprints) is hidden too.
        let at = |v: &[u8]| {
            let start = v.as_ptr() as usize - line.as_ptr() as usize;
            (start, start + v.len())
        };
        spans.extend(super::values::user_codes(line, &lower).into_iter().map(at));
        spans.extend(super::values::device_codes(line, &lower).into_iter().map(at));
        // Long opaque runs (device codes, refresh tokens), but not URL paths.
        spans.extend(
            opaque_runs(line).filter(|&(start, end)| line[start..end].iter().filter(|&&b| b == b'/').count() <= 3),
        );
    }
    spans
}

/// The values after the keys of the `pair` shapes.
fn pair_spans(
    line: &[u8],
    lower: &[u8],
    catalog: &Catalog,
    wanted: &dyn Fn(usize) -> bool,
    spans: &mut Vec<(usize, usize)>,
) {
    for keys in &catalog.keys {
        pair_spans_of(line, lower, keys, catalog, wanted, spans);
    }
}

/// [`pair_spans`] for the keys of one search.
fn pair_spans_of(
    line: &[u8],
    lower: &[u8],
    keys: &Keys,
    catalog: &Catalog,
    wanted: &dyn Fn(usize) -> bool,
    spans: &mut Vec<(usize, usize)>,
) {
    // `from`: where the next key's word may start (after the last value); `at`: where the search
    // for it goes on.
    let (mut from, mut at) = (0, 0);
    while at < line.len() {
        let Some(key) = keys.search.find(aho_corasick::Input::new(lower).span(at..lower.len())) else {
            break;
        };
        // The next search starts right after this key's first byte: a key that is not followed
        // by a separator may start a longer one.
        at = key.start() + 1;
        if keys.bounded && !Keys::starts_word(lower, from, key.start()) {
            continue;
        }
        from = key.start() + 1;
        let shape = keys.shape[key.pattern().as_usize()];
        if !wanted(shape) {
            continue;
        }
        let Some((value, quote)) = value_start(lower, key.end()) else {
            continue;
        };
        let file = &catalog.shapes[shape].file;
        let end = match quote {
            Some(quote) => quoted_end(line, lower, value, &lower[quote]),
            None if file.spaces => spaced_end(line, value),
            None => skip(line, value, |b| {
                !(is_blank(b) || matches!(b, b'"' | b'\'' | b'&' | b',' | b';' | b'\\' | b'}' | b')' | b']'))
            }),
        };
        let v = &line[value..end];
        let status = !v.is_empty() && v.len() <= file.keep_digits && v.iter().all(u8::is_ascii_digit);
        let word = file.keep_words
            && v.first().is_some_and(u8::is_ascii_uppercase)
            && v[1..].iter().all(u8::is_ascii_lowercase)
            && v.len() > 1;
        if !(keeps(v) || status || word || v.starts_with(b"AADSTS")) {
            spans.push((value, end));
            from = from.max(end);
            at = at.max(end);
        }
    }
}

/// The quotes that may close a key and open its value besides a plain one (`"`, `'`): as
/// `\u0022` (after one backslash or more), as an HTML entity, URL-encoded.
const QUOTES: [&[u8]; 4] = [b"u0022", b"u0027", b"&quot;", b"%22"];

/// The quote at `at`, if one stands there (with the backslashes before it): where it ends.
fn quote_at(lower: &[u8], at: usize) -> Option<usize> {
    let slashes = skip(lower, at, |b| b == b'\\');
    let rest = &lower[slashes..];
    match QUOTES.iter().find(|q| rest.starts_with(q)) {
        Some(q) if (q[0] == b'u') == (slashes > at) => Some(slashes + q.len()),
        Some(_) => None,
        None => matches!(rest.first(), Some(b'"' | b'\'')).then_some(slashes + 1),
    }
}

/// What stands between a key and its value (after its quote and blanks), in lowercase.
const SEPARATORS: [&[u8]; 8] = [b"=>", b":=", b":", b"=", b"%3a", b"%3d", b"\\u003a", b"\\u003d"];

/// After a key ending at `at`: past `quote? blanks separator blanks quote?` (`:`, `=`, `=>`,
/// `:=`, and `:` or `=` escaped as `\u003a` or `%3A`), the start of the value and the quote that
/// opens it, if any.
fn value_start(lower: &[u8], at: usize) -> Option<(usize, Option<std::ops::Range<usize>>)> {
    let at = quote_at(lower, at).unwrap_or(at);
    let at = skip(lower, at, is_blank);
    let rest = &lower[at..];
    let sep = SEPARATORS.iter().find(|s| rest.starts_with(s))?;
    let at = skip(lower, at + sep.len(), is_blank);
    Some(match quote_at(lower, at) {
        Some(end) => (end, Some(at..end)),
        None => (at, None),
    })
}

/// The end of a value opened by `quote`: the next same quote with as many backslashes before
/// it (`\"` inside `"pa\"ss"` or `\\u0022` inside `\u0022...\u0022` does not close it), else the
/// end of the line.
fn quoted_end(line: &[u8], lower: &[u8], value: usize, quote: &[u8]) -> usize {
    let n = skip(quote, 0, |b| b == b'\\');
    let tail = &quote[n..];
    let plain = matches!(tail, b"\"" | b"'");
    let mut from = value;
    while let Some(i) = memchr::memmem::find(&lower[from..], tail) {
        let q = from + i;
        let slashes = q - skip_back(line, q, |b| b == b'\\');
        let closes = match (n, plain) {
            (0, true) => slashes % 2 == 0,
            (0, false) => true,
            _ => slashes == n,
        };
        if closes {
            return q - n;
        }
        from = q + 1;
    }
    line.len()
}

/// The end of an unquoted value that may hold blanks: at `;`, `&`, a quote, the end of the line,
/// or blanks and commas before the next `key=` / `key: `.
fn spaced_end(line: &[u8], value: usize) -> usize {
    let mut at = value;
    while at < line.len() {
        let b = line[at];
        if matches!(b, b'"' | b'\'' | b';' | b'&') {
            break;
        }
        if is_blank(b) || b == b',' {
            let word = skip(line, at, |b| is_blank(b) || b == b',');
            let key_end = skip(line, word, |b| {
                b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
            });
            let next = line.get(key_end).copied();
            let after = line.get(key_end + 1).copied();
            let next_key = key_end > word
                && line[word].is_ascii_alphabetic()
                && (next == Some(b'=') || (next == Some(b':') && after.is_none_or(is_blank)));
            if next_key || word == line.len() {
                break;
            }
            at = word;
            continue;
        }
        at += 1;
    }
    at
}

/// Past the gap between a prompt ending at `at` and its code: up to 64 bytes that are not
/// letters or digits (blanks, `: -- `, quotes), or escapes of such bytes (`\t`, `\u00a0`).
fn gap_end(line: &[u8], at: usize) -> usize {
    let limit = (at + 64).min(line.len());
    let mut i = at;
    while i < limit {
        let escape = if line[i] == b'\\' {
            let rest = &line[i + 1..];
            match rest.first() {
                Some(b'n' | b't' | b'r') => 2,
                Some(b'u') if rest.len() >= 5 && rest[1..5].iter().all(u8::is_ascii_hexdigit) => 6,
                _ => 1,
            }
        } else {
            usize::from(!line[i].is_ascii_alphanumeric())
        };
        if escape == 0 {
            break;
        }
        i += escape;
    }
    i.min(line.len())
}

/// The user codes after each prompt of a `prompt` shape: past the gap ([`gap_end`]), a word of
/// at least four letters, digits, `_` or `-`.
fn prompt_spans(line: &[u8], lower: &[u8], prompts: &Searcher, spans: &mut Vec<(usize, usize)>) {
    for (_, prompt_end) in prompts.places(lower) {
        let start = gap_end(line, prompt_end);
        let end = skip(line, start, |b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        let code = &line[start..end];
        if code.len() >= 4 && !keeps(code) && !code.starts_with(b"AADSTS") {
            spans.push((start, end));
        }
    }
}

/// Every word of the line shaped like a user code: 8 or 9 uppercase letters, digits and dashes,
/// with two letters at least (not the `3358888Z` of a timestamp), standing alone (no letter,
/// digit or `_` on either side), not an AADSTS code nor a log level.
fn user_code_words(line: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < line.len() {
            let start = at + line[at..].iter().position(|&b| word(b))?;
            at = skip(line, start, word);
            let w = &line[start..at];
            let shaped = (8..=9).contains(&w.len())
                && w.iter()
                    .all(|&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
                && w.iter().filter(|b| b.is_ascii_uppercase()).count() >= 2
                && w[0] != b'-';
            if shaped && !w.starts_with(b"AADSTS") && !matches!(w, b"CRITICAL" | b"WARNING" | b"VERBOSE") {
                return Some((start, at));
            }
        }
        None
    })
}

/// A value that stands for "no value", which the redactor leaves: empty, `None`, `null`,
/// anything that says `redacted` (`[REDACTED]`, `-REDACTED-`), `***`, `XXXX`. (Anything else after a secret's key is hidden,
/// even `<...>` and `$...`, which may be real values.)
fn keeps(value: &[u8]) -> bool {
    let lower = value.to_ascii_lowercase();
    value.is_empty()
        || matches!(
            lower.as_slice(),
            b"none" | b"null" | b"nil" | b"undefined" | b"redacted" | b"hidden" | b"true" | b"false" | b"empty"
        )
        || contains!(&lower, "redacted")
        || value.iter().all(|&b| b"*xX._-".contains(&b))
}

/// The shortest run of token characters taken for an opaque secret.
const OPAQUE_RUN: usize = 64;

/// Whether each byte may stand in an opaque run. A table: the tests of a `matches!` compiled to
/// a jump per byte, mispredicted on most text (two fifths of a line's redaction, 1.2 -> 0.9 µs
/// on the dense bench log's lines); a call to `memchr` for every byte cost more still.
static TOKEN_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(c, b'_' | b'-' | b'+' | b'/' | b'.' | b'~' | b'%' | b'!' | b'*' | b'$');
        b += 1;
    }
    table
};

/// Runs of at least [`OPAQUE_RUN`] base64url / URL-encoded characters, and the `!`, `*` and `$`
/// of Microsoft account tokens (`[A-Za-z0-9_-+/.~%!*$]`),
/// with the `=` padding after them.
fn opaque_runs(line: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let token = |b: u8| TOKEN_BYTES[b as usize];
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < line.len() {
            let start = at + line[at..].iter().position(|&b| token(b))?;
            let run = line[start..].iter().take_while(|&&b| token(b)).count();
            at = start + run;
            if run >= OPAQUE_RUN {
                at += line[at..].iter().take_while(|&&b| b == b'=').count();
                return Some((start, at));
            }
        }
        None
    })
}

/// How many bytes around the wanted part of a line [`redact_around`] reads.
const AROUND_MARGIN: usize = 512;

/// The bytes `want` of a long line, with [`AROUND_MARGIN`] bytes on each side, redacted as the
/// whole line would be (see [`redact_part`]).
pub fn redact_around(line: &[u8], want: std::ops::Range<usize>) -> Vec<u8> {
    let start = want.start.saturating_sub(AROUND_MARGIN);
    let end = want.end.saturating_add(AROUND_MARGIN).min(line.len());
    redact_part(line, start..end)
}

/// A value that stands for "no value": `None`, `null`, `REDACTED`, `***`, `XXXX`, `<...>`, `{...}`.
pub fn is_placeholder(value: &[u8]) -> bool {
    let v = value;
    if v.is_empty() || v.len() < 4 {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    matches!(
        lower.as_slice(),
        b"none" | b"null" | b"undefined" | b"redacted" | b"hidden" | b"true" | b"false"
    ) || lower.starts_with(b"[redacted")
        || v.iter()
            .all(|&b| b == b'*' || b == b'x' || b == b'X' || b == b'.' || b == b'_' || b == b'-')
        || v.first() == Some(&b'<')
        || v.first() == Some(&b'{')
        || v.first() == Some(&b'$')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shape_loads() {
        assert!(shape_ids().len() >= 10, "{:?}", shape_ids());
        assert!(user_code_prompts().any(|p| p == "enter the code"));
    }

    fn r(s: &str) -> String {
        String::from_utf8(redact(s.as_bytes())).unwrap()
    }

    #[test]
    fn fingerprint_matches_sha256sum() {
        // printf %s ABC | sha256sum -> b5d4045c3f466fa91fe2cc6abe79232a1a57cdf104f7a26e716e0a1e2789df78
        assert_eq!(fingerprint(b"ABC"), "b5d4045c3f46");
    }

    #[test]
    fn redacts_every_secret_shape() {
        let cases = [
            (
                "grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=DAQABAAEAAAD123456&client_id=x",
                "DAQABAAEAAAD123456",
            ),
            (
                r#"{"device_code": "DAQABIQEAAADNcj1pcWOiESkY", "user_code": "HD8UDCYYM"}"#,
                "HD8UDCYYM",
            ),
            (
                r#"{"device_code": "DAQABIQEAAADNcj1pcWOiESkY"}"#,
                "DAQABIQEAAADNcj1pcWOiESkY",
            ),
            ("enter the code HD8UDCYYM to authenticate.", "HD8UDCYYM"),
            (
                "enter the code ABCDEFGHIJKLMNOPQRSTUVWXYZ now",
                "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            ),
            ("enter the code ABCDEFGHIJ_K now", "ABCDEFGHIJ_K"),
            ("enter the code XYZenter the code QWERTYUIOP", "QWERTYUIOP"),
            ("cached_device_code=DAQABAAEAAAD9999&x=1", "DAQABAAEAAAD9999"),
            ("XYZXpassword=Sup3rSecret&x=1", "Sup3rSecret"),
            ("Authorization: Bearer abc.def-ghi", "abc.def-ghi"),
            ("client_secret=s3cr3t~value&scope=x", "s3cr3t~value"),
            ("password=hunter22 user=x", "hunter22"),
            ("password=123456 user=x", "123456"),
            ("client_secret: 98765432", "98765432"),
            ("code=0.AXkAabc123&state=1", "0.AXkAabc123"),
            ("?state=x&code=0.AXkAabc456", "0.AXkAabc456"),
            (
                "token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl here",
                "eyJhbGciOiJSUzI1NiJ9",
            ),
            (
                "https://acct.blob.core.windows.net/c/b?sv=2020&sig=AbCdEf%2Bg%3D&se=1",
                "AbCdEf%2Bg%3D",
            ),
            (r#"\"refresh_token\": \"1.AXkA-long-refresh\""#, "1.AXkA-long-refresh"),
        ];
        for (line, secret) in cases {
            let out = r(line);
            assert!(!out.contains(secret), "{secret} leaked from {line}: {out}");
        }
    }

    #[test]
    fn a_value_is_hidden_whole_through_bytes_that_are_not_ascii() {
        // A no-break space and an invalid byte inside values: both values are hidden to their
        // end, not up to the first byte that is not ASCII.
        let out = redact(b"password=s3cr\xc2\xa0etTail token: abc\xffdefGHIJ x");
        assert_eq!(out, b"password=[REDACTED] token: [REDACTED] x");
    }

    #[test]
    fn keeps_what_is_not_secret() {
        let line = "ERROR AADSTS90120: The request was already authorized. Correlation ID: 478457b3-a111-4b91-90dc-47799476d1c9";
        assert_eq!(r(line), line);
        assert_eq!(r("user code None"), "user code None");
        let expired = "Sign-in failed: expired_token: AADSTS70019: Verification code expired.";
        assert_eq!(r(expired), expired);
        assert!(
            r(r#""POST /8c7833cf-0550-4c50-aeac-30c147c2db53/oauth2/v2.0/token HTTP/1.1" 400 510"#)
                .contains("oauth2/v2.0/token")
        );
    }

    #[test]
    fn redacting_part_of_a_long_line_hides_what_the_whole_line_hides() {
        // Secrets in every shape, at every offset around the cut points of the part read.
        let shapes: [(&str, &str); 8] = [
            ("password = ", "Sup3r!Secret#1"),
            ("\"refresh_token\":   \"", "1.AXkA-refresh"),
            ("Authorization: Bearer   ", "abc.def-ghi"),
            ("enter the code ", "QWERTYUIOP"),
            ("user code: ", "HD8UDCYYM"),
            ("client_secret :  ", "s3cr3t~value"),
            ("x ", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"),
            ("code=", "0.AXkAabc456"),
        ];
        let filler = "lorem ipsum, dolor: sit amet = consectetur {adipiscing} elit ";
        let base: String = filler.repeat(200);
        for (key, secret) in shapes {
            for want in [2000..2400, 2900..3300] {
                let (cut_left, cut_right) = (want.start - AROUND_MARGIN, want.end + AROUND_MARGIN);
                for at in (cut_left - 80..cut_left + 8).chain(cut_right - 80..cut_right + 8) {
                    let mut line = base.clone();
                    line.insert_str(at, &format!(" {key}{secret} "));
                    assert!(!r(&line).contains(secret), "the whole line leaks {secret}");
                    let part = redact_around(line.as_bytes(), want.clone());
                    let part = String::from_utf8(part).unwrap();
                    assert!(!part.contains(secret), "{secret} at {at} leaked reading {want:?}");
                }
            }
        }
    }
}
