//! Secrets never leave the scanner: device codes, user codes, tokens, client secrets,
//! assertions, passwords, authorization codes, bearer headers and SAS signatures planted in every
//! log shape, and every secret in the fixtures, appear in no output format.

use assert_cmd::Command;

mod support;

const FORMATS: [&str; 6] = ["table", "json", "sarif", "github", "azure", "markdown"];

/// Every format the binary knows (later formats join the list as they are built).
fn run_all_formats(args: &[&str]) -> Vec<(String, Vec<u8>)> {
    let mut outputs = Vec::new();
    for format in FORMATS {
        let out = Command::cargo_bin("aadlint")
            .unwrap()
            .arg("scan")
            .args(args)
            .args(["--format", format, "--color", "always"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if stderr.contains("invalid value") {
            continue; // this format does not exist (yet)
        }
        outputs.push((format.to_string(), [out.stdout, out.stderr].concat()));
    }
    assert!(outputs.len() >= 2);
    outputs
}

/// Pieces of a secret that must not appear: the whole value and, for long values, any part of
/// it an excerpt could keep (start, middle, end).
fn pieces(secret: &str) -> Vec<&str> {
    if secret.len() <= 24 {
        return vec![secret];
    }
    let mid = secret.len() / 2;
    vec![
        secret,
        &secret[..16],
        &secret[mid - 8..mid + 8],
        &secret[secret.len() - 16..],
    ]
}

fn assert_no_leak(outputs: &[(String, Vec<u8>)], secrets: &[String]) {
    for (format, bytes) in outputs {
        let text = String::from_utf8_lossy(bytes);
        for secret in secrets {
            for piece in pieces(secret) {
                assert!(
                    !text.contains(piece),
                    "--format {format} leaks {piece:?} (from secret {secret:?})"
                );
            }
        }
    }
}

const DEVICE_CODE: &str =
    "DAQABIQEAAADPlantedDeviceCode0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_0123456789";
const USER_CODE: &str = "PLNT7QZ4K";
const ACCESS_TOKEN: &str =
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJwbGFudGVkLWFjY2VzcyJ9.UGxhbnRlZEFjY2Vzc1NpZ25hdHVyZQ";
const ID_TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.eyJzdWIiOiJwbGFudGVkLWlkLXRva2VuIn0.UGxhbnRlZElkU2ln";
const REFRESH_TOKEN: &str =
    "1.AXkAPlantedRefreshTokenValue_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123";
const CLIENT_SECRET: &str = "Pl4nted~Cl1entSecret.Value_42";
const ASSERTION: &str = "eyJhbGciOiJQUzI1NiJ9.eyJpc3MiOiJwbGFudGVkLWFzc2VydGlvbiJ9.UGxhbnRlZEFzc2VydGlvblNpZw";
const PASSWORD: &str = "Pl@ntedPassw0rd!";
const AUTH_CODE: &str = "0.AXkAPlantedAuthorizationCode_abcdefghijklmnopqrstuvwxyz0123456789";
const BEARER: &str = "PlantedOpaqueBearerToken0123456789";
const SAS_SIG: &str = "PlantedSasSignature%2Bw%3D";

fn planted_log() -> String {
    let dc = DEVICE_CODE;
    let uc = USER_CODE;
    [
        // Plain app log and the sign-in prompt.
        format!("2026-11-27 10:00:00,000 100 MainThread app INFO To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code {uc} to authenticate."),
        // A devicecode response body.
        format!(r#"2026-11-27 10:00:00,001 100 MainThread app DEBUG devicecode response: {{"user_code": "{uc}", "device_code": "{dc}", "verification_uri": "https://microsoft.com/devicelogin", "expires_in": 900, "interval": 5}}"#),
        // Raw HTTP trace: form body and headers.
        "2026-11-27 10:00:05,000 100 MainThread wire DEBUG >>> POST https://login.microsoftonline.com/common/oauth2/v2.0/token HTTP/1.1".to_string(),
        format!("> Authorization: Bearer {BEARER}"),
        format!("> grant_type=urn:ietf:params:oauth:grant-type:device_code&client_id=abc&device_code={dc}&client_secret={CLIENT_SECRET}&client_assertion={ASSERTION}"),
        // v1 endpoint form body (ADAL sends the device code as code=).
        format!("2026-11-27 10:00:06,000 100 MainThread adal DEBUG body: grant_type=device_code&resource=https://graph.windows.net&code={dc}"),
        // Authorization code redemption and ROPC.
        format!("2026-11-27 10:00:07,000 100 MainThread web DEBUG POST /token grant_type=authorization_code&code={AUTH_CODE}&redirect_uri=https://x"),
        format!("2026-11-27 10:00:08,000 100 MainThread legacy DEBUG POST /token grant_type=password&username=u@x&password={PASSWORD}"),
        // Token response, JSON lines, escaped JSON inside JSON.
        format!(r#"2026-11-27 10:00:10,000 100 MainThread wire DEBUG <<< {{"token_type":"Bearer","access_token":"{ACCESS_TOKEN}","refresh_token":"{REFRESH_TOKEN}","id_token":"{ID_TOKEN}","expires_in":3599}}"#),
        format!(r#"{{"timestamp": "2026-11-27 10:00:11,000", "pid": 100, "level": "DEBUG", "message": "event={{\n \"device_code\": \"{dc}\",\n \"refresh_token\": \"{REFRESH_TOKEN}\"}}", "user_code": "{uc}"}}"#),
        // MSAL token cache record, multi-line.
        "2026-11-27 10:00:12,000 100 MainThread msal.token_cache DEBUG event={".to_string(),
        format!(r#"    "data": {{ "code": "{dc}", "device_code": "{dc}", "grant_type": "urn:ietf:params:oauth:grant-type:device_code" }},"#),
        format!(r#"    "response": {{ "access_token": "{ACCESS_TOKEN}", "refresh_token": "{REFRESH_TOKEN}" }}"#),
        "}".to_string(),
        // An error that quotes the request, a SAS URL, and 90120 to make it a finding.
        format!("2026-11-27 10:00:15,000 100 MainThread app ERROR token request with device_code={dc} failed: invalid_grant: AADSTS90120: already redeemed. Correlation ID: 11111111-2222-4333-8444-555555555555"),
        format!("2026-11-27 10:00:16,000 100 MainThread app INFO upload to https://acct.blob.core.windows.net/c/b.log?sv=2022-11-02&sig={SAS_SIG}&se=2026 AADSTS50076"),
        format!("2026-11-27 10:00:17,000 100 MainThread app ERROR Authorization: Bearer {ACCESS_TOKEN} rejected with AADSTS50012"),
        format!("2026-11-27 10:00:18,000 100 MainThread app ERROR user code {uc} polled again AADSTS90120"),
    ]
    .join("\n")
        + "\n"
}

fn planted_secrets() -> Vec<String> {
    [
        DEVICE_CODE,
        USER_CODE,
        ACCESS_TOKEN,
        ID_TOKEN,
        REFRESH_TOKEN,
        CLIENT_SECRET,
        ASSERTION,
        PASSWORD,
        AUTH_CODE,
        BEARER,
        SAS_SIG,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[test]
fn planted_secrets_never_leave_the_scanner() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("planted.log");
    std::fs::write(&path, planted_log()).unwrap();
    let outputs = run_all_formats(&[path.to_str().unwrap()]);
    // The scan did find things to report (so the test is not vacuous).
    let json = &outputs.iter().find(|(f, _)| f == "json").unwrap().1;
    let v: serde_json::Value = serde_json::from_slice(json).unwrap();
    assert!(v["codes"].as_array().unwrap().len() >= 3);
    assert!(!v["flows"].as_array().unwrap().is_empty());
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| !f["evidence"].as_array().unwrap().is_empty()));
    assert_no_leak(&outputs, &planted_secrets());
}

#[test]
fn no_secret_from_any_fixture_appears_in_any_output() {
    let mut secrets: Vec<String> = support::fixture_secrets();
    // The reference client logs: device codes in MSAL's token cache records, user codes in prompts.
    for entry in std::fs::read_dir("fixtures/clients").unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for part in text.split(['"', ' ', '\\']) {
            if part.starts_with("DAQAB") && part.len() > 40 {
                secrets.push(part.to_string());
            }
        }
        for (i, _) in text.match_indices("enter the code ") {
            let code: String = text[i + 15..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            secrets.push(code);
        }
    }
    secrets.sort();
    secrets.dedup();
    assert!(secrets.len() > 50, "only {} secrets collected", secrets.len());
    let outputs = run_all_formats(&["fixtures"]);
    assert_no_leak(&outputs, &secrets);
}
