//! Drives the scan of every input: regular files read in ranges by the scanning threads, streams
//! read here, chunks scanned in parallel on the rayon pool and assembled in input order by one
//! [`Collector`], so that only the chunks in flight are ever held.

use super::assemble::{Assembler, Sink, REPORT_BYTES_PER_EVENT};
use super::chunk::{scan_chunk_with, ChunkScan};
use super::excerpt::{read_excerpt, Excerpts};
use super::partial::Stitcher;
use super::prefilter::Mode;
use super::record::{Layouts, Reader};
use super::tally::Tallies;
use crate::input::{self, ChunkReader, Planned};
use crate::model::{Event, Excerpt, InputSummary};
use std::collections::BTreeMap;
use std::sync::{mpsc, Arc};

/// Everything the scan stage hands to the next stages.
#[derive(Debug)]
pub struct ScanOutput {
    /// One entry per input, in order.
    pub inputs: Vec<InputSummary>,
    /// Per-code counts.
    pub tallies: Tallies,
    /// Every device-code-flow event kept, by input and line.
    pub events: Vec<Event>,
    /// The event cap in force.
    pub max_events: usize,
    /// Events not kept because of the event cap or the memory budget.
    pub events_dropped: u64,
    /// The memory budget in force, in bytes ([`MEMORY_BUDGET_VAR`]).
    pub memory_budget: u64,
    /// Of `events_dropped`, those not kept because of the memory budget.
    pub events_over_budget: u64,
    /// The regular files, by input, still open: the lines a report quotes are read from them
    /// again (see [`ScanOutput::excerpt`]).
    pub files: Vec<Option<std::sync::Arc<input::RangedFile>>>,
}

impl ScanOutput {
    /// The excerpt a report shows for `event`: made during the scan, or now from the file.
    pub fn excerpt(&self, event: &Event) -> String {
        match &event.excerpt {
            Excerpt::Text(text) => text.clone(),
            Excerpt::At {
                offset,
                len,
                hash,
                part,
            } => {
                let file = self.files.get(event.source as usize).and_then(Option::as_deref);
                read_excerpt(file, *offset, *len, *hash, *part)
            }
        }
    }
}

/// How many inputs, the first ones, keep their files open after their scan when a report may
/// quote their lines; later inputs have their excerpts made while they are scanned.
const KEPT_FILES: usize = 128;

/// The most flow events kept by default ([`AADLINT_MAX_EVENTS`](MAX_EVENTS_VAR) overrides it):
/// enough for about a million polls, a few hundred MiB at worst.
pub const MAX_EVENTS: usize = 1_000_000;

/// The environment variable that overrides [`MAX_EVENTS`].
pub const MAX_EVENTS_VAR: &str = "AADLINT_MAX_EVENTS";

/// The event cap in force: [`MAX_EVENTS_VAR`] when it is a number, else [`MAX_EVENTS`].
pub fn max_events() -> usize {
    std::env::var(MAX_EVENTS_VAR)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(MAX_EVENTS)
}

/// The memory budget in force, in bytes: [`MEMORY_BUDGET_VAR`] (MiB) when it is a number, else
/// [`MEMORY_BUDGET_MIB`].
pub fn memory_budget() -> u64 {
    std::env::var(MEMORY_BUDGET_VAR)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(MEMORY_BUDGET_MIB)
        .saturating_mul(1 << 20)
}

/// The memory, in MiB, that the events kept and what the report makes of them may take by
/// default ([`MEMORY_BUDGET_VAR`] overrides it): a run stays under 1 GiB of RSS with it, whatever
/// the input (`benches/compare.sh`, many flows). Events past it are dropped, and the report says
/// so.
pub const MEMORY_BUDGET_MIB: u64 = 640;

/// The environment variable that overrides [`MEMORY_BUDGET_MIB`] (in MiB).
pub const MEMORY_BUDGET_VAR: &str = "AADLINT_MEMORY_BUDGET";

/// One scanned chunk on its way back to the reading thread.
struct ChunkResult {
    source: u32,
    index: u64,
    /// The buffer the chunk was read into (streams), or an empty one: a slot to reuse. The files
    /// of a batch share one slot, which the first of them returns.
    slot: Option<Vec<u8>>,
    /// Where the chunk starts in its file (ranges of regular files), and its size and last byte.
    base: u64,
    bytes: u64,
    last: Option<u8>,
    newline: u8,
    scan: ChunkScan,
    error: Option<std::io::Error>,
    /// The layouts ranked for a file of one range, sniffed while it was scanned.
    sniffed: Option<Reader>,
}

thread_local! {
    /// Each scanning thread's buffer for ranges of regular files.
    static READ_BUF: std::cell::RefCell<input::ReadBuf> = std::cell::RefCell::default();
}

/// How inputs are read: the layouts their envelopes may be in, and the one the user named.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// Every layout (built-in and `--rules`), compiled.
    pub layouts: std::sync::Arc<Layouts>,
    /// `--layout NAME`: the layout every input is read with first, whatever its lines say.
    pub layout: Option<usize>,
    /// The config file's `[[layout]]` entries: inputs whose path (as reported) matches a glob are
    /// read with its layout first, unless `layout` is set. The first matching glob wins.
    pub layout_by_path: Vec<(globset::GlobMatcher, usize)>,
    /// The layout `layout_by_path` picked for each input, by source: set when the scan starts
    /// (whatever a caller puts here is replaced).
    pub input_layouts: Vec<Option<usize>>,
    /// The built-in layouts ranked for a file before the scan began ([`Ranked::of_file`]): the
    /// input that starts with the same head is read with them, unless a layout is chosen for it.
    pub ranked: Option<Ranked>,
    /// Read every input as one stream cut into chunks of these sizes, instead of regular files
    /// in ranges and streams in the usual chunks: how tests cut an input at many places and check
    /// that the scan finds the same. A regular file's line end, mode and layouts still come from
    /// its head, so only the cuts change.
    pub chunking: Option<Chunking>,
}

/// The chunk sizes of [`ScanOptions::chunking`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chunking {
    /// A chunk ends at the first line end past this many bytes.
    pub chunk_size: usize,
    /// A chunk with no line end is cut at this many bytes.
    pub max_chunk: usize,
}

impl Default for ScanOptions {
    fn default() -> ScanOptions {
        ScanOptions {
            layouts: Layouts::builtin().clone(),
            layout: None,
            layout_by_path: Vec::new(),
            input_layouts: Vec::new(),
            ranked: None,
            chunking: None,
        }
    }
}

impl ScanOptions {
    /// These options with `layout_by_path` resolved for each of `planned`.
    fn for_inputs(&self, planned: &[Planned]) -> ScanOptions {
        let pick = |p: &Planned| {
            let path = p.display.strip_prefix("./").unwrap_or(&p.display);
            self.layout_by_path
                .iter()
                .find(|(g, _)| g.is_match(path))
                .map(|&(_, l)| l)
        };
        ScanOptions {
            input_layouts: planned.iter().map(pick).collect(),
            ..self.clone()
        }
    }

    /// The layouts ranked for input `source`, which starts with `head`.
    fn reader(&self, source: u32, head: &[u8]) -> Reader {
        let chosen = self
            .layout
            .or_else(|| self.input_layouts.get(source as usize).copied().flatten());
        match &self.ranked {
            Some(ranked) if chosen.is_none() && ranked.fits(&self.layouts, head) => ranked.reader.clone(),
            _ => self.layouts.detect(head, chosen),
        }
    }
}

/// The built-in layouts ranked for a file's head ahead of its scan.
#[derive(Clone, Debug)]
pub struct Ranked {
    head: Vec<u8>,
    reader: Reader,
}

impl Ranked {
    /// Ranks the built-in layouts for the file at `path` when it spans several ranges: the scan
    /// ranks such a file's layouts on the thread that plans its ranges, with the scanning
    /// threads idle (about 2 ms on an ordinary log), so `aadlint scan` ranks its first input
    /// while the rules are parsed instead. `None` for anything else (a small file, a directory,
    /// gzip, an unreadable path: the scan deals with those as before). Only a regular file is
    /// opened: what is read from a pipe (`scan <(zcat x.gz)`) is gone for the scan.
    pub fn of_file(path: &std::path::Path) -> Option<Ranked> {
        if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
            return None;
        }
        match input::open_source(&input::Origin::File(path.to_path_buf())) {
            Ok(input::Source::Ranged { file, head }) if file.ranges() > 1 => {
                let reader = Layouts::builtin().detect(&head, None);
                Some(Ranked { head, reader })
            }
            _ => None,
        }
    }

    /// Whether this ranking holds for an input read with `layouts` that starts with `head`.
    fn fits(&self, layouts: &Arc<Layouts>, head: &[u8]) -> bool {
        Arc::ptr_eq(layouts, Layouts::builtin()) && self.head == head
    }
}

/// Reads and scans every input. Regular files are read in ranges by the scanning threads
/// themselves; other sources are read here while the rayon pool scans their chunks. At most
/// `2 * threads + 2` chunks are in flight at once. Must not be called from inside the pool.
pub fn scan_inputs(planned: &[Planned]) -> ScanOutput {
    scan_inputs_with(planned, &ScanOptions::default(), &|_| {})
}

/// [`scan_inputs`], calling `progress` with the bytes scanned so far after every chunk.
pub fn scan_inputs_with_progress(planned: &[Planned], progress: &dyn Fn(u64)) -> ScanOutput {
    scan_inputs_with(planned, &ScanOptions::default(), progress)
}

/// [`scan_inputs`] with `options`, calling `progress` with the bytes scanned so far.
pub fn scan_inputs_with(planned: &[Planned], options: &ScanOptions, progress: &dyn Fn(u64)) -> ScanOutput {
    let options = &options.for_inputs(planned);
    let (max_events, memory_budget) = (max_events(), memory_budget());
    let mut flight = Flight {
        collector: Collector::new(planned, max_events, memory_budget),
        free: (0..2 * rayon::current_num_threads() + 2).map(|_| Vec::new()).collect(),
        progress,
    };
    let (tx, rx) = mpsc::channel::<ChunkResult>();

    let mut batch = Batch::default();
    for (source, plan) in planned.iter().enumerate() {
        let source = source as u32;
        let opened = match &plan.error {
            Some(_) => Err(std::io::ErrorKind::NotFound.into()),
            None => input::open_source(&plan.origin),
        };
        let small = matches!(&opened, Ok(input::Source::Ranged { file, .. }) if file.ranges() == 1);
        if !small {
            batch.spawn(&mut flight, &tx, &rx);
        }
        let count = match opened {
            Err(e) => {
                if plan.error.is_none() {
                    flight.collector.input_error(source, &e);
                }
                0
            }
            Ok(input::Source::Ranged { file, .. }) if options.chunking.is_some() => {
                let chunking = options.chunking.expect("matched");
                let head = file.bytes_at(0, input::HEAD_BYTES.min(file.size() as usize));
                let settled = head.map(|head| Settled::of(source, &head, options));
                match settled.and_then(|s| Ok((s, input::open(&plan.origin)?))) {
                    Ok((settled, reader)) => {
                        flight.collector.detected(source, &settled.reader);
                        let chunks = ChunkReader::with_sizes(reader, chunking.chunk_size, chunking.max_chunk);
                        stream_chunks(source, chunks, Some(settled), options, &mut flight, &tx, &rx)
                    }
                    Err(e) => {
                        flight.collector.input_error(source, &e);
                        0
                    }
                }
            }
            Ok(input::Source::Ranged { file, head }) => {
                let file = std::sync::Arc::new(file);
                flight.collector.files[source as usize] = Some(file.clone());
                if small {
                    batch.add(source, file, options, &mut flight, &tx, &rx);
                    1
                } else {
                    let reader = options.reader(source, &head);
                    flight.collector.detected(source, &reader);
                    range_chunks(source, file, &head, reader, &mut flight, &tx, &rx)
                }
            }
            Ok(input::Source::Stream(reader)) => {
                let chunks = match options.chunking {
                    Some(c) => ChunkReader::with_sizes(reader, c.chunk_size, c.max_chunk),
                    None => ChunkReader::new(reader),
                };
                stream_chunks(source, chunks, None, options, &mut flight, &tx, &rx)
            }
        };
        flight.collector.source_read(source, count);
    }
    batch.spawn(&mut flight, &tx, &rx);
    drop(tx);
    for result in rx {
        flight.accept(result);
    }
    flight.collector.finish()
}

/// How excerpts of a regular file's lines are made: past the files kept open for the report, by
/// the scanning threads (the file is closed when its scan ends).
fn excerpts_of(source: u32) -> Excerpts {
    if (source as usize) < KEPT_FILES {
        Excerpts::Later
    } else {
        Excerpts::Now
    }
}

/// Reads range `index` of a regular file into this thread's buffer and scans it. `mode` is the
/// file's, or `None` for a file of one range, which is sniffed here.
fn scan_range(source: u32, index: u64, file: &input::RangedFile, shape: Shape, slot: Option<Vec<u8>>) -> ChunkResult {
    let scanned = READ_BUF.with_borrow_mut(|buf| {
        file.scan_range(index, buf, |range| {
            let (mode, reader) = match &shape {
                Shape::Known(mode, reader) => (*mode, reader.clone()),
                Shape::Sniff(options) => (Mode::of(range.data), options.reader(source, range.data)),
            };
            let scan = scan_chunk_with(
                range.data,
                range.context,
                file.newline(),
                mode,
                excerpts_of(source),
                &reader,
            );
            let sniffed = matches!(shape, Shape::Sniff(_)).then_some(reader);
            (
                scan,
                range.offset,
                range.data.len() as u64,
                range.data.last().copied(),
                sniffed,
            )
        })
    });
    let ((scan, base, bytes, last, sniffed), error) = match scanned {
        Ok(scanned) => (scanned, file.shrank_error()),
        Err(e) => ((ChunkScan::default(), 0, 0, None, None), Some(e)),
    };
    ChunkResult {
        source,
        index,
        slot,
        base,
        bytes,
        last,
        newline: file.newline(),
        scan,
        error,
        sniffed,
    }
}

/// What is known of a file's shape before one of its ranges is scanned.
#[derive(Clone, Debug)]
enum Shape {
    /// Its mode and layouts, from its first bytes.
    Known(Mode, Reader),
    /// Nothing yet: a file of one range, sniffed as it is scanned.
    Sniff(ScanOptions),
}

/// Scans the ranges of a regular file of several ranges on the pool, each read by the thread that
/// scans it; returns how many there are. (Files of one range go in a [`Batch`].)
fn range_chunks(
    source: u32,
    file: std::sync::Arc<input::RangedFile>,
    head: &[u8],
    reader: Reader,
    flight: &mut Flight,
    tx: &mpsc::Sender<ChunkResult>,
    rx: &mpsc::Receiver<ChunkResult>,
) -> u64 {
    let shape = Shape::Known(Mode::of(head), reader);
    for index in 0..file.ranges() {
        let slot = flight.slot(rx);
        let (tx, file, shape) = (tx.clone(), file.clone(), shape.clone());
        rayon::spawn(move || {
            let _ = tx.send(scan_range(source, index, &file, shape, Some(slot)));
        });
    }
    file.ranges()
}

/// Files of one range each, scanned one after the other by one task: a directory of many small
/// logs costs one task, and one wake-up, per batch instead of per file.
#[derive(Default)]
struct Batch {
    files: Vec<(u32, std::sync::Arc<input::RangedFile>)>,
    bytes: u64,
    options: Option<ScanOptions>,
}

impl Batch {
    /// The most files in a batch.
    const FILES: usize = 32;

    /// Adds a file of one range, spawning the batch when it is full.
    fn add(
        &mut self,
        source: u32,
        file: std::sync::Arc<input::RangedFile>,
        options: &ScanOptions,
        flight: &mut Flight,
        tx: &mpsc::Sender<ChunkResult>,
        rx: &mpsc::Receiver<ChunkResult>,
    ) {
        self.options.get_or_insert_with(|| options.clone());
        self.bytes += file.size();
        self.files.push((source, file));
        if self.files.len() >= Self::FILES || self.bytes >= input::RANGE_SIZE as u64 {
            self.spawn(flight, tx, rx);
        }
    }

    /// Scans the files gathered so far on the pool, in one task that takes one slot.
    fn spawn(&mut self, flight: &mut Flight, tx: &mpsc::Sender<ChunkResult>, rx: &mpsc::Receiver<ChunkResult>) {
        if self.files.is_empty() {
            return;
        }
        let files = std::mem::take(&mut self.files);
        self.bytes = 0;
        let mut slot = Some(flight.slot(rx));
        let tx = tx.clone();
        let options = self.options.clone().unwrap_or_default();
        rayon::spawn(move || {
            for (source, file) in files {
                let _ = tx.send(scan_range(source, 0, &file, Shape::Sniff(options.clone()), slot.take()));
            }
        });
    }
}

/// How a source is read, decided once from its first bytes: its line end, scan mode and layouts.
#[derive(Clone, Debug)]
struct Settled {
    newline: u8,
    mode: Mode,
    reader: Reader,
}

impl Settled {
    fn of(source: u32, head: &[u8], options: &ScanOptions) -> Settled {
        Settled {
            newline: input::line_end(head),
            mode: Mode::of(head),
            reader: options.reader(source, head),
        }
    }
}

/// Reads a stream's chunks here and scans them on the pool; returns how many there were.
#[allow(clippy::too_many_arguments)]
fn stream_chunks(
    source: u32,
    mut chunks: ChunkReader<Box<dyn std::io::Read + Send>>,
    settled: Option<Settled>,
    options: &ScanOptions,
    flight: &mut Flight,
    tx: &mpsc::Sender<ChunkResult>,
    rx: &mpsc::Receiver<ChunkResult>,
) -> u64 {
    let mut settled = settled;
    let mut count = 0u64;
    loop {
        let buf = flight.slot(rx);
        match chunks.next_chunk(buf) {
            Ok(Some(chunk)) => {
                let Settled { newline, mode, reader } = settled
                    .get_or_insert_with(|| {
                        let first = Settled::of(source, &chunk.data, options);
                        flight.collector.detected(source, &first.reader);
                        first
                    })
                    .clone();
                count += 1;
                let tx = tx.clone();
                rayon::spawn(move || {
                    let scan = scan_chunk_with(&chunk.data, &chunk.context, newline, mode, Excerpts::Now, &reader);
                    let _ = tx.send(ChunkResult {
                        source,
                        index: chunk.index,
                        base: 0,
                        bytes: chunk.data.len() as u64,
                        last: chunk.data.last().copied(),
                        slot: Some(chunk.data),
                        newline,
                        scan,
                        error: None,
                        sniffed: None,
                    });
                });
            }
            Ok(None) => {
                flight.free.push(Vec::new());
                return count;
            }
            Err(e) => {
                flight.collector.input_error(source, &e);
                flight.free.push(Vec::new());
                return count;
            }
        }
    }
}

/// The chunks in flight: a fixed number of slots (buffers for streams), and the collector that
/// takes the scanned chunks back.
struct Flight<'p> {
    collector: Collector,
    free: Vec<Vec<u8>>,
    progress: &'p dyn Fn(u64),
}

impl Flight<'_> {
    /// A free slot, waiting for a scanned chunk to come back when every slot is out.
    fn slot(&mut self, rx: &mpsc::Receiver<ChunkResult>) -> Vec<u8> {
        loop {
            if let Some(slot) = self.free.pop() {
                return slot;
            }
            let result = rx.recv().expect("a chunk is in flight");
            self.accept(result);
        }
    }

    fn accept(&mut self, result: ChunkResult) {
        let freed = self.collector.accept(result);
        self.free.extend(freed.into_iter().flatten());
        (self.progress)(self.collector.bytes_done);
    }
}

/// Takes scanned chunks in any order and assembles them in input order, so that only the chunks
/// in flight are ever held.
struct Collector {
    inputs: Vec<InputSummary>,
    chunk_counts: Vec<Option<u64>>,
    pending: BTreeMap<(u32, u64), ChunkResult>,
    source: u32,
    next_index: u64,
    lines_before: u64,
    ends_with_newline: bool,
    assembler: Option<Assembler>,
    record_base: u64,
    sink: Sink,
    /// Bytes of every chunk assembled so far.
    bytes_done: u64,
    /// The regular files being read, then those kept open for excerpts.
    files: Vec<Option<std::sync::Arc<input::RangedFile>>>,
    /// The first event of the source being assembled.
    source_events: usize,
    /// The layouts ranked for each input, until its assembly starts.
    readers: Vec<Option<Reader>>,
    /// The runs of fragments across the chunks of the source being assembled, if it is written in
    /// fragments.
    stitcher: Option<Stitcher>,
}

impl Collector {
    fn new(planned: &[Planned], max_events: usize, memory_budget: u64) -> Collector {
        Collector {
            inputs: planned
                .iter()
                .map(|p| InputSummary {
                    path: p.display.clone(),
                    error: p.error.clone(),
                    ..Default::default()
                })
                .collect(),
            chunk_counts: vec![None; planned.len()],
            pending: BTreeMap::new(),
            source: 0,
            next_index: 0,
            lines_before: 0,
            ends_with_newline: true,
            assembler: None,
            record_base: 0,
            sink: Sink::new(max_events, memory_budget),
            bytes_done: 0,
            files: vec![None; planned.len()],
            source_events: 0,
            readers: vec![None; planned.len()],
            stitcher: None,
        }
    }

    /// The layouts ranked for `source`: its assembly reads them, its summary names the first.
    fn detected(&mut self, source: u32, reader: &Reader) {
        self.inputs[source as usize].layout = reader.layout().map(str::to_string);
        self.readers[source as usize] = Some(reader.clone());
    }

    fn input_error(&mut self, source: u32, e: &std::io::Error) {
        self.inputs[source as usize].error = Some(input::describe_error(e));
    }

    /// All `count` chunks of `source` have been read.
    fn source_read(&mut self, source: u32, count: u64) {
        self.chunk_counts[source as usize] = Some(count);
        self.advance();
    }

    /// Takes one scanned chunk; returns the buffers of the chunks now assembled.
    fn accept(&mut self, result: ChunkResult) -> Vec<Option<Vec<u8>>> {
        self.pending.insert((result.source, result.index), result);
        self.advance()
    }

    fn advance(&mut self) -> Vec<Option<Vec<u8>>> {
        let mut freed = Vec::new();
        while (self.source as usize) < self.inputs.len() {
            if let Some(r) = self.pending.remove(&(self.source, self.next_index)) {
                freed.push(self.feed(r));
                self.next_index += 1;
            } else if self.chunk_counts[self.source as usize] == Some(self.next_index) {
                self.finish_source();
            } else {
                break;
            }
        }
        freed
    }

    fn feed(&mut self, r: ChunkResult) -> Option<Vec<u8>> {
        if let Some(e) = &r.error {
            if self.inputs[r.source as usize].error.is_none() {
                self.input_error(r.source, e);
            }
        }
        if let Some(reader) = &r.sniffed {
            self.detected(r.source, reader);
        }
        if self.assembler.is_none() {
            let reader = self.readers[r.source as usize].take().unwrap_or_default();
            self.assembler = Some(Assembler::new(r.source, self.record_base, &self.sink, reader));
        }
        let mut hits = r.scan.hits;
        for hit in &mut hits {
            hit.line += self.lines_before + 1;
            if let Some(place) = &mut hit.place {
                place.0 += r.base;
            }
        }
        if r.scan.partial.is_some() || self.stitcher.is_some() {
            let last = self.lines_before + r.scan.newlines;
            let stitcher = self.stitcher.get_or_insert_with(Stitcher::default);
            hits = stitcher.feed(hits, r.scan.partial, self.lines_before + 1, last);
        }
        let incoming = hits.len();
        self.make_room(incoming);
        let assembler = self.assembler.as_mut().expect("made above");
        for hit in hits {
            assembler.push(hit, &mut self.sink);
        }
        self.lines_before += r.scan.newlines;
        if let Some(last) = r.last {
            self.ends_with_newline = last == r.newline;
        }
        self.inputs[r.source as usize].bytes += r.bytes;
        self.bytes_done += r.bytes;
        r.slot
    }

    /// Room for the events the rest of the file being assembled will make, projected from what
    /// its chunks so far made, before `incoming` more hits are assembled. A vector that doubles
    /// copies every event it holds on this one thread: on the 1 GiB dense log, 44 MB copied and
    /// page faults on twice that, a tenth of the collector's time. Reserved room is address
    /// space until events fill it.
    fn make_room(&mut self, incoming: usize) {
        /// Below this many events, doubling costs nothing worth projecting for.
        const PROJECT_FROM: usize = 1 << 12;
        let events = &self.sink.events;
        if events.capacity() - events.len() >= incoming || events.len() < PROJECT_FROM {
            return;
        }
        let source = self.source as usize;
        let Some(size) = self.files.get(source).and_then(Option::as_ref).map(|f| f.size()) else {
            return;
        };
        let (done, made) = (self.inputs[source].bytes, events.len() - self.source_events);
        if done == 0 {
            return;
        }
        // An eighth more than the density so far projects, within the event cap and never more
        // than the memory budget could keep (each event costs at least its own size and
        // `REPORT_BYTES_PER_EVENT`).
        let projected = (made as u128 * u128::from(size) / u128::from(done)) as usize * 9 / 8;
        let least_cost = std::mem::size_of::<Event>() as u64 + REPORT_BYTES_PER_EVENT;
        let budgeted = usize::try_from(self.sink.memory_budget / least_cost).unwrap_or(usize::MAX);
        let want = (self.source_events + projected)
            .min(self.sink.max_events)
            .min(budgeted)
            .max(events.len() + incoming);
        self.sink.events.reserve_exact(want - events.len());
    }

    fn finish_source(&mut self) {
        let input = &mut self.inputs[self.source as usize];
        input.lines = self.lines_before + u64::from(!self.ends_with_newline && input.bytes > 0);
        let held = self.stitcher.take().map(Stitcher::finish);
        if let Some(mut assembler) = self.assembler.take() {
            for hit in held.into_iter().flatten() {
                assembler.push(hit, &mut self.sink);
            }
            self.record_base = assembler.finish(&mut self.sink) + 1;
        }
        self.keep_or_close(self.source as usize);
        self.source_events = self.sink.events.len();
        self.source += 1;
        self.next_index = 0;
        self.lines_before = 0;
        self.ends_with_newline = true;
    }

    /// Keeps a finished file open when a report may quote its lines: only the first
    /// [`KEPT_FILES`] inputs can be such files (later ones made their excerpts while scanned).
    fn keep_or_close(&mut self, source: usize) {
        let Some(file) = self.files[source].take() else { return };
        let events = &self.sink.events[self.source_events..];
        if events.iter().any(|e| matches!(e.excerpt, Excerpt::At { .. })) {
            self.files[source] = Some(file);
        }
    }

    fn finish(mut self) -> ScanOutput {
        self.advance();
        ScanOutput {
            inputs: self.inputs,
            tallies: self.sink.tallies,
            events: self.sink.events,
            max_events: self.sink.max_events,
            events_dropped: self.sink.events_dropped,
            memory_budget: self.sink.memory_budget,
            events_over_budget: self.sink.events_over_budget,
            files: self.files,
        }
    }
}
