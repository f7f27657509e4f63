//! Reads the values that a line gives after a key: the trace and correlation ids
//! (`Trace ID: <uuid>`, `"correlation_id": "<uuid>"`, `client-request-id=<uuid>`, and the
//! bracketed ids of Azure CLI and MSAL lines: `...12Z - <uuid>`, `] : [<uuid>`, `GMT:<uuid>`),
//! device codes, `expires_in` and `interval`, the HTTP status, and the OAuth endpoints.
//!
//! Read by hand, as the regular expressions in the tests read them (tests compare the two on
//! generated lines): these run on most candidate lines, and a regex with a capture group costs
//! far more there than a search for the key and a look at the bytes after it. Every key is
//! followed by parts of distinct byte classes, so reading each part greedily reads what the
//! regex reads.

use super::bytes::{contains, finder, is_blank, is_quote, is_word, parse_digits, skip, skip_one};
use memchr::memmem::Finder;
use std::sync::LazyLock;

/// A uuid's length: `8-4-4-4-12` hex digits.
const UUID_LEN: usize = 36;

/// The uuid after the first `trace id` key (`trace[ _-]?id`, any case) followed by `:` or `=`.
pub fn trace<'a>(line: &'a [u8], lower: &[u8]) -> Option<&'a [u8]> {
    first_after(line, lower, finder!("trace"), true, |at| {
        id_word_end(lower, at + "trace".len())
    })
    .map(|(_, uuid)| uuid)
}

/// The uuid after the first correlation key (`correlation[ _-]?id`, or `client-request-id` as a
/// word of its own, any case), with or without a `:` or `=` between.
pub fn correlation<'a>(line: &'a [u8], lower: &[u8]) -> Option<&'a [u8]> {
    let stem = "correlation".len();
    let correlation = first_after(line, lower, finder!("correlation"), false, |at| {
        id_word_end(lower, at + stem)
    });
    let request = first_after(line, lower, finder!("client-request-id"), false, |at| {
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
    let time = finder!("Z - ").find_iter(line).find_map(|at| {
        let digits = at >= 2 && line[at - 2..at].iter().all(u8::is_ascii_digit);
        digits
            .then(|| uuid_at(line, at + 4))
            .flatten()
            .map(|uuid| (at - 2, uuid))
    });
    [
        time,
        after_key(line, finder!("] : [")),
        after_key(line, finder!("GMT:")),
    ]
    .into_iter()
    .flatten()
    .min_by_key(|&(at, _)| at)
    .map(|(_, uuid)| uuid)
}

/// The first place where the literal of `key` stands right before a uuid.
fn after_key<'a>(line: &'a [u8], key: &Finder) -> Option<(usize, &'a [u8])> {
    let len = key.needle().len();
    key.find_iter(line)
        .find_map(|at| uuid_at(line, at + len).map(|uuid| (at, uuid)))
}

/// The first place where the searcher's `stem` (searched in the lowercase line) starts a key
/// (`key_end` says where that key ends, if it is one) followed by a uuid: `(where the stem is,
/// the uuid)`.
fn first_after<'a>(
    line: &'a [u8],
    lower: &[u8],
    stem: &Finder,
    separator_needed: bool,
    key_end: impl Fn(usize) -> Option<usize>,
) -> Option<(usize, &'a [u8])> {
    stem.find_iter(lower).find_map(|at| {
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
/// unless `separator_needed`). The bare codes of `codes.rs` follow their keys the same way.
pub(crate) fn value_start(line: &[u8], at: usize, separator_needed: bool) -> Option<usize> {
    separator_end(line, at, b":=", separator_needed).map(|at| skip(line, at, is_blank))
}

/// Past `\\*["']?\s*[:=]\s*\\*["']?` (`[:=]` being one of `separators`, optional unless
/// `separator_needed`).
fn separator_end(line: &[u8], at: usize, separators: &[u8], separator_needed: bool) -> Option<usize> {
    let at = skip(line, at, |b| b == b'\\');
    let at = skip_one(line, at, is_quote);
    let at = skip(line, at, is_blank);
    let sep = skip_one(line, at, |b| separators.contains(&b));
    if separator_needed && sep == at {
        return None;
    }
    let at = skip(line, sep, is_blank);
    let at = skip(line, at, |b| b == b'\\');
    Some(skip_one(line, at, is_quote))
}

/// The shortest device code taken.
const DEVICE_CODE_MIN: usize = 10;

/// Every device code given after a `device_code` or `devicecode` key (any case) and a `:` or
/// `=`: a run of at least [`DEVICE_CODE_MIN`] URL-safe characters, with its `=` padding. `lower`
/// is the line in lowercase.
pub fn device_codes<'a>(line: &'a [u8], lower: &[u8]) -> Vec<&'a [u8]> {
    let url_safe = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'~' | b'+' | b'/' | b'%');
    let mut codes = Vec::new();
    let mut from = 0;
    for at in finder!("device").find_iter(lower) {
        let key = skip_one(lower, at + "device".len(), |b| b == b'_');
        if at < from || lower.get(key..key + 4) != Some(b"code") {
            continue;
        }
        let Some(start) = separator_end(line, key + 4, b":=", true) else {
            continue;
        };
        let end = skip(line, start, url_safe);
        if end - start >= DEVICE_CODE_MIN {
            from = skip(line, end, |b| b == b'=');
            codes.push(&line[start..from]);
        }
    }
    codes
}

/// Every user code after a prompt (`enter the code`, or the same words in the languages the
/// sign-in service answers in: [`secret_shapes::user_code_prompts`](super::secret_shapes::user_code_prompts))
/// or after a `user code` key (`user[ _-]?code`, both any case, the key maybe followed by `:`,
/// `=` or `(`): 6 to 12 uppercase letters, digits and dashes, starting with a letter or digit and
/// ending at a word boundary, and not an AADSTS code. `lower` is the line in lowercase.
pub fn user_codes<'a>(line: &'a [u8], lower: &[u8]) -> Vec<&'a [u8]> {
    // One search for every prompt: a searcher per prompt and line cost 15 million instructions
    // in a scan of a 20 MB log (a fifth of its redaction).
    let prompts = super::secret_shapes::prompt_search()
        .places(lower)
        .map(|(start, end)| (start, Some(end)));
    let keys = finder!("user").find_iter(lower).map(|at| {
        let word = skip_one(lower, at + "user".len(), |b| matches!(b, b' ' | b'_' | b'-'));
        let key = (lower.get(word..word + 4) == Some(b"code")).then_some(word + 4);
        (at, key.and_then(|end| separator_end(line, end, b":=(", false)))
    });
    let mut starts: Vec<(usize, Option<usize>)> = prompts.chain(keys).collect();
    starts.sort_unstable();
    let mut codes = Vec::new();
    let mut from = 0;
    for (at, value) in starts {
        let Some(value) = value.filter(|_| at >= from) else {
            continue;
        };
        let start = skip(line, value, is_blank);
        if let Some(end) = user_code_end(line, start).filter(|_| !line[start..].starts_with(b"AADSTS")) {
            codes.push(&line[start..end]);
            from = end;
        }
    }
    codes
}

/// The end of the user code at `start`: the longest run that the shape allows and that ends at a
/// word boundary (as a regex's `[A-Z0-9][A-Z0-9-]{5,11}\b` backs off until it does).
fn user_code_end(line: &[u8], start: usize) -> Option<usize> {
    let code = |b: &u8| b.is_ascii_uppercase() || b.is_ascii_digit();
    if !line.get(start).is_some_and(code) {
        return None;
    }
    let run = line[start + 1..]
        .iter()
        .take(11)
        .take_while(|&b| code(b) || *b == b'-')
        .count();
    (5..=run).rev().map(|n| start + 1 + n).find(|&end| {
        let after = line.get(end).is_some_and(|&b| is_word(b));
        is_word(line[end - 1]) != after
    })
}

/// The number (its first `max_digits` digits) after the first literal of `key` (case matters)
/// followed by a `:` or `=`: `expires_in=900`, `"interval": 5`.
pub fn number_after(line: &[u8], key: &Finder, max_digits: usize) -> Option<u32> {
    let len = key.needle().len();
    key.find_iter(line).find_map(|at| {
        let start = separator_end(line, at + len, b":=", true)?;
        let digits = skip(line, start, |b| b.is_ascii_digit()) - start;
        (digits > 0).then(|| parse_digits(&line[start..start + digits.min(max_digits)]))
    })
}

/// Whether a token request on the line names a grant other than the device code grant:
/// `grant_type=client_credentials`, `"grant_type": "refresh_token"`, `grant_type%3Dpassword`,
/// `-d grant_type=authorization_code`, a JWT bearer or SAML assertion. `lower` is the line in
/// lowercase. A line that names the device code grant anywhere is never such a request.
pub fn names_other_grant(line: &[u8], lower: &[u8]) -> bool {
    const OTHER: [&[u8]; 7] = [
        b"client_credentials",
        b"refresh_token",
        b"authorization_code",
        b"password",
        b"jwt-bearer",
        b"saml2-bearer",
        b"saml1_1-bearer",
    ];
    if contains!(lower, "device_code") {
        return false;
    }
    finder!("grant_type").find_iter(lower).any(|at| {
        let after = at + "grant_type".len();
        // `=`, `:` or their URL-encoded forms, then maybe a quote.
        let after = if lower[after..].starts_with(b"%3d") || lower[after..].starts_with(b"%3a") {
            after + 3
        } else {
            after
        };
        let Some(start) = separator_end(line, after, b":=", after == at + "grant_type".len()) else {
            return false;
        };
        let start = skip(line, start, is_blank);
        let end = skip(line, start, |b| is_word(b) || matches!(b, b'-' | b':' | b'%' | b'.'));
        let value = &lower[start..end];
        // A URL-encoded body goes on after `%26` (`&`).
        let value = finder!("%26").find(value).map_or(value, |amp| &value[..amp]);
        OTHER.iter().any(|g| value == *g || value.ends_with(g))
    })
}

/// The hosts whose first path segment names the tenant: `https://login.microsoftonline.com/<tenant>/`.
const AUTHORITIES: [&[u8]; 6] = [
    b"login.microsoftonline.com/",
    b"login.microsoftonline.us/",
    b"login.chinacloudapi.cn/",
    b"login.partner.microsoftonline.cn/",
    b"login.windows.net/",
    b"sts.windows.net/",
];

/// Path segments after an authority host that name no tenant (`/error?code=`, `/oauth2/`).
const NOT_TENANTS: [&[u8]; 4] = [b"oauth2", b"discovery", b"error", b"favicon.ico"];

/// The tenant an authority URL on the line names (`contoso.onmicrosoft.com`, a tenant id,
/// `common`, `organizations`, `consumers`), in lowercase. `lower` is the line in lowercase.
pub fn tenant(lower: &[u8]) -> Option<&[u8]> {
    // One search a host start (one per host and line cost 6% of a dense log's scan): every
    // host but one starts with `login.`, the other with `sts.`.
    let logins = finder!("login.").find_iter(lower);
    let mut hosts = logins
        .chain(finder!("sts.windows.net/").find_iter(lower))
        .filter_map(|at| {
            let host = AUTHORITIES.iter().find(|h| lower[at..].starts_with(h))?;
            Some(at + host.len())
        });
    let by_host = hosts.find_map(|start| {
        let end = skip(lower, start, |b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
        let segment = &lower[start..end];
        let ends = lower
            .get(end)
            .is_none_or(|&b| matches!(b, b'/' | b'?' | b'"' | b'\'' | b' '));
        (ends && !segment.is_empty() && !NOT_TENANTS.contains(&segment)).then_some(segment)
    });
    // A request line that shows the path only: `"POST /<tenant>/oauth2/v2.0/token HTTP/1.1"`.
    by_host.or_else(|| {
        finder!("/oauth2/").find_iter(lower).find_map(|at| {
            let start = memchr::memrchr(b'/', &lower[..at])? + 1;
            let segment = &lower[start..at];
            let named = uuid_at(segment, 0).is_some_and(|u| u.len() == segment.len())
                || [&b"common"[..], b"organizations", b"consumers"].contains(&segment)
                || (segment.contains(&b'.')
                    && segment
                        .iter()
                        .all(|&b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'));
            named.then_some(segment)
        })
    })
}

/// The application (client) id after a `client_id` key (`client_id=<uuid>`, `"clientId": "<uuid>"`,
/// `client-id: <uuid>`), in lowercase. `lower` is the line in lowercase.
pub fn client_id(lower: &[u8]) -> Option<&[u8]> {
    finder!("client").find_iter(lower).find_map(|at| {
        let after = at + "client".len();
        let key_end = skip_one(lower, after, |b| matches!(b, b'_' | b'-'));
        if lower.get(key_end..key_end + 2) != Some(b"id") || lower.get(key_end + 2).is_some_and(|&b| is_word(b)) {
            return None;
        }
        let start = value_start(lower, key_end + 2, true)?;
        uuid_at(lower, start)
    })
}

/// The status after the first `HTTP/1.1` (any version) that is followed by one, from 100 to 599.
pub fn http_status(line: &[u8]) -> Option<u16> {
    finder!("HTTP/").find_iter(line).find_map(|at| {
        let version = at + "HTTP/".len();
        let end = skip(line, version, |b| b.is_ascii_digit() || b == b'.');
        let at = skip_one(line, skip(line, end, |b| b == b'\\'), |b| b == b'"');
        let status = skip(line, at, is_blank);
        let digits = line.get(status..status + 3)?;
        let ok = end > version
            && status > at
            && (b'1'..=b'5').contains(&digits[0])
            && digits[1..].iter().all(u8::is_ascii_digit)
            && !line.get(status + 3).is_some_and(|&b| is_word(b));
        ok.then(|| parse_digits(digits) as u16)
    })
}

/// The status a structured record gives its HTTP exchange: `"status":400`, `"statusCode": 400`,
/// `status=400` (pino-http, axios and fetch wrappers, logfmt).
pub fn status_field(line: &[u8]) -> Option<u16> {
    static KEYS: LazyLock<[Finder; 5]> = LazyLock::new(|| {
        [
            "\"status\"",
            "\"statusCode\"",
            "\"status_code\"",
            " status=",
            " status_code=",
        ]
        .map(Finder::new)
    });
    KEYS.iter().find_map(|key| {
        key.find_iter(line).find_map(|at| {
            let mut i = skip(line, at + key.needle().len(), is_blank);
            if line.get(i) == Some(&b':') {
                i = skip(line, i + 1, is_blank);
            }
            let digits = line.get(i..i + 3)?;
            let ok = (b'1'..=b'5').contains(&digits[0])
                && digits[1..].iter().all(u8::is_ascii_digit)
                && !line.get(i + 3).is_some_and(u8::is_ascii_digit);
            ok.then(|| parse_digits(digits) as u16)
        })
    })
}

/// The HTTP status a response line gives after byte `at` (the end of the phrase that marks it):
/// the first number of exactly three digits, from 100 to 599, standing on its own, so that
/// neither `HTTP/1.1` nor `340.7271ms` is read (`< HTTP/1.1 400 Bad Request`, `Response status
/// code: 400`, `Received HTTP response headers after 340.7271ms - 200`).
pub fn status_after(line: &[u8], at: usize) -> Option<u16> {
    let mut i = at.min(line.len());
    while i < line.len() {
        if !line[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let end = skip(line, i, |b| b.is_ascii_digit());
        // Part of a version, a decimal or a word (`1.1`, `340.7271ms`)?
        let joined =
            (i > 0 && matches!(line[i - 1], b'.' | b'/')) || line.get(end).is_some_and(|&b| is_word(b) || b == b'.');
        if !joined && end - i == 3 && (b'1'..=b'5').contains(&line[i]) {
            return Some(parse_digits(&line[i..end]) as u16);
        }
        i = end;
    }
    None
}

/// Whether the line names the token endpoint: `oauth2/token` or `oauth2/v2.0/token`.
pub fn names_token_endpoint(line: &[u8]) -> bool {
    finder!("oauth2/").find_iter(line).any(|at| {
        let path = &line[at + "oauth2/".len()..];
        let path = path.strip_prefix(b"v2.0/").unwrap_or(path);
        path.strip_prefix(b"token")
            .is_some_and(|rest| !rest.first().is_some_and(|&b| is_word(b)))
    })
}

/// Whether the line names the device authorization endpoint: `oauth2/devicecode`,
/// `oauth2/v2.0/devicecode`, or `/devicecode` as a word of its own.
pub fn names_devicecode_endpoint(line: &[u8]) -> bool {
    finder!("/devicecode").find_iter(line).any(|at| {
        let word = !line.get(at + "/devicecode".len()).is_some_and(|&b| is_word(b));
        let before = &line[..at];
        word || before.ends_with(b"oauth2") || before.ends_with(b"oauth2/v2.0")
    })
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

    /// 60,000 generated lines, each of one to three `glue key separators value glue` runs.
    fn lines(
        seed: u64,
        keys: &'static [&'static str],
        values: &'static [&'static str],
        glue: &'static [&'static str],
    ) -> impl Iterator<Item = String> {
        const SEPS: [&str; 10] = ["", " ", "\\", "\"", "'", ":", "=", "\t", ": ", "\\\":\\\""];
        let mut next = crate::scan::bytes::xorshift(seed);
        let mut pick = move |parts: &[&'static str]| parts[(next() % parts.len() as u64) as usize];
        (0..60_000).map(move |_| {
            let mut line = String::new();
            for _ in 0..pick(&["1", "2", "3"]).parse::<u32>().unwrap() {
                line += pick(glue);
                line += pick(keys);
                for _ in 0..pick(&["0", "1", "2", "3"]).parse::<u32>().unwrap() {
                    line += pick(&SEPS);
                }
                line += pick(values);
                line += pick(glue);
            }
            line
        })
    }

    #[test]
    fn ids_are_read_as_their_regexes_read_them() {
        let trace_re =
            crate::scan::bytes::ascii_regex(&format!(r#"(?i)trace[ _-]?id\\*["']?\s*[:=]\s*\\*["']?\s*{UUID}"#));
        let key_re = crate::scan::bytes::ascii_regex(&format!(
            r#"(?i)(?:correlation[ _-]?id|correlationid|(?:^|[^\w-])client-request-id)\\*["']?\s*[:=]?\s*\\*["']?\s*{UUID}"#
        ));
        let bracket_re = crate::scan::bytes::ascii_regex(&format!(r"(?:[0-9][0-9]Z - |\] : \[|GMT:){UUID}"));
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
        const IDS: [&str; 6] = [
            A,
            B,
            "00000000-0000-0000-0000-000000000000",
            "0a1b2c3d-1111-2222-3333-44445555666",
            "0a1b2c3d1111-2222-3333-444455556666",
            "g0000000-0000-0000-0000-000000000000",
        ];
        const GLUE: [&str; 6] = ["", " ", "x", "\u{e9}", ",", "id"];
        let mut found = 0;
        for line in lines(0x1d8e_4e27_c47d_124f, &KEYS, &IDS, &GLUE) {
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

    #[test]
    fn flow_values_are_read_as_their_regexes_read_them() {
        let re = crate::scan::bytes::ascii_regex;
        let device = re(r#"(?i)device_?code\\*["']?\s*[:=]\s*\\*["']?([A-Za-z0-9_\-.~+/%]{10,}=*)"#);
        let expires = re(r#"expires_in\\*["']?\s*[:=]\s*\\*["']?([0-9]{1,6})"#);
        let interval = re(r#""?interval\\*["']?\s*[:=]\s*\\*["']?([0-9]{1,4})"#);
        let status = re(r#"HTTP/[0-9.]+\\*"?\s+([1-5][0-9][0-9])\b"#);
        let token = re(r"oauth2/(?:v2\.0/)?token\b");
        let devicecode = re(r"oauth2/(?:v2\.0/)?devicecode|/devicecode\b");
        let prompts: Vec<String> = crate::scan::secret_shapes::user_code_prompts()
            .map(regex::escape)
            .collect();
        let user = re(&format!(
            r#"(?:(?i:{})|(?i:user[ _-]?code)\\*["']?\s*[:=(]?\s*\\*["']?)\s*([A-Z0-9][A-Z0-9-]{{5,11}})\b"#,
            prompts.join("|")
        ));
        const KEYS: [&str; 27] = [
            "Geben Sie den Code ",
            "\u{30b3}\u{30fc}\u{30c9} ",
            "escriba el c\u{f3}digo",
            "Enter the code",
            "enter the code ",
            "user_code",
            "User Code",
            "usercode(",
            "HTTP/1.1 ",
            "HTTP/1.1\\\" ",
            "expires_in\": ",
            "device_code",
            "DeviceCode",
            "devicecode",
            "device__code",
            "device code",
            "expires_in",
            "Expires_in",
            "interval",
            "\"interval",
            "HTTP/1.1",
            "HTTP/",
            "HTTP/2",
            "oauth2/token",
            "oauth2/v2.0/token",
            "oauth2/v2.0/devicecode",
            "/devicecode",
        ];
        const VALUES: [&str; 17] = [
            "ABCD-EFGH",
            "AB12CD34EF56GH",
            "ABCD-EFGH-IJKLM",
            "ABC12-",
            "AbCDEFG",
            "200",
            "400 ",
            "699",
            "5",
            "1234567",
            "GAQABAAEAAAD-x_y.z~1+2/3%4",
            "GAQABAAEAAAD==",
            "short",
            "abcdevice_code=GAQABAAEAAAD",
            "urn:x",
            "s",
            "v2.0/token",
        ];
        const GLUE: [&str; 7] = ["", " ", "x", "\u{e9}", ",", "&", "_"];
        let group = |re: &regex::bytes::Regex, line: &[u8]| re.captures(line).map(|c| c[1].to_vec());
        let mut found = [0usize; 7];
        for line in lines(0x6a09_e667_f3bc_c908, &KEYS, &VALUES, &GLUE) {
            let (bytes, lower) = (line.as_bytes(), line.to_ascii_lowercase());
            let codes: Vec<Vec<u8>> = device.captures_iter(bytes).map(|c| c[1].to_vec()).collect();
            let by_hand: Vec<Vec<u8>> = device_codes(bytes, lower.as_bytes())
                .into_iter()
                .map(<[u8]>::to_vec)
                .collect();
            assert_eq!(by_hand, codes, "{line:?}");
            let parse = |d: Vec<u8>| crate::scan::bytes::parse_digits(&d);
            let want_expires = group(&expires, bytes).map(parse);
            assert_eq!(number_after(bytes, finder!("expires_in"), 6), want_expires, "{line:?}");
            let want_interval = group(&interval, bytes).map(parse);
            assert_eq!(number_after(bytes, finder!("interval"), 4), want_interval, "{line:?}");
            let want_status = group(&status, bytes).map(|d| parse(d) as u16);
            assert_eq!(http_status(bytes), want_status, "{line:?}");
            assert_eq!(names_token_endpoint(bytes), token.is_match(bytes), "{line:?}");
            assert_eq!(names_devicecode_endpoint(bytes), devicecode.is_match(bytes), "{line:?}");
            let user_want: Vec<Vec<u8>> = user.captures_iter(bytes).map(|c| c[1].to_vec()).collect();
            let user_got: Vec<Vec<u8>> = user_codes(bytes, lower.as_bytes())
                .into_iter()
                .map(<[u8]>::to_vec)
                .collect();
            assert_eq!(user_got, user_want, "{line:?}");
            let seen = [
                !codes.is_empty(),
                want_expires.is_some(),
                want_interval.is_some(),
                want_status.is_some(),
                token.is_match(bytes),
                devicecode.is_match(bytes),
                !user_want.is_empty(),
            ];
            for (n, seen) in found.iter_mut().zip(seen) {
                *n += usize::from(seen);
            }
        }
        // The lines are worth comparing: each reader finds its value in many.
        assert!(found.iter().all(|&n| n > 300), "{found:?}");
    }

    #[test]
    fn other_grants_are_read_in_every_form() {
        let other = [
            "+ curl -d grant_type=client_credentials -d client_id=x https://login.microsoftonline.com/t/oauth2/v2.0/token",
            r#"body={"grant_type": "refresh_token", "client_id": "x"}"#,
            "data: scope=openid&grant_type=authorization_code&code=abc",
            "grant_type%3Dpassword%26username%3Dme",
            "grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=x",
            "'grant_type': 'urn:ietf:params:oauth:grant-type:saml2-bearer'",
        ];
        for line in other {
            let lower = line.to_ascii_lowercase();
            assert!(names_other_grant(line.as_bytes(), lower.as_bytes()), "{line}");
        }
        let not_other = [
            "grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=x",
            r#""grant_type": "device_code", "refresh_token": "later""#,
            "POST /t/oauth2/v2.0/token HTTP/1.1",
            "supported grant_types: client_credentials",
        ];
        for line in not_other {
            let lower = line.to_ascii_lowercase();
            assert!(!names_other_grant(line.as_bytes(), lower.as_bytes()), "{line}");
        }
    }

    #[test]
    fn statuses_are_read_after_a_response_phrase() {
        let cases = [
            ("< HTTP/1.1 400 Bad Request", "< HTTP/1", Some(400)),
            ("< HTTP/2 200 ", "< HTTP/2", Some(200)),
            ("0000: HTTP/1.1 200 OK", "0000: HTTP/", Some(200)),
            ("Response status code: 400", "Response status", Some(400)),
            (
                "Received HTTP response headers after 340.7271ms - 200",
                "Received HTTP response",
                Some(200),
            ),
            (
                "End processing HTTP request after 123ms - 401",
                "End processing HTTP request",
                Some(401),
            ),
            (
                "Received HTTP response headers after 143.5ms",
                "Received HTTP response",
                None,
            ),
            ("< HTTP/1.1 4000 Strange", "< HTTP/1", None),
            ("Response status: 999", "Response status", None),
        ];
        for (line, phrase, want) in cases {
            let at = line.find(phrase).unwrap() + phrase.len();
            assert_eq!(status_after(line.as_bytes(), at), want, "{line}");
        }
    }

    #[test]
    fn tenants_and_client_ids_are_read_from_urls_and_keys() {
        let t =
            |line: &str| tenant(line.to_ascii_lowercase().as_bytes()).map(|v| String::from_utf8_lossy(v).into_owned());
        assert_eq!(
            t("POST https://login.microsoftonline.com/Contoso.onmicrosoft.com/oauth2/v2.0/token").as_deref(),
            Some("contoso.onmicrosoft.com")
        );
        assert_eq!(
            t(r#""authority": "https://login.microsoftonline.us/72f988bf-86f1-41af-91ab-2d7cd011db47""#).as_deref(),
            Some("72f988bf-86f1-41af-91ab-2d7cd011db47")
        );
        assert_eq!(
            t("see https://login.microsoftonline.com/error?code=90120").as_deref(),
            None
        );
        assert_eq!(
            t("GET https://login.microsoftonline.com/common/discovery/instance").as_deref(),
            Some("common")
        );
        let c = |line: &str| {
            client_id(line.to_ascii_lowercase().as_bytes()).map(|v| String::from_utf8_lossy(v).into_owned())
        };
        let id = Some("1b730954-1685-4b74-9bfd-dac224a7b894");
        assert_eq!(
            c("-d client_id=1b730954-1685-4b74-9bfd-dac224a7b894 -d scope=x").as_deref(),
            id
        );
        assert_eq!(
            c(r#"{"clientId": "1B730954-1685-4B74-9BFD-DAC224A7B894"}"#).as_deref(),
            id
        );
        assert_eq!(
            c("client-request-id: 1b730954-1685-4b74-9bfd-dac224a7b894").as_deref(),
            None
        );
        assert_eq!(c("client_id=not-a-uuid").as_deref(), None);
    }
}
