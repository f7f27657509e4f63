//! `--format json`: the [`Analysis`] as one pretty-printed JSON document, followed by its time
//! series at the bucket size asked for ([`Style::bucket_minutes`]).

use super::Style;
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
    // The printer buffers what it prints: `out` gets it in large writes.
    super::pretty::to_writer(&mut *out, &doc).map_err(super::json_error)?;
    writeln!(out)
}
