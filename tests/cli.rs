//! The command line as users and CI drive it: exit codes, inputs of every kind, explain, rules.

use assert_cmd::Command;
use predicates::prelude::*;
use std::io::Write;

fn aadlint() -> Command {
    let mut c = Command::cargo_bin("aadlint").unwrap();
    c.env_remove("NO_COLOR");
    c
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = aadlint().args(args).args(["--format", "json"]).output().unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

fn code_counts(v: &serde_json::Value) -> Vec<(String, u64, u64)> {
    v["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["code"].as_str().unwrap().to_string(),
                c["occurrences"].as_u64().unwrap(),
                c["failures"].as_u64().unwrap(),
            )
        })
        .collect()
}

const HAPPY: &str = "fixtures/clients/a1_msal_happy.log";
const REUSED: &str = "fixtures/clients/b1_msal_reuse_after_success.log";
const BAD_PASSWORD: &str = "fixtures/real/043_python-traceback-shareplum-50126-tuple.log";
const MFA: &str = "fixtures/real/019_azcli-adal-multitenant-50076-suberror.log";

#[test]
fn exit_code_matrix() {
    // No --fail-on: findings are reported, the exit code stays 0.
    aadlint().args(["scan", REUSED]).assert().code(0);
    aadlint()
        .args(["scan", REUSED, "--fail-on", "reused-device-code"])
        .assert()
        .code(1);
    aadlint()
        .args(["scan", HAPPY, "--fail-on", "reused-device-code"])
        .assert()
        .code(0);
    aadlint()
        .args(["scan", REUSED, "--fail-on", "polled-after-success"])
        .assert()
        .code(1);
    aadlint()
        .args(["scan", REUSED, "--fail-on", "user-declined"])
        .assert()
        .code(0);
    // AADSTS50076 (MFA required) is a warning; AADSTS50126 (bad password) an error.
    aadlint().args(["scan", MFA, "--fail-on", "error"]).assert().code(0);
    aadlint().args(["scan", MFA, "--fail-on", "warning"]).assert().code(1);
    aadlint()
        .args(["scan", BAD_PASSWORD, "--fail-on", "error"])
        .assert()
        .code(1);
    aadlint()
        .args(["scan", MFA, "--fail-on", "AADSTS50076"])
        .assert()
        .code(1);
    aadlint().args(["scan", MFA, "--fail-on", "50079"]).assert().code(0);
    aadlint().args(["scan", HAPPY, "--fail-on", "warning"]).assert().code(0);
    aadlint()
        .args(["scan", HAPPY, "--fail-on", "nonsense"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--fail-on"));
    aadlint().args(["scan"]).assert().code(2);
    aadlint().args(["frobnicate"]).assert().code(2);
    // An unreadable input wins over findings: exit 2, and the rest is still scanned.
    aadlint()
        .args(["scan", "fixtures/does-not-exist.log", MFA, "--fail-on", "warning"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "fixtures/does-not-exist.log: no such file or directory",
        ))
        .stdout(
            predicate::str::contains("AADSTS50076")
                .and(predicate::str::contains("Could not read fixtures/does-not-exist.log")),
        );
}

#[test]
fn missing_input_is_listed_in_json() {
    let v = json(&["scan", "nope.log", MFA]);
    assert_eq!(v["inputs"][0]["path"], "nope.log");
    assert_eq!(v["inputs"][0]["error"], "no such file or directory");
    assert_eq!(v["inputs"][1]["error"], serde_json::Value::Null);
    assert_eq!(v["summary"]["input_errors"], 1);
    assert_eq!(code_counts(&v), vec![("AADSTS50076".into(), 1, 1)]);
}

#[test]
fn json_report_has_the_contract_shape() {
    let v = json(&["scan", REUSED]);
    assert_eq!(v["schema_version"], 2);
    assert_eq!(v["tool"]["name"], "aadlint");
    assert_eq!(v["inputs"][0]["lines"], 60);
    let code = &v["codes"][0];
    for key in ["code", "name", "severity", "occurrences", "failures", "locations"] {
        assert!(code.get(key).is_some(), "codes[] lacks {key}");
    }
    for key in ["path", "line", "trace_id", "correlation_id", "timestamp"] {
        assert!(code["locations"][0].get(key).is_some(), "locations[] lacks {key}");
    }
    assert_eq!(
        code["locations"][0]["correlation_id"],
        "478457b3-a111-4b91-90dc-47799476d1c9"
    );
    assert_eq!(code["locations"][0]["trace_id"], "08da16f5-f49b-4cf3-b63f-b24308c3be00");
    // The server's `Timestamp: ...Z` under the error is the failure's time: the line's own
    // time names no zone.
    assert_eq!(code["locations"][0]["timestamp"], "2026-11-27 10:04:37Z");
    assert_eq!(v["inputs"][0]["layout"], "python-process-thread");
    let f = &v["findings"][0];
    for key in ["cause", "severity", "flow", "workers", "evidence", "fix"] {
        assert!(f.get(key).is_some(), "findings[] lacks {key}");
    }
    assert_eq!(f["cause"], "polled-after-success");
    // Version 2: times as RFC 3339 UTC next to the text as logged, workers as objects.
    assert_eq!(code["locations"][0]["time"], "2026-11-27T10:04:37Z");
    assert_eq!(f["first_time_text"], "2026-11-27 10:04:29,497");
    assert_eq!(f["first_time"], "2026-11-27T10:04:29.497Z");
    assert!(f["last_time"].as_str().unwrap() >= f["first_time"].as_str().unwrap());
    let w = &f["workers_detail"][0];
    assert_eq!(w["input"], REUSED);
    assert_eq!(w["label"], f["workers"][0]);
    for key in ["host", "process", "pid", "thread"] {
        assert!(w.get(key).is_some(), "workers_detail[] lacks {key}");
    }
    let flow = &v["flows"][0];
    assert_eq!(
        flow["first_time_text"], flow["first_timestamp"],
        "the version-1 field stays"
    );
}

#[test]
fn stdin_and_gzip_read_like_files() {
    let plain = json(&["scan", REUSED]);
    let text = std::fs::read(REUSED).unwrap();
    let out = aadlint()
        .args(["scan", "-", "--format", "json"])
        .write_stdin(text.clone())
        .output()
        .unwrap();
    let from_stdin: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(code_counts(&from_stdin), code_counts(&plain));
    assert_eq!(from_stdin["findings"][0]["cause"], "polled-after-success");

    // Two gzip members, like `cat a.gz b.gz`.
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("app.log.gz");
    let mut file = std::fs::File::create(&gz).unwrap();
    let (a, b) = text.split_at(text.len() / 2);
    for part in [a, b] {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(part).unwrap();
        file.write_all(&enc.finish().unwrap()).unwrap();
    }
    drop(file);
    let zipped = json(&["scan", gz.to_str().unwrap()]);
    assert_eq!(code_counts(&zipped), code_counts(&plain));
    assert_eq!(zipped["inputs"][0]["bytes"], plain["inputs"][0]["bytes"]);
    assert_eq!(zipped["inputs"][0]["lines"], plain["inputs"][0]["lines"]);
}

#[test]
fn broken_gzip_is_named_and_the_rest_is_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("cut.log.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&std::fs::read(REUSED).unwrap().repeat(50)).unwrap();
    let bytes = enc.finish().unwrap();
    std::fs::write(&gz, &bytes[..bytes.len() / 2]).unwrap();
    let path = gz.to_str().unwrap();
    let out = aadlint()
        .args(["scan", path, MFA, "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(path), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["inputs"][0]["error"].is_string());
    assert!(v["codes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["code"] == "AADSTS50076"));
    assert!(
        v["inputs"][0]["bytes"].as_u64().unwrap() > 0,
        "what was decoded before the break is scanned"
    );
}

#[test]
fn output_is_identical_at_any_thread_count() {
    let run = |threads: &str, format: &str| {
        aadlint()
            .args(["scan", "fixtures", "--format", format, "--threads", threads])
            .output()
            .unwrap()
            .stdout
    };
    for format in ["json", "table"] {
        let one = run("1", format);
        assert!(!one.is_empty());
        assert_eq!(one, run("4", format), "{format} differs between 1 and 4 threads");
    }
}

#[test]
fn directories_are_walked_in_sorted_order() {
    let v = json(&["scan", "fixtures/real"]);
    let paths: Vec<&str> = v["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["path"].as_str().unwrap())
        .collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    assert!(paths.len() >= 25);
}

#[test]
fn explain_a_code_by_number_prefix_or_name() {
    for q in ["AADSTS90120", "90120", "aadsts90120", "InvalidDeviceFlowRequest"] {
        aadlint().args(["explain", q]).assert().code(0).stdout(
            predicate::str::contains("AADSTS90120 (InvalidDeviceFlowRequest)")
                .and(predicate::str::contains(
                    "https://login.microsoftonline.com/error?code=90120",
                ))
                .and(predicate::str::contains("Fix:")),
        );
    }
    aadlint()
        .args(["explain", "70016"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("not an error"));
    aadlint()
        .args(["explain", "AADSTS99999"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no rule named"));
}

#[test]
fn explain_a_root_cause() {
    aadlint()
        .args(["explain", "polled-after-success"])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("What it does")
                .and(predicate::str::contains("Why it matters"))
                .and(predicate::str::contains("Fix")),
        );
}

#[test]
fn rules_lists_everything() {
    aadlint()
        .args(["rules"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("shared-across-workers").and(predicate::str::contains("AADSTS9002332")));
    let out = aadlint().args(["rules", "--format", "json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["causes"].as_array().unwrap().len(), 13);
    assert!(v["codes"].as_array().unwrap().len() >= 349);
    // Every client shape file, by its id, with the steps its phrases tell.
    let clients = v["clients"].as_array().unwrap();
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/clients"))
        .unwrap()
        .count();
    assert_eq!(clients.len(), files);
    let browser = clients.iter().find(|c| c["client"] == "system-browser").unwrap();
    assert!(browser["phrases"]["no-browser"]
        .as_array()
        .is_some_and(|p| !p.is_empty()));
    assert!(browser.get("samples").is_none());
}

#[test]
fn broken_override_rule_names_path_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("AADSTS90120.toml"),
        "code = \"AADSTS90120\"\nname = [unclosed\n",
    )
    .unwrap();
    aadlint()
        .args(["explain", "90120", "--rules", dir.path().to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::is_match(r"AADSTS90120\.toml:2:\d+: ").unwrap());
}

#[test]
fn override_cause_without_a_detector_is_refused_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let rule = "title = \"Made up\"\nid = \"made-up-cause\"\nwhat_it_does = \"x\"\nwhy_it_matters = \"x\"\nfix = \"x\"\nexample = \"x\"\n";
    std::fs::write(dir.path().join("made-up-cause.toml"), rule).unwrap();
    for args in [vec!["rules"], vec!["explain", "made-up-cause"], vec!["scan", HAPPY]] {
        aadlint()
            .args(&args)
            .args(["--rules", dir.path().to_str().unwrap()])
            .assert()
            .code(2)
            .stdout("")
            .stderr(
                predicate::str::is_match(r"made-up-cause\.toml:2:6: no detector for cause id .made-up-cause.").unwrap(),
            );
    }
}

#[test]
fn fail_on_takes_every_cause_the_registry_detects() {
    let early = "fixtures/causes/expired-early/trigger-msal-seconds.log";
    aadlint()
        .args(["scan", early, "--fail-on", "Expired-Early", "--format", "json"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("expired-early in flow"));
    // Nobody had the time to enter the code: the flow is not reported as abandoned.
    aadlint()
        .args(["scan", early, "--fail-on", "abandoned-flow", "--format", "json"])
        .assert()
        .code(0);
    aadlint()
        .args(["scan", HAPPY, "--fail-on", "made-up-cause"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("repeated-device-code-prompts"));
}

#[test]
fn override_cause_can_change_its_severity() {
    let dir = tempfile::tempdir().unwrap();
    let builtin = std::fs::read_to_string("rules/causes/polled-after-success.toml").unwrap();
    std::fs::write(
        dir.path().join("polled-after-success.toml"),
        format!("severity = \"info\"\n{builtin}"),
    )
    .unwrap();
    let v = json(&["scan", REUSED, "--rules", dir.path().to_str().unwrap()]);
    assert_eq!(v["findings"][0]["cause"], "polled-after-success");
    assert_eq!(v["findings"][0]["severity"], "info");
}

#[test]
fn override_rule_replaces_the_builtin() {
    let dir = tempfile::tempdir().unwrap();
    let rule = "code = \"AADSTS50076\"\nname = \"Custom\"\nsummary = \"Our own words for it\"\ncategory = \"mfa-conditional-access\"\nfixed_by = \"user\"\nconditional_access = true\nseverity = \"warning\"\n";
    std::fs::write(dir.path().join("AADSTS50076.toml"), rule).unwrap();
    let v = json(&["scan", MFA, "--rules", dir.path().to_str().unwrap()]);
    assert_eq!(v["codes"][0]["meaning"], "Our own words for it");
    assert_eq!(v["codes"][0]["severity"], "warning");
}

#[test]
fn empty_file_is_clean() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.log");
    std::fs::write(&empty, b"").unwrap();
    let v = json(&["scan", empty.to_str().unwrap()]);
    assert_eq!(v["inputs"][0]["lines"], 0);
    assert_eq!(v["inputs"][0]["error"], serde_json::Value::Null);
    aadlint()
        .args(["scan", empty.to_str().unwrap(), "--fail-on", "info"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("no AADSTS code found"));
}

#[test]
fn real_samples_give_exactly_the_codes_their_index_lists() {
    let v = json(&["scan", "fixtures/real"]);
    let index = std::fs::read_to_string("fixtures/real/INDEX.tsv").unwrap();
    for row in index.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        let file = format!("fixtures/real/{}", cols[0]);
        let mut expected: Vec<String> = cols[3]
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| w.starts_with("AADSTS"))
            .map(str::to_string)
            .collect();
        // The sign-in error pages print the code bare: `Error Code: 53003`.
        if let Some(bare) = cols[3].split("Error Code: ").nth(1) {
            expected.push(format!(
                "AADSTS{}",
                bare.trim_end_matches(|c: char| !c.is_ascii_digit())
            ));
        }
        expected.sort();
        expected.dedup();
        let mut found: Vec<String> = v["codes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| {
                c["locations"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|l| l["path"] == file.as_str())
            })
            .map(|c| c["code"].as_str().unwrap().to_string())
            .collect();
        found.sort();
        assert_eq!(found, expected, "{file}");
    }
}
