//! Entra sign-in log exports: the portal's CSV download (a header row naming the columns) and its
//! JSON download or Log Analytics `SigninLogs` records (one object per sign-in, keys such as
//! `createdDateTime`, `correlationId`, `status.errorCode`, `authenticationProtocol`).
//!
//! JSON records are read line by line like any log (see `line`); CSV rows need their header,
//! which [`CsvHeader`] keeps for the rows that follow it.

use super::time;
use crate::model::{CodeForm, Outcome, Signal, Timestamp};

/// A row with at least this many commas may be a sign-in export row.
pub const MIN_CSV_COMMAS: usize = 20;

/// The columns of a CSV sign-in export that aadlint reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CsvHeader {
    date: Option<usize>,
    request_id: Option<usize>,
    correlation_id: Option<usize>,
    protocol: Option<usize>,
    transfer: Option<usize>,
    error_code: Option<usize>,
}

impl CsvHeader {
    /// Reads a header row; `None` when the row is not a sign-in export header.
    pub fn parse(line: &[u8]) -> Option<CsvHeader> {
        let cols = split(line);
        let find = |name: &str| {
            cols.iter()
                .position(|c| c.trim_start_matches('\u{feff}').eq_ignore_ascii_case(name))
        };
        let header = CsvHeader {
            date: find("Date (UTC)").or_else(|| find("Date")),
            request_id: find("Request ID"),
            correlation_id: find("Correlation ID"),
            protocol: find("Authentication Protocol"),
            transfer: find("Original transfer method"),
            error_code: find("Sign-in error code").or_else(|| find("Error code")),
        };
        (header.correlation_id.is_some() && header.error_code.is_some()).then_some(header)
    }

    /// Reads a data row under this header; `codes` are the codes already found on the row's
    /// text (the failure reason may name one).
    pub fn read_row(&self, row: &str, codes: &[(u32, CodeForm)]) -> Row {
        let cols = split(row.as_bytes());
        let col = |i: Option<usize>| i.and_then(|i| cols.get(i)).map(String::as_str).unwrap_or("");
        let uuid = |i: Option<usize>| Some(col(i).to_ascii_lowercase()).filter(|id| id.len() == 36);
        let mut out = Row {
            timestamp: time::find(col(self.date).as_bytes()),
            correlation_id: uuid(self.correlation_id),
            trace_id: uuid(self.request_id),
            code: None,
            signals: Vec::new(),
        };
        let device = col(self.protocol).eq_ignore_ascii_case("Device code")
            || col(self.transfer).eq_ignore_ascii_case("Device code flow");
        let code = col(self.error_code);
        if (5..=7).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit()) {
            let n: u32 = code.parse().unwrap_or(0);
            out.code = Some(n).filter(|n| !codes.iter().any(|c| c.0 == *n));
        }
        if device {
            out.signals.push(Signal::Authorization {
                expires_in: None,
                interval: None,
            });
            let first = codes.first().map(|c| c.0).or(out.code);
            let outcome = match first {
                None if code == "0" => Some(Outcome::Success),
                None => None,
                Some(n) if crate::model::CONDITIONAL_ACCESS_CODES.contains(&n) => Some(Outcome::Blocked),
                Some(_) => Some(Outcome::OtherError),
            };
            out.signals.extend(outcome.map(Signal::Outcome));
        }
        out
    }
}

/// What a row of a CSV sign-in export says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Row {
    /// The sign-in's time.
    pub timestamp: Option<Timestamp>,
    /// Its correlation id (lowercase).
    pub correlation_id: Option<String>,
    /// Its request id (lowercase), a per-request trace id.
    pub trace_id: Option<String>,
    /// Its error code, unless the row's text named it already.
    pub code: Option<u32>,
    /// A device code sign-in's start and outcome.
    pub signals: Vec<Signal>,
}

/// Splits one CSV row into fields (double quotes, doubled quotes inside them).
fn split(line: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(line);
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut field)),
            '\r' | '\n' if !quoted => {}
            c => field.push(c),
        }
    }
    out.push(field);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_device_code_row() {
        let header = CsvHeader::parse(b"\xef\xbb\xbfDate (UTC),Request ID,User agent,Correlation ID,Authentication Protocol,Sign-in error code,Failure reason").unwrap();
        let row = header.read_row(
            "2026-10-12T13:22:41Z,3495d886-dedd-49b5-af08-4fffcd890e00,\"Mozilla/5.0 (X11, Linux)\",b7f6f44c-b5c4-4729-8a35-9f2bd8e2382f,Device code,53003,\"Blocked, by CA\"",
            &[],
        );
        assert_eq!(row.code, Some(53003));
        assert_eq!(
            row.correlation_id.as_deref(),
            Some("b7f6f44c-b5c4-4729-8a35-9f2bd8e2382f")
        );
        assert!(row.signals.contains(&Signal::Outcome(Outcome::Blocked)));
        assert!(row.timestamp.is_some());
    }

    #[test]
    fn other_csv_is_not_a_header() {
        assert!(CsvHeader::parse(b"a,b,c").is_none());
    }
}
