//! HTTP exchanges whose answer is logged apart from the request (`curl -v`'s `< HTTP/1.1 200 OK`,
//! the Azure SDKs' `Response status: 400`, .NET's `Received HTTP response headers after ... -
//! 200`): each status answers the same worker's most recent open request, so a 200 to a device
//! code poll ends its flow with tokens, and a 200 to anything else does not.

use aadlint::analysis::Analysis;
use aadlint::rules::Catalog;

fn analyze(name: &str, log: &str) -> Analysis {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, log).unwrap();
    aadlint::analyze(&[path.to_string_lossy().into_owned()], Catalog::builtin())
}

fn causes(a: &Analysis) -> Vec<&'static str> {
    a.findings.iter().map(|f| f.cause.as_str()).collect()
}

/// A `curl -v` exchange with `path`, its answer `status`, `noise` lines of TLS chatter between
/// request and answer (many put them in records of their own), then the script's own line.
fn curl(path: &str, status: &str, noise: usize, said: &str) -> String {
    let mut lines = vec![
        format!("> POST /contoso.onmicrosoft.com/oauth2/v2.0/{path} HTTP/1.1"),
        "> Host: login.microsoftonline.com".into(),
        "> Content-Type: application/x-www-form-urlencoded".into(),
        ">".into(),
    ];
    lines.extend((0..noise).map(|_| "* TLSv1.3 (IN), TLS handshake, Newsession Ticket (4):".to_string()));
    lines.extend([
        format!("< HTTP/1.1 {status}"),
        "< Content-Type: application/json; charset=utf-8".into(),
        "<".into(),
        "* Connection #0 to host login.microsoftonline.com left intact".into(),
        said.to_string(),
    ]);
    lines.join("\n") + "\n"
}

/// A script's sign-in with `curl -v`: the device authorization, its prompt, one pending poll and
/// one that gets tokens, then `after` (more exchanges).
fn curl_sign_in(noise: usize, after: &str) -> String {
    [
        "2026-12-03T09:00:00Z token.sh: requesting a device code\n".to_string(),
        curl("devicecode", "200 OK", noise, "2026-12-03T09:00:00Z token.sh: got a device code"),
        "2026-12-03T09:00:00Z token.sh: To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code QX7RT2KPL to authenticate.\n".into(),
        curl("token", "400 Bad Request", noise, "2026-12-03T09:00:05Z token.sh: waiting for sign-in (authorization_pending)"),
        curl("token", "200 OK", noise, "2026-12-03T09:00:10Z token.sh: done waiting"),
        after.to_string(),
    ]
    .concat()
}

#[test]
fn a_200_to_a_curl_poll_ends_the_flow_with_tokens() {
    // Request and answer in one record (close together) and in records of their own.
    for noise in [0, 10] {
        let a = analyze("healthy.log", &curl_sign_in(noise, ""));
        assert_eq!(a.flows.len(), 1, "noise {noise}");
        assert_eq!(a.flows[0].outcome, "tokens", "noise {noise}");
        assert_eq!(a.flows[0].polls, 2, "noise {noise}");
        assert!(a.findings.is_empty(), "noise {noise}: {:?}", causes(&a));

        let again = curl(
            "token",
            "400 Bad Request",
            noise,
            "2026-12-03T09:00:11Z token.sh: invalid_grant AADSTS90120: The request was already authorized or declined.",
        );
        let a = analyze("again.log", &curl_sign_in(noise, &again));
        assert_eq!(causes(&a), ["polled-after-success"], "noise {noise}");
        assert_eq!(a.flows.len(), 1);
    }
}

#[test]
fn a_200_to_the_device_authorization_is_not_tokens() {
    let log = [
        curl("devicecode", "200 OK", 10, "2026-12-03T09:00:00Z token.sh: got a device code"),
        "2026-12-03T09:00:00Z token.sh: To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code QX7RT2KPL to authenticate.\n".into(),
        curl("token", "400 Bad Request", 10, "2026-12-03T09:00:05Z token.sh: still waiting"),
    ]
    .concat();
    let a = analyze("pending.log", &log);
    assert_eq!(a.flows.len(), 1);
    assert_eq!(a.flows[0].outcome, "pending");
}

#[test]
fn an_interim_answer_answers_nothing() {
    // `100 Continue` comes before the real answer of the same request.
    let poll = curl("token", "200 OK", 10, "2026-12-03T09:00:10Z token.sh: done waiting");
    let continued = poll.replacen("< HTTP/1.1 200 OK", "< HTTP/1.1 100 Continue\n< HTTP/1.1 200 OK", 1);
    let log = curl_sign_in(10, "").replace(&poll, &continued);
    assert!(log.contains("100 Continue"));
    let a = analyze("continue.log", &log);
    assert_eq!(a.flows[0].outcome, "tokens");
}

/// A line of azure-core for Python (`%(asctime)s %(process)d %(threadName)s %(name)s
/// %(levelname)s %(message)s`) at second `at` of thread `thread`.
fn azure_core(at: u32, thread: &str, message: &str) -> String {
    format!(
        "2026-11-27 10:00:{at:02},000 4242 {thread} azure.core.pipeline.policies.http_logging_policy INFO {message}\n"
    )
}

#[test]
fn each_status_answers_its_own_workers_request() {
    let prompt = |t: &str, code: &str| {
        format!("2026-11-27 10:00:00,000 4242 {t} app INFO To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code {code} to authenticate.\n")
    };
    let request = |at, t| {
        azure_core(
            at,
            t,
            "Request URL: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token'",
        )
    };
    // Both threads ask; mail-sync's answer (tokens) is logged first, then calendar-sync's
    // (still pending), and calendar-sync gets its tokens on its next poll.
    let log = [
        prompt("mail-sync", "MB4KQ7TZR"),
        prompt("calendar-sync", "CW9PX2LHN"),
        request(5, "mail-sync"),
        request(5, "calendar-sync"),
        azure_core(5, "mail-sync", "Response status: 200"),
        azure_core(5, "calendar-sync", "Response status: 400"),
        request(10, "calendar-sync"),
        azure_core(10, "calendar-sync", "Response status: 200"),
    ]
    .concat();
    let a = analyze("threads.log", &log);
    assert_eq!(a.flows.len(), 2);
    let polls: Vec<(u64, &str)> = a.flows.iter().map(|f| (f.polls, f.outcome)).collect();
    assert_eq!(polls, [(1, "tokens"), (2, "tokens")]);
    assert!(a.findings.is_empty(), "{:?}", causes(&a));
}

#[test]
fn a_status_after_the_answer_was_told_answers_another_request() {
    // MSAL's token cache event tells the tokens (and quotes the device code request); the 200
    // after it is the answer to a call the log does not show as a request.
    let log = [
        "2026-11-27 10:00:00,000 4242 MainThread app INFO To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code MB4KQ7TZR to authenticate.\n".to_string(),
        "2026-11-27 10:00:05,000 4242 MainThread urllib3.connectionpool DEBUG https://login.microsoftonline.com:443 \"POST /contoso.onmicrosoft.com/oauth2/v2.0/token HTTP/1.1\" 200 3313\n".into(),
        "2026-11-27 10:00:05,001 4242 MainThread msal.token_cache DEBUG event={\n".into(),
        "    \"grant_type\": \"urn:ietf:params:oauth:grant-type:device_code\",\n".into(),
        "    \"token_endpoint\": \"https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token\"\n".into(),
        "}\n".into(),
        azure_core(6, "MainThread", "Request URL: 'https://management.azure.com/subscriptions?api-version=2022-12-01'"),
        azure_core(6, "MainThread", "Response status: 200"),
    ]
    .concat();
    let a = analyze("cache.log", &log);
    assert_eq!(a.flows.len(), 1);
    assert_eq!(a.flows[0].outcome, "tokens");
    assert!(a.findings.is_empty(), "{:?}", causes(&a));
}

#[test]
fn a_new_prompt_after_a_flow_ended_starts_a_flow_of_its_own() {
    // Lines without a time of their own, one after the other: `m365 login` run again after the
    // first sign-in was declined, or with a new code while the first was never used.
    let prompt = |code: &str| {
        format!("To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code {code} to authenticate.\n")
    };
    let declined = [
        prompt("MB4KQ7TZR"),
        "Error: post_request_failed: authorization_declined\n".into(),
        prompt("CW9PX2LHN"),
    ]
    .concat();
    let a = analyze("declined.log", &declined);
    assert_eq!(a.flows.len(), 2);
    assert_eq!(causes(&a), ["user-declined"]);

    let a = analyze("two.log", &[prompt("MB4KQ7TZR"), prompt("CW9PX2LHN")].concat());
    assert_eq!(a.flows.len(), 2);
    // The same prompt shown twice is one flow.
    let a = analyze("same.log", &[prompt("MB4KQ7TZR"), prompt("MB4KQ7TZR")].concat());
    assert_eq!(a.flows.len(), 1);
}

#[test]
fn answers_are_read_wherever_the_chunks_are_cut() {
    use aadlint::scan::{scan_chunk, Mode};
    let continued = "< HTTP/1.1 100 Continue\n< HTTP/1.1 200 OK";
    let log = curl_sign_in(10, "").replacen("< HTTP/1.1 200 OK", continued, 2);
    let read = |hits: &[aadlint::scan::hit::LineHit], base: u64| -> Vec<(u64, Option<u16>)> {
        hits.iter().map(|h| (h.line + base, h.response)).collect()
    };
    let whole = read(&scan_chunk(log.as_bytes(), b"", b'\n', Mode::Logs).hits, 0);
    let answers = whole.iter().filter(|(_, r)| r.is_some()).count();
    // The interim and final answers of the last poll (the device authorization's wait for none).
    assert_eq!(answers, 3, "{whole:?}");
    let lines: Vec<&str> = log.split_inclusive('\n').collect();
    for cut in 1..lines.len() {
        let (a, b) = (lines[..cut].concat(), lines[cut..].concat());
        let context = lines[cut.saturating_sub(16)..cut].concat();
        let mut parts = read(&scan_chunk(a.as_bytes(), b"", b'\n', Mode::Logs).hits, 0);
        parts.extend(read(
            &scan_chunk(b.as_bytes(), context.as_bytes(), b'\n', Mode::Logs).hits,
            cut as u64,
        ));
        assert_eq!(parts, whole, "cut before line {cut}");
    }
}

/// A `curl --trace-ascii` exchange with `path`: the request header, the form `body` cut into lines
/// of 64 bytes (each a line the scanner reads: it names the device code), TLS chatter, the answer
/// `status`, then the script's own line.
fn trace_ascii(path: &str, body: &str, status: &str, said: &str) -> String {
    let mut lines = vec![
        "=> Send header, 194 bytes (0xc2)".to_string(),
        format!("0000: POST /contoso.onmicrosoft.com/oauth2/v2.0/{path} HTTP/1.1"),
        "003b: Host: login.microsoftonline.com".into(),
        "0082: Content-Type: application/x-www-form-urlencoded".into(),
        format!("=> Send data, {} bytes", body.len()),
    ];
    let chunks: Vec<&[u8]> = body.as_bytes().chunks(64).collect();
    for (i, part) in chunks.iter().enumerate() {
        lines.push(format!("{:04x}: {}", i * 64, String::from_utf8_lossy(part)));
    }
    lines.extend([
        "== Info: TLSv1.3 (IN), TLS handshake, Newsession Ticket (4):".to_string(),
        "<= Recv SSL data, 5 bytes (0x5)".into(),
        "<= Recv header, 17 bytes (0x11)".into(),
        format!("0000: HTTP/1.1 {status}"),
        "0000: Cache-Control: no-store, no-cache".into(),
        "== Info: Connection #0 to host login.microsoftonline.com left intact".into(),
        said.to_string(),
    ]);
    lines.join("\n") + "\n"
}

#[test]
fn a_200_in_a_trace_ascii_transcript_ends_the_flow_with_tokens() {
    let poll = "grant_type=urn:ietf:params:oauth:grant-type:device_code&client_id=04b07795-8ddb-461a-bbee-02f9e1bf7b46&device_code=DAQABIQEAAAD7kQ2mXv9Lr4TzWc8yN1pH6sJ0fGdB3uE5aK";
    let sign_in = [
        trace_ascii("devicecode", "client_id=04b07795-8ddb-461a-bbee-02f9e1bf7b46&scope=openid", "200 OK", "2026-12-03T09:00:00Z token.sh: got a device code"),
        "2026-12-03T09:00:00Z token.sh: To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code QX7RT2KPL to authenticate.\n".into(),
        trace_ascii("token", poll, "400 Bad Request", "2026-12-03T09:00:05Z token.sh: waiting for sign-in (authorization_pending)"),
        trace_ascii("token", poll, "200 OK", "2026-12-03T09:00:10Z token.sh: done waiting"),
    ]
    .concat();
    let a = analyze("trace.log", &sign_in);
    assert_eq!(a.flows.len(), 1);
    assert_eq!((a.flows[0].outcome, a.flows[0].polls), ("tokens", 2));
    assert!(a.findings.is_empty(), "{:?}", causes(&a));
    let again = trace_ascii(
        "token",
        poll,
        "400 Bad Request",
        "2026-12-03T09:00:11Z token.sh: invalid_grant AADSTS90120: The request was already authorized or declined.",
    );
    let a = analyze("again.log", &(sign_in + &again));
    assert_eq!(causes(&a), ["polled-after-success"]);
}
