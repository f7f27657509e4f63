//! Fuzz target (a): `scan::scan_chunk` over arbitrary bytes with `\n` and with `\r` as the line
//! end, in both scan modes (`Mode::Logs`, `Mode::Export`), and `scan::line::parse` over arbitrary bytes taken as one line.
//!
//! Checks: no panic; the newline count is the number of line-end bytes; hits come in line order,
//! within the chunk; excerpts stay short.
#![no_main]

use aadlint::scan::line::{parse, EXCERPT_CHARS};
use aadlint::scan::{scan_chunk, Mode, MAX_LINE};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for (newline, mode) in [
        (b'\n', Mode::Logs),
        (b'\r', Mode::Logs),
        (b'\n', Mode::Export),
        (b'\r', Mode::Export),
    ] {
        let scan = scan_chunk(data, newline, mode);
        let ends = data.iter().filter(|&&b| b == newline).count() as u64;
        assert_eq!(scan.newlines, ends, "newline count");
        let mut last = 0;
        for hit in &scan.hits {
            assert!(hit.line >= last, "hits out of line order");
            assert!(hit.line <= ends, "hit on line {} of a chunk of {ends} line ends", hit.line);
            assert!(hit.excerpt.chars().count() <= EXCERPT_CHARS + 4, "excerpt too long");
            last = hit.line;
        }
    }
    if data.len() <= MAX_LINE {
        let hit = parse(data);
        assert!(hit.excerpt.chars().count() <= EXCERPT_CHARS + 4, "excerpt too long");
    }
});
