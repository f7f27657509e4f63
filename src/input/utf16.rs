//! UTF-16 logs (Windows PowerShell 5.1 writes UTF-16LE for `>` and `Out-File`): told by their
//! byte order mark, or without one by the NUL byte in every other place that ASCII text in
//! UTF-16 shows, and read as UTF-8, so the scanner sees the same bytes as for a UTF-8 log.

use std::io::{self, Read};

/// The byte order of UTF-16 text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Little-endian (the low byte first).
    Little,
    /// Big-endian.
    Big,
}

/// The byte order of `head`, the first bytes of a source, when they are UTF-16 text: a byte
/// order mark followed by text of which at least a quarter is ASCII (a NUL in each such
/// character: log lines have ASCII timestamps and keys), or without a mark at least 16 bytes of
/// which three quarters are ASCII characters of one byte order. Bytes that only start like a
/// mark (`FF FE` then no NUL: invalid UTF-8) are not UTF-16.
pub fn detect(head: &[u8]) -> Option<Order> {
    let (body, marked) = match head {
        [0xFF, 0xFE, rest @ ..] => (rest, Some(Order::Little)),
        [0xFE, 0xFF, rest @ ..] => (rest, Some(Order::Big)),
        _ => (head, None),
    };
    let pairs: Vec<&[u8]> = body[..body.len().min(1024)].chunks_exact(2).collect();
    let ascii = |order: Order| {
        let (low, high) = match order {
            Order::Little => (0, 1),
            Order::Big => (1, 0),
        };
        pairs.iter().filter(|p| p[low] != 0 && p[high] == 0).count()
    };
    match marked {
        Some(order) => (pairs.is_empty() || ascii(order) * 4 >= pairs.len()).then_some(order),
        None if pairs.len() < 8 => None,
        None => [Order::Little, Order::Big]
            .into_iter()
            .find(|&order| ascii(order) * 4 >= pairs.len() * 3),
    }
}

/// Reads UTF-16 text of byte order `order` from `inner` as UTF-8 (a byte order mark at the start
/// is dropped; a unit that is no character becomes U+FFFD).
pub struct Utf16Reader<R> {
    inner: R,
    order: Order,
    /// Bytes read and not yet decoded (an odd byte, a high surrogate at the end of a read).
    raw: Vec<u8>,
    /// Decoded text not yet handed out, from `out_at` on.
    out: Vec<u8>,
    out_at: usize,
    started: bool,
    eof: bool,
}

impl<R: Read> Utf16Reader<R> {
    /// A reader of UTF-16 text.
    pub fn new(inner: R, order: Order) -> Self {
        Utf16Reader {
            inner,
            order,
            raw: Vec::new(),
            out: Vec::new(),
            out_at: 0,
            started: false,
            eof: false,
        }
    }

    /// Reads more of `inner` and decodes what can be decoded.
    fn refill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.out_at = 0;
        while self.out.is_empty() && !self.eof {
            let have = self.raw.len();
            self.raw.resize(have + (64 << 10), 0);
            let got = self.inner.read(&mut self.raw[have..])?;
            self.raw.truncate(have + got);
            self.eof = got == 0;
            let unit = |p: &[u8]| match self.order {
                Order::Little => u16::from_le_bytes([p[0], p[1]]),
                Order::Big => u16::from_be_bytes([p[0], p[1]]),
            };
            let mut units: Vec<u16> = self.raw.chunks_exact(2).map(unit).collect();
            let mut keep = self.raw.len() % 2;
            // A high surrogate at the end waits for its pair.
            if !self.eof && units.last().is_some_and(|u| (0xD800..0xDC00).contains(u)) {
                units.pop();
                keep += 2;
            }
            if !self.started && !units.is_empty() {
                self.started = true;
                if units[0] == 0xFEFF {
                    units.remove(0);
                }
            }
            for c in char::decode_utf16(units) {
                let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
                let mut buf = [0; 4];
                self.out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
            let used = self.raw.len() - keep;
            self.raw.drain(..used);
            if self.eof && !self.raw.is_empty() {
                // An odd byte at the very end.
                self.out
                    .extend_from_slice(char::REPLACEMENT_CHARACTER.to_string().as_bytes());
                self.raw.clear();
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for Utf16Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out_at >= self.out.len() {
            self.refill()?;
        }
        let n = buf.len().min(self.out.len() - self.out_at);
        buf[..n].copy_from_slice(&self.out[self.out_at..self.out_at + n]);
        self.out_at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(text: &str, order: Order, bom: bool) -> Vec<u8> {
        let mut units: Vec<u16> = text.encode_utf16().collect();
        if bom {
            units.insert(0, 0xFEFF);
        }
        units
            .iter()
            .flat_map(|u| match order {
                Order::Little => u.to_le_bytes(),
                Order::Big => u.to_be_bytes(),
            })
            .collect()
    }

    /// Reads through a reader that hands out at most `step` bytes at a time.
    struct Trickle<'a>(&'a [u8], usize);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn utf16_reads_as_utf8_in_either_order_with_or_without_a_mark_in_any_pieces() {
        let text = "2026-11-27 ERROR AADSTS50076: MFA required — Müller 😀 done\r\nnext line\n";
        for order in [Order::Little, Order::Big] {
            for bom in [true, false] {
                let bytes = encode(text, order, bom);
                assert_eq!(detect(&bytes), Some(order));
                for step in [1, 2, 3, 7, 4096] {
                    let mut out = String::new();
                    Utf16Reader::new(Trickle(&bytes, step), order)
                        .read_to_string(&mut out)
                        .unwrap();
                    assert_eq!(out, text, "{order:?} bom={bom} step={step}");
                }
            }
        }
    }

    #[test]
    fn utf8_and_binary_are_not_taken_for_utf16() {
        assert_eq!(detect(b"2026-11-27 ERROR AADSTS50076 plain text line\n"), None);
        assert_eq!(detect(&[0u8; 64]), None);
        assert_eq!(detect(b"\x1f\x8b\x08\x00\x00\x00\x00\x00"), None);
        assert_eq!(detect("日本語のログ行です。".as_bytes()), None);
        assert_eq!(detect(b"ab"), None);
        // Invalid UTF-8 that starts like a byte order mark.
        assert_eq!(detect(b"\xff\xfe\xc3( AADSTS50076 \x80\x81\n"), None);
    }
}
