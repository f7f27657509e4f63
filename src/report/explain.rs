//! `aadlint explain` and `aadlint rules`: the rule data as text or JSON, from the same catalog the
//! scanner uses.

use crate::rules::{Catalog, CauseRule, CodeRule};
use serde_json::json;
use std::io::{self, Write};

fn wrap(text: &str, indent: &str, width: usize, out: &mut dyn Write) -> io::Result<()> {
    for para in text.trim().split('\n') {
        if para.trim().is_empty() {
            writeln!(out)?;
            continue;
        }
        // Keep code and list lines as written.
        if para.starts_with("    ")
            || para.trim_start().starts_with(['-', '*', '`', '#'])
            || para.trim_start().chars().next().is_some_and(|c| c.is_ascii_digit())
        {
            writeln!(out, "{indent}{para}")?;
            continue;
        }
        let mut line = String::new();
        for word in para.split_whitespace() {
            if !line.is_empty() && line.len() + word.len() + 1 > width {
                writeln!(out, "{indent}{line}")?;
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            writeln!(out, "{indent}{line}")?;
        }
    }
    Ok(())
}

/// Explains one AADSTS code: meaning, who fixes it, causes with fixes, documentation link.
pub fn explain_code(r: &CodeRule, out: &mut dyn Write) -> io::Result<()> {
    let name = if r.name.is_empty() {
        String::new()
    } else {
        format!(" ({})", r.name)
    };
    writeln!(out, "{}{name}", r.code)?;
    writeln!(out)?;
    wrap(&r.summary, "  ", 96, out)?;
    writeln!(out)?;
    writeln!(out, "  Severity:     {}", r.severity)?;
    writeln!(out, "  Fixed by:     {}", r.fixed_by.as_str())?;
    writeln!(
        out,
        "  Category:     {}",
        serde_json::to_value(r.category)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    )?;
    writeln!(
        out,
        "  Conditional Access can cause it: {}",
        if r.conditional_access { "yes" } else { "no" }
    )?;
    if !r.documented {
        writeln!(out, "  Not in Microsoft's error table; seen in real logs.")?;
    }
    if !r.causes.is_empty() {
        writeln!(out)?;
        writeln!(out, "Causes and fixes")?;
        for (n, c) in r.causes.iter().enumerate() {
            writeln!(out)?;
            writeln!(
                out,
                "  {}. {}",
                n + 1,
                c.cause.split_whitespace().collect::<Vec<_>>().join(" ")
            )?;
            writeln!(out, "     Fix:")?;
            wrap(&c.fix, "       ", 92, out)?;
        }
    }
    writeln!(out)?;
    writeln!(out, "Documentation: {}", r.docs_url())
}

/// Explains one root cause, clippy style: what it does, why it matters, example, fix.
pub fn explain_cause(r: &CauseRule, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{} ({})", r.id, r.severity)?;
    writeln!(out)?;
    writeln!(out, "  {}", r.title)?;
    for (title, text) in [("What it does", &r.what_it_does), ("Why it matters", &r.why_it_matters)] {
        writeln!(out)?;
        writeln!(out, "{title}")?;
        wrap(text, "  ", 96, out)?;
    }
    writeln!(out)?;
    writeln!(out, "Example")?;
    for line in r.example.trim().lines() {
        writeln!(out, "    {line}")?;
    }
    writeln!(out)?;
    writeln!(out, "Fix")?;
    wrap(&r.fix, "  ", 96, out)?;
    if !r.related_codes.is_empty() {
        writeln!(out)?;
        writeln!(out, "Related codes: {}", r.related_codes.join(", "))?;
    }
    Ok(())
}

/// Lists every rule, one line each: causes first, then the catalog.
pub fn rules_table(c: &Catalog, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "Root causes ({})", c.causes.len())?;
    for r in c.causes.values() {
        writeln!(out, "  {:<32} {:<8} {}", r.id, r.severity.as_str(), r.title)?;
    }
    writeln!(out)?;
    writeln!(out, "AADSTS codes ({})", c.codes.len())?;
    for r in c.codes.values() {
        writeln!(
            out,
            "  {:<14} {:<8} {:<44} {}",
            r.code,
            r.severity.as_str(),
            r.name,
            r.summary
        )?;
    }
    Ok(())
}

/// Every rule as one JSON document.
pub fn rules_json(c: &Catalog, out: &mut dyn Write) -> io::Result<()> {
    let causes: Vec<_> = c
        .causes
        .values()
        .map(|r| {
            json!({
                "id": r.id, "severity": r.severity, "title": r.title, "what_it_does": r.what_it_does.trim(),
                "why_it_matters": r.why_it_matters.trim(), "fix": r.fix.trim(), "related_codes": r.related_codes,
            })
        })
        .collect();
    let codes: Vec<_> = c
        .codes
        .values()
        .map(|r| {
            json!({
                "code": r.code, "name": r.name, "summary": r.summary, "category": r.category, "fixed_by": r.fixed_by,
                "conditional_access": r.conditional_access, "severity": r.severity, "documented": r.documented,
                "causes": r.causes.iter().map(|x| json!({"cause": x.cause.trim(), "fix": x.fix.trim()})).collect::<Vec<_>>(),
                "docs_url": r.docs_url(),
            })
        })
        .collect();
    let doc = json!({"schema_version": crate::analysis::SCHEMA_VERSION, "causes": causes, "codes": codes});
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    writeln!(out)
}
