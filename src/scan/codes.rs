//! Finds AADSTS codes in a line: `AADSTS` plus 5 to 7 digits, and the bare numbers that real
//! logs print where the context says they are Entra codes (`"error_codes":[70016]`,
//! `Error Code: 53003`, `expired_token ([70019])`, sign-in exports' `errorCode` / `ResultType`,
//! the `x-ms-clitelem: 1,53003,0,,` response header).

use super::bytes::{is_blank, is_quote, is_word, parse_digits, skip, skip_back, skip_one};
use crate::model::CodeForm;
use memchr::memmem;
use std::sync::OnceLock;

/// Keys one of which every bare code form needs on its line.
pub const BARE_KEYS: [&str; 8] = [
    "rror_code",
    "rror code",
    "rror Code",
    "rrorCode",
    "rrorcode",
    "ResultType",
    "([",
    "clitelem",
];

/// Every code mention in `line`, in order of appearance.
pub fn find(line: &[u8], out: &mut Vec<(u32, CodeForm)>) {
    let bare_key = BARE_KEYS.iter().any(|k| memmem::find(line, k.as_bytes()).is_some());
    let lower = bare_key.then(|| line.to_ascii_lowercase());
    find_with(line, lower.as_deref(), out);
}

/// [`find`], given the line in lowercase when it holds one of the [`BARE_KEYS`] (without one,
/// the bare forms are not looked for).
pub fn find_with(line: &[u8], bare_key: Option<&[u8]>, out: &mut Vec<(u32, CodeForm)>) {
    static FINDERS: OnceLock<[memmem::Finder<'static>; 3]> = OnceLock::new();
    let [finder, error, result_type] =
        FINDERS.get_or_init(|| ["AADSTS", "error", "ResultType"].map(memmem::Finder::new));
    let mut from = 0;
    while let Some(i) = finder.find(&line[from..]) {
        let start = from + i + 6;
        let len = line[start..].iter().take_while(|b| b.is_ascii_digit()).count();
        if (5..=7).contains(&len) {
            out.push((parse_digits(&line[start..start + len]), CodeForm::Prefixed));
        }
        from = start + len;
    }
    let Some(lower) = bare_key else {
        return;
    };
    // Lists first (`"error_codes":[70016]`, `expired_token ([70019])`), then single codes.
    for open in memchr::memchr_iter(b'[', line) {
        if list_key_before(line, open) {
            if let Some(list) = code_list(line, open) {
                out.extend(list.into_iter().map(|d| (parse_digits(d), CodeForm::Bare)));
            }
        }
    }
    // Entra's telemetry header `x-ms-clitelem: 1,<code>,<suberror>,,` (the only place some HTTP
    // loggers show the code of an answer whose body they leave out).
    out.extend(telemetry(line, lower).map(|c| (c, CodeForm::Bare)));
    // Where `error` (any case) and `ResultType` start, in order. A key cannot start inside the
    // match before it (separators and digits hold no letters).
    let errors = error.find_iter(lower).map(|at| (at, false));
    let result_types = result_type.find_iter(line).map(|at| (at, true));
    let mut words: Vec<(usize, bool)> = errors.chain(result_types).collect();
    words.sort_unstable();
    for (at, resulttype) in words {
        let word_end = at + if resulttype { "ResultType".len() } else { "error".len() };
        // `"errorCode"` and `"ResultType"` are keys with their quotes; `error code` in any case
        // and `ResultType` at the start of a word are keys without.
        let quoted = at > 0 && line[at - 1] == b'"';
        let keys = [
            (quoted && line[at..].starts_with(b"errorCode\"")).then_some(at + "errorCode\"".len()),
            (quoted && resulttype && line.get(word_end) == Some(&b'"')).then_some(word_end + 1),
            if resulttype {
                (at == 0 || !is_word(line[at - 1])).then_some(word_end)
            } else {
                error_code_end(line, word_end)
            },
        ];
        if let Some(code) = keys.into_iter().flatten().find_map(|k| single_code(line, k)) {
            out.push((parse_digits(code), CodeForm::Bare));
        }
    }
}

/// The codes of the `x-ms-clitelem` headers in `line` (`lower`: the line in lowercase).
pub fn telemetry<'a>(line: &'a [u8], lower: &'a [u8]) -> impl Iterator<Item = u32> + 'a {
    super::bytes::finder!("x-ms-clitelem")
        .find_iter(lower)
        .filter_map(|at| clitelem_code(line, at + "x-ms-clitelem".len()))
        .map(parse_digits)
}

/// The code in an `x-ms-clitelem` value after its key (ending at `at`): the field after the
/// version `1,`, 5 to 7 digits (`0` on a success is no code).
fn clitelem_code(line: &[u8], at: usize) -> Option<&[u8]> {
    let at = super::values::value_start(line, at, true)?;
    let rest = line.get(at..)?.strip_prefix(b"1,")?;
    let len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    ((5..=7).contains(&len) && rest.get(len) == Some(&b',')).then(|| &rest[..len])
}

/// After `error` (ending at `at`): the end of `[ _]?code` (any case).
fn error_code_end(line: &[u8], at: usize) -> Option<usize> {
    let at = skip_one(line, at, |b| b == b' ' || b == b'_');
    line.get(at..at + 4).filter(|w| w.eq_ignore_ascii_case(b"code"))?;
    Some(at + 4)
}

/// The code after a single-code key ending at `at`: the separator
/// (`\\*["']?\s*[:=]?\s*\\*["']?\s*`), then 5 to 7 digits that end a word.
fn single_code(line: &[u8], at: usize) -> Option<&[u8]> {
    let at = super::values::value_start(line, at, false)?;
    let end = skip(line, at, |b| b.is_ascii_digit());
    let ends_word = line.get(end).is_none_or(|&b| !is_word(b));
    ((5..=7).contains(&(end - at)) && ends_word).then(|| &line[at..end])
}

/// Whether a key that names a list of codes stands just before the `[` at `open`:
/// `error_codes` (`error codes`, `errorcodes`, any case) then `\\*["']?\s*[:=]\s*`, or a word
/// like `expired_token` then `\s*(`.
fn list_key_before(line: &[u8], open: usize) -> bool {
    if open > 0 && line[open - 1] == b'(' {
        let end = skip_back(line, open - 1, is_blank);
        let word = &line[skip_back(line, end, is_word)..end];
        let letters_then_underscore = word.first().is_some_and(u8::is_ascii_alphabetic)
            && word.iter().position(|&b| b == b'_').is_some_and(|i| i + 1 < word.len());
        if letters_then_underscore && !word.iter().any(u8::is_ascii_digit) {
            return true;
        }
    }
    let mut at = skip_back(line, open, is_blank);
    if at == 0 || !matches!(line[at - 1], b':' | b'=') {
        return false;
    }
    at = skip_back(line, at - 1, is_blank);
    if at > 0 && is_quote(line[at - 1]) {
        at -= 1;
    }
    at = skip_back(line, at, |b| b == b'\\');
    let Some(codes) = at.checked_sub("codes".len()) else {
        return false;
    };
    if !line[codes..at].eq_ignore_ascii_case(b"codes") {
        return false;
    }
    let error_at = |end: usize| end >= 5 && line[end - 5..end].eq_ignore_ascii_case(b"error");
    error_at(codes) || (codes > 0 && matches!(line[codes - 1], b' ' | b'_') && error_at(codes - 1))
}

/// The codes of the list that opens with the `[` at `open`: 5 to 7 digits each, separated by
/// commas, with blanks anywhere between them.
fn code_list(line: &[u8], open: usize) -> Option<Vec<&[u8]>> {
    let mut codes = Vec::new();
    let mut at = skip(line, open + 1, is_blank);
    loop {
        let end = skip(line, at, |b| b.is_ascii_digit());
        if !(5..=7).contains(&(end - at)) {
            return None;
        }
        codes.push(&line[at..end]);
        at = skip(line, end, is_blank);
        match line.get(at) {
            Some(b',') => at = skip(line, at + 1, is_blank),
            Some(b']') => return Some(codes),
            _ => return None,
        }
    }
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
        assert_eq!(bare(r#"  "x-ms-clitelem": "1,53003,0,,","#), vec![53003]);
        assert_eq!(bare("< x-ms-clitelem: 1,70016,0,,"), vec![70016]);
        assert_eq!(bare("'x-ms-clitelem': '1,0,0,,'"), Vec::<u32>::new());
        assert_eq!(bare("x-ms-clitelem 2,53003,0"), Vec::<u32>::new());
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

    /// The bare forms as the regexes they were first written as; the hand parser must find the
    /// same codes in the same order.
    fn bare_by_regex() -> impl Fn(&[u8]) -> Vec<u32> {
        let list = crate::scan::bytes::ascii_regex(
            r#"(?i)(?:error[_ ]?codes\\*["']?\s*[:=]\s*|\b[a-z]+_[a-z_]+\s*\()\[\s*([0-9]{5,7}(?:\s*,\s*[0-9]{5,7})*)\s*\]"#,
        );
        let single = crate::scan::bytes::ascii_regex(
            r#"(?:(?i:error[ _]?code)|"errorCode"|"ResultType"|\bResultType)\\*["']?\s*[:=]?\s*\\*["']?\s*([0-9]{5,7})\b"#,
        );
        let digits = crate::scan::bytes::ascii_regex("[0-9]+");
        move |line| {
            let mut out = Vec::new();
            for c in list.captures_iter(line) {
                out.extend(digits.find_iter(&c[1]).map(|d| parse_digits(d.as_bytes())));
            }
            out.extend(single.captures_iter(line).map(|c| parse_digits(&c[1])));
            out
        }
    }

    #[test]
    fn bare_codes_are_read_as_their_regexes_read_them() {
        const KEYS: [&str; 18] = [
            "error",
            "Error",
            "ERROR",
            "eRRor",
            "\"errorCode\"",
            "errorCode",
            "\"ResultType\"",
            "ResultType",
            "resultType",
            "xResultType",
            "expired_token",
            "a_",
            "b1_c",
            "_x",
            "x_y_",
            "A_b",
            "s",
            "",
        ];
        const JOINS: [&str; 6] = ["", "", "_", " ", "-", "__"];
        const WORDS: [&str; 7] = ["code", "codes", "Code", "CODES", "cod", "", "x"];
        const SEPS: [&str; 12] = ["\\", "\"", "'", " ", "\t", "\x0b", ":", "=", "(", "(", ": ", "\":"];
        const COMMAS: [&str; 5] = [",", " , ", " ", "", ",,"];
        const ENDS: [&str; 8] = ["", "x", " ", "_", ",", "\"", "é", "]"];
        let by_regex = bare_by_regex();
        let mut next = crate::scan::bytes::xorshift(0x5851_f42d_4c95_7f2d);
        let mut pick = |parts: &[&'static str]| parts[(next() % parts.len() as u64) as usize];
        let mut found_some = 0;
        for _ in 0..60_000 {
            let mut line = String::new();
            for _ in 0..1 + pick(&["1", "2", "3"]).parse::<u32>().unwrap() {
                line += pick(&KEYS);
                if pick(&["key", "word"]) == "word" {
                    line += pick(&JOINS);
                    line += pick(&WORDS);
                }
                for _ in 0..pick(&["0", "1", "2", "3", "5"]).parse::<u32>().unwrap() {
                    line += pick(&SEPS);
                }
                let list = pick(&["list", "single"]) == "list";
                if list {
                    line += pick(&["[", "[", "[ ", "[\t"]);
                }
                for i in 0..pick(&["1", "1", "2", "3"]).parse::<u32>().unwrap() {
                    if i > 0 {
                        line += pick(&COMMAS);
                    }
                    line += &"1234567890"[..pick(&["3", "4", "5", "6", "7", "8"]).parse::<usize>().unwrap()];
                }
                if list {
                    line += pick(&["]", "]", " ]", ""]);
                }
                line += pick(&ENDS);
                line += pick(&ENDS);
            }
            let mut found = Vec::new();
            find_with(line.as_bytes(), Some(line.to_ascii_lowercase().as_bytes()), &mut found);
            let by_hand: Vec<u32> = found.iter().filter(|c| c.1 == CodeForm::Bare).map(|c| c.0).collect();
            assert_eq!(by_hand, by_regex(line.as_bytes()), "{line:?}");
            found_some += usize::from(!by_hand.is_empty());
        }
        // The lines are worth comparing: many hold bare codes.
        assert!(found_some > 2_000, "{found_some}");
    }
}
