//! The report a person reads first: the summary on top, findings worst first and grouped by
//! cause, short by default, every line within the terminal width, no code or short word cut;
//! and the command-line paper cuts a new user meets (issue 19).

use assert_cmd::Command;
use std::collections::BTreeSet;
use std::io::Read;
use std::process::Stdio;

/// `aadlint` with no terminal width in the environment but `COLUMNS` as given.
fn aadlint(columns: Option<u16>) -> Command {
    let mut c = Command::cargo_bin("aadlint").unwrap();
    c.env_remove("NO_COLOR").env_remove("COLUMNS");
    if let Some(n) = columns {
        c.env("COLUMNS", n.to_string());
    }
    c
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn table(path: &str, columns: Option<u16>, extra: &[&str]) -> String {
    let r = run(aadlint(columns).args(["scan", path, "--color", "never"]).args(extra));
    assert_eq!(r.code, Some(0), "{path}: {}", r.stderr);
    r.stdout
}

fn json(path: &str) -> serde_json::Value {
    let r = run(aadlint(None).args(["scan", path, "--format", "json"]));
    serde_json::from_str(&r.stdout).unwrap()
}

/// Every `AADSTS<digits>` in `text`, as written.
fn codes_in(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices("AADSTS") {
        let digits: String = text[i + 6..].chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            out.insert(format!("AADSTS{digits}"));
        }
    }
    out
}

/// Every code of the catalog, from `aadlint rules --format json`.
fn catalog_codes() -> BTreeSet<String> {
    let r = run(aadlint(None).args(["rules", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    v["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_string())
        .collect()
}

/// What every width must hold: no line wider than the width; every code, cause id, flow id and
/// short word the report prints stands whole on one line.
fn check_fits(text: &str, width: usize, doc: &serde_json::Value, what: &str) {
    for line in text.lines() {
        assert!(
            line.chars().count() <= width,
            "{what} at {width}: line of {} columns: {line:?}",
            line.chars().count()
        );
    }
    // A code cut in two would show up as a shorter number that is not a code of the report.
    let known: BTreeSet<String> = doc["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_string())
        .collect();
    let catalog = catalog_codes();
    for code in codes_in(text) {
        assert!(
            known.contains(&code) || catalog.contains(&code),
            "{what} at {width}: {code} is neither a code of the report nor of the catalog (cut?)"
        );
    }
    if width >= 80 {
        // In the tables a cell never splits a code or a word under 20 characters: every table
        // row of the codes table begins with a whole code.
        let mut in_codes = false;
        for line in text.lines() {
            if line.starts_with("AADSTS codes") {
                in_codes = true;
                continue;
            }
            if in_codes {
                if line.is_empty() || line.starts_with('+') {
                    break;
                }
                if line.starts_with("Code") || line.starts_with(' ') {
                    continue;
                }
                let first = line.split_whitespace().next().unwrap();
                assert!(
                    known.contains(first),
                    "{what} at {width}: codes row starts with {first:?}"
                );
            }
        }
        for f in doc["findings"].as_array().unwrap() {
            let cause = f["cause"].as_str().unwrap();
            assert!(
                text.contains(&format!("[{cause}]")),
                "{what} at {width}: the cause {cause} is not shown whole"
            );
        }
    }
}

const WIDTHS: [u16; 4] = [60, 80, 120, 200];

/// Fixtures that show the layout: many causes and codes, a shared flow, a long real log.
const LAYOUT_FIXTURES: [&str; 3] = [
    "fixtures/causes/shared-across-workers",
    "fixtures/clients",
    "fixtures/real/034_msalnet-devicecode-poll-loop-50196.log",
];

#[test]
fn the_table_fits_every_width_and_is_snapshotted() {
    for path in LAYOUT_FIXTURES {
        let doc = json(path);
        for width in WIDTHS {
            let text = table(path, Some(width), &[]);
            check_fits(&text, width as usize, &doc, path);
            let verbose = table(path, Some(width), &["--verbose", "--all-flows", "--top", "all"]);
            check_fits(&verbose, width as usize, &doc, &format!("{path} --verbose"));
            let name = format!("{}@{width}", path.replace('/', "__"));
            insta::assert_snapshot!(name, text);
        }
    }
}

#[test]
fn the_whole_fixture_tree_fits_at_every_width() {
    let doc = json("fixtures/");
    for width in [40, 60, 80, 100, 120, 200] {
        let text = table("fixtures/", Some(width), &[]);
        check_fits(&text, width as usize, &doc, "fixtures/");
    }
}

#[test]
fn scanning_the_fixtures_prints_the_summary_first_and_under_155_lines() {
    // Piped without COLUMNS: 100 columns. The fixtures show all 13 causes (about ten lines each).
    // The client family logs (`fixtures/families/`) add flows to four causes, whose flow lists
    // then run onto a second line (`+N more (--verbose)`): 151 lines, 149 without them.
    let text = table("fixtures/", None, &[]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "Summary", "the summary comes first");
    assert!(lines[1].starts_with("  findings: "), "{}", lines[1]);
    assert!(lines.len() < 155, "{} lines", lines.len());
    assert!(lines.iter().all(|l| l.chars().count() <= 100));
    // The sections, in order.
    let at = |heading: &str| {
        lines
            .iter()
            .position(|l| l.starts_with(heading))
            .unwrap_or_else(|| panic!("no {heading:?} section"))
    };
    assert!(at("Summary") < at("Findings, worst first"));
    assert!(at("Findings, worst first") < at("AADSTS codes"));
    assert!(at("AADSTS codes") < at("Device code flows with findings"));
}

#[test]
fn findings_come_worst_first_one_block_per_cause() {
    let doc = json("fixtures/");
    let text = table("fixtures/", None, &["--top", "all"]);
    let heads: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("error[") || l.starts_with("warning[") || l.starts_with("info["))
        .collect();
    let rank = |l: &str| match l.split('[').next().unwrap() {
        "error" => 0,
        "warning" => 1,
        _ => 2,
    };
    assert!(heads.windows(2).all(|w| rank(w[0]) <= rank(w[1])), "{heads:#?}");
    // One block per cause, however many flows show it.
    let causes: BTreeSet<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["cause"].as_str().unwrap())
        .collect();
    assert_eq!(heads.len(), causes.len(), "{heads:#?}");
    // A cause seen in several flows says so, with the flow ids.
    let blocked = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["cause"] == "blocked-by-conditional-access")
        .count();
    assert!(blocked > 1);
    assert!(
        text.contains(&format!("{blocked} flows, same cause: ")),
        "no grouped block for blocked-by-conditional-access"
    );
    // By default the first step of the fix and where the rest is.
    assert!(text.contains("(all steps: aadlint explain blocked-by-conditional-access)"));
}

#[test]
fn healthy_flows_only_with_all_flows() {
    let doc = json("fixtures/healthy");
    let flows = doc["flows"].as_array().unwrap();
    assert!(!flows.is_empty());
    assert!(flows.iter().all(|f| f["findings"].as_array().unwrap().is_empty()));
    let short = table("fixtures/healthy", None, &[]);
    assert!(!short.contains("Device code flows"), "{short}");
    assert!(short.contains(&format!("; {} without findings (listed with --all-flows)", flows.len())));
    let all = table("fixtures/healthy", None, &["--all-flows", "--top", "all"]);
    for f in flows {
        assert!(all.contains(f["id"].as_str().unwrap()), "{} not listed", f["id"]);
    }
}

#[test]
fn top_limits_every_section_and_verbose_shows_whole_fixes() {
    let text = table("fixtures/", None, &["--top", "2"]);
    let blocks = text
        .lines()
        .filter(|l| l.starts_with("error[") || l.starts_with("warning[") || l.starts_with("info["))
        .count();
    assert_eq!(blocks, 2);
    assert!(text.contains("more causes (--top N or --top all to list them)"));
    assert!(text.contains("more codes (--top N or --top all to list them)"));
    assert!(text.contains("more flows (--top N or --top all to list them)"));
    let verbose = table("fixtures/causes/polled-after-success", None, &["--verbose"]);
    // The whole fix, with its code.
    assert!(verbose.contains("acquire_token_silent"), "{verbose}");
    assert!(verbose.contains("4. Requesting every scope"), "{verbose}");
    let short = table("fixtures/causes/polled-after-success", None, &[]);
    assert!(!short.contains("acquire_token_silent"));
}

#[test]
fn concise_is_one_line_per_result() {
    for flag in ["--format", "--output-format"] {
        let r = run(aadlint(None).args(["scan", "fixtures/causes/polled-after-success", flag, "concise"]));
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        let lines: Vec<&str> = r.stdout.lines().collect();
        let (last, results) = lines.split_last().unwrap();
        assert_eq!(*last, format!("Found {} results.", results.len()));
        for line in results {
            // path:line: severity[id] message
            let (at, rest) = line.split_once(": ").unwrap();
            let (path, n) = at.rsplit_once(':').unwrap();
            assert!(std::path::Path::new(path).exists(), "{line}");
            assert!(n.parse::<u64>().unwrap() >= 1, "{line}");
            let (head, message) = rest.split_once("] ").unwrap();
            let (severity, id) = head.split_once('[').unwrap();
            assert!(["error", "warning", "info"].contains(&severity), "{line}");
            assert!(!id.is_empty() && !message.is_empty(), "{line}");
        }
        assert!(results.iter().any(|l| l.contains(": error[polled-after-success] ")));
    }
}

// ---------------------------------------------------------------------------------------------
// Paper cuts

#[test]
fn a_file_given_as_a_command_suggests_scan() {
    let r = run(aadlint(None).arg("fixtures/healthy"));
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr.contains("\"fixtures/healthy\" is not a command"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("aadlint scan fixtures/healthy"), "{}", r.stderr);
    // A typo of a command is still clap's error.
    let r = run(aadlint(None).arg("scna"));
    assert_eq!(r.code, Some(2));
    assert!(!r.stderr.contains("aadlint scan scna"), "{}", r.stderr);
}

#[test]
fn format_and_fail_on_ignore_case() {
    let r = run(aadlint(None).args(["scan", "fixtures/healthy", "--format", "JSON"]));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.starts_with('{'));
    let r = run(aadlint(None).args(["rules", "--format", "Json"]));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let r = run(aadlint(None).args([
        "scan",
        "fixtures/causes/polled-after-success",
        "--fail-on",
        "ERROR",
        "-q",
        "-f",
        "Concise",
    ]));
    assert_eq!(r.code, Some(1), "{}", r.stderr);
}

#[test]
fn the_failing_line_names_what_the_user_wrote() {
    let r = run(aadlint(None).args([
        "scan",
        "fixtures/causes/shared-across-workers",
        "--fail-on",
        "Reused-Device-Code",
        "--format",
        "json",
    ]));
    assert_eq!(r.code, Some(1));
    let line = r.stderr.lines().find(|l| l.starts_with("aadlint: failing: ")).unwrap();
    assert!(line.ends_with("(--fail-on Reused-Device-Code)"), "{line}");
}

#[test]
fn explain_takes_groups_oauth_errors_and_pasted_codes() {
    for (query, first_line) in [
        ("reused-device-code", "reused-device-code (a group of 3 causes)"),
        ("authorization_pending", "authorization_pending (OAuth error)"),
        ("slow_down", "slow_down (OAuth error)"),
        ("expired_token", "expired_token (OAuth error)"),
        ("authorization_declined", "authorization_declined (OAuth error)"),
        ("invalid_grant", "invalid_grant (OAuth error)"),
        ("bad_verification_code", "bad_verification_code (OAuth error)"),
        ("AADSTS50076:", "AADSTS50076 (UserStrongAuthClientAuthNRequired)"),
        ("\"AADSTS90120\",", "AADSTS90120 (InvalidDeviceFlowRequest)"),
        ("(70016).", "AADSTS70016 (AuthorizationPending)"),
    ] {
        let r = run(aadlint(Some(80)).args(["explain", query]));
        assert_eq!(r.code, Some(0), "{query}: {}", r.stderr);
        assert_eq!(r.stdout.lines().next(), Some(first_line), "{query}");
        assert!(r.stdout.lines().all(|l| l.chars().count() <= 80), "{query}");
    }
    // The group explains each of its causes; an OAuth error the code or cause behind it.
    let r = run(aadlint(None).args(["explain", "reused-device-code"]));
    for cause in ["polled-after-success", "shared-across-workers", "stale-device-code"] {
        assert!(r.stdout.contains(&format!("\n{cause} (error)\n")), "{cause}");
    }
    let r = run(aadlint(None).args(["explain", "expired_token"]));
    assert!(r.stdout.contains("\nAADSTS70020 (DeviceCodeExpired)\n"), "{}", r.stdout);
    let r = run(aadlint(None).args(["explain", "nonsense"]));
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("no rule named \"nonsense\""));
}

#[test]
fn explain_and_rules_fit_the_width() {
    for width in WIDTHS {
        for args in [
            vec!["explain", "polled-after-success"],
            vec!["explain", "AADSTS70020"],
            vec!["explain", "device-code-in-automation"],
            vec!["rules"],
            vec!["layouts"],
        ] {
            let r = run(aadlint(Some(width)).args(&args));
            assert_eq!(r.code, Some(0));
            for line in r.stdout.lines() {
                assert!(line.chars().count() <= width as usize, "{args:?} at {width}: {line:?}");
            }
        }
    }
}

/// Runs `args` with its standard output closed before it writes: it must stop quietly with 0.
fn closed_pipe(args: &[&str]) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_aadlint"))
        .args(args)
        .env_remove("COLUMNS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{args:?}: {stderr}");
    assert_eq!(stderr, "", "{args:?}");
}

#[test]
fn a_closed_pipe_is_quiet_in_every_command() {
    for args in [
        &["rules", "--format", "json"][..],
        &["rules"],
        &["layouts", "--format", "json"],
        &["schema"],
        &["explain", "polled-after-success"],
        &["scan", "fixtures/clients", "-q"],
        &["scan", "fixtures/clients", "-q", "--format", "json"],
        &["scan", "fixtures/clients", "-q", "--format", "sarif"],
        &["completions", "bash"],
        &["man"],
        &["--help"],
        &["scan", "--help"],
    ] {
        closed_pipe(args);
    }
}
