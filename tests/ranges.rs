//! A regular file is read in line-aligned ranges on several threads; every other source (stdin,
//! gzip) is read as one stream. Both must give the same report, whatever the thread count, where
//! lines cross range boundaries, where a line is longer than a range, and with `\r` line ends.

#[path = "../benches/synth/mod.rs"]
mod synth;

use assert_cmd::Command;
use std::io::{BufWriter, Write};
use std::path::Path;

/// The JSON report of `args`, with the input's path made `-` so reports of a file and of stdin
/// compare equal.
fn report(args: &[&str], stdin: Option<&[u8]>, path: &str) -> String {
    let mut cmd = Command::cargo_bin("aadlint").unwrap();
    cmd.arg("scan").args(args).args(["--format", "json"]);
    if let Some(bytes) = stdin {
        cmd.write_stdin(bytes.to_vec());
    }
    let out = cmd.output().unwrap();
    assert!(out.status.code() == Some(0) || out.status.code() == Some(1), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    text.replace(path, "-")
}

fn same_as_a_stream(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    let p = path.to_str().unwrap();
    let streamed = report(&["-"], Some(&bytes), p);
    assert!(streamed.contains("AADSTS"), "the case holds codes");
    for threads in ["1", "2", "3"] {
        let ranged = report(&[p, "--threads", threads], None, p);
        assert_eq!(
            ranged, streamed,
            "{p} read in ranges on {threads} threads differs from the stream"
        );
    }
}

#[test]
fn a_synthetic_log_reads_the_same_in_ranges_as_streamed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("synth.log");
    let mut w = BufWriter::new(std::fs::File::create(&path).unwrap());
    synth::generate(&mut w, 6 << 20, 0.05, 7).unwrap();
    w.flush().unwrap();
    drop(w);
    same_as_a_stream(&path);
}

#[test]
fn lines_across_range_boundaries_and_longer_than_a_range_read_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("boundaries.log");
    let line = b"2026-11-27 10:04:37,159 21441 MainThread app ERROR AADSTS50076: MFA is required.\n";
    let mut bytes = Vec::new();
    // Codes on every line up to and past the first boundaries (1 MiB apart).
    while bytes.len() < (2 << 20) + 4096 {
        bytes.extend_from_slice(line);
    }
    // A 6 MiB line, longer than a range and than the line-end search, with codes along it.
    bytes.extend_from_slice(b"2026-11-27 10:05:00,000 1 T app ERROR AADSTS70016 start ");
    for i in 0..6 * 1024 {
        bytes.extend_from_slice(&[b'x'; 1000]);
        if i % 97 == 0 {
            bytes.extend_from_slice(b" AADSTS90120 ");
        }
    }
    bytes.extend_from_slice(b" AADSTS70019 end\n");
    for _ in 0..20_000 {
        bytes.extend_from_slice(line);
    }
    std::fs::write(&path, &bytes).unwrap();
    same_as_a_stream(&path);

    // Old Mac line ends.
    let cr = dir.path().join("cr.log");
    let cr_bytes: Vec<u8> = bytes.iter().map(|&b| if b == b'\n' { b'\r' } else { b }).collect();
    std::fs::write(&cr, &cr_bytes[..3 << 20]).unwrap();
    let p = cr.to_str().unwrap();
    let once = report(&[p, "--threads", "1"], None, p);
    assert!(once.contains("AADSTS50076"));
    assert_eq!(report(&[p, "--threads", "3"], None, p), once);
}

#[test]
fn a_code_where_a_long_line_is_cut_is_read_whole() {
    // One JSON line longer than the largest stream chunk (16 MiB), as `az rest` writes a sign-in
    // export, with a code across every place where a range (4 MiB) or a chunk ends. Such a line
    // is cut between two fields, so no code is cut in two, in ranges or in a stream.
    let record = |i: usize| {
        format!(
            r#"{{"id": "{i:07}", "createdDateTime": "2026-11-27T10:00:00Z", "status": {{"errorCode": 50126, "failureReason": "AADSTS50126: Error validating credentials."}}}}, "#
        )
    };
    let mut line = String::from(r#"{"value": ["#);
    let mut records = 0;
    for k in 1..=4usize {
        let boundary = k << 22;
        while line.len() + 2 * record(records).len() < boundary {
            line += &record(records);
            records += 1;
        }
        // A filler element, so that the next record's code (prefixed or bare, in turn) crosses
        // the boundary.
        let next = record(records);
        let code = if k % 2 == 1 { "AADSTS50126" } else { "50126," };
        let crossing = next.find(code).unwrap() + code.len() / 2;
        let filler = boundary - line.len() - crossing - r#"{"pad": ""}, "#.len();
        line += &format!(r#"{{"pad": "{}"}}, "#, "x".repeat(filler));
        assert_eq!(line.len() + crossing, boundary);
        line += &next;
        records += 1;
    }
    line += r#"{"pad": ""}]}"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("signins.json");
    std::fs::write(&path, format!("{line}\n")).unwrap();
    same_as_a_stream(&path);
    let p = path.to_str().unwrap();
    let v: serde_json::Value = serde_json::from_str(&report(&[p], None, p)).unwrap();
    assert_eq!(v["codes"][0]["code"], "AADSTS50126");
    assert_eq!(v["codes"][0]["occurrences"], records);
    assert_eq!(v["codes"][0]["bare_occurrences"], records);
}

#[test]
fn a_sign_in_export_on_one_line_reads_like_it_pretty_printed() {
    // A sign-in export as a Graph call or a download may write it: one JSON line, far longer than
    // the lines the scanner reads whole. Every sign-in must still be a record of its own.
    let text =
        std::fs::read_to_string("fixtures/causes/blocked-by-conditional-access/trigger-signin-export.json").unwrap();
    let signins: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let mut all = Vec::new();
    for i in 0..100usize {
        for (j, signin) in signins.iter().enumerate() {
            let mut s = signin.clone();
            let n = i * signins.len() + j;
            s["id"] = format!("{n:08x}-0000-4000-8000-000000000001").into();
            s["correlationId"] = format!("{n:08x}-0000-4000-8000-000000000002").into();
            s["createdDateTime"] = format!("2026-10-12T{:02}:{:02}:{:02}Z", n / 3600, n / 60 % 60, n % 60).into();
            all.push(s);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let summary = |name: &str, json: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, json + "\n").unwrap();
        let p = path.to_str().unwrap();
        let v: serde_json::Value = serde_json::from_str(&report(&[p], None, p)).unwrap();
        let codes: Vec<_> = v["codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["code"].clone(), c["bare_occurrences"].clone(), c["failures"].clone()))
            .collect();
        let mut findings: Vec<_> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["cause"].to_string(), f["flow"].to_string()))
            .collect();
        findings.sort();
        (
            v["summary"]["failures"].clone(),
            v["summary"]["flows"].clone(),
            codes,
            findings,
        )
    };
    let one_line = serde_json::to_string(&all).unwrap();
    assert!(one_line.len() > 4 * aadlint::scan::MAX_LINE);
    let pretty = summary("pretty.json", serde_json::to_string_pretty(&all).unwrap());
    assert_eq!(pretty.1, 200, "one flow per sign-in that polled");
    assert_eq!(summary("one-line.json", one_line), pretty);
}

#[test]
fn an_empty_file_and_a_file_of_one_line_without_an_end() {
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one.log");
    std::fs::write(&one, b"ERROR AADSTS50076: MFA is required.").unwrap();
    same_as_a_stream(Path::new(&one));
}

#[cfg(target_os = "linux")]
#[test]
fn a_file_that_says_it_is_empty_but_is_not_is_read_to_its_end() {
    // Files in /proc report a size of 0: only reading them to their end tells what they hold.
    let out = Command::cargo_bin("aadlint")
        .unwrap()
        .args(["scan", "/proc/self/status", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["inputs"][0]["bytes"].as_u64().unwrap() > 0, "{v}");
    assert!(v["inputs"][0]["lines"].as_u64().unwrap() > 0, "{v}");
}

#[test]
fn lines_of_many_files_are_quoted_even_past_the_files_kept_open() {
    // Only so many scanned files stay open for the report to quote their lines; the others get
    // their excerpts when their scan ends. Every copy must be quoted the same.
    let dir = tempfile::tempdir().unwrap();
    let log = std::fs::read_to_string("fixtures/causes/polled-after-success/trigger-http-trace.log").unwrap();
    for i in 0..150 {
        // A flow of its own in every file: its own device code and user code.
        let own = log
            .replace("DAQABIQEAAADCjIZ", &format!("DAQABIQEAAAD{i:04}"))
            .replace("JT48QUAXL", &format!("JT48Q{i:04}"));
        std::fs::write(dir.path().join(format!("host-{i:03}.log")), own).unwrap();
    }
    let out = Command::cargo_bin("aadlint")
        .unwrap()
        .args(["scan", dir.path().to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["summary"]["flows"], 150);
    // Every flow quotes the line it starts at; the files differ only in their codes.
    let starts: Vec<(u64, String)> = v["flows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["start"]["line"].as_u64().unwrap(),
                f["start"]["excerpt"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // The same line of every copy reads the same once redacted, whichever way it was quoted.
    let mut by_line: std::collections::BTreeMap<u64, std::collections::BTreeSet<&str>> = Default::default();
    for (line, excerpt) in &starts {
        assert!(!excerpt.is_empty() && !excerpt.starts_with("(the line"), "{excerpt}");
        by_line.entry(*line).or_default().insert(excerpt);
    }
    assert!(by_line.values().all(|quotes| quotes.len() == 1), "{by_line:?}");
}

/// Where the pieces of the lines of `bytes` start when a line is cut (not after a line end):
/// reading the file in ranges, and reading it as a stream.
fn cuts_in_ranges_and_streamed(path: &Path, bytes: &[u8]) -> (Vec<u64>, Vec<u64>) {
    use aadlint::input::{ChunkReader, RangedFile, ReadBuf};
    let inside_a_line = |at: u64| at > 0 && bytes[at as usize - 1] != b'\n';
    let file = RangedFile::new(std::fs::File::open(path).unwrap(), bytes.len() as u64, b'\n');
    let mut buf = ReadBuf::default();
    let ranged: Vec<u64> = (0..file.ranges())
        .map(|i| file.scan_range(i, &mut buf, |r| r.offset).unwrap())
        .filter(|&at| inside_a_line(at))
        .collect();
    let mut reader = ChunkReader::new(bytes);
    let (mut at, mut streamed) = (0u64, Vec::new());
    while let Some(chunk) = reader.next_chunk(Vec::new()).unwrap() {
        if inside_a_line(at) {
            streamed.push(at);
        }
        at += chunk.data.len() as u64;
    }
    assert_eq!(at, bytes.len() as u64);
    (ranged, streamed)
}

#[test]
fn a_long_line_is_cut_at_the_same_places_in_a_file_and_in_a_stream() {
    // A 20 MiB JSON line (longer than the largest stream chunk), a 6 MiB one (longer than a
    // range, shorter than a chunk) and a 5 MiB one that the file's end closes, between short
    // lines: a file's ranges cut the long ones at range boundaries, and a stream (stdin, gzip)
    // must cut them at the same bytes, or the same line gives other records and flows.
    let field = |i: usize| format!(r#", "k{i}": "{}""#, "v".repeat(40 + i % 7));
    let json_line = |len: usize, device_code_at: &[usize]| {
        let mut line = String::from(r#"{"timestamp": "2026-11-27T10:00:00Z", "message": "dump""#);
        let mut i = 0;
        for &at in device_code_at {
            while line.len() < at {
                line += &field(i);
                i += 1;
            }
            line += &format!(
                r#", "device_code": "DAQABIQEAAAD{}", "error": "authorization_pending""#,
                "Q7".repeat(90 + at % 50)
            );
        }
        while line.len() < len {
            line += &field(i);
            i += 1;
        }
        line + "}\n"
    };
    let mut text = String::from("2026-11-27T09:59:59Z INFO start\n");
    text += &json_line(20 << 20, &[1 << 20, (4 << 20) - 100, (9 << 20) + 5]);
    text += "2026-11-27T10:00:01Z INFO between\n";
    text += &json_line(6 << 20, &[100]);
    text += "2026-11-27T10:00:02Z INFO between\n";
    text += &json_line(5 << 20, &[]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.log");
    std::fs::write(&path, &text).unwrap();
    let (ranged, streamed) = cuts_in_ranges_and_streamed(&path, text.as_bytes());
    assert!(ranged.len() >= 4, "the long lines are cut: {ranged:?}");
    assert_eq!(
        streamed, ranged,
        "a stream cuts the long lines where the file's ranges do"
    );

    // The same line gives the same flows, findings and codes from the file, its .gz and stdin.
    let gz = dir.path().join("long.log.gz");
    let mut e = flate2::write::GzEncoder::new(std::fs::File::create(&gz).unwrap(), flate2::Compression::fast());
    e.write_all(text.as_bytes()).unwrap();
    e.finish().unwrap();
    let p = path.to_str().unwrap();
    let from_file = report(&[p], None, p);
    assert!(from_file.contains("\"dc:"), "the line holds flows");
    assert_eq!(report(&["-"], Some(text.as_bytes()), p), from_file);
    let g = gz.to_str().unwrap();
    assert_eq!(report(&[g], None, g), from_file);
}

#[test]
fn a_large_file_is_read_with_the_layouts_its_own_lines_rank() {
    // `aadlint scan` ranks a large first input's layouts while the rules are parsed: the report
    // must be the one its stream gives, where the scan ranks them itself, CI job included.
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/causes/device-code-in-automation/trigger-gha-python.log");
    let mut bytes = std::fs::read(&fixture).unwrap();
    let mut n = 0;
    while bytes.len() < (9 << 20) {
        n += 1;
        bytes.extend_from_slice(format!("2026-11-27T10:49:30.{n:07}Z step output line {n}\n").as_bytes());
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("step.log");
    std::fs::write(&path, &bytes).unwrap();
    let p = path.to_str().unwrap();
    let ranged = report(&[p], None, p);
    assert_eq!(
        ranged,
        report(&["-"], Some(&bytes), p),
        "ranked ahead of the scan and by the scan"
    );
    let json: serde_json::Value = serde_json::from_str(&ranged).unwrap();
    assert_eq!(json["inputs"][0]["layout"], "ci-step-log");
    let causes: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["cause"].as_str().unwrap())
        .collect();
    assert_eq!(causes, ["device-code-in-automation"]);
    // A layout the user names wins over the ranking made ahead of the scan.
    let forced = report(&[p, "--layout", "timestamp"], None, p);
    assert_eq!(forced, report(&["-", "--layout", "timestamp"], Some(&bytes), p));
    assert_ne!(forced, ranged);
    // So does the layout a config file names for the input's path.
    let config = dir.path().join("aadlint.toml");
    std::fs::write(&config, "[[layout]]\npath = \"**/step.log\"\nname = \"timestamp\"\n").unwrap();
    let configured = report(&[p, "--config", config.to_str().unwrap()], None, p);
    assert_eq!(configured, forced);
    // Only the input that starts with the ranked head is read with its ranking.
    let mut klog = Vec::new();
    for n in 0..100_000 {
        klog.extend_from_slice(format!("I1127 10:49:30.{n:06}    4242 poll.go:42] waiting {n}\n").as_bytes());
    }
    let second = dir.path().join("kubelet.log");
    std::fs::write(&second, &klog).unwrap();
    let both = report(&[p, second.to_str().unwrap()], None, p);
    let json: serde_json::Value = serde_json::from_str(&both).unwrap();
    assert_eq!(json["inputs"][0]["layout"], "ci-step-log");
    assert_eq!(json["inputs"][1]["layout"], "klog");
}

#[cfg(unix)]
#[test]
fn a_pipe_named_as_the_first_input_is_read_once_and_whole() {
    // `aadlint scan <(zcat app.log.gz)`: nothing may read the pipe before the scan does (ranking
    // a large first input's layouts ahead of the scan once took its lines).
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("app.pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let log = "2026-12-01T09:00:06.500Z host ERROR refresh failed: AADSTS70008: expired\n".repeat(3);
    let writer = {
        let (fifo, log) = (fifo.clone(), log.clone());
        std::thread::spawn(move || std::fs::write(&fifo, log).unwrap())
    };
    let out = Command::cargo_bin("aadlint")
        .unwrap()
        .args(["scan", fifo.to_str().unwrap(), "--format", "json"])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    writer.join().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["summary"]["lines"], 3, "{v}");
    assert_eq!(v["codes"][0]["code"], "AADSTS70008");
}
