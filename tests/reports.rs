//! Snapshot tests of the reports users read: the table and the JSON document for every fixture
//! log. Review changes with `cargo insta review`; CI runs with `INSTA_UPDATE=no`.

use assert_cmd::Command;

fn report(path: &str, format: &str) -> String {
    let out = Command::cargo_bin("aadlint")
        .unwrap()
        .args(["scan", path, "--format", format, "--color", "never"])
        .output()
        .unwrap();
    assert!(
        out.status.code() == Some(0),
        "{path}: exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The fixture's path relative to the project root, as users type it.
fn relative(path: &std::path::Path) -> String {
    let root = std::env::current_dir().unwrap();
    path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/")
}

#[test]
fn table_reports() {
    insta::glob!(
        "../fixtures",
        "{real,clients,causes/*,healthy}/*.{log,jsonl,json,csv,txt}",
        |path| {
            insta::assert_snapshot!(report(&relative(path), "table"));
        }
    );
}

#[test]
fn json_reports() {
    insta::glob!(
        "../fixtures",
        "{real,clients,causes/*,healthy}/*.{log,jsonl,json,csv,txt}",
        |path| {
            let text = report(&relative(path), "json");
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            insta::assert_json_snapshot!(value);
        }
    );
}

/// The CI formats on every device-flow fixture that shows a cause.
fn ci_format_reports(format: &str) {
    insta::glob!("../fixtures", "causes/*/trigger-*.{log,jsonl,json,csv}", |path| {
        let out = Command::cargo_bin("aadlint")
            .unwrap()
            .args(["scan", &relative(path), "--format", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        insta::assert_snapshot!(format, String::from_utf8(out.stdout).unwrap());
    });
}

#[test]
fn github_reports() {
    ci_format_reports("github");
}

#[test]
fn azure_reports() {
    ci_format_reports("azure");
}

#[test]
fn markdown_reports() {
    ci_format_reports("markdown");
}

#[test]
fn sarif_reports() {
    ci_format_reports("sarif");
}
