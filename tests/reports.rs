//! Snapshot tests of what users read. Every fixture log has a compact findings snapshot, which
//! reads like a spec: each flow and how it ended, then each finding with its severity, flow,
//! message, the causes that follow from it and its evidence lines. A handful of fixtures also
//! keep the full table, JSON and CI renderings (the fix texts are the rules', see
//! `aadlint explain`). Review changes with `cargo insta review`; CI runs with `INSTA_UPDATE=no`.

use aadlint::analysis::Analysis;
use aadlint::model::CauseId;
use aadlint::rules::Catalog;
use assert_cmd::Command;
use std::fmt::Write;

/// Every fixture log: the clients', the causes' (a folder of logs counts as one), healthy, real.
const ALL_FIXTURES: &str = "{real,clients,causes/*,healthy}/*.{log,jsonl,json,csv,txt}";

/// The fixtures whose full reports are kept: one per kind of input, a few causes.
const RENDERED: &str = "{clients/b1_msal_reuse_after_success.log,clients/c2_msal_shared_processes.jsonl,healthy/msal-happy.log,real/013_entra-signin-page-details-53003.log,causes/blocked-by-conditional-access/trigger-signin-export.csv,causes/expired-early/trigger-msal-seconds.log,causes/polling-too-fast/trigger-msal-1500ms-loop.log}";

fn report(path: &str, format: &str) -> String {
    let out = Command::cargo_bin("aadlint")
        .unwrap()
        .args(["scan", path, "--format", format, "--color", "never"])
        .output()
        .unwrap();
    assert!(
        out.status.code() == Some(0),
        "{path}: exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The fixture's path relative to the project root, as users type it.
fn relative(path: &std::path::Path) -> String {
    let root = std::env::current_dir().unwrap();
    path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/")
}

/// Flows and findings, one line each, evidence as `path:line`.
fn compact(a: &Analysis) -> String {
    let mut out = String::new();
    for f in &a.flows {
        writeln!(out, "flow {} ended {} after {} poll(s)", f.id, f.outcome, f.polls).unwrap();
    }
    for f in &a.findings {
        writeln!(out, "{} {} in {}", f.severity, f.cause, f.flow).unwrap();
        writeln!(out, "  seen: {}", f.message).unwrap();
        if !f.follows.is_empty() {
            writeln!(out, "  follows: {}", CauseId::join(&f.follows, ", ")).unwrap();
        }
        for e in &f.evidence {
            writeln!(out, "  evidence: {}:{}", e.path, e.line).unwrap();
        }
    }
    if out.is_empty() {
        out.push_str("no device code flow, no finding\n");
    }
    out
}

#[test]
fn findings() {
    insta::glob!("../fixtures", ALL_FIXTURES, |path| {
        let path = relative(path);
        let a = aadlint::analyze(std::slice::from_ref(&path), Catalog::builtin());
        insta::assert_snapshot!(compact(&a));
    });
}

#[test]
fn findings_of_one_flow_in_two_files() {
    let dir = "fixtures/causes/stale-device-code/trigger-two-files";
    let a = aadlint::analyze(&[dir.to_string()], Catalog::builtin());
    insta::assert_snapshot!(compact(&a));
}

#[test]
fn table_reports() {
    insta::glob!("../fixtures", RENDERED, |path| {
        insta::assert_snapshot!(report(&relative(path), "table"));
    });
}

#[test]
fn json_reports() {
    insta::glob!("../fixtures", RENDERED, |path| {
        let text = report(&relative(path), "json");
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        insta::assert_json_snapshot!(value);
    });
}

/// The CI formats on the rendered fixtures.
fn ci_format_reports(format: &str) {
    insta::glob!("../fixtures", RENDERED, |path| {
        insta::assert_snapshot!(format, report(&relative(path), format));
    });
}

#[test]
fn github_reports() {
    ci_format_reports("github");
}

#[test]
fn azure_reports() {
    ci_format_reports("azure");
}

#[test]
fn markdown_reports() {
    ci_format_reports("markdown");
}

#[test]
fn sarif_reports() {
    ci_format_reports("sarif");
}
