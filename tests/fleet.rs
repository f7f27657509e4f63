//! Many hosts: `scan --emit` on each part, `merge` of the parts gives the report of one scan of
//! all inputs; the events files hold no secret; cut or foreign parts are named and exit 2.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

mod support;

fn aadlint() -> Command {
    let mut c = Command::cargo_bin("aadlint").unwrap();
    c.env_remove("NO_COLOR").env_remove(aadlint::scan::MAX_EVENTS_VAR);
    c
}

/// `aadlint ARGS`: stdout, stderr and exit code.
fn run(args: &[&str], env: &[(&str, &str)]) -> (Vec<u8>, String, i32) {
    let mut c = aadlint();
    c.args(args);
    if matches!(args.first(), Some(&"scan" | &"merge")) {
        c.arg("--no-config");
    }
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    (
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap(),
    )
}

/// The inputs a scan of `dir` reads, in its order.
fn inputs_of(dir: &str) -> Vec<String> {
    aadlint::input::expand(&[dir.to_string()])
        .into_iter()
        .map(|p| p.display)
        .collect()
}

/// Emits each of `parts` (files or folders) to its own events file in `dir`: their paths.
fn emit_each(parts: &[String], dir: &Path, env: &[(&str, &str)]) -> Vec<String> {
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            let file = dir.join(format!("{i:04}.jsonl"));
            let file = file.to_str().unwrap().to_string();
            let (_, err, _) = run(&["scan", "-q", part, "--emit", &file, "--format", "json"], env);
            assert!(Path::new(&file).exists(), "{part}: no events file: {err}");
            file
        })
        .collect()
}

/// `merge` of `parts` and `scan` of `paths`, with the same extra arguments: both outputs.
fn merge_and_scan(
    parts: &[String],
    paths: &[&str],
    extra: &[&str],
    env: &[(&str, &str)],
) -> ((Vec<u8>, i32), (Vec<u8>, i32)) {
    let mut m: Vec<&str> = vec!["merge", "-q"];
    m.extend(parts.iter().map(String::as_str));
    m.extend(extra);
    let mut s: Vec<&str> = vec!["scan", "-q"];
    s.extend(paths);
    s.extend(extra);
    let (mo, _, mc) = run(&m, env);
    let (so, _, sc) = run(&s, env);
    ((mo, mc), (so, sc))
}

fn fixture_folders() -> Vec<String> {
    let mut dirs: Vec<String> = std::fs::read_dir("fixtures/causes")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.to_str().unwrap().to_string())
        .collect();
    dirs.sort();
    dirs.extend(
        [
            "fixtures/healthy",
            "fixtures/clients",
            "fixtures/real",
            "fixtures/layouts",
        ]
        .map(String::from),
    );
    dirs
}

#[test]
fn merging_per_file_parts_of_every_fixture_folder_gives_the_single_scan() {
    let tmp = tempfile::tempdir().unwrap();
    let tmp = tmp.path();
    for dir in fixture_folders() {
        let files = inputs_of(&dir);
        assert!(!files.is_empty(), "{dir}");
        let parts = emit_each(&files, &tmp.join(dir.replace('/', "_")).tap_mkdir(), &[]);
        let ((merged, mc), (single, sc)) = merge_and_scan(&parts, &[&dir], &["--format", "json"], &[]);
        assert_eq!(mc, sc, "{dir}: exit codes");
        assert!(
            merged == single,
            "{dir}: merge differs from scan:\n{}",
            first_difference(&merged, &single)
        );
    }
}

/// `fixtures/causes/shared-across-workers/trigger-processes.log` cut into one file per process
/// (standing in for hosts), in `dir`: their paths, by pid.
fn split_by_process(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string("fixtures/causes/shared-across-workers/trigger-processes.log").unwrap();
    let mut by_pid: std::collections::BTreeMap<String, String> = Default::default();
    let mut pid = String::new();
    for line in text.lines() {
        // A record's first line names its process; the lines below it (Trace ID: ...) are its own.
        if line.starts_with("2026-") {
            pid = line.split(' ').nth(2).unwrap().to_string();
        }
        let file = by_pid.entry(pid.clone()).or_default();
        file.push_str(line);
        file.push('\n');
    }
    by_pid
        .into_iter()
        .map(|(pid, text)| {
            let path = dir.join(format!("process-{pid}.log"));
            std::fs::write(&path, text).unwrap();
            path.to_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn merge_gives_every_format_and_the_gate_of_the_scan() {
    let tmp = tempfile::tempdir().unwrap();
    let tmp = tmp.path();
    let files = split_by_process(&tmp.join("logs").tap_mkdir());
    assert_eq!(files.len(), 3);
    let parts = emit_each(&files, &tmp.join("parts").tap_mkdir(), &[]);
    let paths: Vec<&str> = files.iter().map(String::as_str).collect();
    for format in ["table", "concise", "json", "sarif", "github", "azure", "markdown"] {
        for gate in [
            &[][..],
            &["--fail-on", "shared-across-workers"][..],
            &["--fail-on", "AADSTS50076"][..],
        ] {
            let mut extra = vec!["--format", format, "--color", "never"];
            extra.extend(gate);
            let ((merged, mc), (single, sc)) = merge_and_scan(&parts, &paths, &extra, &[]);
            assert_eq!(mc, sc, "{format} {gate:?}");
            assert_eq!(
                String::from_utf8_lossy(&merged),
                String::from_utf8_lossy(&single),
                "{format} {gate:?}"
            );
        }
    }
    // Each process alone shows no sharing; merged, the code shared across them is found.
    for part in &parts {
        let (_, _, code) = run(&["merge", "-q", part, "--fail-on", "shared-across-workers"], &[]);
        assert_eq!(code, 0, "{part} alone");
    }
    let mut all = vec!["merge", "-q", "--fail-on", "shared-across-workers"];
    all.extend(parts.iter().map(String::as_str));
    assert_eq!(run(&all, &[]).2, 1);
}

/// Writes the multi-host set: host-a, host-b and host-c, each with an `app.log`, where flows
/// cross hosts; 3 s are added to the clock of `ahead`, if one is named.
fn write_fleet(root: &Path, ahead: Option<&str>) {
    const BASE: i64 = 1_796_115_600_000; // 2026-12-01T09:00:00Z
    let token = r#"200 {"token_type": "Bearer", "scope": "User.Read", "expires_in": 3599, "access_token": "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJmbGVldCJ9.c2lnbmF0dXJlZmxlZXQ"}"#;
    let mut lines: Vec<(&str, f64, String)> = Vec::new();
    let mut log = |host: &'static str, at: f64, level: &str, msg: &str| {
        let skew = if Some(host) == ahead { 3.0 } else { 0.0 };
        let ms = BASE + ((at + skew) * 1000.0).round() as i64;
        lines.push((host, at, format!("{} {host} {level} {msg}", rfc3339(ms))));
    };
    let prompt = |log: &mut dyn FnMut(&'static str, f64, &str, &str), host, at, code: &str| {
        log(host, at, "INFO", &format!("To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code {code} to authenticate."));
    };
    let poll =
        |log: &mut dyn FnMut(&'static str, f64, &str, &str), host, at: f64, code: &str, answer: &str, level: &str| {
            log(host, at, "INFO", &format!("polling for sign-in (user code {code})"));
            log(host, at + 0.2, level, &format!("token poll: {answer}"));
        };
    // 1: one code polled by host-a and host-b at the same time.
    prompt(&mut log, "host-a", 0.0, "FLTSHR1AB");
    for i in 0..4 {
        let at = 5.0 + 5.0 * f64::from(i);
        poll(&mut log, "host-a", at, "FLTSHR1AB", "authorization_pending", "INFO");
        poll(
            &mut log,
            "host-b",
            at + 1.0,
            "FLTSHR1AB",
            "authorization_pending",
            "INFO",
        );
    }
    poll(&mut log, "host-a", 25.0, "FLTSHR1AB", token, "INFO");
    // 2: a code signed in on host-a, replayed on host-c half an hour later.
    prompt(&mut log, "host-a", 100.0, "FLTSTL2CC");
    poll(&mut log, "host-a", 105.0, "FLTSTL2CC", "authorization_pending", "INFO");
    poll(&mut log, "host-a", 110.0, "FLTSTL2CC", token, "INFO");
    poll(&mut log, "host-c", 1900.0, "FLTSTL2CC", "expired_token: AADSTS70020: The provided value for the input parameter 'device_code' is not valid. This device code has expired.", "ERROR");
    // 3: host-b signs in; host-c polls the same code a second later.
    prompt(&mut log, "host-b", 200.0, "FLTPAS3BC");
    poll(&mut log, "host-b", 205.0, "FLTPAS3BC", "authorization_pending", "INFO");
    poll(&mut log, "host-b", 210.0, "FLTPAS3BC", token, "INFO");
    poll(
        &mut log,
        "host-c",
        211.0,
        "FLTPAS3BC",
        "invalid_grant: AADSTS90120: The device code was already redeemed.",
        "ERROR",
    );
    // 4: one failure logged by the app and by its gateway: one trace id, one failure.
    let trace = "0d4f6c8e-2b1a-4c3d-9e8f-7a6b5c4d3e2f";
    log("host-a", 300.0, "ERROR", &format!("sign-in failed: AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication. Trace ID: {trace}"));
    log(
        "host-c",
        300.5,
        "WARN",
        &format!("gateway saw AADSTS50076 Trace ID: {trace}"),
    );
    lines.sort_by(|a, b| a.1.total_cmp(&b.1));
    for host in ["host-a", "host-b", "host-c"] {
        let dir = root.join(host).tap_mkdir();
        let text: String = lines
            .iter()
            .filter(|l| l.0 == host)
            .map(|l| format!("{}\n", l.2))
            .collect();
        std::fs::write(dir.join("app.log"), text).unwrap();
    }
}

/// `2026-12-01T09:00:05.200Z` for milliseconds since the epoch (December 2026 only).
fn rfc3339(ms: i64) -> String {
    let secs = (ms - 1_796_083_200_000) / 1000; // since 2026-12-01T00:00:00Z
    let (day, rest) = (secs / 86_400, secs % 86_400);
    format!(
        "2026-12-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        day + 1,
        rest / 3600,
        rest / 60 % 60,
        rest % 60,
        ms % 1000
    )
}

/// The findings as (cause, flow) pairs.
fn findings(json: &[u8]) -> Vec<(String, String)> {
    let v: serde_json::Value = serde_json::from_slice(json).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["cause"].as_str().unwrap().to_string(),
                f["flow"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_fleet_whose_flows_cross_hosts_merges_to_the_single_scan_with_any_clock_3s_ahead() {
    let tmp = tempfile::tempdir().unwrap();
    let tmp = tmp.path();
    let mut all_findings = Vec::new();
    let cases = [
        ("even", None),
        ("b-ahead", Some("host-b")),
        ("a-ahead", Some("host-a")),
        ("c-ahead", Some("host-c")),
    ];
    for (name, ahead) in cases {
        let root = tmp.join(name).tap_mkdir();
        write_fleet(&root, ahead);
        let root = root.to_str().unwrap().to_string();
        let hosts: Vec<String> = ["host-a", "host-b", "host-c"].map(|h| format!("{root}/{h}")).to_vec();
        let parts = emit_each(&hosts, &tmp.join(format!("{name}-parts")).tap_mkdir(), &[]);
        let ((merged, _), (single, _)) = merge_and_scan(&parts, &[&root], &["--format", "json"], &[]);
        assert!(merged == single, "{name}:\n{}", first_difference(&merged, &single));
        // Merged in stages (`merge --emit`), the report is the same.
        let staged = tmp.join(format!("{name}-ab.jsonl"));
        let staged = staged.to_str().unwrap();
        let (_, err, _) = run(
            &["merge", "-q", &parts[0], &parts[1], "--emit", staged, "-o", "/dev/null"],
            &[],
        );
        assert!(Path::new(staged).exists(), "{err}");
        // Gzipped when the name ends in .gz.
        let gz = tmp.join(format!("{name}-c.jsonl.gz"));
        let gz = gz.to_str().unwrap();
        run(&["merge", "-q", &parts[2], "--emit", gz, "-o", "/dev/null"], &[]);
        assert!(std::fs::read(gz).unwrap().starts_with(&[0x1f, 0x8b]));
        let (restaged, _, _) = run(&["merge", "-q", staged, gz, "--format", "json"], &[]);
        assert!(
            restaged == single,
            "{name} staged:\n{}",
            first_difference(&restaged, &single)
        );
        let v: serde_json::Value = serde_json::from_slice(&merged).unwrap();
        let report_schema: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string("schema/report.schema.json").unwrap()).unwrap();
        let errors: Vec<String> = jsonschema::validator_for(&report_schema)
            .unwrap()
            .iter_errors(&v)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
        // The gateway's line repeats the app's failure: one failure over two hosts.
        let mfa = v["codes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == "AADSTS50076")
            .unwrap();
        assert_eq!(
            (mfa["failures"].as_u64(), mfa["locations_total"].as_u64()),
            (Some(1), Some(2))
        );
        // A host scanned alone sees no shared code.
        let (alone, _, _) = run(&["merge", "-q", &parts[0], "--format", "json"], &[]);
        assert!(
            !findings(&alone).iter().any(|f| f.0 == "shared-across-workers"),
            "{name}"
        );
        all_findings.push((findings(&merged), v.get("clock_skew").cloned()));
    }
    let causes: Vec<&str> = all_findings[0].0.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(
        causes,
        ["shared-across-workers", "stale-device-code", "stale-device-code"]
    );
    for ((name, _), (found, _)) in cases.iter().zip(&all_findings) {
        assert_eq!(
            &all_findings[0].0, found,
            "{name}: a host 3 s ahead changed the findings"
        );
    }
    assert_eq!(all_findings[0].1, None, "no skew assumed when clocks agree");
    let skew = all_findings[1].1.as_ref().expect("the skew assumed is reported");

    assert!(skew[0]["input"].as_str().unwrap().ends_with("host-c/app.log"), "{skew}");
    assert!(
        skew[0]["behind"].as_str().unwrap().ends_with("host-b/app.log"),
        "{skew}"
    );
    // Without the tolerance, the poll after the tokens looks like sharing.
    let root = tmp.join("b-ahead");
    let (strict, _, _) = run(
        &[
            "scan",
            "-q",
            root.to_str().unwrap(),
            "--format",
            "json",
            "--max-skew",
            "0",
        ],
        &[],
    );
    assert_ne!(findings(&strict), all_findings[0].0);
}

#[test]
fn events_files_hold_no_secret_and_match_their_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let tmp = tmp.path();
    let mut secrets: Vec<String> = support::fixture_secrets();
    write_fleet(&tmp.join("fleet").tap_mkdir(), None);
    secrets.extend(["FLTSHR1AB", "FLTSTL2CC", "FLTPAS3BC", "c2lnbmF0dXJlZmxlZXQ"].map(String::from));
    assert!(secrets.len() > 20);
    let mut files = inputs_of("fixtures");
    files.push("fixtures".into());
    files.push(tmp.join("fleet").to_str().unwrap().to_string());
    let parts = emit_each(&files, &tmp.join("parts").tap_mkdir(), &[]);
    let schema: serde_json::Value = serde_json::from_slice(&run(&["schema", "events"], &[]).0).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut events = 0;
    for part in &parts {
        let text = std::fs::read_to_string(part).unwrap();
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "{part} holds the secret {secret}");
        }
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let errors: Vec<String> = validator.iter_errors(&v).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{part}: {line}\n{}", errors.join("\n"));
            events += usize::from(v["type"] == "event");
        }
    }
    assert!(events > 500, "only {events} events emitted");
}

#[test]
fn a_cut_or_foreign_part_is_named_with_its_reason_and_the_rest_is_merged() {
    let tmp = tempfile::tempdir().unwrap();
    let tmp = tmp.path();
    let dir = "fixtures/causes/polled-after-success";
    let parts = emit_each(&inputs_of(dir), tmp, &[]);
    let good = std::fs::read_to_string(&parts[0]).unwrap();
    let cut_line = tmp.join("cut-line.jsonl");
    std::fs::write(&cut_line, &good[..good.len() - 10]).unwrap();
    let no_end = tmp.join("no-end.jsonl");
    let mut lines: Vec<&str> = good.lines().collect();
    lines.pop();
    std::fs::write(&no_end, lines.join("\n") + "\n").unwrap();
    let foreign = tmp.join("foreign.jsonl");
    std::fs::write(&foreign, "{\"hello\": 1}\n").unwrap();
    let missing = tmp.join("missing.jsonl");
    let names = [&cut_line, &no_end, &foreign, &missing].map(|p| p.to_str().unwrap().to_string());
    let args = [
        "merge", &parts[1], &names[0], &names[1], &names[2], &names[3], "--format", "json",
    ];
    let (out, err, code) = run(&args, &[]);
    assert_eq!(code, 2, "{err}");
    for (name, why) in [
        (&names[0], "cut short"),
        (&names[1], "ends before its end line"),
        (&names[2], "not an aadlint events file"),
        (&names[3], "events file"),
    ] {
        assert!(
            err.lines().any(|l| l.contains(name.as_str()) && l.contains(why)),
            "{name}: {why}\n{err}"
        );
    }
    // The good part is merged: its input and its finding are in the report.
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let inputs: Vec<&str> = v["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["path"].as_str().unwrap())
        .collect();
    assert_eq!(inputs[0], inputs_of(dir)[1]);
    assert_eq!(v["summary"]["input_errors"], 4, "{inputs:?}");
    let (alone, _, _) = run(&["merge", "-q", &parts[1], "--format", "json"], &[]);
    assert_eq!(findings(&out), findings(&alone));
}

#[test]
fn merge_keeps_the_event_cap_of_the_scan_and_its_gate_fails_closed() {
    let tmp = tempfile::tempdir().unwrap();
    let tmp = tmp.path();
    let dir = "fixtures/causes/shared-across-workers";
    let env = [(aadlint::scan::MAX_EVENTS_VAR, "25")];
    let parts = emit_each(&inputs_of(dir), tmp, &env);
    let ((merged, mc), (single, sc)) = merge_and_scan(&parts, &[dir], &["--format", "json"], &env);
    assert!(merged == single, "{}", first_difference(&merged, &single));
    assert_eq!((mc, sc), (0, 0));
    let v: serde_json::Value = serde_json::from_slice(&merged).unwrap();
    assert!(v["limits"]["events_dropped"].as_u64().unwrap() > 0);
    // Parts written with a larger cap are cut to the merge's own.
    let wide = emit_each(&inputs_of(dir), &tmp.join("wide").tap_mkdir(), &[]);
    let ((merged, mc), (single, sc)) = merge_and_scan(&wide, &[dir], &["--format", "json", "--fail-on", "error"], &env);
    assert!(merged == single, "{}", first_difference(&merged, &single));
    assert_eq!((mc, sc), (2, 2), "a gate over dropped events fails closed");
}

#[test]
fn emit_to_standard_output_feeds_merge_from_standard_input() {
    let dir = "fixtures/causes/stale-device-code";
    let (events, _, code) = run(&["scan", "-q", dir, "--emit", "-"], &[]);
    assert_eq!(code, 0);
    assert!(
        events.starts_with(b"{\"type\":\"header\""),
        "only the events go to stdout"
    );
    let mut c = aadlint();
    let out = c
        .args(["merge", "-q", "-", "--format", "json", "--no-config"])
        .write_stdin(events)
        .output()
        .unwrap();
    let (single, _, _) = run(&["scan", "-q", dir, "--format", "json"], &[]);
    assert!(out.stdout == single, "{}", first_difference(&out.stdout, &single));

    // Events files one after the other in one stream (`cat`, `rdd.pipe`) are read in turn; one
    // cut short in the middle is named, and the one after it still merged.
    let files = inputs_of(dir);
    let emitted: Vec<Vec<u8>> = files
        .iter()
        .map(|f| run(&["scan", "-q", f, "--emit", "-"], &[]).0)
        .collect();
    let stream = emitted.concat();
    let mut c = aadlint();
    let out = c
        .args(["merge", "-q", "-", "--format", "json", "--no-config"])
        .write_stdin(stream)
        .output()
        .unwrap();
    let mut s: Vec<&str> = vec!["scan", "-q", "--format", "json"];
    s.extend(files.iter().map(String::as_str));
    let (single, _, _) = run(&s, &[]);
    assert!(out.stdout == single, "{}", first_difference(&out.stdout, &single));
    // Gzipped events files are read as they are.
    let gz = tempfile::NamedTempFile::new().unwrap();
    let mut enc = flate2::write::GzEncoder::new(gz.reopen().unwrap(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, &emitted.concat()).unwrap();
    enc.finish().unwrap();
    let (unzipped, _, _) = run(&["merge", "-q", gz.path().to_str().unwrap(), "--format", "json"], &[]);
    assert!(unzipped == single, "{}", first_difference(&unzipped, &single));
    let cut = &emitted[0][..emitted[0].len() - 40];
    let stream = [cut, &emitted[1]].concat();
    let mut c = aadlint();
    let out = c
        .args(["merge", "-", "--format", "json", "--no-config"])
        .write_stdin(stream)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let inputs = v["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 2, "{inputs:?}");
    assert!(inputs[0]["error"].as_str().unwrap().contains("cut short"), "{inputs:?}");
    assert_eq!(
        (inputs[1]["path"].as_str(), &inputs[1]["error"]),
        (Some(files[1].as_str()), &serde_json::Value::Null)
    );
}

/// The first line where two outputs differ, for a readable failure.
fn first_difference(a: &[u8], b: &[u8]) -> String {
    let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    a.lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .map_or_else(
            || format!("lengths {} and {}", a.len(), b.len()),
            |(n, (x, y))| format!("line {}:\n  merge: {x}\n  scan:  {y}", n + 1),
        )
}

/// Directories made in passing.
trait Mkdir {
    fn tap_mkdir(self) -> PathBuf;
}

/// `path.tap_mkdir()`: creates the directory (and its parents) and returns it.
impl Mkdir for PathBuf {
    /// Creates the directory (and its parents) and returns it.
    fn tap_mkdir(self) -> PathBuf {
        std::fs::create_dir_all(&self).unwrap();
        self
    }
}
