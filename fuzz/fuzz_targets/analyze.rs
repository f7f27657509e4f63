//! Fuzz target (e): end to end. The input is written to a file and run through
//! `aadlint::analyze` with the built-in rules, then serialised to JSON and rendered in every
//! report format.
//!
//! Oracle: no secret of the input (a run of 10 or more ASCII letters and digits after
//! `device_code=`, `"device_code": "`, `enter the code `, `refresh_token=`, `client_secret=` or
//! `password=`; see `aadlint_fuzz::secret_runs`) appears in the JSON serialisation of the
//! `Analysis` or in any rendered report (see `aadlint_fuzz::leaks`). With
//! `AADLINT_FUZZ_SKIP_KNOWN=1` the leaks already reported (see `aadlint_fuzz::KNOWN_LEAKS`) are
//! looked past, so that a run finds the others.
#![no_main]

use aadlint_fuzz::{known_leak, leaks, report_text};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn dir() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temporary directory"))
}

/// Whether to look past the leaks in `aadlint_fuzz::KNOWN_LEAKS` (`AADLINT_FUZZ_SKIP_KNOWN=1`).
fn skip_known() -> bool {
    static SKIP: OnceLock<bool> = OnceLock::new();
    *SKIP.get_or_init(|| std::env::var_os("AADLINT_FUZZ_SKIP_KNOWN").is_some_and(|v| v == "1"))
}

fuzz_target!(|data: &[u8]| {
    let (analysis, mut leaked) = leaks(dir().path(), data);
    if skip_known() {
        leaked.retain(|run| known_leak(data, run.as_bytes()).is_none());
    }
    assert!(
        leaked.is_empty(),
        "secrets leaked into the report: {leaked:?}\n{}",
        report_text(&analysis)
    );
});
