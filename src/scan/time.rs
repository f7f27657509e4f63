//! Timestamps in the formats logs use: ISO 8601 (with or without `T`, `Z`, millis or
//! comma-millis, offsets), RFC 1123, syslog, klog and bracketed forms.

use crate::model::Timestamp;
use regex::bytes::Regex;
use std::sync::LazyLock;

struct Formats {
    rfc1123: LazyLock<Regex>,
    syslog: LazyLock<Regex>,
    klog: LazyLock<Regex>,
}

static F: Formats = Formats {
    rfc1123: LazyLock::new(|| {
        super::bytes::ascii_regex(
            r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), ([0-9][0-9]?) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([0-9]{4}) ([0-9][0-9]):([0-9][0-9]):([0-9][0-9]) GMT",
        )
    }),
    syslog: LazyLock::new(|| {
        super::bytes::ascii_regex(
            r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +([0-9][0-9]?) ([0-9][0-9]):([0-9][0-9]):([0-9][0-9])",
        )
    }),
    klog: LazyLock::new(|| {
        super::bytes::ascii_regex(
            r"^[IWEF]([0-9][0-9])([0-9][0-9]) ([0-9][0-9]):([0-9][0-9]):([0-9][0-9])\.([0-9]{1,9})",
        )
    }),
};

fn formats() -> &'static Formats {
    &F
}

fn num(b: &[u8]) -> i64 {
    b.iter().fold(0i64, |n, &d| n * 10 + i64::from(d - b'0'))
}

fn month(name: &[u8]) -> i64 {
    const M: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
    ];
    M.iter().position(|m| *m == name).map_or(1, |i| i as i64 + 1)
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a count of days since 1970-01-01 (the inverse of
/// [`days_from_civil`]).
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Milliseconds since the epoch as RFC 3339 UTC: `2026-11-27T10:04:14.120Z` (the fraction only
/// when there is one).
pub fn rfc3339(ms: i64) -> String {
    let (y, m, d) = civil_from_days(ms.div_euclid(86_400_000));
    let t = ms.rem_euclid(86_400_000);
    let (h, mi, s, frac) = (t / 3_600_000, t / 60_000 % 60, t / 1000 % 60, t % 1000);
    if !(0..=9999).contains(&y) {
        return if frac == 0 {
            format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
        } else {
            format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{frac:03}Z")
        };
    }
    // Digit by digit: `format!` took 3,000 instructions a time, and a large report prints four
    // times a flow.
    let mut text = *b"0000-00-00T00:00:00.000Z";
    for (slot, n) in [
        (0..4, y),
        (5..7, m),
        (8..10, d),
        (11..13, h),
        (14..16, mi),
        (17..19, s),
        (20..23, frac),
    ] {
        put_digits(&mut text[slot], n);
    }
    let len = if frac == 0 {
        text[19] = b'Z';
        20
    } else {
        text.len()
    };
    super::bytes::text(&text[..len])
}

/// `n` (not negative) in the decimal digits of `slot`, zero-padded.
fn put_digits(slot: &mut [u8], mut n: i64) {
    for digit in slot.iter_mut().rev() {
        *digit = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// A klog header's time without its level letter (`1127 10:04:14.123456`), on 1970's calendar.
pub fn klog_millis(t: &[u8]) -> Option<i64> {
    let d = |r: std::ops::Range<usize>| t.get(r).filter(|x| x.iter().all(u8::is_ascii_digit)).map(num);
    if t.get(4) != Some(&b' ') || t.get(7) != Some(&b':') || t.get(10) != Some(&b':') {
        return None;
    }
    let frac = t.get(14..).filter(|_| t.get(13) == Some(&b'.'));
    millis(
        1970,
        d(0..2)?,
        d(2..4)?,
        d(5..7)?,
        d(8..10)?,
        d(11..13)?,
        frac.filter(|f| !f.is_empty() && f.iter().all(u8::is_ascii_digit)),
    )
}

/// A time of day alone (`10:04:14`, `10:04:14.123`, `9:48:04 PM`), as milliseconds into
/// 1970-01-01: enough to order the lines of one input.
pub fn time_of_day(t: &[u8]) -> Option<(std::ops::Range<usize>, Option<i64>)> {
    let colon = memchr::memchr(b':', t)?;
    let h_len = t[..colon].iter().rev().take_while(|b| b.is_ascii_digit()).count();
    if !(1..=2).contains(&h_len) || t.get(colon + 3) != Some(&b':') {
        return None;
    }
    let start = colon - h_len;
    if start != 0 {
        // A time of day stands alone: one after other text is part of something else.
        return None;
    }
    let d = |r: std::ops::Range<usize>| t.get(r).filter(|x| x.iter().all(u8::is_ascii_digit)).map(num);
    let (mut h, m, s) = (
        num(&t[start..colon]),
        d(colon + 1..colon + 3)?,
        d(colon + 4..colon + 6)?,
    );
    let mut end = colon + 6;
    let mut frac = None;
    if matches!(t.get(end), Some(b'.' | b',')) {
        let n = t[end + 1..].iter().take(9).take_while(|b| b.is_ascii_digit()).count();
        frac = (n > 0).then(|| &t[end + 1..end + 1 + n]);
        end += 1 + n;
    }
    let rest = t[end..].trim_ascii_start();
    let pm = rest.starts_with(b"PM") || rest.starts_with(b"pm");
    let am = rest.starts_with(b"AM") || rest.starts_with(b"am");
    if pm && h < 12 {
        h += 12;
    } else if am && h == 12 {
        h = 0;
    }
    Some((start..end, millis(1970, 1, 1, h, m, s, frac)))
}

fn millis(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, frac: Option<&[u8]>) -> Option<i64> {
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 24 || mi > 59 || s > 60 {
        return None;
    }
    let ms = frac.map_or(0, |f| {
        let f = &f[..f.len().min(3)];
        num(f) * 10i64.pow(3 - f.len() as u32)
    });
    Some(((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60_000 + s * 1000 + ms)
}

/// Finds the first timestamp in `text`. Formats without a year (syslog, klog) count from 1970,
/// which is enough to order lines and measure gaps within one log.
pub fn find(text: &[u8]) -> Option<Timestamp> {
    let (range, millis) = locate(text)?;
    Some(stamp(&text[range], millis))
}

/// The timestamp whose text is `text` (as [`locate`] found it) and whose time is `millis`.
pub fn stamp(text: &[u8], millis: Option<i64>) -> Timestamp {
    Timestamp {
        text: super::bytes::text(text),
        millis,
    }
}

/// Where the first timestamp in `text` stands (without trailing blanks), and its time, without
/// copying it.
pub fn locate(text: &[u8]) -> Option<(std::ops::Range<usize>, Option<i64>)> {
    let f = formats();
    let (range, ms) = if let Some(found) = iso(text) {
        found
    } else if let Some(c) = super::bytes::contains!(text, " GMT")
        .then(|| f.rfc1123.captures(text))
        .flatten()
    {
        let ms = millis(
            num(&c[3]),
            month(&c[2]),
            num(&c[1]),
            num(&c[4]),
            num(&c[5]),
            num(&c[6]),
            None,
        );
        (c.get(0).unwrap().range(), ms)
    } else if let Some(c) = syslog_shape(text).then(|| f.syslog.captures(text)).flatten() {
        let ms = millis(1970, month(&c[1]), num(&c[2]), num(&c[3]), num(&c[4]), num(&c[5]), None);
        (c.get(0).unwrap().range(), ms)
    } else if let Some(c) = klog_shape(text).then(|| f.klog.captures(text)).flatten() {
        let ms = millis(
            1970,
            num(&c[1]),
            num(&c[2]),
            num(&c[3]),
            num(&c[4]),
            num(&c[5]),
            Some(&c[6]),
        );
        (c.get(0).unwrap().range(), ms)
    } else {
        return None;
    };
    // Every format is ASCII: trimming bytes is trimming text.
    let blanks = text[range.clone()]
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_whitespace())
        .count();
    Some((range.start..range.end - blanks, ms))
}

/// Whether `text` may start like a syslog line (`Nov 27 10:04:14 host app[1]:`): three word
/// bytes, then a blank. The syslog patterns run only on such lines.
pub(super) fn syslog_shape(text: &[u8]) -> bool {
    text.get(3) == Some(&b' ') && text[..3].iter().all(|&b| super::bytes::is_word(b))
}

/// Whether `text` may start like a klog line (`I1127 10:04:14.5 ...`): a level letter, four
/// digits, a blank. The klog patterns run only on such lines.
pub(super) fn klog_shape(text: &[u8]) -> bool {
    matches!(text.first(), Some(b'I' | b'W' | b'E' | b'F'))
        && text.get(1..5).is_some_and(|d| d.iter().all(u8::is_ascii_digit))
        && text.get(5) == Some(&b' ')
}

/// The first ISO 8601 timestamp in `text` (`2026-11-27[T ]10:04:14`, then optional fraction,
/// one space, and `Z` or an offset), read by hand: it starts most log lines, and a regex with
/// eight groups costs more than the rest of the line.
fn iso(text: &[u8]) -> Option<(std::ops::Range<usize>, Option<i64>)> {
    let digits = |r: std::ops::Range<usize>| text.get(r).filter(|d| d.iter().all(u8::is_ascii_digit));
    for dash in memchr::memchr_iter(b'-', text) {
        let Some(i) = dash.checked_sub(4) else { continue };
        let Some(t) = text.get(i..i + 19) else { break };
        let shape = t[7] == b'-'
            && matches!(t[10], b'T' | b' ')
            && t[13] == b':'
            && t[16] == b':'
            && [0..4, 5..7, 8..10, 11..13, 14..16, 17..19]
                .into_iter()
                .all(|r| t[r].iter().all(u8::is_ascii_digit));
        if !shape {
            continue;
        }
        let mut end = i + 19;
        let mut frac = None;
        if matches!(text.get(end), Some(b'.' | b',')) {
            let n = text[end + 1..]
                .iter()
                .take(9)
                .take_while(|b| b.is_ascii_digit())
                .count();
            if n > 0 {
                frac = Some(&text[end + 1..end + 1 + n]);
                end += 1 + n;
            }
        }
        if text.get(end).is_some_and(u8::is_ascii_whitespace) {
            end += 1;
        }
        let zone = if text.get(end) == Some(&b'Z') {
            Some(end..end + 1)
        } else if matches!(text.get(end), Some(b'+' | b'-')) && digits(end + 1..end + 3).is_some() {
            let colon = usize::from(text.get(end + 3) == Some(&b':'));
            digits(end + 3 + colon..end + 5 + colon).map(|_| end..end + 5 + colon)
        } else {
            None
        };
        if let Some(z) = &zone {
            end = z.end;
        }
        let mut ms = millis(
            num(&t[0..4]),
            num(&t[5..7]),
            num(&t[8..10]),
            num(&t[11..13]),
            num(&t[14..16]),
            num(&t[17..19]),
            frac,
        );
        if let (Some(t), Some(z)) = (ms, zone) {
            ms = Some(t - offset_millis(&text[z]));
        }
        return Some((i..end, ms));
    }
    None
}

fn offset_millis(z: &[u8]) -> i64 {
    if z == b"Z" {
        return 0;
    }
    let digits: Vec<u8> = z[1..].iter().copied().filter(u8::is_ascii_digit).collect();
    if digits.len() != 4 {
        return 0;
    }
    let m = num(&digits[..2]) * 60 + num(&digits[2..]);
    let sign = if z[0] == b'-' { -1 } else { 1 };
    sign * m * 60_000
}

#[cfg(test)]
mod tests {
    use super::find;

    #[test]
    fn rfc3339_prints_what_format_prints() {
        let formatted = |ms: i64| {
            let (y, m, d) = super::civil_from_days(ms.div_euclid(86_400_000));
            let t = ms.rem_euclid(86_400_000);
            let (h, mi, s, frac) = (t / 3_600_000, t / 60_000 % 60, t / 1000 % 60, t % 1000);
            if frac == 0 {
                format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
            } else {
                format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{frac:03}Z")
            }
        };
        let mut ms: i64 = -62_167_219_200_000 - 86_400_000; // the day before 0000-01-01
        while ms < 253_402_300_800_000 + 86_400_000 {
            assert_eq!(super::rfc3339(ms), formatted(ms), "{ms}");
            ms += 7_777_777_777;
        }
        for ms in [
            0,
            1,
            999,
            1000,
            1_764_237_854_120,
            1_764_237_854_000,
            253_402_300_799_999,
        ] {
            assert_eq!(super::rfc3339(ms), formatted(ms), "{ms}");
        }
        assert_eq!(super::rfc3339(1_764_237_854_120), "2025-11-27T10:04:14.120Z");
    }
    use super::{LazyLock, F};

    #[test]
    fn every_pattern_compiles() {
        // Each is built on first use: build them all here.
        for pattern in [&F.rfc1123, &F.syslog, &F.klog] {
            LazyLock::force(pattern);
        }
    }

    fn ms(s: &str) -> i64 {
        find(s.as_bytes()).and_then(|t| t.millis).unwrap()
    }

    #[test]
    fn formats_agree() {
        let base = ms("2026-11-27T10:04:14Z");
        assert_eq!(base, 1_795_773_854_000);
        assert_eq!(ms("2026-11-27 10:04:14,312 21441 MainThread"), base + 312);
        assert_eq!(ms("[2026-11-27 10:04:14.5]"), base + 500);
        assert_eq!(ms("Fri, 27 Nov 2026 10:04:14 GMT:abc"), base);
        assert_eq!(ms("2026-11-27T11:04:14+01:00"), base);
    }

    #[test]
    fn civil_dates_round_trip() {
        for days in [-1, 0, 59, 60, 365, 11_016, 20_419, 20_785] {
            let (y, m, d) = super::civil_from_days(days);
            assert_eq!(super::days_from_civil(y, m, d), days);
        }
        assert_eq!(super::civil_from_days(20_784), (2026, 11, 27));
    }

    #[test]
    fn times_of_day_order_lines() {
        let t = |s: &str| super::time_of_day(s.as_bytes()).unwrap().1.unwrap();
        assert_eq!(t("9:48:04 PM") - t("9:48:04 AM"), 12 * 3_600_000);
        assert_eq!(t("10:04:14.5") - t("10:04:14"), 500);
    }

    #[test]
    fn yearless_formats_order_lines() {
        assert!(ms("Nov 27 10:04:19 host app[1]:") - ms("Nov 27 10:04:14 host app[1]:") == 5000);
        assert!(ms("I1007 12:09:43.879675 _universal.py:550]") > ms("I1007 12:09:37.944521 _universal.py:511]"));
    }
}
