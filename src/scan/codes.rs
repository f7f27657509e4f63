//! Finds AADSTS codes in a line: `AADSTS` plus 5 to 7 digits, and the bare numbers that real
//! logs print where the context says they are Entra codes (`"error_codes":[70016]`,
//! `Error Code: 53003`, `expired_token ([70019])`, sign-in exports' `errorCode` / `ResultType`).

use crate::model::CodeForm;
use memchr::memmem;
use regex::bytes::Regex;
use std::sync::OnceLock;

struct Patterns {
    /// A list of bare codes after a key that names them Entra codes.
    list: Regex,
    /// A single bare code after such a key.
    single: Regex,
    digits: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| Patterns {
        list: super::ascii_regex(
            r#"(?i)(?:error[_ ]?codes\\*["']?\s*[:=]\s*|\b[a-z]+_[a-z_]+\s*\()\[\s*([0-9]{5,7}(?:\s*,\s*[0-9]{5,7})*)\s*\]"#,
        ),
        single: super::ascii_regex(
            r#"(?:(?i:error[ _]?code)|"errorCode"|"ResultType"|\bResultType)\\*["']?\s*[:=]?\s*\\*["']?\s*([0-9]{5,7})\b"#,
        ),
        digits: super::ascii_regex(r"[0-9]+"),
    })
}

/// Builds this module's patterns now (see [`super::prepare`]).
pub(super) fn prepare() {
    patterns();
}

/// Keys one of which every bare code form needs on its line.
pub const BARE_KEYS: [&str; 7] = [
    "rror_code",
    "rror code",
    "rror Code",
    "rrorCode",
    "rrorcode",
    "ResultType",
    "([",
];

/// Every code mention in `line`, in order of appearance.
pub fn find(line: &[u8], out: &mut Vec<(u32, CodeForm)>) {
    let bare_key = BARE_KEYS.iter().any(|k| memmem::find(line, k.as_bytes()).is_some());
    find_with(line, bare_key, out);
}

/// [`find`], told whether the line holds one of the [`BARE_KEYS`] (without one, the bare forms
/// are not looked for).
pub fn find_with(line: &[u8], bare_key: bool, out: &mut Vec<(u32, CodeForm)>) {
    static FINDER: OnceLock<memmem::Finder<'static>> = OnceLock::new();
    let finder = FINDER.get_or_init(|| memmem::Finder::new(b"AADSTS"));
    let mut from = 0;
    while let Some(i) = finder.find(&line[from..]) {
        let start = from + i + 6;
        let len = line[start..].iter().take_while(|b| b.is_ascii_digit()).count();
        if (5..=7).contains(&len) {
            out.push((parse(&line[start..start + len]), CodeForm::Prefixed));
        }
        from = start + len;
    }
    if !bare_key {
        return;
    }
    let p = patterns();
    for c in p.list.captures_iter(line) {
        for d in p.digits.find_iter(&c[1]) {
            out.push((parse(d.as_bytes()), CodeForm::Bare));
        }
    }
    for c in p.single.captures_iter(line) {
        out.push((parse(&c[1]), CodeForm::Bare));
    }
}

/// The value of a run of ASCII digits, saturating at `u32::MAX`.
pub(crate) fn parse(digits: &[u8]) -> u32 {
    digits
        .iter()
        .fold(0u32, |n, &d| n.saturating_mul(10).saturating_add(u32::from(d - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(line: &str) -> Vec<(u32, CodeForm)> {
        let mut out = Vec::new();
        find(line.as_bytes(), &mut out);
        out
    }

    fn prefixed(line: &str) -> Vec<u32> {
        codes(line)
            .into_iter()
            .filter(|c| c.1 == CodeForm::Prefixed)
            .map(|c| c.0)
            .collect()
    }

    fn bare(line: &str) -> Vec<u32> {
        codes(line)
            .into_iter()
            .filter(|c| c.1 == CodeForm::Bare)
            .map(|c| c.0)
            .collect()
    }

    #[test]
    fn prefixed_codes_need_five_to_seven_digits() {
        assert_eq!(prefixed("AADSTS50076: MFA"), vec![50076]);
        assert_eq!(prefixed("x AADSTS7000215: bad secret"), vec![7000215]);
        assert_eq!(prefixed("AADSTS1234 is not a code"), Vec::<u32>::new());
        assert_eq!(prefixed("AADSTS123456789 is not a code"), Vec::<u32>::new());
        assert_eq!(prefixed("AADSTS500761 is that code"), vec![500761]);
        assert_eq!(prefixed("end of file AADSTS90120"), vec![90120]);
        assert_eq!(
            prefixed(r#""error_description":"AADSTS70016: pending\r\nTrace ID: x""#),
            vec![70016]
        );
        assert_eq!(prefixed("AADSTS50076AADSTS50079"), vec![50076, 50079]);
    }

    #[test]
    fn bare_codes_only_in_entra_contexts() {
        assert_eq!(bare(r#""error_codes":[70016]"#), vec![70016]);
        assert_eq!(bare(r#""error_codes": [70002, 54005]"#), vec![70002, 54005]);
        assert_eq!(bare("error_codes: [ 7000215 ]"), vec![7000215]);
        assert_eq!(bare(r#"\"error_codes\":[90120]"#), vec![90120]);
        assert_eq!(bare("Error Code: 53003"), vec![53003]);
        assert_eq!(bare("expired_token ([70019])"), vec![70019]);
        assert_eq!(bare(r#""errorCode": 50076,"#), vec![50076]);
        assert_eq!(bare("port 50076 elapsed_ms: 70016 [12345]"), Vec::<u32>::new());
        assert_eq!(bare("Error Code: 500"), Vec::<u32>::new());
    }
}
