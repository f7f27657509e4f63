//! Input: turns the paths a user names into byte streams cut into line-aligned chunks.
//!
//! Files, directories (walked recursively in sorted order), `-` for stdin and gzip streams
//! (recognised by their magic bytes, multi-member) all become a [`Source`]; UTF-16 text is read
//! as UTF-8 ([`utf16`]). Reading never holds a
//! whole file. A regular file is read in line-aligned ranges ([`RangedFile`]) by whichever thread
//! scans them, so one large file is read and scanned on every core; any other source is one
//! stream that [`ChunkReader`] cuts into chunks after their last line end. Either way every chunk
//! holds whole lines (a line longer than the largest chunk is cut, deterministically).

#[cfg(any(not(unix), feature = "portable"))]
mod portable;
mod ranged;
#[cfg(all(unix, not(feature = "portable")))]
mod unix;
pub mod utf16;
mod walk;

/// The platform's positioned reads and mapped ranges: `unix.rs` (pread, mmap with a SIGBUS
/// guard), or `portable.rs` (plain copies) elsewhere and with `--features portable`.
#[cfg(any(not(unix), feature = "portable"))]
use portable as os;
#[cfg(all(unix, not(feature = "portable")))]
use unix as os;

pub use os::set_enabled as set_mapping;
pub use ranged::{RangedFile, ReadBuf, RANGE_SIZE};

pub use walk::{expand, expand_selected, Planned, Select, DEFAULT_EXCLUDE};

use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{self, BufReader, Read};

/// How many bytes a chunk holds before it is cut at its last line end.
pub const CHUNK_SIZE: usize = 1 << 20;

/// The longest a chunk grows while looking for a line end: past this a long line is cut.
pub const MAX_CHUNK: usize = 16 << 20;

/// Where a source's bytes come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A file on disk.
    File(std::path::PathBuf),
    /// Standard input.
    Stdin,
}

/// Opens a source for reading, transparently decompressing gzip.
pub fn open(origin: &Origin) -> io::Result<Box<dyn Read + Send>> {
    let raw: Box<dyn Read + Send> = match origin {
        Origin::File(path) => Box::new(File::open(path)?),
        Origin::Stdin => Box::new(io::stdin()),
    };
    stream(raw)
}

/// A byte stream, decompressed when it starts with gzip's magic bytes, and read as UTF-8 when
/// its text is UTF-16 ([`utf16::detect`]).
fn stream(raw: Box<dyn Read + Send>) -> io::Result<Box<dyn Read + Send>> {
    use io::BufRead;
    let mut reader = BufReader::with_capacity(256 << 10, raw);
    let buf = reader.fill_buf()?;
    if is_gzip(buf) {
        let mut text = BufReader::with_capacity(64 << 10, MultiGzDecoder::new(reader));
        return Ok(match utf16::detect(text.fill_buf()?) {
            Some(order) => Box::new(utf16::Utf16Reader::new(text, order)),
            None => Box::new(text),
        });
    }
    Ok(match utf16::detect(buf) {
        Some(order) => Box::new(utf16::Utf16Reader::new(reader, order)),
        None => Box::new(reader),
    })
}

fn is_gzip(start: &[u8]) -> bool {
    start.len() >= 2 && start[0] == 0x1f && start[1] == 0x8b
}

/// How many bytes at the start of a source tell its line end (and, to the scanner, its kind).
pub const HEAD_BYTES: usize = 64 << 10;

/// How many bytes of a file that fits in one range are read first: enough to find its first line
/// end, mostly. Its reader sniffs the rest.
const PROBE_BYTES: usize = 4 << 10;

/// An opened source, read the fastest way it can be.
pub enum Source {
    /// A regular, uncompressed file: line-aligned ranges, read on any thread.
    Ranged {
        /// The file.
        file: RangedFile,
        /// Its first [`HEAD_BYTES`] bytes when it spans several ranges. A file that fits in one
        /// range is sniffed by the thread that reads that range: its head may be shorter.
        head: Vec<u8>,
    },
    /// Anything else (stdin, gzip, pipes): one stream, read in order.
    Stream(Box<dyn Read + Send>),
}

/// Opens a source: a regular file that is not gzip is read in ranges, anything else as a stream.
pub fn open_source(origin: &Origin) -> io::Result<Source> {
    let Origin::File(path) = origin else {
        return open(origin).map(Source::Stream);
    };
    let file = File::open(path)?;
    let meta = file.metadata()?;
    // Files in /proc and /sys say they are empty and are not: only their stream tells.
    if !meta.is_file() || meta.len() == 0 {
        return stream(Box::new(file)).map(Source::Stream);
    }
    let read_head = |len: usize| -> io::Result<Vec<u8>> {
        let mut head = vec![0; len.min(meta.len() as usize)];
        let got = ranged::read_full_at(&file, &mut head, 0)?;
        head.truncate(got);
        Ok(head)
    };
    let one_range = ranged::range_count(meta.len()) == 1;
    let mut head = read_head(if one_range { PROBE_BYTES } else { HEAD_BYTES })?;
    if one_range && memchr::memchr(b'\n', &head).is_none() {
        head = read_head(HEAD_BYTES)?;
    }
    // UTF-16 text is read as a stream, made UTF-8 as it is read.
    if is_gzip(&head) || utf16::detect(&head).is_some() {
        // Reading the head may have moved the cursor (the portable path seeks).
        let mut file = file;
        io::Seek::rewind(&mut file)?;
        return stream(Box::new(file)).map(Source::Stream);
    }
    let mut newline = line_end(&head);
    // A `\n` within the span a stream's first chunk grows to while it looks for one.
    if newline == b'\r' && ranged::find_byte(&file, b'\n', head.len() as u64, MAX_CHUNK as u64)?.is_ok() {
        newline = b'\n';
    }
    Ok(Source::Ranged {
        file: RangedFile::new(file, meta.len(), newline),
        head,
    })
}

/// The line end of a source, from its first bytes: `\r` for old Mac files, which have no `\n`.
pub fn line_end(start: &[u8]) -> u8 {
    if memchr::memchr(b'\n', start).is_none() && memchr::memchr(b'\r', start).is_some() {
        b'\r'
    } else {
        b'\n'
    }
}

/// A chunk of whole lines from one source.
#[derive(Debug, Default)]
pub struct Chunk {
    /// The bytes, ending at a line end unless the source ended or a line was too long.
    pub data: Vec<u8>,
    /// Position of the chunk in its source, from 0.
    pub index: u64,
    /// The last [`CONTEXT_LINES`] lines of the chunk before (at most [`CONTEXT_BYTES`]), so a
    /// line near the start of this chunk can be read together with the lines just above it.
    pub context: Vec<u8>,
}

/// How many lines of the chunk before a [`Chunk`] carries as context.
pub const CONTEXT_LINES: usize = 16;

/// The most bytes of context a chunk carries.
pub const CONTEXT_BYTES: usize = 256 << 10;

/// The start of the last `lines` whole lines of `data` (lines end with `newline`), within its
/// last `max_bytes` bytes.
fn tail_start(data: &[u8], lines: usize, max_bytes: usize, newline: u8) -> usize {
    let floor = data.len().saturating_sub(max_bytes);
    let mut at = data.len();
    // Skip the line end that closes the last line, then step back one line at a time.
    let mut search_end = data.len().saturating_sub(1);
    for _ in 0..lines {
        match memchr::memrchr(newline, &data[floor..search_end]) {
            Some(i) => {
                at = floor + i + 1;
                search_end = floor + i;
            }
            None => {
                return if floor == 0 { 0 } else { at };
            }
        }
    }
    at
}

/// Lines up to this long are never cut, whatever the source: a file's ranges reach to their end,
/// and a stream's chunks grow to hold them.
pub const WHOLE_LINE: usize = ranged::LINE_SEARCH as usize;
const _: () = assert!(WHOLE_LINE <= MAX_CHUNK);

/// How far back from where a line too long to read whole must be cut a place between two
/// fields is looked for.
pub const CUT_SEARCH: usize = 4 << 10;

/// A place in `window` between two fields, where a long line may be cut or a window of it end
/// without cutting a key from its value or a list of codes in two: after its last `, "` (between
/// two JSON fields), else after its last brace, else at its last blank.
pub fn field_boundary(window: &[u8]) -> Option<usize> {
    memchr::memmem::rfind(window, b", \"")
        .map(|i| i + 2)
        .or_else(|| window.iter().rposition(|b| b"{}".contains(b)).map(|i| i + 1))
        .or_else(|| window.iter().rposition(|b| b.is_ascii_whitespace()))
}

/// Where to cut a line that is too long to read whole, given the [`CUT_SEARCH`] bytes before
/// the place it would be cut at (`before`): at a [`field_boundary`] of the line there, else at
/// the end of `before`. Both the chunk before the cut and the one after it find the same place.
pub fn long_line_cut(before: &[u8], newline: u8) -> usize {
    let line_start = memchr::memrchr(newline, before).map_or(0, |i| i + 1);
    field_boundary(&before[line_start..]).map_or(before.len(), |i| line_start + i)
}

/// Cuts a byte stream into line-aligned chunks.
pub struct ChunkReader<R> {
    inner: R,
    /// Where the next chunk starts in the stream.
    offset: u64,
    /// The range boundary where the last long line was cut (see `file_cut`), if any.
    cut_at: Option<u64>,
    carry: Vec<u8>,
    context: Vec<u8>,
    index: u64,
    done: bool,
    error: Option<io::Error>,
    chunk_size: usize,
    max_chunk: usize,
}

impl<R: Read> ChunkReader<R> {
    /// A reader with the default chunk sizes.
    pub fn new(inner: R) -> Self {
        Self::with_sizes(inner, CHUNK_SIZE, MAX_CHUNK)
    }

    /// A reader that cuts chunks of about `chunk_size` bytes and never more than `max_chunk`.
    pub fn with_sizes(inner: R, chunk_size: usize, max_chunk: usize) -> Self {
        let chunk_size = chunk_size.max(1);
        ChunkReader {
            inner,
            offset: 0,
            cut_at: None,
            carry: Vec::new(),
            context: Vec::new(),
            index: 0,
            done: false,
            error: None,
            chunk_size,
            max_chunk: max_chunk.max(chunk_size),
        }
    }

    /// The next chunk, reusing `buf`'s allocation; `Ok(None)` at the end of the stream. On a
    /// read error the bytes read before it come first, and the error on the next call.
    ///
    /// Chunks depend only on the bytes of the stream, never on how `read` split them.
    pub fn next_chunk(&mut self, mut buf: Vec<u8>) -> io::Result<Option<Chunk>> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        buf.clear();
        buf.append(&mut self.carry);
        let mut target = self.chunk_size.max(buf.len() + 1);
        while !self.done {
            match fill(&mut self.inner, &mut buf, target) {
                Err(e) => {
                    self.done = true;
                    self.error = Some(e);
                }
                Ok(()) if buf.len() < target => self.done = true,
                Ok(()) => {}
            }
            if self.done || target >= self.max_chunk || memchr::memrchr(b'\n', &buf).is_some() {
                break;
            }
            target = (target * 2).min(self.max_chunk);
        }
        if buf.is_empty() {
            return match self.error.take() {
                Some(e) => Err(e),
                None => Ok(None),
            };
        }
        // A long line is cut where a regular file's ranges cut it (see `file_cut`), so that a file,
        // its `.gz` and stdin read the same pieces.
        let cut = match file_cut(&buf, self.offset, self.cut_at, self.done) {
            Some((cut, boundary)) => {
                self.cut_at = boundary.or(self.cut_at);
                Some(cut)
            }
            None if self.done => None,
            None => Some(match memchr::memrchr(b'\n', &buf) {
                Some(pos) => pos + 1,
                // A line longer than the largest chunk: cut it between two of its fields (never
                // before its first byte: a chunk is never empty).
                None => {
                    let from = buf.len().saturating_sub(CUT_SEARCH);
                    Some(from + long_line_cut(&buf[from..], b'\n'))
                        .filter(|&cut| cut > 0)
                        .unwrap_or(buf.len())
                }
            }),
        };
        if let Some(cut) = cut {
            let mut rest = buf.split_off(cut);
            rest.append(&mut self.carry);
            self.carry = rest;
        }
        self.offset += buf.len() as u64;
        // The next chunk's context: the last lines before it, which may reach back past this
        // chunk when this one is short.
        let context = std::mem::take(&mut self.context);
        let from = tail_start(&buf, CONTEXT_LINES, CONTEXT_BYTES, b'\n');
        let mut next = if from == 0 && buf.len() < CONTEXT_BYTES {
            context.clone()
        } else {
            Vec::new()
        };
        next.extend_from_slice(&buf[from..]);
        next.drain(..tail_start(&next, CONTEXT_LINES, CONTEXT_BYTES, b'\n'));
        self.context = next;
        let chunk = Chunk {
            data: buf,
            index: self.index,
            context,
        };
        self.index += 1;
        Ok(Some(chunk))
    }
}

/// Where a regular file's ranges would cut a line of `buf` (the bytes at `offset` of the stream,
/// `done` when the stream ends with them), if they cut one, and the boundary it cuts at (none
/// when the chunk ends at a line end before an undecided boundary): at a
/// range boundary (a multiple of [`RANGE_SIZE`], past `cut_at`, where the last cut was) with no
/// line end in the [`ranged::LINE_SEARCH`] bytes from the byte before it,
/// between two fields before it ([`long_line_cut`]). Boundaries are taken in order; at one whose
/// bytes after it are not all in `buf` yet, the chunk ends at the last line end before it
/// instead, if there is one.
fn file_cut(buf: &[u8], offset: u64, cut_at: Option<u64>, done: bool) -> Option<(usize, Option<u64>)> {
    let range = RANGE_SIZE as u64;
    let end = offset + buf.len() as u64;
    let mut boundary = ((offset / range + 1) * range).max(cut_at.map_or(0, |b| b + range));
    while boundary < end {
        let local = (boundary - offset) as usize;
        let search_end = (boundary - 1 + ranged::LINE_SEARCH - offset) as usize;
        if search_end >= buf.len() {
            if done {
                return None; // the file ends within the search: its last line is not cut
            }
            return memchr::memrchr(b'\n', &buf[..local]).map(|i| (i + 1, None));
        }
        if memchr::memchr(b'\n', &buf[local - 1..search_end]).is_none() {
            let from = local.saturating_sub(CUT_SEARCH);
            let cut = from + long_line_cut(&buf[from..local], b'\n');
            if cut > 0 {
                return Some((cut, Some(boundary)));
            }
        }
        boundary += range;
    }
    None
}

/// Reads into `buf` until it holds `target` bytes or the stream ends (without zeroing the
/// buffer first: `read_to_end` reads into its spare capacity).
fn fill<R: Read>(reader: &mut R, buf: &mut Vec<u8>, target: usize) -> io::Result<()> {
    if buf.len() >= target {
        return Ok(());
    }
    buf.reserve(target - buf.len());
    let want = (target - buf.len()) as u64;
    reader.by_ref().take(want).read_to_end(buf).map(|_| ())
}

/// A one-line description of a read or decode error, stable across systems.
pub fn describe_error(e: &io::Error) -> String {
    walk::describe(e)
}
