//! The files users copy into their CI: the Action, the Azure Pipelines template, the example
//! pipelines and the release workflow pass their published schemas, and the README shows them as
//! they are shipped.
//!
//! The schemas come with check-jsonschema (`--builtin-schema vendor.*`, no network). `.ci/run`
//! installs it; where it is missing the schema test says so and passes, except in CI (`CI` set),
//! where a missing validator must not pass for a valid file.

use aadlint::config::Config;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The files and the schema each must pass.
const VALIDATED: [(&str, &[&str]); 3] = [
    ("vendor.github-actions", &["action.yml"]),
    (
        "vendor.github-workflows",
        &["ci/github-actions/integration.yml", ".github/workflows/release.yml"],
    ),
    (
        "vendor.azure-pipelines",
        &["ci/azure-pipelines/aadlint.yml", "ci/azure-pipelines/integration.yml"],
    ),
];

fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "0" && v != "false")
}

#[test]
fn ci_files_pass_their_published_schemas() {
    let tool = std::env::var("CHECK_JSONSCHEMA").unwrap_or_else(|_| "check-jsonschema".into());
    if Command::new(&tool).arg("--version").output().is_err() {
        assert!(
            !in_ci(),
            "{tool} is not installed: .ci/run installs it (pip install check-jsonschema)"
        );
        eprintln!("skipped: {tool} is not installed (pip install check-jsonschema)");
        return;
    }
    for (schema, files) in VALIDATED {
        let out = Command::new(&tool)
            // Azure's schema has patterns the default (ECMA) regex engine rejects.
            .args(["--regex-variant", "python", "--builtin-schema", schema])
            .args(files)
            .current_dir(repo())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{files:?} against {schema}:\n{}{}",
            String::from_utf8_lossy(&out.stdout)
                .chars()
                .take(4000)
                .collect::<String>(),
            String::from_utf8_lossy(&out.stderr)
                .chars()
                .take(4000)
                .collect::<String>()
        );
    }
}

/// The fenced block that follows `marker` in the README.
fn block_after(readme: &str, marker: &str) -> String {
    let at = readme.find(marker).unwrap_or_else(|| panic!("README has no {marker}"));
    let rest = &readme[at + marker.len()..];
    let open = rest.find("```").expect("a fenced block after the marker");
    let body = &rest[open..];
    let body = &body[body.find('\n').unwrap() + 1..];
    body[..body.find("\n```").expect("a closed block") + 1].to_string()
}

#[test]
fn readme_snippets_are_the_shipped_files() {
    let readme = read("README.md");
    for path in [
        "ci/github-actions/integration.yml",
        "ci/azure-pipelines/integration.yml",
    ] {
        let marker = format!("<!-- file: {path} -->");
        assert_eq!(block_after(&readme, &marker), read(path), "README's copy of {path}");
    }
    let markers = readme.matches("<!-- file: ").count();
    assert_eq!(markers, 2, "every file snippet is checked here");
}

#[test]
fn the_readme_config_example_is_valid() {
    let text = block_after(&read("README.md"), "<!-- config example -->");
    let mut config = Config::parse("README.md", text, Path::new(".")).unwrap();
    let catalog = aadlint::rules::Catalog::builtin();
    assert_eq!(
        config.fail_on(catalog).unwrap().len(),
        4,
        "error plus the three reuse causes"
    );
    assert_eq!(config.ignore_entries(catalog).unwrap().len(), 1);
    assert_eq!(config.layout_for("services/api.jsonl"), Some("msal-json"));
}

#[test]
fn install_commands_and_pipelines_name_the_repository_of_cargo_toml() {
    let repository = env!("CARGO_PKG_REPOSITORY");
    assert!(repository.starts_with("https://github.com/"), "{repository}");
    let readme = read("README.md");
    for command in [
        format!("cargo install --locked --git {repository} aadlint"),
        format!("{repository}/releases/latest/download/aadlint-installer.sh"),
        format!("{repository}/releases/latest/download/aadlint-installer.ps1"),
        "cargo install --locked --path .".to_string(),
    ] {
        assert!(readme.contains(&command), "README lacks {command}");
    }
    let owner_repo = repository.trim_start_matches("https://github.com/");
    assert!(read("ci/azure-pipelines/aadlint.yml").contains(&format!("default: {repository}")));
    assert!(read("ci/azure-pipelines/integration.yml").contains(&format!("name: {owner_repo}")));
    assert!(read("ci/github-actions/integration.yml").contains(&format!("uses: {owner_repo}@v")));
    let rust_version = env!("CARGO_PKG_RUST_VERSION");
    assert!(
        readme.contains(&format!("Rust {rust_version} or newer")),
        "README names the MSRV"
    );
}

#[test]
fn the_release_config_lists_every_platform_and_both_installers() {
    let dist = read("dist-workspace.toml");
    for needle in [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
        "\"shell\"",
        "\"powershell\"",
    ] {
        assert!(dist.contains(needle), "dist-workspace.toml lacks {needle}");
    }
    let dockerfile = read("Dockerfile");
    assert!(dockerfile.contains("ENTRYPOINT [\"aadlint\"]"));
    assert!(dockerfile.contains("FROM scratch"));
}
