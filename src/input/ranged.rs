//! Positioned reads of a regular file in line-aligned ranges, so that the ranges of one file are
//! read and scanned on several threads at once.
//!
//! Range `i` starts at the first line start at or after `i * RANGE_SIZE` and ends where range
//! `i + 1` starts: every range is found from the file's bytes alone, by whichever thread reads
//! it, and the ranges cover the file exactly once. A line end more than [`LINE_SEARCH`] bytes
//! past a nominal boundary is not looked for: such a long line is cut between two of its fields
//! just before the boundary.
//!
//! Reads go into page-aligned buffers (a copy into a buffer 16 bytes past a page boundary runs
//! several times slower), and never map the file: a log truncated while it is read (logrotate's
//! copytruncate) gives a short read, never a `SIGBUS`.

use super::{tail_start, CONTEXT_BYTES, CONTEXT_LINES, CUT_SEARCH};
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

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

/// A reusable, page-aligned read buffer (one per thread).
#[derive(Debug, Default)]
pub struct ReadBuf {
    raw: Vec<u8>,
    context: Vec<u8>,
}

impl ReadBuf {
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

    /// Reads range `index` into `buf`. A file that shrank since it was opened gives shorter or
    /// empty ranges.
    pub fn read<'b>(&self, index: u64, buf: &'b mut ReadBuf) -> io::Result<Range<'b>> {
        let nominal = index * RANGE_SIZE as u64;
        let nominal_end = (nominal + RANGE_SIZE as u64).min(self.len);
        let win_start = nominal.saturating_sub(PAD as u64);
        let win_end = (nominal_end + PAD as u64).min(self.len);
        let got = read_full_at(&self.file, buf.aligned((win_end - win_start) as usize), win_start)?;
        let window = &buf.raw[buf.aligned_start()..][..got];
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
            let window = &buf.raw[buf.aligned_start()..][..got];
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
        // A long line moved a boundary out of the window: read the range on its own.
        self.read_context(start, &mut buf.context)?;
        let got = read_full_at(&self.file, buf.aligned((end - start) as usize), start)?;
        let buf: &'b ReadBuf = buf;
        Ok(Range {
            offset: start,
            data: &buf.raw[buf.aligned_start()..][..got],
            context: &buf.context[..],
        })
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
        match file.read_at(&mut buf[got..], offset + got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}
