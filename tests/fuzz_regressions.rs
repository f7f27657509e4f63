//! Inputs the fuzz targets in `fuzz/` found, minimised, replayed through the checks of the target
//! that found them (the raw crash files are kept under `fuzz/regressions/<target>/`).
//!
//! A test marked `#[ignore = "needs fix: ..."]` reproduces a bug not fixed in `src/` yet: the
//! reason names the fix; once it is in, drop the `ignore` (`cargo test --test fuzz_regressions
//! -- --ignored` runs them).

#[allow(dead_code)]
#[path = "support/fuzz.rs"]
mod fuzz_support;

use aadlint::scan::event::parse;
use fuzz_support::{check_chunk_reader, leaks, report_text};
use std::path::Path;

/// Runs `bytes` through `aadlint::analyze` from a file, as the `analyze` target does.
fn analyze_bytes(bytes: &[u8]) -> aadlint::analysis::Analysis {
    let dir = tempfile::tempdir().unwrap();
    fuzz_support::analyze_bytes(dir.path(), bytes)
}

/// The `analyze` target's oracle: no secret of the input in the report, in any format.
fn assert_no_leak(bytes: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let (analysis, leaked) = leaks(dir.path(), bytes);
    assert!(
        leaked.is_empty(),
        "secrets leaked into the report: {leaked:?}\n{}",
        report_text(&analysis)
    );
}

/// The `scan_chunk` target's checks.
fn assert_scans(bytes: &[u8]) {
    fuzz_support::fuzz_scan_chunk(bytes);
}

/// Replays a file of `fuzz/regressions/<target>/` through that target's checks.
fn replay(target: &str, name: &str) {
    let bytes = regression_file(target, name);
    match target {
        "scan_chunk" => fuzz_support::fuzz_scan_chunk(&bytes),
        "chunk_reader" => fuzz_support::fuzz_chunk_reader(&bytes),
        "structured" => fuzz_support::fuzz_structured(&bytes),
        "rules" => fuzz_support::fuzz_rules(&bytes),
        "analyze" => assert_no_leak(&bytes),
        "plant_secrets" => fuzz_support::fuzz_plant_secrets(&bytes),
        _ => panic!("no target {target}"),
    }
}

fn regression_file(target: &str, name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target)
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

// --- analyze: secret leaks -------------------------------------------------------------------

/// Found by `analyze` (fuzz/regressions/analyze/prompt-code-50-chars.log), minimised: a code of
/// more than 16 characters after `enter the code ` stays in the excerpt, because
/// `secrets::redact`'s prompt pattern takes `[A-Za-z0-9-]{4,16}` followed by `\b`.
#[test]
fn prompt_code_longer_than_16_characters_is_redacted() {
    assert_no_leak(b"To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABCDEFGHIJKLMNOPQRSTUVWXYZ to authenticate.\n");
    replay("analyze", "prompt-code-50-chars.log");
}

/// Found by `analyze` (fuzz/regressions/analyze/prompt-code-then-underscore.log), minimised: a
/// code followed by `_` (a word character, so no `\b` after any 4 to 16 of its characters).
#[test]
fn prompt_code_followed_by_an_underscore_is_redacted() {
    assert_no_leak(b"2026-11-27 10:04:14 INFO open https://microsoft.com/devicelogin and enter the code ABCDEFGHIJ_K to authenticate.\n");
    assert_no_leak(
        b"open https://microsoft.com/devicelogin and enter the code XYZXYZclient_secret=XYZ to authenticate.\n",
    );
    replay("analyze", "prompt-code-then-underscore.log");
}

/// Found by `analyze` (fuzz/regressions/analyze/prompt-inside-prompt.log), minimised: the prompt
/// pattern's matches cannot overlap, so in `enter the code XYZenter the code SECRET` the first
/// match takes `XYZenter` and the second key is never seen.
#[test]
fn a_prompt_inside_a_prompt_is_redacted() {
    assert_no_leak(
        b"open https://microsoft.com/devicelogin and enter the code XYZenter the code XYZexjiredex$ired_token\n",
    );
    replay("analyze", "prompt-inside-prompt.log");
}

/// Found by `tests/properties.rs` (a fixture line glued to random bytes) and by `analyze`
/// (fuzz/regressions/analyze/password-glued-to-a-word.log) after `pairs` in
/// `secrets::redact` got a left boundary `(?:^|[^a-z0-9_])` before its keys: a key glued to a word
/// (`cached_device_code=`, `my_password=`), or after an invalid UTF-8 byte (no character, so no
/// match for `[^a-z0-9_]` in Unicode mode), keeps its value.
#[test]
fn a_secret_key_glued_to_a_word_is_redacted() {
    assert_no_leak(b"2026-11-27 10:04:14 DEBUG msal cached_device_code=DAQABIQEAAADNcj1pcWOiESkY\n");
    assert_no_leak(b"2026-11-27 10:04:14 ERROR AADSTS50126 login failed for my_password=hunter2hunter2 device_code=DAQABIQEAAADNcj1pcWOiESkY\n");
    assert_no_leak(b"x5device_code=DAQABAAEAAAD1234567890abcdef and ERROR AADSTS70016\n");
    assert_no_leak(b"Timestamp: 2026-11-27 10:04:14Z \xff\xffdevice_code=DAQABAAEAAAD1234567890abcdef6 AADSTS70016\n");
    replay("analyze", "password-glued-to-a-word.log");
}

/// What the redaction already gets right stays right (these pass today).
#[test]
fn ordinary_secrets_are_redacted() {
    for line in [
        &b"To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code HD8UDCYYM to authenticate.\n"[..],
        b"POST /common/oauth2/v2.0/token grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=DAQABAAEAAAD1234567890abcdef&client_id=x\n",
        b"{\"device_code\": \"DAQABIQEAAADNcj1pcWOiESkY\", \"user_code\": \"HD8UDCYYM\", \"verification_uri\": \"https://microsoft.com/devicelogin\", \"expires_in\": 900}\n",
        b"ERROR AADSTS70016 refresh_token=0ARdefghijklmnop1234 client_secret=s3cr3tValue123456 password=hunter2hunter2\n",
    ] {
        assert_no_leak(line);
    }
}

// --- scan: digits that are not ASCII ----------------------------------------------------------

/// Found by `structured` (fuzz/regressions/structured/arabic-indic-year.bin, minimised by
/// `cargo fuzz tmin` to arabic-indic-year-min.bin: `m٢٠٢٦-11-27 10:48:00`): `regex::bytes` `\d`
/// is Unicode-aware and matches `٢` (U+0662, 2 bytes in UTF-8) or `𝟐` (U+1D7D0, 4 bytes), but
/// `time::num` folds the matched bytes as ASCII digits without overflow checks, so a year of four
/// such digits overflows `i64` in `time::days_from_civil` / `time::millis` or in `time::num`
/// ("attempt to multiply with overflow" in debug builds; a garbage timestamp in release).
#[test]
fn non_ascii_digits_in_a_timestamp_do_not_panic() {
    for line in [
        "٢٠٢٦-11-27T10:04:14Z ERROR AADSTS50076: MFA is required.",
        "٢٠٢٦٢٠٢٦-11-27T10:04:14Z ERROR AADSTS50076: MFA is required.",
        "𝟐𝟎𝟐𝟔-11-27T10:04:14Z ERROR AADSTS50076: MFA is required.",
        "{\"timestamp\": \"𝟐𝟎𝟐𝟔-11-27 10:04:14\", \"message\": \"AADSTS70016\"}",
    ] {
        let hit = parse(line.as_bytes());
        assert_eq!(hit.timestamp.and_then(|t| t.millis), None, "{line}");
        assert_scans(line.as_bytes());
        let analysis = analyze_bytes(format!("{line}\n").as_bytes());
        assert_eq!(analysis.codes.len(), 1, "{line}");
    }
    replay("structured", "arabic-indic-year-min.bin");
    replay("structured", "arabic-indic-year.bin");
}

/// The same `\d`: a bare code written in other digits becomes code 4294967295 (`codes::parse`
/// saturates), and `expires_in` a garbage number. They are not Entra codes.
#[test]
fn non_ascii_digits_are_not_codes() {
    for line in [
        "Error Code: ٥٣٠٠٣",
        "\"error_codes\":[٧٠٠١٦]",
        "\"errorCode\": ５００７６",
    ] {
        let hit = parse(line.as_bytes());
        assert!(hit.codes.is_empty(), "{line}: {:?}", hit.codes);
    }
    let hit = parse("POST /oauth2/v2.0/devicecode {\"expires_in\": ٩٩٩}".as_bytes());
    assert!(
        !hit.signals.iter().any(|s| matches!(
            s,
            aadlint::model::Signal::Authorization {
                expires_in: Some(_),
                ..
            }
        )),
        "{:?}",
        hit.signals
    );
}

// --- scan and chunking: odd shapes that pass today and must keep passing ----------------------

#[test]
fn odd_shapes_scan_without_panicking() {
    let mut long = b"x".repeat(70_000);
    long.extend_from_slice(b" AADSTS50076 device_code=DAQABAAEAAAD1234567890abcdef ");
    long.extend(b"y".repeat(70_000));
    long.extend_from_slice(b" enter the code ABCD12345\n");
    let cases: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"\n".to_vec(),
        b"\r".to_vec(),
        b"\r\n".to_vec(),
        b"AADSTS".to_vec(),
        b"AADSTS\r".to_vec(),
        b"\rAADSTS50076\r\r".to_vec(),
        b"\xff\xfe\x00AADSTS5007\xff6\n\x00\x00".to_vec(),
        b"Trace ID: 6e48b81e-af6f-4f3b-927e-dbcf63799800\nCorrelation ID: 0f3fee7".to_vec(),
        b"{\"createdDateTime\": \"2026-10-12T13:22:41Z\", \"status\": {\"errorCode\": 0".to_vec(),
        long,
    ];
    for bytes in &cases {
        assert_scans(bytes);
        assert_no_leak(bytes);
    }
}

#[test]
fn chunk_reader_edge_sizes() {
    for data in [
        &b""[..],
        b"\n",
        b"a",
        b"ab\ncd",
        b"\n\n\n",
        b"abcdef",
        b"abc\r\ndef\r\n",
    ] {
        for chunk_size in 0..4 {
            for max_chunk in 0..6 {
                check_chunk_reader(data, chunk_size, max_chunk, &[1], 0);
                check_chunk_reader(data, chunk_size, max_chunk, &[2, 1, 3], 3);
            }
        }
    }
}

// --- plant_secrets: the secret catalog ---------------------------------------------------------

/// `pwd=abc` glued to the word before it (`...AADSTS90120pwd=abc`): `pwd` was a key that must
/// start after a byte that is no letter or digit; it is a suffix now, like `password`.
#[test]
fn plant_secrets_a_pwd_key_glued_to_a_word() {
    replay("plant_secrets", "crash-bdab779a367789b94addec32fb9851907ed1ed3a");
}
