//! Positioned reads of a regular file in line-aligned ranges, so that the ranges of one file are
//! read and scanned on several threads at once.
//!
//! Range `i` starts at the first line start at or after `i * RANGE_SIZE` and ends where range
//! `i + 1` starts: every range is found from the file's bytes alone, by whichever thread reads
//! it, and the ranges cover the file exactly once. A line end more than [`LINE_SEARCH`] bytes
//! past a nominal boundary is not looked for: such a long line is cut between two of its fields
//! just before the boundary.
//!
//! The ranges of a file of several are mapped into memory ([`Mapped`]); a range that cannot be
//! mapped, or whose file shrank while it was mapped (logrotate's copytruncate), is read again
//! into a page-aligned buffer (a copy into a buffer 16 bytes past a page boundary runs several
//! times slower), where a shrunken file gives a short read.

use super::os::{read_at, Mapped};
use super::{tail_start, CONTEXT_BYTES, CONTEXT_LINES, CUT_SEARCH};
use std::fs::File;
use std::io;

/// The nominal size of a range: small enough that a range read stays in the core's cache while
/// it is scanned.
pub const RANGE_SIZE: usize = 4 << 20;

/// How many ranges a file of `len` bytes is read in.
pub fn range_count(len: u64) -> u64 {
    len.div_ceil(RANGE_SIZE as u64)
}

/// Bytes read on each side of a range's nominal bounds: where its line boundaries and the lines
/// before it usually are.
const PAD: usize = 16 << 10;

/// How far past a nominal boundary a line end is looked for.
pub const LINE_SEARCH: u64 = 4 << 20;

/// Memory pages, for aligning read buffers.
const PAGE: usize = 4096;

/// A regular file read in line-aligned ranges.
#[derive(Debug)]
pub struct RangedFile {
    file: File,
    len: u64,
    newline: u8,
}

/// One range, read: its bytes and the lines just before it.
#[derive(Debug)]
pub struct Range<'a> {
    /// Where the range starts in the file.
    pub offset: u64,
    /// The whole lines of the range (empty when a long line spans the whole range).
    pub data: &'a [u8],
    /// The last [`CONTEXT_LINES`] lines before the range (at most [`CONTEXT_BYTES`]).
    pub context: &'a [u8],
}

/// A reusable, page-aligned read buffer (one per thread), or the mapped bytes of the range read
/// last.
#[derive(Debug, Default)]
pub struct ReadBuf {
    raw: Vec<u8>,
    context: Vec<u8>,
    /// The mapped window of the last range, and where in the file it ends.
    mapped: Option<(Mapped, u64)>,
}

impl ReadBuf {
    /// The `got` bytes of the window read last: mapped, or copied into the aligned buffer.
    fn window(&self, got: usize) -> &[u8] {
        match &self.mapped {
            Some((mapped, _)) => &mapped.bytes()[..got],
            None => &self.raw[self.aligned_start()..][..got],
        }
    }

    /// Lets go of the mapped window, if any; whether every byte read through it was the file's
    /// (the file did not shrink below it while it was read).
    fn unmap(&mut self, file: &File) -> bool {
        match self.mapped.take() {
            None => true,
            Some((mapped, end)) => mapped.intact() && file.metadata().is_ok_and(|meta| meta.len() >= end),
        }
    }

    /// `len` bytes starting at a page boundary (zeroed once, when the buffer grows).
    fn aligned(&mut self, len: usize) -> &mut [u8] {
        if self.raw.len() < len + PAGE {
            self.raw = vec![0; len + PAGE];
        }
        let off = self.aligned_start();
        &mut self.raw[off..off + len]
    }

    /// Where the page-aligned part of the buffer starts.
    fn aligned_start(&self) -> usize {
        self.raw.as_ptr().align_offset(PAGE).min(PAGE)
    }
}

impl RangedFile {
    /// A file of `len` bytes whose lines end with `newline`.
    pub fn new(file: File, len: u64, newline: u8) -> RangedFile {
        RangedFile { file, len, newline }
    }

    /// The line end of the file's lines.
    pub fn newline(&self) -> u8 {
        self.newline
    }

    /// The file's size when it was opened.
    pub fn size(&self) -> u64 {
        self.len
    }

    /// How many ranges the file is read in.
    pub fn ranges(&self) -> u64 {
        range_count(self.len)
    }

    /// Reads range `index` into `buf` and hands it to `scan`; returns what `scan` made of it. The
    /// range of a file of several ranges is mapped where it can be; when the file shrank while it
    /// was mapped, the range is read again by copy and scanned again, so that the result always
    /// describes bytes the file held (a shrunken file gives shorter or empty ranges).
    pub fn scan_range<T>(&self, index: u64, buf: &mut ReadBuf, scan: impl Fn(Range<'_>) -> T) -> io::Result<T> {
        let scanned = scan(self.read(index, buf, self.ranges() > 1)?);
        if buf.unmap(&self.file) {
            return Ok(scanned);
        }
        Ok(scan(self.read(index, buf, false)?))
    }

    /// Reads range `index` into `buf`, mapped if `map` and it can be.
    fn read<'b>(&self, index: u64, buf: &'b mut ReadBuf, map: bool) -> io::Result<Range<'b>> {
        let nominal = index * RANGE_SIZE as u64;
        let nominal_end = (nominal + RANGE_SIZE as u64).min(self.len);
        let win_start = nominal.saturating_sub(PAD as u64);
        let win_end = (nominal_end + PAD as u64).min(self.len);
        let len = (win_end - win_start) as usize;
        buf.mapped = None;
        let got = match map.then(|| Mapped::new(&self.file, win_start, len)).flatten() {
            Some(mapped) => {
                buf.mapped = Some((mapped, win_end));
                len
            }
            None => read_full_at(&self.file, buf.aligned(len), win_start)?,
        };
        let window = buf.window(got);
        let start = if index == 0 {
            0
        } else {
            self.line_start_from(nominal, window, win_start)?
        };
        let end = if nominal_end >= self.len {
            win_start + got as u64
        } else {
            self.line_start_from(nominal_end, window, win_start)?
        };
        let end = end.max(start);
        if start >= win_start && end <= win_start + got as u64 {
            let before = (start - win_start) as usize;
            let context_here = win_start == 0 || bytecount::count(&window[..before], self.newline) > CONTEXT_LINES;
            if !context_here {
                self.read_context(start, &mut buf.context)?;
            }
            let buf: &'b ReadBuf = buf;
            let window = buf.window(got);
            let context = if context_here {
                let lines_before = &window[..before];
                &lines_before[tail_start(lines_before, CONTEXT_LINES, CONTEXT_BYTES, self.newline)..]
            } else {
                &buf.context[..]
            };
            let data = &window[before..(end - win_start) as usize];
            return Ok(Range {
                offset: start,
                data,
                context,
            });
        }
        // A long line moved a boundary out of the window: read the range on its own, by copy.
        if !buf.unmap(&self.file) {
            return self.read(index, buf, false);
        }
        self.read_context(start, &mut buf.context)?;
        let got = read_full_at(&self.file, buf.aligned((end - start) as usize), start)?;
        let buf: &'b ReadBuf = buf;
        Ok(Range {
            offset: start,
            data: buf.window(got),
            context: &buf.context[..],
        })
    }

    /// An error when the file is now shorter than when it was opened (log rotation by
    /// `copytruncate`): a range is then read as the file now is, and the lines it lost were never
    /// read, which the run must say.
    pub fn shrank_error(&self) -> Option<io::Error> {
        let now = self.file.metadata().map_or(0, |m| m.len());
        (now < self.len).then(shrank)
    }

    /// `len` bytes at `offset` (fewer where the file ends sooner).
    pub fn bytes_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let mut out = vec![0; len];
        let got = read_full_at(&self.file, &mut out, offset)?;
        out.truncate(got);
        Ok(out)
    }

    /// The last context lines before `start`, read from the file into `out`.
    fn read_context(&self, start: u64, out: &mut Vec<u8>) -> io::Result<()> {
        let from = start.saturating_sub(CONTEXT_BYTES as u64);
        out.clear();
        out.resize((start - from) as usize, 0);
        let got = read_full_at(&self.file, out, from)?;
        out.truncate(got);
        out.drain(..tail_start(out, CONTEXT_LINES, CONTEXT_BYTES, self.newline));
        Ok(())
    }

    /// The first line start at or after `at` (the byte after the first line end at or after
    /// `at - 1`), looked for in `window` (the bytes from `win_start`) and then in the file, up to
    /// [`LINE_SEARCH`] bytes on. Without a line end there, `at` itself; at the end of the file,
    /// the end.
    fn line_start_from(&self, at: u64, window: &[u8], win_start: u64) -> io::Result<u64> {
        let from = at - 1;
        let limit = (from + LINE_SEARCH).min(self.len);
        let mut pos = from;
        if pos >= win_start {
            let local = (pos - win_start) as usize;
            if local <= window.len() {
                let upto = window.len().min((limit - win_start) as usize);
                if let Some(i) = memchr::memchr(self.newline, &window[local..upto.max(local)]) {
                    return Ok(pos + i as u64 + 1);
                }
                pos = win_start + upto.max(local) as u64;
            }
        }
        Ok(match find_byte(&self.file, self.newline, pos, limit)? {
            Ok(end) => end + 1,
            // The file ended early (it shrank): the last line runs to its end.
            Err(stop) if stop < limit => stop,
            Err(_) if limit == self.len => self.len,
            Err(_) => self.long_line_cut(at)?,
        })
    }

    /// Where the range boundary at `at` cuts a line too long to end near it (see
    /// [`super::long_line_cut`]).
    fn long_line_cut(&self, at: u64) -> io::Result<u64> {
        let from = at.saturating_sub(CUT_SEARCH as u64);
        let mut before = vec![0; (at - from) as usize];
        let got = read_full_at(&self.file, &mut before, from)?;
        before.truncate(got);
        Ok(from + super::long_line_cut(&before, self.newline) as u64)
    }
}

/// Where the first `byte` at or after `from` and before `limit` is in `file`: `Ok(position)`, or
/// `Err(where reading stopped)`, which is `limit` unless the file ends sooner.
pub(super) fn find_byte(file: &File, byte: u8, from: u64, limit: u64) -> io::Result<Result<u64, u64>> {
    let mut block = vec![0; 64 << 10];
    let mut pos = from;
    while pos < limit {
        let want = ((limit - pos) as usize).min(block.len());
        let got = read_full_at(file, &mut block[..want], pos)?;
        if let Some(i) = memchr::memchr(byte, &block[..got]) {
            return Ok(Ok(pos + i as u64));
        }
        pos += got as u64;
        if got < want {
            break;
        }
    }
    Ok(Err(pos))
}

/// Reads into `buf` from `offset` until it is full or the file ends; returns the bytes read.
pub(super) fn read_full_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match read_at(file, &mut buf[got..], offset + got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// The error of a file that became shorter while it was read.
fn shrank() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the file shrank while it was read (truncated or rotated)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A file of three ranges of numbered lines, opened for ranged reads.
    fn three_ranges() -> (tempfile::NamedTempFile, RangedFile) {
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        let mut n = 0u64;
        while tmp.as_file().metadata().unwrap().len() < 2 * RANGE_SIZE as u64 + 1000 {
            let lines: String = (n..n + 1000).map(|i| format!("line {i:08} of a log\n")).collect();
            tmp.write_all(lines.as_bytes()).unwrap();
            n += 1000;
        }
        tmp.flush().unwrap();
        let len = tmp.as_file().metadata().unwrap().len();
        let file = RangedFile::new(File::open(tmp.path()).unwrap(), len, b'\n');
        (tmp, file)
    }

    #[test]
    fn the_ranges_cover_the_file_once_in_whole_lines() {
        let (tmp, file) = three_ranges();
        let mut buf = ReadBuf::default();
        let mut all = Vec::new();
        for index in 0..file.ranges() {
            let (offset, data) = file
                .scan_range(index, &mut buf, |r| (r.offset, r.data.to_vec()))
                .unwrap();
            assert_eq!(offset, all.len() as u64);
            assert!(data.ends_with(b"\n"));
            all.extend(data);
        }
        assert_eq!(all, std::fs::read(tmp.path()).unwrap());
    }

    /// Scans range 1 of `file`, calling `change` with the range's bytes during the first scan;
    /// how many scans there were, and the range's offset and bytes in the last.
    #[cfg(all(unix, not(feature = "portable")))]
    fn scan_changing(file: &RangedFile, change: impl Fn(&[u8])) -> (u32, u64, Vec<u8>) {
        let scans = std::cell::Cell::new(0);
        let (offset, data) = file
            .scan_range(1, &mut ReadBuf::default(), |range| {
                scans.set(scans.get() + 1);
                if scans.get() == 1 {
                    change(range.data);
                }
                (range.offset, range.data.to_vec())
            })
            .unwrap();
        (scans.get(), offset, data)
    }

    #[test]
    #[cfg(all(unix, not(feature = "portable")))] // only a mapped range sees the file change
    fn a_range_whose_file_shrank_while_it_was_scanned_is_scanned_again_as_the_file_now_is() {
        let (tmp, file) = three_ranges();
        let shrink_to = RANGE_SIZE as u64 + 100;
        let (scans, offset, data) = scan_changing(&file, |_| tmp.as_file().set_len(shrink_to).unwrap());
        assert_eq!(scans, 2, "the range is scanned once more, by copy");
        assert!((RANGE_SIZE as u64..shrink_to).contains(&offset));
        assert_eq!(offset + data.len() as u64, shrink_to);
        assert!(!data.contains(&0), "no zeros from the pages that went away");
    }

    #[test]
    #[cfg(all(unix, not(feature = "portable")))] // only a mapped range sees the file change
    fn a_range_cut_inside_its_last_page_is_scanned_again() {
        let (tmp, file) = three_ranges();
        let end = file
            .scan_range(1, &mut ReadBuf::default(), |r| r.offset + r.data.len() as u64)
            .unwrap();
        // The new end shares a page with the old one: reading past it gives zeros, not a fault.
        assert!(end % 4096 > 8);
        let (scans, offset, data) = scan_changing(&file, |_| tmp.as_file().set_len(end - 5).unwrap());
        assert_eq!(scans, 2);
        assert_eq!(offset + data.len() as u64, end - 5);
    }

    #[test]
    #[cfg(all(unix, not(feature = "portable")))] // only a mapped range sees the file change
    fn a_range_whose_file_was_cut_and_grew_again_is_scanned_again() {
        let (tmp, file) = three_ranges();
        let (scans, _, _) = scan_changing(&file, |data| {
            tmp.as_file().set_len(RANGE_SIZE as u64).unwrap();
            // This read faults: the page is past the end of the file now.
            assert_eq!(std::hint::black_box(data[data.len() - 1]), 0);
            tmp.as_file().set_len(file.size()).unwrap();
        });
        assert_eq!(scans, 2);
    }
}
