//! Adopting aadlint in CI: the gate cannot be turned off by an empty or mistyped value, the
//! config file, folder-scan globs, ignore entries with expiry dates, and baselines.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn aadlint() -> Command {
    let mut c = Command::cargo_bin("aadlint").unwrap();
    c.env_remove("NO_COLOR").env_remove("CI");
    c
}

/// `aadlint` run in `dir` (where a config file may be found).
fn aadlint_in(dir: &Path) -> Command {
    let mut c = aadlint();
    c.current_dir(dir);
    c
}

const BAD_PASSWORD: &str = "fixtures/real/043_python-traceback-shareplum-50126-tuple.log";
const REUSED: &str = "fixtures/clients/b1_msal_reuse_after_success.log";

fn json_of(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).expect("a JSON report")
}

/// Copies the files under `from` into `to`, recursively.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn values_that_would_disable_the_gate_are_usage_errors() {
    let cases: [&[&str]; 6] = [
        &["--fail-on="],
        &["--fail-on", ""],
        &["--fail-on", ","],
        &["--fail-on", "error,"],
        &["--fail-on", "AADSTS12345678"],
        &["--fail-on", "polled-twice"],
    ];
    for args in cases {
        aadlint()
            .current_dir(repo())
            .args(["scan", REUSED, "--no-config"])
            .args(args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(
                predicate::str::contains("valid values")
                    .and(predicate::str::contains("reused-device-code"))
                    .and(predicate::str::contains("stale-device-code"))
                    .and(predicate::str::contains("aadlint rules")),
            );
    }
    aadlint()
        .current_dir(repo())
        .args(["scan", BAD_PASSWORD, "--no-config", "--fail-on", "AADSTS99999999"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a code of the catalog"));
    // Codes of the catalog still work, in every spelling.
    for code in ["AADSTS50126", "50126", "aadsts50126"] {
        aadlint()
            .current_dir(repo())
            .args(["scan", BAD_PASSWORD, "--no-config", "--fail-on", code])
            .assert()
            .code(1);
    }
}

#[test]
fn the_config_file_is_found_from_a_subdirectory_and_the_command_line_wins() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo().join(REUSED), dir.path().join("app.log")).unwrap();
    std::fs::write(
        dir.path().join(".aadlint.toml"),
        "fail-on = \"reused-device-code\"\nformat = \"github\"\n",
    )
    .unwrap();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let out = aadlint_in(&sub).args(["scan", "../app.log"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "fail-on from the config file");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("::error "), "format from the config file: {stdout}");
    // The command line replaces the file's fail-on and format.
    aadlint_in(&sub)
        .args(["scan", "../app.log", "--fail-on", "user-declined", "--format", "json"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("{"));
    aadlint_in(&sub)
        .args(["scan", "../app.log", "--no-config"])
        .assert()
        .code(0);
    // --config names another file.
    std::fs::write(dir.path().join("strict.toml"), "fail-on = [\"info\"]\n").unwrap();
    std::fs::write(dir.path().join(".aadlint.toml"), "").unwrap();
    aadlint_in(&sub).args(["scan", "../app.log"]).assert().code(0);
    aadlint_in(&sub)
        .args(["scan", "../app.log", "--config", "../strict.toml"])
        .assert()
        .code(1);
    aadlint_in(&sub)
        .args(["scan", "../app.log", "--config", "../missing.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read the config file ../missing.toml"));
}

#[test]
fn config_errors_name_the_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo().join(REUSED), dir.path().join("app.log")).unwrap();
    let cases = [
        (
            "fail-on = \"error\"\n\nfail_on = \"info\"\n",
            "aadlint.toml:3:1: unknown field `fail_on`",
        ),
        ("fail-on = \"\"\n", "aadlint.toml:1:11: fail-on: an empty value"),
        (
            "fail-on = [\"AADSTS12345678\"]\n",
            "aadlint.toml:1:12: fail-on \"AADSTS12345678\"",
        ),
        (
            "[[ignore]]\ncause = \"polled-twice\"\nreason = \"x\"\n",
            "aadlint.toml:1:1: ignore entry: unknown cause",
        ),
        (
            "[[ignore]]\ncode = \"50126\"\nreason = \"x\"\nuntil = 2026-01-01\n",
            "aadlint.toml:4:1: unknown field `until`",
        ),
    ];
    for (text, want) in cases {
        std::fs::write(dir.path().join("aadlint.toml"), text).unwrap();
        aadlint_in(dir.path())
            .args(["scan", "app.log"])
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(want));
    }
}

#[test]
fn a_broken_config_fail_on_is_an_error_even_when_the_command_line_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo().join(REUSED), dir.path().join("app.log")).unwrap();
    std::fs::write(dir.path().join("aadlint.toml"), "fail-on = \"eror\"\n").unwrap();
    aadlint_in(dir.path())
        .args(["scan", "app.log", "--fail-on", "error"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("aadlint.toml:1:11: fail-on \"eror\""));
}

#[test]
fn folder_scans_skip_non_logs_and_follow_include_and_exclude() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::copy(repo().join(REUSED), logs.join("app.log")).unwrap();
    std::fs::copy(repo().join(BAD_PASSWORD), logs.join("old.txt")).unwrap();
    std::fs::copy(repo().join("fixtures/causes/LABELS.tsv"), logs.join("LABELS.tsv")).unwrap();
    std::fs::write(logs.join("README.md"), "See AADSTS50126 and AADSTS90120.\n").unwrap();
    let inputs = |extra: &[&str]| -> Vec<String> {
        let out = aadlint_in(dir.path())
            .args(["scan", "logs", "--format", "json"])
            .args(extra)
            .output()
            .unwrap();
        json_of(&out)["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["path"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(inputs(&["--no-config"]), ["logs/app.log", "logs/old.txt"]);
    std::fs::write(dir.path().join("aadlint.toml"), "include = [\"*.log\"]\n").unwrap();
    assert_eq!(inputs(&[]), ["logs/app.log"]);
    std::fs::write(dir.path().join("aadlint.toml"), "exclude = [\"*.txt\"]\n").unwrap();
    assert_eq!(inputs(&[]), ["logs/LABELS.tsv", "logs/README.md", "logs/app.log"]);
    std::fs::write(dir.path().join("aadlint.toml"), "extend-exclude = [\"old.*\"]\n").unwrap();
    assert_eq!(inputs(&[]), ["logs/app.log"]);
    // A file named on the command line is always read.
    assert_eq!(inputs(&["logs/LABELS.tsv"]), ["logs/app.log", "logs/LABELS.tsv"]);
}

#[test]
fn a_baseline_of_the_fixtures_passes_the_gate_and_a_new_problem_still_fails() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&repo().join("fixtures"), &dir.path().join("fixtures"));
    let scan = |extra: &[&str]| {
        aadlint_in(dir.path())
            .args([
                "scan",
                "fixtures",
                "--no-config",
                "--format",
                "json",
                "--fail-on",
                "error",
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    assert_eq!(scan(&[]).status.code(), Some(1), "the fixtures hold errors");
    let written = scan(&["--write-baseline", "baseline.toml"]);
    assert_eq!(
        written.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&written.stderr)
    );
    let baseline = std::fs::read_to_string(dir.path().join("baseline.toml")).unwrap();
    assert!(baseline.contains("cause = \"polled-after-success\""), "{baseline}");
    assert!(!baseline.contains("dc:"), "fingerprints change every run: never a key");

    let out = scan(&["--baseline", "baseline.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report = json_of(&out);
    let findings = report["findings"].as_array().unwrap();
    assert!(!findings.is_empty(), "suppressed findings stay in the report");
    assert!(findings.iter().all(|f| f["suppressed"]["source"]
        .as_str()
        .unwrap()
        .starts_with("baseline.toml:")));
    assert_eq!(
        report["summary"]["suppressed"]["findings"].as_u64(),
        Some(findings.len() as u64)
    );
    assert_eq!(
        report["summary"]["suppressed"]["codes"].as_u64(),
        Some(report["codes"].as_array().unwrap().len() as u64)
    );
    // The CI formats leave suppressed problems out.
    aadlint_in(dir.path())
        .args([
            "scan",
            "fixtures",
            "--no-config",
            "--format",
            "github",
            "--baseline",
            "baseline.toml",
        ])
        .assert()
        .code(0)
        .stdout("");

    // A new problem in one log: a code that log never had.
    let log = dir.path().join("fixtures/clients/a1_msal_happy.log");
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str("2026-11-27 10:09:00,000 ERROR AADSTS50126: Error validating credentials due to invalid username or password.\n");
    std::fs::write(&log, text).unwrap();
    let out = scan(&["--baseline", "baseline.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("aadlint: failing: "));
    let report = json_of(&out);
    let code = report["codes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "AADSTS50126")
        .unwrap();
    assert!(code.get("suppressed").is_none());
}

#[test]
fn a_new_finding_in_a_log_without_it_still_fails() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo().join("fixtures/clients/a1_msal_happy.log"),
        dir.path().join("a.log"),
    )
    .unwrap();
    std::fs::copy(repo().join(REUSED), dir.path().join("b.log")).unwrap();
    let gate = |dir: &Path| {
        aadlint_in(dir)
            .args([
                "scan",
                ".",
                "--no-config",
                "--fail-on",
                "reused-device-code",
                "--baseline",
                "b.toml",
            ])
            .assert()
    };
    aadlint_in(dir.path())
        .args(["scan", ".", "--no-config", "--write-baseline", "b.toml", "-q"])
        .assert()
        .code(0);
    gate(dir.path()).code(0);
    // The same reuse, now in the other log too.
    std::fs::copy(repo().join(REUSED), dir.path().join("a.log")).unwrap();
    gate(dir.path())
        .code(1)
        .stderr(predicate::str::contains("polled-after-success"));
}

#[test]
fn an_expired_ignore_entry_stops_matching_and_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo().join(BAD_PASSWORD), dir.path().join("app.log")).unwrap();
    let config = |expires: &str| {
        std::fs::write(
            dir.path().join("aadlint.toml"),
            format!(
                "fail-on = \"error\"\n\n[[ignore]]\ncode = \"AADSTS50126\"\npath = \"*.log\"\nreason = \"test account\"\nexpires = {expires}\n"
            ),
        )
        .unwrap();
    };
    config("2999-12-31");
    let out = aadlint_in(dir.path())
        .args(["scan", "app.log", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report = json_of(&out);
    assert_eq!(report["codes"][0]["suppressed"]["reason"], "test account");
    assert_eq!(report["codes"][0]["suppressed"]["source"], "aadlint.toml:3");
    assert_eq!(report["codes"][0]["suppressed"]["expires"], "2999-12-31");

    config("2000-01-01");
    let out = aadlint_in(dir.path())
        .args(["scan", "app.log", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "an expired entry suppresses nothing");
    let report = json_of(&out);
    assert!(report["codes"][0].get("suppressed").is_none());
    assert_eq!(report["expired_ignores"][0]["source"], "aadlint.toml:3");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("aadlint.toml:3: the ignore entry expired on 2000-01-01"),
        "{stderr}"
    );
    aadlint_in(dir.path())
        .args(["scan", "app.log", "--format", "markdown"])
        .assert()
        .stdout(predicate::str::contains("expired on 2000-01-01"));
}

#[test]
fn ignore_entries_match_by_cause_client_path_and_worker() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo().join(REUSED), dir.path().join("app.log")).unwrap();
    let suppressed = |entry: &str| -> bool {
        std::fs::write(
            dir.path().join("aadlint.toml"),
            format!("[[ignore]]\ncause = \"polled-after-success\"\nreason = \"r\"\n{entry}"),
        )
        .unwrap();
        let out = aadlint_in(dir.path())
            .args(["scan", "app.log", "--format", "json"])
            .output()
            .unwrap();
        let report = json_of(&out);
        let finding = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["cause"] == "polled-after-success")
            .expect("the fixture shows a reuse")
            .clone();
        finding.get("suppressed").is_some()
    };
    assert!(suppressed(""));
    assert!(suppressed(
        "client = \"msal for python\"\npath = \"app.*\"\nworker = \"app.log*\"\n"
    ));
    assert!(!suppressed("client = \"MSAL Node\"\n"));
    assert!(!suppressed("path = \"other.log\"\n"));
    assert!(!suppressed("worker = \"nothing-like-it\"\n"));
}

#[test]
fn the_config_files_rules_folder_serves_scan_explain_and_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("my-rules")).unwrap();
    // A code the built-in catalog does not have, added by the project's rules folder.
    let rule = "code = \"AADSTS9999901\"\nname = \"OurProxyRejected\"\nsummary = \"Our proxy rejected the sign-in\"\ncategory = \"service-side\"\nfixed_by = \"admin\"\nconditional_access = false\nseverity = \"error\"\n";
    std::fs::write(dir.path().join("my-rules/AADSTS9999901.toml"), rule).unwrap();
    std::fs::write(
        dir.path().join("app.log"),
        "2026-11-27 10:00:00 ERROR AADSTS9999901: proxy said no\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("aadlint.toml"),
        "rules = \"my-rules\"\nfail-on = \"AADSTS9999901\"\n",
    )
    .unwrap();
    aadlint_in(dir.path())
        .args(["explain", "OurProxyRejected"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Our proxy rejected the sign-in"));
    aadlint_in(dir.path()).args(["scan", "app.log"]).assert().code(1);
    // Without the config file the code is unknown to the catalog, so naming it is a usage error.
    aadlint_in(dir.path())
        .args(["scan", "app.log", "--no-config", "--fail-on", "AADSTS9999901"])
        .assert()
        .code(2);
}

#[test]
fn layout_entries_pick_the_layout_of_matching_inputs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo().join("fixtures/clients/a1_msal_happy.log"),
        dir.path().join("a1.log"),
    )
    .unwrap();
    std::fs::copy(
        repo().join("fixtures/clients/a2_azidentity_happy.log"),
        dir.path().join("a2.log"),
    )
    .unwrap();
    let layouts = |extra: &[&str]| -> Vec<(String, String)> {
        let out = aadlint_in(dir.path())
            .args(["scan", ".", "--format", "json"])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        json_of(&out)["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["path"].as_str().unwrap().into(),
                    i["layout"].as_str().unwrap_or("").into(),
                )
            })
            .collect()
    };
    let detected = layouts(&["--no-config"]);
    assert_ne!(detected[0].1, "klog");
    std::fs::write(
        dir.path().join("aadlint.toml"),
        "[[layout]]\npath = \"a1.*\"\nname = \"klog\"\n",
    )
    .unwrap();
    let chosen = layouts(&[]);
    assert_eq!(chosen[0], ("./a1.log".to_string(), "klog".to_string()));
    assert_eq!(chosen[1], detected[1], "other inputs keep the detected layout");
    // --layout on the command line wins over the file.
    let forced = layouts(&["--layout", "syslog"]);
    assert!(forced.iter().all(|(_, l)| l == "syslog"), "{forced:?}");
    std::fs::write(
        dir.path().join("aadlint.toml"),
        "[[layout]]\npath = \"a1.*\"\nname = \"klogg\"\n",
    )
    .unwrap();
    aadlint_in(dir.path())
        .args(["scan", "."])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "aadlint.toml: [[layout]] name: no layout named \"klogg\"",
        ));
}

#[test]
fn rewriting_a_baseline_keeps_reasons_and_leaves_the_config_files_entries_out() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo().join(REUSED), dir.path().join("a.log")).unwrap();
    std::fs::copy(repo().join(BAD_PASSWORD), dir.path().join("b.log")).unwrap();
    let run = |args: &[&str]| aadlint_in(dir.path()).args(["scan", ".", "-q"]).args(args).assert();
    run(&["--write-baseline", "base.toml"]).code(0);
    let path = dir.path().join("base.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let entry = "code = \"AADSTS50126\"\npath = \"b.log\"\nreason = \"accepted when the baseline was written\"\n";
    assert!(text.contains(entry), "{text}");
    let edited = text.replace(
        entry,
        "code = \"AADSTS50126\"\npath = \"b.log\"\nreason = \"the test tenant's locked account\"\nexpires = 2999-12-31\n",
    );
    std::fs::write(&path, edited).unwrap();
    std::fs::write(
        dir.path().join("aadlint.toml"),
        "[[ignore]]\ncause = \"polled-after-success\"\nreason = \"known, fixed in the next release\"\n",
    )
    .unwrap();
    std::fs::copy(
        repo().join("fixtures/real/019_azcli-adal-multitenant-50076-suberror.log"),
        dir.path().join("c.log"),
    )
    .unwrap();
    run(&["--baseline", "base.toml", "--write-baseline", "base.toml"]).code(0);
    let rewritten = std::fs::read_to_string(&path).unwrap();
    assert!(
        rewritten.contains("path = \"b.log\"\nreason = \"the test tenant's locked account\"\nexpires = 2999-12-31\n"),
        "{rewritten}"
    );
    assert!(
        rewritten.contains("code = \"AADSTS50076\"\npath = \"c.log\""),
        "the new problem is added"
    );
    assert!(
        !rewritten.contains("polled-after-success"),
        "the config file's entry covers it"
    );
    run(&["--baseline", "base.toml", "--fail-on", "info"]).code(0);
    run(&[
        "--no-config",
        "--baseline",
        "base.toml",
        "--fail-on",
        "polled-after-success",
    ])
    .code(1);
}
