//! Hostile input, round two (issue 20): the CI gate fails closed, the report never overwrites
//! its input nor vanishes, standard input is read once, file names keep their secrets and
//! escape bytes out of every report, `--rules` reads only regular files, a file cut short while
//! it is read is an error, and `--threads` is capped.
#![cfg(unix)]

use assert_cmd::Command;
use std::path::Path;

fn aadlint() -> Command {
    Command::cargo_bin("aadlint").unwrap()
}

/// A flow polled again after it was rejected (a `reused-device-code` finding), over a few lines.
fn reused_flow_log(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("reused.log");
    let mut log = String::new();
    for i in 0..6 {
        log += &format!("2026-11-27 10:00:0{i},000 100 MainThread app ERROR token request with device_code=DAQABIQEAAADReusedFlow0001x failed: invalid_grant: AADSTS90120: already redeemed\n");
    }
    std::fs::write(&path, log).unwrap();
    path
}

#[test]
fn a_gate_fails_closed_when_events_were_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let log = reused_flow_log(dir.path());
    // Without the cap the gate sees the flow and fails with 1.
    aadlint()
        .args(["scan", log.to_str().unwrap(), "--fail-on", "reused-device-code"])
        .assert()
        .code(1);
    // With the cap reached the analysis is incomplete: 2, and a line on stderr says why.
    let out = aadlint()
        .env("AADLINT_MAX_EVENTS", "1")
        .args([
            "scan",
            log.to_str().unwrap(),
            "--fail-on",
            "reused-device-code",
            "-f",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("incomplete") && stderr.contains("AADLINT_MAX_EVENTS"),
        "{stderr}"
    );
    // Without --fail-on there is no gate: the report says what was cut, and the run succeeds.
    aadlint()
        .env("AADLINT_MAX_EVENTS", "1")
        .args(["scan", log.to_str().unwrap()])
        .assert()
        .code(0);
}

#[test]
fn a_max_events_that_is_not_a_number_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let log = reused_flow_log(dir.path());
    for bad in ["abc", "-1", "", "1e6"] {
        let out = aadlint()
            .env("AADLINT_MAX_EVENTS", bad)
            .args(["scan", log.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "AADLINT_MAX_EVENTS={bad:?}");
        assert!(out.stdout.is_empty());
        assert!(String::from_utf8_lossy(&out.stderr).contains("AADLINT_MAX_EVENTS"));
    }
}

#[test]
fn the_report_never_overwrites_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let log = reused_flow_log(dir.path());
    let before = std::fs::read(&log).unwrap();
    let out = aadlint()
        .args(["scan", log.to_str().unwrap(), "-o", log.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("would overwrite"));
    assert_eq!(std::fs::read(&log).unwrap(), before, "the log was overwritten");
    // Named through its folder, or through a link, it is the same file.
    let link = dir.path().join("link.log");
    std::os::unix::fs::symlink(&log, &link).unwrap();
    aadlint()
        .args(["scan", dir.path().to_str().unwrap(), "-o", link.to_str().unwrap()])
        .assert()
        .code(2);
    assert_eq!(std::fs::read(&log).unwrap(), before);
}

#[test]
fn output_dash_is_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    let log = reused_flow_log(dir.path());
    let out = aadlint()
        .current_dir(dir.path())
        .args(["scan", log.to_str().unwrap(), "-f", "json", "-o", "-"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["flows"].as_array().unwrap().len(), 1);
    assert!(!dir.path().join("-").exists(), "a file named - was written");
}

#[test]
fn stdin_named_twice_is_read_once() {
    let out = aadlint()
        .args(["scan", "-", "-", "-f", "json"])
        .write_stdin("2026-11-27 10:00:00 ERROR AADSTS50076 mfa\n")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["inputs"].as_array().unwrap().len(), 1, "{v}");
}

#[test]
fn a_closed_stdout_is_not_silent() {
    let dir = tempfile::tempdir().unwrap();
    let log = reused_flow_log(dir.path());
    let bin = assert_cmd::cargo::cargo_bin("aadlint");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("'{}' scan '{}' >&-", bin.display(), log.display()))
        .output()
        .unwrap();
    // The exit code is the gate's (no --fail-on: 0); stderr says the report went nowhere.
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("standard output is closed"));
    // With a gate, the closed stdout does not open it.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' scan '{}' --fail-on error >&-",
            bin.display(),
            log.display()
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("standard output is closed"));
}

#[test]
fn file_names_keep_secrets_and_escape_bytes_out_of_every_report() {
    let dir = tempfile::tempdir().unwrap();
    let line = |n: u32| {
        format!("2026-11-27 10:00:00,000 100 MainThread app ERROR token request with device_code=DAQABIQEAAADNamedFlow000{n}x failed: invalid_grant: AADSTS90120: already redeemed\n")
    };
    std::fs::write(
        dir.path().join("app.log?sv=2022-11-02&sig=SasSigInFileName42%3D"),
        line(1),
    )
    .unwrap();
    std::fs::write(dir.path().join("evil\x1b[31mred.log"), line(2)).unwrap();
    for format in ["table", "json", "sarif", "github", "azure", "markdown"] {
        let out = aadlint()
            .args(["scan", dir.path().to_str().unwrap(), "-f", format, "--color", "never"])
            .output()
            .unwrap();
        let all = [out.stdout, out.stderr].concat();
        let text = String::from_utf8_lossy(&all);
        assert!(
            !text.contains("SasSigInFileName42"),
            "--format {format} prints the signature: {text}"
        );
        assert!(!all.contains(&0x1b), "--format {format} prints an escape byte");
        if format == "json" {
            // Every input is listed (with its escape written as `\u{1b}`).
            assert!(text.contains("red.log"), "--format {format} names the file");
        }
    }
}

#[test]
fn rules_that_are_not_regular_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let log = reused_flow_log(dir.path());
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    let fifo = rules.join("fifo.toml");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid path; mkfifo creates the FIFO.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let out = aadlint()
        .args(["scan", log.to_str().unwrap(), "--rules", rules.to_str().unwrap()])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a regular file"));
    std::fs::remove_file(&fifo).unwrap();
    std::os::unix::fs::symlink("/dev/zero", rules.join("zero.toml")).unwrap();
    let out = aadlint()
        .args(["scan", log.to_str().unwrap(), "--rules", rules.to_str().unwrap()])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a regular file"));
    // A rules folder holding the shipped `secrets/` shapes still loads.
    let shipped = dir.path().join("shipped");
    std::fs::create_dir_all(shipped.join("secrets")).unwrap();
    std::fs::copy("rules/secrets/jwt.toml", shipped.join("secrets/jwt.toml")).unwrap();
    aadlint()
        .args(["scan", log.to_str().unwrap(), "--rules", shipped.to_str().unwrap()])
        .assert()
        .code(0);
}

#[test]
fn many_threads_are_capped() {
    let dir = tempfile::tempdir().unwrap();
    let log = reused_flow_log(dir.path());
    let started = std::time::Instant::now();
    aadlint()
        .args(["scan", log.to_str().unwrap(), "--threads", "100000"])
        .timeout(std::time::Duration::from_secs(120))
        .assert()
        .code(0);
    // 100,000 threads took minutes; the cap makes it a few hundred at most.
    assert!(started.elapsed().as_secs() < 60);
}

#[test]
fn a_file_cut_short_while_it_is_read_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.log");
    let line = "2026-11-27 10:00:00,000 100 MainThread app INFO nothing to see here, just padding text\n";
    std::fs::write(&path, line.repeat((64 << 20) / line.len())).unwrap();
    let file = std::fs::File::open(&path).unwrap();
    let len = file.metadata().unwrap().len();
    let ranged = aadlint::input::RangedFile::new(file, len, b'\n');
    assert!(ranged.ranges() > 1);
    let mut buf = aadlint::input::ReadBuf::default();
    assert!(ranged.scan_range(0, &mut buf, |r| r.data.len()).is_ok());
    assert!(ranged.shrank_error().is_none());
    // Rotated by copytruncate: the rest of the file is gone. The range is read as the file now
    // is, and the scan of each range checks the file and reports it (exit 2, the file named).
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(1000)
        .unwrap();
    assert!(ranged.scan_range(1, &mut buf, |r| r.data.len()).is_ok());
    let err = ranged.shrank_error().expect("the file shrank");
    assert!(err.to_string().contains("shrank"), "{err}");
}

#[test]
fn utf16_logs_read_like_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let utf8 = std::fs::read_to_string(reused_flow_log(dir.path())).unwrap()
        + "2026-11-27 10:00:09,000 100 MainThread app ERROR AADSTS50076: Due to a configuration change — MFA\r\n";
    let report = |bytes: &[u8], name: &str| -> serde_json::Value {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = aadlint()
            .args(["scan", path.to_str().unwrap(), "-f", "json"])
            .output()
            .unwrap();
        // The same report but for the file's name.
        let text = String::from_utf8_lossy(&out.stdout).replace(name, "NAME");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        serde_json::json!([
            v["codes"],
            v["flows"].as_array().unwrap().len(),
            v["findings"].as_array().unwrap().len()
        ])
    };
    let want = report(utf8.as_bytes(), "utf8.log");
    assert!(want[0].as_array().unwrap().len() == 2 && want[1] == 1, "{want}");
    let le: Vec<u8> = utf8.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = utf8.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let with_bom = |bom: [u8; 2], body: &[u8]| [&bom[..], body].concat();
    let gz = |bytes: &[u8]| {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    };
    for (name, bytes) in [
        ("le-bom.log", with_bom([0xFF, 0xFE], &le)),
        ("be-bom.log", with_bom([0xFE, 0xFF], &be)),
        ("le.log", le.clone()),
        ("be.log", be.clone()),
        ("le-bom.log.gz", gz(&with_bom([0xFF, 0xFE], &le))),
    ] {
        assert_eq!(report(&bytes, name), want, "{name}");
    }
    // From standard input too.
    let out = aadlint()
        .args(["scan", "-", "-f", "json"])
        .write_stdin(with_bom([0xFF, 0xFE], &le))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["codes"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(v["flows"].as_array().unwrap().len(), 1);
}

#[test]
fn an_excerpt_read_again_from_a_rewritten_file_is_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let line = "2026-11-27 10:00:00,000 100 MainThread app ERROR token request with device_code=DAQABIQEAAADRewrittenFlow1x failed: invalid_grant: AADSTS90120: already redeemed";
    let before = format!("{line}\n{line}\n");
    std::fs::write(&path, &before).unwrap();
    let planned = aadlint::input::expand(&[path.to_str().unwrap().to_string()]);
    let out = aadlint::scan::scan_inputs(&planned);
    let event = out.events.last().unwrap().clone();
    assert!(
        matches!(event.excerpt, aadlint::model::Excerpt::At { .. }),
        "{:?}",
        event.excerpt
    );
    assert!(out.excerpt(&event).contains("AADSTS90120"));
    // Rotated and written again, to the same length: the second line's place now holds the tail
    // of a secret whose key is on the line above.
    let tail = "SecretTailWithoutItsKey!";
    let first = format!("{} client_secret=Abcd", &line[..line.len() - 19]);
    let second = format!("{tail}{}", " ".repeat(line.len() - tail.len()));
    let after = format!("{first}\n{second}\n");
    assert_eq!(after.len(), before.len());
    std::fs::write(&path, &after).unwrap();
    let shown = out.excerpt(&event);
    assert!(!shown.contains("SecretTail"), "{shown}");
    assert!(shown.contains("changed after it was scanned"), "{shown}");
}

/// A JSON line over 64 KiB is read in windows; with no blank, brace or `, "` in the KiB before
/// the anchor (`r_code` of `user_code`), the window starts inside the key, and its excerpt used
/// to show `r_code":"QWERTY123"`: file, gzip and stdin alike.
#[test]
fn a_window_that_starts_inside_a_key_hides_its_value() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let line = format!(
        "2026-11-27 10:00:00,000 100 MainThread app DEBUG {{\"p\":\"{}\",\"user_code\":\"QWERTY123\",\"device_code\":\"DAQABIQEAAADWindowCut0001x\",\"n\":\"{}\"}}\n",
        "x".repeat(70_000),
        "y".repeat(3_000)
    );
    let path = dir.path().join("window.log");
    std::fs::write(&path, &line).unwrap();
    let gz = dir.path().join("window.log.gz");
    let mut e = flate2::write::GzEncoder::new(std::fs::File::create(&gz).unwrap(), flate2::Compression::fast());
    e.write_all(line.as_bytes()).unwrap();
    e.finish().unwrap();
    for format in ["json", "table", "sarif"] {
        for source in [path.to_str().unwrap(), gz.to_str().unwrap(), "-"] {
            let out = aadlint()
                .args(["scan", source, "-f", format])
                .write_stdin(line.clone())
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            if format == "json" {
                assert!(text.contains("\"flows\": [\n"), "{source}: no flow read");
            }
            assert!(
                !text.contains("QWERTY123"),
                "--format {format} from {source} leaks the user code"
            );
        }
    }
}

/// A folder 1,200 levels deep: each level was canonicalized (a `stat` per level of its path,
/// cubic in all; 97 s at 1,500 levels in a debug build), now told apart by device and inode.
#[test]
fn a_deep_folder_is_walked_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("deep");
    std::fs::create_dir(&root).unwrap();
    // Relative steps keep each path short of PATH_MAX (and this process's directory unchanged).
    let made = std::process::Command::new("sh")
        .current_dir(&root)
        .arg("-c")
        .arg("i=0; while [ $i -lt 1200 ]; do mkdir d && cd d || exit 1; i=$((i+1)); done; echo '2026-11-27 10:00:00 ERROR AADSTS50076 mfa' > a.log")
        .status()
        .unwrap();
    assert!(made.success());
    let started = std::time::Instant::now();
    let out = aadlint()
        .args(["scan", root.to_str().unwrap(), "-f", "json"])
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("AADSTS50076"));
    assert!(elapsed.as_secs() < 20, "{elapsed:?}");
}

#[test]
fn rule_text_with_escape_bytes_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let log = reused_flow_log(dir.path());
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    let rule = std::fs::read_to_string("rules/aadsts/AADSTS90120.toml")
        .unwrap()
        .replacen("summary = \"", "summary = \"\\u001b]0;pwned\\u0007\\u001b[31m", 1);
    std::fs::write(rules.join("AADSTS90120.toml"), rule).unwrap();
    let out = aadlint()
        .args(["scan", log.to_str().unwrap(), "--rules", rules.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!out.stdout.contains(&0x1b) && !out.stderr.contains(&0x1b));
    assert!(String::from_utf8_lossy(&out.stderr).contains("control character"));
}
