//! The literal prefilter: which lines are worth reading at all.
//!
//! Ordinary logs are searched for a dozen primary literals that every line worth reading holds
//! (Teddy, the SIMD multi-literal searcher, runs at several GB/s on so few); continuation lines
//! are picked up next to the lines they continue. Sign-in exports, which spread one record over
//! dozens of lines with keys no ordinary log line needs, are searched for every anchor.

use aho_corasick::{AhoCorasick, MatchKind};
use std::sync::OnceLock;

/// How many lines after a line its `Trace ID:` / `Correlation ID:` / `Timestamp:` continuations
/// may stand.
pub const CONTINUATION_LINES: u64 = 12;

/// How an input is searched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Application logs, traces, client logs: primary literals plus continuations.
    Logs,
    /// Entra sign-in exports (JSON, CSV, Log Analytics): every anchor.
    Export,
}

/// Bytes at the start of an input that decide its mode.
const SNIFF: usize = 64 << 10;

impl Mode {
    /// The mode of an input, from its first bytes.
    pub fn of(start: &[u8]) -> Mode {
        static MARKERS: OnceLock<aho_corasick::packed::Searcher> = OnceLock::new();
        let markers = MARKERS.get_or_init(|| {
            aho_corasick::packed::Searcher::new(EXPORT_MARKERS).expect("a few literals make a searcher")
        });
        if markers.find(&start[..start.len().min(SNIFF)]).is_some() {
            Mode::Export
        } else {
            Mode::Logs
        }
    }
}

/// Keys that only sign-in exports hold (JSON, Log Analytics, CSV).
const EXPORT_MARKERS: [&str; 4] = [
    "\"createdDateTime\"",
    "\"TimeGenerated\"",
    "Sign-in error code",
    "\"ResultType\"",
];

/// Literals one of which every line worth reading in an ordinary log holds (case-sensitive).
/// Each stands for a family of keys and is cut to a part whose first bytes are rare in ordinary
/// text, which is what keeps the SIMD search fast (`evice` for device_code, devicecode,
/// DeviceCode, the devicelogin prompt and DeviceCodeCredential; `ization_` for
/// authorization_pending and authorization_declined; `d_token` for expired_token).
const PRIMARY: &[&str] = &[
    "AADSTS",
    "oauth2",
    "evice",
    "r_code",
    "r Code",
    "rCode",
    "e or reuse",
    "n_cache",
    "ization_",
    "d_token",
    "d_grant",
    "dException",
    "Acquisition",
    "s_token",
    "polling",
    "##[",
    "x-ms-clitelem",
];

/// What else sign-in exports and oddly worded client messages need, ignoring ASCII case.
const EXTENDED: &[&str] = &[
    "error code",
    "resulttype",
    "expired",
    "authorization",
    "slow_down",
    "access_denied",
    "invalid_grant",
    "bad_verification",
    "enter the code",
    "user code",
    "verification_ur",
    "correlation",
    "client-request-id",
    "trace id",
    "trace_id",
    "timestamp:",
    "token_cache",
    "timed out waiting",
    "attempted too soon",
    "succeeded",
    "timeout from",
    "canceledexception",
    "cancelled",
    "redeemed",
    "signed in as ",
    "logged in as ",
    "createddatetime",
    "timegenerated",
    "##vso[",
    "github_actions",
    "gitlab_ci",
    "build_buildid",
];

/// Literals of continuation lines.
const CONTINUATION: &[&str] = &["Trace ID", "Correlation ID", "CorrelationId", "Timestamp"];

fn build(patterns: &[&str], case_insensitive: bool) -> AhoCorasick {
    AhoCorasick::builder()
        .ascii_case_insensitive(case_insensitive)
        .match_kind(MatchKind::LeftmostFirst)
        .build(patterns)
        .expect("literals compile")
}

/// The lines of `context` (the bytes before a chunk, which end with a line end) and the index
/// of the last of them that holds a primary literal, if one does: where a look-ahead from the
/// chunk before starts.
pub(super) fn last_primary_line(context: &[u8], newline: u8) -> Option<(Vec<&[u8]>, usize)> {
    let mut lines: Vec<&[u8]> = context.split(|&b| b == newline).map(super::bytes::trim_cr).collect();
    // The context ends with a line end: the last piece is empty.
    lines.pop();
    let last = lines.iter().rposition(|l| primary(Mode::Logs).is_match(l))?;
    Some((lines, last))
}

/// Builds the searchers of ordinary logs now (see [`super::prepare`]).
pub(super) fn prepare() {
    primary(Mode::Logs);
}

/// The searcher for the lines worth reading in `mode`.
pub fn primary(mode: Mode) -> &'static AhoCorasick {
    static LOGS: OnceLock<AhoCorasick> = OnceLock::new();
    static EXPORT: OnceLock<AhoCorasick> = OnceLock::new();
    match mode {
        Mode::Logs => LOGS.get_or_init(|| build(&with_client_phrases(PRIMARY), false)),
        Mode::Export => EXPORT.get_or_init(|| {
            let all: Vec<&str> = PRIMARY.iter().chain(EXTENDED).chain(CONTINUATION).copied().collect();
            build(&with_client_phrases(&all), true)
        }),
    }
}

/// `literals` and the literals of every client shape (`rules/clients/`), which `build.rs` checks
/// every client phrase holds (it reads [`PRIMARY`] from this file): a line holding a client's
/// phrase is always read. Whole phrases here cost a sparse 1 GiB log 2.1x its time: the search
/// looks first for each literal's leading bytes, and `Aut` or `(sl` stop it on many lines.
fn with_client_phrases<'a>(literals: &[&'a str]) -> Vec<&'a str> {
    let mut all = literals.to_vec();
    for literal in super::clients::Phrases::builtin().literals() {
        if !all.contains(literal) {
            all.push(literal);
        }
    }
    all
}

/// A line that only continues the record above it (`Trace ID: ...`): no primary literal, and it
/// starts with a continuation key.
pub fn is_continuation(line: &[u8]) -> bool {
    starts_with_continuation_key(line) && !primary(Mode::Logs).is_match(line)
}

/// Whether a line starts (after blanks) with a continuation key (`Trace ID`, `Timestamp`...).
/// Four comparisons: a searcher's start-up cost more than they do, on every line read.
pub fn starts_with_continuation_key(line: &[u8]) -> bool {
    let trimmed = &line[line.iter().take_while(|b| b.is_ascii_whitespace()).count()..];
    CONTINUATION.iter().any(|k| trimmed.starts_with(k.as_bytes()))
}
