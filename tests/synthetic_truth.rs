//! A large synthetic log, scanned by the real binary, must give exactly the report its generator
//! planted: every code's mention counts, every planted device code flow with its root cause, no
//! finding on a healthy flow, and no flow that was not planted.
//!
//! The log (about 20 MiB, see `benches/synth`) mixes application chatter — stack traces, access
//! logs, JSON lines, lines of several KB and two lines longer than the scanner's 64 KiB window,
//! invalid UTF-8, CRLF — with stand-alone AADSTS errors and one device code flow of every root
//! cause in turn.

#[path = "../benches/synth/mod.rs"]
mod synth;

use assert_cmd::Command;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::time::Instant;

const SIZE: u64 = 20 << 20;
/// Ten times the default, like the dense benchmark log: every root cause is planted about 25 times,
/// and auth records of different processes often sit within a few lines of each other.
const DENSITY: f64 = 0.05;
const SEED: u64 = 1;

fn generate(path: &Path) -> synth::Truth {
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path).expect("create the log"));
    synth::generate(&mut w, SIZE, DENSITY, SEED).expect("write the log")
}

fn scan(path: &Path, options: &[&str]) -> Value {
    let out = Command::cargo_bin("aadlint")
        .expect("the aadlint binary")
        .arg("scan")
        .arg(path)
        .args(["--format", "json"])
        .args(options)
        .output()
        .expect("run aadlint");
    assert!(
        out.status.success(),
        "aadlint scan failed: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the report is JSON")
}

/// The text of line `n` (1-based) of `data`, shortened, and its length in bytes.
fn line_of(data: &[u8], n: u64) -> (String, usize) {
    let line = data
        .split(|&b| b == b'\n')
        .nth(n.max(1) as usize - 1)
        .unwrap_or_default();
    let text = String::from_utf8_lossy(line);
    let shown = if text.chars().count() > 240 {
        format!("{}… ({} bytes)", text.chars().take(240).collect::<String>(), line.len())
    } else {
        text.into_owned()
    };
    (shown, line.len())
}

#[test]
fn report_matches_the_planted_truth() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("synthetic.log");
    let started = Instant::now();
    let truth = generate(&path);
    let generated = started.elapsed();
    let report = scan(&path, &[]);
    eprintln!(
        "generated {} bytes ({} lines, {} flows) in {:.2?}; scanned in {:.2?}",
        truth.bytes,
        truth.lines,
        truth.flows.len(),
        generated,
        started.elapsed() - generated
    );

    // The generator plants what it should.
    let kinds: BTreeSet<&str> = truth.flows.iter().map(|f| f.kind.as_str()).collect();
    for k in synth::Kind::ALL {
        assert!(kinds.contains(k.name()), "no {} flow planted", k.name());
    }
    assert!(truth.huge_lines >= 1, "no line longer than 64 KiB planted");

    let data = std::fs::read(&path).expect("read the log back");
    let mut problems: Vec<String> = Vec::new();

    // Totals.
    let summary = &report["summary"];
    if summary["bytes"].as_u64() != Some(truth.bytes) {
        problems.push(format!(
            "summary.bytes: report {} truth {}",
            summary["bytes"], truth.bytes
        ));
    }
    if summary["lines"].as_u64() != Some(truth.lines) {
        problems.push(format!(
            "summary.lines: report {} truth {}",
            summary["lines"], truth.lines
        ));
    }

    // Codes: every count, and no code the log does not mention.
    let reported: BTreeMap<String, &Value> = report["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| (c["code"].as_str().expect("code").to_string(), c))
        .collect();
    let names: BTreeSet<&String> = reported.keys().chain(truth.codes.keys()).collect();
    for code in names {
        let want = truth.codes.get(code).cloned().unwrap_or_default();
        let (occ, bare) = reported.get(code).map_or((0, 0), |c| {
            (
                c["occurrences"].as_u64().unwrap_or(0),
                c["bare_occurrences"].as_u64().unwrap_or(0),
            )
        });
        if (occ, bare) != (want.occurrences, want.bare_occurrences) {
            let mut p = format!(
                "{code}: report occurrences {occ} bare_occurrences {bare}, truth {} and {}",
                want.occurrences, want.bare_occurrences
            );
            if let Some(c) = reported.get(code) {
                // Lines longer than the scanner's 64 KiB window first: they are read in windows.
                let mut lines: Vec<(u64, String, usize)> = c["locations"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|l| l["line"].as_u64())
                    .map(|n| {
                        let (text, len) = line_of(&data, n);
                        (n, text, len)
                    })
                    .collect();
                lines.sort_by_key(|l| (l.2 <= 64 << 10, l.0));
                for (n, text, len) in lines.into_iter().take(4) {
                    let long = if len > 64 << 10 { " [longer than 64 KiB]" } else { "" };
                    p.push_str(&format!("\n    line {n}{long}: {text}"));
                }
            }
            problems.push(p);
        }
    }

    // Flows: each planted flow with exactly its findings; nothing else.
    let flows: BTreeMap<&str, &Value> = report["flows"]
        .as_array()
        .expect("flows")
        .iter()
        .map(|f| (f["id"].as_str().expect("flow id"), f))
        .collect();
    let planted: BTreeSet<&str> = truth.flows.iter().map(|f| f.id.as_str()).collect();
    for f in &truth.flows {
        let Some(got) = flows.get(f.id.as_str()) else {
            problems.push(format!(
                "{} flow {} ({}, lines {}..{}, pids {:?}) is missing\n    first line: {}",
                f.kind,
                f.id,
                f.variant,
                f.first_line,
                f.last_line,
                f.pids,
                line_of(&data, f.first_line).0
            ));
            continue;
        };
        let mut found: Vec<String> = got["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        found.sort();
        let mut want = f.expected_findings.clone();
        want.sort();
        if found != want {
            problems.push(format!(
                "{} flow {} ({}, lines {}..{}): findings {found:?}, expected {want:?} (outcome {}, {} polls)",
                f.kind, f.id, f.variant, f.first_line, f.last_line, got["outcome"], got["polls"]
            ));
        }
    }
    for (id, f) in &flows {
        if !planted.contains(id) {
            problems.push(format!("flow {id} was not planted: {}", f["start"]));
        }
    }
    let healthy: BTreeSet<&str> = truth
        .flows
        .iter()
        .filter(|f| f.kind == "healthy")
        .map(|f| f.id.as_str())
        .collect();
    for finding in report["findings"].as_array().expect("findings") {
        let flow = finding["flow"].as_str().unwrap_or_default();
        let severity = finding["severity"].as_str().unwrap_or_default();
        if healthy.contains(flow) && severity != "info" {
            problems.push(format!(
                "healthy flow {flow} has a {severity} finding {}",
                finding["cause"]
            ));
        }
        if !planted.contains(flow) {
            problems.push(format!("finding {} on unplanted flow {flow}", finding["cause"]));
        }
    }
    assert_eq!(flows.len(), truth.flows.len(), "flow count\n{}", problems.join("\n"));
    if scan(&path, &["--no-mmap"]) != report {
        problems.push("the report differs when the log is copied instead of mapped (--no-mmap)".into());
    }

    assert!(
        problems.is_empty(),
        "{} difference(s) between the report and the truth:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn generator_is_deterministic() {
    let (a, ta) = synth::generate_vec(1 << 20, 0.05, 7);
    let (b, tb) = synth::generate_vec(1 << 20, 0.05, 7);
    assert_eq!(a, b);
    assert_eq!(ta, tb);
    let (c, _) = synth::generate_vec(1 << 20, 0.05, 8);
    assert_ne!(a, c);
    assert!(!a.contains(&0), "NUL byte in the log");
    assert!(
        std::str::from_utf8(&a).is_err(),
        "the log should hold some invalid UTF-8"
    );
}

/// The line's own time as `YYYY-MM-DD HH:MM:SS[.mmm]`, for the formats whose time opens the line
/// (Python, logback, .NET, access logs, JSON lines).
fn time_key(line: &[u8]) -> Option<String> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let text = String::from_utf8_lossy(&line[..line.len().min(120)]);
    let iso = |s: &str| -> Option<String> {
        let b = s.as_bytes();
        let ok = b.len() >= 23
            && b[4] == b'-'
            && b[7] == b'-'
            && (b[10] == b' ' || b[10] == b'T')
            && b[13] == b':'
            && b[16] == b':';
        ok.then(|| s[..23].replace('T', " ").replace(',', "."))
    };
    if let Some(rest) = text
        .strip_prefix("{\"timestamp\": \"")
        .or_else(|| text.strip_prefix("{\"createdDateTime\": \""))
    {
        return iso(rest);
    }
    if let Some(k) = iso(&text) {
        return Some(k);
    }
    // `10.0.1.2 - - [27/Nov/2026:10:04:14 +0000]`: seconds only.
    let open = text.find(" - - [")? + 6;
    let clf = text.get(open..open + 20)?;
    let month = MONTHS.iter().position(|m| *m == &clf[3..6])? + 1;
    Some(format!("{}-{month:02}-{} {}", &clf[7..11], &clf[0..2], &clf[12..20]))
}

#[test]
fn timestamps_never_go_back() {
    let (data, truth) = synth::generate_vec(4 << 20, 0.05, 3);
    assert_eq!(data.iter().filter(|&&b| b == b'\n').count() as u64, truth.lines);
    let mut last = String::new();
    let mut seen = 0u64;
    for line in data.split(|&b| b == b'\n') {
        let Some(key) = time_key(line) else { continue };
        // Compare at the precision of the less precise of the two.
        let n = key.len().min(last.len());
        assert!(
            key[..n] >= last[..n],
            "time goes back: {last} then {key}: {}",
            String::from_utf8_lossy(line)
        );
        if key.len() >= last.len() || key[..n] > last[..n] {
            last = key;
        }
        seen += 1;
    }
    assert!(
        seen > truth.lines / 2,
        "too few timestamps checked: {seen} of {} lines",
        truth.lines
    );
}
