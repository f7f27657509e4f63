//! The catalog of secret shapes (`rules/secrets/`, compiled in): the keys, patterns and prompts
//! after which a secret stands. `secrets` redacts with it; `values` reads user codes after its
//! prompts.

use super::bytes::ascii_regex;
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex::bytes::Regex;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{LazyLock, OnceLock};

/// The secret shapes of `rules/secrets/`, each file's fields as JSON (written by `build.rs`).
mod shapes {
    include!(concat!(env!("OUT_DIR"), "/secret_shapes.rs"));
}

/// One secret shape (`rules/secrets/<id>.toml`): where on a line a secret of that shape stands.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ShapeFile {
    pub id: String,
    #[allow(dead_code)]
    about: String,
    pub kind: Kind,
    /// `pair`: keys that start after a byte that is not a letter or digit.
    #[serde(default)]
    pub keys: Vec<String>,
    /// `pair`: keys that may also end a longer word (`dbPassword`).
    #[serde(default)]
    pub suffixes: Vec<String>,
    /// `pair`: an unquoted value runs on through blanks and commas, up to `;`, `&`, a quote, the
    /// next `key=` or the end of the line.
    #[serde(default)]
    pub spaces: bool,
    /// `pair`: a number of at most this many digits is kept (a status, not a secret).
    #[serde(default)]
    pub keep_digits: usize,
    /// `pair`: a capitalized word (`Error`, `Expired`) is kept: a message, not a secret.
    #[serde(default)]
    pub keep_words: bool,
    /// `pattern`: lowercase literals, one of which a line must hold for the pattern to run.
    #[serde(default)]
    pub needles: Vec<String>,
    /// `pattern`: an ASCII regular expression whose group `secret` is the secret.
    #[serde(default)]
    pub pattern: Option<String>,
    /// `prompt`: phrases (letters in lowercase) right before a user code.
    #[serde(default)]
    pub prompts: Vec<String>,
    /// `prompt`: lowercase literals naming the verification page: on such a line every word shaped
    /// like a user code is hidden.
    #[serde(default)]
    pub lines_naming: Vec<String>,
    /// Lines the shape leaves as they are (for the tests).
    #[serde(default)]
    #[allow(dead_code)]
    keep: Vec<String>,
    /// Sample lines and the secret each holds (for the tests and the fuzz target).
    #[serde(default)]
    pub samples: Vec<Sample>,
}

/// A sample line of a shape and the secret it holds.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sample {
    /// The line.
    pub line: String,
    /// The secret in it, which the redactor must hide.
    pub secret: String,
}

/// Every sample line of every shape, with its shape's id: the secrets the tests and the
/// secret-planting fuzz target plant.
pub fn samples() -> Vec<(&'static str, &'static Sample)> {
    CATALOG
        .shapes
        .iter()
        .flat_map(|s| s.file.samples.iter().map(move |sample| (s.file.id.as_str(), sample)))
        .collect()
}

/// How a shape finds its secrets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(super) enum Kind {
    /// A value after one of the shape's keys and a separator (`key=v`, `"key": "v"`, `key => v`).
    Pair,
    /// The `secret` group of a regular expression.
    Pattern,
    /// A user code after a prompt.
    Prompt,
}

/// A shape ready to run.
pub(super) struct Shape {
    /// The shape as its file says.
    pub file: ShapeFile,
    /// Its pattern, compiled when a line first holds one of its needles.
    pattern: OnceLock<Option<Regex>>,
    /// One search for its `needles`, one for its `prompts` and one for its `lines_naming` (a
    /// searcher per literal and line cost a fifth of the redaction).
    pub needles: Searcher,
    /// See `needles`.
    pub prompts: Searcher,
    /// See `needles`.
    pub lines_naming: Searcher,
}

/// The catalog: every shape, and the keys of the `pair` shapes in one search.
pub(super) struct Catalog {
    /// Every shape, in file order.
    pub shapes: Vec<Shape>,
    /// Every pair key, which must start after a byte that is not a letter or digit (or after an
    /// escape such as `\u0022`), and every key that may end a longer word (`dbPassword`).
    pub keys: [Keys; 2],
}

/// One search for pair keys (lowercase, longest first at a place) and the shape of each.
pub(super) struct Keys {
    /// The keys; a line is searched in lowercase.
    pub search: AhoCorasick,
    /// The shape of each key, by pattern.
    pub shape: Vec<usize>,
    /// Whether a key must start a word: after the line's start, a byte that is not a letter or
    /// digit, or an escape whose last character may be one (see [`Keys::starts_word`]).
    pub bounded: bool,
}

impl Keys {
    fn of(keys: HashMap<Vec<u8>, usize>, bounded: bool) -> Keys {
        let mut keys: Vec<(Vec<u8>, usize)> = keys.into_iter().collect();
        keys.sort();
        // A contiguous NFA: a DFA took 0.25 ms more to build at every start.
        let search = AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .match_kind(MatchKind::LeftmostLongest)
            .build(keys.iter().map(|(k, _)| k))
            .expect("secret keys make a searcher");
        Keys {
            search,
            shape: keys.into_iter().map(|(_, shape)| shape).collect(),
            bounded,
        }
    }

    /// Whether a key at `at` of `lower` starts a word, with the bytes before it from `floor` on:
    /// after the line's start, a byte that is no letter or digit, or an escape (`\u0022`, `\n`,
    /// `%22`) whose last character is one.
    pub fn starts_word(lower: &[u8], floor: usize, at: usize) -> bool {
        if at == 0 {
            return floor == 0;
        }
        if at <= floor {
            return false;
        }
        let before = &lower[floor..at];
        let n = before.len();
        let hex = |s: &[u8]| s.iter().all(u8::is_ascii_hexdigit);
        !before[n - 1].is_ascii_alphanumeric()
            || n >= 6 && before[n - 6] == b'\\' && before[n - 5] == b'u' && hex(&before[n - 4..])
            || n >= 2 && before[n - 2] == b'\\' && matches!(before[n - 1], b'n' | b'r' | b't')
            || n >= 3 && before[n - 3] == b'%' && hex(&before[n - 2..])
    }
}

/// The catalog, compiled on first use.
pub(super) static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
    let mut shapes = Vec::new();
    for (name, json) in shapes::SHAPES {
        let file: ShapeFile = serde_json::from_str(json)
            .unwrap_or_else(|e| panic!("rules/secrets/{name} (the meta-test catches this): {e}"));
        let pattern = OnceLock::new();
        let (needles, prompts, lines_naming) = (
            Searcher::of(&file.needles),
            Searcher::of(&file.prompts),
            Searcher::of(&file.lines_naming),
        );
        shapes.push(Shape {
            file,
            pattern,
            needles,
            prompts,
            lines_naming,
        });
    }
    let (mut key_shape, mut suffix_shape) = (HashMap::new(), HashMap::new());
    for (i, shape) in shapes.iter().enumerate() {
        key_shape.extend(shape.file.keys.iter().map(|k| (k.to_ascii_lowercase().into_bytes(), i)));
        suffix_shape.extend(
            shape
                .file
                .suffixes
                .iter()
                .map(|k| (k.to_ascii_lowercase().into_bytes(), i)),
        );
    }
    // A hand-made check of the byte before a key, after a literal search, in place of one
    // expression with a class before the alternation of every key (`(?:^|[^a-z0-9]|\\u....)(k1|k2..)`):
    // that expression took 8 million instructions to compile at every start and 4,000 a search.
    Catalog {
        shapes,
        keys: [Keys::of(key_shape, true), Keys::of(suffix_shape, false)],
    }
});

/// The phrases after which a user code stands (`enter the code`, `geben sie den code`, ...),
/// letters in lowercase: the scanner reads user codes after them, and the redactor hides them.
pub fn user_code_prompts() -> impl Iterator<Item = &'static str> {
    CATALOG
        .shapes
        .iter()
        .flat_map(|s| s.file.prompts.iter().map(String::as_str))
}

/// One search for every phrase of [`user_code_prompts`].
pub(super) fn prompt_search() -> &'static Searcher {
    static PROMPTS: LazyLock<Searcher> = LazyLock::new(|| {
        let prompts: Vec<String> = user_code_prompts().map(String::from).collect();
        Searcher::of(&prompts)
    });
    &PROMPTS
}

/// Compiles the pattern of every `pattern` shape now (see [`super::prepare_excerpts`]).
pub(super) fn compile_patterns() {
    for shape in &CATALOG.shapes {
        shape.pattern();
    }
}

/// The id of every secret shape in the catalog.
pub fn shape_ids() -> Vec<&'static str> {
    CATALOG.shapes.iter().map(|s| s.file.id.as_str()).collect()
}

impl Shape {
    /// The compiled pattern of a `pattern` shape.
    pub fn pattern(&self) -> Option<&Regex> {
        self.pattern
            .get_or_init(|| self.file.pattern.as_deref().map(ascii_regex))
            .as_ref()
    }
}

/// A search for any of a shape's literals (none: it never matches).
#[derive(Debug)]
pub(super) struct Searcher {
    all: Option<AhoCorasick>,
    /// Teddy over the same literals, for [`Searcher::is_match`]: an automaton's own prefilter
    /// for `bearer`, `basic`, `negotiate`... looks for their first bytes, common letters, and
    /// walked most of every line from each (half of an excerpt's cost).
    any: Option<aho_corasick::packed::Searcher>,
}

impl Searcher {
    fn of(literals: &[String]) -> Searcher {
        Searcher {
            all: (!literals.is_empty()).then(|| {
                AhoCorasick::builder()
                    .kind(Some(AhoCorasickKind::ContiguousNFA))
                    .build(literals)
                    .expect("literals make a searcher")
            }),
            any: (!literals.is_empty())
                .then(|| aho_corasick::packed::Searcher::new(literals))
                .flatten(),
        }
    }

    /// Whether `hay` holds one of the literals.
    pub fn is_match(&self, hay: &[u8]) -> bool {
        match (&self.any, &self.all) {
            (Some(any), _) => any.find(hay).is_some(),
            (None, Some(all)) => all.is_match(hay),
            (None, None) => false,
        }
    }

    /// Every place (start, end) where one of the literals stands in `hay`, overlaps included.
    pub fn places<'h>(&'h self, hay: &'h [u8]) -> impl Iterator<Item = (usize, usize)> + 'h {
        // An overlapping search walks every byte; `is_match` skips to the first candidate with
        // its prefilter, and most lines hold none.
        self.all
            .iter()
            .filter(move |_| self.is_match(hay))
            .flat_map(move |s| s.find_overlapping_iter(hay).map(|m| (m.start(), m.end())))
    }
}
