//! The types every pipeline stage shares: what the scanner finds, what the correlator links and
//! what the diagnosis concludes. Nothing in here holds a raw secret.

use serde::Serialize;
use std::fmt;

/// AADSTS codes that only a device code flow produces.
pub const DEVICE_FLOW_CODES: [u32; 8] = [70016, 70018, 70019, 70020, 90119, 90120, 50134, 50196];

/// Conditional Access codes the scan marks as [`Outcome::Blocked`] and always quotes. The diagnosis
/// does not rely on this short list: `conditional_access = true` in the catalog decides.
pub const CONDITIONAL_ACCESS_CODES: [u32; 6] = [53003, 530033, 50097, 50005, 53000, 53001];

/// Declares [`CauseId`]: one line per root cause, its variant and its kebab-case id.
macro_rules! cause_ids {
    ($($(#[doc = $doc:literal])* $variant:ident = $id:literal,)*) => {
        /// A root cause aadlint detects (`rules/causes/<id>.toml` explains it,
        /// `src/diagnose/causes/<id>.rs` detects it). Kebab-case in JSON and on the command line.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum CauseId {
            $($(#[doc = $doc])* $variant,)*
        }

        impl CauseId {
            /// Every cause id, in declaration order.
            pub const ALL: &'static [CauseId] = &[$(CauseId::$variant,)*];

            /// The kebab-case id (`polled-after-success`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(CauseId::$variant => $id,)*
                }
            }
        }
    };
}

cause_ids! {
    /// Pending until expiry or a client timeout: nobody entered the code.
    AbandonedFlow = "abandoned-flow",
    /// A Conditional Access policy rejected the sign-in.
    BlockedByConditionalAccess = "blocked-by-conditional-access",
    /// A device code flow in a CI job or service.
    DeviceCodeInAutomation = "device-code-in-automation",
    /// The flow expired or got AADSTS70019/70020 long before its `expires_in`.
    ExpiredEarly = "expired-early",
    /// `authorization_pending` logged at ERROR level.
    PendingLoggedAsError = "pending-logged-as-error",
    /// Polled again after `authorization_declined`.
    PolledAfterDecline = "polled-after-decline",
    /// Polled again after the device code expired.
    PolledAfterExpiry = "polled-after-expiry",
    /// Polled again after tokens were issued.
    PolledAfterSuccess = "polled-after-success",
    /// Polled faster than the interval, or stopped with AADSTS50196.
    PollingTooFast = "polling-too-fast",
    /// New device code flows again and again although earlier ones returned tokens.
    RepeatedDeviceCodePrompts = "repeated-device-code-prompts",
    /// Several workers polled one device code at the same time.
    SharedAcrossWorkers = "shared-across-workers",
    /// A device code from an earlier run, used or expired, polled again.
    StaleDeviceCode = "stale-device-code",
    /// The user declined the sign-in.
    UserDeclined = "user-declined",
}

impl CauseId {
    /// The cause with this kebab-case id (case-insensitive).
    pub fn parse(id: &str) -> Option<CauseId> {
        CauseId::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(id.trim()))
    }

    /// The ids joined by `sep`.
    pub fn join(ids: &[CauseId], sep: &str) -> String {
        ids.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(sep)
    }
}

/// Ordered by id, as listings show causes.
impl Ord for CauseId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for CauseId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// `cause == "polled-after-success"`, as tests and callers holding text write it.
impl PartialEq<&str> for CauseId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Display for CauseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl Serialize for CauseId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for CauseId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let id = String::deserialize(d)?;
        CauseId::parse(&id).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "no detector for cause id {id:?}: a rule file can explain only a cause aadlint detects ({})",
                CauseId::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
            ))
        })
    }
}

impl clap::ValueEnum for CauseId {
    fn value_variants<'a>() -> &'a [Self] {
        CauseId::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}

/// How serious a catalog code or a finding is. Ordered: `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A normal state or a hint.
    Info,
    /// Usually clears with a retry or a user action.
    Warning,
    /// Sign-in failed.
    Error,
}

impl Severity {
    /// The lowercase name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// Parses `error`, `warning` or `info`.
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Index of an input in [`ScanOutput::inputs`](crate::scan::ScanOutput::inputs).
pub type SourceId = u32;

/// One input as the user named it (a file, a file found in a directory, or `-`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct InputSummary {
    /// The path as given or as found by the directory walk (`-` for stdin).
    pub path: String,
    /// Bytes read (decompressed bytes for `.gz`).
    pub bytes: u64,
    /// Lines read.
    pub lines: u64,
    /// Why the input could not be read completely, if it could not.
    pub error: Option<String>,
    /// The log layout most of its first lines are in (`rules/layouts/`), if any.
    pub layout: Option<String>,
}

/// A point in time read from a log line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timestamp {
    /// The text as it appears in the log.
    pub text: String,
    /// Milliseconds since the Unix epoch (or since the start of an unknown year for formats
    /// without one), when the text could be understood.
    pub millis: Option<i64>,
}

/// How a code was written in the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeForm {
    /// `AADSTS50076`: what `grep AADSTS50076` counts.
    Prefixed,
    /// A bare number in a context that names it an Entra code (`"error_codes":[50076]`).
    Bare,
}

/// One mention of an AADSTS code.
#[derive(Clone, Debug)]
pub struct CodeMention {
    /// The numeric code (`50076` for `AADSTS50076`).
    pub code: u32,
    /// How it was written.
    pub form: CodeForm,
    /// Where.
    pub source: SourceId,
    /// 1-based line number.
    pub line: u64,
    /// The per-request trace id of the same record, if any.
    pub trace_id: Option<String>,
    /// The correlation id of the same record, if any.
    pub correlation_id: Option<String>,
    /// The timestamp of the same record, if any.
    pub timestamp: Option<String>,
    /// Which record (group of lines) the mention belongs to, for de-duplication.
    pub record: u64,
}

/// The kind of a flow identifier. Its order is the order of preference for naming a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IdKind {
    /// A device_code, kept as its fingerprint.
    DeviceCode,
    /// A user_code, kept as its fingerprint.
    UserCode,
    /// A correlation id / client-request-id (not a secret).
    Correlation,
}

/// An identifier that ties events to one device code flow. Secrets are fingerprints already.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FlowKey {
    /// What kind of identifier.
    pub kind: IdKind,
    /// The fingerprint (12 hex digits) or the correlation id, lowercase.
    pub value: String,
}

impl fmt::Display for FlowKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = match self.kind {
            IdKind::DeviceCode => "dc",
            IdKind::UserCode => "uc",
            IdKind::Correlation => "corr",
        };
        write!(f, "{prefix}:{}", self.value)
    }
}

/// Who wrote a line: the input plus whatever host, process and thread the line names.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Worker {
    /// The input the line came from.
    pub source: SourceId,
    /// Host, machine or pod name.
    pub host: Option<String>,
    /// Process id.
    pub pid: Option<String>,
    /// Thread name or id.
    pub thread: Option<String>,
    /// Program, service or process name.
    pub app: Option<String>,
}

/// What a device-code-flow response said.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// `authorization_pending` / AADSTS70016: keep polling.
    Pending,
    /// `slow_down`: keep polling, 5 s slower.
    SlowDown,
    /// Tokens were issued.
    Success,
    /// `authorization_declined`: the user said no.
    Declined,
    /// `expired_token`, AADSTS70019 / 70020, `code_expired`: the device code is dead.
    Expired,
    /// The client gave up on its own clock (`Timed out waiting for user to authenticate`).
    ClientTimeout,
    /// AADSTS90120 / "already redeemed": the code was used before.
    Redeemed,
    /// A Conditional Access code (53003, 530033, 50097, ...).
    Blocked,
    /// Any other error.
    OtherError,
}

impl Outcome {
    /// Whether a client must stop polling after this response.
    pub fn is_terminal(self) -> bool {
        !matches!(self, Outcome::Pending | Outcome::SlowDown)
    }

    /// Which outcome wins when one record says several (lower wins): the most specific.
    pub fn specificity(self) -> u8 {
        match self {
            Outcome::ClientTimeout => 0,
            Outcome::Redeemed => 1,
            Outcome::Blocked => 2,
            Outcome::Declined => 3,
            Outcome::Expired => 4,
            Outcome::SlowDown => 5,
            Outcome::Pending => 6,
            Outcome::Success => 7,
            Outcome::OtherError => 8,
        }
    }
}

/// What one event says about a device code flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Signal {
    /// A device authorization: the `/devicecode` request or response, or the sign-in prompt.
    Authorization {
        /// `expires_in` when the response shows it.
        expires_in: Option<u32>,
        /// `interval` when the response shows it.
        interval: Option<u32>,
    },
    /// A request to a token endpoint.
    Poll {
        /// The HTTP status, when the same line shows it.
        status: Option<u16>,
        /// True when the line shows a device code grant (not just a token POST).
        device_grant: bool,
    },
    /// A token request of another grant (client credentials, refresh token, authorization code,
    /// password, an assertion): never a device code poll, and the response its worker logs next
    /// answers it, not a device code flow.
    OtherGrant,
    /// A response, error text or client message that tells the flow's state.
    Outcome(Outcome),
    /// A client starting an acquire call with a correlation id (MSAL's
    /// `Generate or reuse correlation_id`): later lines of the worker belong to that id.
    Context,
    /// A client warning that it polled too soon (MSAL Python's `Attempted too soon`).
    TooSoon,
    /// The client could not open a browser on this machine (`gio: <authorize URL>: Operation not
    /// supported`, MSAL's `Found no browser in current environment`): the user signs in in a
    /// browser elsewhere, which, as in a device code flow, presents no device to Conditional
    /// Access. Alone it starts no flow; a Conditional Access block its worker logs next makes one.
    NoBrowser,
}

/// A line as a report quotes it: redacted and shortened, now or once a report needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Excerpt {
    /// The excerpt, made while the line was scanned (streams: stdin, gzip).
    Text(String),
    /// Where the line is in its (regular) file: `len` bytes at byte `offset`. Only the few lines
    /// a report quotes are read again and redacted.
    At {
        /// Byte offset of the line (or of the window of a long line).
        offset: u64,
        /// Its length in bytes.
        len: u32,
        /// A hash of its bytes as scanned ([`line_hash`](crate::scan::secrets::line_hash)): bytes
        /// read again that differ (the file was rewritten) are never shown.
        hash: u64,
        /// For a window of a long line: where the window stands in those bytes, which are the
        /// window and the context around it that redaction needs
        /// ([`redact_part`](crate::scan::secrets::redact_part)).
        part: Option<(u32, u32)>,
    },
}

/// One device-code-flow event: a line (or record) that says something about a flow.
#[derive(Clone, Debug)]
pub struct Event {
    /// Where.
    pub source: SourceId,
    /// 1-based line number.
    pub line: u64,
    /// When, if the record says.
    pub timestamp: Option<Timestamp>,
    /// Who wrote it.
    pub worker: Worker,
    /// The identifiers on the record.
    pub keys: Vec<FlowKey>,
    /// What it says.
    pub signals: Vec<Signal>,
    /// AADSTS codes on the record.
    pub codes: Vec<u32>,
    /// The record was logged at ERROR level (or worse).
    pub error_level: bool,
    /// The line as a report quotes it.
    pub excerpt: Excerpt,
    /// The input looks like a CI job or an unattended service.
    pub unattended: bool,
    /// The client library, when the line names it.
    pub client: Option<&'static str>,
    /// The tenant and application the record names.
    pub tenancy: Option<Box<Tenancy>>,
}

/// The directory (tenant) and application (client id) a record names: what a dashboard groups
/// flows by. Neither is a secret.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tenancy {
    /// The tenant of an authority URL (`contoso.onmicrosoft.com`, a tenant id, `common`).
    pub tenant: Option<String>,
    /// The application (client) id.
    pub client_id: Option<String>,
}

/// How a flow ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlowEnd {
    /// Tokens were issued.
    Tokens,
    /// The user declined.
    Declined,
    /// The device code expired on the server.
    Expired,
    /// Pending until the client gave up: nobody entered the code.
    Abandoned,
    /// Blocked by Conditional Access.
    Blocked,
    /// Another error ended it.
    Error,
    /// Still pending when the log ends.
    Pending,
    /// The log shows the flow start but none of its polls.
    Unknown,
}

impl FlowEnd {
    /// The kebab-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            FlowEnd::Tokens => "tokens",
            FlowEnd::Declined => "declined",
            FlowEnd::Expired => "expired",
            FlowEnd::Abandoned => "abandoned",
            FlowEnd::Blocked => "blocked",
            FlowEnd::Error => "error",
            FlowEnd::Pending => "pending",
            FlowEnd::Unknown => "unknown",
        }
    }
}
