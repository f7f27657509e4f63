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
        &[
            "ci/github-actions/integration.yml",
            "ci/github-actions/fleet.yml",
            ".github/workflows/release.yml",
        ],
    ),
    (
        "vendor.azure-pipelines",
        &[
            "ci/azure-pipelines/aadlint.yml",
            "ci/azure-pipelines/integration.yml",
            "ci/azure-pipelines/fleet.yml",
        ],
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
        "ci/github-actions/fleet.yml",
        "ci/azure-pipelines/fleet.yml",
    ] {
        let marker = format!("<!-- file: {path} -->");
        assert_eq!(block_after(&readme, &marker), read(path), "README's copy of {path}");
    }
    let markers = readme.matches("<!-- file: ").count();
    assert_eq!(markers, 4, "every file snippet is checked here");
}

#[test]
fn the_readme_config_example_is_valid() {
    let text = block_after(&read("README.md"), "<!-- config example -->");
    let config = Config::parse("README.md", text, Path::new(".")).unwrap();
    let catalog = aadlint::rules::Catalog::builtin();
    assert_eq!(
        config.fail_on(catalog).unwrap().len(),
        4,
        "error plus the three reuse causes"
    );
    assert_eq!(config.ignore_entries(catalog).unwrap().len(), 1);
    let layout = config
        .layout_for("services/api.jsonl")
        .expect("a layout for services/*.jsonl");
    assert!(
        aadlint::scan::record::Layouts::builtin().find(layout).is_some(),
        "{layout} is a layout"
    );
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

/// The script of the step named `name` in `action.yml` (`run: |` block of a `- name:` step).
fn action_script(name: &str) -> String {
    let action = read("action.yml");
    let start = action
        .find(&format!("    - name: {name}\n"))
        .unwrap_or_else(|| panic!("action.yml has no step {name:?}"));
    let step = &action[start..];
    let run = step.find("      run: |\n").expect("a run block") + "      run: |\n".len();
    step[run..]
        .lines()
        .take_while(|l| l.starts_with("        ") || l.is_empty())
        .map(|l| format!("{}\n", l.get(8..).unwrap_or("")))
        .collect()
}

/// The script of the Azure template step shown as `display`, with the agent's macros filled in.
fn azure_script(display: &str, dir: &Path) -> String {
    let template = read("ci/azure-pipelines/aadlint.yml");
    let end = template
        .find(&format!("    displayName: {display}\n"))
        .unwrap_or_else(|| panic!("the template has no step {display:?}"));
    let start = template[..end].rfind("  - bash: |\n").expect("a bash step") + "  - bash: |\n".len();
    let shown = dir.display().to_string();
    template[start..end]
        .lines()
        .map(|l| format!("{}\n", l.get(6..).unwrap_or("")))
        .collect::<String>()
        .replace("$(Build.ArtifactStagingDirectory)", &shown)
        .replace("$(Agent.TempDirectory)", &shown)
}

/// Runs a step's script with bash in the repository, `aadlint` on PATH, and `env`; its exit code
/// and standard output.
fn run_step(script: &str, env: &[(&str, &str)]) -> (i32, String) {
    run_step_in(&repo(), script, env)
}

/// [`run_step`] in `dir`.
fn run_step_in(dir: &Path, script: &str, env: &[(&str, &str)]) -> (i32, String) {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_aadlint"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .args(["-e", "-c", script])
        .current_dir(dir)
        .env("PATH", path)
        .env_remove("CI")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

const TWO_LOGS: &str = "fixtures/clients/a1_msal_happy.log fixtures/clients/b1_msal_reuse_after_success.log";

#[test]
fn the_action_steps_gate_annotate_and_report() {
    let gate = action_script("aadlint");
    let (code, out) = run_step(
        &gate,
        &[
            ("AADLINT_PATHS", TWO_LOGS),
            ("AADLINT_FAIL_ON", "config"),
            ("AADLINT_CONFIG", ""),
        ],
    );
    assert_eq!(code, 0, "the default: the config file's fail-on, and there is none");
    assert!(
        out.contains("::error file=fixtures/clients/b1_msal_reuse_after_success.log"),
        "{out}"
    );
    let empty = [
        ("AADLINT_PATHS", TWO_LOGS),
        ("AADLINT_FAIL_ON", ""),
        ("AADLINT_CONFIG", ""),
    ];
    assert_eq!(
        run_step(&gate, &empty).0,
        2,
        "an empty fail-on (an unset variable) is an error"
    );
    let (code, _) = run_step(
        &gate,
        &[
            ("AADLINT_PATHS", TWO_LOGS),
            ("AADLINT_FAIL_ON", "reused-device-code"),
            ("AADLINT_CONFIG", ""),
        ],
    );
    assert_eq!(code, 1);
    let (code, _) = run_step(
        &gate,
        &[
            ("AADLINT_PATHS", TWO_LOGS),
            ("AADLINT_FAIL_ON", "error"),
            ("AADLINT_CONFIG", "no such.toml"),
        ],
    );
    assert_eq!(
        code, 2,
        "a config path with a space stays one argument, and a missing file is an error"
    );

    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let (code, _) = run_step(
        &action_script("aadlint summary"),
        &[
            ("AADLINT_PATHS", TWO_LOGS),
            ("AADLINT_CONFIG", ""),
            ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
        ],
    );
    assert_eq!(code, 0);
    assert!(std::fs::read_to_string(&summary).unwrap().starts_with("## aadlint: "));
    // A report step lets the gate's exit 1 through to the last step, but not an unreadable input.
    let strict = dir.path().join("strict.toml");
    std::fs::write(&strict, "fail-on = \"error\"\n").unwrap();
    let sarif = action_script("aadlint SARIF");
    let log = repo().join("fixtures/clients/b1_msal_reuse_after_success.log");
    let missing = repo().join("fixtures/clients/missing.log");
    let config = strict.to_str().unwrap();
    let env = [("AADLINT_PATHS", log.to_str().unwrap()), ("AADLINT_CONFIG", config)];
    let (code, _) = run_step_in(dir.path(), &sarif, &env);
    assert_eq!(code, 0, "the config's fail-on matches, and the step passes");
    assert!(std::fs::read_to_string(dir.path().join("aadlint.sarif"))
        .unwrap()
        .contains("polled-after-success"));
    let env = [("AADLINT_PATHS", missing.to_str().unwrap()), ("AADLINT_CONFIG", config)];
    let (code, _) = run_step_in(dir.path(), &sarif, &env);
    assert_eq!(code, 2, "an unreadable input fails the step");
}

#[test]
fn the_azure_template_steps_gate_annotate_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let gate = azure_script("aadlint", dir.path());
    let env = |fail_on| {
        [
            ("AADLINT_PATHS", TWO_LOGS),
            ("AADLINT_FAIL_ON", fail_on),
            ("AADLINT_CONFIG", ""),
        ]
    };
    assert_eq!(
        run_step(&gate, &env("config")).0,
        0,
        "the default: no config file, no gate"
    );
    assert_eq!(run_step(&gate, &env("")).0, 2, "an empty failOn is an error");
    let (code, out) = run_step(
        &azure_script("aadlint", dir.path()),
        &[
            ("AADLINT_PATHS", TWO_LOGS),
            ("AADLINT_FAIL_ON", "reused-device-code"),
            ("AADLINT_CONFIG", ""),
        ],
    );
    assert_eq!(code, 1);
    assert!(
        out.contains("##vso[task.logissue type=error;sourcepath=fixtures/clients/b1_msal_reuse_after_success.log"),
        "{out}"
    );
    let (code, out) = run_step(
        &azure_script("aadlint summary", dir.path()),
        &[("AADLINT_PATHS", TWO_LOGS), ("AADLINT_CONFIG", "")],
    );
    assert_eq!(code, 0);
    assert!(out.contains("##vso[task.uploadsummary]"), "{out}");
    assert!(std::fs::read_to_string(dir.path().join("aadlint.md"))
        .unwrap()
        .starts_with("## aadlint: "));
    // The report step fails on an unreadable input (exit 2) instead of hiding it behind `echo`.
    let (code, out) = run_step(
        &azure_script("aadlint summary", dir.path()),
        &[
            ("AADLINT_PATHS", "fixtures/clients/missing.log"),
            ("AADLINT_CONFIG", ""),
        ],
    );
    assert_eq!(code, 2);
    assert!(!out.contains("uploadsummary"));
    let (code, _) = run_step(
        &azure_script("aadlint SARIF", dir.path()),
        &[("AADLINT_PATHS", TWO_LOGS), ("AADLINT_CONFIG", "")],
    );
    assert_eq!(code, 0);
    let sarif = std::fs::read_to_string(dir.path().join("CodeAnalysisLogs/aadlint.sarif")).unwrap();
    assert!(sarif.contains("\"version\": \"2.1.0\""));
}
