//! A small Aho-Corasick DFA that reports every keyword of a line as one bit set.
//!
//! Keywords are matched ignoring ASCII case; those whose case matters are checked against the
//! line's bytes where they end. The line is cut into overlapping segments that are walked side
//! by side: each step is a table lookup that waits for the one before it, so walking several
//! independent segments at once keeps the processor busy instead of waiting.

/// Case-folded byte classes, a transition table and each state's keywords.
pub struct Dfa {
    /// Byte -> class; bytes that no keyword holds share class 0, and case is folded.
    classes: [u8; 256],
    /// Number of classes: the width of a row of `next`.
    stride: usize,
    /// `next[state + class]`: the next state, premultiplied by `stride`, with [`MATCH`] set when
    /// some keyword ends there.
    next: Vec<u32>,
    /// The keywords ending at each state (indexed by state number), case-folded.
    ends: Vec<u128>,
    /// The keywords whose case matters.
    exact: u128,
    /// The keywords, as given.
    words: Vec<&'static [u8]>,
    /// The length of the longest keyword.
    longest: usize,
}

/// The flag on a transition whose target state ends a keyword.
const MATCH: u32 = 1 << 31;

/// Segments walked side by side.
const LANES: usize = 4;

/// Lines shorter than this are walked in one piece: cutting them would mostly repeat overlap.
const MIN_SPLIT: usize = 256;

impl Dfa {
    /// Builds the automaton for `words` (at most 128); `exact[i]` says whether case matters for
    /// word `i`.
    pub fn new(words: &[&'static str], exact: impl Fn(usize) -> bool) -> Dfa {
        assert!(words.len() <= 128, "one bit per keyword");
        let folded: Vec<Vec<u8>> = words.iter().map(|w| w.to_ascii_lowercase().into_bytes()).collect();
        let mut classes = [0u8; 256];
        let mut stride = 1;
        for b in folded.iter().flatten() {
            if classes[usize::from(*b)] == 0 {
                classes[usize::from(*b)] = stride as u8;
                classes[usize::from(b.to_ascii_uppercase())] = stride as u8;
                stride += 1;
            }
        }
        assert!(stride <= 256, "byte classes fit a byte");

        // The trie of the folded words: children by class, and the words ending at each node.
        let mut child: Vec<Vec<u32>> = vec![vec![0; stride]];
        let mut ends: Vec<u128> = vec![0];
        for (i, word) in folded.iter().enumerate() {
            let mut s = 0usize;
            for &b in word {
                let c = usize::from(classes[usize::from(b)]);
                if child[s][c] == 0 {
                    child.push(vec![0; stride]);
                    ends.push(0);
                    child[s][c] = (child.len() - 1) as u32;
                }
                s = child[s][c] as usize;
            }
            ends[s] |= 1 << i;
        }

        // Breadth first, each node's missing transitions are those of its failure node, and its
        // keywords include those of its failure node (the keywords that end its text).
        let mut fail = vec![0u32; child.len()];
        let mut delta = child.clone();
        let mut queue = std::collections::VecDeque::new();
        queue.extend(child[0].iter().filter(|&&t| t != 0).map(|&t| t as usize));
        while let Some(s) = queue.pop_front() {
            let f = fail[s] as usize;
            ends[s] |= ends[f];
            for c in 0..stride {
                let t = child[s][c];
                if t == 0 {
                    delta[s][c] = delta[f][c];
                } else {
                    fail[t as usize] = delta[f][c];
                    queue.push_back(t as usize);
                }
            }
        }

        let next = delta
            .iter()
            .flatten()
            .map(|&t| (t * stride as u32) | if ends[t as usize] != 0 { MATCH } else { 0 })
            .collect();
        Dfa {
            classes,
            stride,
            next,
            ends,
            exact: (0..words.len()).filter(|&i| exact(i)).fold(0, |m, i| m | 1 << i),
            words: words.iter().map(|w| w.as_bytes()).collect(),
            longest: folded.iter().map(Vec::len).max().unwrap_or(0),
        }
    }

    /// The set of keywords `line` holds: bit `i` for `words[i]`.
    pub fn find_all(&self, line: &[u8]) -> u128 {
        if line.len() < MIN_SPLIT {
            let mut bits = 0;
            self.walk(line, 0, 0, line.len(), &mut bits);
            return bits;
        }
        // Segment `k` starts at k/LANES of the line and runs `longest - 1` bytes into the next,
        // so every keyword lies whole in the segment where it starts.
        let part = line.len() / LANES;
        let overlap = self.longest.saturating_sub(1);
        let start = |k: usize| k * part;
        let end = |k: usize| {
            if k + 1 == LANES {
                line.len()
            } else {
                (start(k + 1) + overlap).min(line.len())
            }
        };
        let lanes: [&[u8]; LANES] = std::array::from_fn(|k| &line[start(k)..start(k) + part]);
        let mut state = [0u32; LANES];
        let mut bits = 0;
        // Every segment is at least `part` long: walk that much of each side by side.
        for i in 0..part {
            for (k, lane) in lanes.iter().enumerate() {
                let s = self.step(state[k], lane[i]);
                state[k] = s;
                if s & MATCH != 0 {
                    self.matched(line, start(k) + i, s, &mut bits);
                }
            }
        }
        for (k, s) in state.into_iter().enumerate() {
            self.walk(line, s, start(k) + part, end(k), &mut bits);
        }
        bits
    }

    /// The state after `byte`.
    fn step(&self, state: u32, byte: u8) -> u32 {
        self.next[(state & !MATCH) as usize + usize::from(self.classes[usize::from(byte)])]
    }

    /// Walks `line[from..to]` from `state`, adding the keywords that end there to `bits`.
    fn walk(&self, line: &[u8], mut state: u32, from: usize, to: usize, bits: &mut u128) {
        for at in from..to {
            state = self.step(state, line[at]);
            if state & MATCH != 0 {
                self.matched(line, at, state, bits);
            }
        }
    }

    /// Adds the keywords ending at byte `at` (the DFA being in `state` after it) to `bits`,
    /// checking the case of those whose case matters.
    #[cold]
    fn matched(&self, line: &[u8], at: usize, state: u32, bits: &mut u128) {
        let ends = self.ends[(state & !MATCH) as usize / self.stride];
        *bits |= ends & !self.exact;
        let mut check = ends & self.exact & !*bits;
        while check != 0 {
            let i = check.trailing_zeros() as usize;
            check &= check - 1;
            let word = self.words[i];
            if line[..=at].ends_with(word) {
                *bits |= 1 << i;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keywords of `line` found one by one.
    fn naive(words: &[&str], exact: impl Fn(usize) -> bool, line: &[u8]) -> u128 {
        let mut bits = 0;
        for (i, w) in words.iter().enumerate() {
            let w = w.as_bytes();
            let found = line.windows(w.len()).any(|win| {
                if exact(i) {
                    win == w
                } else {
                    win.eq_ignore_ascii_case(w)
                }
            });
            if found {
                bits |= 1 << i;
            }
        }
        bits
    }

    #[test]
    fn finds_what_a_search_for_each_word_finds() {
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
        ];
        let exact = |i: usize| i % 3 != 1;
        let dfa = Dfa::new(&words, exact);
        // Lines from a small alphabet, so that words overlap, nest and repeat; long enough to be
        // cut into segments, with words placed across the cuts.
        let alphabet = b"abcdeABCDEzZyYx_ orsuUR";
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut rand = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
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
            assert_eq!(
                dfa.find_all(&line),
                naive(&words, exact, &line),
                "{}",
                String::from_utf8_lossy(&line)
            );
        }
    }
}
