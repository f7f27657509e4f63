//! The record layer: reads the envelope of a log line (time, level, host, app, pid, thread,
//! logger) with the layouts of `rules/layouts/`, detected per input from its first lines.
//!
//! A layout is data ([`LayoutRule`]): a pattern with named captures, or the keys of a JSON or
//! logfmt record. [`Layouts`] compiles them once; [`Layouts::detect`] ranks them on an input's
//! first lines (the layout that reads the most lines first) into a [`Reader`], which reads each
//! candidate line with the ranked layouts, then with any other. A wrapper layout (a CI step log,
//! Docker, CRI) has its inner line read again, and the two envelopes are merged.

use super::bytes::is_blank;
use super::time;
use crate::model::Timestamp;
use crate::rules::layout::{FieldKeys, LayoutRule};
use crate::rules::Catalog;
use regex_automata::dfa::{sparse, Automaton};
use regex_automata::hybrid::dfa::{Cache as DfaCache, DFA};
use regex_automata::nfa::thompson::{self, WhichCaptures};
use regex_automata::util::captures::Captures;
use regex_automata::util::syntax;
use regex_automata::{meta, Anchored, Input, MatchKind, PatternID, PatternSet};
use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

/// How many bytes of a line a layout pattern looks at: envelopes stand at the start.
const HEAD_BYTES: usize = 2048;

/// How many lines of an input's start its layout is detected from.
const DETECT_LINES: usize = 400;

/// What the envelope of one record says: its text fields borrowed from the line where they
/// stand as written (reading a line's envelope to ask whether it starts a record allocates
/// nothing).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// The layout that read it (index into [`Layouts`]).
    pub layout: Option<usize>,
    /// When, as an instant (`millis` is UTC when `zoned`).
    pub time: Option<Timestamp>,
    /// The time named its zone (`Z`, an offset, `GMT`, an epoch number).
    pub zoned: bool,
    /// The level as written (`ERROR`, `fail`, `50`, `E`).
    pub level: Option<Cow<'a, str>>,
    /// Host, machine or pod.
    pub host: Option<Cow<'a, str>>,
    /// Program, service or process name.
    pub app: Option<Cow<'a, str>>,
    /// Process id.
    pub pid: Option<Cow<'a, str>>,
    /// Thread name or id.
    pub thread: Option<Cow<'a, str>>,
    /// Logger or category.
    pub logger: Option<Cow<'a, str>>,
    /// Byte offset of the message in the line (0 when unknown).
    pub message_at: usize,
    /// The layout starts a record with every line it reads (`starts_records`).
    pub starts_record: bool,
}

impl Envelope<'_> {
    /// Whether the envelope says anything beyond its message: only then does the line start a
    /// record (a layout that reads every line, such as plain text, starts none).
    pub fn is_head(&self) -> bool {
        self.starts_record
            || self.time.is_some()
            || self.level.is_some()
            || self.host.is_some()
            || self.app.is_some()
            || self.pid.is_some()
            || self.thread.is_some()
            || self.logger.is_some()
    }

    /// The envelope with its fields its own (those of a line unescaped from a wrapper's).
    fn into_owned(self) -> Envelope<'static> {
        let own = |f: Option<Cow<'_, str>>| f.map(|f| Cow::Owned(f.into_owned()));
        Envelope {
            level: own(self.level),
            host: own(self.host),
            app: own(self.app),
            pid: own(self.pid),
            thread: own(self.thread),
            logger: own(self.logger),
            layout: self.layout,
            time: self.time,
            zoned: self.zoned,
            message_at: self.message_at,
            starts_record: self.starts_record,
        }
    }

    /// Whether the level is ERROR or worse, in any of the spellings layouts use.
    pub fn error_level(&self) -> Option<bool> {
        const ERROR_OR_WORSE: [&str; 22] = [
            "error", "err", "fatal", "critical", "crit", "fail", "severe", "emerg", "alert", "e", "f", "panic", "50",
            "60", "17", "18", "19", "20", "21", "22", "23", "24",
        ];
        let level = self.level.as_deref()?.trim();
        Some(ERROR_OR_WORSE.iter().any(|l| level.eq_ignore_ascii_case(l)))
    }
}

/// One layout, compiled.
#[derive(Debug)]
struct Compiled {
    name: String,
    read: Read,
    time_format: TimeFormat,
    wraps: bool,
    starts_records: bool,
    /// How many fields it can give: of two layouts that read as many lines, the richer wins.
    richness: usize,
    /// It can name a worker (host, app, pid or thread).
    names_worker: bool,
    /// It writes long lines in fragments (`partial`).
    splits: Option<Splits>,
}

/// The literals that tell the fragments of a layout that writes long lines in pieces (`partial`
/// in its rule), stream by stream: `continued` and `end`, each found fast.
#[derive(Debug)]
pub struct Splits {
    /// Per stream: the literal before the message of a fragment the stream's next line continues,
    /// and the one before the message of the line that ends a record.
    pub streams: Vec<(Literal, Literal)>,
    /// The pattern ends with its empty `inner` capture: the message starts where a match ends,
    /// which a search without captures finds several times faster (one per fragment).
    message_at_end: bool,
}

impl Splits {
    /// Where the streams' `continued` literals stand in `hay`, in order, each with its stream:
    /// one search when they all end with the same key (CRI's `P `), else one per stream.
    pub fn continued_in(&self, hay: &[u8]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let first = &self.streams[0].0;
        let shared = self.streams.iter().all(|(c, _)| {
            c.key.needle() == first.key.needle() && c.text.len() - c.key_at == first.text.len() - first.key_at
        });
        if shared {
            for k in first.key.find_iter(hay) {
                let found = self.streams.iter().enumerate().find_map(|(stream, (c, _))| {
                    let at = k.checked_sub(c.key_at)?;
                    hay[at..].starts_with(&c.text).then_some((stream, at))
                });
                out.extend(found);
            }
            return out;
        }
        for (stream, (c, _)) in self.streams.iter().enumerate() {
            let mut from = 0;
            while let Some(at) = c.find(hay, from) {
                out.push((stream, at));
                from = at + 1;
            }
        }
        out.sort_by_key(|&(_, at)| at);
        out
    }
}

/// A fragment literal, found by the part of it that tells it from its stream's other literal
/// (`P ` of ` stdout P `): the whole literal stands on every line of a CRI log, and a search for
/// it stops at each of them.
#[derive(Debug)]
pub struct Literal {
    /// The literal.
    pub text: Vec<u8>,
    key: memchr::memmem::Finder<'static>,
    key_at: usize,
}

impl Literal {
    /// `text`, told from `other` by what follows the start they share (two bytes at least).
    fn new(text: &str, other: &str) -> Literal {
        let shared = text.bytes().zip(other.bytes()).take_while(|(a, b)| a == b).count();
        let key_at = shared.min(text.len().saturating_sub(2));
        Literal {
            text: text.as_bytes().to_vec(),
            key: memchr::memmem::Finder::new(&text.as_bytes()[key_at..]).into_owned(),
            key_at,
        }
    }

    /// Where the literal first stands in `hay` at or after `from`.
    pub fn find(&self, hay: &[u8], mut from: usize) -> Option<usize> {
        loop {
            let at = from + self.key_at + self.key.find(hay.get(from + self.key_at..)?)? - self.key_at;
            if hay[at..].starts_with(&self.text) {
                return Some(at);
            }
            from = at + 1;
        }
    }
}

/// What a fragment's literal says of its line (see [`Reader::tag`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tag {
    /// The stream (index into [`Splits::streams`]).
    pub stream: usize,
    /// The stream's next line continues this one (`P`); else this one ends its record (`F`).
    pub partial: bool,
    /// Where the message starts in the line.
    pub message_at: usize,
}

#[derive(Debug)]
enum Read {
    /// A pattern, compiled when a line is first read with it (most inputs need a few of them).
    Text(Pattern),
    Json(FieldKeys),
    Logfmt(FieldKeys),
}

/// A text layout's pattern, compiled when a line is first read with it (most inputs need a few
/// of them), with the group index of each of [`SLOTS`].
#[derive(Debug)]
struct Pattern {
    source: String,
    /// A number of its own: where each thread keeps its search scratch for it.
    id: usize,
    compiled: OnceLock<(meta::Regex, [Option<usize>; 9])>,
}

/// Where a pattern matched: the span of each of [`SLOTS`] it captured, and the end of the match.
struct Spans {
    slots: [Option<std::ops::Range<usize>>; 9],
    end: usize,
}

/// The next [`Pattern::id`].
static PATTERN_IDS: AtomicUsize = AtomicUsize::new(0);

/// What one thread keeps to search with one pattern: the regex's cache and a place for captures.
type Scratch = Box<(meta::Cache, Captures)>;

/// What one thread keeps to search with a [`HeadSet`]: the lazy DFA's cache and its answer.
type SetScratch = Box<(DfaCache, PatternSet)>;

/// A thread's scratch of each searcher it used, by the searcher's id.
type ScratchById<S> = RefCell<Vec<Option<S>>>;

thread_local! {
    /// This thread's cache and captures of each pattern it searched with, by pattern id. The
    /// `regex` crate keeps them in a pool shared by all threads, where every thread but the first
    /// to search took the slow, locked way and every search allocated its captures (together a
    /// third of a pattern's search on the dense bench log).
    static SCRATCH: ScratchById<Scratch> = const { RefCell::new(Vec::new()) };
    /// This thread's cache of each [`HeadSet`] it searched with, by id.
    static SET_SCRATCH: ScratchById<SetScratch> = const { RefCell::new(Vec::new()) };
    /// This thread's answer of each built-in [`HeadSet`] it searched with, by id.
    static FOUND: ScratchById<PatternSet> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with this thread's scratch number `id` of `local`, made by `make` on first use.
fn with_scratch<S: 'static, R>(
    local: &'static std::thread::LocalKey<ScratchById<S>>,
    id: usize,
    make: impl FnOnce() -> S,
    f: impl FnOnce(&mut S) -> R,
) -> R {
    local.with_borrow_mut(|scratch| {
        if scratch.len() <= id {
            scratch.resize_with(id + 1, || None);
        }
        f(scratch[id].get_or_insert_with(make))
    })
}

impl Pattern {
    fn new(source: &str) -> Pattern {
        Pattern {
            source: source.to_string(),
            id: PATTERN_IDS.fetch_add(1, Ordering::Relaxed),
            compiled: OnceLock::new(),
        }
    }

    fn get(&self) -> &(meta::Regex, [Option<usize>; 9]) {
        self.compiled.get_or_init(|| {
            let re = meta::Regex::builder()
                .syntax(regex_automata::util::syntax::Config::new().unicode(false).utf8(false))
                .configure(meta::Config::new().utf8_empty(false))
                .build(&self.source)
                .expect("layout patterns were validated");
            let info = re.group_info();
            let slots = SLOTS.map(|name| info.to_index(PatternID::ZERO, name));
            (re, slots)
        })
    }

    /// Where the pattern matches `hay`, if it does.
    fn spans(&self, hay: &[u8]) -> Option<Spans> {
        let (re, slots) = self.get();
        let make = || Box::new((re.create_cache(), re.create_captures()));
        with_scratch(&SCRATCH, self.id, make, |scratch| {
            let (cache, caps) = &mut **scratch;
            re.search_captures_with(cache, &Input::new(hay), caps);
            let whole = caps.get_match()?;
            Some(Spans {
                slots: slots.map(|g| g.and_then(|g| caps.get_group(g)).map(|s| s.range())),
                end: whole.end(),
            })
        })
    }

    /// Whether the pattern names the capture `name`.
    fn names(&self, name: &str) -> bool {
        self.source.contains(&format!("(?P<{name}>")) || self.source.contains(&format!("(?<{name}>"))
    }
}

/// The text layouts' patterns side by side, as one DFA that says which of them match a line's
/// head in one pass: what `regex`'s `RegexSet` runs for this question, without captures, a
/// reverse automaton or other engines. The built-in layouts' DFA is built by `build.rs`
/// (nothing at start); other layouts (`--rules`) get a lazy DFA (2.4 ms at start, 3.7 ms for a
/// `RegexSet`).
#[derive(Debug)]
struct HeadSet {
    dfa: HeadDfa,
    /// Every pattern starts with `^`: a search stops where the last of them fails.
    anchored: bool,
}

#[derive(Debug)]
enum HeadDfa {
    /// The built-in layouts' automaton, read from the binary, with a number of its own: where
    /// each thread keeps its answer.
    Builtin(sparse::DFA<&'static [u8]>, usize),
    /// Built from the patterns, with a number of its own: where each thread keeps its cache.
    Lazy(DFA, usize),
}

impl HeadSet {
    /// The built-in automaton when `patterns` are the built-in layouts' own, else a lazy DFA.
    fn new(patterns: &[&str]) -> HeadSet {
        let (builtin, bytes, anchored) = crate::rules::LAYOUT_HEADS;
        if patterns == builtin {
            // SAFETY: `build.rs` serialised these bytes with `to_bytes_*_endian` for this target,
            // and the test `builtin_head_dfa_is_valid_and_used` reads them back with the checked
            // `from_bytes`. Checking them here took 0.8 ms at every start.
            let (dfa, _) = unsafe { sparse::DFA::from_bytes_unchecked(bytes) }.expect("build.rs wrote this DFA");
            return HeadSet {
                dfa: HeadDfa::Builtin(dfa, PATTERN_IDS.fetch_add(1, Ordering::Relaxed)),
                anchored,
            };
        }
        HeadSet::compile(patterns)
    }

    /// A lazy DFA of `patterns`.
    fn compile(patterns: &[&str]) -> HeadSet {
        let nfa = thompson::Compiler::new()
            .syntax(syntax::Config::new().unicode(false).utf8(false))
            .configure(thompson::Config::new().utf8(false).which_captures(WhichCaptures::None))
            .build_many(patterns)
            .expect("layout patterns were validated");
        let anchored = nfa.is_always_start_anchored();
        let dfa = DFA::builder()
            .configure(DFA::config().match_kind(MatchKind::All))
            .build_from_nfa(nfa)
            .expect("layout patterns make a lazy DFA");
        HeadSet {
            dfa: HeadDfa::Lazy(dfa, PATTERN_IDS.fetch_add(1, Ordering::Relaxed)),
            anchored,
        }
    }

    /// `f` of the patterns that match `head`, in their order; `None` when the DFA gave up. The
    /// answer is this thread's scratch: a set and a list made for each of the lines around every
    /// candidate were a tenth of the dense bench log's allocations.
    fn with_matches<R>(&self, head: &[u8], f: impl FnOnce(&mut dyn Iterator<Item = usize>) -> R) -> Option<R> {
        let anchored = if self.anchored { Anchored::Yes } else { Anchored::No };
        let input = Input::new(head).anchored(anchored);
        match &self.dfa {
            HeadDfa::Builtin(dfa, id) => {
                let make = || PatternSet::new(dfa.pattern_len());
                with_scratch(&FOUND, *id, make, |found| {
                    found.clear();
                    dfa.try_which_overlapping_matches(&input, found).ok()?;
                    Some(f(&mut found.iter().map(|p| p.as_usize())))
                })
            }
            HeadDfa::Lazy(dfa, id) => {
                let make = || Box::new((dfa.create_cache(), PatternSet::new(dfa.pattern_len())));
                with_scratch(&SET_SCRATCH, *id, make, |scratch| {
                    let (cache, found) = &mut **scratch;
                    found.clear();
                    dfa.try_which_overlapping_matches(cache, &input, found).ok()?;
                    Some(f(&mut found.iter().map(|p| p.as_usize())))
                })
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TimeFormat {
    Auto,
    Klog,
    Epoch,
}

/// Every layout of a catalog, compiled.
#[derive(Debug)]
pub struct Layouts {
    list: Vec<Compiled>,
    /// The text layouts' patterns side by side: one pass says which of them read a line.
    text_set: HeadSet,
    /// Index in `list` of each pattern of `text_set`.
    text_index: Vec<usize>,
    /// Whether each pattern of `text_set` reads an envelope field (a time, a level, a worker):
    /// `curl -v` and `bash -x` lines do not start records. One set serves both questions (a
    /// second set cost 10 million instructions at every start).
    text_heads: Vec<bool>,
}

impl Layouts {
    /// The built-in layouts, compiled once.
    pub fn builtin() -> &'static Arc<Layouts> {
        static BUILTIN: OnceLock<Arc<Layouts>> = OnceLock::new();
        BUILTIN.get_or_init(|| Arc::new(Layouts::compile(Catalog::builtin_layouts().values())))
    }

    /// The layouts of `catalog` (the built-in ones, compiled once, when it has no others).
    pub fn of(catalog: &Catalog) -> Arc<Layouts> {
        // `--rules` names every layout it adds or replaces.
        let replaced = catalog.layouts.keys().any(|name| catalog.overridden.contains(name));
        let same = !replaced && catalog.layouts.len() == Catalog::builtin_layouts().len();
        if same {
            Layouts::builtin().clone()
        } else {
            Arc::new(Layouts::compile(catalog.layouts.values()))
        }
    }

    /// Compiles layout rules (already validated by the rules loader).
    pub fn compile<'a>(rules: impl IntoIterator<Item = &'a LayoutRule>) -> Layouts {
        let mut list = Vec::new();
        let mut patterns = Vec::new();
        let mut text_heads = Vec::new();
        let mut text_index = Vec::new();
        for rule in rules {
            let pattern = rule.pattern.as_deref().map(Pattern::new);
            let names_worker = match (&pattern, rule.json.as_ref().or(rule.logfmt.as_ref())) {
                (Some(p), _) => ["host", "app", "pid", "thread"].iter().any(|f| p.names(f)),
                (None, Some(k)) => ["host", "app", "pid", "thread"].iter().any(|f| !k.of(f).is_empty()),
                (None, None) => false,
            };
            let (read, richness) = if let Some(p) = pattern {
                let n = SLOTS[..7].iter().filter(|name| p.names(name)).count();
                text_heads.push(n > 0 || rule.starts_records);
                patterns.push(rule.pattern.as_deref().unwrap_or_default());
                text_index.push(list.len());
                (Read::Text(p), n)
            } else if let Some(keys) = &rule.json {
                (Read::Json(keys.clone()), richness(keys))
            } else if let Some(keys) = &rule.logfmt {
                (Read::Logfmt(keys.clone()), richness(keys))
            } else {
                continue;
            };
            list.push(Compiled {
                name: rule.layout.clone(),
                read,
                time_format: match rule.time_format.as_str() {
                    "klog" => TimeFormat::Klog,
                    "epoch" => TimeFormat::Epoch,
                    _ => TimeFormat::Auto,
                },
                wraps: rule.wraps,
                starts_records: rule.starts_records,
                richness,
                names_worker,
                splits: (!rule.partial.is_empty()).then(|| Splits {
                    streams: rule
                        .partial
                        .iter()
                        .map(|p| (Literal::new(&p.continued, &p.end), Literal::new(&p.end, &p.continued)))
                        .collect(),
                    message_at_end: rule
                        .pattern
                        .as_ref()
                        .is_some_and(|p| p.ends_with("(?P<inner>)") || p.ends_with("(?<inner>)")),
                }),
            });
        }
        Layouts {
            list,
            text_set: HeadSet::new(&patterns),
            text_index,
            text_heads,
        }
    }

    /// The layouts that may read `line`: the text layouts whose pattern matches its head, and
    /// the JSON or logfmt layouts when it looks like one of their records.
    fn candidates(&self, line: &[u8]) -> Vec<usize> {
        let head = &line[..line.len().min(HEAD_BYTES)];
        let json = head.iter().find(|&&b| !is_blank(b)) == Some(&b'{');
        let logfmt = memchr::memchr(b'=', head).is_some();
        let mut out: Vec<usize> = self.with_text_matches(head, |found| found.map(|k| self.text_index[k]).collect());
        out.extend((0..self.list.len()).filter(|&i| match self.list[i].read {
            Read::Text(..) => false,
            Read::Json(_) => json,
            Read::Logfmt(_) => logfmt && !json,
        }));
        out
    }

    /// Whether a text layout reads an envelope from `line`: a cheaper question than
    /// [`Reader::read`], asked of the lines around every candidate.
    pub fn reads_a_head(&self, line: &[u8]) -> bool {
        let head = &line[..line.len().min(HEAD_BYTES)];
        self.with_text_matches(head, |mut found| Iterator::any(&mut found, |k| self.text_heads[k]))
    }

    /// `f` of the patterns of `text_set` that match `head`: each text layout's own pattern is
    /// asked when the lazy DFA gives up.
    fn with_text_matches<R>(&self, head: &[u8], mut f: impl FnMut(&mut dyn Iterator<Item = usize>) -> R) -> R {
        self.text_set.with_matches(head, &mut f).unwrap_or_else(|| {
            let patterns = self.text_index.iter().map(|&i| match &self.list[i].read {
                Read::Text(p) => p,
                _ => unreachable!("text_index holds text layouts"),
            });
            f(&mut (patterns.enumerate())
                .filter(|(_, p)| p.spans(head).is_some())
                .map(|(k, _)| k))
        })
    }

    /// The names of the layouts, in their order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.list.iter().map(|l| l.name.as_str())
    }

    /// The index of the layout named `name`.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.list.iter().position(|l| l.name == name)
    }

    /// The name of layout `i`.
    pub fn name(&self, i: usize) -> &str {
        &self.list[i].name
    }

    /// Ranks the layouts on the first lines of an input (`forced`: the one layout the user
    /// named, read first whatever the lines say).
    pub fn detect(self: &Arc<Self>, head: &[u8], forced: Option<usize>) -> Reader {
        let mut counts = vec![0usize; self.list.len()];
        // Lines read inside a wrapper's lines: they rank the inner layouts, after the outer ones.
        let mut inner_counts = vec![0usize; self.list.len()];
        // Fields filled on those lines: of two layouts that read as many lines, the one that
        // understands more of them wins.
        let mut filled = vec![0usize; self.list.len()];
        let mut year = None;
        let lines = head
            .split(|&b| b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
            .filter(|l| !l.iter().all(|&b| is_blank(b)))
            .take(DETECT_LINES);
        for line in lines {
            if year.is_none() {
                year = time::find(line)
                    .and_then(|t| t.millis)
                    .filter(|&ms| ms >= YEAR_2000_MS)
                    .map(year_of);
            }
            for i in self.candidates(line) {
                let layout = &self.list[i];
                if let Some(f) = self.fields(i, &Line::new(line)) {
                    counts[i] += 1;
                    filled[i] += f.filled();
                    let inner = f.inner;
                    if layout.wraps {
                        let mut best_inner = 0;
                        if let Some(inner) = inner {
                            for j in self.candidates(&inner) {
                                if let Some(f) = self.fields(j, &Line::new(&inner)).filter(|_| !self.list[j].wraps) {
                                    inner_counts[j] += 1;
                                    filled[j] += f.filled();
                                    best_inner = best_inner.max(f.filled());
                                }
                            }
                        }
                        filled[i] += best_inner;
                    }
                }
            }
        }
        let rank = |counts: &[usize]| {
            let mut order: Vec<usize> = (0..self.list.len()).filter(|&i| counts[i] > 0).collect();
            order.sort_by(|&a, &b| {
                counts[b]
                    .cmp(&counts[a])
                    .then(filled[b].cmp(&filled[a]))
                    .then(self.list[b].richness.cmp(&self.list[a].richness))
                    .then(a.cmp(&b))
            });
            order
        };
        let mut order = rank(&counts);
        let mut inner_order = rank(&inner_counts);
        inner_order.extend(order.iter().copied().filter(|&i| inner_counts[i] == 0));
        // One search for every marker (a searcher built per marker and line cost more than the
        // rest of the detection).
        // Teddy, always: the automaton's own prefilter gives up on JSON lines, where `:` abounds.
        static CONTEXT_MARKERS: OnceLock<aho_corasick::packed::Searcher> = OnceLock::new();
        let markers = CONTEXT_MARKERS.get_or_init(|| {
            aho_corasick::packed::Searcher::new(CI_MARKERS.iter().chain(&["systemd["]))
                .expect("literals make a searcher")
        });
        let contexts: Vec<&[u8]> = head
            .split(|&b| b == b'\n')
            .take(DETECT_LINES * 4)
            .filter(|line| markers.find(line).is_some())
            .collect();
        if let Some(f) = forced {
            order.retain(|&i| i != f);
            order.insert(0, f);
        }
        let mut reader = Reader {
            layouts: self.clone(),
            rank: rank_of(&order, self.list.len()),
            inner_rank: rank_of(&inner_order, self.list.len()),
            inner_order: inner_order.into(),
            order: order.into(),
            forced,
            year,
            ci_frames: Arc::new([]),
            services: Arc::new([]),
        };
        let (mut ci_frames, mut services) = (Vec::new(), Vec::new());
        for line in contexts {
            if let Some(unit) = started_unit(line) {
                services.push(unit);
            } else {
                let env = reader.read(line).unwrap_or_default();
                let frame = (env.layout, env.host.map(Cow::into_owned));
                if !ci_frames.contains(&frame) {
                    ci_frames.push(frame);
                }
            }
        }
        reader.ci_frames = ci_frames.into();
        reader.services = services.into();
        reader
    }

    /// The raw fields layout `i` reads from `line`, or `None` when the line is not in it.
    fn fields<'a>(&self, i: usize, view: &Line<'a>) -> Option<Fields<'a>> {
        let line = view.bytes;
        let head = &line[..line.len().min(HEAD_BYTES)];
        match &self.list[i].read {
            Read::Text(pattern) => {
                let spans = pattern.spans(head)?;
                let group = |slot: usize| spans.slots[slot].clone();
                let get = |slot: usize| group(slot).map(|r| text(&line[r])).filter(|s| !s.is_empty());
                let message_at = group(7).or_else(|| group(8)).map_or(spans.end, |r| r.start);
                Some(Fields {
                    time: get(0),
                    level: get(1),
                    host: get(2),
                    app: get(3),
                    pid: get(4),
                    thread: get(5),
                    logger: get(6),
                    message_at,
                    inner: group(8)
                        .map(|r| Cow::Borrowed(&line[r.start..]))
                        .or_else(|| self.list[i].wraps.then(|| Cow::Borrowed(&line[message_at..]))),
                })
            }
            Read::Json(keys) => {
                let members = view.members()?;
                let value = |k: &String| members.value(k);
                if !keys.require.iter().all(|k| value(k).is_some()) {
                    return None;
                }
                let get = |field: &str| {
                    keys.of(field)
                        .iter()
                        .find_map(value)
                        .map(|v| match unescaped(v) {
                            Cow::Borrowed(v) => text(v),
                            Cow::Owned(v) => Cow::Owned(text(&v).into_owned()),
                        })
                        .filter(|s| !s.is_empty())
                };
                let message = keys.message.iter().find_map(value);
                let message_at = message.map_or(0, |m| m.as_ptr() as usize - line.as_ptr() as usize);
                let any = FIELD_NAMES
                    .iter()
                    .any(|f| keys.of(f).iter().any(|k| value(k).is_some()));
                if !any {
                    return None;
                }
                let inner = self.list[i].wraps.then(|| message.map(unescaped)).flatten();
                Some(Fields::by_name(get, message_at, inner))
            }
            Read::Logfmt(keys) => {
                let pairs = logfmt_pairs(head);
                if pairs.len() < 2
                    || !keys
                        .require
                        .iter()
                        .all(|k| pairs.iter().any(|(pk, _)| *pk == k.as_bytes()))
                {
                    return None;
                }
                let get = |field: &str| {
                    keys.of(field)
                        .iter()
                        .find_map(|k| pairs.iter().find(|(pk, _)| *pk == k.as_bytes()))
                        .map(|(_, v)| text(v))
                        .filter(|s| !s.is_empty())
                };
                Some(Fields::by_name(get, 0, None))
            }
        }
    }
}

const FIELD_NAMES: [&str; 7] = ["time", "level", "host", "app", "pid", "thread", "logger"];

/// The captures a text layout's pattern may name: the envelope's fields, its message, and the
/// wrapped line of a wrapper.
const SLOTS: [&str; 9] = [
    "time", "level", "host", "app", "pid", "thread", "logger", "message", "inner",
];

fn richness(keys: &FieldKeys) -> usize {
    FIELD_NAMES.iter().filter(|f| !keys.of(f).is_empty()).count() + keys.require.len()
}

/// What one layout reads from a line, before times are understood: borrowed from the line where
/// it can be (a line is read by one or two layouts before the best is kept, and by every
/// candidate when an input's layouts are ranked).
#[derive(Debug, Default)]
struct Fields<'a> {
    time: Option<Cow<'a, str>>,
    level: Option<Cow<'a, str>>,
    host: Option<Cow<'a, str>>,
    app: Option<Cow<'a, str>>,
    pid: Option<Cow<'a, str>>,
    thread: Option<Cow<'a, str>>,
    logger: Option<Cow<'a, str>>,
    message_at: usize,
    /// The wrapped line, for a wrapper layout.
    inner: Option<Cow<'a, [u8]>>,
}

/// Reads the envelopes of one input's lines with the layouts ranked for it.
#[derive(Clone, Debug)]
pub struct Reader {
    layouts: Arc<Layouts>,
    order: Arc<[usize]>,
    /// Each layout's place in `order` (`u16::MAX` when it read none of the first lines).
    rank: Arc<[u16]>,
    /// The same for the lines inside a wrapper's lines.
    inner_rank: Arc<[u16]>,
    /// The layouts ranked for the lines inside a wrapper's lines.
    inner_order: Arc<[usize]>,
    /// The layout the user named.
    forced: Option<usize>,
    /// The year of the first dated line at the input's start: completes times without one.
    year: Option<i64>,
    /// Frames whose first lines show a CI job.
    ci_frames: Arc<[Frame]>,
    /// Units a service manager started at the input's start (`systemd[1]: Starting x.service`).
    services: Arc<[String]>,
}

/// Where a line was written: the layout that read it and its host. A CI job, or a service, is a
/// property of a frame (or of a worker), never of a whole input.
pub type Frame = (Option<usize>, Option<String>);

/// How good a layout's reading of a line is: a wrapper's, then more fields, then a higher rank.
type ReadingKey = (bool, usize, std::cmp::Reverse<u16>);

/// Each layout's place in `order`.
fn rank_of(order: &[usize], n: usize) -> Arc<[u16]> {
    let mut rank = vec![u16::MAX; n];
    for (place, &i) in order.iter().enumerate() {
        rank[i] = place as u16;
    }
    rank.into()
}

/// Words that only CI runners write: GitHub Actions and Azure Pipelines workflow commands and
/// their environment, GitLab CI sections, Jenkins pipelines.
pub const CI_MARKERS: [&str; 14] = [
    "::group::",
    "::endgroup::",
    "::debug::",
    "::error",
    "##[group]",
    "##[section]",
    "##[error]",
    "##vso[",
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "BUILD_BUILDID",
    "section_start:",
    "[Pipeline] ",
    "Running with gitlab-runner",
];

/// The unit a `systemd[1]: Starting x.service` (or `Started`) line names, without `.service`.
fn started_unit(line: &[u8]) -> Option<String> {
    let at = memchr::memmem::find(line, b"systemd[")?;
    let rest = &line[at..];
    let verb = memchr::memmem::find(rest, b": Start")?;
    let words = &rest[verb + 2..];
    let name_at = memchr::memchr(b' ', words)? + 1;
    let name = &words[name_at..];
    let end = memchr::memmem::find(name, b".service")?;
    let unit = &name[..end];
    (!unit.is_empty() && !unit.contains(&b' ')).then(|| text(unit).into_owned())
}

impl Default for Reader {
    fn default() -> Reader {
        Layouts::builtin().detect(b"", None)
    }
}

impl Reader {
    /// The layout that reads most of the input's first lines, if any does.
    pub fn layout(&self) -> Option<&str> {
        self.order.first().map(|&i| self.layouts.name(i))
    }

    /// The layouts it reads with.
    pub fn layouts(&self) -> &Layouts {
        &self.layouts
    }

    /// Whether times without a year could be completed from a dated line.
    pub fn year(&self) -> Option<i64> {
        self.year
    }

    /// Frames whose first lines show a CI job.
    pub fn ci_frames(&self) -> &[Frame] {
        &self.ci_frames
    }

    /// Apps a service manager started at the input's start.
    pub fn services(&self) -> &[String] {
        &self.services
    }

    /// The fragment literals of the input's own layout (the first ranked, or the one the user
    /// named) when it writes long lines in fragments.
    pub fn splits(&self) -> Option<&Splits> {
        self.order.first().and_then(|&i| self.layouts.list[i].splits.as_ref())
    }

    /// The stream and tag of `line` when it is a fragment in the input's own layout (see
    /// [`Reader::splits`]): the layout's pattern reads the line, and one of its literals ends
    /// right where the message starts.
    pub fn tag(&self, line: &[u8]) -> Option<Tag> {
        let &i = self.order.first()?;
        let layout = &self.layouts.list[i];
        let (splits, Read::Text(pattern)) = (layout.splits.as_ref()?, &layout.read) else {
            return None;
        };
        let spans = pattern.spans(&line[..line.len().min(HEAD_BYTES)])?;
        let at = if splits.message_at_end {
            spans.end
        } else {
            let [.., message, inner] = &spans.slots;
            message.as_ref().or(inner.as_ref()).map_or(spans.end, |r| r.start)
        };
        let before = &line[..at];
        splits
            .streams
            .iter()
            .enumerate()
            .find_map(|(stream, (continued, end))| {
                let tag = |partial| Tag {
                    stream,
                    partial,
                    message_at: at,
                };
                if before.ends_with(&continued.text) {
                    Some(tag(true))
                } else {
                    before.ends_with(&end.text).then(|| tag(false))
                }
            })
    }

    /// The envelope of `line`: read by the first ranked layout that reads it, else by the first
    /// other layout that does; `None` when none does.
    pub fn read<'a>(&self, line: &'a [u8]) -> Option<Envelope<'a>> {
        let (i, mut fields) = self.first_reading(line, false)?;
        let layout = &self.layouts.list[i];
        let inner = fields.inner.take();
        let mut env = self.envelope(i, fields);
        let inner_env = match inner.filter(|_| layout.wraps) {
            Some(Cow::Borrowed(inner)) => self.first_reading(inner, true).map(|(j, f)| self.envelope(j, f)),
            Some(Cow::Owned(inner)) => {
                (self.first_reading(&inner, true)).map(|(j, f)| self.envelope(j, f).into_owned())
            }
            None => None,
        };
        if let Some(mut inner_env) = inner_env {
            let outer_zoned_time = env.zoned && env.time.is_some();
            if outer_zoned_time && !inner_env.zoned || inner_env.time.is_none() {
                inner_env.time = env.time.take();
                inner_env.zoned = env.zoned;
            }
            inner_env.host = inner_env.host.or(env.host.take());
            inner_env.level = inner_env.level.or(env.level.take());
            inner_env.layout = env.layout;
            inner_env.message_at = env.message_at;
            env = inner_env;
        }
        Some(env)
    }

    /// The layout that reads `line` best (`inner`: not a wrapper): the forced one if it reads
    /// it, else the input's first-ranked layout if it fills every field it has, else of those
    /// that read it a wrapper, then the one that fills the most fields, then the one ranked
    /// first for the input. Generic layouts (a bare timestamp) read most lines of a mixed log;
    /// ranking per line keeps them from hiding the richer envelope of each line.
    fn first_reading<'a>(&self, line: &'a [u8], inner: bool) -> Option<(usize, Fields<'a>)> {
        let usable = |i: usize| !(inner && self.layouts.list[i].wraps);
        let view = Line::new(line);
        if let Some(f) = self.forced.filter(|&f| usable(f)) {
            if let Some(fields) = self.layouts.fields(f, &view) {
                return Some((f, fields));
            }
        }
        // The input's own layout, the first ranked of those that name a worker, when it reads
        // every field it can from the line, needs no rival: most lines of a log are in its layout.
        // (A layout that reads only a time, ranked first on a mixed log, would hide the richer
        // envelope of another; nor does it make the rest of a mixed log's lines search every
        // pattern.)
        let order = if inner { &self.inner_order } else { &self.order };
        if let Some(&first) = order.iter().find(|&&i| usable(i) && self.layouts.list[i].names_worker) {
            if let Some(fields) = self.layouts.fields(first, &view) {
                if fields.filled() >= self.layouts.list[first].richness {
                    return Some((first, fields));
                }
            }
        }
        let rank = if inner { &self.inner_rank } else { &self.rank };
        // A wrapper that reads a line wins: its frame is exact, and its inner line is read next.
        // Candidates by the best key each could reach, so that the search stops as soon as no
        // other can beat what was read (most lines need one capture).
        let bound = |i: usize| {
            let l = &self.layouts.list[i];
            (l.wraps, l.richness, std::cmp::Reverse(rank[i]))
        };
        let mut candidates = self.layouts.candidates(line);
        candidates.retain(|&i| usable(i));
        candidates.sort_by_key(|&i| std::cmp::Reverse(bound(i)));
        let mut best: Option<(ReadingKey, usize, Fields)> = None;
        for i in candidates {
            if best.as_ref().is_some_and(|(k, _, _)| *k >= bound(i)) {
                break;
            }
            let Some(fields) = self.layouts.fields(i, &view) else {
                continue;
            };
            let key = (self.layouts.list[i].wraps, fields.filled(), std::cmp::Reverse(rank[i]));
            if best.as_ref().is_none_or(|(k, _, _)| key > *k) {
                best = Some((key, i, fields));
            }
        }
        best.map(|(_, i, f)| (i, f))
    }

    fn envelope<'a>(&self, i: usize, f: Fields<'a>) -> Envelope<'a> {
        let layout = &self.layouts.list[i];
        let (time, zoned) = f
            .time
            .as_deref()
            .and_then(|t| parse_time(t, layout.time_format, self.year))
            .map_or((None, false), |(t, z)| (Some(t), z));
        Envelope {
            layout: Some(i),
            time,
            zoned,
            level: f.level,
            host: f.host,
            app: f.app,
            pid: f.pid,
            thread: f.thread.map(trimmed),
            logger: f.logger,
            message_at: f.message_at,
            starts_record: layout.starts_records,
        }
    }
}

impl<'a> Fields<'a> {
    /// The fields a structured record gives, each read by `get` from the field's name.
    fn by_name(
        get: impl Fn(&str) -> Option<Cow<'a, str>>,
        message_at: usize,
        inner: Option<Cow<'a, [u8]>>,
    ) -> Fields<'a> {
        Fields {
            time: get("time"),
            level: get("level"),
            host: get("host"),
            app: get("app"),
            pid: get("pid"),
            thread: get("thread"),
            logger: get("logger"),
            message_at,
            inner,
        }
    }

    /// How many envelope fields it filled.
    fn filled(&self) -> usize {
        [
            &self.time,
            &self.level,
            &self.host,
            &self.app,
            &self.pid,
            &self.thread,
            &self.logger,
        ]
        .iter()
        .filter(|f| f.is_some())
        .count()
    }
}

/// `s` without the blanks around it, borrowed where `s` is.
fn trimmed(s: Cow<'_, str>) -> Cow<'_, str> {
    match s {
        Cow::Borrowed(b) => Cow::Borrowed(b.trim()),
        Cow::Owned(o) if o.trim().len() == o.len() => Cow::Owned(o),
        Cow::Owned(o) => Cow::Owned(o.trim().to_string()),
    }
}

fn text(b: &[u8]) -> Cow<'_, str> {
    // Valid UTF-8 (nearly every field) is checked with the fast check: the lossy conversion
    // walks its input chunk by chunk, a tenth of the envelope read.
    if let Ok(s) = std::str::from_utf8(b) {
        return Cow::Borrowed(s.trim());
    }
    Cow::Owned(String::from_utf8_lossy(b).trim().to_string())
}

/// [`json_unescape`], borrowing `v` when it holds no escape.
fn unescaped(v: &[u8]) -> Cow<'_, [u8]> {
    if v.contains(&b'\\') {
        Cow::Owned(json_unescape(v))
    } else {
        Cow::Borrowed(v)
    }
}

/// 2000-01-01T00:00:00Z in milliseconds: a time before it had no year in the log.
const YEAR_2000_MS: i64 = 946_684_800_000;

const DAY_MS: i64 = 86_400_000;

/// The year of a time in milliseconds since the epoch.
fn year_of(ms: i64) -> i64 {
    time::civil_from_days(ms.div_euclid(DAY_MS)).0
}

/// The time a layout's time field gives, and whether it named its zone. Times without a year
/// get `year`; times of day alone stay on 1970-01-01 (enough to order one input's lines).
fn parse_time(t: &str, format: TimeFormat, year: Option<i64>) -> Option<(Timestamp, bool)> {
    let b = t.trim().as_bytes();
    match format {
        TimeFormat::Epoch => {
            let n: f64 = t.trim().parse().ok()?;
            let ms = if n >= 1e17 {
                n / 1e6
            } else if n >= 1e14 {
                n / 1e3
            } else if n >= 1e11 {
                n
            } else {
                n * 1e3
            };
            Some((time::stamp(b, Some(ms as i64)), true))
        }
        TimeFormat::Klog => {
            let ms = time::klog_millis(b)?;
            Some((time::stamp(b, Some(with_year(ms, year))), false))
        }
        TimeFormat::Auto => {
            if b.iter().all(|c| c.is_ascii_digit() || *c == b'.') && b.len() >= 10 {
                return parse_time(t, TimeFormat::Epoch, year);
            }
            let (range, ms) = time::locate(b).or_else(|| time::time_of_day(b))?;
            let ms = ms.map(|m| {
                if (DAY_MS..YEAR_2000_MS).contains(&m) {
                    with_year(m, year)
                } else {
                    m
                }
            });
            let zoned = has_zone(&b[..range.end.max(b.len().min(range.end + 6))]);
            Some((time::stamp(b, ms), zoned))
        }
    }
}

/// Whether a time's text ends with its zone: `Z`, `GMT`, `UTC` or a `+hh:mm` / `-hhmm` offset.
fn has_zone(b: &[u8]) -> bool {
    let b = b.trim_ascii_end();
    let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
    let n = b.len();
    let offset = |at: usize, colon: bool| {
        n > at
            && matches!(b[n - at], b'+' | b'-')
            && (!colon || b[n - 3] == b':')
            && digits(&b[n - at + 1..n - at + 3])
            && digits(&b[n - 2..])
            && b.get(n.wrapping_sub(at + 1)).is_some_and(u8::is_ascii_digit)
    };
    b.ends_with(b"Z") || b.ends_with(b"GMT") || b.ends_with(b"UTC") || offset(6, true) || offset(5, false)
}

/// A 1970-based time (no year in the log) moved to `year`.
fn with_year(ms: i64, year: Option<i64>) -> i64 {
    let Some(year) = year else { return ms };
    let (_, m, d) = time::civil_from_days(ms.div_euclid(DAY_MS));
    time::days_from_civil(year, m, d) * DAY_MS + ms.rem_euclid(DAY_MS)
}

/// A line being read by several layouts: a JSON record's members are found once for all.
struct Line<'a> {
    bytes: &'a [u8],
    members: std::cell::OnceCell<Option<Members<'a>>>,
}

impl<'a> Line<'a> {
    fn new(bytes: &'a [u8]) -> Line<'a> {
        Line {
            bytes,
            members: std::cell::OnceCell::new(),
        }
    }

    /// The record's own members, when the line is a JSON object.
    fn members(&self) -> Option<&Members<'a>> {
        self.members
            .get_or_init(|| trim_to_object(self.bytes).map(Members::of))
            .as_ref()
    }
}

/// A JSON object's own members, in order: raw key (without quotes) and raw value.
struct Members<'a>(Vec<(&'a [u8], &'a [u8])>);

impl<'a> Members<'a> {
    /// The members of `object` (which starts with `{`), up to the first that cannot be read.
    fn of(object: &'a [u8]) -> Members<'a> {
        let mut out = Vec::new();
        let mut i = 1;
        loop {
            i = super::bytes::skip(object, i, |b| is_blank(b) || b == b',');
            let Some(key_end) = (object.get(i) == Some(&b'"')).then(|| string_end(object, i)).flatten() else {
                break;
            };
            let name = &object[i + 1..key_end - 1];
            i = super::bytes::skip(object, key_end, is_blank);
            if object.get(i) != Some(&b':') {
                break;
            }
            i = super::bytes::skip(object, i + 1, is_blank);
            let Some(end) = value_end(object, i) else { break };
            out.push((name, &object[i..end]));
            i = end;
        }
        Members(out)
    }

    /// The value of `key` (dotted: whole, then as a path), as [`json_value`] gives it.
    fn value(&self, key: &str) -> Option<&'a [u8]> {
        self.raw_path(key).and_then(unquote)
    }

    fn raw_path(&self, key: &str) -> Option<&'a [u8]> {
        self.raw(key.as_bytes()).or_else(|| {
            let (first, rest) = key.split_once('.')?;
            let inner = self.raw(first.as_bytes()).filter(|v| v.first() == Some(&b'{'))?;
            Members::of(inner).raw_path(rest)
        })
    }

    fn raw(&self, key: &[u8]) -> Option<&'a [u8]> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

/// A raw value without its quotes; objects and arrays give `None`.
fn unquote(raw: &[u8]) -> Option<&[u8]> {
    match raw.first() {
        Some(b'{' | b'[') => None,
        Some(b'"') => Some(&raw[1..raw.len().saturating_sub(1).max(1)]),
        _ => Some(raw),
    }
}

/// The raw value of `key` among a JSON object's own members (not those of objects nested in
/// it; a dotted key is tried whole, then as a path through nested objects): a string's contents
/// without its quotes (still escaped), or a number or word. Objects and arrays give `None`.
pub fn json_value<'a>(line: &'a [u8], key: &str) -> Option<&'a [u8]> {
    Members::of(trim_to_object(line)?).value(key)
}

/// The line from its first `{` on.
fn trim_to_object(line: &[u8]) -> Option<&[u8]> {
    let at = line.iter().position(|&b| !is_blank(b))?;
    (line[at] == b'{').then(|| &line[at..])
}

/// Past the string that starts (with its quote) at `at`.
fn string_end(b: &[u8], at: usize) -> Option<usize> {
    let mut i = at + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Past the value that starts at `at`: a string, an object or array (brackets matched outside
/// strings), or a number or word. A value cut off by the line's end runs to it.
fn value_end(b: &[u8], at: usize) -> Option<usize> {
    match b.get(at)? {
        b'"' => string_end(b, at).or(Some(b.len())),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = at;
            while i < b.len() {
                match b[i] {
                    b'"' => {
                        i = string_end(b, i).unwrap_or(b.len());
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            Some(b.len())
        }
        _ => Some(
            b[at..]
                .iter()
                .position(|&c| matches!(c, b',' | b'}' | b']') || is_blank(c))
                .map_or(b.len(), |n| at + n),
        ),
    }
}

/// A JSON string's contents unescaped (`\n`, `\"`, `\\`, `\/`, `\t`, `\uXXXX`).
pub fn json_unescape(v: &[u8]) -> Vec<u8> {
    if !v.contains(&b'\\') {
        return v.to_vec();
    }
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        if v[i] == b'\\' && i + 1 < v.len() {
            match v[i + 1] {
                b'n' => out.push(b'\n'),
                b'r' => out.push(b'\r'),
                b't' => out.push(b'\t'),
                b'u' if i + 6 <= v.len() => {
                    let hex = std::str::from_utf8(&v[i + 2..i + 6]).ok();
                    match hex
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .and_then(char::from_u32)
                    {
                        Some(c) => {
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                        }
                        None => out.extend_from_slice(&v[i..i + 6]),
                    }
                    i += 6;
                    continue;
                }
                c => out.push(c),
            }
            i += 2;
        } else {
            out.push(v[i]);
            i += 1;
        }
    }
    out
}

/// The `key=value` pairs of a logfmt line (`key="quoted \"value\""` unquoted, escapes kept).
fn logfmt_pairs(line: &[u8]) -> Vec<(&[u8], &[u8])> {
    let mut pairs = Vec::new();
    let mut i = 0;
    while i < line.len() {
        i = super::bytes::skip(line, i, is_blank);
        let key_start = i;
        while i < line.len() && (super::bytes::is_word(line[i]) || matches!(line[i], b'.' | b'-' | b'@')) {
            i += 1;
        }
        if i == key_start || line.get(i) != Some(&b'=') {
            // Not a pair: skip the word.
            while i < line.len() && !is_blank(line[i]) {
                i += 1;
            }
            continue;
        }
        let key = &line[key_start..i];
        i += 1;
        let value = if line.get(i) == Some(&b'"') {
            let start = i + 1;
            i = start;
            while i < line.len() && line[i] != b'"' {
                i += if line[i] == b'\\' { 2 } else { 1 };
            }
            let v = &line[start..i.min(line.len())];
            i += 1;
            v
        } else {
            let start = i;
            while i < line.len() && !is_blank(line[i]) {
                i += 1;
            }
            &line[start..i]
        };
        pairs.push((key, value));
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_values_by_key_and_path() {
        let line = br#"{"@timestamp":"2026-11-27T10:04:14Z","log.level":"error","process":{"pid":42,"thread":{"name":"main"}},"msg":"a \"b\""}"#;
        assert_eq!(json_value(line, "log.level"), Some(&b"error"[..]));
        assert_eq!(json_value(line, "process.pid"), Some(&b"42"[..]));
        assert_eq!(json_value(line, "process.thread.name"), Some(&b"main"[..]));
        assert_eq!(json_unescape(json_value(line, "msg").unwrap()), b"a \"b\"");
        assert_eq!(json_value(line, "missing"), None);
        // Only the object's own members: a nested `name` is not the record's.
        let line = br#"{"level":50,"err":{"name":"ResponseBodyError","a":[1,{"x":"}"}]},"app":"mail","name":"svc"}"#;
        assert_eq!(json_value(line, "name"), Some(&b"svc"[..]));
        assert_eq!(json_value(line, "app"), Some(&b"mail"[..]));
        assert_eq!(json_value(line, "err.name"), Some(&b"ResponseBodyError"[..]));
        assert_eq!(json_value(line, "err"), None);
    }

    #[test]
    fn builtin_head_dfa_is_valid_and_used() {
        let (patterns, bytes, _) = crate::rules::LAYOUT_HEADS;
        assert!(
            sparse::DFA::from_bytes(bytes).is_ok(),
            "build.rs wrote a DFA that does not validate"
        );
        let text: Vec<&str> = Catalog::builtin_layouts()
            .values()
            .filter_map(|l| l.pattern.as_deref())
            .collect();
        assert_eq!(patterns, text.as_slice());
        assert!(matches!(Layouts::builtin().text_set.dfa, HeadDfa::Builtin(..)));
    }

    #[test]
    fn builtin_head_dfa_answers_as_the_patterns_compiled_at_run_time() {
        let (patterns, _, _) = crate::rules::LAYOUT_HEADS;
        let (builtin, lazy) = (HeadSet::new(patterns), HeadSet::compile(patterns));
        let mut lines: Vec<Vec<u8>> = Vec::new();
        let mut dirs = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures"
        ))];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if let Ok(bytes) = std::fs::read(&path) {
                    lines.extend(bytes.split(|&b| b == b'\n').take(2000).map(<[u8]>::to_vec));
                }
            }
        }
        // The layouts' own samples (the built-in catalog leaves them out).
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/layouts");
        let catalog = Catalog::with_overrides(std::path::Path::new(dir)).unwrap();
        for rule in catalog.layouts.values() {
            lines.extend(rule.samples.iter().map(|s| s.line.as_bytes().to_vec()));
        }
        let mut matched = 0;
        for line in &lines {
            let head = &line[..line.len().min(HEAD_BYTES)];
            let matches = |set: &HeadSet| set.with_matches(head, |m| m.collect::<Vec<_>>()).unwrap();
            let found = matches(&builtin);
            assert_eq!(found, matches(&lazy), "{:?}", String::from_utf8_lossy(head));
            matched += usize::from(!found.is_empty());
        }
        assert!(
            matched > 1000,
            "only {matched} of {} lines matched a layout",
            lines.len()
        );
    }

    #[test]
    fn logfmt_pairs_unquote() {
        let pairs = logfmt_pairs(br#"time=2026-11-27T10:04:14Z level=info msg="HTTP \"x\" done" pid=7 junk"#);
        let keys: Vec<&[u8]> = pairs.iter().map(|p| p.0).collect();
        assert_eq!(keys, [&b"time"[..], b"level", b"msg", b"pid"]);
        assert_eq!(pairs[2].1, br#"HTTP \"x\" done"#);
    }

    #[test]
    fn times_keep_their_zone() {
        let (t, zoned) = parse_time("2026-11-27T11:04:14+01:00", TimeFormat::Auto, None).unwrap();
        assert!(zoned);
        assert_eq!(t.millis, Some(1_795_773_854_000));
        let (t, zoned) = parse_time("1795773854000", TimeFormat::Auto, None).unwrap();
        assert!(zoned);
        assert_eq!(t.millis, Some(1_795_773_854_000));
        let (_, zoned) = parse_time("2026-11-27 10:04:14,312", TimeFormat::Auto, None).unwrap();
        assert!(!zoned);
        let (t, _) = parse_time("Nov 27 10:04:14", TimeFormat::Auto, Some(2026)).unwrap();
        assert_eq!(t.millis, Some(1_795_773_854_000));
        let (t, _) = parse_time("1127 10:04:14.000000", TimeFormat::Klog, Some(2026)).unwrap();
        assert_eq!(t.millis, Some(1_795_773_854_000));
    }
}
