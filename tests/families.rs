//! Client families (`fixtures/families/<family>/`): logs written by the real client programs of
//! `fixtures/generator/apps/` against the local Entra stand-in. Each log gives the causes its
//! `LABELS.tsv` row lists (the first one as the root), its number of device code flows, and no
//! error or warning the row does not list.

use aadlint::analysis::Analysis;
use aadlint::model::Severity;
use aadlint::rules::Catalog;
use std::collections::BTreeSet;

const LABELS: &str = "fixtures/families/LABELS.tsv";

/// One labelled fixture.
struct Row {
    path: String,
    causes: Vec<String>,
    flows: usize,
}

fn rows() -> Vec<Row> {
    let text = std::fs::read_to_string(LABELS).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (path, causes, flows) = (col("path"), col("expected_causes"), col("expected_flows"));
    lines
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            Row {
                path: cols[path].to_string(),
                causes: match cols[causes] {
                    "none" => vec![],
                    list => list.split(',').map(str::to_string).collect(),
                },
                flows: cols[flows].parse().unwrap(),
            }
        })
        .collect()
}

fn analyze(path: &str) -> Analysis {
    aadlint::analyze(&[format!("fixtures/{path}")], Catalog::builtin())
}

/// What is wrong with the fixture's analysis against its row; empty when it gives its labels.
fn mismatches(row: &Row) -> Vec<String> {
    let a = analyze(&row.path);
    let named: BTreeSet<String> = a
        .findings
        .iter()
        .flat_map(|f| std::iter::once(f.cause).chain(f.follows.iter().copied()))
        .map(|c| c.to_string())
        .collect();
    let mut wrong = Vec::new();
    let root = a.findings.first().map(|f| f.cause.to_string());
    if root.as_ref() != row.causes.first() {
        wrong.push(format!("root cause {root:?}, want {:?}", row.causes.first()));
    }
    for cause in &row.causes {
        if !named.contains(cause) {
            wrong.push(format!("{cause} missing"));
        }
    }
    for f in &a.findings {
        if f.severity >= Severity::Warning && !row.causes.iter().any(|c| c == f.cause.as_str()) {
            wrong.push(format!("unlisted {:?} {}", f.severity, f.cause));
        }
    }
    if a.flows.len() != row.flows {
        wrong.push(format!("{} flows, want {}", a.flows.len(), row.flows));
    }
    wrong
}

#[test]
fn every_family_fixture_gives_its_labels() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for row in rows() {
        let wrong = mismatches(&row);
        if !wrong.is_empty() {
            failures.push(format!("{}: {}", row.path, wrong.join("; ")));
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(checked >= 25, "only {checked} family fixtures checked");
}

#[test]
fn every_family_has_a_healthy_log_triggers_and_near_misses() {
    let rows = rows();
    let families: BTreeSet<&str> = rows.iter().filter_map(|r| r.path.split('/').nth(1)).collect();
    assert!(families.len() >= 5, "{families:?}");
    for family in families {
        let files: Vec<&str> = rows
            .iter()
            .filter(|r| r.path.split('/').nth(1) == Some(family))
            .filter_map(|r| r.path.rsplit('/').next())
            .collect();
        for kind in ["healthy", "trigger-", "miss-"] {
            assert!(
                files.iter().any(|f| f.starts_with(kind)),
                "{family}: no {kind} log in {files:?}"
            );
        }
    }
    // Every log in the folder has its row, and every row its log.
    for entry in std::fs::read_dir("fixtures/families").unwrap().flatten() {
        if entry.path().is_dir() {
            for log in std::fs::read_dir(entry.path()).unwrap().flatten() {
                let path = log.path();
                let rel = path.strip_prefix("fixtures/").unwrap().to_str().unwrap().to_string();
                assert!(rows.iter().any(|r| r.path == rel), "{rel} has no row in {LABELS}");
            }
        }
    }
}

#[test]
fn the_client_credentials_near_miss_is_one_healthy_flow() {
    // @azure/identity logs each request with its URL only: the service principal's POSTs to
    // /token after the user's sign-in are not polls of the finished flow.
    let a = analyze("families/azure-identity-js/miss-then-client-credentials.log");
    assert_eq!(a.flows.len(), 1);
    assert_eq!(a.flows[0].outcome, "tokens");
    assert!(
        a.findings.is_empty(),
        "{:?}",
        a.findings.iter().map(|f| f.cause).collect::<Vec<_>>()
    );
}
