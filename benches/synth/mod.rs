//! Deterministic synthetic logs for the throughput benchmarks and the truth test.
//!
//! [`generate`] writes `size_bytes` (a little more: planted flows are always completed) of mixed
//! application chatter — Python and Java application lines, access-log lines, JSON lines, stack
//! traces, lines of several KB, a few lines longer than the scanner's 64 KiB window, invalid
//! UTF-8, some CRLF line ends, never a NUL — with auth lines at `auth_density` (a fraction of all
//! lines): stand-alone AADSTS errors in the shapes the scanner reads, and complete device code
//! flows modelled on the client samples (MSAL for Python's standard and JSON log formats), one of
//! each root cause the diagnosis names, in turn. Timestamps never go backwards.
//!
//! The returned [`Truth`] says what a correct scan must report: per code, the number of
//! `AADSTS<code>` mentions (5 to 7 digits, not followed by another digit) and of bare mentions
//! written in an Entra context, and every planted flow with its flow id and expected findings.
//!
//! The same seed always gives the same bytes. No external RNG: [`Rng`] is splitmix64.

#![allow(dead_code)]

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::io::{self, Write};

/// Auth lines per line when the caller does not say.
pub const DEFAULT_DENSITY: f64 = 0.005;

/// A line longer than the scanner's window (`scan::MAX_LINE`, 64 KiB) is written at each
/// multiple of this many bytes, starting half-way into the first interval.
pub const HUGE_LINE_EVERY: u64 = 8 << 20;

/// 2026-11-27 00:00:00 UTC, in milliseconds since the Unix epoch.
const DAY0_MS: u64 = 1_795_737_600_000;
/// The log starts at 08:00:00.
const START_MS: u64 = DAY0_MS + 8 * 3_600_000;

// ---------------------------------------------------------------------------------------------
// Randomness

/// splitmix64: tiny, fast, and good enough for test data.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x6a09_e667_f3bc_c908)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..hi` (`hi > lo`).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }

    /// A random lowercase v4 uuid.
    pub fn uuid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            8 + (b >> 62),
            (b >> 48) & 0xfff,
            b & 0xffff_ffff_ffff
        )
    }

    /// An Entra trace id: a uuid whose last group ends in `00` like real ones.
    pub fn trace_id(&mut self) -> String {
        let mut u = self.uuid();
        u.replace_range(34..36, "00");
        u
    }

    fn string_from(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n).map(|_| *self.pick(alphabet) as char).collect()
    }

    /// A nine-character device login user code with at least one letter.
    pub fn user_code(&mut self) -> String {
        const A: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        loop {
            let c = self.string_from(A, 9);
            if c.bytes().any(|b| b.is_ascii_uppercase()) {
                return c;
            }
        }
    }

    /// An opaque device code like Entra's (`DAQABIQEAAAD` + base64url).
    pub fn device_code(&mut self) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let n = self.range(180, 240) as usize;
        format!("DAQABIQEAAAD{}", self.string_from(A, n))
    }
}

// ---------------------------------------------------------------------------------------------
// Truth

/// What a correct scan of the generated log reports.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    /// The seed the log was generated with.
    pub seed: u64,
    /// Auth lines per line asked for.
    pub auth_density: f64,
    /// Bytes asked for.
    pub requested_bytes: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Lines written (every line ends with `\n`).
    pub lines: u64,
    /// Lines written by planted flows and stand-alone auth records.
    pub auth_lines: u64,
    /// Lines longer than 64 KiB.
    pub huge_lines: u64,
    /// Per code (`AADSTS50076`): how often it is mentioned.
    pub codes: BTreeMap<String, CodeCount>,
    /// Every planted device code flow, in order of first line.
    pub flows: Vec<PlantedFlow>,
    /// Per code, the failures of the stand-alone error records by minute (minutes since the Unix
    /// epoch, UTC): each such record is one failure, at the time it is stamped with.
    #[serde(default)]
    pub standalone_failures: BTreeMap<String, BTreeMap<i64, u64>>,
    /// Codes also mentioned outside stand-alone records (planted flows, long lines): their
    /// failures per minute are not in `standalone_failures` alone.
    #[serde(default)]
    pub codes_elsewhere: BTreeSet<String>,
}

/// How often one code is mentioned.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeCount {
    /// `AADSTS<code>` mentions not followed by a digit (what the report's `occurrences` counts).
    pub occurrences: u64,
    /// Bare numbers in an Entra context: `"error_codes":[N]`, `Error Code: N`, `"errorCode": N`.
    pub bare_occurrences: u64,
}

/// One device code flow planted in the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlantedFlow {
    /// The root cause planted (`healthy` for a flow without a problem).
    pub kind: String,
    /// The log shape it was written in.
    pub variant: String,
    /// The flow id the report shows: `dc:<fp>`, `uc:<fp>` or `corr:<uuid>`.
    pub id: String,
    /// The cause ids the report's flow lists (`flows[].findings`), in any order; empty for a
    /// healthy flow.
    pub expected_findings: Vec<String>,
    /// Every process that wrote a line of it.
    pub pids: Vec<u32>,
    /// The correlation id of its acquire calls.
    pub correlation_id: String,
    /// First line it wrote (1-based).
    pub first_line: u64,
    /// Last line it wrote.
    pub last_line: u64,
}

/// The fingerprint the scanner shows for a secret: the first 12 hex digits of its SHA-256.
pub fn fingerprint(value: &str) -> String {
    Sha256::digest(value.as_bytes())[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Time

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[derive(Clone, Copy)]
struct Clock {
    y: i64,
    mo: u32,
    d: u32,
    h: u32,
    mi: u32,
    s: u32,
    ms: u32,
}

fn clock(t: u64) -> Clock {
    let days = (t / 86_400_000) as i64;
    let (y, mo, d) = civil_from_days(days);
    let r = t % 86_400_000;
    Clock {
        y,
        mo,
        d,
        h: (r / 3_600_000) as u32,
        mi: (r / 60_000 % 60) as u32,
        s: (r / 1000 % 60) as u32,
        ms: (r % 1000) as u32,
    }
}

fn push_num(buf: &mut Vec<u8>, n: u64, width: usize) {
    let mut tmp = [b'0'; 20];
    let mut i = 20;
    let mut n = n;
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let digits = 20 - i;
    for _ in digits..width {
        buf.push(b'0');
    }
    buf.extend_from_slice(&tmp[i..]);
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TsStyle {
    /// `2026-11-27 10:04:14,312` (Python logging's asctime).
    Python,
    /// `2026-11-27 10:04:14.312` (logback).
    Logback,
    /// `2026-11-27T10:04:14.312Z`.
    Iso,
    /// `2026-11-27T10:04:14.3120000Z` (.NET round-trip).
    DotNet,
    /// `2026-11-27 10:04:14Z` (Entra's `Timestamp:`).
    Entra,
    /// `27/Nov/2026:10:04:14 +0000` (access logs).
    Clf,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn push_ts(buf: &mut Vec<u8>, t: u64, style: TsStyle) {
    let c = clock(t);
    if style == TsStyle::Clf {
        push_num(buf, u64::from(c.d), 2);
        buf.push(b'/');
        buf.extend_from_slice(MONTHS[c.mo as usize - 1].as_bytes());
        buf.push(b'/');
        push_num(buf, c.y as u64, 4);
        buf.push(b':');
    } else {
        push_num(buf, c.y as u64, 4);
        buf.push(b'-');
        push_num(buf, u64::from(c.mo), 2);
        buf.push(b'-');
        push_num(buf, u64::from(c.d), 2);
        buf.push(if matches!(style, TsStyle::Iso | TsStyle::DotNet) {
            b'T'
        } else {
            b' '
        });
    }
    push_num(buf, u64::from(c.h), 2);
    buf.push(b':');
    push_num(buf, u64::from(c.mi), 2);
    buf.push(b':');
    push_num(buf, u64::from(c.s), 2);
    match style {
        TsStyle::Python => {
            buf.push(b',');
            push_num(buf, u64::from(c.ms), 3);
        }
        TsStyle::Logback => {
            buf.push(b'.');
            push_num(buf, u64::from(c.ms), 3);
        }
        TsStyle::Iso => {
            buf.push(b'.');
            push_num(buf, u64::from(c.ms), 3);
            buf.push(b'Z');
        }
        TsStyle::DotNet => {
            buf.push(b'.');
            push_num(buf, u64::from(c.ms), 3);
            buf.extend_from_slice(b"0000Z");
        }
        TsStyle::Entra => buf.push(b'Z'),
        TsStyle::Clf => buf.extend_from_slice(b" +0000"),
    }
}

fn ts(t: u64, style: TsStyle) -> String {
    let mut b = Vec::with_capacity(32);
    push_ts(&mut b, t, style);
    String::from_utf8(b).expect("ascii")
}

/// `s` as the inside of a JSON string.
fn json_escape(s: &str) -> String {
    let quoted = serde_json::to_string(s).expect("string serialises");
    quoted[1..quoted.len() - 1].to_string()
}

// ---------------------------------------------------------------------------------------------
// Planted flows

/// The root causes planted, in the order they are planted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Pending, pending, tokens: no finding.
    Healthy,
    /// The flow dict is polled again after it returned tokens (AADSTS90120).
    PolledAfterSuccess,
    /// Two processes poll one device code at once; the loser gets AADSTS90120.
    SharedAcrossWorkers,
    /// Polls every 2 s against an interval of 5 s, until the code expires (AADSTS70019).
    PollingTooFast,
    /// Pending until the code expires (AADSTS70020 / expired_token).
    AbandonedFlow,
    /// Every pending poll logged at ERROR with AADSTS70016, then tokens.
    PendingLoggedAsError,
    /// The user declines (authorization_declined).
    UserDeclined,
    /// Conditional Access blocks the sign-in after the prompt (AADSTS53003).
    BlockedByConditionalAccess,
}

impl Kind {
    /// Every kind, in planting order.
    pub const ALL: [Kind; 8] = [
        Kind::Healthy,
        Kind::PolledAfterSuccess,
        Kind::SharedAcrossWorkers,
        Kind::PollingTooFast,
        Kind::AbandonedFlow,
        Kind::PendingLoggedAsError,
        Kind::UserDeclined,
        Kind::BlockedByConditionalAccess,
    ];

    /// The cause id (`healthy` for none).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Healthy => "healthy",
            Kind::PolledAfterSuccess => "polled-after-success",
            Kind::SharedAcrossWorkers => "shared-across-workers",
            Kind::PollingTooFast => "polling-too-fast",
            Kind::AbandonedFlow => "abandoned-flow",
            Kind::PendingLoggedAsError => "pending-logged-as-error",
            Kind::UserDeclined => "user-declined",
            Kind::BlockedByConditionalAccess => "blocked-by-conditional-access",
        }
    }

    /// The findings the report lists for such a flow: the root cause (and, for
    /// `pending-logged-as-error`, nothing else: the flow ends in tokens).
    pub fn expected_findings(self) -> Vec<String> {
        match self {
            Kind::Healthy => Vec::new(),
            k => vec![k.name().to_string()],
        }
    }

    /// How many shapes [`Planner`] writes this kind in.
    fn variants(self) -> u64 {
        match self {
            Kind::Healthy => 3,
            Kind::SharedAcrossWorkers => 2,
            Kind::PollingTooFast => 2,
            Kind::AbandonedFlow => 3,
            _ => 1,
        }
    }
}

/// One record (a line and its continuation lines) waiting for its time.
struct Pending {
    at: u64,
    seq: u64,
    flow: usize,
    text: Vec<u8>,
}

impl PartialEq for Pending {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.seq) == (o.at, o.seq)
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Pending {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(o.at, o.seq))
    }
}

const APPS: [&str; 8] = [
    "reportgen",
    "inventory_cli",
    "edge_agent",
    "finance_sync",
    "kiosk",
    "print_bridge",
    "meetingroom.display",
    "backup_agent",
];
const USERS: [&str; 6] = [
    "priya.raman@contoso-labs.example",
    "marcus.okafor@fabrikam-ops.example",
    "aiko.tanaka@northwind-it.example",
    "lena.fischer@tailspin.example",
    "diego.alvarez@wingtip.example",
    "sam.obi@adatum.example",
];
const SCOPES: [&str; 6] = [
    "User.Read",
    "Files.Read",
    "Mail.Send",
    "Sites.Read.All",
    "Calendars.Read",
    "Group.Read.All",
];

/// Writes one flow's records with absolute times.
struct FlowScript<'r> {
    rng: &'r mut Rng,
    recs: Vec<(u64, Vec<u8>)>,
    json: bool,
    tenant: String,
    client_id: String,
    corr: String,
    user_code: String,
    device_code: String,
    app: &'static str,
    user: &'static str,
    wrote_dc: bool,
    wrote_uc: bool,
    bare: Vec<u32>,
}

impl<'r> FlowScript<'r> {
    fn new(rng: &'r mut Rng, json: bool) -> Self {
        let tenant = rng.uuid();
        let client_id = rng.uuid();
        let corr = rng.uuid();
        let user_code = rng.user_code();
        let device_code = rng.device_code();
        let app = *rng.pick(&APPS);
        let user = *rng.pick(&USERS);
        FlowScript {
            rng,
            recs: Vec::new(),
            json,
            tenant,
            client_id,
            corr,
            user_code,
            device_code,
            app,
            user,
            wrote_dc: false,
            wrote_uc: false,
            bare: Vec::new(),
        }
    }

    /// One log line (a new record) in the flow's format; `extra` are JSON keys for JSON lines.
    fn line(&mut self, t: u64, pid: u32, logger: &str, level: &str, msg: &str, extra: &str) {
        let mut b = Vec::with_capacity(msg.len() + 96);
        if self.json {
            b.extend_from_slice(b"{\"timestamp\": \"");
            push_ts(&mut b, t, TsStyle::Python);
            writeln!(b, "\", \"pid\": {pid}, \"thread\": \"MainThread\", \"logger\": \"{logger}\", \"level\": \"{level}\", \"message\": \"{}\"{extra}}}", json_escape(msg)).unwrap();
        } else {
            push_ts(&mut b, t, TsStyle::Python);
            writeln!(b, " {pid} MainThread {logger} {level} {msg}").unwrap();
        }
        self.recs.push((t, b));
    }

    /// Lines that continue the last record (`Trace ID: ...`), written as they are.
    fn cont(&mut self, text: &str) {
        let last = self.recs.last_mut().expect("a record to continue");
        last.1.extend_from_slice(text.as_bytes());
    }

    fn urllib3(&mut self, t: u64, pid: u32, method: &str, path: &str, status: u16, len: u32) {
        let msg = format!("https://login.microsoftonline.com:443 \"{method} {path} HTTP/1.1\" {status} {len}");
        self.line(t, pid, "urllib3.connectionpool", "DEBUG", &msg, "");
    }

    /// MSAL's setup in a fresh process: retries, connection, OIDC discovery, broker check.
    fn setup(&mut self, t: u64, pid: u32, discovery: bool) -> u64 {
        self.line(
            t,
            pid,
            "urllib3.util.retry",
            "DEBUG",
            "Converted retries value: 1 -> Retry(total=1, connect=None, read=None, redirect=None, status=None)",
            "",
        );
        self.line(
            t + 2,
            pid,
            "urllib3.connectionpool",
            "DEBUG",
            "Starting new HTTPS connection (1): login.microsoftonline.com:443",
            "",
        );
        let oidc = format!("/{}/v2.0/.well-known/openid-configuration", self.tenant);
        self.urllib3(t + 52, pid, "GET", &oidc, 200, 1753);
        self.line(t + 53, pid, "msal.application", "DEBUG", "Broker enabled? None", "");
        if discovery {
            self.urllib3(t + 60, pid, "GET", "/common/discovery/instance?api-version=1.1&authorization_endpoint=https%3A%2F%2Flogin.microsoftonline.com%2Fcommon%2Foauth2%2Fauthorize", 200, 331);
            return t + 100;
        }
        t + 60
    }

    fn devicecode_request(&mut self, t: u64, pid: u32) {
        let path = format!("/{}/oauth2/v2.0/devicecode", self.tenant);
        self.urllib3(t, pid, "POST", &path, 200, 558);
    }

    fn prompt_text(&self) -> String {
        format!("To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code {} to authenticate.", self.user_code)
    }

    fn prompt(&mut self, t: u64, pid: u32, logger_suffix: &str) {
        let msg = self.prompt_text();
        let logger = format!("{}.{logger_suffix}", self.app);
        self.line(t, pid, &logger, "INFO", &msg, "");
        self.wrote_uc = true;
    }

    /// A custom helper that logs the whole `initiate_device_flow` dict (device code included).
    fn flow_dict(&mut self, t: u64, pid: u32, interval: u32) {
        let msg = format!(
            "Device flow: {{'user_code': '{uc}', 'device_code': '{dc}', 'verification_uri': 'https://microsoft.com/devicelogin', 'expires_in': 900, 'interval': {interval}, 'message': '{prompt}', 'expires_at': {exp}.{frac}, '_correlation_id': '{corr}'}}",
            uc = self.user_code,
            dc = self.device_code,
            prompt = self.prompt_text(),
            exp = (t / 1000) + 900,
            frac = t % 1000,
            corr = self.corr,
        );
        let logger = format!("{}.login", self.app);
        self.line(t, pid, &logger, "DEBUG", &msg, "");
        self.wrote_uc = true;
        self.wrote_dc = true;
    }

    fn correlation(&mut self, t: u64, pid: u32) {
        let msg = format!("Generate or reuse correlation_id: {}", self.corr);
        self.line(t, pid, "msal.telemetry", "DEBUG", &msg, "");
    }

    fn token_post(&mut self, t: u64, pid: u32, status: u16, len: u32) {
        let path = format!("/{}/oauth2/v2.0/token", self.tenant);
        self.urllib3(t, pid, "POST", &path, status, len);
    }

    /// The token POST that returns tokens, and MSAL's DEBUG `event=` record (multi-line in the
    /// standard format, escaped in JSON lines) with the raw device code.
    fn success(&mut self, t: u64, pid: u32) {
        let len = self.rng.range(3200, 4900) as u32;
        self.token_post(t, pid, 200, len);
        let scope = *self.rng.pick(&SCOPES);
        let expires = self.rng.range(3599, 4400);
        let event = format!(
            r#"event={{
    "client_id": "{cid}",
    "data": {{
        "claims": "********",
        "client_id": "{cid}",
        "code": "{dc}",
        "device_code": "{dc}"
    }},
    "environment": "login.microsoftonline.com",
    "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
    "params": null,
    "response": {{
        "access_token": "********",
        "client_info": "eyJ1aWQiOiAiMGM0YTdlMjEtOTNiZC00ZjU4LWE2ZTItMWQ5YjNjNWY3ZTgwIiwgInV0aWQiOiAiNWIxZjBjOGUtM2EyNy00ZDZiLTllNDEtN2MyZDhmNmEwYjkzIn0",
        "expires_in": {expires},
        "ext_expires_in": {expires},
        "id_token": "********",
        "refresh_token": "********",
        "scope": "{scope} profile openid email",
        "token_type": "Bearer"
    }},
    "scope": [
        "{scope}",
        "profile",
        "openid",
        "email"
    ],
    "token_endpoint": "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
}}"#,
            cid = self.client_id,
            dc = self.device_code,
            tenant = self.tenant,
        );
        self.line(t + 1, pid, "msal.token_cache", "DEBUG", &event, "");
        self.wrote_dc = true;
    }

    /// `Trace ID` / `Correlation ID` / `Timestamp` lines after an error text.
    fn entra_trailer(&mut self, t: u64) {
        let trace = self.rng.trace_id();
        let text = format!(
            "Trace ID: {trace}\nCorrelation ID: {}\nTimestamp: {}\n",
            self.corr,
            ts(t, TsStyle::Entra)
        );
        self.cont(&text);
    }

    /// The same trailer, `\r\n`-escaped inside a JSON error body.
    fn entra_body(&mut self, t: u64, error: &str, code: u32, text: &str) -> String {
        let trace = self.rng.trace_id();
        self.bare.push(code);
        format!(
            r#"{{"error": "{error}", "error_description": "AADSTS{code}: {text}\r\nTrace ID: {trace}\r\nCorrelation ID: {corr}\r\nTimestamp: {when}", "error_codes": [{code}], "timestamp": "{when}", "trace_id": "{trace}", "correlation_id": "{corr}", "error_uri": "https://login.microsoftonline.com/error?code={code}"}}"#,
            corr = self.corr,
            when = ts(t, TsStyle::Entra),
        )
    }

    fn app_line(&mut self, t: u64, pid: u32, suffix: &str, level: &str, msg: &str) {
        let logger = if suffix.is_empty() {
            self.app.to_string()
        } else {
            format!("{}.{suffix}", self.app)
        };
        self.line(t, pid, &logger, level, msg, "");
    }

    /// A poll gap around `base` ms with a little timer jitter.
    fn gap(&mut self, base: u64) -> u64 {
        base + self.rng.range(3, 60)
    }
}

/// A planted flow: its records and what the report must say about it.
struct Planned {
    truth: PlantedFlow,
    recs: Vec<(u64, Vec<u8>)>,
    bare: Vec<u32>,
}

fn plan_flow(rng: &mut Rng, kind: Kind, variant: u64, start: u64, next_pid: &mut u32) -> Planned {
    let mut pid = || {
        *next_pid += 1 + (*next_pid % 7);
        *next_pid
    };
    let json = matches!((kind, variant), (Kind::Healthy, 2) | (Kind::SharedAcrossWorkers, 1));
    let mut s = FlowScript::new(rng, json);
    let mut pids = Vec::new();
    let variant_name: &str;
    let p = pid();
    pids.push(p);
    let mut t = s.setup(start, p, !json);
    match kind {
        Kind::Healthy => {
            variant_name = ["msal-std", "msal-std-no-cache-log", "msal-jsonl"][variant as usize];
            s.app_line(
                t,
                p,
                "auth",
                "INFO",
                "No cached account found; starting device code sign-in",
            );
            s.devicecode_request(t + 4, p);
            s.prompt(t + 48, p, "auth");
            s.correlation(t + 48, p);
            t += 50;
            s.token_post(t, p, 400, 510);
            for _ in 0..s.rng.range(2, 5) {
                t += s.gap(5000);
                s.token_post(t, p, 400, 510);
            }
            t += s.gap(5000);
            if variant == 1 {
                let len = s.rng.range(3200, 4900) as u32;
                s.token_post(t, p, 200, len);
            } else {
                s.success(t, p);
            }
            let msg = format!("Signed in as {}", s.user);
            s.app_line(t + 2, p, "auth", "INFO", &msg);
            for i in 0..s.rng.range(1, 4) {
                let path = ["/v1.0/me", "/v1.0/me/drive/root/children", "/v1.0/me/messages?$top=10"][i as usize % 3];
                let len = s.rng.range(300, 1200) as u32;
                let msg = format!("https://graph.microsoft.com:443 \"GET {path} HTTP/1.1\" 200 {len}");
                s.line(t + 50 + 50 * i, p, "urllib3.connectionpool", "DEBUG", &msg, "");
            }
        }
        Kind::PolledAfterSuccess => {
            variant_name = "msal-std-repoll";
            s.app_line(
                t,
                p,
                "auth",
                "INFO",
                "No cached account found; starting device code sign-in",
            );
            s.devicecode_request(t + 4, p);
            s.prompt(t + 48, p, "auth");
            s.correlation(t + 48, p);
            t += 50;
            s.token_post(t, p, 400, 510);
            for _ in 0..s.rng.range(1, 4) {
                t += s.gap(5000);
                s.token_post(t, p, 400, 510);
            }
            t += s.gap(5000);
            s.success(t, p);
            let msg = format!("Signed in as {}", s.user);
            s.app_line(t + 2, p, "auth", "INFO", &msg);
            for i in 1..=3u64 {
                t += s.rng.range(1500, 3000);
                let msg = format!(
                    "Collecting usage for site {} ({i}/3)",
                    ["finance", "engineering", "sales"][i as usize - 1]
                );
                s.app_line(t, p, "", "INFO", &msg);
                let len = s.rng.range(300, 1200);
                let msg =
                    format!("https://graph.microsoft.com:443 \"GET /v1.0/me/drive/root/children HTTP/1.1\" 200 {len}");
                s.line(t + 50, p, "urllib3.connectionpool", "DEBUG", &msg, "");
            }
            t += s.rng.range(2000, 4000);
            s.app_line(t, p, "", "INFO", "Preparing mail delivery of the report");
            s.app_line(t + 1, p, "auth", "INFO", "Resuming device code sign-in started earlier");
            s.correlation(t + 1, p);
            s.token_post(t + 4, p, 400, 477);
            s.app_line(t + 6, p, "auth", "ERROR", "Could not get a token for Mail.Send: invalid_grant: AADSTS90120: The request was already authorized or declined.");
            s.entra_trailer(t + 6);
            s.app_line(t + 6, p, "", "WARNING", "Report saved locally instead of mailed");
        }
        Kind::SharedAcrossWorkers => {
            variant_name = ["msal-std-processes", "msal-jsonl-processes"][variant as usize];
            let w1 = pid();
            let w2 = pid();
            pids.extend([w1, w2]);
            s.devicecode_request(t, p);
            if json {
                let extra = format!(", \"user_code\": \"{}\", \"verification_uri\": \"https://microsoft.com/devicelogin\", \"expires_in\": 900", s.user_code);
                s.line(
                    t + 43,
                    p,
                    &format!("{}.main", s.app),
                    "INFO",
                    "device flow started",
                    &extra,
                );
                s.wrote_uc = true;
            } else {
                s.prompt(t + 43, p, "main");
            }
            let mut starts = [0u64; 2];
            for (n, w) in [w1, w2].into_iter().enumerate() {
                let at = t + 53 + n as u64 * s.rng.range(600, 900);
                let at = s.setup(at, w, false);
                let msg = format!("worker {} polling for sign-in (user code {})", n + 1, s.user_code);
                let logger = format!("{}.worker", s.app);
                s.line(at, w, &logger, "INFO", &msg, "");
                s.correlation(at, w);
                s.token_post(at + 5, w, 400, 510);
                starts[n] = at + 5;
            }
            let rounds = s.rng.range(2, 4);
            let (mut a, mut b) = (starts[0], starts[1]);
            for _ in 0..rounds {
                a += s.gap(5000);
                s.token_post(a, w1, 400, 510);
                b += s.gap(5000);
                s.token_post(b, w2, 400, 510);
            }
            a += s.gap(5000);
            s.success(a, w1);
            let msg = format!("worker 1 authenticated as {}", s.user);
            let logger = format!("{}.worker", s.app);
            s.line(a + 1, w1, &logger, "INFO", &msg, "");
            b += s.gap(5000);
            s.token_post(b, w2, 400, 477);
            if json {
                let trace = s.rng.trace_id();
                let extra = format!(", \"error\": \"invalid_grant\", \"error_codes\": [90120], \"aad_correlation_id\": \"{}\", \"aad_trace_id\": \"{trace}\"", s.corr);
                s.bare.push(90120);
                s.line(b + 1, w2, &logger, "ERROR", "worker 2 authentication failed", &extra);
            } else {
                s.line(b + 1, w2, &logger, "ERROR", "worker 2 authentication failed: invalid_grant: AADSTS90120: The request was already authorized or declined.", "");
                s.entra_trailer(b + 1);
            }
            let logger = format!("{}.main", s.app);
            let extra = if json { ", \"exit_codes\": [0, 3]" } else { "" };
            let msg = if json {
                "workers finished"
            } else {
                "workers finished with exit codes [0, 3]"
            };
            s.line(b + 3, p, &logger, "INFO", msg, extra);
        }
        Kind::PollingTooFast => {
            variant_name = ["msal-std-2s-loop", "msal-std-2s-loop-flow-dict"][variant as usize];
            s.devicecode_request(t, p);
            if variant == 1 {
                s.flow_dict(t + 42, p, 5);
            } else {
                s.prompt(t + 42, p, "login");
            }
            s.app_line(t + 42, p, "login", "INFO", "Polling every 2s");
            t += 42;
            let polls = s.rng.range(7, 13);
            for n in 0..polls {
                // The first gap is the longest (the warning is printed), so the gaps never ramp up.
                t += if n == 0 {
                    5
                } else if n == 1 {
                    2040 + s.rng.range(0, 15)
                } else {
                    2000 + s.rng.range(0, 8)
                };
                s.correlation(t, p);
                if n == 1 {
                    s.line(t + 2, p, "py.warnings", "WARNING", "/opt/venv/lib/python3.11/site-packages/msal/oauth2cli/oauth2.py:399: UserWarning: Attempted too soon. Please do time.sleep(flow[\"interval\"])", "");
                    s.cont("  warnings.warn('Attempted too soon. Please do time.sleep(flow[\"interval\"])')\n\n");
                }
                s.token_post(t + 5, p, 400, if n == 0 { 510 } else { 515 });
            }
            t += 2005;
            s.correlation(t, p);
            s.token_post(t + 4, p, 400, 456);
            s.app_line(
                t + 6,
                p,
                "login",
                "ERROR",
                "Sign-in failed: expired_token: AADSTS70019: Verification code expired.",
            );
            s.entra_trailer(t + 6);
        }
        Kind::AbandonedFlow => {
            variant_name = [
                "msal-std-expired",
                "msal-std-expired-no-prompt",
                "msal-std-expired-json-body",
            ][variant as usize];
            s.app_line(
                t,
                p,
                "auth",
                "INFO",
                "No cached account found; starting device code sign-in",
            );
            s.devicecode_request(t + 4, p);
            if variant != 1 {
                s.prompt(t + 48, p, "auth");
            }
            s.correlation(t + 48, p);
            t += 50;
            s.token_post(t, p, 400, 510);
            for _ in 0..s.rng.range(4, 10) {
                t += s.gap(5000);
                s.token_post(t, p, 400, 510);
            }
            t += s.gap(5000);
            s.token_post(t, p, 400, 530);
            if variant == 2 {
                let body = s.entra_body(t + 1, "expired_token", 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired.");
                let msg = format!("Token request failed: {body}");
                s.app_line(t + 1, p, "auth", "ERROR", &msg);
            } else {
                s.app_line(t + 1, p, "auth", "ERROR", "Sign-in failed: expired_token: AADSTS70020: The provided value for the input parameter 'device_code' is not valid. This device code has expired.");
                s.entra_trailer(t + 1);
            }
            s.app_line(
                t + 2,
                p,
                "auth",
                "INFO",
                "Giving up; run the command again to get a new code",
            );
        }
        Kind::PendingLoggedAsError => {
            variant_name = "msal-std-error-level";
            s.devicecode_request(t, p);
            s.prompt(t + 40, p, "auth");
            t += 40;
            let polls = s.rng.range(2, 6);
            for n in 0..polls {
                if n > 0 {
                    t += s.gap(5000);
                }
                s.correlation(t, p);
                s.token_post(t + 2, p, 400, 510);
                let body = s.entra_body(
                    t + 3,
                    "authorization_pending",
                    70016,
                    "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                );
                let msg = format!("Token request failed: {body}");
                s.app_line(t + 3, p, "auth", "ERROR", &msg);
            }
            t += s.gap(5000);
            s.correlation(t, p);
            s.success(t + 5, p);
            let msg = format!("Signed in as {}", s.user);
            s.app_line(t + 7, p, "auth", "INFO", &msg);
        }
        Kind::UserDeclined => {
            variant_name = "msal-std-declined";
            s.app_line(
                t,
                p,
                "auth",
                "INFO",
                "No cached account found; starting device code sign-in",
            );
            s.devicecode_request(t + 2, p);
            s.prompt(t + 43, p, "auth");
            s.correlation(t + 43, p);
            t += 45;
            s.token_post(t, p, 400, 510);
            for _ in 0..s.rng.range(1, 4) {
                t += s.gap(5000);
                s.token_post(t, p, 400, 510);
            }
            t += s.gap(5000);
            s.token_post(t, p, 400, 482);
            s.app_line(
                t,
                p,
                "auth",
                "ERROR",
                "Sign-in failed: authorization_declined: AADSTS65004: User declined to consent to access the app.",
            );
            s.entra_trailer(t);
            s.app_line(t, p, "auth", "INFO", "Sign-in cancelled by the user; exiting");
        }
        Kind::BlockedByConditionalAccess => {
            variant_name = "msal-std-53003";
            s.app_line(
                t,
                p,
                "auth",
                "INFO",
                "No cached account found; starting device code sign-in",
            );
            s.devicecode_request(t + 2, p);
            s.prompt(t + 44, p, "auth");
            s.correlation(t + 44, p);
            t += 48;
            s.token_post(t, p, 400, 510);
            for _ in 0..s.rng.range(2, 5) {
                t += s.gap(5000);
                s.token_post(t, p, 400, 510);
            }
            t += s.gap(5000);
            s.token_post(t, p, 400, 560);
            s.app_line(t + 1, p, "auth", "ERROR", "Sign-in failed: invalid_grant: AADSTS53003: Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.");
            s.entra_trailer(t + 1);
        }
    }
    let id = if s.wrote_dc {
        format!("dc:{}", fingerprint(&s.device_code))
    } else if s.wrote_uc {
        format!("uc:{}", fingerprint(&s.user_code))
    } else {
        format!("corr:{}", s.corr)
    };
    let truth = PlantedFlow {
        kind: kind.name().to_string(),
        variant: variant_name.to_string(),
        id,
        expected_findings: kind.expected_findings(),
        pids,
        correlation_id: s.corr.clone(),
        first_line: 0,
        last_line: 0,
    };
    Planned {
        truth,
        recs: std::mem::take(&mut s.recs),
        bare: std::mem::take(&mut s.bare),
    }
}

// ---------------------------------------------------------------------------------------------
// Stand-alone auth records: errors of web apps and services that are not device code flows.

/// Codes of stand-alone errors, with the text Entra gives them. None of them is a device code
/// flow code, so none of these records makes a flow.
const STANDALONE: [(u32, &str, &str); 14] = [
    (50076, "invalid_grant", "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '00000003-0000-0000-c000-000000000000'."),
    (50079, "invalid_grant", "Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access '00000003-0000-0000-c000-000000000000'."),
    (50126, "invalid_grant", "Error validating credentials due to invalid username or password."),
    (50173, "invalid_grant", "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password."),
    (500011, "invalid_resource", "The resource principal named https://graph.windows.net was not found in the tenant named Contoso. This can happen if the application has not been installed by the administrator of the tenant."),
    (7000215, "invalid_client", "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '6b1c2d3e-0f4a-4b5c-8d9e-0a1b2c3d4e5f'."),
    (700016, "unauthorized_client", "Application with identifier '6b1c2d3e-0f4a-4b5c-8d9e-0a1b2c3d4e5f' was not found in the directory 'Contoso'."),
    (65001, "invalid_grant", "The user or administrator has not consented to use the application with ID '6b1c2d3e-0f4a-4b5c-8d9e-0a1b2c3d4e5f' named 'orders-api'."),
    (700082, "invalid_grant", "The refresh token has expired due to inactivity. The token was issued on 2026-08-01T09:12:44.1234567Z and was inactive for 90.00:00:00."),
    (50058, "invalid_grant", "A silent sign-in request was sent but no user is signed in."),
    (53003, "invalid_grant", "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance."),
    (530033, "invalid_grant", "Access has been blocked by security policy. The access policy does not allow token issuance."),
    (9002313, "invalid_request", "Invalid request. Request is malformed or invalid."),
    (50034, "invalid_grant", "The user account {EUII Hidden} does not exist in the 6b1c2d3e-0f4a-4b5c-8d9e-0a1b2c3d4e5f directory. To sign into this application, the account must be added to the directory."),
];

const WEB_PIDS: [u32; 4] = [1201, 1202, 1207, 1213];

// ---------------------------------------------------------------------------------------------
// Chatter

const LOGGERS: [&str; 10] = [
    "orders.api",
    "orders.db",
    "billing.worker",
    "gunicorn.access",
    "celery.worker",
    "app.cache",
    "inventory.sync",
    "app.http",
    "scheduler",
    "sqlalchemy.engine.Engine",
];
const MESSAGES: [&str; 16] = [
    "Processed order batch",
    "Cache miss for key product",
    "Refreshing materialized view inventory_daily",
    "Task succeeded in",
    "Retrying request to upstream",
    "Connection pool stats: in_use=",
    "Scheduled job cleanup_sessions finished",
    "SELECT orders.id, orders.status FROM orders WHERE orders.customer_id = ?",
    "Received message from queue billing-events",
    "Rendered template invoice.html in",
    "Wrote checkpoint for partition",
    "Upstream responded slowly:",
    "Heartbeat ok; lag",
    "Flushed metrics buffer with",
    "Started span export for",
    "GET /healthz 200",
];
const PATHS: [&str; 10] = [
    "/api/v1/orders",
    "/api/v1/orders/",
    "/api/v1/products",
    "/static/js/app.",
    "/healthz",
    "/api/v1/cart/",
    "/metrics",
    "/api/v2/search?q=",
    "/favicon.ico",
    "/api/v1/invoices/",
];
const AGENTS: [&str; 4] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "kube-probe/1.30",
    "python-requests/2.32.3",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
];
const JAVA_FRAMES: [&str; 12] = [
    "org.springframework.web.servlet.DispatcherServlet.doDispatch(DispatcherServlet.java:1089)",
    "org.springframework.web.servlet.FrameworkServlet.processRequest(FrameworkServlet.java:1014)",
    "jakarta.servlet.http.HttpServlet.service(HttpServlet.java:590)",
    "org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:166)",
    "org.apache.tomcat.util.net.NioEndpoint$SocketProcessor.doRun(NioEndpoint.java:1740)",
    "java.base/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1144)",
    "com.example.orders.web.OrderController.create(OrderController.java:88)",
    "com.example.orders.service.OrderService.place(OrderService.java:142)",
    "com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:181)",
    "org.hibernate.engine.jdbc.spi.SqlExceptionHelper.convert(SqlExceptionHelper.java:56)",
    "java.base/java.net.SocketInputStream.read(SocketInputStream.java:168)",
    "io.netty.channel.nio.NioEventLoop.run(NioEventLoop.java:569)",
];
const JAVA_EXCEPTIONS: [&str; 4] = [
    "java.lang.IllegalStateException: Order 4411 is already closed",
    "org.springframework.dao.DataAccessResourceFailureException: unable to obtain isolated JDBC connection",
    "java.net.SocketTimeoutException: Read timed out",
    "java.util.ConcurrentModificationException: null",
];
const PY_FRAMES: [(&str, &str); 5] = [
    ("/app/orders/views.py", "    order = service.place(request.json)"),
    ("/app/orders/service.py", "    self.repo.save(order)"),
    (
        "/usr/lib/python3.11/site-packages/sqlalchemy/engine/base.py",
        "    self.dialect.do_execute(",
    ),
    ("/app/billing/tasks.py", "    invoice = render_invoice(order_id)"),
    (
        "/usr/lib/python3.11/json/decoder.py",
        "    obj, end = self.raw_decode(s, idx=_w(s, 0).end())",
    ),
];

/// Writes synthetic logs. See the module documentation.
struct Gen<'w, W: Write> {
    w: &'w mut W,
    rng: Rng,
    out: Vec<u8>,
    now: u64,
    truth: Truth,
    heap: BinaryHeap<Reverse<Pending>>,
    seq: u64,
    next_pid: u32,
    started: u64,
    committed_auth: u64,
    next_huge: u64,
    written: u64,
    /// Clock multiplier between application lines (see [`generate_paced`]).
    pace: u64,
}

impl<'w, W: Write> Gen<'w, W> {
    fn flush(&mut self) -> io::Result<()> {
        count_prefixed(&self.out, &mut self.truth.codes);
        self.w.write_all(&self.out)?;
        self.written += self.out.len() as u64;
        self.out.clear();
        Ok(())
    }

    fn bytes(&self) -> u64 {
        self.written + self.out.len() as u64
    }

    fn end_record(&mut self, start: usize) -> u64 {
        let n = bytecount::count(&self.out[start..], b'\n') as u64;
        self.truth.lines += n;
        n
    }

    fn bare(&mut self, code: u32) {
        self.truth
            .codes
            .entry(format!("AADSTS{code}"))
            .or_default()
            .bare_occurrences += 1;
    }

    /// Plants the next flow (kinds in turn) or a stand-alone auth record.
    fn start_auth(&mut self) {
        let n = self.started;
        self.started += 1;
        if n % 2 == 1 {
            let start = self.out.len();
            let at = self.now;
            self.standalone(at);
            let lines = self.end_record(start);
            self.truth.auth_lines += lines;
            self.committed_auth += lines;
            return;
        }
        let flow_no = n / 2;
        let kind = Kind::ALL[(flow_no % Kind::ALL.len() as u64) as usize];
        let variant = (flow_no / Kind::ALL.len() as u64) % kind.variants();
        let planned = plan_flow(&mut self.rng, kind, variant, self.now + 1, &mut self.next_pid);
        let index = self.truth.flows.len();
        for &code in &planned.bare {
            self.bare(code);
            self.truth.codes_elsewhere.insert(format!("AADSTS{code}"));
        }
        for (_, text) in &planned.recs {
            note_codes(text, &mut self.truth.codes_elsewhere);
        }
        for (at, text) in planned.recs {
            self.committed_auth += bytecount::count(&text, b'\n') as u64;
            self.seq += 1;
            self.heap.push(Reverse(Pending {
                at,
                seq: self.seq,
                flow: index,
                text,
            }));
        }
        self.truth.flows.push(planned.truth);
    }

    fn emit_pending(&mut self) {
        let Reverse(p) = self.heap.pop().expect("a pending record");
        debug_assert!(p.at >= self.now);
        self.now = self.now.max(p.at);
        let first = self.truth.lines + 1;
        self.out.extend_from_slice(&p.text);
        let n = bytecount::count(&p.text, b'\n') as u64;
        self.truth.lines += n;
        self.truth.auth_lines += n;
        let f = &mut self.truth.flows[p.flow];
        if f.first_line == 0 {
            f.first_line = first;
        }
        f.last_line = first + n - 1;
    }

    fn run(&mut self, size: u64, density: f64) -> io::Result<()> {
        while self.bytes() < size {
            if density > 0.0 && self.committed_auth as f64 <= density * self.truth.lines as f64 {
                self.start_auth();
            }
            let dt = self.rng.below(3) * self.pace;
            if self.heap.peek().is_some_and(|Reverse(p)| p.at <= self.now + dt) {
                self.emit_pending();
            } else {
                self.now += dt;
                if self.bytes() >= self.next_huge {
                    self.next_huge += HUGE_LINE_EVERY;
                    let start = self.out.len();
                    self.huge_line();
                    self.end_record(start);
                    self.truth.huge_lines += 1;
                } else {
                    let start = self.out.len();
                    self.chatter();
                    self.end_record(start);
                }
            }
            if self.out.len() >= 1 << 20 {
                self.flush()?;
            }
        }
        // Finish every planted flow: the rest of their lines, without chatter.
        while !self.heap.is_empty() {
            self.emit_pending();
        }
        self.flush()
    }

    // -- stand-alone auth records ---------------------------------------------------------------

    fn standalone(&mut self, t: u64) {
        let rng = &mut self.rng;
        let (code, error, text) = *rng.pick(&STANDALONE);
        *self
            .truth
            .standalone_failures
            .entry(format!("AADSTS{code}"))
            .or_default()
            .entry((t / 60_000) as i64)
            .or_default() += 1;
        let pid = *rng.pick(&WEB_PIDS);
        let thread = rng.range(0, 16);
        let corr = rng.uuid();
        let trace = rng.trace_id();
        let b = &mut self.out;
        match rng.below(8) {
            0 | 1 => {
                // A Python web app prints MSAL's error text with its trailer lines.
                push_ts(b, t, TsStyle::Python);
                let _ = write!(
                    b,
                    " {pid} ThreadPoolExecutor-0_{thread} webapp.auth ERROR Token acquisition failed for "
                );
                if rng.chance(0.2) {
                    // Latin-1 bytes, as a misconfigured handler writes them: invalid UTF-8.
                    b.extend_from_slice(b"jos\xe9.p\xe9rez@contoso.example");
                } else {
                    b.extend_from_slice(rng.pick(&USERS).as_bytes());
                }
                let _ = write!(
                    b,
                    ": {error}: AADSTS{code}: {text}\nTrace ID: {trace}\nCorrelation ID: {corr}\nTimestamp: "
                );
                push_ts(b, t, TsStyle::Entra);
                b.push(b'\n');
            }
            2 => {
                // A JSON-lines service logs the whole error body, `\r\n` escaped, and its codes.
                b.extend_from_slice(b"{\"timestamp\": \"");
                push_ts(b, t, TsStyle::Iso);
                let _ = write!(
                    b,
                    "\", \"level\": \"error\", \"logger\": \"api.auth\", \"pid\": {pid}, \"msg\": \"token request failed\", \"error\": \"{error}\", \"error_description\": \"AADSTS{code}: {text}\\r\\nTrace ID: {trace}\\r\\nCorrelation ID: {corr}\\r\\nTimestamp: "
                );
                push_ts(b, t, TsStyle::Entra);
                let _ = writeln!(b, "\", \"error_codes\":[{code}], \"correlation_id\": \"{corr}\"}}");
                self.bare(code);
            }
            3 => {
                // Only the bare code.
                b.extend_from_slice(b"{\"timestamp\": \"");
                push_ts(b, t, TsStyle::Iso);
                let _ = writeln!(b, "\", \"level\": \"warning\", \"logger\": \"api.auth\", \"pid\": {pid}, \"msg\": \"token refresh failed\", \"error\": \"{error}\", \"error_codes\":[{code}], \"correlation_id\": \"{corr}\"}}");
                self.bare(code);
            }
            4 => {
                // The sign-in page's troubleshooting details pasted by a support tool.
                push_ts(b, t, TsStyle::Python);
                let _ = write!(b, " {pid} ThreadPoolExecutor-0_{thread} support.tickets WARNING Sign-in error reported by user (correlation_id={corr})\nError Code: {code}\nRequest Id: {trace}\nCorrelation Id: {corr}\nTimestamp: ");
                push_ts(b, t, TsStyle::Iso);
                b.push(b'\n');
                self.bare(code);
            }
            5 => {
                // MSAL.NET's scrubbed exception, from a Windows service (CRLF).
                let _ = write!(
                    b,
                    "False MSAL 4.66.2.0 MSAL.NetCore .NET 8.0.11 Microsoft Windows 10.0.20348 ["
                );
                push_ts(b, t, TsStyle::Entra);
                let _ = writeln!(b, " - {corr}] Exception type: Microsoft.Identity.Client.MsalUiRequiredException, ErrorCode: {error}, HTTP StatusCode 400, CorrelationId {corr}, Microsoft Entra ID Error Code AADSTS{code}\r");
            }
            6 => {
                // A sign-in log export row.
                b.extend_from_slice(b"{\"createdDateTime\": \"");
                push_ts(b, t, TsStyle::Iso);
                let _ = writeln!(b, "\", \"userPrincipalName\": \"{}\", \"appDisplayName\": \"orders-portal\", \"clientAppUsed\": \"Browser\", \"status\": {{\"errorCode\": {code}, \"failureReason\": \"{text}\"}}, \"correlationId\": \"{corr}\"}}", rng.pick(&USERS));
                self.bare(code);
            }
            _ => {
                // A confidential client's token request (not a device code grant), then its error.
                let tenant = rng.uuid();
                push_ts(b, t, TsStyle::Python);
                let _ = writeln!(b, " {pid} ThreadPoolExecutor-0_{thread} urllib3.connectionpool DEBUG https://login.microsoftonline.com:443 \"POST /{tenant}/oauth2/v2.0/token HTTP/1.1\" 401 {}", rng.range(400, 700));
                push_ts(b, t, TsStyle::Python);
                let _ = write!(b, " {pid} ThreadPoolExecutor-0_{thread} webapp.auth ERROR Client credentials failed: {error}: AADSTS{code}: {text}\nTrace ID: {trace}\nCorrelation ID: {corr}\nTimestamp: ");
                push_ts(b, t, TsStyle::Entra);
                b.push(b'\n');
            }
        }
    }

    // -- chatter --------------------------------------------------------------------------------

    fn chatter(&mut self) {
        let t = self.now;
        let rng = &mut self.rng;
        let b = &mut self.out;
        let roll = rng.below(1000);
        let pid = 100 + rng.below(40) as u32 * 3;
        match roll {
            0..=389 => {
                push_ts(b, t, TsStyle::Python);
                let level = if rng.chance(0.85) {
                    "INFO"
                } else if rng.chance(0.7) {
                    "DEBUG"
                } else {
                    "WARNING"
                };
                let _ = write!(
                    b,
                    " {pid} MainThread {} {level} {} {}",
                    rng.pick(&LOGGERS),
                    rng.pick(&MESSAGES),
                    rng.below(100_000)
                );
                if rng.chance(0.3) {
                    let _ = write!(b, " in {}.{:03}s", rng.below(5), rng.below(1000));
                }
                b.push(b'\n');
            }
            390..=639 => {
                let _ = write!(b, "10.{}.{}.{} - - [", rng.below(4), rng.below(256), rng.below(256));
                push_ts(b, t, TsStyle::Clf);
                let method = if rng.chance(0.8) { "GET" } else { "POST" };
                let path = rng.pick(&PATHS);
                let status = *rng.pick(&[200u16, 200, 200, 200, 201, 204, 304, 404, 500, 302]);
                let _ = writeln!(
                    b,
                    "] \"{method} {path}{} HTTP/1.1\" {status} {} \"-\" \"{}\" rt={}.{:03}",
                    rng.below(100_000),
                    rng.below(60_000),
                    rng.pick(&AGENTS),
                    rng.below(2),
                    rng.below(1000)
                );
            }
            640..=839 => {
                b.extend_from_slice(b"{\"timestamp\": \"");
                push_ts(b, t, TsStyle::Iso);
                let level = if rng.chance(0.9) { "info" } else { "warn" };
                let _ = write!(b, "\", \"level\": \"{level}\", \"service\": \"{}\", \"msg\": \"{} {}\", \"duration_ms\": {}, \"request_id\": \"{:016x}\"", rng.pick(&LOGGERS), rng.pick(&MESSAGES), rng.below(10_000), rng.below(3000), rng.next_u64());
                if rng.chance(0.25) {
                    let corr = rng.uuid();
                    let _ = write!(b, ", \"correlation_id\": \"{corr}\"");
                }
                b.extend_from_slice(b"}\n");
            }
            840..=899 => {
                push_ts(b, t, TsStyle::Logback);
                let _ = writeln!(
                    b,
                    "  INFO 1 --- [nio-8080-exec-{}] c.e.orders.web.OrderController   : {} {}",
                    rng.range(1, 11),
                    rng.pick(&MESSAGES),
                    rng.below(100_000)
                );
            }
            900..=919 => {
                push_ts(b, t, TsStyle::Logback);
                let _ = writeln!(b, " ERROR 1 --- [nio-8080-exec-{}] o.a.c.c.C.[.[.[/].[dispatcherServlet]    : Servlet.service() for servlet [dispatcherServlet] threw exception", rng.range(1, 11));
                let _ = writeln!(b, "{}", rng.pick(&JAVA_EXCEPTIONS));
                for _ in 0..rng.range(8, 30) {
                    let _ = writeln!(b, "\tat {}", rng.pick(&JAVA_FRAMES));
                }
                if rng.chance(0.5) {
                    let _ = writeln!(b, "Caused by: {}", rng.pick(&JAVA_EXCEPTIONS));
                    for _ in 0..rng.range(3, 10) {
                        let _ = writeln!(b, "\tat {}", rng.pick(&JAVA_FRAMES));
                    }
                    let _ = writeln!(b, "\t... {} common frames omitted", rng.range(20, 80));
                }
            }
            920..=939 => {
                push_ts(b, t, TsStyle::Python);
                let _ = writeln!(b, " {pid} MainThread celery.worker ERROR Task billing.tasks.render failed\nTraceback (most recent call last):");
                for _ in 0..rng.range(2, 7) {
                    let (file, code) = rng.pick(&PY_FRAMES);
                    let _ = writeln!(b, "  File \"{file}\", line {}, in handler\n{code}", rng.range(10, 900));
                }
                let _ = writeln!(
                    b,
                    "{}",
                    rng.pick(&[
                        "ValueError: invalid literal for int() with base 10: 'n/a'",
                        "KeyError: 'sku'",
                        "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)"
                    ])
                );
            }
            940..=946 => {
                // A JSON line of several KB.
                b.extend_from_slice(b"{\"timestamp\": \"");
                push_ts(b, t, TsStyle::Iso);
                b.extend_from_slice(b"\", \"level\": \"debug\", \"service\": \"inventory.sync\", \"msg\": \"upstream payload\", \"items\": [");
                for i in 0..rng.range(20, 180) {
                    if i > 0 {
                        b.extend_from_slice(b", ");
                    }
                    let _ = write!(
                        b,
                        "{{\"sku\": \"SKU-{:06}\", \"qty\": {}, \"warehouse\": \"{}\", \"price\": {}.{:02}}}",
                        rng.below(1_000_000),
                        rng.below(500),
                        rng.pick(&["ams-1", "dub-2", "sea-1", "sin-3"]),
                        rng.below(900),
                        rng.below(100)
                    );
                }
                b.extend_from_slice(b"]}\n");
            }
            947..=953 => {
                // A line with bytes that are not UTF-8 (Latin-1 names, a binary field).
                push_ts(b, t, TsStyle::Python);
                let _ = write!(b, " {pid} MainThread app.http WARNING Undecodable header from client: ");
                b.extend_from_slice(b"Caf\xe9 M\xfcller \xff\xfe\x81\x9f ");
                for _ in 0..rng.range(4, 40) {
                    b.push(0x80 | (rng.below(0x7f) as u8 + 1));
                }
                b.push(b'\n');
            }
            954..=969 => {
                // A Windows service writes CRLF.
                push_ts(b, t, TsStyle::DotNet);
                let _ = writeln!(
                    b,
                    " [INF] Worker.Sync: {} {}\r",
                    rng.pick(&MESSAGES),
                    rng.below(100_000)
                );
            }
            970..=984 => {
                b.push(b'I');
                let c = clock(t);
                push_num(b, u64::from(c.mo), 2);
                push_num(b, u64::from(c.d), 2);
                b.push(b' ');
                push_num(b, u64::from(c.h), 2);
                b.push(b':');
                push_num(b, u64::from(c.mi), 2);
                b.push(b':');
                push_num(b, u64::from(c.s), 2);
                b.push(b'.');
                push_num(b, u64::from(c.ms) * 1000 + rng.below(1000), 6);
                let _ = writeln!(
                    b,
                    "       {} controller.go:{}] \"Reconciling\" deployment=\"orders/orders-api\" generation={}",
                    rng.range(1, 99),
                    rng.range(100, 900),
                    rng.below(5000)
                );
            }
            _ => {
                // Text that only looks like a code: never counted.
                push_ts(b, t, TsStyle::Python);
                let _ = writeln!(
                    b,
                    " {pid} MainThread docs.index INFO {}",
                    rng.pick(&[
                        "Indexed page 'AADSTS error codes' (AADSTS prefix, see AADSTS docs)",
                        "Ticket 88123 mentions AADSTS1234 (four digits, not a code)",
                        "Build id AADSTS12345678 parsed from legacy record",
                        "Search hit: aadsts50076 in lowercase user note",
                    ])
                );
            }
        }
    }

    /// A Graph sign-in page dumped on one line by a debug logger: over 64 KiB, with codes.
    fn huge_line(&mut self) {
        let t = self.now;
        let rng = &mut self.rng;
        let b = &mut self.out;
        push_ts(b, t, TsStyle::Python);
        let _ = write!(b, " 1313 MainThread audit.export DEBUG Graph response: {{\"@odata.context\": \"https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns\", \"value\": [");
        let records = rng.range(300, 600);
        let mut bare = Vec::new();
        for i in 0..records {
            if i > 0 {
                b.extend_from_slice(b", ");
            }
            let id = rng.uuid();
            let corr = rng.uuid();
            let _ = write!(b, "{{\"id\": \"{id}\", \"createdDateTime\": \"");
            push_ts(b, t.saturating_sub(rng.below(3_600_000)), TsStyle::Iso);
            let _ = write!(b, "\", \"userPrincipalName\": \"{}\", \"appDisplayName\": \"orders-portal\", \"ipAddress\": \"203.0.113.{}\", ", rng.pick(&USERS), rng.below(255));
            if rng.chance(0.3) {
                let (code, _, text) = *rng.pick(&STANDALONE);
                let _ = write!(b, "\"status\": {{\"errorCode\": {code}, \"failureReason\": \"{text}\", \"additionalDetails\": \"AADSTS{code}\"}}, ");
                bare.push(code);
            } else {
                b.extend_from_slice(b"\"status\": {\"errorCode\": 0, \"failureReason\": \"Other.\"}, ");
            }
            let _ = write!(b, "\"correlationId\": \"{corr}\", \"riskLevelDuringSignIn\": \"none\", \"conditionalAccessStatus\": \"notApplied\"}}");
        }
        b.extend_from_slice(b"]}\n");
        for code in bare {
            self.bare(code);
            self.truth.codes_elsewhere.insert(format!("AADSTS{code}"));
        }
    }
}

/// Adds every `AADSTS` code (5 to 7 digits) that `text` mentions to `codes`.
fn note_codes(text: &[u8], codes: &mut BTreeSet<String>) {
    for i in memchr::memmem::find_iter(text, b"AADSTS") {
        let digits = text[i + 6..].iter().take_while(|b| b.is_ascii_digit()).count();
        if (5..=7).contains(&digits) {
            codes.insert(String::from_utf8_lossy(&text[i..i + 6 + digits]).into_owned());
        }
    }
}

/// Counts `AADSTS` followed by 5 to 7 digits (and no more) into `codes`.
fn count_prefixed(buf: &[u8], codes: &mut BTreeMap<String, CodeCount>) {
    for i in memchr::memmem::find_iter(buf, b"AADSTS") {
        let digits = buf[i + 6..].iter().take_while(|b| b.is_ascii_digit()).count();
        if (5..=7).contains(&digits) {
            let code = std::str::from_utf8(&buf[i + 6..i + 6 + digits]).expect("digits");
            codes.entry(format!("AADSTS{code}")).or_default().occurrences += 1;
        }
    }
}

/// Writes a synthetic log of about `size_bytes` bytes to `w` with `auth_density` auth lines per
/// line, deterministically from `seed`, and returns what a correct scan reports.
pub fn generate(w: &mut impl Write, size_bytes: u64, auth_density: f64, seed: u64) -> io::Result<Truth> {
    generate_paced(w, size_bytes, auth_density, seed, 1)
}

/// [`generate`] with the clock running `pace` times faster between application lines (about
/// `pace` ms per line instead of 1): a small log then spans hours (`pace` 1 is [`generate`]).
pub fn generate_paced(
    w: &mut impl Write,
    size_bytes: u64,
    auth_density: f64,
    seed: u64,
    pace: u64,
) -> io::Result<Truth> {
    let mut g = Gen {
        pace: pace.max(1),
        w,
        rng: Rng::new(seed),
        out: Vec::with_capacity(2 << 20),
        now: START_MS,
        truth: Truth {
            seed,
            auth_density,
            requested_bytes: size_bytes,
            ..Truth::default()
        },
        heap: BinaryHeap::new(),
        seq: 0,
        next_pid: 20_000,
        started: 0,
        committed_auth: 0,
        next_huge: HUGE_LINE_EVERY / 2,
        written: 0,
    };
    g.run(size_bytes, auth_density)?;
    g.w.flush()?;
    let mut truth = g.truth;
    truth.bytes = g.written;
    truth.codes.retain(|_, c| c.occurrences > 0 || c.bare_occurrences > 0);
    Ok(truth)
}

/// Generates into memory (for the benchmark).
pub fn generate_vec(size_bytes: u64, auth_density: f64, seed: u64) -> (Vec<u8>, Truth) {
    let mut v = Vec::with_capacity(size_bytes as usize + (4 << 20));
    let truth = generate(&mut v, size_bytes, auth_density, seed).expect("writing to memory");
    (v, truth)
}

/// Parses `100MiB`, `1GiB`, `64M`, `1g`, `12345`: binary units, optional `B`/`iB`.
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let num: f64 = num.parse().ok()?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => return None,
    };
    Some((num * mult as f64) as u64)
}

// ---------------------------------------------------------------------------------------------
// Many flows

/// Writes `flows` device code flows, each with its own device code and process, one after the
/// other: the input that measures how memory and time grow with the number of flows. Each flow
/// is one line (a logged `initiate_device_flow` dict, about 260 bytes) and, with `findings`, a
/// second line that logs `authorization_pending` at ERROR level (`pending-logged-as-error`).
/// Returns the flow ids (`dc:<fingerprint>`) in order.
pub fn generate_flows(w: &mut impl Write, flows: u64, findings: bool, seed: u64) -> io::Result<Vec<String>> {
    let mut rng = Rng::new(seed);
    let mut ids = Vec::with_capacity(flows as usize);
    let mut buf = Vec::with_capacity(1024);
    let mut t = START_MS;
    for i in 0..flows {
        let dc = rng.device_code();
        let uc = rng.user_code();
        let pid = 10_000 + (i % 4_000_000);
        buf.clear();
        push_ts(&mut buf, t, TsStyle::Python);
        writeln!(
            buf,
            " {pid} MainThread app.login DEBUG Device flow: {{'user_code': '{uc}', 'device_code': '{dc}', 'expires_in': 900, 'interval': 5}}"
        )?;
        if findings {
            push_ts(&mut buf, t + 5_000, TsStyle::Python);
            writeln!(
                buf,
                " {pid} MainThread msal.application ERROR Token request failed: authorization_pending: AADSTS70016: OAuth 2.0 device flow error. Authorization is pending."
            )?;
        }
        w.write_all(&buf)?;
        ids.push(format!("dc:{}", fingerprint(&dc)));
        t += 7;
    }
    w.flush()?;
    Ok(ids)
}
