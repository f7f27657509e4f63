//! The secret shapes of `rules/secrets/` (the redactor's catalog): every file is well formed,
//! every sample line's secret is hidden by its own shape alone and by the whole redactor, in a
//! short line and in every part of a long one that a report may quote, and every `keep` line
//! comes out as it went in.

use aadlint::scan::secrets;
use std::path::Path;

/// A sample line and the secret it holds.
struct Sample {
    shape: String,
    line: String,
    secret: String,
}

fn shape_files() -> Vec<(String, toml::Table)> {
    let mut files: Vec<_> = std::fs::read_dir(Path::new("rules/secrets"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            let table: toml::Table = toml::from_str(&std::fs::read_to_string(&path).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (stem, table)
        })
        .collect()
}

fn samples() -> Vec<Sample> {
    let mut out = Vec::new();
    for (stem, table) in shape_files() {
        for s in table["samples"].as_array().unwrap() {
            out.push(Sample {
                shape: stem.clone(),
                line: s["line"].as_str().unwrap().to_string(),
                secret: s["secret"].as_str().unwrap().to_string(),
            });
        }
    }
    out
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn every_shape_file_is_well_formed() {
    let files = shape_files();
    assert!(files.len() >= 10);
    let ids = secrets::shape_ids();
    for (stem, table) in &files {
        assert_eq!(
            table["id"].as_str(),
            Some(stem.as_str()),
            "{stem}: id must equal the file name"
        );
        assert!(ids.contains(&stem.as_str()), "{stem} is not compiled in");
        let about = table["about"].as_str().unwrap();
        assert!(
            !about.is_empty() && about.len() <= 140 && !about.ends_with('.'),
            "{stem}: about"
        );
        let kind = table["kind"].as_str().unwrap();
        let needs = match kind {
            "pair" => "keys",
            "pattern" => "pattern",
            "prompt" => "prompts",
            other => panic!("{stem}: unknown kind {other}"),
        };
        assert!(table.contains_key(needs), "{stem}: a {kind} shape needs {needs}");
        let samples = table["samples"].as_array().unwrap();
        assert!(!samples.is_empty(), "{stem}: no sample");
        for s in samples {
            let (line, secret) = (s["line"].as_str().unwrap(), s["secret"].as_str().unwrap());
            assert!(
                line.contains(secret) && !secret.is_empty(),
                "{stem}: {secret:?} is not in {line:?}"
            );
        }
    }
    assert_eq!(ids.len(), files.len());
}

#[test]
fn each_sample_is_hidden_by_its_own_shape_and_by_the_redactor() {
    let samples = samples();
    assert!(samples.len() >= 50, "{}", samples.len());
    for s in &samples {
        let alone = text(secrets::redact_with_shape(s.line.as_bytes(), &s.shape));
        assert!(
            !alone.contains(&s.secret),
            "shape {} alone leaks {:?}: {alone}",
            s.shape,
            s.secret
        );
        let all = text(secrets::redact(s.line.as_bytes()));
        assert!(!all.contains(&s.secret), "{} leaks {:?}: {all}", s.shape, s.secret);
        assert!(all.contains("[REDACTED]"));
    }
}

#[test]
fn keep_lines_come_out_as_they_went_in() {
    let mut kept = 0;
    for (stem, table) in shape_files() {
        for line in table.get("keep").and_then(|k| k.as_array()).into_iter().flatten() {
            let line = line.as_str().unwrap();
            assert_eq!(text(secrets::redact(line.as_bytes())), line, "{stem}");
            kept += 1;
        }
    }
    assert!(kept >= 15, "{kept}");
}

/// Every part of a long line that starts or ends anywhere around a planted sample hides the
/// sample's secret, as a window of a long line or the part of it an excerpt shows must.
#[test]
fn every_part_of_a_long_line_hides_what_the_whole_line_hides() {
    let filler = "lorem ipsum, dolor: sit amet = consectetur {adipiscing} elit ".repeat(60);
    for s in samples() {
        let line = format!("{filler} {} {filler}", s.line);
        let at = filler.len() + 1;
        let secret_at = at + s.line.find(&s.secret).unwrap();
        let whole = text(secrets::redact(line.as_bytes()));
        assert!(!whole.contains(&s.secret), "{}: {whole}", s.shape);
        let edges = (at.saturating_sub(3)..secret_at + s.secret.len() + 3).step_by(1);
        for cut in edges {
            for part in [cut..line.len(), 0..cut, cut.saturating_sub(700)..cut, cut..cut + 700] {
                let out = text(secrets::redact_part(line.as_bytes(), part.clone()));
                assert!(
                    !out.contains(&s.secret),
                    "{}: part {part:?} of a line with {:?} at {at} leaks: {out}",
                    s.shape,
                    s.line
                );
            }
        }
    }
}
