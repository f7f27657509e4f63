//! `--format json`: the [`Analysis`] as one pretty-printed JSON document, followed by its time
//! series at the bucket size asked for ([`Style::bucket_minutes`]).

use super::{pretty, Style};
use crate::analysis::{Analysis, Series};
use serde::Serialize;
use std::io::{self, Write};

/// The document: every field of the analysis, then `series`.
#[derive(Serialize)]
struct Document<'a> {
    #[serde(flatten)]
    analysis: &'a Analysis,
    series: Series,
}

/// Writes the report as JSON, keys in declaration order, with a final newline.
pub fn render(analysis: &Analysis, style: Style<'_>, out: &mut dyn Write) -> io::Result<()> {
    let doc = Document {
        analysis,
        series: analysis.series(style.bucket_minutes),
    };
    // The printer buffers what it prints: `out` gets it in large writes. The flows and the
    // findings, most of a large report, are printed side by side on the thread pool.
    let flows = |out: &mut dyn Write, depth| pretty::array_in_parallel(&analysis.flows, depth, out);
    let findings = |out: &mut dyn Write, depth| pretty::array_in_parallel(&analysis.findings, depth, out);
    let splices: [(&str, pretty::Splice); 2] = [("flows", &flows), ("findings", &findings)];
    pretty::to_writer_with(&mut *out, &doc, &splices).map_err(super::json_error)?;
    writeln!(out)
}
