//! Fuzz target (a): `scan::scan_chunk` over arbitrary bytes with `\n` and with `\r` as the line
//! end, in both scan modes (`Mode::Logs`, `Mode::Export`), and `scan::event::parse` over arbitrary bytes taken as one line.
//!
//! Checks: no panic; the newline count is the number of line-end bytes; hits come in line order,
//! within the chunk; excerpts stay short.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| aadlint_fuzz::fuzz_scan_chunk(data));
