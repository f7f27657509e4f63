//! Fuzz target (c): the structured parsers. `scan::export::CsvHeader::parse` and `read_row`, and
//! the JSON-lines, device code response, HTTP trace, syslog, klog and sign-in export shapes
//! through `scan::event::parse`, behind a line prefix the fuzzer picks from
//! `aadlint_fuzz::TEMPLATES`.
//!
//! Input layout: byte 0 picks the template; the rest is the fuzzed text. For the CSV parsers the
//! text is cut at its first `\n` into a header and a row.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| aadlint_fuzz::fuzz_structured(data));
