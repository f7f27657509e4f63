//! Memory is bounded by a budget, not by the number of flows: a log of many distinct device
//! codes (`gen_log --flows`), scanned with a small `AADLINT_MEMORY_BUDGET`, keeps only the flows
//! that fit, says so in every report, fails a gate closed, and its peak RSS stays near that of a
//! tiny log instead of growing with the flows. No timing is asserted.

#[path = "../benches/synth/mod.rs"]
mod synth;

use assert_cmd::Command;
use serde_json::Value;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

/// Flows in the large log: without the budget their report takes about 140 MiB more than a
/// tiny log's.
const FLOWS: u64 = 40_000;
/// The budget the large log is scanned with, in MiB.
const BUDGET_MIB: u64 = 4;
/// What the scan charges each kept event at least (`REPORT_BYTES_PER_EVENT`).
const BYTES_PER_EVENT: u64 = 2560;

fn write_flows(path: &Path, flows: u64) -> Vec<String> {
    let mut w = BufWriter::new(File::create(path).expect("create the log"));
    synth::generate_flows(&mut w, flows, false, 7).expect("write the log")
}

fn scan(path: &Path, budget_mib: Option<u64>, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::cargo_bin("aadlint").unwrap();
    if let Some(b) = budget_mib {
        cmd.env("AADLINT_MEMORY_BUDGET", b.to_string());
    }
    cmd.arg("scan").arg(path).args(args).output().unwrap()
}

#[test]
fn many_flows_are_kept_within_the_budget_and_the_report_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flows.log");
    let ids = write_flows(&path, FLOWS);

    let out = scan(&path, Some(BUDGET_MIB), &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let limits = &v["limits"];
    assert_eq!(limits["memory_budget"], BUDGET_MIB << 20);
    let over = limits["events_over_budget"].as_u64().unwrap();
    assert!(over > 0, "the budget must cut: {limits}");
    assert_eq!(limits["events_dropped"].as_u64(), Some(over));
    // The flows kept are the first ones of the log, and no more than the budget pays for.
    let kept: Vec<&str> = v["flows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(!kept.is_empty());
    assert!(
        kept.len() as u64 <= (BUDGET_MIB << 20) / BYTES_PER_EVENT,
        "{} flows kept",
        kept.len()
    );
    assert_eq!(kept, ids[..kept.len()].iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(kept.len() as u64 + over, FLOWS, "one event per flow");

    // Every report says what was left out.
    for format in ["table", "markdown", "sarif", "github", "azure"] {
        let out = scan(&path, Some(BUDGET_MIB), &["--format", format]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("memory budget of 4 MiB"), "{format}: {text}");
    }

    // A gate cannot pass what was not analysed.
    let out = scan(&path, Some(BUDGET_MIB), &["--format", "json", "--fail-on", "error"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("memory budget of 4 MiB"), "{stderr}");
}

#[test]
fn a_budget_that_is_not_a_number_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flows.log");
    write_flows(&path, 3);
    for bad in ["abc", "-1", "1.5"] {
        let out = Command::cargo_bin("aadlint")
            .unwrap()
            .env("AADLINT_MEMORY_BUDGET", bad)
            .arg("scan")
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("AADLINT_MEMORY_BUDGET"));
    }
    // The default budget keeps a small log whole.
    let out = scan(&path, None, &["--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["limits"]["events_dropped"], 0);
    assert_eq!(v["flows"].as_array().unwrap().len(), 3);
}

/// The peak RSS of a child, in KiB, from `wait4`: each child's own, whatever else the test
/// process runs.
#[cfg(target_os = "linux")]
#[allow(clippy::zombie_processes)] // wait4 reaps the child
fn peak_rss_kib(path: &Path, budget_mib: u64, format: &str) -> i64 {
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("aadlint"))
        .env("AADLINT_MEMORY_BUDGET", budget_mib.to_string())
        .args(["scan", "--format", format])
        .arg(path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value, and wait4 only writes into the two locals.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t);
    usage.ru_maxrss
}

#[cfg(target_os = "linux")]
#[test]
fn peak_memory_follows_the_budget_not_the_flows() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = dir.path().join("tiny.log");
    let large = dir.path().join("large.log");
    write_flows(&tiny, 100);
    write_flows(&large, FLOWS);
    for format in ["json", "sarif"] {
        let base = peak_rss_kib(&tiny, BUDGET_MIB, format);
        let peak = peak_rss_kib(&large, BUDGET_MIB, format);
        // The budget's 4 MiB, what the scan's threads hold while reading, and allocator slack;
        // without the budget the large log takes about 140 MiB more than the tiny one.
        assert!(
            peak - base < 40 << 10,
            "{format}: peak RSS {peak} KiB, against {base} KiB for a tiny log"
        );
    }
}
