//! Report: renders one [`Analysis`] in the format the user asked for. Renderers only render; no
//! analysis happens here.

mod explain;
mod json;
mod table;

pub use explain::{explain_cause, explain_code, rules_json, rules_table};

use crate::analysis::Analysis;
use std::io::{self, Write};

/// Output formats of `aadlint scan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Readable tables (the default).
    Table,
    /// One versioned JSON document.
    Json,
}

/// Rendering options.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    /// Use ANSI colours.
    pub color: bool,
    /// Table width in columns.
    pub width: u16,
}

/// Writes the report.
pub fn render(analysis: &Analysis, format: Format, style: Style, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Table => table::render(analysis, style, out),
        Format::Json => json::render(analysis, out),
    }
}
