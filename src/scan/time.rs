//! Timestamps in the formats logs use: ISO 8601 (with or without `T`, `Z`, millis or
//! comma-millis, offsets), RFC 1123, syslog, klog and bracketed forms.

use crate::model::Timestamp;
use regex::bytes::Regex;
use std::sync::OnceLock;

struct Formats {
    iso: Regex,
    rfc1123: Regex,
    syslog: Regex,
    klog: Regex,
}

fn formats() -> &'static Formats {
    static F: OnceLock<Formats> = OnceLock::new();
    F.get_or_init(|| Formats {
        iso: Regex::new(r"([0-9]{4})-([0-9][0-9])-([0-9][0-9])[T ]([0-9][0-9]):([0-9][0-9]):([0-9][0-9])(?:[.,]([0-9]{1,9}))?\s?(Z|[+-][0-9][0-9]:?[0-9][0-9])?").unwrap(),
        rfc1123: Regex::new(r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), ([0-9][0-9]?) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([0-9]{4}) ([0-9][0-9]):([0-9][0-9]):([0-9][0-9]) GMT").unwrap(),
        syslog: Regex::new(r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +([0-9][0-9]?) ([0-9][0-9]):([0-9][0-9]):([0-9][0-9])").unwrap(),
        klog: Regex::new(r"^[IWEF]([0-9][0-9])([0-9][0-9]) ([0-9][0-9]):([0-9][0-9]):([0-9][0-9])\.([0-9]{1,9})").unwrap(),
    })
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
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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
    let f = formats();
    let (range, ms) = if let Some(c) = f.iso.captures(text) {
        let mut ms = millis(
            num(&c[1]),
            num(&c[2]),
            num(&c[3]),
            num(&c[4]),
            num(&c[5]),
            num(&c[6]),
            c.get(7).map(|m| m.as_bytes()),
        );
        if let (Some(t), Some(z)) = (ms, c.get(8)) {
            ms = Some(t - offset_millis(z.as_bytes()));
        }
        (c.get(0).unwrap().range(), ms)
    } else if let Some(c) = memchr::memmem::find(text, b" GMT").and_then(|_| f.rfc1123.captures(text)) {
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
    } else if let Some(c) = f.syslog.captures(text) {
        let ms = millis(1970, month(&c[1]), num(&c[2]), num(&c[3]), num(&c[4]), num(&c[5]), None);
        (c.get(0).unwrap().range(), ms)
    } else if let Some(c) = f.klog.captures(text) {
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
    let text = String::from_utf8_lossy(&text[range]).trim_end().to_string();
    Some(Timestamp { text, millis: ms })
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
    fn yearless_formats_order_lines() {
        assert!(ms("Nov 27 10:04:19 host app[1]:") - ms("Nov 27 10:04:14 host app[1]:") == 5000);
        assert!(ms("I1007 12:09:43.879675 _universal.py:550]") > ms("I1007 12:09:37.944521 _universal.py:511]"));
    }
}
