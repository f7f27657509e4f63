//! Secrets never leave the scan stage: device codes and user codes become fingerprints, and every
//! excerpt is redacted as it is made (the scan keeps no raw line: a regular file's line is read
//! again only to be redacted for a report).

use super::contains;
use regex::bytes::Regex;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// The first 12 hex digits of `sha256(value)`: `printf %s VALUE | sha256sum` shows the same.
pub fn fingerprint(value: &[u8]) -> String {
    let digest = Sha256::digest(value);
    digest[..6].iter().map(|b| format!("{b:02x}")).collect()
}

/// What replaces a secret in an excerpt.
const REDACTED: &str = "[REDACTED]";

struct Patterns {
    /// `key = value` / `"key": "value"` pairs whose value is a secret.
    pairs: LazyLock<Regex>,
    /// `Authorization: Bearer <token>` and similar.
    bearer: LazyLock<Regex>,
    /// JWT-shaped strings (access and id tokens).
    jwt: LazyLock<Regex>,
    /// Words that introduce a user code (`enter the code`, `user code`).
    prompt_key: LazyLock<Regex>,
    /// The code right after such words.
    prompt_code: LazyLock<Regex>,
}

static P: Patterns = Patterns {
    pairs: LazyLock::new(|| {
        super::ascii_regex(
            r#"(?i)((?:device_code|user_code|usercode|devicecode|client_secret|client_assertion|assertion|password|passwd|access_token|refresh_token|id_token|(?:^|(?-u:[^a-zA-Z0-9_]))(?:pwd|code|sig|secret|token))\\*["']?\s*[:=]\s*\\*["']?)([^"'&\s,;\\})\]]+)"#,
        )
    }),
    bearer: LazyLock::new(|| super::ascii_regex(r"(?i)\b(bearer|basic)(\s+)([A-Za-z0-9._~+/=-]+)")),
    jwt: LazyLock::new(|| super::ascii_regex(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")),
    prompt_key: LazyLock::new(|| super::ascii_regex(r"(?i)enter the code|user[ _-]?code")),
    prompt_code: LazyLock::new(|| super::ascii_regex(r"^(?-u:[^A-Za-z0-9_-]){1,4}([A-Za-z0-9_-]{4,})")),
};

fn patterns() -> &'static Patterns {
    &P
}

/// Returns `line` with every secret it holds replaced by `[REDACTED]`. Every pattern marks the
/// secrets it finds in the original line and all marks are replaced at once, so no pattern can
/// hide a secret from another by rewriting the line first.
pub fn redact(line: &[u8]) -> Vec<u8> {
    let p = patterns();
    let lower = line.to_ascii_lowercase();
    let lower = lower.as_slice();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    // Each pattern needs a byte or a word on the line: the ones that cannot match are skipped.
    // Every key of `pairs` holds one of these words.
    let code = contains!(lower, "code");
    let keyed = code
        || contains!(lower, "secret")
        || contains!(lower, "assertion")
        || contains!(lower, "pass")
        || contains!(lower, "pwd")
        || contains!(lower, "token")
        || contains!(lower, "sig");
    if keyed && memchr::memchr2(b'=', b':', line).is_some() {
        for c in p.pairs.captures_iter(line) {
            let value = c.get(2).expect("group 2");
            let key = c[1].to_ascii_lowercase();
            // An error code is no secret (`expired_token: AADSTS70019`, `code: 400`).
            let secret_key = [&b"pass"[..], b"pwd", b"secret", b"sig"]
                .iter()
                .any(|k| key.windows(k.len()).any(|w| w == *k));
            let numeric_status = value.as_bytes().iter().all(u8::is_ascii_digit) && !secret_key;
            if !(is_placeholder(value.as_bytes()) || value.as_bytes().starts_with(b"AADSTS") || numeric_status) {
                spans.push((value.start(), value.end()));
            }
        }
    }
    if contains!(lower, "bearer") || contains!(lower, "basic") {
        spans.extend(
            p.bearer
                .captures_iter(line)
                .filter_map(|c| c.get(3))
                .map(|m| (m.start(), m.end())),
        );
    }
    if contains!(line, "eyJ") {
        spans.extend(p.jwt.find_iter(line).map(|m| (m.start(), m.end())));
    }
    if code {
        spans.extend(prompt_codes(line, p));
    }
    // Long opaque runs (device codes, refresh tokens), but not URL paths.
    spans
        .extend(opaque_runs(line).filter(|&(start, end)| line[start..end].iter().filter(|&&b| b == b'/').count() <= 3));
    if spans.is_empty() {
        return line.to_vec();
    }
    spans.sort_unstable();
    let mut out = Vec::with_capacity(line.len());
    let mut at = 0;
    for (start, end) in spans {
        if end <= at {
            continue;
        }
        if start >= at {
            out.extend_from_slice(&line[at..start]);
            out.extend_from_slice(REDACTED.as_bytes());
        }
        at = end;
    }
    out.extend_from_slice(&line[at..]);
    out
}

/// The shortest run of token characters taken for an opaque secret.
const OPAQUE_RUN: usize = 64;

/// Runs of at least [`OPAQUE_RUN`] base64url / URL-encoded characters (`[A-Za-z0-9_-+/.~%]`),
/// with the `=` padding after them.
fn opaque_runs(line: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let token = |b: u8| b.is_ascii_alphanumeric() || b"_-+/.~%".contains(&b);
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

/// How many bytes around the wanted part of a line [`redact_around`] reads, at least.
const AROUND_MARGIN: usize = 512;

/// How far past that margin [`redact_around`] looks for a safe place to cut before it reads the
/// whole line instead.
const CUT_SEARCH: usize = 4096;

/// The bytes `want` of a long line, with at least `AROUND_MARGIN` bytes on each side, redacted
/// as the whole line would be. The line is cut only where no secret can straddle the cut (see
/// `is_safe_cut`), so every secret that touches the wanted bytes is read whole, key included.
pub fn redact_around(line: &[u8], want: std::ops::Range<usize>) -> Vec<u8> {
    let start = want.start.saturating_sub(AROUND_MARGIN);
    let end = want.end.saturating_add(AROUND_MARGIN).min(line.len());
    let from = if start == 0 {
        0
    } else {
        (start.saturating_sub(CUT_SEARCH)..=start)
            .rev()
            .find(|&c| is_safe_cut(line, c))
            .unwrap_or(0)
    };
    let to = if end == line.len() {
        end
    } else {
        (end..line.len().min(end + CUT_SEARCH))
            .find(|&c| is_safe_cut(line, c))
            .unwrap_or(line.len())
    };
    redact(&line[from..to])
}

/// Whether a line may be cut before byte `c`: `c` starts a word after white space, and the words
/// around the cut cannot be a key and its value (`password = x`, `"token": "x"`,
/// `Bearer x`, `enter the code x`), nor the words of a key. Every secret pattern's value is a run without white space,
/// so no value is cut either.
fn is_safe_cut(line: &[u8], c: usize) -> bool {
    if c == 0 || c >= line.len() || !line[c - 1].is_ascii_whitespace() || line[c].is_ascii_whitespace() {
        return false;
    }
    // Never between a key's words (`enter the code`, `user code`) or before a separator.
    let next = &line[c..line.len().min(c + 4)];
    if matches!(line[c], b':' | b'=')
        || next.eq_ignore_ascii_case(b"code")
        || next[..next.len().min(3)].eq_ignore_ascii_case(b"the")
    {
        return false;
    }
    // The last bytes before the white space, within a short distance.
    let before = &line[c.saturating_sub(64)..c];
    let Some(last) = before.iter().rposition(|b| !b.is_ascii_whitespace()) else {
        return false;
    };
    if matches!(before[last], b':' | b'=' | b'\\') {
        return false;
    }
    let word_end = before[..=last]
        .iter()
        .rposition(u8::is_ascii_alphanumeric)
        .map_or(0, |i| i + 1);
    let word = before[..word_end].to_ascii_lowercase();
    !(word.ends_with(b"code") || word.ends_with(b"bearer") || word.ends_with(b"basic"))
}

/// The user codes after every `enter the code` / `user code` on a line. Keys are found first, so
/// a prompt quoted inside another cannot hide its code.
fn prompt_codes(line: &[u8], p: &Patterns) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    for key in p.prompt_key.find_iter(line) {
        if let Some(code) = p.prompt_code.captures(&line[key.end()..]).and_then(|c| c.get(1)) {
            if !is_placeholder(code.as_bytes()) {
                spans.push((key.end() + code.start(), key.end() + code.end()));
            }
        }
    }
    spans
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
    fn every_pattern_compiles() {
        // Each is built on first use: build them all here.
        for pattern in [&P.pairs, &P.bearer, &P.jwt, &P.prompt_key, &P.prompt_code] {
            LazyLock::force(pattern);
        }
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
