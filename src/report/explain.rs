//! `aadlint explain` and `aadlint rules`: the rule data as text or JSON, from the same catalog the
//! scanner uses.

use super::text::{self, Column, Grid};
use crate::diagnose::causes::severity_of;
use crate::rules::{Catalog, CauseRule, CodeRule, RuleRef};
use serde_json::json;
use std::io::{self, Write};

/// The widest an explanation's prose gets, however wide the terminal: longer lines are hard
/// to read.
const PROSE_MAX: usize = 100;

/// Writes rule text: prose paragraphs wrapped to `width` after `indent`; code lines (four
/// blanks) and list lines kept as written but cut to fit.
fn wrap(text: &str, indent: &str, width: usize, out: &mut dyn Write) -> io::Result<()> {
    let width = width.min(PROSE_MAX);
    for para in text.trim().split('\n') {
        if para.trim().is_empty() {
            writeln!(out)?;
            continue;
        }
        if para.starts_with("    ") {
            text::write_verbatim(out, indent, para, width)?;
            continue;
        }
        // A list item's continuation lines line up after its marker.
        let body = para.trim_start();
        let marker = body
            .split_once(' ')
            .map(|(m, _)| m)
            .filter(|m| {
                *m == "-"
                    || *m == "*"
                    || (m.ends_with('.') && m[..m.len() - 1].bytes().all(|b| b.is_ascii_digit()) && m.len() > 1)
            })
            .map_or(0, |m| m.len() + 1);
        let lead = &para[..para.len() - body.len()];
        let rest = format!("{indent}{lead}{}", " ".repeat(marker));
        text::write_wrapped(out, &format!("{indent}{lead}"), &rest, body, width)?;
    }
    Ok(())
}

/// Explains one AADSTS code: meaning, who fixes it, causes with fixes, documentation link.
pub fn explain_code(r: &CodeRule, width: usize, out: &mut dyn Write) -> io::Result<()> {
    let name = if r.name.is_empty() {
        String::new()
    } else {
        format!(" ({})", r.name)
    };
    writeln!(out, "{}{name}", r.code)?;
    writeln!(out)?;
    wrap(&r.summary, "  ", width, out)?;
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
            text::write_wrapped(out, &format!("  {}. ", n + 1), "     ", &c.cause, width.min(PROSE_MAX))?;
            writeln!(out, "     Fix:")?;
            wrap(&c.fix, "       ", width, out)?;
        }
    }
    writeln!(out)?;
    writeln!(out, "Documentation:")?;
    writeln!(out, "  {}", r.docs_url())
}

/// Explains one root cause, clippy style: what it does, why it matters, example, fix.
pub fn explain_cause(r: &CauseRule, width: usize, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{} ({})", r.id, severity_of(r))?;
    writeln!(out)?;
    text::write_wrapped(out, "  ", "  ", &r.title, width.min(PROSE_MAX))?;
    for (title, text) in [("What it does", &r.what_it_does), ("Why it matters", &r.why_it_matters)] {
        writeln!(out)?;
        writeln!(out, "{title}")?;
        wrap(text, "  ", width, out)?;
    }
    writeln!(out)?;
    writeln!(out, "Example")?;
    let room = width.saturating_sub(4);
    for line in r.example.trim().lines() {
        writeln!(out, "    {}", text::excerpt(line, room))?;
    }
    writeln!(out)?;
    writeln!(out, "Fix")?;
    wrap(&r.fix, "  ", width, out)?;
    if !r.related_codes.is_empty() {
        writeln!(out)?;
        text::write_wrapped(
            out,
            "Related codes: ",
            "  ",
            &r.related_codes.join(", "),
            width.min(PROSE_MAX),
        )?;
    }
    Ok(())
}

/// Explains a named group of causes (`reused-device-code`): what it stands for, then each
/// cause in turn.
pub fn explain_group(
    name: &str,
    about: &str,
    causes: &[&CauseRule],
    width: usize,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "{name} (a group of {} causes)", causes.len())?;
    writeln!(out)?;
    text::write_wrapped(out, "  ", "  ", &format!("{}.", about), width.min(PROSE_MAX))?;
    text::write_wrapped(
        out,
        "  ",
        "  ",
        &format!(
            "`--fail-on {name}` fails on any of: {}.",
            causes.iter().map(|c| c.id.as_str()).collect::<Vec<_>>().join(", ")
        ),
        width.min(PROSE_MAX),
    )?;
    for c in causes {
        writeln!(out)?;
        writeln!(out, "{}", "─".repeat(width.min(PROSE_MAX)))?;
        explain_cause(c, width, out)?;
    }
    Ok(())
}

/// An OAuth 2.0 `error` value of the token endpoint, and the rules that explain it.
#[derive(Debug)]
pub struct OauthError {
    /// The `error` value (`expired_token`).
    pub name: &'static str,
    /// What it means, in a sentence.
    pub meaning: &'static str,
    /// The code or cause explained in full (looked up in the catalog).
    pub main: &'static str,
    /// Other codes and causes worth a look.
    pub see_also: &'static [&'static str],
}

/// The OAuth errors a device code flow meets, each tied to the AADSTS code or cause that
/// explains it.
const OAUTH_ERRORS: [OauthError; 6] = [
    OauthError {
        name: "authorization_pending",
        meaning: "the user has not finished signing in yet; a state of the flow, not a failure: keep polling at the interval",
        main: "AADSTS70016",
        see_also: &["pending-logged-as-error", "abandoned-flow"],
    },
    OauthError {
        name: "slow_down",
        meaning: "still pending, but the client polls too often: wait 5 seconds longer before this and every later poll",
        main: "polling-too-fast",
        see_also: &["AADSTS50196"],
    },
    OauthError {
        name: "expired_token",
        meaning: "the device code timed out before the user finished; stop polling and start a new sign-in if one is still wanted",
        main: "AADSTS70020",
        see_also: &["AADSTS70019", "polled-after-expiry", "abandoned-flow"],
    },
    OauthError {
        name: "authorization_declined",
        meaning: "the user refused the sign-in; stop polling",
        main: "user-declined",
        see_also: &["polled-after-decline"],
    },
    OauthError {
        name: "invalid_grant",
        meaning: "the grant (device code, authorization code or refresh token) cannot be used; for a device code, usually because it was already redeemed or expired",
        main: "AADSTS70000",
        see_also: &["AADSTS90120", "polled-after-success", "stale-device-code"],
    },
    OauthError {
        name: "bad_verification_code",
        meaning: "the token endpoint does not know the device code it was sent: mistyped, cut short or from another tenant",
        main: "AADSTS70018",
        see_also: &["stale-device-code"],
    },
];

/// The OAuth error named `name` (any case), if it is one [`explain_oauth`] knows.
pub fn oauth_error(name: &str) -> Option<&'static OauthError> {
    OAUTH_ERRORS.iter().find(|e| e.name.eq_ignore_ascii_case(name))
}

/// Explains an OAuth error: its meaning, then the code or cause behind it in full.
pub fn explain_oauth(e: &OauthError, catalog: &Catalog, width: usize, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{} (OAuth error)", e.name)?;
    writeln!(out)?;
    text::write_wrapped(
        out,
        "  ",
        "  ",
        &format!("{}.", capitalized(e.meaning)),
        width.min(PROSE_MAX),
    )?;
    if !e.see_also.is_empty() {
        text::write_wrapped(
            out,
            "  See also: ",
            "  ",
            &e.see_also
                .iter()
                .map(|s| format!("aadlint explain {s}"))
                .collect::<Vec<_>>()
                .join(", "),
            width.min(PROSE_MAX),
        )?;
    }
    writeln!(out)?;
    writeln!(out, "{}", "─".repeat(width.min(PROSE_MAX)))?;
    match catalog.lookup(e.main) {
        Some(RuleRef::Code(r)) => explain_code(r, width, out),
        Some(RuleRef::Cause(r)) => explain_cause(r, width, out),
        None => writeln!(out, "({} is not in the loaded rules.)", e.main),
    }
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

/// Lists every rule in tables that fit `width`: causes first, then the catalog.
pub fn rules_table(c: &Catalog, width: usize, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "Root causes ({})", c.causes.len())?;
    let mut t = Grid::new(vec![
        Column::token("Cause"),
        Column::token("Severity"),
        Column::text("Title"),
    ]);
    for r in c.causes.values() {
        t.row(vec![
            r.id.to_string(),
            severity_of(r).as_str().to_string(),
            r.title.clone(),
        ]);
    }
    t.write(out, width, false)?;
    writeln!(out)?;
    writeln!(out, "AADSTS codes ({})", c.codes.len())?;
    let mut t = Grid::new(vec![
        Column::token("Code"),
        Column::token("Severity").optional(1),
        Column::text("Name and meaning"),
    ]);
    for r in c.codes.values() {
        t.row(vec![
            r.code.clone(),
            r.severity.as_str().to_string(),
            format!("{}: {}", r.name, r.summary),
        ]);
    }
    t.write(out, width, false)
}

/// Every rule as one JSON document: the root causes, the AADSTS catalog and the client shapes.
pub fn rules_json(c: &Catalog, out: &mut dyn Write) -> io::Result<()> {
    let causes: Vec<_> = c
        .causes
        .values()
        .map(|r| {
            json!({
                "id": r.id, "severity": severity_of(r), "title": r.title, "what_it_does": r.what_it_does.trim(),
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
    // The client shapes as their files say them (sample lines are left out of the binary).
    let clients: Vec<_> = c.clients.values().collect();
    let doc = json!({"schema_version": crate::analysis::SCHEMA_VERSION, "causes": causes, "codes": codes, "clients": clients});
    super::pretty::to_writer(&mut *out, &doc).map_err(super::json_error)?;
    writeln!(out)
}
