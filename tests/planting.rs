//! Differential secret planting through the real binary: every sample of every secret shape
//! (`rules/secrets/`), joined by every separator, at every position of a quoted log line, in
//! short lines and in lines long enough to be read in windows (the secret right at a window's
//! edge), read from a file and from stdin, must not appear in the json, table or sarif report,
//! nor in the events file (`--emit`).
//! The same lines through the redactor alone: the generator in `planted_lines` also drives the
//! fuzz target `fuzz/fuzz_targets/plant_secrets.rs`.

use assert_cmd::Command;

/// The report formats, and `events`: the events file `--emit -` writes (every event's excerpt,
/// windows of long lines included).
const FORMATS: [&str; 4] = ["json", "table", "sarif", "events"];
const SEPARATORS: [&str; 5] = [" ", "\t", ", ", " | ", ""];

/// Every shape's samples (line, secret), from the catalog files.
fn samples() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir("rules/secrets")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for path in files {
        let table: toml::Table = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for s in table["samples"].as_array().unwrap() {
            out.push((
                s["line"].as_str().unwrap().to_string(),
                s["secret"].as_str().unwrap().to_string(),
            ));
        }
    }
    out
}

/// A quoted line (a device code polled again: a finding whose evidence is this line) with
/// `plant` joined by `sep` before the flow's words (position 0), right after them (1), or after
/// more text (2). A long line (`long`) starts with 70 KiB of JSON-like fields without a blank,
/// so it is read in windows: the plant stands right at the start of the window around the
/// flow's words (0, 1), or `gap` bytes after them, where that window ends (2).
fn planted_line(n: usize, plant: &str, sep: &str, position: usize, long: Option<usize>) -> String {
    let anchor =
        format!("token request with device_code=DAQABIQEAAADPlanted{n:06}x failed: invalid_grant: AADSTS90120");
    let filler = |len: usize| -> String {
        let mut f = String::new();
        while f.len() < len {
            f.push_str("\"k\":\"lorem-ipsum\",");
        }
        f
    };
    let head = format!(
        "2026-11-27 10:{:02}:{:02},000 100 MainThread app ERROR ",
        n / 60 % 60,
        n % 60
    );
    let gap = long.map_or(" already redeemed".to_string(), filler);
    let body = match position {
        0 => format!("{plant}{sep}{anchor}"),
        1 => format!("{anchor}{sep}{plant}"),
        _ => format!("{anchor}{gap}{sep}{plant}"),
    };
    match long {
        None => head + &body,
        Some(_) => format!("{head}{}{sep}{body}{sep}{}", filler(70 << 10), filler(2 << 10)),
    }
}

fn run(args: &[&str], stdin: Option<&[u8]>) -> String {
    let mut cmd = Command::cargo_bin("aadlint").unwrap();
    cmd.arg("scan").args(args).args(["--color", "never"]);
    if let Some(bytes) = stdin {
        cmd.write_stdin(bytes.to_vec());
    }
    let out = cmd.output().unwrap();
    String::from_utf8_lossy(&[out.stdout, out.stderr].concat()).into_owned()
}

fn check(lines: &[(String, String)], label: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("planted.log");
    let log: String = lines.iter().map(|(l, _)| format!("{l}\n")).collect();
    std::fs::write(&path, &log).unwrap();
    // Every secret, raw and as a JSON string's inside, in one automaton: one pass over each report.
    // (A `contains` per secret compiles unoptimised in this test crate: 150 s for the short lines.)
    let needles: Vec<(usize, String)> = lines
        .iter()
        .enumerate()
        .flat_map(|(i, (_, secret))| {
            let escaped = serde_json::to_string(secret).unwrap();
            [(i, secret.clone()), (i, escaped[1..escaped.len() - 1].to_string())]
        })
        .collect();
    let secrets = aho_corasick::AhoCorasick::new(needles.iter().map(|(_, n)| n)).unwrap();
    for format in FORMATS {
        for (source, stdin) in [(path.to_str().unwrap(), None), ("-", Some(log.as_bytes()))] {
            let out = match format {
                "events" => run(&[source, "--emit", "-"], stdin),
                _ => run(&[source, "--format", format], stdin),
            };
            assert!(out.contains("AADSTS90120"), "{label} {format}: nothing reported");
            if let Some(m) = secrets.find(&out) {
                let (line, secret) = &lines[needles[m.pattern().as_usize()].0];
                let at = m.start();
                let from = (0..=at.saturating_sub(300))
                    .rev()
                    .find(|&i| out.is_char_boundary(i))
                    .unwrap_or(0);
                let shown = &out[from..at];
                panic!(
                    "{label} --format {format} from {source}: {secret:?} (planted as in {:?}) leaks after: {shown}",
                    &line[..line.len().min(200)]
                );
            }
        }
    }
}

/// Secrets long enough that a report's own words cannot hold them by chance.
fn plantable() -> Vec<(String, String)> {
    samples().into_iter().filter(|(_, s)| s.len() >= 6).collect()
}

#[test]
fn planted_secrets_in_short_lines_never_reach_a_report() {
    let mut lines = Vec::new();
    for (plant, secret) in plantable() {
        for sep in SEPARATORS {
            for position in 0..3 {
                let line = planted_line(lines.len(), &plant, sep, position, None);
                lines.push((line, secret.clone()));
            }
        }
    }
    assert!(lines.len() > 500, "{}", lines.len());
    check(&lines, "short lines");
}

#[test]
fn planted_secrets_at_the_edges_of_long_line_windows_never_reach_a_report() {
    let mut lines = Vec::new();
    for (plant, secret) in plantable() {
        for (sep, position, gap) in [("", 0, 0), ("", 1, 0), (" ", 2, 4000), (" ", 2, 7000), (" ", 2, 8100)] {
            let line = planted_line(lines.len(), &plant, sep, position, Some(gap));
            lines.push((line, secret.clone()));
        }
    }
    check(&lines, "long lines");
}

#[allow(dead_code)]
#[path = "support/fuzz.rs"]
mod fuzz_support;

/// The fuzz target's planting generator as a long loop (xorshift inputs): `AADLINT_PLANTS`
/// inputs (default 400; the figures of long runs are in `fuzz/README.md`).
#[test]
fn the_planting_generator_finds_nothing_open() {
    let runs: u64 = std::env::var("AADLINT_PLANTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (mut planted, mut long) = (0u64, 0u64);
    for _ in 0..runs {
        let data: Vec<u8> = (0..16).flat_map(|_| next().to_le_bytes()).take(16).collect();
        if let Some(p) = fuzz_support::planted(&data) {
            fuzz_support::check_planted(&p);
            planted += 1;
            long += u64::from(p.line.len() > aadlint::scan::MAX_LINE);
        }
    }
    // The generator plants most inputs, and a share of them in lines read in windows.
    assert!(planted * 10 >= runs * 9, "{planted} of {runs}");
    assert!(long * 5 >= planted, "{long} long of {planted}");
}
