//! A small Aho-Corasick DFA that reports every keyword of a line as one bit set.
//!
//! The automaton knows each keyword by its head (its first [`HEAD`] bytes, case folded); where a
//! head ends, the whole keyword is checked against the line when it is longer than its head or
//! its case matters. Short heads keep the overlap between segments small: the line is cut into
//! overlapping segments that are walked side by side, since each step is a table lookup that
//! waits for the one before it, and walking independent segments at once keeps the processor
//! busy instead of waiting.

/// The most keywords an automaton holds.
pub const MAX_WORDS: usize = 256;

/// A set of keywords: bit `i` stands for `words[i]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bits([u64; MAX_WORDS / 64]);

impl Bits {
    /// The set of keyword `i` alone.
    pub fn one(i: usize) -> Bits {
        let mut b = Bits::default();
        b.0[i / 64] = 1 << (i % 64);
        b
    }

    /// The keywords `i` of `range`.
    pub fn range(range: std::ops::Range<usize>) -> Bits {
        range.fold(Bits::default(), |b, i| b | Bits::one(i))
    }

    /// Whether keyword `i` is in the set.
    pub fn has(self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0.iter().all(|&w| w == 0)
    }

    /// The keywords of the set, in order.
    pub fn ones(self) -> impl Iterator<Item = usize> {
        self.0.into_iter().enumerate().flat_map(|(k, mut w)| {
            std::iter::from_fn(move || {
                (w != 0).then(|| {
                    let i = w.trailing_zeros() as usize;
                    w &= w - 1;
                    64 * k + i
                })
            })
        })
    }
}

impl std::ops::BitOr for Bits {
    type Output = Bits;
    fn bitor(self, o: Bits) -> Bits {
        Bits(std::array::from_fn(|k| self.0[k] | o.0[k]))
    }
}

impl std::ops::BitAnd for Bits {
    type Output = Bits;
    fn bitand(self, o: Bits) -> Bits {
        Bits(std::array::from_fn(|k| self.0[k] & o.0[k]))
    }
}

impl std::ops::Not for Bits {
    type Output = Bits;
    fn not(self) -> Bits {
        Bits(self.0.map(|w| !w))
    }
}

/// Case-folded byte classes, a transition table and each state's keywords.
pub struct Dfa {
    /// Byte -> class; bytes that no keyword holds share class 0, and case is folded.
    classes: [u8; 256],
    /// Number of classes: the width of a row of `next`.
    stride: usize,
    /// `next[state + class]`: the next state, premultiplied by `stride`. [`TABLE`] entries, so
    /// that a 16-bit index needs no bounds check; 16-bit states, so that the table takes half
    /// the cache it would with 32-bit ones.
    next: Box<[u16; TABLE]>,
    /// The first state (premultiplied) where some keyword's head ends: states are numbered so
    /// that every such state comes after every other.
    first_match: u16,
    /// The keywords whose head ends at each state (indexed by state number).
    ends: Vec<Bits>,
    /// The keywords to check against the line where their head ends: longer than their head,
    /// or case-sensitive.
    checked: Bits,
    /// The keywords whose case matters.
    exact: Bits,
    /// The keywords, as given.
    words: Vec<&'static [u8]>,
    /// The length of the longest head.
    longest: usize,
}

/// How many bytes of a keyword the automaton walks.
const HEAD: usize = 16;

/// Segments walked side by side.
const LANES: usize = 4;

/// Room in the transition table: every `state + class` fits 16 bits.
const TABLE: usize = 1 << 16;

impl Dfa {
    /// Builds the automaton for `words` (at most [`MAX_WORDS`]); `exact(i)` says whether case
    /// matters for word `i`.
    pub fn new(words: &[&'static str], exact: impl Fn(usize) -> bool) -> Dfa {
        assert!(words.len() <= MAX_WORDS, "one bit per keyword");
        let heads: Vec<Vec<u8>> = words
            .iter()
            .map(|w| w.as_bytes()[..w.len().min(HEAD)].to_ascii_lowercase())
            .collect();
        let mut classes = [0u8; 256];
        let mut stride = 1;
        for b in heads.iter().flatten() {
            if classes[usize::from(*b)] == 0 {
                classes[usize::from(*b)] = stride as u8;
                classes[usize::from(b.to_ascii_uppercase())] = stride as u8;
                stride += 1;
            }
        }
        assert!(stride <= 256, "byte classes fit a byte");

        // The trie of the heads, one row of `stride` transitions per node (0: none, as the
        // start state is no node's child), and the words whose head ends at each node. Rows in
        // one vector: a vector per node, and a copy of them all, took 1.3 ms where this takes 0.8.
        let nodes = 1 + heads.iter().map(Vec::len).sum::<usize>();
        let mut delta: Vec<u32> = Vec::with_capacity(nodes * stride);
        delta.resize(stride, 0);
        let mut ends: Vec<Bits> = Vec::with_capacity(nodes);
        ends.push(Bits::default());
        for (i, head) in heads.iter().enumerate() {
            let mut s = 0usize;
            for &b in head {
                let at = s * stride + usize::from(classes[usize::from(b)]);
                if delta[at] == 0 {
                    delta[at] = ends.len() as u32;
                    delta.resize(delta.len() + stride, 0);
                    ends.push(Bits::default());
                }
                s = delta[at] as usize;
            }
            ends[s] = ends[s] | Bits::one(i);
        }

        // Breadth first, each node's missing transitions are those of its failure node, and its
        // keywords include those of its failure node (the heads that end its text). In place: a
        // node's row holds only its children until the node is reached, and its failure node,
        // nearer the start, was reached before it.
        let mut fail = vec![0u32; ends.len()];
        let mut queue = std::collections::VecDeque::with_capacity(ends.len());
        queue.extend(delta[..stride].iter().filter(|&&t| t != 0).map(|&t| t as usize));
        while let Some(s) = queue.pop_front() {
            let f = fail[s] as usize;
            ends[s] = ends[s] | ends[f];
            for c in 0..stride {
                let t = delta[s * stride + c];
                if t == 0 {
                    delta[s * stride + c] = delta[f * stride + c];
                } else {
                    fail[t as usize] = delta[f * stride + c];
                    queue.push_back(t as usize);
                }
            }
        }

        // Numbered again: the states where no head ends first (the start state, which none ends
        // at, stays 0), then those where one does.
        assert!(delta.len() < TABLE, "the transitions fit the table");
        let order: Vec<usize> = (0..ends.len())
            .filter(|&s| ends[s].is_empty())
            .chain((0..ends.len()).filter(|&s| !ends[s].is_empty()))
            .collect();
        let mut number = vec![0u16; ends.len()];
        for (n, &s) in order.iter().enumerate() {
            number[s] = n as u16;
        }
        let first_match = (order.iter().take_while(|&&s| ends[s].is_empty()).count() * stride) as u16;
        let mut next: Box<[u16; TABLE]> = vec![0; TABLE].into_boxed_slice().try_into().expect("TABLE entries");
        let rows = order.iter().flat_map(|&s| &delta[s * stride..(s + 1) * stride]);
        for (slot, &t) in next.iter_mut().zip(rows) {
            *slot = number[t as usize] * stride as u16;
        }
        let ends: Vec<Bits> = order.iter().map(|&s| ends[s]).collect();
        let exact = (0..words.len())
            .filter(|&i| exact(i))
            .fold(Bits::default(), |m, i| m | Bits::one(i));
        let long = (0..words.len())
            .filter(|&i| words[i].len() > HEAD)
            .fold(Bits::default(), |m, i| m | Bits::one(i));
        Dfa {
            classes,
            stride,
            next,
            first_match,
            ends,
            checked: exact | long,
            exact,
            words: words.iter().map(|w| w.as_bytes()).collect(),
            longest: heads.iter().map(Vec::len).max().unwrap_or(0),
        }
    }

    /// The set of keywords `line` holds: bit `i` for `words[i]`.
    pub fn find_all(&self, line: &[u8]) -> Bits {
        let mut bits = Bits::default();
        // A head found twice (in a segment and in the overlap of the one before) adds nothing.
        self.heads(line, &mut |at, ends, _| self.add_found(line, at, ends, &mut bits));
        bits
    }

    /// Adds to `bits` the keywords of `ends` whose head ends at byte `at` and that stand whole
    /// there. Out of the walking loop, which it would slow down.
    #[cold]
    #[inline(never)]
    fn add_found(&self, line: &[u8], at: usize, ends: Bits, bits: &mut Bits) {
        *bits = *bits | (ends & !self.checked);
        for i in (ends & self.checked & !*bits).ones() {
            if self.whole(line, at, i).is_some() {
                *bits = *bits | Bits::one(i);
            }
        }
    }

    /// Calls `found(i, start)` for every place where `words[i]` stands in `line`, at byte
    /// `start` (in no particular order).
    pub fn each_match(&self, line: &[u8], mut found: impl FnMut(usize, usize)) {
        self.heads(line, &mut |at, ends, before| {
            for i in ends.ones() {
                if let Some(start) = self.whole(line, at, i).filter(|&start| start < before) {
                    found(i, start);
                }
            }
        });
    }

    /// Where `words[i]` starts, if it stands whole in `line` where its head ends at byte `at`.
    fn whole(&self, line: &[u8], at: usize, i: usize) -> Option<usize> {
        let word = self.words[i];
        let start = at + 1 - word.len().min(HEAD);
        if !self.checked.has(i) {
            return Some(start);
        }
        let found = line.get(start..start + word.len())?;
        let same = if self.exact.has(i) {
            found == word
        } else {
            found.eq_ignore_ascii_case(word)
        };
        same.then_some(start)
    }

    /// Walks `line`, calling `head(at, ends, before)` where the heads of the keywords in `ends`
    /// end at byte `at`; heads that start at `before` or later are also found elsewhere.
    fn heads(&self, line: &[u8], head: &mut impl FnMut(usize, Bits, usize)) {
        // Segment `k` starts at k/LANES of the line and runs `overlap` bytes into the next, so
        // every head lies whole in the segment where it starts.
        let overlap = self.longest.saturating_sub(1);
        let part = line.len() / LANES;
        if part <= overlap {
            self.walk(line, 0, 0, line.len(), head);
            return;
        }
        let start = |k: usize| k * part;
        let mut state = [0u16; LANES];
        // Every segment is at least `part` long: walk that much of each side by side, then the
        // overlap of all but the last, then what the last has left.
        let lanes: [&[u8]; LANES] = std::array::from_fn(|k| &line[start(k)..start(k) + part]);
        self.side_by_side(&lanes, &mut state, start, |_| usize::MAX, head);
        let tails: [&[u8]; LANES - 1] = std::array::from_fn(|k| &line[start(k + 1)..start(k + 1) + overlap]);
        let mut tail_state: [u16; LANES - 1] = std::array::from_fn(|k| state[k]);
        // The overlaps: heads that start there are the next segment's.
        self.side_by_side(&tails, &mut tail_state, |k| start(k + 1), |k| start(k + 1), head);
        self.walk(line, state[LANES - 1], start(LANES), line.len(), head);
    }

    /// Walks equally long `lanes` side by side, lane `k` starting at byte `at(k)` of the line and
    /// owning the heads that start before `before(k)`.
    fn side_by_side<const N: usize>(
        &self,
        lanes: &[&[u8]; N],
        state: &mut [u16; N],
        at: impl Fn(usize) -> usize,
        before: impl Fn(usize) -> usize,
        head: &mut impl FnMut(usize, Bits, usize),
    ) {
        let len = lanes[0].len();
        // Every lane cut to the same length: the loop below needs no bounds checks.
        let lanes: [&[u8]; N] = std::array::from_fn(|k| &lanes[k][..len]);
        for i in 0..len {
            for (k, lane) in lanes.iter().enumerate() {
                let s = self.step(state[k], lane[i]);
                state[k] = s;
                if s >= self.first_match {
                    head(at(k) + i, self.ends_at(s), before(k));
                }
            }
        }
    }

    /// The state after `byte`.
    fn step(&self, state: u16, byte: u8) -> u16 {
        // Below TABLE by construction: the cast only tells the compiler so.
        let at = usize::from(state) + usize::from(self.classes[usize::from(byte)]);
        self.next[usize::from(at as u16)]
    }

    /// The keywords whose head ends at `state`.
    fn ends_at(&self, state: u16) -> Bits {
        self.ends[usize::from(state) / self.stride]
    }

    /// Walks `line[from..to]` from `state`.
    fn walk(&self, line: &[u8], mut state: u16, from: usize, to: usize, head: &mut impl FnMut(usize, Bits, usize)) {
        for (at, &byte) in line.iter().enumerate().take(to).skip(from) {
            state = self.step(state, byte);
            if state >= self.first_match {
                head(at, self.ends_at(state), usize::MAX);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every place where a word stands in `line`, found one by one: `(word, start)`, sorted.
    fn naive(words: &[&str], exact: impl Fn(usize) -> bool, line: &[u8]) -> Vec<(usize, usize)> {
        let mut places = Vec::new();
        for (i, w) in words.iter().enumerate() {
            let w = w.as_bytes();
            for (start, win) in line.windows(w.len()).enumerate() {
                if (exact(i) && win == w) || (!exact(i) && win.eq_ignore_ascii_case(w)) {
                    places.push((i, start));
                }
            }
        }
        places
    }

    #[test]
    fn finds_what_a_search_for_each_word_finds_where_it_stands() {
        // Short words, and long ones (longer than their head) that share a head or differ in case.
        let words = [
            "abc",
            "ABC",
            "bcd",
            "Abcde",
            "cd",
            "xyzzy",
            "zz",
            "aBc",
            "e or r",
            "user",
            "USER_code",
            "abcdeabcdeABCDEab",
            "abcdeabcdeabcdeAbc",
            "ABCDEABCDEABCDEzz",
            "zZyYxzZyYxzZyYx_ or",
        ];
        assert!(words.iter().any(|w| w.len() > HEAD));
        let exact = |i: usize| i % 3 != 1;
        let dfa = Dfa::new(&words, exact);
        // Lines from a small alphabet, so that words overlap, nest and repeat; long enough to be
        // cut into segments, with words placed across the cuts.
        let alphabet = b"abcdeABCDEzZyYx_ orsuUR";
        let mut rand = crate::scan::bytes::xorshift(0x2545_f491_4f6c_dd1d);
        for round in 0..2_000 {
            let len = (rand() % 700) as usize;
            let mut line: Vec<u8> = (0..len)
                .map(|_| alphabet[(rand() % alphabet.len() as u64) as usize])
                .collect();
            if len > 0 && round % 2 == 0 {
                let w = words[(rand() % words.len() as u64) as usize].as_bytes();
                let at = (rand() % len as u64) as usize;
                let n = w.len().min(len - at);
                line[at..at + n].copy_from_slice(&w[..n]);
            }
            let want = naive(&words, exact, &line);
            let text = String::from_utf8_lossy(&line);
            let bits = want.iter().fold(Bits::default(), |bits, &(i, _)| bits | Bits::one(i));
            assert_eq!(dfa.find_all(&line), bits, "{text}");
            let mut places = Vec::new();
            dfa.each_match(&line, |i, start| places.push((i, start)));
            places.sort_unstable();
            assert_eq!(places, want, "{text}");
        }
    }
}
