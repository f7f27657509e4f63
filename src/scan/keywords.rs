//! The keywords the line parser asks about, all found in one pass over a candidate line: a
//! bit set answers every "does the line say X" that follows, instead of one search per question.

use super::clients::CLIENTS;
use super::codes::BARE_KEYS;
use std::sync::OnceLock;

mod dfa;

pub use dfa::{Bits, Dfa};

/// The parser's own keywords whose case matters.
const WORDS: &[&str] = &[
    "Correlation ID",
    "client-request-id",
    "Z - ",
    "] : [",
    "GMT:",
    "##[",
    "##vso[",
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "BUILD_BUILDID",
    "\"createdDateTime\"",
    "\"TimeGenerated\"",
    "\"errorCode\"",
    "grant-type:device_code",
    "grant_type=device_code",
    "\"grant_type\": \"device_code\"",
    "verification_uri",
    "verification_url",
    "\"deviceCode\"",
    "\"deviceCodeFlow\"",
    "Token Acquisition (DeviceCodeRequest) started",
    "expires_in",
    "interval",
    "oauth2/",
    "POST",
    "Request URL",
    "Sending token request",
    "token_cache",
    "Generate or reuse correlation_id",
    "Attempted too soon",
    "Timed out waiting for user to authenticate",
    "Device code expired. Expiration time",
    "Expired Device code",
    "device_code_expired",
    "expired before contacting the server",
    "Timeout from \"get_token_with_polling\"",
    "User defined timeout for device code polling",
    "TaskCanceledException",
    "OperationCanceledException",
    "Device code flow was cancelled",
    "Token request cancelled",
    "already been redeemed",
    "already redeemed",
    "authorization_declined",
    "access_denied",
    "expired_token",
    "code_expired",
    "Code Expired",
    "slow_down",
    "authorization_pending",
    "Authorization pending",
    "Authorization completed successfully",
    "get_token succeeded",
    "GetToken succeeded",
    "Token Acquisition finished successfully",
    "event=",
    "\"access_token\"",
    "\"token_type\"",
    "invalid_grant",
    "bad_verification_code",
    "invalid_client",
    "grant_type",
    "login.",
    "sts.windows.net",
    "lient",
];

/// Every keyword whose case matters: the parser's own, the keys of bare codes, and the markers of
/// client libraries.
const EXACT: [&str; EXACT_LEN] = exact_keywords();

const EXACT_LEN: usize = WORDS.len() + BARE_KEYS.len() + CLIENTS.len();

const fn exact_keywords() -> [&'static str; EXACT_LEN] {
    let mut out = [""; EXACT_LEN];
    let mut n = 0;
    let mut i = 0;
    while i < WORDS.len() {
        out[n] = WORDS[i];
        (n, i) = (n + 1, i + 1);
    }
    i = 0;
    while i < BARE_KEYS.len() {
        out[n] = BARE_KEYS[i];
        (n, i) = (n + 1, i + 1);
    }
    i = 0;
    while i < CLIENTS.len() {
        out[n] = CLIENTS[i].0;
        (n, i) = (n + 1, i + 1);
    }
    out
}

/// Keywords matched ignoring ASCII case (written in lowercase).
const ANY_CASE: &[&str] = &[
    "trace id",
    "trace_id",
    "trace-id",
    "traceid",
    "correlation",
    "device",
    "devicecode",
    "device_code",
    "user code",
    "user_code",
    "user-code",
    "usercode",
    "enter the code",
    "signed in as ",
    "logged in as ",
    "x-ms-clitelem",
];

/// Which keywords a line holds: the parser's own ([`EXACT`], [`ANY_CASE`]), then the phrases
/// and markers of the client shapes (`rules/clients/`, case-sensitive).
#[derive(Clone, Copy, Debug, Default)]
pub struct Keywords(Bits);

impl Keywords {
    /// The keywords in `line`, found in one pass.
    pub fn of(line: &[u8]) -> Keywords {
        Keywords(searcher().0.find_all(line))
    }

    /// Whether the line holds keyword `bit` (see [`exact`] and [`any_case`]).
    pub fn has(self, bit: usize) -> bool {
        self.0.has(bit)
    }

    /// Whether the line holds a client phrase or marker: only then can
    /// [`Phrases::read`](super::clients::Phrases::read) find one (a search of its own, which
    /// every line read paid before).
    pub fn client_phrase(self) -> bool {
        !(self.0 & searcher().1).is_empty()
    }
}

/// The automaton of every keyword, and the bits of the client phrases.
fn searcher() -> &'static (Dfa, Bits) {
    static SEARCHER: OnceLock<(Dfa, Bits)> = OnceLock::new();
    SEARCHER.get_or_init(|| {
        let phrases = super::clients::Phrases::builtin().patterns();
        let own = EXACT.len() + ANY_CASE.len();
        let words: Vec<&'static str> = EXACT.iter().chain(ANY_CASE).chain(phrases).copied().collect();
        let dfa = Dfa::new(&words, |i| i < EXACT.len() || i >= own);
        (dfa, Bits::range(own..words.len()))
    })
}

/// The bit of a case-sensitive keyword; a word that is not in the list fails to compile.
pub const fn exact(word: &str) -> usize {
    position(&EXACT, word)
}

/// The bit of a keyword matched in any case; a word that is not in the list fails to compile.
pub const fn any_case(word: &str) -> usize {
    EXACT.len() + position(ANY_CASE, word)
}

const fn position(list: &[&str], word: &str) -> usize {
    let mut i = 0;
    while i < list.len() {
        if same(list[i].as_bytes(), word.as_bytes()) {
            return i;
        }
        i += 1;
    }
    panic!("not a keyword: add it to scan/keywords.rs")
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// `has!(keywords, "POST")`: whether the line holds a case-sensitive keyword.
macro_rules! has {
    ($keywords:expr, $word:literal) => {{
        const BIT: usize = $crate::scan::keywords::exact($word);
        $keywords.has(BIT)
    }};
}

/// `has_ci!(keywords, "device")`: whether the line holds a keyword in any case.
macro_rules! has_ci {
    ($keywords:expr, $word:literal) => {{
        const BIT: usize = $crate::scan::keywords::any_case($word);
        $keywords.has(BIT)
    }};
}

pub(crate) use {has, has_ci};

/// Whether the line holds one of the keys of bare codes ([`BARE_KEYS`]).
pub fn bare_code_key(kw: Keywords) -> bool {
    (0..BARE_KEYS.len()).any(|i| kw.has(WORDS.len() + i))
}

/// The first client library in [`CLIENTS`] whose marker the line holds.
pub fn client(kw: Keywords) -> Option<&'static str> {
    (0..CLIENTS.len())
        .find(|&i| kw.has(WORDS.len() + BARE_KEYS.len() + i))
        .map(|i| CLIENTS[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_keyword_is_found_where_it_stands() {
        // Keywords that differ only in case (`rror code`, `rror Code`) are one pattern to the
        // case-insensitive search: each must still be told apart.
        for (i, word) in EXACT.iter().enumerate() {
            let line = format!("x {word} y");
            let k = Keywords::of(line.as_bytes());
            assert!(k.has(i), "{word}");
            for (j, other) in EXACT.iter().enumerate() {
                if other.eq_ignore_ascii_case(word) && other != word {
                    assert!(!k.has(j), "{other} found in {line}");
                }
            }
        }
        for (i, word) in ANY_CASE.iter().enumerate() {
            assert_eq!(word.to_ascii_lowercase(), *word);
            let line = format!("x {} y", word.to_ascii_uppercase());
            assert!(Keywords::of(line.as_bytes()).has(EXACT.len() + i), "{word}");
        }
    }

    #[test]
    fn case_matters_only_where_it_should() {
        let k = Keywords::of(b"post to /oauth2/ by DEVICE; POST again; Enter The Code");
        assert!(has!(k, "POST") && has!(k, "oauth2/"));
        assert!(has_ci!(k, "device") && has_ci!(k, "enter the code"));
        assert!(!has!(k, "Request URL"));
        let k = Keywords::of(b"post only");
        assert!(!has!(k, "POST"));
        let k = Keywords::of(b"msal.token_cache event=x");
        assert!(has!(k, "token_cache") && has!(k, "msal.token_cache") && has!(k, "event="));
    }
}
