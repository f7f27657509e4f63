//! `aadlint layouts` and the client part of `aadlint rules`: the log layouts and client shapes the
//! scanner reads.

use crate::rules::layout::FIELDS;
use crate::rules::{Catalog, LayoutRule};
use serde_json::json;
use std::io::{self, Write};

/// The fields a layout can give, in [`FIELDS`] order.
fn fields_of(rule: &LayoutRule) -> Vec<&'static str> {
    let keys = rule.json.as_ref().or(rule.logfmt.as_ref());
    FIELDS
        .iter()
        .copied()
        .filter(|f| match (&rule.pattern, keys) {
            (Some(p), _) => p.contains(&format!("(?P<{f}>")),
            (None, Some(k)) => !k.of(f).is_empty(),
            (None, None) => false,
        })
        .collect()
}

/// How a layout is read: `pattern`, `json` or `logfmt`, and `wraps` for a wrapper.
fn kind_of(rule: &LayoutRule) -> &'static str {
    match (&rule.pattern, &rule.json, rule.wraps) {
        (Some(_), _, true) => "wrapper",
        (Some(_), _, false) => "text",
        (None, Some(_), true) => "json wrapper",
        (None, Some(_), false) => "json",
        (None, None, _) => "logfmt",
    }
}

/// One line per layout: its name, how it is read, the fields it gives and what writes it.
pub fn layouts_table(c: &Catalog, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "Log layouts ({})", c.layouts.len())?;
    for r in c.layouts.values() {
        writeln!(out, "  {:<24} {:<13} {}", r.layout, kind_of(r), r.summary)?;
        writeln!(out, "  {:<24} {:<13} fields: {}", "", "", fields_of(r).join(", "))?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Each input's layout is detected from its first lines; `aadlint scan --layout NAME` forces one."
    )
}

/// Every layout as one JSON document.
pub fn layouts_json(c: &Catalog, out: &mut dyn Write) -> io::Result<()> {
    let layouts: Vec<_> = c
        .layouts
        .values()
        .map(|r| json!({"name": r.layout, "kind": kind_of(r), "summary": r.summary, "fields": fields_of(r), "wraps": r.wraps}))
        .collect();
    let doc = json!({"schema_version": crate::analysis::SCHEMA_VERSION, "layouts": layouts});
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    writeln!(out)
}

/// The client shapes (`rules/clients/`): each client, the steps its phrases tell.
pub fn clients_table(c: &Catalog, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "Client shapes ({})", c.clients.len())?;
    for r in c.clients.values() {
        let steps: Vec<&str> = r.phrases.keys().map(String::as_str).collect();
        writeln!(out, "  {:<24} {:<32} {}", r.client, r.name, steps.join(", "))?;
    }
    Ok(())
}
