//! Device code flow diagnosis on the labelled fixtures: each `trigger-*` log shows its cause,
//! each `miss-*` near miss does not, healthy logs give no error or warning, and the reference
//! client logs give the findings their labels expect.

use aadlint::analysis::Analysis;
use aadlint::model::CauseId;
use aadlint::rules::Catalog;

fn analyze(paths: &[&str]) -> Analysis {
    let paths: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
    aadlint::analyze(&paths, Catalog::builtin())
}

/// Every cause a report names: roots and the causes that follow from them.
fn causes(a: &Analysis) -> Vec<String> {
    a.findings
        .iter()
        .flat_map(|f| std::iter::once(f.cause).chain(f.follows.iter().copied()))
        .map(|c| c.to_string())
        .collect()
}

#[test]
fn labelled_fixtures_give_their_expected_causes() {
    let labels = std::fs::read_to_string("fixtures/causes/LABELS.tsv").unwrap();
    let mut checked = 0;
    for row in labels.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        let (path, expected, flows) = (format!("fixtures/{}", cols[0]), cols[3], cols[4]);
        let a = analyze(&[&path]);
        let found = causes(&a);
        let expected: Vec<&str> = if expected == "none" {
            vec![]
        } else {
            expected.split(',').collect()
        };
        match expected.first() {
            Some(root) => assert_eq!(
                a.findings.first().map(|f| f.cause.as_str()),
                Some(*root),
                "{path}: root cause; found {found:?}"
            ),
            None => assert!(a.findings.is_empty(), "{path}: expected no finding, found {found:?}"),
        }
        for cause in &expected {
            assert!(
                found.iter().any(|c| c == cause),
                "{path}: {cause} missing from {found:?}"
            );
        }
        assert_eq!(a.flows.len().to_string(), flows, "{path}: number of flows");
        // A near miss must not show the cause of its folder.
        let folder = cols[0].split('/').nth(1).unwrap_or("");
        if cols[0].contains("/miss-") && !expected.contains(&folder) {
            assert!(!found.iter().any(|c| c == folder), "{path}: near miss shows {folder}");
        }
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} labelled fixtures");
}

#[test]
fn healthy_flows_give_no_error_or_warning() {
    for entry in std::fs::read_dir("fixtures/healthy").unwrap() {
        let path = entry.unwrap().path();
        let a = analyze(&[path.to_str().unwrap()]);
        assert!(!a.flows.is_empty(), "{}: no flow found", path.display());
        let serious: Vec<_> = a
            .findings
            .iter()
            .filter(|f| f.severity >= aadlint::model::Severity::Warning)
            .map(|f| &f.cause)
            .collect();
        assert!(serious.is_empty(), "{}: {serious:?}", path.display());
        // Tokens when the log shows them; some clients stop logging before the success (MSAL
        // Node logs it only at verbose level, Azure CLI prints no poll at all).
        for f in &a.flows {
            assert!(
                ["tokens", "pending", "unknown"].contains(&f.outcome),
                "{}: {}",
                path.display(),
                f.outcome
            );
        }
    }
}

#[test]
fn reference_client_logs_match_their_labels() {
    let cases: [(&str, &[&str]); 5] = [
        ("fixtures/clients/a1_msal_happy.log", &[]),
        ("fixtures/clients/a2_azidentity_happy.log", &[]),
        (
            "fixtures/clients/b1_msal_reuse_after_success.log",
            &["polled-after-success"],
        ),
        (
            "fixtures/clients/c2_msal_shared_processes.jsonl",
            &["shared-across-workers"],
        ),
        (
            "fixtures/clients/e1_msal_fast_poll_slow_down.log",
            &["polling-too-fast"],
        ),
    ];
    for (path, expected) in cases {
        let a = analyze(&[path]);
        let roots: Vec<&str> = a.findings.iter().map(|f| f.cause.as_str()).collect();
        assert_eq!(roots, expected, "{path}");
        assert_eq!(a.flows.len(), 1, "{path}");
    }
}

#[test]
fn one_flow_across_two_files_is_one_flow_with_two_workers() {
    let a = analyze(&[
        "fixtures/causes/stale-device-code/trigger-two-files/run1.log",
        "fixtures/causes/stale-device-code/trigger-two-files/run2.log",
    ]);
    assert_eq!(a.flows.len(), 1);
    assert!(a.flows[0].workers.len() >= 2, "{:?}", a.flows[0].workers);
    assert_eq!(a.findings[0].cause, "stale-device-code");
}

#[test]
fn shared_flow_names_both_workers_and_the_race_loser() {
    let a = analyze(&["fixtures/clients/c2_msal_shared_processes.jsonl"]);
    let f = &a.findings[0];
    assert_eq!(f.cause, "shared-across-workers");
    assert_eq!(f.workers.len(), 2);
    assert!(f.workers.iter().any(|w| w.contains("pid 22804")) && f.workers.iter().any(|w| w.contains("pid 22798")));
    assert!(f.follows.contains(&CauseId::PolledAfterSuccess));
    assert!(f.evidence.iter().any(|e| e.excerpt.contains("90120")));
    assert_eq!(a.flows[0].id, "dc:7da483ef4f1b");
}

#[test]
fn flow_id_is_the_device_code_fingerprint_a_user_can_reproduce() {
    // printf %s DAQABIQEAAADNcj1p...  | sha256sum, for the device code in the MSAL token cache record.
    let text = std::fs::read_to_string("fixtures/clients/a1_msal_happy.log").unwrap();
    let line = text.lines().find(|l| l.contains("\"device_code\"")).unwrap();
    let code = line.split('"').nth(3).unwrap();
    let digest = aadlint::scan::secrets::fingerprint(code.as_bytes());
    let a = analyze(&["fixtures/clients/a1_msal_happy.log"]);
    assert_eq!(a.flows[0].id, format!("dc:{digest}"));
    assert!(a.flows[0].identifiers.iter().any(|i| i.starts_with("uc:")));
    assert!(a.flows[0].identifiers.iter().any(|i| i.starts_with("corr:")));
}

/// The fixture `trigger-msal-53003.log` with its Conditional Access code replaced by `code`.
fn device_code_flow_ending_in(code: u32) -> String {
    let text = std::fs::read_to_string("fixtures/causes/blocked-by-conditional-access/trigger-msal-53003.log").unwrap();
    let original = "AADSTS53003: Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.";
    assert!(text.contains(original));
    text.replace(original, &format!("AADSTS{code}: Sign-in was not allowed."))
}

#[test]
fn every_conditional_access_code_of_the_catalog_blocks_a_device_code_flow() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = Catalog::builtin();
    let codes: Vec<u32> = catalog
        .codes
        .values()
        .filter(|r| r.conditional_access)
        .map(|r| r.number())
        .collect();
    assert!(
        codes.len() >= 30,
        "only {} codes marked conditional_access",
        codes.len()
    );
    for code in codes {
        let path = dir.path().join(format!("ca-{code}.log"));
        std::fs::write(&path, device_code_flow_ending_in(code)).unwrap();
        let a = analyze(&[path.to_str().unwrap()]);
        assert_eq!(a.flows.len(), 1, "AADSTS{code}");
        assert_eq!(a.flows[0].outcome, "blocked", "AADSTS{code}");
        let f = &a.findings[0];
        assert_eq!(f.cause, "blocked-by-conditional-access", "AADSTS{code}");
        assert_eq!(
            f.evidence.last().map(|e| e.line),
            Some(14),
            "AADSTS{code}: the line of the code"
        );
    }
}

#[test]
fn a_code_the_catalog_does_not_mark_is_no_block() {
    let dir = tempfile::tempdir().unwrap();
    // AADSTS50126 (wrong password) ends the flow as an error, not a Conditional Access block.
    let path = dir.path().join("not-ca.log");
    std::fs::write(&path, device_code_flow_ending_in(50126)).unwrap();
    let a = analyze(&[path.to_str().unwrap()]);
    assert_eq!(a.flows[0].outcome, "error");
    assert!(a.findings.iter().all(|f| f.cause != "blocked-by-conditional-access"));
    // An override that unmarks AADSTS53003 makes the original fixture no block either.
    let rules = tempfile::tempdir().unwrap();
    let builtin = std::fs::read_to_string("rules/aadsts/AADSTS53003.toml").unwrap();
    std::fs::write(
        rules.path().join("AADSTS53003.toml"),
        builtin.replace("conditional_access = true", "conditional_access = false"),
    )
    .unwrap();
    let catalog = Catalog::with_overrides(rules.path()).unwrap();
    let a = aadlint::analyze(
        &["fixtures/causes/blocked-by-conditional-access/trigger-msal-53003.log".to_string()],
        &catalog,
    );
    assert_eq!(a.flows[0].outcome, "error");
    assert!(a.findings.iter().all(|f| f.cause != "blocked-by-conditional-access"));
}
