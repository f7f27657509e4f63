//! Properties over generated input (a seeded PRNG, so every run checks the same cases; set
//! `AADLINT_PROPERTY_SEED` to explore others): arbitrary bytes never panic through
//! `aadlint::analyze` and leak no secret, and where the input is cut into chunks never changes
//! what the scan finds.
//!
//! The chunking property runs `ChunkReader::with_sizes` + `scan_chunk` + `Assembler` the way
//! `scan::scan_inputs` does (see `chunked_scan` in `fuzz/src/lib.rs`), because the pipeline has
//! no hook to change its chunk sizes; a cross-check ties that harness to `aadlint::analyze`.
//! A failing case is written to `target/property-failures/` for replay.

#[allow(dead_code)]
#[path = "../fuzz/src/lib.rs"]
mod fuzz_support;

use aadlint::analysis::Analysis;
use aadlint::input::{CHUNK_SIZE, CONTEXT_LINES, MAX_CHUNK};
use fuzz_support::{check_chunk_reader, chunked_scan, known_leak, leaks, source_settings, ShortReader};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// SplitMix64: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn new(salt: u64) -> Rng {
        let seed = std::env::var("AADLINT_PROPERTY_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0x00AA_D15E_ED00_0001u64);
        Rng(seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every line of every fixture (without its line end), for building realistic input.
fn fixture_lines() -> Vec<Vec<u8>> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path
                .extension()
                .is_some_and(|e| matches!(e.to_str(), Some("log" | "jsonl" | "json" | "csv" | "txt")))
            {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&repo().join("fixtures"), &mut files);
    files.sort();
    let mut lines = Vec::new();
    for f in files {
        let Ok(bytes) = std::fs::read(&f) else { continue };
        for line in bytes.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if !line.is_empty() && line.len() < 20_000 {
                lines.push(line.to_vec());
            }
        }
    }
    assert!(
        lines.len() > 500,
        "fixtures not found under {}",
        repo().join("fixtures").display()
    );
    lines
}

const SNIPPETS: [&[u8]; 16] = [
    b"AADSTS70016",
    b"AADSTS90120: already redeemed",
    b"\"error_codes\":[70016]",
    b"Error Code: 53003",
    b"device_code=DAQABAAEAAAD1234567890abcdef",
    b"enter the code HD8UDCYYM",
    b"grant_type=urn:ietf:params:oauth:grant-type:device_code",
    b"POST /common/oauth2/v2.0/token HTTP/1.1",
    b"Trace ID: 6e48b81e-af6f-4f3b-927e-dbcf63799800",
    b"Correlation ID: 0f3fee7a-1d2c-4b5a-9e8f-7a6b5c4d3e2f",
    b"Timestamp: 2026-11-27 10:04:14Z",
    b"2026-11-27T10:04:14.123Z",
    b"{\"createdDateTime\": \"2026-10-12T13:22:41Z\"",
    b"\xff\xfe\xc3(\x80\xed\xa0\x80",
    b"\\r\\n",
    b"authorization_pending",
];

/// Bytes with no structure, but biased towards line ends, NULs, digits and the literals the
/// scanner looks for.
fn random_bytes(rng: &mut Rng, max: usize) -> Vec<u8> {
    let len = rng.below(max + 1);
    let mut out = Vec::with_capacity(len + 64);
    while out.len() < len {
        match rng.below(10) {
            0 => out.push(*rng.pick::<u8>(b"\n\r\0\t \"{}=:,")),
            1 => out.extend_from_slice(rng.pick::<&[u8]>(&SNIPPETS)),
            2..=4 => out.push(b'0' + rng.below(10) as u8),
            _ => out.push(rng.next() as u8),
        }
    }
    out
}

/// Lines of real logs mixed with garbage: NUL runs, invalid UTF-8, CRLF and CR line ends,
/// continuation lines on their own, and now and then a line longer than `scan::MAX_LINE`.
fn mixed_input(rng: &mut Rng, lines: &[Vec<u8>], pieces: usize, long_lines: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..rng.below(pieces) + 1 {
        match rng.below(100) {
            0..=54 => {
                out.extend_from_slice(rng.pick::<Vec<u8>>(lines));
                out.push(b'\n');
            }
            55..=62 => {
                out.extend_from_slice(rng.pick::<Vec<u8>>(lines));
                out.extend_from_slice(b"\r\n");
            }
            63..=70 => {
                out.extend_from_slice(rng.pick::<&[u8]>(&SNIPPETS[8..11]));
                out.push(b'\n');
            }
            71..=76 => {
                let garbage = random_bytes(rng, 120);
                out.extend(garbage.into_iter().filter(|&b| b != b'\n'));
                out.push(b'\n');
            }
            77..=80 => out.extend(std::iter::repeat_n(0u8, rng.below(3000) + 1)),
            81..=84 => {
                // A line cut somewhere, glued to the next.
                let line = rng.pick::<Vec<u8>>(lines);
                out.extend_from_slice(&line[..rng.below(line.len() + 1)]);
            }
            85..=88 => out.extend(std::iter::repeat_n(b'\n', rng.below(20) + 1)),
            89..=91 => {
                let line = rng.pick::<Vec<u8>>(lines);
                out.extend_from_slice(line);
                out.push(b'\r');
            }
            92..=95 => {
                out.extend_from_slice(rng.pick::<&[u8]>(&SNIPPETS));
                out.push(b' ');
                out.extend_from_slice(rng.pick::<Vec<u8>>(lines));
                out.push(b'\n');
            }
            _ if long_lines => {
                // A very long line with anchors inside, far apart.
                let mut long = Vec::new();
                while long.len() < 70_000 + rng.below(60_000) {
                    if rng.chance(2) {
                        long.extend_from_slice(rng.pick::<&[u8]>(&SNIPPETS));
                        long.push(b' ');
                    } else {
                        long.extend(std::iter::repeat_n(b'a' + rng.below(26) as u8, rng.below(4000)));
                        long.push(*rng.pick::<u8>(b" ,;&\"'."));
                    }
                }
                out.extend_from_slice(&long);
                out.push(b'\n');
            }
            _ => out.push(b'\n'),
        }
    }
    if rng.chance(30) && out.last() == Some(&b'\n') {
        out.pop();
    }
    out
}

/// Keeps a failing input for replay and says where.
fn keep_failure(name: &str, input: &[u8]) -> String {
    let dir = repo().join("target/property-failures");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(name);
    let _ = std::fs::write(&path, input);
    path.display().to_string()
}

/// Runs `input` through the whole pipeline: no panic, every byte read, and no secret in the
/// report (leaks already reported and awaiting a fix, `fuzz_support::KNOWN_LEAKS`, are looked
/// past: the regression tests hold them).
fn check_analyze(dir: &Path, name: &str, input: &[u8]) -> Analysis {
    let (analysis, leaked) = match catch_unwind(AssertUnwindSafe(|| leaks(dir, input))) {
        Ok(r) => r,
        Err(_) => panic!("analyze panicked on {}", keep_failure(name, input)),
    };
    let leaked: Vec<String> = leaked
        .into_iter()
        .filter(|run| known_leak(input, run.as_bytes()).is_none())
        .collect();
    assert!(
        leaked.is_empty(),
        "{leaked:?} leaked from {}",
        keep_failure(name, input)
    );
    let bytes: u64 = analysis.inputs.iter().map(|i| i.bytes).sum();
    assert_eq!(bytes, input.len() as u64, "bytes read of {}", keep_failure(name, input));
    analysis
}

#[test]
fn arbitrary_bytes_never_panic_through_analyze() {
    let dir = tempfile::tempdir().unwrap();
    let lines = fixture_lines();
    let mut rng = Rng::new(1);
    for case in 0..80 {
        let input = random_bytes(&mut rng, 4096);
        check_analyze(dir.path(), &format!("random-{case}.bin"), &input);
    }
    for case in 0..60 {
        let input = mixed_input(&mut rng, &lines, 120, case % 10 == 0);
        check_analyze(dir.path(), &format!("mixed-{case}.bin"), &input);
    }
    // Shapes random choice rarely makes.
    let mut nul_then_code = vec![0u8; 300_000];
    nul_then_code.extend_from_slice(b"\nERROR AADSTS50076\n");
    let mut one_long_line = b"2026-11-27T10:04:14Z ".to_vec();
    for i in 0..20_000 {
        one_long_line.extend_from_slice(if i % 997 == 0 { b"AADSTS70016 " } else { b"abcdefgh " });
    }
    let cr_only: Vec<u8> = lines
        .iter()
        .take(400)
        .flat_map(|l| l.iter().copied().chain([b'\r']))
        .collect();
    let crlf: Vec<u8> = lines
        .iter()
        .take(400)
        .flat_map(|l| l.iter().copied().chain(*b"\r\n"))
        .collect();
    for (name, input) in [
        ("nul-then-code", nul_then_code),
        ("one-long-line", one_long_line),
        ("cr-only", cr_only),
        ("crlf", crlf),
        ("only-newlines", vec![b'\n'; 100_000]),
        ("only-cr", vec![b'\r'; 100_000]),
    ] {
        check_analyze(dir.path(), name, &input);
    }
}

/// Per-code counts, every event and the line count are the same for every way of cutting the
/// input into chunks (as long as no line is longer than the largest chunk), and for every way
/// `read` hands out the bytes.
#[test]
fn chunking_does_not_change_the_scan() {
    check_chunking(false);
}

/// The same where every chunk holds more lines than a chunk's context carries (`CONTEXT_LINES`),
/// which is what the scanner assumes today.
#[test]
fn chunking_into_chunks_of_many_lines_does_not_change_the_scan() {
    check_chunking(true);
}

/// Whether some chunk but the last holds `CONTEXT_LINES` line ends or fewer.
fn has_short_chunk(input: &[u8], chunk_size: usize, max_chunk: usize) -> bool {
    let (chunks, _) = fuzz_support::collect_chunks(
        ShortReader::new(input, vec![usize::MAX]),
        chunk_size,
        max_chunk,
        input.len() + 1,
    );
    let n = chunks.len();
    chunks[..n.saturating_sub(1)]
        .iter()
        .any(|c| c.data.iter().filter(|&&b| b == b'\n').count() <= CONTEXT_LINES)
}

fn check_chunking(many_lines_only: bool) {
    let lines = fixture_lines();
    let mut rng = Rng::new(2);
    let mut compared = 0;
    let mut failures: Vec<String> = Vec::new();
    for case in 0..70 {
        let input = if case % 7 == 6 {
            random_bytes(&mut rng, 3000)
        } else {
            mixed_input(&mut rng, &lines, 80, case % 10 == 0)
        };
        let whole = chunked_scan(&input, input.len() + 1, input.len() + 1, &[usize::MAX]);
        assert!(!whole.cut_mid_line);
        let mut configs: Vec<(usize, usize)> =
            vec![(1, 1 << 20), (2, 1 << 20), (7, 1 << 20), (64, 1 << 20), (4096, 1 << 20)];
        configs.push((rng.below(2000) + 1, 1 << 20));
        configs.push((rng.below(200) + 1, rng.below(400) + 1));
        for (chunk_size, max_chunk) in configs {
            let reads: Vec<usize> = (0..rng.below(4) + 1).map(|_| rng.below(300) + 1).collect();
            let name = format!("chunking-{case}-{chunk_size}-{max_chunk}.bin");
            let cut = match catch_unwind(AssertUnwindSafe(|| chunked_scan(&input, chunk_size, max_chunk, &reads))) {
                Ok(d) => d,
                Err(_) => panic!("chunked scan panicked on {}", keep_failure(&name, &input)),
            };
            assert_eq!(
                cut.lines,
                whole.lines,
                "line count with chunks of {chunk_size}/{max_chunk}: {}",
                keep_failure(&name, &input)
            );
            if cut.cut_mid_line {
                // A line longer than the largest chunk is cut: what it says may be lost.
                continue;
            }
            if many_lines_only && has_short_chunk(&input, chunk_size, max_chunk) {
                continue;
            }
            compared += 1;
            if cut != whole {
                let path = keep_failure(&name, &input);
                let what = if cut.tallies != whole.tallies {
                    "code counts"
                } else if cut.events.len() != whole.events.len() {
                    "event count"
                } else {
                    "events"
                };
                failures.push(format!("{what} differ with chunks of {chunk_size}/{max_chunk}: {path}"));
            }
        }
    }
    if let Some(first) = failures.first() {
        let (path, rest) = first.rsplit_once(": ").unwrap();
        let input = std::fs::read(rest).unwrap();
        let whole = chunked_scan(&input, input.len() + 1, input.len() + 1, &[usize::MAX]);
        let sizes: Vec<usize> = path
            .rsplit_once("of ")
            .unwrap()
            .1
            .split('/')
            .map(|n| n.parse().unwrap())
            .collect();
        let cut = chunked_scan(&input, sizes[0], sizes[1], &[usize::MAX]);
        let first_diff = cut.events.iter().zip(&whole.events).find(|(a, b)| a != b);
        panic!(
            "{} of {compared} cuts change the scan:\n{}\nfirst: tallies {:?}\n   vs whole {:?}\nfirst differing event {first_diff:#?}",
            failures.len(),
            failures.join("\n"),
            cut.tallies,
            whole.tallies,
        );
    }
    assert!(
        compared > if many_lines_only { 50 } else { 300 },
        "only {compared} comparisons ran"
    );
}

/// The harness above reads a source the way the pipeline does: with the pipeline's chunk sizes
/// it finds the same code counts and line count as `aadlint::analyze`.
#[test]
fn chunked_scan_agrees_with_analyze() {
    let dir = tempfile::tempdir().unwrap();
    let lines = fixture_lines();
    let mut rng = Rng::new(3);
    for case in 0..25 {
        let input = mixed_input(&mut rng, &lines, 150, false);
        let digest = chunked_scan(&input, CHUNK_SIZE, MAX_CHUNK, &[usize::MAX]);
        let analysis = check_analyze(dir.path(), &format!("agree-{case}.bin"), &input);
        let from_analysis: Vec<(u32, u64, u64, u64, u64)> = analysis
            .codes
            .iter()
            .map(|c| {
                (
                    c.code[6..].parse().unwrap(),
                    c.occurrences,
                    c.bare_occurrences,
                    c.events,
                    c.locations_total,
                )
            })
            .collect();
        let name = format!("agree-{case}.bin");
        assert_eq!(digest.counts, from_analysis, "{}", keep_failure(&name, &input));
        assert_eq!(
            digest.lines,
            analysis.inputs[0].lines,
            "{}",
            keep_failure(&name, &input)
        );
        assert_eq!(digest.newline, source_settings(&input).0);
    }
}

/// The splitter alone, over random bytes, chunk sizes, short reads and interruptions.
#[test]
fn chunk_reader_invariants() {
    let lines = fixture_lines();
    let mut rng = Rng::new(4);
    for case in 0..300 {
        let input = if case % 2 == 0 {
            random_bytes(&mut rng, 2000)
        } else {
            mixed_input(&mut rng, &lines, 20, false)
        };
        let chunk_size = rng.below(70);
        let max_chunk = rng.below(300);
        let reads: Vec<usize> = (0..rng.below(5) + 1).map(|_| rng.below(40)).collect();
        let interrupt_every = rng.below(6);
        let result = catch_unwind(AssertUnwindSafe(|| {
            check_chunk_reader(&input, chunk_size, max_chunk, &reads, interrupt_every);
            fuzz_support::check_chunk_reader_error(&input, chunk_size, max_chunk, &reads, rng.below(input.len() + 1));
        }));
        if result.is_err() {
            panic!(
                "ChunkReader with sizes {chunk_size}/{max_chunk}, reads {reads:?}: {}",
                keep_failure(&format!("chunk-reader-{case}.bin"), &input)
            );
        }
    }
}
