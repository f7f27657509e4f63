//! `--format table`: the readable report. Codes, then device code flows, then findings with
//! their evidence and fixes, then a footer that accounts for every input.

use super::Style;
use crate::analysis::Analysis;
use crate::model::Severity;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Attribute, Cell, ContentArrangement, Table};
use std::io::{self, Write};

fn new_table(style: Style<'_>, header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(style.width);
    if style.color {
        t.enforce_styling();
        t.set_header(header.iter().map(|h| Cell::new(h).add_attribute(Attribute::Bold)));
    } else {
        t.force_no_tty();
        t.set_header(header.iter().map(Cell::new));
    }
    t
}

/// One finding as a block, the way compilers print a diagnostic.
fn finding(f: &crate::analysis::Finding, style: Style<'_>, fix_shown: bool, out: &mut dyn Write) -> io::Result<()> {
    let label = format!("{}[{}]", f.severity, f.cause);
    if style.color {
        let code = match f.severity {
            Severity::Error => "31",
            Severity::Warning => "33",
            Severity::Info => "34",
        };
        writeln!(out, "\x1b[1;{code}m{label}\x1b[0m\x1b[1m: {}\x1b[0m", f.title)?;
    } else {
        writeln!(out, "{label}: {}", f.title)?;
    }
    writeln!(out, "  flow:     {}", f.flow)?;
    writeln!(out, "  workers:  {}", f.workers.join(", "))?;
    writeln!(out, "  seen:     {}", f.message)?;
    if !f.follows.is_empty() {
        writeln!(
            out,
            "  follows:  {} (consequences of this root cause)",
            f.follows.join(", ")
        )?;
    }
    writeln!(out, "  evidence:")?;
    for e in &f.evidence {
        writeln!(out, "    {}:{}  {}", e.path, e.line, e.excerpt)?;
    }
    if fix_shown {
        writeln!(
            out,
            "  fix:      as above; `aadlint explain {}` has the details",
            f.cause
        )?;
    } else {
        writeln!(out, "  fix:")?;
        for line in f.fix.lines() {
            if line.trim().is_empty() {
                writeln!(out)?;
            } else {
                writeln!(out, "    {line}")?;
            }
        }
    }
    Ok(())
}

fn heading(out: &mut dyn Write, title: &str, style: Style<'_>) -> io::Result<()> {
    if style.color {
        writeln!(out, "\x1b[1m{title}\x1b[0m")
    } else {
        writeln!(out, "{title}")
    }
}

/// The first sentence of a text, at most `max` characters.
fn first_sentence(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let end = text.find(". ").map_or(text.len(), |i| i + 1);
    let s = &text[..end];
    if s.chars().count() > max {
        let cut: String = s.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        s.to_string()
    }
}

/// Writes the table report.
pub fn render(a: &Analysis, style: Style<'_>, out: &mut dyn Write) -> io::Result<()> {
    if a.codes.is_empty() {
        writeln!(out, "No AADSTS codes found.")?;
    } else {
        heading(out, "AADSTS codes", style)?;
        let mut t = new_table(
            style,
            &[
                "Code",
                "Name",
                "Meaning",
                "Fixed by",
                "Seen",
                "Failures",
                "First seen",
                "First fix",
            ],
        );
        for c in a.codes_by_importance() {
            let first = c
                .locations
                .first()
                .map_or(String::new(), |l| format!("{}:{}", l.path, l.line));
            let fix = c
                .fix
                .as_deref()
                .map_or_else(|| "see `aadlint explain`".to_string(), |f| first_sentence(f, 90));
            t.add_row(vec![
                Cell::new(&c.code),
                Cell::new(&c.name),
                Cell::new(&c.meaning),
                Cell::new(&c.fixed_by),
                Cell::new(c.occurrences + c.bare_occurrences),
                Cell::new(c.failures),
                Cell::new(first),
                Cell::new(fix),
            ]);
        }
        writeln!(out, "{t}")?;
    }

    if !a.flows.is_empty() {
        writeln!(out)?;
        heading(out, "Device code flows", style)?;
        let mut t = new_table(
            style,
            &["Flow", "Client", "Workers", "Start", "Polls", "Outcome", "Findings"],
        );
        for f in &a.flows {
            t.add_row(vec![
                Cell::new(&f.id),
                Cell::new(f.client.as_deref().unwrap_or("-")),
                Cell::new(f.workers.join("\n")),
                Cell::new(format!("{}:{}", f.start.path, f.start.line)),
                Cell::new(f.polls),
                Cell::new(f.outcome),
                Cell::new(if f.findings.is_empty() {
                    "-".to_string()
                } else {
                    f.findings.join("\n")
                }),
            ]);
        }
        writeln!(out, "{t}")?;
    }

    if a.findings.iter().any(|f| f.suppressed.is_none()) {
        writeln!(out)?;
        heading(out, "Findings", style)?;
        let mut fixes_shown: Vec<&str> = Vec::new();
        for f in a.findings.iter().filter(|f| f.suppressed.is_none()) {
            writeln!(out)?;
            finding(f, style, fixes_shown.contains(&f.cause.as_str()), out)?;
            fixes_shown.push(&f.cause);
        }
    }

    writeln!(out)?;
    let s = &a.summary;
    writeln!(
        out,
        "Scanned {} input(s), {}, {} line(s): {} code(s) in {} failure(s), {} device code flow(s), {} finding(s) ({} error, {} warning, {} info).",
        s.inputs,
        human_bytes(s.bytes),
        s.lines,
        s.codes,
        s.failures,
        s.flows,
        s.findings.error + s.findings.warning + s.findings.info,
        s.findings.error,
        s.findings.warning,
        s.findings.info
    )?;
    for i in a.inputs.iter().filter(|i| i.error.is_some()) {
        writeln!(out, "{}", super::unreadable(&i.path, i.error.as_deref()))?;
    }
    if let Some(note) = super::events_dropped(&a.limits) {
        writeln!(out, "Note: {note}")?;
    }
    for note in super::suppression_notes(a) {
        writeln!(out, "Note: {note}")?;
    }
    Ok(())
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}
