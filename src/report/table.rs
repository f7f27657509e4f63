//! `--format table`: the report a person reads first. The summary, then findings worst first
//! (one block per cause, however many flows show it), then the codes, then the flows with
//! problems; everything fits [`Style::width`].

use super::text::{self, Column, Grid};
use super::Style;
use crate::analysis::{Analysis, Finding};
use crate::model::{CauseId, Severity};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// How many causes and codes the summary names before `+N more`.
const SUMMARY_TOP: usize = 4;

/// How many evidence lines a finding shows without `--verbose`.
const SHORT_EVIDENCE: usize = 1;

/// How many flow ids a finding lists without `--verbose`.
const SHORT_FLOWS: usize = 3;

/// How many codes the table lists without `--top`.
pub const DEFAULT_TOP: usize = 7;

/// How many flows with findings the table lists without `--top`: the findings above already
/// name them.
pub const DEFAULT_TOP_FLOWS: usize = 5;

/// Findings of one cause, worst first; each group is shown once.
struct Group<'a> {
    /// The findings, in report order (by flow).
    findings: Vec<&'a Finding>,
}

impl<'a> Group<'a> {
    fn first(&self) -> &'a Finding {
        self.findings[0]
    }
}

/// The findings grouped by cause, worst first: by severity, then by how many flows show the
/// cause, then by cause id. Suppressed findings are left out (the summary counts them).
fn groups(a: &Analysis) -> Vec<Group<'_>> {
    let mut by_cause: BTreeMap<(&str, Severity), Vec<&Finding>> = BTreeMap::new();
    for f in a.findings.iter().filter(|f| f.suppressed.is_none()) {
        by_cause.entry((f.cause.as_str(), f.severity)).or_default().push(f);
    }
    let mut groups: Vec<Group<'_>> = by_cause.into_values().map(|findings| Group { findings }).collect();
    groups.sort_by(|x, y| {
        y.first()
            .severity
            .cmp(&x.first().severity)
            .then(y.findings.len().cmp(&x.findings.len()))
            .then(x.first().cause.cmp(&y.first().cause))
    });
    groups
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 flow`, `3 flows`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n as u64), if n == 1 { one } else { many })
}

fn paint(style: Style<'_>, sgr: &str, text: &str) -> String {
    if style.color {
        format!("\x1b[{sgr}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

fn severity_sgr(s: Severity) -> &'static str {
    match s {
        Severity::Error => "1;31",
        Severity::Warning => "1;33",
        Severity::Info => "1;34",
    }
}

fn heading(out: &mut dyn Write, title: &str, style: Style<'_>) -> io::Result<()> {
    for line in text::wrap(title, style.width as usize) {
        writeln!(out, "{}", paint(style, "1", &line))?;
    }
    Ok(())
}

/// The label column of a finding block (`  evidence: `), and its width.
const LABEL: usize = 12;

fn label(name: &str) -> String {
    format!("  {:<w$}", format!("{name}:"), w = LABEL - 2)
}

/// One cause, however many flows show it, the way a compiler prints a diagnostic.
fn finding(g: &Group<'_>, style: Style<'_>, out: &mut dyn Write) -> io::Result<()> {
    let f = g.first();
    let width = style.width as usize;
    let rest = " ".repeat(LABEL);
    let head = format!("{}[{}]", f.severity, f.cause);
    let lines = text::wrap(&format!("{head}: {}", f.title), width);
    for (i, line) in lines.iter().enumerate() {
        if i == 0 && line.starts_with(&head) {
            let tail = &line[head.len()..];
            writeln!(
                out,
                "{}{}",
                paint(style, severity_sgr(f.severity), &head),
                paint(style, "1", tail)
            )?;
        } else {
            writeln!(out, "{}", paint(style, "1", line))?;
        }
    }
    // The flows: one, or how many share the cause and which.
    let n = g.findings.len();
    let ids: Vec<&str> = g.findings.iter().map(|x| x.flow.as_str()).collect();
    let shown = if style.verbose {
        ids.len()
    } else {
        SHORT_FLOWS.min(ids.len())
    };
    let mut list = ids[..shown].join(", ");
    if shown < ids.len() {
        list.push_str(&format!(
            ", +{} more (--verbose)",
            thousands((ids.len() - shown) as u64)
        ));
    }
    if n == 1 {
        text::write_wrapped(out, &label("flow"), &rest, &list, width)?;
    } else {
        text::write_wrapped(
            out,
            &label("flows"),
            &rest,
            &format!("{}, same cause: {list}", count(n, "flow", "flows")),
            width,
        )?;
    }
    text::write_wrapped(out, &label("seen"), &rest, &f.message, width)?;
    // One worker is the file of the evidence; several are the point (shared flows).
    if f.workers.len() > 1 || (style.verbose && !f.workers.is_empty()) {
        text::write_wrapped(out, &label("workers"), &rest, &f.workers.join(", "), width)?;
    }
    // What follows from the cause is in the JSON report and `--verbose`: the default stays short.
    if style.verbose && !f.follows.is_empty() {
        text::write_wrapped(
            out,
            &label("follows"),
            &rest,
            &format!("{} (consequences of this cause)", CauseId::join(&f.follows, ", ")),
            width,
        )?;
    }
    let evidence = if style.verbose {
        &f.evidence[..]
    } else {
        &f.evidence[..SHORT_EVIDENCE.min(f.evidence.len())]
    };
    for (i, e) in evidence.iter().enumerate() {
        let name = if i == 0 { label("evidence") } else { rest.clone() };
        text::write_wrapped(out, &name, &rest, &format!("{}:{}", e.path, e.line), width)?;
        let quote = "    ";
        let room = width.saturating_sub(LABEL + quote.len()).max(text::UNSPLIT_WORD);
        writeln!(out, "{rest}{quote}{}", text::excerpt(&e.excerpt, room))?;
    }
    if style.verbose {
        writeln!(out, "{}", label("fix").trim_end())?;
        for line in f.fix.lines() {
            if line.trim().is_empty() {
                writeln!(out)?;
            } else if line.starts_with("    ") {
                text::write_verbatim(out, &rest, line, width)?;
            } else {
                text::write_wrapped(out, &rest, &format!("{rest}   "), line, width)?;
            }
        }
    } else {
        let step = short_step(&super::ci::first_step(&f.fix));
        let more = format!("(all steps: aadlint explain {})", f.cause);
        text::write_wrapped(out, &label("fix"), &rest, &format!("{step} {more}"), width)?;
    }
    Ok(())
}

/// The longest first step shown without `--verbose`, in characters (about two lines).
const SHORT_STEP: usize = 150;

/// A first step cut to whole sentences of at most [`SHORT_STEP`] characters (at least one
/// sentence, and before any list it introduces).
fn short_step(step: &str) -> String {
    let step = match step.find(": - ") {
        Some(i) => return format!("{} …", &step[..=i]),
        None => step,
    };
    if step.chars().count() <= SHORT_STEP {
        return step.to_string();
    }
    let mut end = 0;
    for (i, _) in step.match_indices(". ") {
        if end > 0 && i + 1 > SHORT_STEP {
            break;
        }
        end = i + 1;
    }
    if end == 0 {
        step.to_string()
    } else {
        format!("{} …", &step[..end])
    }
}

/// `name 12, name 3, +2 more`.
fn top_list(items: &[(String, u64)], top: usize) -> String {
    let mut parts: Vec<String> = items
        .iter()
        .take(top)
        .map(|(name, n)| format!("{name} {}", thousands(*n)))
        .collect();
    if items.len() > top {
        parts.push(format!("+{} more", items.len() - top));
    }
    if parts.is_empty() {
        "none".to_string()
    } else {
        parts.join(", ")
    }
}

/// The summary: counts by severity, top causes and codes, flows by outcome, inputs.
fn summary(a: &Analysis, groups: &[Group<'_>], style: Style<'_>, out: &mut dyn Write) -> io::Result<()> {
    let width = style.width as usize;
    let rest = " ".repeat(LABEL);
    let s = &a.summary;
    heading(out, "Summary", style)?;
    let total = s.findings.error + s.findings.warning + s.findings.info;
    let findings = if total == 0 {
        "no root cause found".to_string()
    } else {
        // No colour inside text that is wrapped: escape codes would count as columns.
        let mut parts = Vec::new();
        for (n, name) in [
            (s.findings.error, "error"),
            (s.findings.warning, "warning"),
            (s.findings.info, "info"),
        ] {
            if n > 0 {
                parts.push(format!("{} {name}", thousands(n as u64)));
            }
        }
        format!("{} ({})", thousands(total as u64), parts.join(", "))
    };
    text::write_wrapped(out, &label("findings"), &rest, &findings, width)?;
    if !groups.is_empty() {
        let causes: Vec<(String, u64)> = groups
            .iter()
            .map(|g| (g.first().cause.to_string(), g.findings.len() as u64))
            .collect();
        text::write_wrapped(out, &label("causes"), &rest, &top_list(&causes, SUMMARY_TOP), width)?;
    }
    let codes: Vec<(String, u64)> = a
        .codes_by_importance()
        .iter()
        .filter(|c| c.failures > 0)
        .map(|c| (c.code.clone(), c.failures))
        .collect();
    let code_line = if a.codes.is_empty() {
        "no AADSTS code found".to_string()
    } else {
        let mut line = format!(
            "{} in {}",
            count(s.failures, "failure", "failures"),
            count(a.codes.len(), "code", "codes")
        );
        if !codes.is_empty() {
            line.push_str(&format!(": {}", top_list(&codes, SUMMARY_TOP)));
        }
        if s.pending > 0 {
            line.push_str(&format!(
                "; {} (authorization_pending: not a failure)",
                count(s.pending, "pending response", "pending responses")
            ));
        }
        line
    };
    text::write_wrapped(out, &label("codes"), &rest, &code_line, width)?;
    if !a.flows.is_empty() {
        let mut outcomes: Vec<(String, u64)> = Vec::new();
        for f in &a.flows {
            match outcomes.iter_mut().find(|(o, _)| o == f.outcome) {
                Some((_, n)) => *n += 1,
                None => outcomes.push((f.outcome.to_string(), 1)),
            }
        }
        outcomes.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
        let healthy = a.flows.iter().filter(|f| f.findings.is_empty()).count();
        let list: Vec<String> = outcomes.iter().map(|(o, n)| format!("{o} {}", thousands(*n))).collect();
        let mut line = format!("{} ({})", thousands(a.flows.len() as u64), list.join(", "));
        if healthy > 0 {
            line.push_str(&format!(
                "; {} without findings{}",
                thousands(healthy as u64),
                if style.all_flows {
                    ""
                } else {
                    " (listed with --all-flows)"
                }
            ));
        }
        text::write_wrapped(out, &label("flows"), &rest, &line, width)?;
    }
    let scanned = format!(
        "{}, {}, {}",
        count(s.inputs, "input", "inputs"),
        human_bytes(s.bytes),
        count(s.lines as usize, "line", "lines")
    );
    text::write_wrapped(out, &label("scanned"), &rest, &scanned, width)?;
    for i in a.inputs.iter().filter(|i| i.error.is_some()) {
        text::write_wrapped(
            out,
            &label("unread"),
            &rest,
            &super::unreadable(&i.path, i.error.as_deref()),
            width,
        )?;
    }
    if let Some(note) = super::events_dropped(&a.limits) {
        text::write_wrapped(out, &label("note"), &rest, &note, width)?;
    }
    for note in super::suppression_notes(a).into_iter().chain(super::skew_notes(a)) {
        text::write_wrapped(out, &label("note"), &rest, &note, width)?;
    }
    Ok(())
}

/// `+N more (--top)` after a section cut by `--top`.
fn more(out: &mut dyn Write, left: usize, what: &str, width: usize) -> io::Result<()> {
    if left > 0 {
        let line = format!(
            "+{} more {what} (--top N or --top all to list them)",
            thousands(left as u64)
        );
        text::write_wrapped(out, "", "", &line, width)?;
    }
    Ok(())
}

/// Writes the table report.
pub fn render(a: &Analysis, style: Style<'_>, out: &mut dyn Write) -> io::Result<()> {
    let width = style.width as usize;
    let groups = groups(a);
    summary(a, &groups, style, out)?;

    if !groups.is_empty() {
        writeln!(out)?;
        heading(out, "Findings, worst first", style)?;
        let top = style.top.unwrap_or(usize::MAX);
        for g in groups.iter().take(top) {
            writeln!(out)?;
            finding(g, style, out)?;
        }
        more(out, groups.len().saturating_sub(top), "causes", width)?;
    }

    if !a.codes.is_empty() {
        writeln!(out)?;
        heading(
            out,
            "AADSTS codes (what each means and how to fix it: aadlint explain CODE)",
            style,
        )?;
        let top = style.top.unwrap_or(DEFAULT_TOP);
        let mut t = Grid::new(vec![
            Column::token("Code"),
            Column::number("Failures"),
            Column::number("Seen").optional(1),
            Column::token("Fixed by").optional(2),
            Column::text("Name and meaning").clipped(!style.verbose),
            Column::token("First seen").optional(3),
        ]);
        let codes = a.codes_by_importance();
        for c in codes.iter().take(top) {
            let first = c
                .locations
                .first()
                .map_or(String::new(), |l| format!("{}:{}", l.path, l.line));
            let meaning = if c.name.is_empty() {
                c.meaning.clone()
            } else {
                format!("{}: {}", c.name, c.meaning)
            };
            t.row(vec![
                c.code.clone(),
                if c.pending {
                    "pending".to_string()
                } else {
                    thousands(c.failures)
                },
                thousands(c.occurrences + c.bare_occurrences),
                c.fixed_by.clone(),
                meaning,
                first,
            ]);
        }
        t.write(out, width, style.color)?;
        more(out, codes.len().saturating_sub(top), "codes", width)?;
    }

    // Worst first: by the most serious finding, then in report order.
    let worst: BTreeMap<&str, Severity> = a.findings.iter().fold(BTreeMap::new(), |mut m, f| {
        let s = m.entry(f.flow.as_str()).or_insert(f.severity);
        *s = (*s).max(f.severity);
        m
    });
    let mut flows: Vec<_> = a
        .flows
        .iter()
        .filter(|f| style.all_flows || !f.findings.is_empty())
        .collect();
    flows.sort_by_key(|f| std::cmp::Reverse(worst.get(f.id.as_str()).copied()));
    if !flows.is_empty() {
        writeln!(out)?;
        let title = if style.all_flows {
            "Device code flows"
        } else {
            "Device code flows with findings"
        };
        heading(out, title, style)?;
        let top = style.top.unwrap_or(DEFAULT_TOP_FLOWS);
        let mut t = Grid::new(vec![
            Column::token("Flow"),
            Column::token("Outcome"),
            Column::number("Polls").optional(1),
            Column::token("Client").optional(2),
            Column::text("Findings"),
            Column::token("Start").optional(3),
        ]);
        for f in flows.iter().take(top) {
            t.row(vec![
                f.id.clone(),
                f.outcome.to_string(),
                thousands(f.polls),
                f.client.clone().unwrap_or_else(|| "-".to_string()),
                if f.findings.is_empty() {
                    "-".to_string()
                } else {
                    CauseId::join(&f.findings, ", ")
                },
                format!("{}:{}", f.start.path, f.start.line),
            ]);
        }
        t.write(out, width, style.color)?;
        more(out, flows.len().saturating_sub(top), "flows", width)?;
    }
    Ok(())
}

/// `12.3 MiB`.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_step_keeps_whole_sentences() {
        let long = format!("{} Second sentence here. Third.", "x ".repeat(100));
        let short = short_step(&long);
        assert!(short.ends_with(" …") || short == long, "{short}");
        assert_eq!(short_step("Do this. Then that."), "Do this. Then that.");
        assert_eq!(short_step("Use one of: - this; - that."), "Use one of: …");
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1234), "1,234");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
