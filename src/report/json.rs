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
    // A buffer of a known type: through `dyn Write`, every one of the printer's small writes was
    // a call of its own (a tenth of the 43 MB dense bench report's time).
    let mut buffered = io::BufWriter::with_capacity(1 << 16, out);
    super::pretty::to_writer(&mut buffered, &doc).map_err(super::json_error)?;
    writeln!(buffered)?;
    buffered.flush()
}
