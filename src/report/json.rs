//! `--format json`: the [`Analysis`] as one pretty-printed JSON document.

use crate::analysis::Analysis;
use std::io::{self, Write};

/// Writes the report as JSON, keys in declaration order, with a final newline.
pub fn render(analysis: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, analysis).map_err(super::json_error)?;
    writeln!(out)
}
