//! `--format concise` (also `--output-format concise`): one line per result for editors and
//! grep, `path:line: severity[id] message`, then a count. The results are the ones the CI
//! formats carry (every finding, every AADSTS code of severity error), in the same order.

use super::ci::{self, Subject};
use super::Style;
use crate::analysis::Analysis;
use std::io::{self, Write};

/// Writes one line per result and a closing count.
pub fn render(a: &Analysis, style: Style<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut n = 0;
    for r in ci::results(a, style.root) {
        n += 1;
        let at = if r.location.path.is_empty() {
            "-".to_string()
        } else {
            format!("{}:{}", r.location.path, r.location.line)
        };
        let message = match r.subject {
            Subject::Finding(f) => format!("{} (flow {})", f.title.trim_end_matches('.'), f.flow),
            Subject::Code(c) => format!(
                "{}{}: {} failure(s)",
                c.name,
                if c.name.is_empty() { c.meaning.as_str() } else { "" },
                c.failures
            ),
        };
        writeln!(out, "{at}: {}[{}] {message}", r.severity, r.rule_id)?;
    }
    for i in a.inputs.iter().filter(|i| i.error.is_some()) {
        writeln!(
            out,
            "{}: error[unreadable] {}",
            i.path,
            i.error.as_deref().unwrap_or_default()
        )?;
    }
    writeln!(out, "Found {n} result{}.", if n == 1 { "" } else { "s" })
}
