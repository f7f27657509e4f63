//! Properties over generated input, with `proptest` (a fixed seed, so every run checks the same
//! cases; set `PROPTEST_RNG_SEED` to explore others, `PROPTEST_CASES` to run more): arbitrary
//! bytes never panic through `aadlint::analyze` and leak no secret, and where the input is cut
//! into chunks never changes what the scan finds. A failure is shrunk to a small input, which is
//! also written to `target/property-failures/` for replay.
//!
//! The chunking property drives the real scan driver with its chunk-size option
//! (`ScanOptions::chunking`; see `chunked_scan` in `tests/support/fuzz.rs`); short reads are
//! the chunk splitter's own property below.

#[allow(dead_code)]
#[path = "support/fuzz.rs"]
mod fuzz_support;

use aadlint::analysis::Analysis;
use aadlint::input::{CHUNK_SIZE, CONTEXT_LINES, MAX_CHUNK};
use fuzz_support::{check_chunk_reader, chunked_scan, known_leak, leaks, ShortReader};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// A runner for `cases` cases from a fixed seed (or `PROPTEST_RNG_SEED`).
fn runner(cases: u32) -> TestRunner {
    let seed = std::env::var("PROPTEST_RNG_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x00AA_D15E_ED00_0001u64);
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(cases);
    TestRunner::new(Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        max_shrink_iters: 200,
        ..Config::default()
    })
}

/// Runs a property; a failure panics with proptest's minimal case.
fn check<S: Strategy>(cases: u32, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    if let Err(e) = runner(cases).run(&strategy, test) {
        let text = e.to_string();
        // The inputs are bytes: their Debug form can be long.
        panic!("{}", text.chars().take(4000).collect::<String>());
    }
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every line of every fixture (without its line end), for building realistic input.
fn fixture_lines() -> &'static [Vec<u8>] {
    static LINES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    LINES.get_or_init(read_fixture_lines)
}

fn read_fixture_lines() -> Vec<Vec<u8>> {
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

/// One piece of unstructured bytes, biased towards line ends, NULs, digits and the literals the
/// scanner looks for.
fn byte_piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => select(b"\n\r\0\t \"{}=:,".to_vec()).prop_map(|b| vec![b]),
        1 => select(SNIPPETS.to_vec()).prop_map(<[u8]>::to_vec),
        3 => (b'0'..=b'9').prop_map(|d| vec![d]),
        5 => any::<u8>().prop_map(|b| vec![b]),
    ]
}

/// Bytes with no structure, about `max` long at most.
fn random_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(byte_piece(), 0..=max).prop_map(|pieces| pieces.concat())
}

/// A fixture line.
fn line() -> impl Strategy<Value = Vec<u8>> {
    select(fixture_lines())
}

/// A very long line with anchors inside, far apart.
fn long_line() -> impl Strategy<Value = Vec<u8>> {
    let run = (b'a'..=b'z', 0..4000usize, select(b" ,;&\"'.".to_vec())).prop_map(|(c, n, sep)| {
        let mut run = vec![c; n];
        run.push(sep);
        run
    });
    let piece = prop_oneof![
        1 => select(SNIPPETS.to_vec()).prop_map(|s| [s, b" "].concat()),
        49 => run,
    ];
    vec(piece, 35..70).prop_map(|pieces| {
        let mut long = pieces.concat();
        while long.len() < 70_000 {
            long.extend_from_slice(b"padding ");
        }
        long.push(b'\n');
        long
    })
}

/// One piece of a mixed input: lines of real logs and garbage (NUL runs, invalid UTF-8, CRLF
/// and CR line ends, lines cut short, continuation lines on their own), now and then a line
/// longer than `scan::MAX_LINE`.
fn mixed_piece(long_lines: bool) -> impl Strategy<Value = Vec<u8>> {
    let long = if long_lines {
        long_line().boxed()
    } else {
        Just(b"\n".to_vec()).boxed()
    };
    prop_oneof![
        55 => line().prop_map(|l| [l.as_slice(), b"\n"].concat()),
        8 => line().prop_map(|l| [l.as_slice(), b"\r\n"].concat()),
        8 => select(SNIPPETS[8..11].to_vec()).prop_map(|s| [s, b"\n"].concat()),
        6 => random_bytes(120).prop_map(|g| {
            let mut g: Vec<u8> = g.into_iter().filter(|&b| b != b'\n').collect();
            g.push(b'\n');
            g
        }),
        4 => (1..=3000usize).prop_map(|n| vec![0u8; n]),
        4 => (line(), any::<Index>()).prop_map(|(l, at)| l[..at.index(l.len() + 1)].to_vec()),
        4 => (1..=20usize).prop_map(|n| vec![b'\n'; n]),
        3 => line().prop_map(|l| [l.as_slice(), b"\r"].concat()),
        4 => (select(SNIPPETS.to_vec()), line()).prop_map(|(s, l)| [s, b" ", l.as_slice(), b"\n"].concat()),
        4 => long,
    ]
}

/// Up to `pieces` pieces; three times in ten without the final line end.
fn mixed_input(pieces: usize, long_lines: bool) -> impl Strategy<Value = Vec<u8>> {
    (vec(mixed_piece(long_lines), 1..=pieces), 0..10u8).prop_map(|(pieces, cut)| {
        let mut out = pieces.concat();
        if cut < 3 && out.last() == Some(&b'\n') {
            out.pop();
        }
        out
    })
}

/// Mixed input, one case in ten with very long lines.
fn mixed_input_sometimes_long(pieces: usize) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![9 => mixed_input(pieces, false), 1 => mixed_input(pieces, true)]
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
    check(80, random_bytes(4096), |input| {
        check_analyze(dir.path(), "random.bin", &input);
        Ok(())
    });
    check(60, mixed_input_sometimes_long(120), |input| {
        check_analyze(dir.path(), "mixed.bin", &input);
        Ok(())
    });
}

/// Shapes random choice rarely makes.
#[test]
fn rare_shapes_never_panic_through_analyze() {
    let dir = tempfile::tempdir().unwrap();
    let lines = fixture_lines();
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

/// Ways to cut an input: chunk size and largest chunk.
fn cuts() -> impl Strategy<Value = Vec<(usize, usize)>> {
    let fixed = [1usize, 2, 7, 64, 4096].map(|size| (Just(size), Just(1usize << 20)));
    (fixed, (1..=2000usize, Just(1usize << 20)), (1..=200usize, 1..=400usize))
        .prop_map(|(fixed, any_size, small)| fixed.into_iter().chain([any_size, small]).collect())
}

fn check_chunking(many_lines_only: bool) {
    let compared = AtomicUsize::new(0);
    let input = prop_oneof![1 => random_bytes(3000), 6 => mixed_input_sometimes_long(80)];
    let dir = tempfile::tempdir().unwrap();
    check(70, (input, cuts()), |(input, cuts)| {
        let whole = chunked_scan(dir.path(), &input, input.len() + 1, input.len() + 1);
        prop_assert!(!whole.cut_mid_line);
        for (chunk_size, max_chunk) in cuts {
            let name = format!("chunking-{chunk_size}-{max_chunk}.bin");
            let cut = chunked_scan(dir.path(), &input, chunk_size, max_chunk);
            prop_assert_eq!(
                cut.lines,
                whole.lines,
                "line count with chunks of {}/{}: {}",
                chunk_size,
                max_chunk,
                keep_failure(&name, &input)
            );
            if cut.cut_mid_line {
                // A line longer than the largest chunk is cut: what it says may be lost.
                continue;
            }
            if many_lines_only && has_short_chunk(&input, chunk_size, max_chunk) {
                continue;
            }
            compared.fetch_add(1, Ordering::Relaxed);
            if cut != whole {
                let path = keep_failure(&name, &input);
                let what = if cut.tallies != whole.tallies {
                    "code counts"
                } else if cut.events.len() != whole.events.len() {
                    "event count"
                } else {
                    "events"
                };
                let first_diff = cut.events.iter().zip(&whole.events).find(|(a, b)| a != b);
                return Err(TestCaseError::fail(format!(
                    "{what} differ with chunks of {chunk_size}/{max_chunk}: {path}\ntallies {:?}\n  vs whole {:?}\nfirst differing event {first_diff:#?}",
                    cut.tallies, whole.tallies
                )));
            }
        }
        Ok(())
    });
    let compared = compared.into_inner();
    assert!(
        compared > if many_lines_only { 50 } else { 300 },
        "only {compared} comparisons ran"
    );
}

/// One record of a generated Kubernetes CRI log: a fixture line written on stream 0 (stdout) or
/// 1 (stderr), cut into fragments of a size (`None`: whole), and how it is written: 0 as the
/// runtime writes it, 1 without its final `F` line (a container that stopped mid-line), 2 with
/// the next record's fragments between its own (both streams written at once; the same stream's
/// record then goes on this one's run), 3 as a raw line with no CRI prefix.
type CriRecord = (Vec<u8>, usize, Option<usize>, u8);

fn cri_record() -> impl Strategy<Value = CriRecord> {
    let size = prop_oneof![1 => Just(None), 4 => (1..=90usize).prop_map(Some)];
    (
        line(),
        0..2usize,
        size,
        prop_oneof![10 => Just(0u8), 1 => Just(1), 4 => Just(2), 1 => Just(3)],
    )
}

/// The CRI lines of `records`, and the same log with every record on one line (`F` alone), which
/// is what the fragments join into when every run is ended and no raw line stands in one.
fn cri_log(records: &[CriRecord]) -> (Vec<u8>, Vec<u8>) {
    let stream = |s: usize| if s == 0 { "stdout" } else { "stderr" };
    let fragments = |(line, s, size, how): &CriRecord| -> Vec<Vec<u8>> {
        if *how == 3 {
            return vec![[line.as_slice(), b"\n"].concat()];
        }
        let pieces: Vec<&[u8]> = match size {
            Some(n) if !line.is_empty() => line.chunks(*n).collect(),
            _ => vec![line.as_slice()],
        };
        let last = pieces.len() - 1;
        pieces
            .iter()
            .enumerate()
            .filter(|&(k, _)| !(k == last && *how == 1))
            .map(|(k, piece)| {
                let tag = if k < last || *how == 1 { 'P' } else { 'F' };
                let head = format!("2026-11-27T10:04:14.{k:09}Z {} {tag} ", stream(*s));
                [head.as_bytes(), piece, b"\n"].concat()
            })
            .collect()
    };
    let mut split = Vec::new();
    let mut i = 0;
    while i < records.len() {
        let mut mine = fragments(&records[i]).into_iter();
        if records[i].3 == 2 && i + 1 < records.len() {
            let mut theirs = fragments(&records[i + 1]).into_iter();
            loop {
                let (a, b) = (mine.next(), theirs.next());
                if a.is_none() && b.is_none() {
                    break;
                }
                split.extend(a.into_iter().chain(b).flatten());
            }
            i += 2;
        } else {
            split.extend(mine.flatten());
            i += 1;
        }
    }
    let whole = records
        .iter()
        .flat_map(|(line, s, _, _)| {
            [
                format!("2026-11-27T10:04:14.000000000Z {} F ", stream(*s)).into_bytes(),
                line.clone(),
                b"\n".to_vec(),
            ]
        })
        .flatten()
        .collect();
    (split, whole)
}

/// A CRI log whose long lines are cut into `P` and `F` fragments, with the other stream's lines
/// between them, runs never ended and raw lines: where chunks are cut (inside runs, between a run
/// and its end) never changes what the scan finds, as for any input, and no secret leaks.
#[test]
fn chunking_does_not_change_the_scan_of_cri_fragments() {
    let compared = AtomicUsize::new(0);
    let dir = tempfile::tempdir().unwrap();
    check(40, (vec(cri_record(), 1..=50), cuts()), |(records, cuts)| {
        let (input, _) = cri_log(&records);
        // Joined records are quoted redacted: a secret cut between fragments does not leak.
        check_analyze(dir.path(), "cri-fragments.log", &input);
        let whole = chunked_scan(dir.path(), &input, input.len() + 1, input.len() + 1);
        for (chunk_size, max_chunk) in cuts {
            let cut = chunked_scan(dir.path(), &input, chunk_size, max_chunk);
            if cut.cut_mid_line {
                continue;
            }
            compared.fetch_add(1, Ordering::Relaxed);
            if cut != whole {
                let path = keep_failure(&format!("cri-chunking-{chunk_size}-{max_chunk}.log"), &input);
                let first_diff = cut.events.iter().zip(&whole.events).find(|(a, b)| a != b);
                return Err(TestCaseError::fail(format!(
                    "chunks of {chunk_size}/{max_chunk} differ: {path}\ntallies {:?}\n  vs whole {:?}\nfirst differing event {first_diff:#?}",
                    cut.tallies, whole.tallies
                )));
            }
        }
        Ok(())
    });
    assert!(compared.into_inner() > 150);
}

/// Fragments joined give the codes of the lines they were cut from: a CRI log with every run
/// ended and no raw line counts each code as often as the same log with every record whole,
/// however small the fragments (a code cut in two is still found once).
#[test]
fn cri_fragments_count_the_codes_of_the_whole_lines() {
    let dir = tempfile::tempdir().unwrap();
    let record = cri_record().prop_map(|(line, s, size, how)| (line, s, size, if how == 2 { 2 } else { 0 }));
    check(60, vec(record, 1..=40), |mut records| {
        // Two records written at once are on the two streams, as a runtime writes them: on one
        // stream their fragments would join into one mixed line, which no runtime writes and
        // whose codes are not those of the two lines.
        let mut i = 0;
        while i + 1 < records.len() {
            if records[i].3 == 2 {
                records[i + 1].1 = 1 - records[i].1;
                i += 2;
            } else {
                i += 1;
            }
        }
        let (split, whole) = cri_log(&records);
        let (a, b) = (
            chunked_scan(dir.path(), &split, CHUNK_SIZE, MAX_CHUNK),
            chunked_scan(dir.path(), &whole, CHUNK_SIZE, MAX_CHUNK),
        );
        prop_assert_eq!(&a.counts, &b.counts, "{}", keep_failure("cri-split.log", &split));
        Ok(())
    });
}

/// A file read as one stream in the usual chunks finds the same code counts and line count as
/// `aadlint::analyze`, which reads it in ranges.
#[test]
fn chunked_scan_agrees_with_analyze() {
    let dir = tempfile::tempdir().unwrap();
    check(25, mixed_input(150, false), |input| {
        let digest = chunked_scan(dir.path(), &input, CHUNK_SIZE, MAX_CHUNK);
        let analysis = check_analyze(dir.path(), "agree.bin", &input);
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
        prop_assert_eq!(&digest.counts, &from_analysis, "{}", keep_failure("agree.bin", &input));
        prop_assert_eq!(
            digest.lines,
            analysis.inputs[0].lines,
            "{}",
            keep_failure("agree.bin", &input)
        );
        Ok(())
    });
}

/// The splitter alone, over random bytes, chunk sizes, short reads and interruptions.
#[test]
fn chunk_reader_invariants() {
    let input = prop_oneof![random_bytes(2000), mixed_input(20, false)];
    let shape = (
        0..70usize,
        0..300usize,
        vec(0..40usize, 1..=5),
        0..6usize,
        any::<Index>(),
    );
    check(
        300,
        (input, shape),
        |(input, (chunk_size, max_chunk, reads, interrupt_every, fail_at))| {
            let result = catch_unwind(AssertUnwindSafe(|| {
                check_chunk_reader(&input, chunk_size, max_chunk, &reads, interrupt_every);
                fuzz_support::check_chunk_reader_error(
                    &input,
                    chunk_size,
                    max_chunk,
                    &reads,
                    fail_at.index(input.len() + 1),
                );
            }));
            match result {
                Ok(()) => Ok(()),
                Err(_) => Err(TestCaseError::fail(format!(
                    "ChunkReader with sizes {chunk_size}/{max_chunk}, reads {reads:?}: {}",
                    keep_failure("chunk-reader.bin", &input)
                ))),
            }
        },
    );
}
