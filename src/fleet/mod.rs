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
use crate::scan::{tally::Tallies, ScanOutput};
use std::io::{self, BufRead, Write};
use wire::{CodeLine, End, EventLine, Header, InputLine, Line, ToolLine};

/// The `format` every header names.
pub const FORMAT: &str = "aadlint-events";

/// Bumped on any change of the lines that an older `merge` would read wrongly.
pub const SCHEMA_VERSION: u32 = 1;

/// The JSON Schema of one line of an events file (`aadlint schema events`).
pub const EVENTS_SCHEMA: &str = include_str!("../../schema/events.schema.json");

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
    for e in &scanned.events {
        line(&Line::Event(EventLine::of(e, scanned.excerpt(e))))?;
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
/// scan counts them). A part that cannot be read, is not an events file or is cut short adds
/// nothing but an input that names it and the reason (its inputs', when its header could be
/// read): the report then shows it, and the run exits 2.
pub fn merge(parts: &[String], max_events: usize) -> ScanOutput {
    let mut out = ScanOutput {
        inputs: Vec::new(),
        tallies: Tallies::default(),
        events: Vec::new(),
        max_events,
        events_dropped: 0,
        files: Vec::new(),
    };
    for part in parts {
        let before = (out.events.len(), out.events_dropped);
        if let Err(failed) = read_part(part, &mut out) {
            out.events.truncate(before.0);
            out.events_dropped = before.1;
            out.inputs.extend(failed);
        }
    }
    out.files = vec![None; out.inputs.len()];
    out
}

/// Opens `part`: a file, or standard input for `-`.
fn open(part: &str) -> io::Result<Box<dyn BufRead>> {
    if part == "-" {
        return Ok(Box::new(io::BufReader::new(io::stdin().lock())));
    }
    Ok(Box::new(io::BufReader::new(std::fs::File::open(part)?)))
}

/// The inputs that stand for a part that could not be merged: the header's, when it was read,
/// each with `reason`; else one named after the part.
fn failed_inputs(part: &str, header: Option<Header>, reason: &str) -> Vec<InputSummary> {
    let error = format!("events file {part}: {reason}; not merged");
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
            path: part.to_string(),
            error: Some(error),
            ..Default::default()
        }],
    }
}

/// Reads one part into `out`; on failure, the inputs to add in its place (the caller takes back
/// the events it added).
fn read_part(part: &str, out: &mut ScanOutput) -> Result<(), Vec<InputSummary>> {
    let mut reader = open(part).map_err(|e| failed_inputs(part, None, &input::describe_error(&e)))?;
    let mut text = Vec::new();
    let mut number = 0u64;
    // The next line, parsed; `None` at the end of the file.
    let mut next = |number: &mut u64| -> Result<Option<Line>, String> {
        text.clear();
        match reader.read_until(b'\n', &mut text) {
            Ok(0) => return Ok(None),
            Ok(_) => {}
            Err(e) => return Err(input::describe_error(&e)),
        }
        *number += 1;
        if text.last() != Some(&b'\n') {
            return Err(format!("line {number} is cut short"));
        }
        serde_json::from_slice(&text)
            .map(Some)
            .map_err(|e| format!("line {number} is not an events line ({e})"))
    };
    let foreign = |why: String| failed_inputs(part, None, &format!("not an aadlint events file: {why}"));
    let header = match next(&mut number) {
        Ok(Some(Line::Header(h))) => h,
        Ok(None) => return Err(foreign("it is empty".into())),
        Ok(Some(_)) => return Err(foreign("it does not start with a header".into())),
        Err(e) => return Err(foreign(e)),
    };
    if header.format != FORMAT || header.schema_version != SCHEMA_VERSION {
        let why = format!(
            "format {:?} version {}, expected {FORMAT:?} version {SCHEMA_VERSION}",
            header.format, header.schema_version
        );
        return Err(foreign(why));
    }
    let base = out.inputs.len() as u32;
    let count = header.inputs.len() as u32;
    let (mut events, mut codes) = (0u64, 0u64);
    let mut tallies = Tallies::default();
    let result = loop {
        let line = match next(&mut number) {
            Ok(Some(line)) => line,
            Ok(None) => break Err("it ends before its end line (cut short?)".to_string()),
            Err(e) => break Err(e),
        };
        match line {
            Line::Event(e) if e.input < count => {
                events += 1;
                if out.events.len() >= out.max_events {
                    out.events_dropped += 1;
                    continue;
                }
                let source = base + e.input;
                match e.into_event(source) {
                    Ok(event) => out.events.push(event),
                    Err(why) => break Err(format!("line {number}: {why}")),
                }
            }
            Line::Code(c) if c.locations.iter().all(|l| l.input < count) => {
                codes += 1;
                let code = c.code;
                match c.into_tally(base) {
                    Ok(t) => {
                        tallies.codes.insert(code, t);
                    }
                    Err(why) => break Err(format!("line {number}: {why}")),
                }
            }
            Line::End(end) if end.events == events && end.codes == codes => {
                out.events_dropped += end.events_dropped;
                break Ok(());
            }
            Line::End(end) => {
                break Err(format!(
                    "its end line counts {} events and {} codes, but {events} and {codes} came before it",
                    end.events, end.codes
                ))
            }
            Line::Header(_) => break Err(format!("line {number} is a second header")),
            _ => break Err(format!("line {number} names an input the header does not list")),
        }
    };
    if let Err(why) = result {
        return Err(failed_inputs(part, Some(header), &why));
    }
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
    Ok(())
}
