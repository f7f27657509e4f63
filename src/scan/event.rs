//! Reads one candidate line into a [`LineHit`]: codes, ids, and what it says about a device code
//! flow, then (for a line worth keeping) its record head and excerpt. Works on bytes; knows
//! nothing about the lines around it (see `assemble`).

use super::bytes::{ascii_regex, contains, finder, is_blank, skip, text, trim_start};
use super::clients;
use super::excerpt::{excerpt_repeated, Excerpts};
use super::export::{CsvHeader, MIN_CSV_COMMAS};
use super::head::read_head;
use super::hit::LineHit;
use super::keywords::{self, has, has_ci, Keywords};
use super::record::Reader;
use super::{codes, prefilter, secrets, values};
use crate::model::{CodeForm, FlowKey, IdKind, Outcome, Signal, Tenancy, CONDITIONAL_ACCESS_CODES, DEVICE_FLOW_CODES};
use regex::bytes::Regex;
use std::sync::{LazyLock, OnceLock};

/// A v1 token request's device code: `code=...` in a body with `grant_type=device_code`.
static V1_CODE: LazyLock<Regex> = LazyLock::new(|| ascii_regex(r"(?:^|[?&\s])code=([A-Za-z0-9_\-.~+/%]{10,}=*)"));

/// Parses one line (without its line end), making its excerpt now, with layouts detected on
/// nothing (each line is read by whichever layout reads it).
pub fn parse(line: &[u8]) -> LineHit {
    parse_with(line, Excerpts::Now, &Reader::default())
}

/// Parses one line (without its line end). What the line says comes first; a line that says
/// nothing worth keeping is returned as it is, without reading its time, worker or level.
pub fn parse_with(line: &[u8], excerpts: Excerpts, reader: &Reader) -> LineHit {
    read(line, None, excerpts, reader)
}

/// [`parse_with`], for a line that `response` says is an HTTP answer line with that status (see
/// `answer`).
fn read(line: &[u8], response: Option<u16>, excerpts: Excerpts, reader: &Reader) -> LineHit {
    let mut hit = LineHit {
        continuation: prefilter::is_continuation(line),
        response,
        ..LineHit::default()
    };
    let trimmed = trim_start(line);
    let kw = Keywords::of(line);
    if memchr::memchr_iter(b',', line).count() >= MIN_CSV_COMMAS {
        if let Some(header) = has!(kw, "Correlation ID").then(|| CsvHeader::parse(line)).flatten() {
            hit.csv_header = Some(Box::new(header));
            return hit;
        }
        if trimmed.first().is_some_and(u8::is_ascii_digit) {
            hit.csv_row = Some(String::from_utf8_lossy(line).into());
        }
    }
    let bare_key = keywords::bare_code_key(kw);
    let traced =
        has_ci!(kw, "trace id") || has_ci!(kw, "trace_id") || has_ci!(kw, "trace-id") || has_ci!(kw, "traceid");
    let keyed = has_ci!(kw, "correlation") || has!(kw, "client-request-id");
    let bracketed = has!(kw, "Z - ") || has!(kw, "] : [") || has!(kw, "GMT:");
    // The line in lowercase, made once for the keys matched in any case.
    let lower = if bare_key || traced || keyed || device_code_key(kw) || user_code_key(kw) {
        line.to_ascii_lowercase()
    } else {
        Vec::new()
    };
    codes::find_with(line, bare_key.then_some(&lower[..]), &mut hit.codes);
    hit.trace_id = traced
        .then(|| values::trace(line, &lower))
        .flatten()
        .and_then(real_uuid);
    let id = keyed
        .then(|| values::correlation(line, &lower))
        .flatten()
        .or_else(|| bracketed.then(|| values::bracketed(line)).flatten());
    hit.correlation_id = id.and_then(real_uuid);
    flow_facts(line, &lower, kw, &mut hit);
    // An answer line that names its request (`"POST .../token HTTP/1.1" 400`) is a request
    // with its status already.
    if hit.response.is_some() && hit.signals.iter().any(is_request) {
        hit.response = None;
    }
    hit.ci_job = has!(kw, "##[")
        || has!(kw, "##vso[")
        || has!(kw, "GITHUB_ACTIONS")
        || has!(kw, "GITLAB_CI")
        || has!(kw, "BUILD_BUILDID");
    let export_key = has!(kw, "\"createdDateTime\"") || has!(kw, "\"TimeGenerated\"");
    if !(hit.is_useful() || hit.continuation || export_key) {
        return hit;
    }

    let head = read_head(line, hit.continuation, reader);
    hit.head = head.head;
    hit.timestamp = head.timestamp;
    hit.zoned = head.zoned;
    hit.layout = head.layout;
    hit.worker = head.worker;
    hit.error_level = head.error_level;
    hit.export_record = hit.head && export_key;
    hit.client = hit.client.or(keywords::client(kw));
    // Only lines that can become a flow's evidence need their (costly) redacted excerpt: a plain
    // error line with an ordinary code is counted, not quoted.
    let flow_line = !hit.keys.is_empty()
        || hit.signals.iter().any(|s| s != &Signal::Outcome(Outcome::OtherError))
        || hit.codes.is_empty()
        || hit
            .codes
            .iter()
            .any(|c| DEVICE_FLOW_CODES.contains(&c.0) || CONDITIONAL_ACCESS_CODES.contains(&c.0));
    hit.quoted = flow_line && hit.is_useful();
    if hit.quoted && excerpts == Excerpts::Now {
        hit.excerpt = excerpt_repeated(line);
    }
    hit
}

/// Parses the line at byte `offset` of the chunk and keeps it if it says anything.
pub(super) fn read_line(
    hits: &mut Vec<LineHit>,
    line: &[u8],
    offset: usize,
    line_no: u64,
    excerpts: Excerpts,
    reader: &Reader,
) {
    keep(
        hits,
        parse_with(line, excerpts, reader),
        line,
        offset,
        line_no,
        excerpts,
    );
}

/// [`read_line`] for an HTTP answer line with the status `status`, found below its request.
pub(super) fn read_answer(
    hits: &mut Vec<LineHit>,
    line: &[u8],
    offset: usize,
    line_no: u64,
    status: u16,
    excerpts: Excerpts,
    reader: &Reader,
) {
    keep(
        hits,
        read(line, Some(status), excerpts, reader),
        line,
        offset,
        line_no,
        excerpts,
    );
}

/// Keeps the hit of the line at byte `offset` of the chunk if it says anything.
fn keep(hits: &mut Vec<LineHit>, mut hit: LineHit, line: &[u8], offset: usize, line_no: u64, excerpts: Excerpts) {
    if hit.is_useful() {
        hit.line = line_no;
        if hit.quoted && excerpts == Excerpts::Later {
            hit.place = Some((offset as u64, line.len() as u32, secrets::line_hash(line)));
        }
        hits.push(hit);
    }
}

/// A uuid that stands for "no id": all zeros or one repeated digit.
fn real_uuid(u: &[u8]) -> Option<String> {
    let mut hex = u.iter().filter(|&&b| b != b'-');
    let first = hex.next()?;
    if hex.all(|b| b == first) {
        return None;
    }
    let mut id = text(u);
    id.make_ascii_lowercase();
    Some(id)
}

/// Device-code-flow facts: identifiers, requests, responses and client messages.
fn flow_facts(line: &[u8], lower: &[u8], kw: Keywords, hit: &mut LineHit) {
    // The line in lowercase, made here only when the caller did not need it.
    let made = std::cell::OnceCell::new();
    let lower_line = || -> &[u8] {
        if lower.len() == line.len() {
            lower
        } else {
            made.get_or_init(|| line.to_ascii_lowercase())
        }
    };
    let device_grant = has!(kw, "grant-type:device_code")
        || has!(kw, "grant_type=device_code")
        || has!(kw, "\"grant_type\": \"device_code\"");
    let devicecode = has_ci!(kw, "devicecode");
    if device_code_key(kw) {
        for v in values::device_codes(line, lower) {
            if !secrets::is_placeholder(v) && !v.starts_with(b"urn:") {
                push_key(hit, IdKind::DeviceCode, v);
            }
        }
    }
    if device_grant {
        if let Some(c) = V1_CODE.captures(line) {
            push_key(hit, IdKind::DeviceCode, &c[1]);
        }
    }
    if user_code_key(kw) {
        for v in values::user_codes(line, lower) {
            if !secrets::is_placeholder(v) && v.iter().any(u8::is_ascii_uppercase) {
                push_key(hit, IdKind::UserCode, v);
            }
        }
    }

    let prompt = has_ci!(kw, "enter the code")
        || has!(kw, "verification_uri")
        || has!(kw, "verification_url")
        // A sign-in export record of a device code sign-in.
        || (has!(kw, "\"deviceCode\"")
            && (is_key(line, b"\"deviceCode\"") || contains!(line, "\"authenticationProtocol\"")))
        || has!(kw, "\"deviceCodeFlow\"");
    if (devicecode && values::names_devicecode_endpoint(line))
        || prompt
        || has!(kw, "Token Acquisition (DeviceCodeRequest) started")
    {
        let expires_in = has!(kw, "expires_in")
            .then(|| values::number_after(line, finder!("expires_in"), 6))
            .flatten();
        let interval = has!(kw, "interval")
            .then(|| values::number_after(line, finder!("interval"), 4))
            .flatten();
        hit.signals.push(Signal::Authorization { expires_in, interval });
    } else if has!(kw, "grant_type") && values::names_other_grant(line, lower_line()) {
        hit.signals.push(Signal::OtherGrant);
    } else if has!(kw, "oauth2/") && values::names_token_endpoint(line) {
        let status = values::http_status(line).or_else(|| values::status_field(line));
        // A URL in an error text or a discovery document is not a request.
        let request = has!(kw, "POST") || has!(kw, "Request URL") || has!(kw, "Sending token request") || device_grant;
        if request {
            hit.signals.push(Signal::Poll { status, device_grant });
        }
    } else if device_grant && !has!(kw, "token_cache") {
        hit.signals.push(Signal::Poll {
            status: None,
            device_grant,
        });
    }
    if has!(kw, "Generate or reuse correlation_id") {
        hit.signals.push(Signal::Context);
    }
    if has!(kw, "Attempted too soon") {
        hit.signals.push(Signal::TooSoon);
    }
    // What a client family's own phrases tell (`rules/clients/`).
    let said = if kw.client_phrase() {
        clients::Phrases::builtin().read(line)
    } else {
        clients::Reading::default()
    };
    for s in said.signals {
        let known = hit
            .signals
            .iter()
            .any(|h| std::mem::discriminant(h) == std::mem::discriminant(&s));
        if !known {
            hit.signals.push(s);
        }
    }
    let telemetry = answer_codes(line, lower, kw, &hit.codes);
    if let Some(o) = outcome(line, kw, telemetry.as_deref().unwrap_or(&hit.codes)).or(said.outcome) {
        hit.signals.push(Signal::Outcome(o));
    }
    hit.client = said.client;
    if has!(kw, "oauth2/") || has!(kw, "login.") || has!(kw, "sts.windows.net") || has!(kw, "lient") {
        let lower = lower_line();
        let tenancy = Tenancy {
            tenant: values::tenant(lower).map(text),
            client_id: values::client_id(lower).map(text),
        };
        hit.tenancy = (tenancy != Tenancy::default()).then(|| Box::new(tenancy));
    }
}

/// The codes that tell the answer's outcome: Entra's telemetry header (`x-ms-clitelem`) repeats
/// the code of an answer whose body or client says it again on other lines, so its code tells a
/// flow only a Conditional Access block, which some HTTP loggers show nowhere else. `None`: the
/// line has no such header, and all its codes tell.
fn answer_codes(line: &[u8], lower: &[u8], kw: Keywords, codes: &[(u32, CodeForm)]) -> Option<Vec<(u32, CodeForm)>> {
    if lower.is_empty() || !has_ci!(kw, "x-ms-clitelem") {
        return None;
    }
    let mut codes = codes.to_vec();
    for c in codes::telemetry(line, lower).filter(|c| !CONDITIONAL_ACCESS_CODES.contains(c)) {
        if let Some(i) = codes.iter().position(|&(n, form)| n == c && form == CodeForm::Bare) {
            codes.remove(i);
        }
    }
    Some(codes)
}

/// Whether `quoted` stands on the line as a JSON key (a colon follows it), not as a value
/// (`"authType": "deviceCode"` says how a session signed in, not that a flow ran here; a sign-in
/// export's `"authenticationProtocol": "deviceCode"` does say it).
fn is_key(line: &[u8], quoted: &[u8]) -> bool {
    memchr::memmem::find_iter(line, quoted).any(|at| {
        let after = skip(line, at + quoted.len(), is_blank);
        line.get(after) == Some(&b':')
    })
}

/// Whether a signal is a request: a token request, a device authorization (the request, or the
/// prompt that follows its answer), a token request of another grant.
pub(super) fn is_request(s: &Signal) -> bool {
    matches!(
        s,
        Signal::Poll { .. } | Signal::Authorization { .. } | Signal::OtherGrant
    )
}

/// Whether the line holds a key that a device code may follow (`device_code`, `devicecode`).
fn device_code_key(kw: Keywords) -> bool {
    has_ci!(kw, "devicecode") || has_ci!(kw, "device_code")
}

/// Whether the line holds a key that a user code may follow (`user code`, `enter the code`).
fn user_code_key(kw: Keywords) -> bool {
    has_ci!(kw, "user_code")
        || has_ci!(kw, "user code")
        || has_ci!(kw, "user-code")
        || has_ci!(kw, "usercode")
        || has_ci!(kw, "enter the code")
}

fn push_key(hit: &mut LineHit, kind: IdKind, value: &[u8]) {
    let key = FlowKey {
        kind,
        value: secrets::fingerprint(value),
    };
    if !hit.keys.contains(&key) {
        hit.keys.push(key);
    }
}

/// What a response or client message says about the state of a flow.
fn outcome(line: &[u8], kw: Keywords, codes: &[(u32, CodeForm)]) -> Option<Outcome> {
    let code = |n: u32| codes.iter().any(|c| c.0 == n);
    if has!(kw, "Timed out waiting for user to authenticate")
        || has!(kw, "Device code expired. Expiration time")
        || has!(kw, "Expired Device code")
        || has!(kw, "device_code_expired")
        || has!(kw, "expired before contacting the server")
        || has!(kw, "Timeout from \"get_token_with_polling\"")
        || has!(kw, "User defined timeout for device code polling")
        || has!(kw, "TaskCanceledException")
        || has!(kw, "OperationCanceledException")
        || has!(kw, "Device code flow was cancelled")
        || has!(kw, "Token request cancelled")
    {
        return Some(Outcome::ClientTimeout);
    }
    if code(90120) || has!(kw, "already been redeemed") || has!(kw, "already redeemed") {
        return Some(Outcome::Redeemed);
    }
    if codes.iter().any(|c| CONDITIONAL_ACCESS_CODES.contains(&c.0)) {
        return Some(Outcome::Blocked);
    }
    // RFC 8628's access_denied; Entra says authorization_declined. access_denied alone is also
    // what a browser redirect carries when a user declines consent, which is no device code flow.
    if has!(kw, "authorization_declined") || (has!(kw, "access_denied") && has_ci!(kw, "device")) {
        return Some(Outcome::Declined);
    }
    if has!(kw, "expired_token") || code(70019) || code(70020) || has!(kw, "code_expired") || has!(kw, "Code Expired") {
        return Some(Outcome::Expired);
    }
    if has!(kw, "slow_down") {
        return Some(Outcome::SlowDown);
    }
    if has!(kw, "authorization_pending") || code(70016) || has!(kw, "Authorization pending") {
        return Some(Outcome::Pending);
    }
    if has!(kw, "Authorization completed successfully")
        || has!(kw, "get_token succeeded")
        || has!(kw, "GetToken succeeded")
        || has!(kw, "Token Acquisition finished successfully")
        || has_ci!(kw, "signed in as ")
        || has_ci!(kw, "logged in as ")
        || (has!(kw, "token_cache") && has!(kw, "event="))
        || (has!(kw, "\"access_token\"") && has!(kw, "\"token_type\""))
        || (has!(kw, "\"errorCode\"") && p_export_success(line))
    {
        return Some(Outcome::Success);
    }
    if has!(kw, "invalid_grant") || has!(kw, "bad_verification_code") || has!(kw, "invalid_client") || !codes.is_empty()
    {
        return Some(Outcome::OtherError);
    }
    None
}

/// `"errorCode": 0` in a sign-in export: the sign-in succeeded.
fn p_export_success(line: &[u8]) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| ascii_regex(r#""errorCode"\s*:\s*0\b"#))
        .is_match(line)
}
