//! Helpers shared by the main crate's tests (`tests/properties.rs`, `tests/fuzz_regressions.rs`,
//! `tests/planting.rs`, through `#[path]` includes) and by the fuzz targets in `fuzz/` (whose
//! `src/lib.rs` includes this file): a reader that returns data in short reads, the chunk
//! splitter's invariants, a scan by the real driver with inputs cut into chunks of any size, and
//! the secret non-leak oracle.
//!
//! This file depends only on `std`, `aadlint` and crates `aadlint` depends on (`clap`,
//! `serde_json`), so the integration tests can include it.

use aadlint::analysis::Analysis;
use aadlint::input::{Chunk, ChunkReader, Origin, Planned, CONTEXT_BYTES, CONTEXT_LINES, CUT_SEARCH, HEAD_BYTES};
use aadlint::model::Event;
use aadlint::report::{explain_cause, explain_code, render, Format, Style};
use aadlint::rules::{Catalog, RuleRef};
use aadlint::scan::event::parse;
use aadlint::scan::excerpt::EXCERPT_CHARS;
use aadlint::scan::export::CsvHeader;
use aadlint::scan::{scan_chunk, scan_inputs_with, Chunking, Mode, ScanOptions, ScanOutput, MAX_LINE};
use std::io::{self, Read};
use std::path::Path;

/// A reader over a byte slice that returns at most one of `sizes` bytes per call (cycling), and
/// optionally an `Interrupted` error before some reads and a hard error at a byte offset.
pub struct ShortReader<'a> {
    /// What is left to return.
    pub data: &'a [u8],
    /// Read sizes, used in turn; a 0 is read as 1.
    pub sizes: Vec<usize>,
    /// Index of the next size.
    pub turn: usize,
    /// Every `interrupt_every`-th call fails with `ErrorKind::Interrupted` (0 and 1: never, as a
    /// reader interrupted on every call would never make progress).
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
    // `%`, not `is_multiple_of`: the main crate's MSRV (1.85) includes this file.
    #[allow(unknown_lints, clippy::manual_is_multiple_of)]
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.interrupt_every > 1 && self.calls % self.interrupt_every == 0 {
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

/// The chunks [`ChunkReader::with_sizes`] cuts from `reader` and the error it reported (if any).
/// Panics if the reader hands out more than `limit` chunks (a loop), numbers chunks other than
/// 0, 1, 2, ..., reports an error twice or resumes after its end.
pub fn collect_chunks<R: Read>(
    reader: R,
    chunk_size: usize,
    max_chunk: usize,
    limit: usize,
) -> (Vec<Chunk>, Option<io::Error>) {
    let mut chunks = ChunkReader::with_sizes(reader, chunk_size, max_chunk);
    let mut out: Vec<Chunk> = Vec::new();
    let mut error = None;
    loop {
        match chunks.next_chunk(Vec::new()) {
            Ok(Some(c)) => {
                assert_eq!(c.index, out.len() as u64, "chunk indices count from 0 without gaps");
                out.push(c);
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
    assert!(
        matches!(chunks.next_chunk(Vec::new()), Ok(None)),
        "ChunkReader resumed after its end"
    );
    (out, error)
}

fn data_of(chunks: &[Chunk]) -> Vec<&[u8]> {
    chunks.iter().map(|c| c.data.as_slice()).collect()
}

/// Checks the splitter's invariants for `data` read through `sizes`-sized short reads, against
/// the chunks cut from one read of the whole input: the chunks concatenate to the input, none is
/// empty, none exceeds the effective maximum, every chunk but the last ends at a `\n` unless it
/// is the cut of a line longer than the maximum, and chunks do not depend on how `read` split the
/// bytes.
pub fn check_chunk_reader(data: &[u8], chunk_size: usize, max_chunk: usize, sizes: &[usize], interrupt_every: usize) {
    let effective_max = max_chunk.max(chunk_size.max(1));
    let mut reader = ShortReader::new(data, sizes.to_vec());
    reader.interrupt_every = interrupt_every;
    let (full, error) = collect_chunks(reader, chunk_size, max_chunk, data.len() + 1);
    assert!(error.is_none(), "no error was injected: {error:?}");
    let chunks = data_of(&full);
    assert_eq!(chunks.concat(), data, "chunks concatenate to the input");
    let mut offset = 0;
    for (i, c) in full.iter().enumerate() {
        // The context is the end of the stream before the chunk: at most CONTEXT_LINES lines of
        // it, at most CONTEXT_BYTES bytes.
        let before = &data[..offset];
        assert!(
            before.ends_with(&c.context),
            "chunk {i}'s context is not the end of the stream before it"
        );
        assert!(c.context.len() <= CONTEXT_BYTES, "chunk {i}'s context is too long");
        let lines = c.context.iter().filter(|&&b| b == b'\n').count();
        assert!(lines <= CONTEXT_LINES, "chunk {i}'s context has {lines} lines");
        offset += c.data.len();
    }
    for (i, c) in chunks.iter().enumerate() {
        assert!(!c.is_empty(), "chunk {i} is empty");
        assert!(
            c.len() <= effective_max,
            "chunk {i} is {} bytes, over {effective_max}",
            c.len()
        );
        if i + 1 < chunks.len() {
            // Only a line longer than the maximum is cut, within the last bytes it may reach.
            let cut_long_line = !c.contains(&b'\n') && c.len() + CUT_SEARCH >= effective_max;
            assert!(
                c.last() == Some(&b'\n') || cut_long_line,
                "chunk {i} of {} ends mid-line ({} bytes, max {effective_max})",
                chunks.len(),
                c.len()
            );
        }
    }
    let (whole, _) = collect_chunks(
        ShortReader::new(data, vec![usize::MAX]),
        chunk_size,
        max_chunk,
        data.len() + 1,
    );
    assert_eq!(chunks, data_of(&whole), "chunks depend on how read() split the stream");
    let contexts = |cs: &[Chunk]| cs.iter().map(|c| c.context.clone()).collect::<Vec<_>>();
    assert_eq!(
        contexts(&full),
        contexts(&whole),
        "contexts depend on how read() split the stream"
    );
}

/// Checks that a hard read error after `fail_at` bytes yields exactly the bytes before it, then
/// the error once, then the end.
pub fn check_chunk_reader_error(data: &[u8], chunk_size: usize, max_chunk: usize, sizes: &[usize], fail_at: usize) {
    let fail_at = fail_at.min(data.len());
    let mut reader = ShortReader::new(data, sizes.to_vec());
    reader.fail_at = Some(fail_at);
    let (chunks, error) = collect_chunks(reader, chunk_size, max_chunk, data.len() + 1);
    assert!(error.is_some(), "the injected error was reported");
    assert_eq!(
        data_of(&chunks).concat(),
        &data[..fail_at],
        "the bytes read before the error come first"
    );
}

/// What a scan found, in a form that compares across runs: per-code counts, every event, and
/// the number of lines.
#[derive(Debug, PartialEq, Eq)]
pub struct ScanDigest {
    /// Per code: prefixed, bare, failures, lines, approximate, and the kept locations.
    pub tallies: Vec<String>,
    /// Per code: the code, prefixed mentions, bare mentions, failures, lines.
    pub counts: Vec<(u32, u64, u64, u64, u64)>,
    /// Every event, as its `Debug` text.
    pub events: Vec<String>,
    /// Lines counted.
    pub lines: u64,
    /// The newline byte the source was read with.
    pub newline: u8,
    /// Whether some chunk was cut mid-line because it reached the largest chunk size.
    pub cut_mid_line: bool,
}

/// Scans `data` with the real driver (`scan::scan_inputs_with`), from a file in `dir` read as
/// one stream cut into chunks of `chunk_size` bytes (at most `max_chunk`): the line end, mode and
/// layouts still come from the file's head, so only the cuts change.
pub fn chunked_scan(dir: &Path, data: &[u8], chunk_size: usize, max_chunk: usize) -> ScanDigest {
    static FILES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = FILES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = dir.join(format!("chunked-{n}.bin"));
    std::fs::write(&path, data).expect("the test folder is writable");
    let planned = [Planned {
        display: "chunked.bin".into(),
        origin: Origin::File(path.clone()),
        error: None,
    }];
    let options = ScanOptions {
        chunking: Some(Chunking { chunk_size, max_chunk }),
        ..ScanOptions::default()
    };
    let out = scan_inputs_with(&planned, &options, &|_| {});
    let _ = std::fs::remove_file(&path);
    let newline = aadlint::input::line_end(&data[..data.len().min(HEAD_BYTES)]);
    let (chunks, _) = collect_chunks(data, chunk_size, max_chunk, data.len() + 1);
    let n = chunks.len();
    let cut_mid_line = chunks[..n.saturating_sub(1)]
        .iter()
        .any(|c| c.data.last() != Some(&newline));
    digest(&out, newline, cut_mid_line)
}

fn digest(out: &ScanOutput, newline: u8, cut_mid_line: bool) -> ScanDigest {
    let tallies = out
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
    let counts = out
        .tallies
        .codes
        .iter()
        .map(|(&code, t)| (code, t.prefixed, t.bare, t.failures, t.lines))
        .collect();
    let events = out.events.iter().map(|e: &Event| format!("{e:?}")).collect();
    ScanDigest {
        tallies,
        counts,
        events,
        lines: out.inputs[0].lines,
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
/// A run may also be text the report has anyway (a word of a rule, a URL): [`leaks`] tells those
/// apart.
pub fn leaked_secrets(input: &[u8], output: &str) -> Vec<String> {
    secret_runs(input)
        .into_iter()
        .filter(|r| find(output.as_bytes(), r).is_some())
        .map(|r| String::from_utf8_lossy(&r).into_owned())
        .collect()
}

/// `input` with every occurrence of each of `runs` replaced by a different run of the same
/// length and the same kinds of characters (each letter and digit shifted by one).
pub fn mask(input: &[u8], runs: &[String]) -> Vec<u8> {
    let mut out = input.to_vec();
    for run in runs {
        let run = run.as_bytes();
        let shifted: Vec<u8> = run
            .iter()
            .map(|&b| match b {
                b'z' => b'a',
                b'Z' => b'A',
                b'9' => b'0',
                b if b.is_ascii_alphanumeric() => b + 1,
                b => b,
            })
            .collect();
        let mut from = 0;
        while let Some(i) = find(&out[from..], run) {
            out[from + i..from + i + run.len()].copy_from_slice(&shifted);
            from += i + run.len();
        }
    }
    out
}

/// Everything a user can see of an analysis: its JSON serialisation, then every report format.
pub fn report_text(analysis: &Analysis) -> String {
    let mut out = serde_json::to_string(analysis).expect("the analysis serialises");
    let style = Style {
        color: false,
        width: 120,
        root: None,
        ..Default::default()
    };
    for &format in <Format as clap::ValueEnum>::value_variants() {
        let mut buf = Vec::new();
        render(analysis, format, style, &mut buf).expect("rendering into memory");
        out.push('\n');
        out.push_str(&String::from_utf8_lossy(&buf));
    }
    out
}

/// Writes `input` to `dir/input.log` and runs `aadlint::analyze` on it with the built-in rules.
pub fn analyze_bytes(dir: &Path, input: &[u8]) -> Analysis {
    let path = dir.join("input.log");
    std::fs::write(&path, input).expect("writing the input");
    aadlint::analyze(&[path.to_string_lossy().into_owned()], Catalog::builtin())
}

/// The secret non-leak oracle: the secrets of `input` (see [`secret_runs`]) that its report
/// shows, in JSON or in any format. A run the report also shows when the input holds a different
/// run in its place (see [`mask`]) comes from the report's own text, not from the input, and is
/// not a leak. Returns the analysis too.
pub fn leaks(dir: &Path, input: &[u8]) -> (Analysis, Vec<String>) {
    let analysis = analyze_bytes(dir, input);
    let shown = leaked_secrets(input, &report_text(&analysis));
    if shown.is_empty() {
        return (analysis, shown);
    }
    let masked = report_text(&analyze_bytes(dir, &mask(input, &shown)));
    let leaked = shown.into_iter().filter(|r| !masked.contains(r.as_str())).collect();
    (analysis, leaked)
}

/// Tells whether a leaked run of an input is explained by a known leak: `(input, run)`.
pub type LeakTest = fn(&[u8], &[u8]) -> bool;

/// Leaks already reported and awaiting a fix in `src/`, which a fuzzing run may choose to look
/// past (`AADLINT_FUZZ_SKIP_KNOWN=1`) to find others: each is `(name, test)`, where `test` gets
/// the input and the leaked run.
pub const KNOWN_LEAKS: &[(&str, LeakTest)] = &[];

/// The name of the known leak (see [`KNOWN_LEAKS`]) that explains `run`, if one does.
pub fn known_leak(input: &[u8], run: &[u8]) -> Option<&'static str> {
    KNOWN_LEAKS
        .iter()
        .find(|(_, test)| test(input, run))
        .map(|(name, _)| *name)
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

/// The checks of the `scan_chunk` target on one input: `scan_chunk` with both line ends in both
/// modes (the newline count is the number of line-end bytes, hits come in line order within the
/// chunk, excerpts stay short) and `event::parse` on the input as one line.
pub fn fuzz_scan_chunk(data: &[u8]) {
    for (newline, mode) in [
        (b'\n', Mode::Logs),
        (b'\r', Mode::Logs),
        (b'\n', Mode::Export),
        (b'\r', Mode::Export),
    ] {
        let scan = scan_chunk(data, &[], newline, mode);
        let ends = data.iter().filter(|&&b| b == newline).count() as u64;
        assert_eq!(scan.newlines, ends, "newline count");
        let mut last = 0;
        for hit in &scan.hits {
            assert!(hit.line >= last, "hits out of line order");
            assert!(
                hit.line <= ends,
                "hit on line {} of a chunk of {ends} line ends",
                hit.line
            );
            assert!(hit.excerpt.chars().count() <= EXCERPT_CHARS + 4, "excerpt too long");
            last = hit.line;
        }
    }
    if data.len() <= MAX_LINE {
        let hit = parse(data);
        assert!(hit.excerpt.chars().count() <= EXCERPT_CHARS + 4, "excerpt too long");
    }
}

/// The checks of the `chunk_reader` target on one input (see the target for the layout).
pub fn fuzz_chunk_reader(data: &[u8]) {
    if data.len() < 8 {
        return;
    }
    let (head, stream) = data.split_at(8);
    let chunk_size = usize::from(head[0] % 64);
    let max_chunk = usize::from(head[1]);
    let interrupt_every = usize::from(head[2] % 8);
    let sizes: Vec<usize> = head[3..7].iter().map(|&b| usize::from(b % 32)).collect();
    check_chunk_reader(stream, chunk_size, max_chunk, &sizes, interrupt_every);
    if head[7] != 255 {
        check_chunk_reader_error(stream, chunk_size, max_chunk, &sizes, usize::from(head[7]));
    }
}

/// The checks of the `structured` target on one input (see the target for the layout).
pub fn fuzz_structured(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    // CSV: the fuzzed bytes as a header, and as a row under a real header and under their own.
    let (head, row) = match rest.iter().position(|&b| b == b'\n') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, rest),
    };
    let row_text = String::from_utf8_lossy(row);
    if let Some(header) = CsvHeader::parse(head) {
        header.read_row(&row_text, &[]);
    }
    let real = CsvHeader::parse(TEMPLATES[7]).expect("the template is a sign-in export header");
    real.read_row(&row_text, &[]);

    // A templated line, parsed alone and scanned as a chunk (with the CSV header before it).
    let template = TEMPLATES[usize::from(pick) % TEMPLATES.len()];
    let mut line = template.to_vec();
    line.extend_from_slice(rest);
    let _ = parse(&line);
    let mut chunk = TEMPLATES[7].to_vec();
    chunk.push(b'\n');
    chunk.extend_from_slice(&line);
    chunk.push(b'\n');
    let _ = scan_chunk(&chunk, &[], b'\n', Mode::Export);
    let _ = scan_chunk(&line, TEMPLATES[0], b'\n', Mode::Logs);
}

/// The checks of the `rules` target on one input.
pub fn fuzz_rules(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for name in ["x.toml", "AADSTS50076.toml", "polled-after-success.toml"] {
        let mut catalog = Catalog::default();
        match catalog.add(name, text, true) {
            Ok(()) => {
                for query in ["AADSTS50076", "50076", "polled-after-success", "x"] {
                    let mut out = Vec::new();
                    match catalog.lookup(query) {
                        Some(RuleRef::Code(r)) => {
                            let _ = (r.number(), r.docs_url(), r.first_fix());
                            explain_code(r, 100, &mut out).expect("rendering into memory");
                        }
                        Some(RuleRef::Cause(r)) => explain_cause(r, 100, &mut out).expect("rendering into memory"),
                        None => {}
                    }
                }
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
}

/// Separators the planting generator puts around a planted sample.
pub const PLANT_SEPARATORS: [&str; 8] = [" ", "", "\t", ", ", " | ", "\",\"", ": -- ", "     "];

/// One planted line: a quoted log line (a device code polled again) holding a sample of the
/// secret catalog, and the secret (as the line's encoding writes it) that no excerpt may show.
#[derive(Debug)]
pub struct Planted {
    /// The line.
    pub line: Vec<u8>,
    /// The secret as it stands in the line.
    pub secret: Vec<u8>,
    /// Where a reader may cut the line (a window or chunk edge), as fractions of its length.
    pub cuts: Vec<usize>,
}

/// The planting generator: from any bytes, a sample of the secret catalog
/// (`aadlint::scan::secrets::samples`) planted with a separator, in an encoding (as is, inside a
/// JSON string, JSON-escaped twice, with `\u0022` quotes), at a distance before or after the
/// flow's words, in a line padded to a length from a few bytes to past the long-line limit.
/// `None` when `data` is too short to choose.
pub fn planted(data: &[u8]) -> Option<Planted> {
    let samples = aadlint::scan::secrets::samples();
    let pick = |i: usize, n: usize| data.get(i).map(|&b| b as usize % n);
    let (_, sample) = samples[(*data.first()? as usize + 256 * *data.get(1)? as usize) % samples.len()];
    let sep = PLANT_SEPARATORS[pick(2, PLANT_SEPARATORS.len())?];
    let encoding = pick(3, 4)?;
    let before = pick(4, 2)? == 0;
    // The distance to the flow's words, and the padding: up to 80 KiB.
    let distance = [0, 1, 7, 500, 1000, 1024, 1100, 4000, 4100, 7000, 8100, 8192, 9000][pick(5, 13)?];
    let pad = [0, 100, 5_000, 20_000, 66_000, 80_000][pick(6, 6)?];
    let glue = if pick(7, 2)? == 0 { "x" } else { "\"k\":\"v\"," };
    let encode = |s: &str| -> String {
        match encoding {
            0 => s.to_string(),
            1 => serde_json::to_string(s).unwrap().trim_matches('"').to_string(),
            2 => {
                let once = serde_json::to_string(s).unwrap();
                let twice = serde_json::to_string(once.trim_matches('"')).unwrap();
                twice.trim_matches('"').to_string()
            }
            _ => s.replace('"', "\\u0022"),
        }
    };
    let (plant, secret) = (encode(&sample.line), encode(&sample.secret));
    if !plant.contains(&secret) {
        return None;
    }
    let filler = |len: usize| glue.repeat(len / glue.len());
    let anchor = "token request with device_code=DAQABIQEAAADPlantedFuzz0001x failed: invalid_grant: AADSTS90120";
    let middle = if before {
        format!("{plant}{sep}{}{sep}{anchor}", filler(distance))
    } else {
        format!("{anchor}{sep}{}{sep}{plant}", filler(distance))
    };
    let line = format!(
        "2026-11-27 10:00:00,000 100 MainThread app ERROR {}{sep}{middle}{sep}{}",
        filler(pad / 2),
        filler(pad / 2)
    );
    let cuts = data[8.min(data.len())..]
        .chunks(2)
        .take(4)
        .map(|c| c.iter().fold(0usize, |a, &b| a * 256 + b as usize) * line.len() / 65536)
        .collect();
    Some(Planted {
        line: line.into_bytes(),
        secret: secret.into_bytes(),
        cuts,
    })
}

/// Checks a planted line the ways a report can quote it: redacted whole, redacted around each
/// cut, its excerpt, and scanned as a chunk (which reads a long line in windows and makes the
/// excerpts of its quoted parts). Panics with the leak.
pub fn check_planted(p: &Planted) {
    use aadlint::scan::secrets::{redact, redact_part};
    let leak = |what: &str, out: &[u8]| {
        assert!(
            find(out, &p.secret).is_none(),
            "{what} leaks {:?} planted in a line of {} bytes",
            String::from_utf8_lossy(&p.secret),
            p.line.len()
        );
    };
    leak("redact", &redact(&p.line));
    for &cut in &p.cuts {
        leak("redact_part (after)", &redact_part(&p.line, cut..p.line.len()));
        leak("redact_part (before)", &redact_part(&p.line, 0..cut));
        leak(
            "redact_part (window)",
            &redact_part(&p.line, cut..(cut + 8192).min(p.line.len())),
        );
    }
    leak("excerpt", aadlint::scan::excerpt::excerpt(&p.line).as_bytes());
    let scan = scan_chunk(&p.line, b"", b'\n', Mode::Logs);
    assert!(!scan.hits.is_empty(), "the planted line is read");
    for hit in &scan.hits {
        leak("scan excerpt", hit.excerpt.as_bytes());
    }
}

/// Runs the `plant_secrets` target on one input.
pub fn fuzz_plant_secrets(data: &[u8]) {
    if let Some(p) = planted(data) {
        check_planted(&p);
    }
}
