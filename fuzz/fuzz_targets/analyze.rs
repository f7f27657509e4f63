//! Fuzz target (e): end to end. The input is written to a file and run through
//! `aadlint::analyze` with the built-in rules, then rendered as JSON and as a table.
//!
//! Oracle: no secret of the input (a run of 10 or more ASCII letters and digits after
//! `device_code=`, `"device_code": "`, `enter the code `, `refresh_token=`, `client_secret=` or
//! `password=`; see `aadlint_fuzz::secret_runs`) appears in the JSON serialisation of the
//! `Analysis`.
#![no_main]

use aadlint::report::{render, Format, Style};
use aadlint::rules::Catalog;
use aadlint_fuzz::leaked_secrets;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn dir() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temporary directory"))
}

fuzz_target!(|data: &[u8]| {
    let path = dir().path().join("input.log");
    std::fs::write(&path, data).expect("writing the input");
    let analysis = aadlint::analyze(&[path.to_string_lossy().into_owned()], Catalog::builtin());
    let json = serde_json::to_string(&analysis).expect("the analysis serialises");
    let leaked = leaked_secrets(data, &json);
    assert!(leaked.is_empty(), "secrets leaked into the report: {leaked:?}\n{json}");
    let style = Style { color: false, width: 120 };
    let mut out = Vec::new();
    render(&analysis, Format::Json, style, &mut out).expect("rendering into memory");
    out.clear();
    render(&analysis, Format::Table, style, &mut out).expect("rendering into memory");
});
