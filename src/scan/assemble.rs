//! Groups one source's candidate lines, in line order, into records (a line plus its
//! `Trace ID:` / `Correlation ID:` / `Timestamp:` continuations, a multi-line log record, a JSON
//! sign-in export record) and turns each record into code mentions and at most one flow event.
//! It runs after the parallel scan, on lines in order, so the result does not depend on how the
//! input was cut into chunks.

use super::export::CsvHeader;
use super::line::LineHit;
use super::tally::Tallies;
use crate::model::{CodeMention, Event, Excerpt, FlowKey, IdKind, Outcome, Signal, SourceId, Worker};

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
    /// Events not kept because of `max_events`.
    pub events_dropped: u64,
}

impl Sink {
    /// An empty sink that keeps at most `max_events` events.
    pub fn new(max_events: usize) -> Sink {
        Sink {
            tallies: Tallies::default(),
            events: Vec::new(),
            max_events,
            events_dropped: 0,
        }
    }
}

/// Assembles the lines of one source as they arrive.
#[derive(Debug)]
pub struct Assembler {
    source: SourceId,
    record: u64,
    group: Vec<LineHit>,
    csv_header: Option<Box<CsvHeader>>,
    first_event: usize,
    ci_job: bool,
}

impl Assembler {
    /// Starts a source; `record_base` numbers records uniquely across sources.
    pub fn new(source: SourceId, record_base: u64, sink: &Sink) -> Assembler {
        Assembler {
            source,
            record: record_base,
            group: Vec::new(),
            csv_header: None,
            first_event: sink.events.len(),
            ci_job: false,
        }
    }

    /// Adds the next candidate line (line numbers must increase).
    pub fn push(&mut self, mut hit: LineHit, sink: &mut Sink) {
        // Rows of a CSV sign-in export are read under the header row before them.
        if let Some(h) = hit.csv_header.take() {
            self.csv_header = Some(h);
        } else if let (Some(row), Some(h)) = (hit.csv_row.take(), &self.csv_header) {
            h.read_row(&row, &mut hit);
        }
        self.ci_job |= hit.ci_job;
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
        if hit.head || hit.record_head.is_some() || last_read.is_none_or(|last| hit.line - last.line > gap) {
            self.flush(sink);
        }
        self.group.push(hit);
    }

    /// Ends the source: emits the last record and, when the input is a CI job's log, marks all
    /// its events as unattended (known only once the whole input is read).
    /// Returns the record number the next source starts at.
    pub fn finish(mut self, sink: &mut Sink) -> u64 {
        self.flush(sink);
        for e in &mut sink.events[self.first_event..] {
            e.unattended |= self.ci_job;
        }
        self.record
    }

    fn flush(&mut self, sink: &mut Sink) {
        if self.group.is_empty() {
            return;
        }
        let group = std::mem::take(&mut self.group);
        emit(self.source, &group, self.record, sink);
        self.record += 1;
    }
}

fn emit(source: SourceId, lines: &[LineHit], record: u64, sink: &mut Sink) {
    let first = &lines[0];
    // Who wrote the record and when: its first line, or the unread line that starts it.
    let (head_time, head_worker, head_error) = match &first.record_head {
        Some(h) => (h.timestamp.clone(), h.worker.clone(), h.error_level),
        None => (first.timestamp.clone(), first.worker.clone(), first.error_level),
    };
    let trace_id = lines.iter().find_map(|l| l.trace_id.clone());
    let correlation_id = lines.iter().find_map(|l| l.correlation_id.clone());
    let timestamp = head_time.or_else(|| lines.iter().find_map(|l| l.timestamp.clone()));
    let mut codes: Vec<u32> = Vec::new();
    for l in lines {
        for &(code, form) in &l.codes {
            if !codes.contains(&code) {
                codes.push(code);
            }
            sink.tallies.add(CodeMention {
                code,
                form,
                source,
                line: l.line,
                trace_id: trace_id.clone(),
                correlation_id: correlation_id.clone(),
                timestamp: timestamp.as_ref().map(|t| t.text.clone()),
                record,
            });
        }
    }

    let mut keys: Vec<FlowKey> = Vec::new();
    let mut signals: Vec<Signal> = Vec::new();
    let mut best_outcome: Option<Outcome> = None;
    for l in lines {
        for k in &l.keys {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
        for s in &l.signals {
            match s {
                Signal::Outcome(o) if best_outcome.is_none_or(|b| rank(*o) < rank(b)) => best_outcome = Some(*o),
                Signal::Outcome(_) => {}
                s if !signals.contains(s) => signals.push(s.clone()),
                _ => {}
            }
        }
    }
    signals.extend(best_outcome.map(Signal::Outcome));
    if signals.is_empty() && keys.is_empty() && codes.is_empty() {
        return;
    }
    if sink.events.len() >= sink.max_events {
        sink.events_dropped += 1;
        return;
    }
    if let Some(c) = &correlation_id {
        keys.push(FlowKey {
            kind: IdKind::Correlation,
            value: c.clone(),
        });
    }
    let shown = lines
        .iter()
        .find(|l| !l.signals.is_empty() || !l.codes.is_empty())
        .unwrap_or(first);
    sink.events.push(Event {
        source,
        line: shown.line,
        timestamp,
        worker: Worker {
            source,
            host: head_worker.host,
            pid: head_worker.pid,
            thread: head_worker.thread,
        },
        keys,
        signals,
        codes,
        error_level: head_error || lines[1..].iter().any(|l| l.error_level && l.head),
        excerpt: match shown.place {
            Some((offset, len)) => Excerpt::At { offset, len },
            None => Excerpt::Text(shown.excerpt.clone()),
        },
        unattended: head_worker.service,
        client: lines.iter().find_map(|l| l.client),
    });
}

/// Which outcome wins when one record says several things (lower wins): the most specific.
fn rank(o: Outcome) -> u8 {
    match o {
        Outcome::ClientTimeout => 0,
        Outcome::Redeemed => 1,
        Outcome::Blocked => 2,
        Outcome::Declined => 3,
        Outcome::Expired => 4,
        Outcome::SlowDown => 5,
        Outcome::Pending => 6,
        Outcome::Success => 7,
        Outcome::OtherError => 8,
    }
}
