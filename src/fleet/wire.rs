//! The lines of an events file, as serde reads and writes them, and their conversion from and to
//! the scan's own types. `schema/events.schema.json` describes the same shapes.

use crate::model::{CodeForm, CodeMention};
use crate::model::{Event, Excerpt, FlowKey, IdKind, InputSummary, Outcome, Signal, Tenancy, Timestamp, Worker};
use crate::scan::tally::CodeTally;
use serde::{Deserialize, Serialize};

/// One line of an events file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Line {
    /// The first line: what the file is and which inputs it covers.
    Header(Header),
    /// One device-code-flow event, as correlate reads it.
    Event(EventLine),
    /// The counts of one AADSTS code over the file's inputs.
    Code(CodeLine),
    /// The last line: how many lines came before it, so that a cut file is told from a whole one.
    End(End),
}

/// The header line.
#[derive(Debug, Serialize, Deserialize)]
pub struct Header {
    /// Always [`FORMAT`](super::FORMAT).
    pub format: String,
    /// The version of this file's shape ([`SCHEMA_VERSION`](super::SCHEMA_VERSION)).
    pub schema_version: u32,
    /// The tool that wrote it.
    pub tool: ToolLine,
    /// The inputs scanned, in order.
    pub inputs: Vec<InputLine>,
}

/// Name and version of the tool that wrote a file.
#[derive(Debug, Serialize, Deserialize)]
pub struct ToolLine {
    /// `aadlint`.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// One input of the header.
#[derive(Debug, Serialize, Deserialize)]
pub struct InputLine {
    /// The path as the scan named it.
    pub path: String,
    /// Bytes read.
    pub bytes: u64,
    /// Lines read.
    pub lines: u64,
    /// The layout detected, if any.
    pub layout: Option<String>,
    /// Why the input could not be read completely, if it could not.
    pub error: Option<String>,
}

/// An event line.
#[derive(Debug, Serialize, Deserialize)]
pub struct EventLine {
    /// The input, by its index in the header's `inputs`.
    pub input: u32,
    /// 1-based line number.
    pub line: u64,
    /// The timestamp of the record, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<TimeLine>,
    /// Who wrote it (beyond the input).
    pub worker: WorkerLine,
    /// Identifiers: `dc:` and `uc:` fingerprints, `corr:` correlation ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
    /// What the event says about its flow.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signals: Vec<SignalLine>,
    /// AADSTS codes on the record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<u32>,
    /// Logged at ERROR level or worse.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub error_level: bool,
    /// The input looks like a CI job or a service.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unattended: bool,
    /// The client library the line names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// The tenant and application (client) id the record names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenancy: Option<TenancyLine>,
    /// The line as a report quotes it: redacted and shortened.
    pub excerpt: String,
}

/// The tenant and application of a record.
#[derive(Debug, Serialize, Deserialize)]
pub struct TenancyLine {
    /// The tenant of an authority URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// The application (client) id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

/// A timestamp: its text, and the instant the scan read in it.
#[derive(Debug, Serialize, Deserialize)]
pub struct TimeLine {
    /// As written in the log.
    pub text: String,
    /// Milliseconds since the epoch (or since the start of a year the log does not name).
    pub millis: Option<i64>,
}

/// The worker of an event, without its input.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct WorkerLine {
    /// Host, machine or pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Process id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<String>,
    /// Thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<String>,
    /// Program or service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
}

/// A signal: `{"authorization":{..}}`, `{"poll":{..}}`, `"other-grant"`, `{"outcome":"pending"}`,
/// `"context"`, `"too-soon"` or `"no-browser"`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignalLine {
    /// A device authorization.
    Authorization {
        /// `expires_in`, when shown.
        expires_in: Option<u32>,
        /// `interval`, when shown.
        interval: Option<u32>,
    },
    /// A token request.
    Poll {
        /// The HTTP status, when shown.
        status: Option<u16>,
        /// A device code grant was shown.
        device_grant: bool,
    },
    /// A token request of another grant (never a device code poll).
    OtherGrant,
    /// A response or message that tells the flow's state.
    Outcome(OutcomeLine),
    /// A client starting an acquire call.
    Context,
    /// A client warning that it polled too soon.
    TooSoon,
    /// A client that could not open a browser here.
    NoBrowser,
}

/// [`Outcome`] by name.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutcomeLine {
    /// [`Outcome::Pending`].
    Pending,
    /// [`Outcome::SlowDown`].
    SlowDown,
    /// [`Outcome::Success`].
    Success,
    /// [`Outcome::Declined`].
    Declined,
    /// [`Outcome::Expired`].
    Expired,
    /// [`Outcome::ClientTimeout`].
    ClientTimeout,
    /// [`Outcome::Redeemed`].
    Redeemed,
    /// [`Outcome::Blocked`].
    Blocked,
    /// [`Outcome::OtherError`].
    OtherError,
}

/// Both directions of the outcome mapping, in one table.
const OUTCOMES: [(Outcome, OutcomeLine); 9] = [
    (Outcome::Pending, OutcomeLine::Pending),
    (Outcome::SlowDown, OutcomeLine::SlowDown),
    (Outcome::Success, OutcomeLine::Success),
    (Outcome::Declined, OutcomeLine::Declined),
    (Outcome::Expired, OutcomeLine::Expired),
    (Outcome::ClientTimeout, OutcomeLine::ClientTimeout),
    (Outcome::Redeemed, OutcomeLine::Redeemed),
    (Outcome::Blocked, OutcomeLine::Blocked),
    (Outcome::OtherError, OutcomeLine::OtherError),
];

/// The counts of one code.
#[derive(Debug, Serialize, Deserialize)]
pub struct CodeLine {
    /// The numeric code.
    pub code: u32,
    /// `AADSTS<code>` mentions.
    pub prefixed: u64,
    /// Bare mentions in an Entra context.
    pub bare: u64,
    /// Distinct failures.
    pub failures: u64,
    /// The failure count did not remember every trace id.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub failures_approximate: bool,
    /// Distinct lines.
    pub lines: u64,
    /// Failures per minute: `[minute since the epoch, count]`.
    pub per_minute: Vec<(i64, u64)>,
    /// Failures without a readable time.
    pub untimed: u64,
    /// The failures told apart by trace id: `[hash of the trace id (16 hex digits), minute or
    /// null]`, sorted. A trace id seen in an earlier file is one failure, counted there.
    pub failure_keys: Vec<(String, Option<i64>)>,
    /// The first mentions on distinct lines.
    pub locations: Vec<LocationLine>,
}

/// Where a code was mentioned.
#[derive(Debug, Serialize, Deserialize)]
pub struct LocationLine {
    /// The input, by its index in the header's `inputs`.
    pub input: u32,
    /// 1-based line number.
    pub line: u64,
    /// The trace id of the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// The correlation id of the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// The timestamp of the record, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
}

/// The end line.
#[derive(Debug, Serialize, Deserialize)]
pub struct End {
    /// Event lines written.
    pub events: u64,
    /// Code lines written.
    pub codes: u64,
    /// The event cap the scan ran with.
    pub max_events: usize,
    /// Events the scan did not keep because of it.
    pub events_dropped: u64,
}

impl InputLine {
    /// The header entry of `input`.
    pub fn of(input: &InputSummary) -> InputLine {
        InputLine {
            path: input.path.clone(),
            bytes: input.bytes,
            lines: input.lines,
            layout: input.layout.clone(),
            error: input.error.clone(),
        }
    }

    /// Back to the scan's summary.
    pub fn into_summary(self) -> InputSummary {
        InputSummary {
            path: self.path,
            bytes: self.bytes,
            lines: self.lines,
            error: self.error,
            layout: self.layout,
        }
    }
}

impl EventLine {
    /// The line of `event`, whose excerpt the report would show is `excerpt`.
    pub fn of(event: &Event, excerpt: String) -> EventLine {
        let w = &event.worker;
        EventLine {
            input: event.source,
            line: event.line,
            time: event.timestamp.as_ref().map(|t| TimeLine {
                text: t.text.clone(),
                millis: t.millis,
            }),
            worker: WorkerLine {
                host: w.host.clone(),
                pid: w.pid.clone(),
                thread: w.thread.clone(),
                app: w.app.clone(),
            },
            keys: event.keys.iter().map(ToString::to_string).collect(),
            signals: event.signals.iter().map(SignalLine::of).collect(),
            codes: event.codes.clone(),
            error_level: event.error_level,
            unattended: event.unattended,
            client: event.client.map(str::to_string),
            tenancy: event.tenancy.as_deref().map(|t| TenancyLine {
                tenant: t.tenant.clone(),
                client_id: t.client_id.clone(),
            }),
            excerpt,
        }
    }

    /// The event this line describes, its input numbered `source`. Fails on an identifier that
    /// is not `dc:`, `uc:` or `corr:`.
    pub fn into_event(self, source: u32) -> Result<Event, String> {
        let keys = self
            .keys
            .iter()
            .map(|k| parse_key(k).ok_or_else(|| format!("{k:?} is not a flow identifier")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Event {
            source,
            line: self.line,
            timestamp: self.time.map(|t| Timestamp {
                text: t.text,
                millis: t.millis,
            }),
            worker: Worker {
                source,
                host: self.worker.host,
                pid: self.worker.pid,
                thread: self.worker.thread,
                app: self.worker.app,
            },
            keys,
            signals: self.signals.into_iter().map(SignalLine::into_signal).collect(),
            codes: self.codes,
            error_level: self.error_level,
            excerpt: Excerpt::Text(self.excerpt),
            unattended: self.unattended,
            client: self.client.as_deref().and_then(client_name),
            tenancy: self.tenancy.map(|t| {
                Box::new(Tenancy {
                    tenant: t.tenant,
                    client_id: t.client_id,
                })
            }),
        })
    }
}

/// `dc:…`, `uc:…` or `corr:…` as a key.
fn parse_key(text: &str) -> Option<FlowKey> {
    let (prefix, value) = text.split_once(':')?;
    let kind = match prefix {
        "dc" => IdKind::DeviceCode,
        "uc" => IdKind::UserCode,
        "corr" => IdKind::Correlation,
        _ => return None,
    };
    Some(FlowKey {
        kind,
        value: value.to_string(),
    })
}

/// The client name as the scan holds it: a name of the scan's markers or of the built-in
/// clients (the scan names no other).
fn client_name(name: &str) -> Option<&'static str> {
    crate::scan::clients::CLIENTS
        .iter()
        .map(|&(_, n)| n)
        .find(|&n| n == name)
        .or_else(|| {
            crate::rules::Catalog::builtin()
                .clients
                .values()
                .find(|c| c.name == name)
                .map(|c| c.name.as_str())
        })
}

impl SignalLine {
    fn of(signal: &Signal) -> SignalLine {
        match *signal {
            Signal::Authorization { expires_in, interval } => SignalLine::Authorization { expires_in, interval },
            Signal::Poll { status, device_grant } => SignalLine::Poll { status, device_grant },
            Signal::Outcome(o) => SignalLine::Outcome(
                OUTCOMES
                    .iter()
                    .find(|(x, _)| *x == o)
                    .map(|&(_, l)| l)
                    .expect("every outcome is in the table"),
            ),
            Signal::OtherGrant => SignalLine::OtherGrant,
            Signal::Context => SignalLine::Context,
            Signal::TooSoon => SignalLine::TooSoon,
            Signal::NoBrowser => SignalLine::NoBrowser,
        }
    }

    fn into_signal(self) -> Signal {
        match self {
            SignalLine::Authorization { expires_in, interval } => Signal::Authorization { expires_in, interval },
            SignalLine::Poll { status, device_grant } => Signal::Poll { status, device_grant },
            SignalLine::Outcome(l) => Signal::Outcome(
                OUTCOMES
                    .iter()
                    .find(|(_, x)| std::mem::discriminant(x) == std::mem::discriminant(&l))
                    .map(|&(o, _)| o)
                    .expect("every outcome is in the table"),
            ),
            SignalLine::OtherGrant => Signal::OtherGrant,
            SignalLine::Context => Signal::Context,
            SignalLine::TooSoon => Signal::TooSoon,
            SignalLine::NoBrowser => Signal::NoBrowser,
        }
    }
}

impl CodeLine {
    /// The line of `code`'s tally.
    pub fn of(code: u32, t: &CodeTally) -> CodeLine {
        let mut failure_keys: Vec<(u64, Option<i64>)> = t.failure_keys().collect();
        failure_keys.sort_unstable();
        CodeLine {
            code,
            prefixed: t.prefixed,
            bare: t.bare,
            failures: t.failures,
            failures_approximate: t.failures_approximate,
            lines: t.lines,
            per_minute: t.per_minute.iter().map(|(&m, &n)| (m, n)).collect(),
            untimed: t.untimed,
            failure_keys: failure_keys
                .into_iter()
                .map(|(k, m)| (format!("{k:016x}"), m))
                .collect(),
            locations: t
                .locations
                .iter()
                .map(|m| LocationLine {
                    input: m.source,
                    line: m.line,
                    trace_id: m.trace_id.clone(),
                    correlation_id: m.correlation_id.clone(),
                    timestamp: m.timestamp.clone(),
                })
                .collect(),
        }
    }

    /// The tally this line describes, its inputs numbered from `base`. Fails on a key that is not
    /// 16 hex digits.
    pub fn into_tally(self, base: u32) -> Result<CodeTally, String> {
        let keys = self
            .failure_keys
            .iter()
            .map(|(k, m)| match u64::from_str_radix(k, 16) {
                Ok(k) => Ok((k, *m)),
                Err(_) => Err(format!("{k:?} is not a failure key")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut t = CodeTally::default();
        t.prefixed = self.prefixed;
        t.bare = self.bare;
        t.failures = self.failures;
        t.lines = self.lines;
        t.failures_approximate = self.failures_approximate;
        t.per_minute = self.per_minute.into_iter().collect();
        t.untimed = self.untimed;
        t.locations = self
            .locations
            .into_iter()
            .map(|l| CodeMention {
                code: self.code,
                form: CodeForm::Prefixed,
                source: base + l.input,
                line: l.line,
                trace_id: l.trace_id,
                correlation_id: l.correlation_id,
                timestamp: l.timestamp,
                record: 0,
            })
            .collect();
        t.set_failure_keys(keys);
        Ok(t)
    }
}
