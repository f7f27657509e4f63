//! Fuzz target (c): the structured parsers. `scan::export::CsvHeader::parse` and `read_row`, and
//! the JSON-lines, device code response, HTTP trace, syslog, klog and sign-in export shapes
//! through `scan::line::parse`, behind a line prefix the fuzzer picks from
//! `aadlint_fuzz::TEMPLATES`.
//!
//! Input layout: byte 0 picks the template; the rest is the fuzzed text. For the CSV parsers the
//! text is cut at its first `\n` into a header and a row.
#![no_main]

use aadlint::scan::export::CsvHeader;
use aadlint::scan::line::{parse, LineHit};
use aadlint::scan::{scan_chunk, Mode};
use aadlint_fuzz::TEMPLATES;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    // CSV: the fuzzed bytes as a header, and as a row under a real header and under their own.
    let (head, row) = match rest.iter().position(|&b| b == b'\n') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, rest),
    };
    let row_text = String::from_utf8_lossy(row);
    if let Some(header) = CsvHeader::parse(head) {
        header.read_row(&row_text, &mut LineHit::default());
    }
    let real = CsvHeader::parse(TEMPLATES[7]).expect("the template is a sign-in export header");
    real.read_row(&row_text, &mut LineHit::default());

    // A templated line, parsed alone and scanned as a chunk (with the CSV header before it).
    let template = TEMPLATES[usize::from(pick) % TEMPLATES.len()];
    let mut line = template.to_vec();
    line.extend_from_slice(rest);
    let _ = parse(&line);
    let mut chunk = TEMPLATES[7].to_vec();
    chunk.push(b'\n');
    chunk.extend_from_slice(&line);
    chunk.push(b'\n');
    let _ = scan_chunk(&chunk, b'\n', Mode::Export);
    let _ = scan_chunk(&line, b'\n', Mode::Logs);
});
