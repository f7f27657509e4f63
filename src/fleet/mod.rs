//! Fleet: the scan's output written to a file of JSON lines (the map), and many such files read
//! back as one scan's output (the reduce), so that each host scans its own logs and one machine
//! correlates, diagnoses and reports them all.
//!
//! An events file holds what the scan hands to correlate and diagnose, and nothing more: a
//! [`Header`](wire::Header) (format, version, the inputs with their sizes, layouts and errors),
//! one line per flow event (excerpts redacted, identifiers as fingerprints), one line per AADSTS
//! code with its counts and the keys that tell its failures apart, and an [`End`](wire::End) line
//! that counts the lines before it. [`merge`] reads files in order into the [`ScanOutput`] that
//! one scan of all their inputs, in the same order, would give: the report is the same.
//! [`EVENTS_SCHEMA`] describes the lines.

pub mod wire;

use crate::input;
use crate::model::InputSummary;
use crate::scan::{assemble::event_cost, tally::Tallies, ScanOutput};
use rayon::prelude::*;
use std::io::{self, BufRead, Write};
use wire::{CodeLine, End, EventLine, Header, InputLine, Line, ToolLine};

/// The `format` every header names.
pub const FORMAT: &str = "aadlint-events";

/// Bumped on any change of the lines that an older `merge` would read wrongly.
pub const SCHEMA_VERSION: u32 = 1;

/// The JSON Schema of one line of an events file (`aadlint schema events`).
pub const EVENTS_SCHEMA: &str = include_str!("../../schema/events.schema.json");

/// How many event lines are made at once.
const EMIT_BATCH: usize = 4096;

/// Writes `scanned` as an events file. Excerpts that a report would read again from the file
/// (windows of long lines included) are read and redacted now: the file holds no raw line.
pub fn emit(scanned: &ScanOutput, out: &mut dyn Write) -> io::Result<()> {
    let mut line = |l: &Line| -> io::Result<()> {
        serde_json::to_writer(&mut *out, l)?;
        out.write_all(b"\n")
    };
    line(&Line::Header(Header {
        format: FORMAT.to_string(),
        schema_version: SCHEMA_VERSION,
        tool: ToolLine {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
        inputs: scanned.inputs.iter().map(InputLine::of).collect(),
    }))?;
    // Excerpts read again and redacted on every thread, a batch at a time (memory stays flat).
    for batch in scanned.events.chunks(EMIT_BATCH) {
        let lines: Vec<EventLine> = batch.par_iter().map(|e| EventLine::of(e, scanned.excerpt(e))).collect();
        for l in lines {
            line(&Line::Event(l))?;
        }
    }
    for (&code, t) in &scanned.tallies.codes {
        line(&Line::Code(CodeLine::of(code, t)))?;
    }
    line(&Line::End(End {
        events: scanned.events.len() as u64,
        codes: scanned.tallies.codes.len() as u64,
        max_events: scanned.max_events,
        events_dropped: scanned.events_dropped,
    }))
}

/// Reads the events files `parts` (`-` is standard input) in order, as one scan of their inputs
/// in that order, keeping at most `max_events` events (later ones are counted as dropped, as the
/// scan counts them). A file may hold several events files one after the other (`cat a b`). A
/// part that cannot be read, is not an events file or is cut short adds nothing but inputs that
/// name it and the reason (its own inputs, when its header could be read): the report then shows
/// them, and the run exits 2.
pub fn merge(parts: &[String], max_events: usize, memory_budget: u64) -> ScanOutput {
    let mut out = ScanOutput {
        inputs: Vec::new(),
        tallies: Tallies::default(),
        events: Vec::new(),
        max_events,
        events_dropped: 0,
        memory_budget,
        events_over_budget: 0,
        files: Vec::new(),
    };
    let mut charged = 0;
    for part in parts {
        match open(part) {
            Ok(reader) => read_file(part, Lines::new(reader), &mut out, &mut charged),
            Err(e) => out.inputs.extend(failed_inputs(part, None, &input::describe_error(&e))),
        }
    }
    out.files = vec![None; out.inputs.len()];
    out
}

/// Opens `part`: a file, or standard input for `-`; gzip (`.jsonl.gz`) is detected.
fn open(part: &str) -> io::Result<Box<dyn BufRead>> {
    let mut reader: Box<dyn BufRead> = if part == "-" {
        Box::new(io::BufReader::new(io::stdin().lock()))
    } else {
        Box::new(io::BufReader::new(std::fs::File::open(part)?))
    };
    if reader.fill_buf()?.starts_with(&[0x1f, 0x8b]) {
        reader = Box::new(io::BufReader::new(flate2::bufread::MultiGzDecoder::new(reader)));
    }
    Ok(reader)
}

/// The lines of one file, parsed one at a time.
struct Lines {
    reader: Box<dyn BufRead>,
    text: Vec<u8>,
    /// The number of the last line read.
    number: u64,
    /// A header read while skipping the rest of a broken part: the next part starts with it.
    header: Option<Header>,
}

impl Lines {
    fn new(reader: Box<dyn BufRead>) -> Lines {
        Lines {
            reader,
            text: Vec::new(),
            number: 0,
            header: None,
        }
    }

    /// The next line; `None` at the end of the file.
    fn next(&mut self) -> Result<Option<Line>, String> {
        self.text.clear();
        match self.reader.read_until(b'\n', &mut self.text) {
            Ok(0) => return Ok(None),
            Ok(_) => {}
            Err(e) => return Err(input::describe_error(&e)),
        }
        self.number += 1;
        let number = self.number;
        if self.text.last() != Some(&b'\n') {
            return Err(format!("line {number} is cut short"));
        }
        serde_json::from_slice(&self.text).map(Some).map_err(|e| {
            // A part cut short and another after it (`cat cut.jsonl whole.jsonl`) share a line:
            // the next part starts at its header.
            let glued = memchr::memmem::rfind(&self.text, b"{\"type\":\"header\"")
                .filter(|&at| at > 0)
                .and_then(|at| serde_json::from_slice::<Line>(&self.text[at..]).ok());
            match glued {
                Some(Line::Header(h)) => {
                    self.header = Some(h);
                    format!("line {number} is cut short, and the next part starts in it")
                }
                _ => format!("line {number} is not an events line ({e})"),
            }
        })
    }

    /// Skips what is left of a broken part: up to the header of the next one, kept for it.
    fn skip_part(&mut self) {
        loop {
            match self.next() {
                Ok(Some(Line::Header(h))) => {
                    self.header = Some(h);
                    return;
                }
                Ok(None) => return,
                Err(_) if self.text.last() != Some(&b'\n') => return,
                _ => {}
            }
        }
    }
}

/// The inputs that stand for a part that could not be merged: the header's, when it was read,
/// each with `reason`; else one named after the file.
fn failed_inputs(file: &str, header: Option<Header>, reason: &str) -> Vec<InputSummary> {
    let error = format!("events file {file}: {reason}; not merged");
    match header {
        Some(h) if !h.inputs.is_empty() => h
            .inputs
            .into_iter()
            .map(|i| InputSummary {
                path: i.path,
                error: Some(error.clone()),
                ..Default::default()
            })
            .collect(),
        _ => vec![InputSummary {
            path: file.to_string(),
            error: Some(error),
            ..Default::default()
        }],
    }
}

/// Reads every part of one file into `out`. A broken part leaves no event or count behind, only
/// its inputs with the reason; the parts after it are still read.
fn read_file(file: &str, mut lines: Lines, out: &mut ScanOutput, charged: &mut u64) {
    let mut first = true;
    loop {
        let header = match lines.header.take().map(|h| Ok(Some(Line::Header(h)))) {
            Some(line) => line,
            None => lines.next(),
        };
        let foreign = |why: &str| failed_inputs(file, None, &format!("not an aadlint events file: {why}"));
        let header = match header {
            Ok(Some(Line::Header(h))) => h,
            Ok(None) if first => return out.inputs.extend(foreign("it is empty")),
            Ok(None) => return,
            Ok(Some(_)) => {
                return out
                    .inputs
                    .extend(foreign(&format!("line {} is not a header", lines.number)))
            }
            Err(e) => return out.inputs.extend(foreign(&e)),
        };
        first = false;
        if header.format != FORMAT || header.schema_version != SCHEMA_VERSION {
            let why = format!(
                "format {:?} version {}, expected {FORMAT:?} version {SCHEMA_VERSION}",
                header.format, header.schema_version
            );
            out.inputs.extend(foreign(&why));
            lines.skip_part();
            continue;
        }
        let before = (out.events.len(), out.events_dropped, out.events_over_budget, *charged);
        match read_part(&header, &mut lines, out, charged) {
            Ok(tallies) => {
                out.inputs
                    .extend(header.inputs.into_iter().map(InputLine::into_summary));
                for (code, t) in tallies.codes {
                    match out.tallies.codes.entry(code) {
                        std::collections::btree_map::Entry::Occupied(mut o) => o.get_mut().absorb(t),
                        std::collections::btree_map::Entry::Vacant(v) => {
                            v.insert(t);
                        }
                    }
                }
            }
            Err(why) => {
                out.events.truncate(before.0);
                (out.events_dropped, out.events_over_budget, *charged) = (before.1, before.2, before.3);
                out.inputs.extend(failed_inputs(file, Some(header), &why));
                if lines.header.is_none() {
                    lines.skip_part();
                }
            }
        }
    }
}

/// Reads the lines of the part that `header` starts, up to its end line: its events go into
/// `out` (up to the cap), its code counts are returned.
fn read_part(header: &Header, lines: &mut Lines, out: &mut ScanOutput, charged: &mut u64) -> Result<Tallies, String> {
    let base = out.inputs.len() as u32;
    let count = header.inputs.len() as u32;
    let (mut events, mut codes) = (0u64, 0u64);
    let mut tallies = Tallies::default();
    loop {
        let number = lines.number + 1;
        match lines.next()? {
            None => return Err("it ends before its end line (cut short?)".to_string()),
            Some(Line::Event(e)) if e.input < count => {
                events += 1;
                if out.events.len() >= out.max_events {
                    out.events_dropped += 1;
                    continue;
                }
                let source = base + e.input;
                let event = e.into_event(source).map_err(|why| format!("line {number}: {why}"))?;
                // The scan's memory budget, charged the same way (what is kept is a prefix).
                let cost = event_cost(&event);
                if out.events_over_budget > 0 || *charged + cost > out.memory_budget {
                    out.events_dropped += 1;
                    out.events_over_budget += 1;
                    continue;
                }
                *charged += cost;
                out.events.push(event);
            }
            Some(Line::Code(c)) if c.locations.iter().all(|l| l.input < count) => {
                codes += 1;
                let code = c.code;
                let t = c.into_tally(base).map_err(|why| format!("line {number}: {why}"))?;
                tallies.codes.insert(code, t);
            }
            Some(Line::End(end)) if end.events == events && end.codes == codes => {
                out.events_dropped += end.events_dropped;
                return Ok(tallies);
            }
            Some(Line::End(end)) => {
                return Err(format!(
                    "its end line counts {} events and {} codes, but {events} and {codes} came before it",
                    end.events, end.codes
                ))
            }
            Some(Line::Header(next)) => {
                // The next part, after one cut short: it is read on its own.
                lines.header = Some(next);
                return Err(format!("line {number}: a header before the end line (cut short?)"));
            }
            Some(_) => return Err(format!("line {number} names an input the header does not list")),
        }
    }
}
