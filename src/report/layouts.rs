//! `aadlint layouts` and the client part of `aadlint rules`: the log layouts and client shapes the
//! scanner reads.

use super::text::{self, Column, Grid};
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

/// One row per layout, in a table that fits `width`: its name, how it is read, what writes it
/// and the fields it gives.
pub fn layouts_table(c: &Catalog, width: usize, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "Log layouts ({})", c.layouts.len())?;
    let mut t = Grid::new(vec![
        Column::token("Layout"),
        Column::token("Kind").optional(1),
        Column::text("What writes it, and its fields"),
    ]);
    for r in c.layouts.values() {
        t.row(vec![
            r.layout.clone(),
            kind_of(r).to_string(),
            format!("{}\nfields: {}", r.summary, fields_of(r).join(", ")),
        ]);
    }
    t.write(out, width, false)?;
    writeln!(out)?;
    text::write_wrapped(
        out,
        "",
        "",
        "Each input's layout is detected from its first lines; `aadlint scan --layout NAME` forces one.",
        width,
    )
}

/// Every layout as one JSON document (`joins_fragments`: its `P`/`F` fragments are read joined).
pub fn layouts_json(c: &Catalog, out: &mut dyn Write) -> io::Result<()> {
    let layouts: Vec<_> = c
        .layouts
        .values()
        .map(|r| {
            json!({"name": r.layout, "kind": kind_of(r), "summary": r.summary, "fields": fields_of(r), "wraps": r.wraps,
                "joins_fragments": !r.partial.is_empty()})
        })
        .collect();
    let doc = json!({"schema_version": crate::analysis::SCHEMA_VERSION, "layouts": layouts});
    super::pretty::to_writer(&mut *out, &doc).map_err(super::json_error)?;
    writeln!(out)
}

/// The client shapes (`rules/clients/`), in a table that fits `width`: each client, its name and
/// the steps its phrases tell.
pub fn clients_table(c: &Catalog, width: usize, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "Client shapes ({})", c.clients.len())?;
    let mut t = Grid::new(vec![
        Column::token("Client"),
        Column::text("Name"),
        Column::text("Steps its lines tell"),
    ]);
    for r in c.clients.values() {
        let steps: Vec<&str> = r.phrases.keys().map(String::as_str).collect();
        t.row(vec![r.client.clone(), r.name.clone(), steps.join(", ")]);
    }
    t.write(out, width, false)
}
