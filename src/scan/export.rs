//! Entra sign-in log exports: the portal's CSV download (a header row naming the columns) and its
//! JSON download or Log Analytics `SigninLogs` records (one object per sign-in, keys such as
//! `createdDateTime`, `correlationId`, `status.errorCode`, `authenticationProtocol`).
//!
//! JSON records are read line by line like any log (see `line`); CSV rows need their header,
//! which [`CsvHeader`] keeps for the rows that follow it.

use crate::model::{CodeForm, Outcome, Signal};

use super::line::LineHit;
use super::time;

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

    /// Fills `hit` from a data row under this header.
    pub fn read_row(&self, row: &str, hit: &mut LineHit) {
        let cols = split(row.as_bytes());
        let col = |i: Option<usize>| i.and_then(|i| cols.get(i)).map(String::as_str).unwrap_or("");
        if let Some(ts) = time::find(col(self.date).as_bytes()) {
            hit.timestamp = Some(ts);
            hit.head = true;
        }
        let corr = col(self.correlation_id).to_ascii_lowercase();
        if corr.len() == 36 {
            hit.correlation_id = Some(corr);
        }
        let request = col(self.request_id).to_ascii_lowercase();
        if request.len() == 36 {
            hit.trace_id = Some(request);
        }
        let device = col(self.protocol).eq_ignore_ascii_case("Device code")
            || col(self.transfer).eq_ignore_ascii_case("Device code flow");
        let code = col(self.error_code);
        if (5..=7).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit()) {
            let n: u32 = code.parse().unwrap_or(0);
            if !hit.codes.iter().any(|c| c.0 == n) {
                hit.codes.push((n, CodeForm::Bare));
            }
        }
        if device {
            hit.signals.push(Signal::Authorization {
                expires_in: None,
                interval: None,
            });
            let outcome = match hit.codes.first() {
                None if code == "0" => Some(Outcome::Success),
                None => None,
                Some((n, _)) if crate::model::CONDITIONAL_ACCESS_CODES.contains(n) => Some(Outcome::Blocked),
                Some(_) => Some(Outcome::OtherError),
            };
            hit.signals.extend(outcome.map(Signal::Outcome));
        }
    }
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
        let mut hit = LineHit::default();
        header.read_row(
            "2026-10-12T13:22:41Z,3495d886-dedd-49b5-af08-4fffcd890e00,\"Mozilla/5.0 (X11, Linux)\",b7f6f44c-b5c4-4729-8a35-9f2bd8e2382f,Device code,53003,\"Blocked, by CA\"",
            &mut hit,
        );
        assert_eq!(hit.codes, vec![(53003, CodeForm::Bare)]);
        assert_eq!(
            hit.correlation_id.as_deref(),
            Some("b7f6f44c-b5c4-4729-8a35-9f2bd8e2382f")
        );
        assert!(hit.signals.contains(&Signal::Outcome(Outcome::Blocked)));
        assert!(hit.head);
    }

    #[test]
    fn other_csv_is_not_a_header() {
        assert!(CsvHeader::parse(b"a,b,c").is_none());
    }
}
