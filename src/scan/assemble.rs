//! Groups one source's candidate lines, in line order, into records (a line plus its
//! `Trace ID:` / `Correlation ID:` / `Timestamp:` continuations, a multi-line log record, a JSON
//! sign-in export record) and turns each record into code mentions and at most one flow event.
//! It runs after the parallel scan, on lines in order, so the result does not depend on how the
//! input was cut into chunks.

use super::answer::is_final;
use super::event::is_request;
use super::export::CsvHeader;
use super::hit::{LineHit, WorkerTag};
use super::record::{Frame, Reader};
use super::tally::{Mention, Tallies};
use crate::model::{Event, Excerpt, FlowKey, IdKind, Outcome, Signal, SourceId, Tenancy, Worker};
use crate::numbered::Numbered;
use foldhash::{HashMap, HashMapExt};

/// How many lines after the last line of a record a line may stand and still belong to it.
const MAX_GAP: u64 = super::prefilter::CONTINUATION_LINES;
/// The same for the records of a JSON sign-in export.
const MAX_EXPORT_GAP: u64 = 200;

/// Where assembled records go: code counts and flow events, with the event cap.
#[derive(Debug)]
pub struct Sink {
    /// Per-code counts.
    pub tallies: Tallies,
    /// Flow events, in input and line order.
    pub events: Vec<Event>,
    /// The most events kept; later ones are counted in `events_dropped`.
    pub max_events: usize,
    /// Events not kept because of `max_events` or `memory_budget`.
    pub events_dropped: u64,
    /// The most memory, in bytes, that the kept events may cost: each event is charged its own
    /// size and [`REPORT_BYTES_PER_EVENT`] for what the diagnosis and report make of it.
    pub memory_budget: u64,
    /// What the kept events cost so far, in the same bytes.
    pub memory_charged: u64,
    /// Of `events_dropped`, those not kept because of `memory_budget`.
    pub events_over_budget: u64,
}

/// What the stages after the scan may make of one event at most, in bytes: the flow it starts
/// (links, facts, summary) and a finding with its evidence, as measured on logs of many
/// one-line flows (`gen_log --flows`), allocator overhead included.
pub const REPORT_BYTES_PER_EVENT: u64 = 2560;

impl Sink {
    /// An empty sink that keeps at most `max_events` events, and none past `memory_budget`
    /// bytes (see [`Sink::memory_budget`]).
    pub fn new(max_events: usize, memory_budget: u64) -> Sink {
        Sink {
            tallies: Tallies::default(),
            events: Vec::new(),
            max_events,
            events_dropped: 0,
            memory_budget,
            memory_charged: 0,
            events_over_budget: 0,
        }
    }

    /// Keeps `event` unless a cap says no (then it is counted as dropped).
    fn keep(&mut self, event: Event) {
        let cost = event_cost(&event);
        // Once one event is over the budget, every later one is too: what is kept is a prefix.
        if self.events_over_budget > 0 || self.memory_charged + cost > self.memory_budget {
            self.events_dropped += 1;
            self.events_over_budget += 1;
            return;
        }
        self.memory_charged += cost;
        self.events.push(event);
    }
}

/// What keeping an event costs against the memory budget: its own bytes and
/// [`REPORT_BYTES_PER_EVENT`].
pub fn event_cost(e: &Event) -> u64 {
    event_bytes(e) + REPORT_BYTES_PER_EVENT
}

/// The bytes an event holds: its own size and what its fields allocate (with the allocator's
/// 16 bytes per allocation).
fn event_bytes(e: &Event) -> u64 {
    const ALLOC: usize = 16;
    let text = |s: &String| if s.capacity() == 0 { 0 } else { s.capacity() + ALLOC };
    let opt = |s: &Option<String>| s.as_ref().map_or(0, text);
    let vec = |cap: usize, size: usize| if cap == 0 { 0 } else { cap * size + ALLOC };
    let w = &e.worker;
    let bytes = std::mem::size_of::<Event>()
        + e.timestamp.as_ref().map_or(0, |t| text(&t.text))
        + opt(&w.host)
        + opt(&w.pid)
        + opt(&w.thread)
        + opt(&w.app)
        + vec(e.keys.capacity(), std::mem::size_of::<FlowKey>())
        + e.keys.iter().map(|k| text(&k.value)).sum::<usize>()
        + vec(e.signals.capacity(), std::mem::size_of::<Signal>())
        + vec(e.codes.capacity(), std::mem::size_of::<u32>())
        + match &e.excerpt {
            Excerpt::Text(t) => text(t),
            Excerpt::At { .. } => 0,
        };
    bytes as u64
}

/// Assembles the lines of one source as they arrive.
#[derive(Debug)]
pub struct Assembler {
    source: SourceId,
    record: u64,
    group: Vec<LineHit>,
    csv_header: Option<Box<CsvHeader>>,
    first_event: usize,
    /// The input's layouts, and what its first lines say about who runs it.
    reader: Reader,
    /// Frames (layout and host) whose lines show a CI job: their events are unattended.
    ci_frames: Vec<Frame>,
    /// For each event of the source, in order: its frame and its app (numbered in `frames` and
    /// `apps`), and whether its time named its zone.
    placed: Vec<Placed>,
    /// The frames and apps of the source's events, numbered: an input's events share a few of
    /// each, and a copy for every event (a growing list of strings) cost a sixth of the scan's
    /// writes to fresh memory on the dense bench log.
    frames: Numbered<Frame>,
    apps: Numbered<String>,
    /// How far the input's zone-less times are ahead of UTC, learned from a record whose
    /// envelope time has no zone and whose error text has the server's `Timestamp: ...Z`.
    zone_offset: Option<i64>,
    /// The last worker a record of each frame named: a bare line of the frame (a prompt a
    /// program prints between its log records) is that worker's.
    last_named: Vec<(Frame, WorkerTag)>,
    /// Each worker's most recent request while it waits for its answer (the index of its event):
    /// an HTTP response line that does not repeat its URL answers it.
    open: HashMap<WorkerTag, usize>,
}

impl Assembler {
    /// Starts a source read with `reader`; `record_base` numbers records uniquely across
    /// sources.
    pub fn new(source: SourceId, record_base: u64, sink: &Sink, reader: Reader) -> Assembler {
        Assembler {
            source,
            record: record_base,
            group: Vec::new(),
            csv_header: None,
            first_event: sink.events.len(),
            ci_frames: reader.ci_frames().to_vec(),
            reader,
            placed: Vec::new(),
            frames: Numbered::default(),
            apps: Numbered::default(),
            zone_offset: None,
            last_named: Vec::new(),
            open: HashMap::new(),
        }
    }

    /// Adds the next candidate line (line numbers must increase).
    pub fn push(&mut self, mut hit: LineHit, sink: &mut Sink) {
        // Rows of a CSV sign-in export are read under the header row before them.
        if let Some(h) = hit.csv_header.take() {
            self.csv_header = Some(h);
        } else if let (Some(row), Some(h)) = (hit.csv_row.take(), &self.csv_header) {
            hit.take_row(h.read_row(&row, &hit.codes));
        }
        if hit.ci_job {
            let frame = frame_of(&hit);
            if !self.ci_frames.contains(&frame) {
                self.ci_frames.push(frame);
            }
        }
        let gap = self
            .group
            .first()
            .map_or(MAX_GAP, |g| if g.export_record { MAX_EXPORT_GAP } else { MAX_GAP });
        if hit.continuation {
            // A continuation belongs to the record it follows, within reach of its first line;
            // alone it says nothing. (The scanner reads continuations only that close to a
            // record, so the rule must be the same here for chunking not to matter.)
            if self.group.first().is_some_and(|g| hit.line - g.line <= gap) {
                self.group.push(hit);
            }
            return;
        }
        // A line that starts a record, or whose record starts on an unread line just above it,
        // starts a group; any other line joins the group whose last read line is close enough.
        let last_read = self.group.iter().rev().find(|l| !l.continuation);
        if hit.head
            || hit.record_head.is_some()
            || last_read.is_none_or(|last| hit.line - last.line > gap)
            || starts_another_flow(&self.group, &hit)
        {
            self.flush(sink);
        }
        self.group.push(hit);
    }

    /// Ends the source: emits the last record, marks as unattended the events of frames that
    /// show a CI job and of apps a service manager started, and moves zone-less times to UTC
    /// when the input showed its offset (all known only once the whole input is read).
    /// Returns the record number the next source starts at.
    pub fn finish(mut self, sink: &mut Sink) -> u64 {
        self.flush(sink);
        let services = self.reader.services();
        let ci_frame: Vec<bool> = self
            .frames
            .values()
            .iter()
            .map(|f| self.ci_frames.contains(f))
            .collect();
        let service: Vec<bool> = self.apps.values().iter().map(|a| services.contains(a)).collect();
        for (e, placed) in sink.events[self.first_event..].iter_mut().zip(&self.placed) {
            e.unattended |= ci_frame[placed.frame as usize] || placed.app.is_some_and(|a| service[a as usize]);
            if let (Some(offset), false) = (self.zone_offset, placed.zoned) {
                if let Some(t) = &mut e.timestamp {
                    t.millis = t.millis.map(|ms| ms - offset);
                }
            }
        }
        self.record
    }

    fn flush(&mut self, sink: &mut Sink) {
        if self.group.is_empty() {
            return;
        }
        // Taken and given back emptied: its room serves the next record (a new vector a record
        // was an allocation and a free for every record).
        let mut group = std::mem::take(&mut self.group);
        let before = sink.events.len();
        let placed = emit(
            self.source,
            &mut group,
            self.record,
            sink,
            &mut self.zone_offset,
            &mut self.last_named,
            &mut self.open,
        );
        if sink.events.len() > before {
            let (frame, app, zoned) = placed;
            if self.placed.len() == self.placed.capacity() {
                // As much room as the events have: a projection of the file's (see the collector's
                // `make_room`), not a doubling that copies every one.
                self.placed.reserve(sink.events.capacity() - sink.events.len() + 1);
            }
            self.placed.push(Placed {
                frame: self.frames.number(frame),
                app: app.map(|a| self.apps.number(a)),
                zoned,
            });
        }
        self.record += 1;
        group.clear();
        self.group = group;
    }
}

/// Where an event was written, as [`Assembler::finish`] needs it once the input is read.
#[derive(Debug)]
struct Placed {
    /// Its frame, numbered.
    frame: u32,
    /// Its app, numbered.
    app: Option<u32>,
    /// Its time named its zone.
    zoned: bool,
}

/// The frame a line was written in: its layout and host (or those of its record's head).
fn frame_of(hit: &LineHit) -> Frame {
    match &hit.record_head {
        Some(h) => (h.layout, h.worker.host.clone()),
        None => (hit.layout, hit.worker.host.clone()),
    }
}

/// Turns one record into code mentions and at most one event; returns the event's frame, app
/// and whether its time is UTC. Learns `zone_offset` from a record that shows both its local
/// time and the server's. What the event keeps of the lines (the worker, keys, excerpt) is
/// moved out of them: the record's lines are dropped next.
fn emit(
    source: SourceId,
    lines: &mut [LineHit],
    record: u64,
    sink: &mut Sink,
    zone_offset: &mut Option<i64>,
    last_named: &mut Vec<(Frame, WorkerTag)>,
    open: &mut HashMap<WorkerTag, usize>,
) -> (Frame, Option<String>, bool) {
    let frame = frame_of(&lines[0]);
    let first = &mut lines[0];
    // Who wrote the record and when: its first line, or the unread line that starts it.
    let (head_time, head_zoned, mut head_worker, head_error) = match &mut first.record_head {
        Some(h) => (
            h.timestamp.clone(),
            h.zoned,
            std::mem::take(&mut h.worker),
            h.error_level,
        ),
        None => (
            first.timestamp.clone(),
            first.zoned,
            std::mem::take(&mut first.worker),
            first.error_level,
        ),
    };
    match last_named.iter_mut().find(|(f, _)| *f == frame) {
        _ if head_worker == WorkerTag::default() => {
            if let Some((_, named)) = last_named.iter().find(|(f, _)| *f == frame) {
                head_worker = named.clone();
            }
        }
        Some((_, named)) if *named == head_worker => {}
        Some((_, named)) => *named = head_worker.clone(),
        None => last_named.push((frame.clone(), head_worker.clone())),
    }
    let trace_id = lines.iter().find_map(|l| l.trace_id.clone());
    let correlation_id = lines.iter().find_map(|l| l.correlation_id.clone());
    // The server's time of a failure (`Timestamp: 2026-11-27 10:04:37Z` under an AADSTS error)
    // is the record's time when its own has no zone: the offset between them is the input's.
    let server = lines
        .iter()
        .filter(|l| l.continuation && l.zoned)
        .find_map(|l| l.timestamp.clone());
    let mut zoned = head_zoned;
    let timestamp = match (head_time, server) {
        (Some(local), Some(server)) if !head_zoned => {
            if let (Some(l), Some(s)) = (local.millis, server.millis) {
                const QUARTER_HOUR: i64 = 15 * 60 * 1000;
                let offset = ((l - s) as f64 / QUARTER_HOUR as f64).round() as i64 * QUARTER_HOUR;
                if offset.abs() <= 14 * 3_600_000 && zone_offset.is_none() {
                    *zone_offset = Some(offset);
                }
            }
            zoned = true;
            Some(server)
        }
        (Some(t), _) => Some(t),
        (None, server) => {
            zoned = server.is_some() || lines.iter().any(|l| l.zoned && l.timestamp.is_some());
            server.or_else(|| lines.iter().find_map(|l| l.timestamp.clone()))
        }
    };
    let mut codes: Vec<u32> = Vec::new();
    for l in lines.iter() {
        for &(code, form) in &l.codes {
            if !codes.contains(&code) {
                codes.push(code);
            }
            sink.tallies.add(Mention {
                code,
                form,
                source,
                line: l.line,
                trace_id: trace_id.as_deref(),
                correlation_id: correlation_id.as_deref(),
                timestamp: timestamp.as_ref().map(|t| t.text.as_str()),
                record,
            });
        }
    }

    let mut keys: Vec<FlowKey> = Vec::new();
    let mut signals: Vec<Signal> = Vec::new();
    let mut best_outcome: Option<Outcome> = None;
    // Requests and the HTTP responses that answer them: the worker's request from an earlier
    // record, until a request of this one supersedes it or an answer is told; this record's last
    // request, while nothing answers it.
    // A map, not a list: a dense log keeps thousands of workers waiting, and a search of them
    // for every record took a third of the assembler's time.
    let slot = open.get(&head_worker).copied();
    let mut earlier = slot;
    let mut waiting = false;
    for l in lines.iter_mut() {
        for k in std::mem::take(&mut l.keys) {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        for s in &l.signals {
            match s {
                Signal::Outcome(o) if best_outcome.is_none_or(|b| o.specificity() < b.specificity()) => {
                    best_outcome = Some(*o)
                }
                Signal::Outcome(_) => {}
                s if !signals.contains(s) => signals.push(s.clone()),
                _ => {}
            }
        }
        if let Some(asked) = l.signals.iter().find(|s| is_request(s)) {
            earlier = None;
            waiting = !matches!(asked, Signal::Poll { status: Some(_), .. });
        }
        // A request whose answer was told (a body, a client's message, MSAL's token cache event)
        // waits for nothing more: the loggers that write a status apart write it first.
        if l.signals.iter().any(|s| matches!(s, Signal::Outcome(_))) {
            earlier = None;
            waiting = false;
        }
        // An interim answer (`100 Continue`) answers nothing yet.
        if let Some(status) = l.response.filter(|&s| is_final(s)) {
            if std::mem::take(&mut waiting) {
                answer(&mut signals, status);
            } else if let Some(e) = earlier.take() {
                answer(&mut sink.events[e].signals, status);
            }
        }
    }
    // A "keep polling" answer logged before the next request in one record (a client's
    // `Authorization pending` line, then the body of its next poll) answers the poll before, not
    // that one. (A final answer followed by a request body is one exchange dumped: MSAL's token
    // cache event quotes the request that got the tokens.)
    let first_line_with = |want: fn(&Signal) -> bool| lines.iter().position(|l| l.signals.iter().any(want));
    let answer_first = match (
        first_line_with(|s| matches!(s, Signal::Outcome(_))),
        first_line_with(|s| matches!(s, Signal::Poll { .. })),
    ) {
        (Some(answer), Some(request)) => answer < request,
        _ => false,
    };
    match best_outcome.map(Signal::Outcome) {
        Some(o @ Signal::Outcome(Outcome::Pending | Outcome::SlowDown)) if answer_first => signals.insert(0, o),
        o => signals.extend(o),
    }
    // A record with a final answer is one exchange dumped (MSAL's token cache event quotes the
    // request that got the tokens after saying so): its request waits for nothing.
    waiting &= !best_outcome.is_some_and(Outcome::is_terminal);
    let placed = (frame, head_worker.app.clone(), zoned);
    if let (Some(_), None) = (slot, earlier) {
        open.remove(&head_worker);
    }
    if signals.is_empty() && keys.is_empty() && codes.is_empty() {
        return placed;
    }
    if sink.events.len() >= sink.max_events {
        sink.events_dropped += 1;
        return placed;
    }
    if let Some(c) = &correlation_id {
        keys.push(FlowKey {
            kind: IdKind::Correlation,
            value: c.clone(),
        });
    }
    let shown = lines
        .iter()
        .position(|l| !l.signals.is_empty() || !l.codes.is_empty())
        .unwrap_or(0);
    let shown = &mut lines[shown];
    let line = shown.line;
    let excerpt = match shown.place {
        Some((offset, len, hash)) => Excerpt::At {
            offset,
            len,
            hash,
            part: shown.window,
        },
        None => Excerpt::Text(std::mem::take(&mut shown.excerpt)),
    };
    // The worker's slot is free now (its request answered or superseded).
    let (kept, asker) = (sink.events.len(), waiting.then(|| head_worker.clone()));
    sink.keep(Event {
        source,
        line,
        timestamp,
        worker: Worker {
            source,
            host: head_worker.host,
            pid: head_worker.pid,
            thread: head_worker.thread,
            app: head_worker.app,
        },
        keys,
        signals,
        codes,
        error_level: head_error || lines[1..].iter().any(|l| l.error_level && l.head),
        excerpt,
        unattended: false,
        client: lines.iter().find_map(|l| l.client),
        tenancy: tenancy_of(lines),
    });
    if let Some(worker) = asker.filter(|_| sink.events.len() > kept) {
        open.insert(worker, kept);
    }
    placed
}

/// Gives an HTTP response's `status` to the token request among `signals` that has none.
fn answer(signals: &mut [Signal], status: u16) {
    let unanswered = signals.iter_mut().find_map(|s| match s {
        Signal::Poll { status: s @ None, .. } => Some(s),
        _ => None,
    });
    if let Some(s) = unanswered {
        *s = Some(status);
    }
}

/// Whether `hit`, a line that starts a device code flow (a prompt with its user code), cannot be
/// part of the record `group` holds: that record already told how another flow ended, or named
/// another code of the same kind (`m365 login` run again after a declined sign-in, its lines
/// without a time of their own).
fn starts_another_flow(group: &[LineHit], hit: &LineHit) -> bool {
    if !hit.signals.iter().any(|s| matches!(s, Signal::Authorization { .. })) {
        return false;
    }
    group.iter().any(|l| {
        l.signals
            .iter()
            .any(|s| matches!(s, Signal::Outcome(o) if o.is_terminal()))
            || l.keys.iter().any(|k| {
                k.kind != IdKind::Correlation && hit.keys.iter().any(|h| h.kind == k.kind && h.value != k.value)
            })
    })
}

/// The tenant and application a record's lines name, each from the first line naming one.
fn tenancy_of(lines: &[LineHit]) -> Option<Box<Tenancy>> {
    let named = lines.iter().filter_map(|l| l.tenancy.as_deref());
    let tenancy = Tenancy {
        tenant: named.clone().find_map(|t| t.tenant.clone()),
        client_id: named.clone().find_map(|t| t.client_id.clone()),
    };
    (tenancy != Tenancy::default()).then(|| Box::new(tenancy))
}
