//! The README's sample output is what the binary prints: each block after a
//! `<!-- generated: ARGS -->` line holds the output of `aadlint ARGS` at 100 columns (a `text`
//! block starts with the command line). `AADLINT_BLESS=1 cargo test --test readme` rewrites them.

use assert_cmd::Command;

const MARK: &str = "<!-- generated: ";

/// The block the README should hold after a marker for `args`, in a fence of `lang`.
fn expected(args: &str, lang: &str) -> String {
    let out = Command::cargo_bin("aadlint")
        .unwrap()
        .args(args.split_whitespace())
        .env("COLUMNS", "100")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0) | Some(1)),
        "aadlint {args}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains('\x1b'), "aadlint {args}: escape codes in a sample");
    if lang == "text" {
        format!("$ aadlint {args}\n{stdout}")
    } else {
        stdout
    }
}

/// The README with every generated block as the binary prints it now, and the number of blocks.
fn regenerated(readme: &str) -> (String, usize) {
    let mut out = String::new();
    let mut rest = readme;
    let mut blocks = 0;
    while let Some(at) = rest.find(MARK) {
        let line_end = at + rest[at..].find('\n').expect("a line end after the marker");
        let args = rest[at + MARK.len()..line_end]
            .trim_end()
            .trim_end_matches("-->")
            .trim();
        out.push_str(&rest[..=line_end]);
        rest = &rest[line_end + 1..];
        let fence_end = rest.find('\n').expect("a fence after the marker");
        let fence = &rest[..fence_end];
        assert!(fence.starts_with("```"), "no fence after {MARK}{args}");
        let lang = fence.trim_start_matches('`');
        let close = rest[fence_end + 1..]
            .find("```\n")
            .map(|i| fence_end + 1 + i)
            .expect("a closing fence");
        out.push_str(fence);
        out.push('\n');
        out.push_str(&expected(args, lang));
        out.push_str("```\n");
        rest = &rest[close + 4..];
        blocks += 1;
    }
    out.push_str(rest);
    (out, blocks)
}

#[test]
fn readme_samples_are_what_the_binary_prints() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let (fresh, blocks) = regenerated(&readme);
    assert!(blocks >= 4, "only {blocks} generated blocks");
    if std::env::var_os("AADLINT_BLESS").is_some() {
        std::fs::write("README.md", &fresh).unwrap();
        return;
    }
    if fresh != readme {
        let (a, b): (Vec<&str>, Vec<&str>) = (readme.lines().collect(), fresh.lines().collect());
        let at = a
            .iter()
            .zip(&b)
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len()));
        panic!(
            "README.md's samples differ from the binary's output from line {}:\n  README: {:?}\n  binary: {:?}\nrun AADLINT_BLESS=1 cargo test --test readme",
            at + 1,
            a.get(at),
            b.get(at)
        );
    }
}
