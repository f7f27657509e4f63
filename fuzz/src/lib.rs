//! Helpers shared by the fuzz targets in `fuzz_targets/` and, through `#[path]` includes, by the
//! main crate's `tests/properties.rs` and `tests/fuzz_regressions.rs`: a reader that returns data
//! in short reads, the chunk splitter's invariants, a chunked scan that merges chunks the way
//! `scan::scan_inputs` does, and the secret non-leak oracle.
//!
//! This file depends only on `std` and `aadlint`, so the integration tests can include it.

use aadlint::input::{ChunkReader, CHUNK_SIZE, MAX_CHUNK};
use aadlint::model::Event;
use aadlint::scan::assemble::{Assembler, Sink};
use aadlint::scan::{scan_chunk, Mode};
use std::io::{self, Read};

/// A reader over a byte slice that returns at most one of `sizes` bytes per call (cycling), and
/// optionally an `Interrupted` error before some reads and a hard error at a byte offset.
pub struct ShortReader<'a> {
    /// What is left to return.
    pub data: &'a [u8],
    /// Read sizes, used in turn; a 0 is read as 1.
    pub sizes: Vec<usize>,
    /// Index of the next size.
    pub turn: usize,
    /// Every `interrupt_every`-th call fails with `ErrorKind::Interrupted` (0: never).
    pub interrupt_every: usize,
    /// Calls made so far.
    pub calls: usize,
    /// Fail with a hard error once this many bytes were returned (`None`: never).
    pub fail_at: Option<usize>,
    /// Bytes returned so far.
    pub returned: usize,
}

impl<'a> ShortReader<'a> {
    /// A reader over `data` that returns reads of the given sizes in turn.
    pub fn new(data: &'a [u8], sizes: Vec<usize>) -> Self {
        ShortReader {
            data,
            sizes: if sizes.is_empty() { vec![usize::MAX] } else { sizes },
            turn: 0,
            interrupt_every: 0,
            calls: 0,
            fail_at: None,
            returned: 0,
        }
    }
}

impl Read for ShortReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.interrupt_every > 0 && self.calls % self.interrupt_every == 0 {
            return Err(io::ErrorKind::Interrupted.into());
        }
        if self.fail_at.is_some_and(|at| self.returned >= at) {
            return Err(io::Error::other("injected read error"));
        }
        let mut n = self.sizes[self.turn % self.sizes.len()].max(1);
        self.turn += 1;
        if let Some(at) = self.fail_at {
            n = n.min(at - self.returned).max(1);
        }
        let n = n.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        self.returned += n;
        Ok(n)
    }
}

/// The chunks [`ChunkReader::with_sizes`] cuts from `reader`, the error it reported (if any) and
/// the number of chunks it returned after that error. Panics if the reader hands out more than
/// `limit` chunks (a loop).
pub fn collect_chunks<R: Read>(
    reader: R,
    chunk_size: usize,
    max_chunk: usize,
    limit: usize,
) -> (Vec<Vec<u8>>, Option<io::Error>) {
    let mut chunks = ChunkReader::with_sizes(reader, chunk_size, max_chunk);
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut error = None;
    loop {
        match chunks.next_chunk(Vec::new()) {
            Ok(Some(c)) => {
                assert_eq!(c.index, out.len() as u64, "chunk indices count from 0 without gaps");
                out.push(c.data);
            }
            Ok(None) => break,
            Err(e) => {
                assert!(error.is_none(), "a read error is reported once");
                error = Some(e);
            }
        }
        assert!(out.len() <= limit, "ChunkReader returned more than {limit} chunks");
    }
    // After the end, the reader stays at the end.
    assert!(matches!(chunks.next_chunk(Vec::new()), Ok(None)), "ChunkReader resumed after its end");
    (out, error)
}

/// Checks the splitter's invariants for `data` read through `sizes`-sized short reads, against
/// the chunks cut from one read of the whole input: the chunks concatenate to the input, none is
/// empty, none exceeds the effective maximum, every chunk but the last ends at a `\n` unless it
/// is exactly the maximum long, and chunks do not depend on how `read` split the bytes.
pub fn check_chunk_reader(data: &[u8], chunk_size: usize, max_chunk: usize, sizes: &[usize], interrupt_every: usize) {
    let effective_max = max_chunk.max(chunk_size.max(1));
    let mut reader = ShortReader::new(data, sizes.to_vec());
    reader.interrupt_every = interrupt_every;
    let (chunks, error) = collect_chunks(reader, chunk_size, max_chunk, data.len() + 1);
    assert!(error.is_none(), "no error was injected: {error:?}");
    assert_eq!(chunks.concat(), data, "chunks concatenate to the input");
    for (i, c) in chunks.iter().enumerate() {
        assert!(!c.is_empty(), "chunk {i} is empty");
        assert!(c.len() <= effective_max, "chunk {i} is {} bytes, over {effective_max}", c.len());
        if i + 1 < chunks.len() {
            assert!(
                c.last() == Some(&b'\n') || c.len() == effective_max,
                "chunk {i} of {} ends mid-line ({} bytes, max {effective_max})",
                chunks.len(),
                c.len()
            );
        }
    }
    let (whole, _) = collect_chunks(ShortReader::new(data, vec![usize::MAX]), chunk_size, max_chunk, data.len() + 1);
    assert_eq!(chunks, whole, "chunks depend on how read() split the stream");
}

/// Checks that a hard read error after `fail_at` bytes yields exactly the bytes before it, then
/// the error once, then the end.
pub fn check_chunk_reader_error(data: &[u8], chunk_size: usize, max_chunk: usize, sizes: &[usize], fail_at: usize) {
    let fail_at = fail_at.min(data.len());
    let mut reader = ShortReader::new(data, sizes.to_vec());
    reader.fail_at = Some(fail_at);
    let (chunks, error) = collect_chunks(reader, chunk_size, max_chunk, data.len() + 1);
    assert!(error.is_some(), "the injected error was reported");
    assert_eq!(chunks.concat(), &data[..fail_at], "the bytes read before the error come first");
}

/// What a scan found, in a form that compares across runs: per-code counts, every event, and
/// the number of lines.
#[derive(Debug, PartialEq, Eq)]
pub struct ScanDigest {
    /// Per code: prefixed, bare, failures, lines, approximate, and the kept locations.
    pub tallies: Vec<String>,
    /// Every event, as its `Debug` text.
    pub events: Vec<String>,
    /// Lines counted.
    pub lines: u64,
    /// The newline byte the source was read with.
    pub newline: u8,
    /// Whether some chunk was cut mid-line because it reached the largest chunk size.
    pub cut_mid_line: bool,
}

/// How the pipeline reads a source, decided from its first chunk: the line end (`\r` when the
/// first chunk holds a `\r` and no `\n`) and the scan mode (`Mode::of`). With the pipeline's chunk
/// sizes the first chunk holds at least the first `CHUNK_SIZE` bytes, or the first `MAX_CHUNK`
/// when it has no `\n`; this decides from those prefixes of the stream, so that tests with
/// small chunks read the source the way the pipeline does.
pub fn source_settings(data: &[u8]) -> (u8, Mode) {
    let head = &data[..data.len().min(MAX_CHUNK)];
    let newline = if !head.contains(&b'\n') && head.contains(&b'\r') { b'\r' } else { b'\n' };
    (newline, Mode::of(&data[..data.len().min(CHUNK_SIZE)]))
}

/// Scans `data` the way `scan::scan_inputs` does one source (chunks from [`ChunkReader`], each
/// scanned by `scan_chunk`, hits renumbered and fed in order to an [`Assembler`]), with the given
/// chunk sizes and short reads, and the line end and mode of [`source_settings`].
pub fn chunked_scan(data: &[u8], chunk_size: usize, max_chunk: usize, sizes: &[usize]) -> ScanDigest {
    let (chunks, error) = collect_chunks(ShortReader::new(data, sizes.to_vec()), chunk_size, max_chunk, data.len() + 1);
    assert!(error.is_none());
    let (newline, mode) = source_settings(data);
    let mut sink = Sink::new(usize::MAX);
    let mut assembler: Option<Assembler> = None;
    let mut lines_before = 0u64;
    let mut ends_with_newline = true;
    let mut cut_mid_line = false;
    let n = chunks.len();
    for (i, chunk) in chunks.iter().enumerate() {
        if i + 1 < n && chunk.last() != Some(&newline) {
            cut_mid_line = true;
        }
        let scan = scan_chunk(chunk, newline, mode);
        let a = assembler.get_or_insert_with(|| Assembler::new(0, 0, &sink));
        for mut hit in scan.hits {
            hit.line += lines_before + 1;
            a.push(hit, &mut sink);
        }
        lines_before += scan.newlines;
        ends_with_newline = chunk.last() == Some(&newline);
    }
    if let Some(a) = assembler {
        a.finish(&mut sink);
    }
    let lines = lines_before + u64::from(!ends_with_newline && !data.is_empty());
    digest(sink, lines, newline, cut_mid_line)
}

fn digest(sink: Sink, lines: u64, newline: u8, cut_mid_line: bool) -> ScanDigest {
    let tallies = sink
        .tallies
        .codes
        .iter()
        .map(|(code, t)| {
            format!(
                "{code}: prefixed={} bare={} failures={} lines={} approx={} locations={:?}",
                t.prefixed, t.bare, t.failures, t.lines, t.failures_approximate, t.locations
            )
        })
        .collect();
    let events = sink.events.iter().map(|e: &Event| format!("{e:?}")).collect();
    ScanDigest {
        tallies,
        events,
        lines,
        newline,
        cut_mid_line,
    }
}

/// The keys after which the oracle takes a value to be a secret.
pub const SECRET_PREFIXES: [&str; 6] = [
    "device_code=",
    "\"device_code\": \"",
    "enter the code ",
    "refresh_token=",
    "client_secret=",
    "password=",
];

/// The shortest run of ASCII letters and digits the oracle treats as a secret.
pub const MIN_SECRET_RUN: usize = 10;

/// The secrets of `input` the oracle checks: every maximal run of at least
/// [`MIN_SECRET_RUN`] ASCII alphanumerics right after one of [`SECRET_PREFIXES`]. A run that also
/// occurs in `input` where no such key precedes it is left out (the tool cannot know it is
/// secret there), and so is one that contains `AADSTS` (a code, which the report names).
pub fn secret_runs(input: &[u8]) -> Vec<Vec<u8>> {
    let mut starts: Vec<(usize, usize)> = Vec::new();
    for prefix in SECRET_PREFIXES {
        let p = prefix.as_bytes();
        let mut from = 0;
        while let Some(i) = find(&input[from..], p) {
            let start = from + i + p.len();
            let len = input[start..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
            if len >= MIN_SECRET_RUN {
                starts.push((start, len));
            }
            from = from + i + 1;
        }
    }
    let mut out: Vec<Vec<u8>> = Vec::new();
    for &(start, len) in &starts {
        let run = &input[start..start + len];
        if out.iter().any(|r| r == run) || find(run, b"AADSTS").is_some() {
            continue;
        }
        // Every occurrence of the run must be one of the keyed ones (the same run can be keyed
        // at several places).
        let mut all_keyed = true;
        let mut from = 0;
        while let Some(i) = find(&input[from..], run) {
            let at = from + i;
            if !starts.iter().any(|&(s, l)| s <= at && at + run.len() <= s + l) {
                all_keyed = false;
                break;
            }
            from = at + 1;
        }
        if all_keyed {
            out.push(run.to_vec());
        }
    }
    out
}

/// The secrets of `input` (see [`secret_runs`]) that appear in `output`; empty when none leaked.
pub fn leaked_secrets(input: &[u8], output: &str) -> Vec<String> {
    secret_runs(input)
        .into_iter()
        .filter(|r| find(output.as_bytes(), r).is_some())
        .map(|r| String::from_utf8_lossy(&r).into_owned())
        .collect()
}

/// Position of `needle` in `hay`.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Line prefixes the structured target puts before fuzzed bytes: JSON lines, escaped JSON, HTTP
/// traces, device code responses, MSAL and sign-in export shapes.
pub const TEMPLATES: [&[u8]; 12] = [
    b"{\"timestamp\": \"2026-11-27T10:04:14Z\", \"pid\": 4242, \"thread\": \"T1\", \"message\": \"",
    b"{\"level\":\"error\",\"msg\":\"{\\\"error\\\":\\\"authorization_pending\\\",\\\"error_codes\\\":[",
    b"POST /organizations/oauth2/v2.0/token HTTP/1.1\" 400 grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=",
    b"{\"user_code\": \"",
    b"{\"device_code\": \"",
    b"2026-11-27 10:04:14,312 21441 MainThread msal.application DEBUG To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ",
    b"{\"createdDateTime\": \"2026-10-12T13:22:41Z\", \"correlationId\": \"",
    b"Date (UTC),Request ID,User agent,Correlation ID,Authentication Protocol,Sign-in error code,Failure reason,a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p",
    b"2026-10-12T13:22:41Z,3495d886-dedd-49b5-af08-4fffcd890e00,x,b7f6f44c-b5c4-4729-8a35-9f2bd8e2382f,Device code,",
    b"Nov 27 10:04:19 host app[1]: AADSTS",
    b"I1007 12:09:43.879675   12345 token.go:80] expires_in=",
    b"Fri, 27 Nov 2026 10:04:14 GMT:",
];
