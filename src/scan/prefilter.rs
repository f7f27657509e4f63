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
///
/// They come in eight groups of literals that share bytes at the same places among their first
/// three: one group a bucket of the search ([`ordered`] says why).
const PRIMARY: &[&[&str]] = &[
    &["r_code", "r Code", "rCode"],
    &["d_token", "d_grant", "dException"],
    &["s_token", "n_cache"],
    &["AADSTS", "Acquisition"],
    &["oauth2"],
    &["evice", "e or reuse"],
    &["ization_", "polling"],
    &["##[", "x-ms-clitelem"],
];

/// Every primary literal, group after group (the order sign-in exports are searched in).
fn primary_literals() -> Vec<&'static str> {
    PRIMARY.iter().flat_map(|g| g.iter().copied()).collect()
}

/// The primary literals with the clients' (`rules/clients/`), in the order that puts each group
/// in a bucket of its own. Teddy, the SIMD search, sorts literals into 8 buckets and checks a
/// bucket's literals wherever three bytes of the text fit the bucket's first bytes: literals that
/// share those bytes share a bucket at no cost, while unrelated ones widen what it matches. The
/// `aho-corasick` crate puts the `i`-th literal in bucket `7 - i % 8`, so the groups (largest
/// first) are listed round robin. A client's literal joins the group that shares most of its first
/// three bytes (ignoring case), the smallest of those that share as many.
///
/// On the bench logs and on `fixtures/` with the reference samples, the search took 11-13% fewer
/// instructions grouped than in the order the literals were written (40 MB sparse: 42.2 M ->
/// 37.6 M; 20 MB dense: 21.9 M -> 19.6 M; 0.9 MB of real logs: 2.01 M -> 1.76 M). Only speed
/// depends on the order: any order finds the same lines.
fn ordered(clients: &[&'static str]) -> Vec<&'static str> {
    let mut groups: Vec<Vec<&'static str>> = PRIMARY.iter().map(|g| g.to_vec()).collect();
    let shared = |a: &str, b: &str| {
        a.bytes()
            .zip(b.bytes())
            .take(3)
            .filter(|(x, y)| x.eq_ignore_ascii_case(y))
            .count()
    };
    for &literal in clients {
        if groups.iter().flatten().any(|&l| l == literal) {
            continue;
        }
        let score = |g: &Vec<&str>| g.iter().map(|l| shared(l, literal)).max().unwrap_or(0);
        let best = (0..groups.len())
            .max_by_key(|&i| {
                (
                    score(&groups[i]),
                    std::cmp::Reverse(groups[i].len()),
                    std::cmp::Reverse(i),
                )
            })
            .expect("groups");
        groups[best].push(literal);
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.len()));
    let longest = groups.first().map_or(0, Vec::len);
    (0..longest)
        .flat_map(|round| groups.iter().filter_map(move |g| g.get(round).copied()))
        .collect()
}

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
        Mode::Logs => LOGS.get_or_init(|| build(&ordered(super::clients::Phrases::builtin().literals()), false)),
        Mode::Export => EXPORT.get_or_init(|| {
            let all: Vec<&str> = primary_literals()
                .into_iter()
                .chain(EXTENDED.iter().copied())
                .chain(CONTINUATION.iter().copied())
                .collect();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_order_holds_every_literal_once_with_each_group_in_one_bucket() {
        let clients = ["w_down", "OAUTH_TIMEOUT", "AADSTS", "##[x"];
        let order = ordered(&clients);
        let mut want = primary_literals();
        want.extend(["w_down", "OAUTH_TIMEOUT", "##[x"]);
        let mut got = order.clone();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want);
        // Literal i goes to bucket 7 - i % 8 (see `ordered`): a client's literal lands with the
        // group that shares its first bytes.
        let class = |l: &str| order.iter().position(|&o| o == l).unwrap() % 8;
        assert_eq!(class("w_down"), class("s_token"));
        assert_eq!(class("##[x"), class("##["));
        assert_eq!(class("r_code"), class("rCode"));
    }
}
