//! `--format markdown`: a GitHub-flavoured summary for `$GITHUB_STEP_SUMMARY` and pull-request
//! comments: a headline, the counts, the findings table, the AADSTS codes table and the fixes
//! (each cause found, then each code that has a fix in the catalog).
//!
//! Every value from a log or a file name is escaped: table cells escape `|`, markdown
//! punctuation and HTML, line breaks become spaces, and code spans grow their fence around
//! backticks. Fix texts are the rules' own markdown; only `<`, `>` and `&` outside code spans are
//! escaped there, and indented code becomes a fenced block.

use super::ci;
use super::Style;
use crate::analysis::Analysis;
use crate::model::Severity;
use std::io::{self, Write};

/// Plain text for a table cell or a heading: markdown punctuation backslash-escaped, line
/// breaks as spaces.
pub(crate) fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A code span that holds `s` whatever it contains (for table cells: `|` is escaped too).
pub(crate) fn code(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| if c == '\r' || c == '\n' || c == '\t' { ' ' } else { c })
        .filter(|c| !c.is_control())
        .collect::<String>()
        .replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    if longest > 0 || s.starts_with(' ') || s.ends_with(' ') {
        format!("{fence} {s} {fence}")
    } else {
        format!("{fence}{s}{fence}")
    }
}

/// Prose written by a rule: escapes `<`, `>` and `&` outside code spans, keeps the rest.
fn prose(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_code = false;
    for c in line.chars() {
        match c {
            '`' => {
                in_code = !in_code;
                out.push(c);
            }
            '<' if !in_code => out.push_str("&lt;"),
            '>' if !in_code => out.push_str("&gt;"),
            '&' if !in_code => out.push_str("&amp;"),
            c => out.push(c),
        }
    }
    out
}

/// A rule's fix text as markdown: indented blocks (4 spaces or more after a blank line) fenced,
/// inside the numbered step they follow, everything else as prose.
fn fix_block(fix: &str, out: &mut dyn Write) -> io::Result<()> {
    let lines: Vec<&str> = fix.trim_matches('\n').lines().collect();
    let mut i = 0;
    let mut previous_blank = true;
    // The content column of the numbered step being written (`2. ` -> 3), 0 outside a list.
    let mut item = 0;
    while i < lines.len() {
        let line = lines[i];
        if previous_blank && line.starts_with("    ") && !line.trim().is_empty() {
            let mut block = Vec::new();
            while i < lines.len() && (lines[i].starts_with("    ") || lines[i].trim().is_empty()) {
                block.push(lines[i]);
                i += 1;
            }
            while block.last().is_some_and(|l| l.trim().is_empty()) {
                block.pop();
            }
            let indent = block
                .iter()
                .filter(|l| !l.trim().is_empty())
                .map(|l| l.len() - l.trim_start().len())
                .min()
                .unwrap_or(0);
            let fence = if block.iter().any(|l| l.contains("```")) {
                "~~~~"
            } else {
                "```"
            };
            let pad = " ".repeat(item);
            writeln!(out, "{pad}{fence}")?;
            for l in block {
                let code = l.get(indent..).unwrap_or("").trim_end();
                if code.is_empty() {
                    writeln!(out)?;
                } else {
                    writeln!(out, "{pad}{code}")?;
                }
            }
            writeln!(out, "{pad}{fence}")?;
            writeln!(out)?;
            previous_blank = true;
            continue;
        }
        let digits = line.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && line[digits..].starts_with(". ") {
            item = digits + 2;
        } else if !line.trim().is_empty() && !line.starts_with(' ') {
            item = 0;
        }
        writeln!(out, "{}", prose(line.trim_end()))?;
        previous_blank = line.trim().is_empty();
        i += 1;
    }
    Ok(())
}

/// A rule's fix text as markdown (for SARIF's `help.markdown`).
pub(crate) fn fix_markdown(fix: &str) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = fix_block(fix, &mut out);
    String::from_utf8_lossy(&out).trim_end().to_string()
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Writes the markdown summary.
pub fn render(a: &Analysis, style: Style<'_>, out: &mut dyn Write) -> io::Result<()> {
    let s = &a.summary;
    let f = &s.findings;
    let total = f.error + f.warning + f.info;
    let headline = if total == 0 && a.codes.is_empty() {
        "no AADSTS code and no device code flow problem found".to_string()
    } else {
        format!(
            "{} ({} error, {} warning, {} info), {}",
            plural(total, "finding", "findings"),
            f.error,
            f.warning,
            f.info,
            plural(s.codes, "AADSTS code", "AADSTS codes")
        )
    };
    writeln!(out, "## aadlint: {headline}")?;
    writeln!(out)?;
    writeln!(
        out,
        "| Inputs | Unreadable | Lines | AADSTS codes | Failures | Device code flows | Errors | Warnings | Infos |"
    )?;
    writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|")?;
    writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        s.inputs, s.input_errors, s.lines, s.codes, s.failures, s.flows, f.error, f.warning, f.info
    )?;

    let unreadable: Vec<_> = a.inputs.iter().filter(|i| i.error.is_some()).collect();
    let suppression = super::suppression_notes(a);
    if !unreadable.is_empty() || a.limits.events_dropped > 0 || !suppression.is_empty() {
        writeln!(out)?;
        for i in unreadable {
            writeln!(
                out,
                "- **Could not read** {}: {}",
                code(&ci::shown_path(&i.path, style.root)),
                text(i.error.as_deref().unwrap_or_default())
            )?;
        }
        if let Some(note) = super::events_dropped(&a.limits) {
            writeln!(out, "- {}", text(&note))?;
        }
        for note in suppression {
            writeln!(out, "- {}", text(&note))?;
        }
    }

    if a.findings.iter().any(|f| f.suppressed.is_none()) {
        writeln!(out)?;
        writeln!(out, "### Findings")?;
        writeln!(out)?;
        writeln!(out, "| Severity | Cause | Flow | Where | What the log shows |")?;
        writeln!(out, "|---|---|---|---|---|")?;
        for r in ci::results(a, style.root) {
            let ci::Subject::Finding(finding) = r.subject else {
                continue;
            };
            let at = if r.location.path.is_empty() {
                "-".to_string()
            } else {
                code(&format!("{}:{}", r.location.path, r.location.line))
            };
            let mut seen = text(&finding.message);
            if !finding.follows.is_empty() {
                let follows: Vec<String> = finding.follows.iter().map(|x| code(x.as_str())).collect();
                seen.push_str(&format!(" (then: {})", follows.join(", ")));
            }
            writeln!(
                out,
                "| {} | {} | {} | {at} | {seen} |",
                finding.severity,
                code(finding.cause.as_str()),
                code(&finding.flow)
            )?;
        }
    }

    if !a.codes.is_empty() {
        writeln!(out)?;
        writeln!(out, "### AADSTS codes")?;
        writeln!(out)?;
        writeln!(
            out,
            "| Code | Name | Severity | Fixed by | Seen | Failures | First seen | Meaning |"
        )?;
        writeln!(out, "|---|---|---|---|---:|---:|---|---|")?;
        for c in a.codes_by_importance() {
            let first = c.locations.first().map_or("-".to_string(), |l| {
                code(&format!("{}:{}", ci::shown_path(&l.path, style.root), l.line))
            });
            writeln!(
                out,
                "| [{}]({}) | {} | {} | {} | {} | {}{} | {first} | {} |",
                c.code,
                c.docs_url,
                text(&c.name),
                c.severity,
                text(&c.fixed_by),
                c.occurrences + c.bare_occurrences,
                c.failures,
                if c.failures_approximate { " (about)" } else { "" },
                text(&c.meaning)
            )?;
        }
    }

    let mut causes_shown: Vec<&str> = Vec::new();
    let with_fix: Vec<_> = a.codes.iter().filter(|c| c.fix.is_some()).collect();
    if a.findings.iter().any(|f| f.suppressed.is_none()) || !with_fix.is_empty() {
        writeln!(out)?;
        writeln!(out, "### Fixes")?;
        for finding in a.findings.iter().filter(|f| f.suppressed.is_none()) {
            if causes_shown.contains(&finding.cause.as_str()) {
                continue;
            }
            causes_shown.push(finding.cause.as_str());
            writeln!(out)?;
            writeln!(
                out,
                "#### {} {}: {}",
                marker(finding.severity),
                code(finding.cause.as_str()),
                text(&finding.title)
            )?;
            writeln!(out)?;
            fix_block(&finding.fix, out)?;
        }
        for c in with_fix {
            writeln!(out)?;
            let name = if c.name.is_empty() {
                String::new()
            } else {
                format!(" ({})", text(&c.name))
            };
            writeln!(out, "#### {} {}{name}", marker(c.severity), c.code)?;
            writeln!(out)?;
            fix_block(c.fix.as_deref().unwrap_or_default(), out)?;
            writeln!(out)?;
            writeln!(
                out,
                "Every known cause: `aadlint explain {}`, [Microsoft's page]({}).",
                c.code, c.docs_url
            )?;
        }
    }
    Ok(())
}

/// A word for the severity in headings.
fn marker(s: Severity) -> &'static str {
    match s {
        Severity::Error => "Error:",
        Severity::Warning => "Warning:",
        Severity::Info => "Info:",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(text("a|b\nc <x> *y* [z]"), "a\\|b c \\<x\\> \\*y\\* \\[z\\]");
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code("x`y"), "`` x`y ``");
    }

    #[test]
    fn fixes_fence_indented_code() {
        let mut out = Vec::new();
        fix_block(
            "1. Do <this>.\n\n    code <here>\n    more\n\n2. Then `a<b>`.",
            &mut out,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "1. Do &lt;this&gt;.\n\n   ```\n   code <here>\n   more\n   ```\n\n2. Then `a<b>`.\n"
        );
    }
}
