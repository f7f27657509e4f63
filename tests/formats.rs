//! The CI and dashboard formats: snapshots of `sarif`, `github`, `azure` and `markdown` for the
//! client fixtures; SARIF validated against the official SARIF 2.1.0 schemas and the JSON report
//! against `schema/report.schema.json`; escaping with hostile file names and rule texts; the exit
//! code contract in every format; `--output`, `--quiet`, `schema`, `completions`, `man`.
//!
//! Review snapshot changes with `cargo insta review`; CI runs with `INSTA_UPDATE=no`.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

const FORMATS: [&str; 6] = ["table", "json", "sarif", "github", "azure", "markdown"];
const HAPPY: &str = "fixtures/clients/a1_msal_happy.log";
const REUSED: &str = "fixtures/clients/b1_msal_reuse_after_success.log";

fn aadlint() -> Command {
    let mut c = Command::cargo_bin("aadlint").unwrap();
    c.env_remove("NO_COLOR").env_remove("CI");
    c
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn scan(args: &[&str]) -> Run {
    run(aadlint().arg("scan").args(args))
}

/// The report of a fixture in a format; the scan must exit 0.
fn report(path: &str, format: &str) -> String {
    let r = scan(&[path, "--format", format, "--color", "never"]);
    assert_eq!(r.code, 0, "{path} ({format}): {}", r.stderr);
    r.stdout
}

/// The fixture's path relative to the project root, as users type it.
fn relative(path: &Path) -> String {
    let root = std::env::current_dir().unwrap();
    path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/")
}

/// Every fixture of a device code flow: the client logs and the causes' trigger logs.
fn device_flow_fixtures() -> Vec<String> {
    let mut out = Vec::new();
    let mut push_dir = |dir: &Path, prefix: Option<&str>| {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries.flatten() {
            let p = e.path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            let wanted = match prefix {
                Some(pre) => name.starts_with(pre),
                None => name.ends_with(".log") || name.ends_with(".jsonl"),
            };
            // A trigger can be a folder of logs (`trigger-two-files`).
            if wanted && (p.is_file() || (prefix.is_some() && p.is_dir())) {
                out.push(relative(&std::env::current_dir().unwrap().join(&p)));
            }
        }
    };
    push_dir(Path::new("fixtures/clients"), None);
    if let Ok(causes) = std::fs::read_dir("fixtures/causes") {
        for c in causes.flatten().filter(|c| c.path().is_dir()) {
            push_dir(&c.path(), Some("trigger-"));
        }
    }
    out.sort();
    assert!(out.len() >= 5, "fixtures not found: {out:?}");
    out
}

// ---------------------------------------------------------------------------------------------
// Snapshots

#[test]
fn sarif_reports() {
    insta::glob!("../fixtures", "clients/*.{log,jsonl}", |path| {
        let value: Value = serde_json::from_str(&report(&relative(path), "sarif")).unwrap();
        insta::assert_json_snapshot!(value);
    });
}

#[test]
fn github_reports() {
    insta::glob!("../fixtures", "clients/*.{log,jsonl}", |path| {
        insta::assert_snapshot!(report(&relative(path), "github"));
    });
}

#[test]
fn azure_reports() {
    insta::glob!("../fixtures", "clients/*.{log,jsonl}", |path| {
        insta::assert_snapshot!(report(&relative(path), "azure"));
    });
}

#[test]
fn markdown_reports() {
    insta::glob!("../fixtures", "clients/*.{log,jsonl}", |path| {
        insta::assert_snapshot!(report(&relative(path), "markdown"));
    });
}

// ---------------------------------------------------------------------------------------------
// Schemas

fn load_json(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .unwrap()
}

fn assert_valid(v: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what} does not validate:\n{}", errors.join("\n"));
}

/// The `language` patterns of the OASIS file (`run`, `toolComponent`),
/// `^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`, have a stray `]` that makes them invalid ECMA-262
/// (unicode) regexes, so a meta-schema check refuses the whole schema. They are replaced in
/// memory by the pattern Microsoft's copy uses; the vendored file stays as published. Our
/// documents have no `language`, so this changes no verdict here.
fn oasis_sarif_schema() -> Value {
    const BROKEN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    fn fix(v: &mut Value, n: &mut usize) {
        match v {
            Value::Object(map) => {
                for (k, child) in map.iter_mut() {
                    if k == "pattern" && child == BROKEN {
                        *child = Value::from("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
                        *n += 1;
                    } else {
                        fix(child, n);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|c| fix(c, n)),
            _ => {}
        }
    }
    let mut schema = load_json("tests/data/sarif/sarif-schema-2.1.0.json");
    let mut n = 0;
    fix(&mut schema, &mut n);
    assert_eq!(n, 2, "the vendored OASIS schema changed");
    schema
}

/// Both vendored SARIF schemas, asserting `format` too.
fn sarif_validators() -> Vec<(&'static str, jsonschema::Validator)> {
    vec![
        ("OASIS sarif-schema-2.1.0.json", validator(&oasis_sarif_schema())),
        (
            "Microsoft sarif-2.1.0.json",
            validator(&load_json("tests/data/sarif/sarif-2.1.0-microsoft.json")),
        ),
    ]
}

#[test]
fn sarif_validates_against_the_sarif_schemas() {
    let validators = sarif_validators();
    let mut checked = 0;
    for path in device_flow_fixtures() {
        let doc: Value = serde_json::from_str(&report(&path, "sarif")).unwrap();
        for (schema, v) in &validators {
            assert_valid(v, &doc, &format!("{path} against {schema}"));
        }
        checked += 1;
    }
    // A whole folder, and an unreadable input (its notification must validate too).
    let r = scan(&["fixtures/clients", "no-such.log", "--format", "sarif"]);
    assert_eq!(r.code, 2);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    for (schema, v) in &validators {
        assert_valid(v, &doc, &format!("fixtures/clients + no-such.log against {schema}"));
    }
    assert!(checked >= 5);
}

#[test]
fn sarif_has_what_code_scanning_needs() {
    let doc: Value = serde_json::from_str(&report(REUSED, "sarif")).unwrap();
    assert_eq!(doc["version"], "2.1.0");
    let run = &doc["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "aadlint");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert!(driver["informationUri"].as_str().unwrap().starts_with("https://"));
    let rules = driver["rules"].as_array().unwrap();
    for rule in rules {
        for key in [
            "id",
            "shortDescription",
            "fullDescription",
            "help",
            "helpUri",
            "defaultConfiguration",
        ] {
            assert!(rule.get(key).is_some(), "rule lacks {key}: {rule}");
        }
        assert!(rule["fullDescription"]["text"].as_str().unwrap().chars().count() <= 1000);
    }
    let results = run["results"].as_array().unwrap();
    let finding = results.iter().find(|r| r["ruleId"] == "polled-after-success").unwrap();
    assert_eq!(finding["level"], "error");
    let rule = &rules[finding["ruleIndex"].as_u64().unwrap() as usize];
    assert_eq!(rule["id"], "polled-after-success");
    assert!(rule["help"]["text"]
        .as_str()
        .unwrap()
        .contains("Leave the polling loop"));
    let message = finding["message"]["text"].as_str().unwrap();
    assert!(
        message.contains("polled again") && message.contains("Fix: "),
        "{message}"
    );
    let loc = &finding["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], REUSED);
    assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
    assert_eq!(
        finding["partialFingerprints"]["primaryLocationLineHash"],
        "polled-after-success:dc:dbe078bea74e"
    );
    // The AADSTS90120 code (severity error) is a result of its own, at its first location.
    let code = results.iter().find(|r| r["ruleId"] == "AADSTS90120").unwrap();
    assert_eq!(code["locations"][0]["physicalLocation"]["region"]["startLine"], 56);
    assert_eq!(
        code["partialFingerprints"]["primaryLocationLineHash"],
        format!("AADSTS90120:{REUSED}")
    );
    // Scanning again gives the same fingerprints (and the same document).
    assert_eq!(report(REUSED, "sarif"), report(REUSED, "sarif"));
}

#[test]
fn sarif_paths_are_relative_to_the_current_directory() {
    let abs = std::env::current_dir().unwrap().join(REUSED);
    let r = scan(&[abs.to_str().unwrap(), "--format", "sarif"]);
    assert_eq!(r.code, 0);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        REUSED
    );
    // Outside the current directory: a file:// URI.
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("app.log");
    std::fs::copy(REUSED, &outside).unwrap();
    let r = scan(&[outside.to_str().unwrap(), "--format", "sarif"]);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    let uri = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(uri.starts_with("file:///") && uri.ends_with("/app.log"), "{uri}");
}

/// A copy of the report schema in which every object that lists its properties allows no
/// others: a field the schema does not document fails validation.
fn strict(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            let mut out: serde_json::Map<String, Value> = map.iter().map(|(k, v)| (k.clone(), strict(v))).collect();
            if map.contains_key("properties") {
                out.insert("additionalProperties".into(), Value::Bool(false));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(strict).collect()),
        other => other.clone(),
    }
}

fn report_schema() -> Value {
    load_json("schema/report.schema.json")
}

#[test]
fn report_schema_is_a_documented_2020_12_schema() {
    let schema = report_schema();
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    jsonschema::meta::validate(&schema).unwrap();
    // Every property says what it is, itself or through the definition it refers to.
    fn check(v: &Value, root: &Value, at: &str) {
        let Value::Object(map) = v else { return };
        if let Some(Value::Object(props)) = map.get("properties") {
            for (name, p) in props {
                let described = p.get("description").is_some()
                    || p.get("$ref").and_then(Value::as_str).is_some_and(|r| {
                        let def = r.trim_start_matches("#/$defs/");
                        root["$defs"][def].get("description").is_some()
                    });
                assert!(described, "{at}.{name} has no description");
            }
        }
        for (k, child) in map {
            check(child, root, &format!("{at}.{k}"));
        }
    }
    check(&schema, &schema, "$");
    // `aadlint schema` prints exactly this file.
    let r = run(aadlint().arg("schema"));
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout, std::fs::read_to_string("schema/report.schema.json").unwrap());
}

#[test]
fn json_reports_validate_against_the_report_schema() {
    let schema = report_schema();
    let loose = validator(&schema);
    let strict = validator(&strict(&schema));
    let mut checked = 0;
    // Every stored JSON snapshot of tests/reports.rs...
    for entry in std::fs::read_dir("tests/snapshots").unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if !name.starts_with("reports__json_reports@") || !name.ends_with(".snap") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        // insta's header is `---\n...\n---\n`; the document follows.
        let body = text.splitn(3, "---\n").nth(2).unwrap();
        let doc: Value = serde_json::from_str(body).unwrap();
        assert_valid(&loose, &doc, &name);
        assert_valid(&strict, &doc, &format!("{name} (every field documented)"));
        checked += 1;
    }
    // ...and the live report of every device flow fixture, a folder, and a missing input.
    for path in device_flow_fixtures() {
        let doc: Value = serde_json::from_str(&report(&path, "json")).unwrap();
        assert_valid(&strict, &doc, &path);
        checked += 1;
    }
    let r = scan(&["fixtures/clients", "no-such.log", "--format", "json"]);
    assert_eq!(r.code, 2);
    assert_valid(
        &strict,
        &serde_json::from_str(&r.stdout).unwrap(),
        "with a missing input",
    );
    assert!(checked >= 10, "only {checked} reports checked");
}

// ---------------------------------------------------------------------------------------------
// The exit code contract, in every format

#[test]
fn exit_codes_hold_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    for format in FORMATS {
        let f = ["--format", format];
        // 0: nothing matched --fail-on.
        let r = scan(&[&[HAPPY, "--fail-on", "reused-device-code"][..], &f].concat());
        assert_eq!(r.code, 0, "{format}: {}", r.stderr);
        let r = scan(&[&[REUSED][..], &f].concat());
        assert_eq!(r.code, 0, "{format}: no --fail-on, findings are not failures");
        // 1: --fail-on matched.
        let r = scan(&[&[REUSED, "--fail-on", "reused-device-code"][..], &f].concat());
        assert_eq!(r.code, 1, "{format}");
        assert!(
            r.stderr.contains("failing: polled-after-success"),
            "{format}: {}",
            r.stderr
        );
        let r = scan(&[&[REUSED, "--fail-on", "AADSTS90120"][..], &f].concat());
        assert_eq!(r.code, 1, "{format}");
        // 2: an unreadable input wins over findings; the report is still written.
        let r = scan(&[&["no-such.log", REUSED, "--fail-on", "error"][..], &f].concat());
        assert_eq!(r.code, 2, "{format}");
        assert!(r.stderr.contains("no-such.log"), "{format}: {}", r.stderr);
        assert!(r.stdout.contains("no-such.log"), "{format}: the report names the input");
        // 2: usage errors.
        let r = scan(&[&[REUSED, "--fail-on", "nonsense"][..], &f].concat());
        assert_eq!(r.code, 2, "{format}");
        assert!(r.stdout.is_empty());
        // The same with --output: nothing on stdout, the same codes.
        let out = dir.path().join(format!("report.{format}"));
        let o = out.to_str().unwrap();
        for (args, code) in [
            (vec![HAPPY, "--fail-on", "error"], 0),
            (vec![REUSED, "--fail-on", "reused-device-code"], 1),
            (vec!["no-such.log", REUSED], 2),
        ] {
            let r = scan(&[&args[..], &f, &["--output", o, "--quiet"]].concat());
            assert_eq!(r.code, code, "{format} --output {args:?}");
            assert!(r.stdout.is_empty(), "{format}: stdout must stay empty with --output");
            // (github and azure write nothing when there is nothing to report)
            let written = std::fs::metadata(&out).unwrap().len();
            assert!(written > 0 || code == 0, "{format}: report written");
        }
    }
    let r = scan(&[REUSED, "--format", "nonsense"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--format"));
}

#[test]
fn output_writes_the_same_report_and_quiet_silences_notes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.sarif");
    let o = out.to_str().unwrap();
    let r = scan(&[REUSED, "--format", "sarif", "--output", o]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("wrote the sarif report to"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), report(REUSED, "sarif"));

    let r = scan(&[
        REUSED,
        "--format",
        "sarif",
        "--output",
        o,
        "--quiet",
        "--fail-on",
        "error",
    ]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr, "", "--quiet leaves only errors on stderr");
    // Errors still show under --quiet.
    let r = scan(&["no-such.log", "--quiet"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no-such.log"));
    // An output that cannot be written is an error (2).
    let bad = dir.path().join("no/such/dir/report.json");
    let r = scan(&[REUSED, "--format", "json", "--output", bad.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("cannot write"), "{}", r.stderr);
}

#[test]
fn no_color_and_pipes_mean_no_escape_codes() {
    // NO_COLOR wins over auto; only an explicit --color always colours the table.
    for format in FORMATS {
        let r = run(aadlint()
            .env("NO_COLOR", "1")
            .args(["scan", REUSED, "--format", format]));
        assert!(!r.stdout.contains('\x1b') && !r.stderr.contains('\x1b'), "{format}");
        let r = run(aadlint().args(["scan", REUSED, "--format", format, "--color", "always"]));
        assert_eq!(
            r.stdout.contains('\x1b'),
            format == "table",
            "{format}: colour is for the table only"
        );
    }
    let r = run(aadlint()
        .env("NO_COLOR", "1")
        .args(["scan", REUSED, "--color", "always"]));
    assert!(r.stdout.contains('\x1b'), "--color always overrides NO_COLOR");
}

// ---------------------------------------------------------------------------------------------
// Escaping: hostile file names and rule texts

/// GitHub's runner: `::cmd k=v,k=v::message`, values and message unescaped.
fn parse_github(line: &str) -> (String, Vec<(String, String)>, String) {
    let rest = line
        .strip_prefix("::")
        .unwrap_or_else(|| panic!("not a command: {line:?}"));
    let (head, message) = rest.split_once("::").unwrap();
    let (cmd, props) = head.split_once(' ').unwrap_or((head, ""));
    let unescape = |s: &str| {
        s.replace("%0D", "\r")
            .replace("%0A", "\n")
            .replace("%3A", ":")
            .replace("%2C", ",")
            .replace("%25", "%")
    };
    let props = props
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap();
            (k.to_string(), unescape(v))
        })
        .collect();
    let message = message.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%");
    (cmd.to_string(), props, message)
}

/// The Azure agent: the first `##vso[`, the first `]` after it, properties split on `;`.
fn parse_azure(line: &str) -> (String, Vec<(String, String)>, String) {
    let rest = line
        .strip_prefix("##vso[")
        .unwrap_or_else(|| panic!("not a command: {line:?}"));
    let (head, message) = rest.split_once(']').unwrap();
    let (cmd, props) = head.split_once(' ').unwrap_or((head, ""));
    let unescape = |s: &str| {
        s.replace("%3B", ";")
            .replace("%0D", "\r")
            .replace("%0A", "\n")
            .replace("%5D", "]")
            .replace("%AZP25", "%")
    };
    let props = props
        .split(';')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap();
            (k.to_string(), unescape(v))
        })
        .collect();
    (cmd.to_string(), props, unescape(message))
}

fn prop<'a>(props: &'a [(String, String)], key: &str) -> Option<&'a str> {
    props.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The hostile text the rule override puts into titles and fixes.
const HOSTILE_TITLE: &str = "Polled again; 100% sure, a:b]c\r\n::error::injected\n##vso[task.complete result=Failed]x";

/// A folder with a log under a hostile name and a rule override with a hostile title and fix.
fn hostile_setup() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let name = "we,ird: na%me;x]y [z] #1\nline2 |pipe| `tick`.log".to_string();
    std::fs::copy(REUSED, dir.path().join(&name)).unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    let original = std::fs::read_to_string("rules/causes/polled-after-success.toml").unwrap();
    let mut text = String::new();
    for line in original.lines() {
        if line.starts_with("title = ") {
            text.push_str(&format!("title = {}\n", toml_string(HOSTILE_TITLE)));
        } else {
            text.push_str(line);
            text.push('\n');
        }
    }
    std::fs::write(rules.join("polled-after-success.toml"), text).unwrap();
    (dir, name)
}

fn toml_string(s: &str) -> String {
    serde_json::to_string(s).unwrap() // a JSON string is a valid TOML basic string here
}

fn hostile(dir: &Path, name: &str, format: &str) -> Run {
    run(aadlint()
        .current_dir(dir)
        .args(["scan", name, "--rules", "rules", "--format", format, "--color", "never"]))
}

#[test]
fn github_escaping_survives_hostile_names_and_messages() {
    let (dir, name) = hostile_setup();
    let r = hostile(dir.path(), &name, "github");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "one line per result, no raw line breaks:\n{}", r.stdout);
    let mut titles = Vec::new();
    for line in &lines {
        assert!(line.starts_with("::error "), "{line}");
        assert!(!line.contains('\r'));
        let (cmd, props, message) = parse_github(line);
        assert_eq!(cmd, "error");
        assert_eq!(prop(&props, "file"), Some(name.as_str()), "{line}");
        assert!(prop(&props, "line").unwrap().parse::<u64>().unwrap() >= 1);
        titles.push(prop(&props, "title").unwrap().to_string());
        if prop(&props, "title") == Some("polled-after-success") {
            assert!(message.starts_with(HOSTILE_TITLE), "{message:?}");
        } else {
            assert!(message.contains(&format!("first at {name}:56")), "{message:?}");
        }
    }
    assert_eq!(titles, ["polled-after-success", "AADSTS90120"]);
    insta::assert_snapshot!(r.stdout);
}

#[test]
fn azure_escaping_survives_hostile_names_and_messages() {
    let (dir, name) = hostile_setup();
    let r = hostile(dir.path(), &name, "azure");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "one line per result, no raw line breaks:\n{}", r.stdout);
    for line in &lines {
        // Only one `##vso[`-command per line counts; ours is the first.
        assert!(line.starts_with("##vso[task.logissue "), "{line}");
        let (cmd, props, message) = parse_azure(line);
        assert_eq!(cmd, "task.logissue");
        assert_eq!(prop(&props, "type"), Some("error"));
        assert_eq!(prop(&props, "sourcepath"), Some(name.as_str()), "{line}");
        assert!(prop(&props, "linenumber").unwrap().parse::<u64>().unwrap() >= 1);
        match prop(&props, "code") {
            Some("polled-after-success") => assert!(message.starts_with(HOSTILE_TITLE), "{message:?}"),
            Some("AADSTS90120") => assert!(message.contains(&format!("first at {name}:56"))),
            other => panic!("unexpected code {other:?}"),
        }
    }
    insta::assert_snapshot!(r.stdout);
}

#[test]
fn sarif_and_markdown_survive_hostile_names_and_messages() {
    let (dir, name) = hostile_setup();
    let r = hostile(dir.path(), &name, "sarif");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    for (schema, v) in sarif_validators() {
        assert_valid(&v, &doc, &format!("hostile SARIF against {schema}"));
    }
    for result in doc["runs"][0]["results"].as_array().unwrap() {
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(
            uri.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~/%".contains(&b)),
            "{uri}"
        );
        assert_eq!(percent_decode(uri), name);
    }
    let rule = &doc["runs"][0]["tool"]["driver"]["rules"][0];
    assert!(rule["shortDescription"]["text"]
        .as_str()
        .unwrap()
        .starts_with(HOSTILE_TITLE));

    let r = hostile(dir.path(), &name, "markdown");
    assert_eq!(r.code, 0);
    // Table rows keep their column count: every unescaped `|` is a cell border.
    for line in r
        .stdout
        .lines()
        .filter(|l| l.starts_with("| error") || l.starts_with("| [AADSTS"))
    {
        let mut borders = 0;
        let mut escaped = false;
        for c in line.chars() {
            match c {
                '\\' if !escaped => escaped = true,
                '|' if !escaped => borders += 1,
                _ => escaped = false,
            }
            if c != '\\' {
                escaped = false;
            }
        }
        let expected = if line.starts_with("| error") { 6 } else { 9 };
        assert_eq!(borders, expected, "{line}");
    }
    assert!(!r.stdout.contains("\r"), "no raw carriage return");
    assert!(
        !r.stdout.contains("\n::error"),
        "the title's line break stays inside its heading"
    );
}

// ---------------------------------------------------------------------------------------------
// Completions and man page

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let r = run(aadlint().args(["completions", shell]));
        assert_eq!(r.code, 0, "{shell}");
        assert!(r.stdout.contains("aadlint"), "{shell}");
        if ["bash", "zsh", "fish"].contains(&shell) {
            assert!(r.stdout.contains("sarif"), "{shell}: the formats are completed");
        }
    }
    assert_eq!(run(aadlint().args(["completions", "tcsh"])).code, 2);

    let r = run(aadlint().arg("man"));
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains(".TH aadlint"),
        "{}",
        &r.stdout[..200.min(r.stdout.len())]
    );
    let dir = tempfile::tempdir().unwrap();
    let out: PathBuf = dir.path().join("man1");
    let r = run(aadlint().args(["man", "--dir", out.to_str().unwrap()]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    for page in ["aadlint.1", "aadlint-scan.1", "aadlint-schema.1"] {
        let text = std::fs::read_to_string(out.join(page)).unwrap();
        assert!(text.contains(".TH"), "{page}");
    }
    let scan_page = std::fs::read_to_string(out.join("aadlint-scan.1")).unwrap();
    assert!(scan_page.contains("fail\\-on") && scan_page.contains("Exit codes"));
}

#[test]
fn a_report_with_suppressions_and_expired_entries_validates_against_the_report_schema() {
    let dir = tempfile::tempdir().unwrap();
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(
        repo.join("fixtures/clients/b1_msal_reuse_after_success.log"),
        dir.path().join("a.log"),
    )
    .unwrap();
    std::fs::copy(
        repo.join("fixtures/real/043_python-traceback-shareplum-50126-tuple.log"),
        dir.path().join("b.log"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("aadlint.toml"),
        "[[ignore]]\ncause = \"polled-after-success\"\nreason = \"known\"\n\n\
         [[ignore]]\ncode = \"AADSTS50126\"\nreason = \"test account\"\nexpires = 2999-12-31\n\n\
         [[ignore]]\ncode = \"AADSTS90120\"\nreason = \"old\"\nexpires = 2001-01-01\n",
    )
    .unwrap();
    let r = run(aadlint()
        .current_dir(dir.path())
        .args(["scan", ".", "--format", "json"]));
    assert_eq!(r.code, 0);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(doc["summary"]["suppressed"]["findings"].as_u64().unwrap() >= 1);
    assert_eq!(doc["summary"]["suppressed"]["codes"], 1);
    assert_eq!(doc["expired_ignores"][0]["expires"], "2001-01-01");
    let schema = report_schema();
    assert_valid(&validator(&schema), &doc, "a report with suppressions");
    assert_valid(
        &validator(&strict(&schema)),
        &doc,
        "a report with suppressions (strict)",
    );
}
