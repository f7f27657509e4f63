//! Groups one source's candidate lines into records (a line plus its `Trace ID:` /
//! `Correlation ID:` / `Timestamp:` continuations, or a multi-line log record) and turns them
//! into code mentions and flow events. Runs after the parallel scan, in line order, so the
//! result does not depend on how the input was cut into chunks.

use super::line::LineHit;
use crate::model::{CodeMention, Event, FlowKey, IdKind, Outcome, Signal, SourceId, Worker};

/// How many lines after the last line of a record a continuation line may stand.
const MAX_GAP: u64 = 12;
/// The same for the records of a JSON sign-in export.
const MAX_EXPORT_GAP: u64 = 200;

/// The code mentions and flow events of one source.
#[derive(Debug, Default)]
pub struct Assembled {
    /// Every AADSTS mention.
    pub mentions: Vec<CodeMention>,
    /// Every record that says something about a device code flow.
    pub events: Vec<Event>,
}

/// Assembles the sorted candidate lines of one source. `record_base` numbers records uniquely
/// across sources.
pub fn assemble(source: SourceId, mut hits: Vec<LineHit>, record_base: u64) -> Assembled {
    // Rows of a CSV sign-in export are read under the header row before them.
    let mut header = None;
    for hit in &mut hits {
        if let Some(h) = hit.csv_header.take() {
            header = Some(h);
        } else if let (Some(row), Some(h)) = (hit.csv_row.take(), &header) {
            h.read_row(&row, hit);
        }
    }
    let hits = &hits[..];
    let unattended = hits.iter().any(|h| h.unattended);
    let source_client = hits.iter().find_map(|h| h.client);
    let mut out = Assembled::default();
    let mut start = 0;
    let mut record = record_base;
    while start < hits.len() {
        let mut end = start + 1;
        // A JSON sign-in export record spans dozens of lines.
        let gap = if hits[start].export_record {
            MAX_EXPORT_GAP
        } else {
            MAX_GAP
        };
        while end < hits.len() && !hits[end].head && hits[end].line - hits[end - 1].line <= gap {
            end += 1;
        }
        emit(source, &hits[start..end], record, unattended, source_client, &mut out);
        record += 1;
        start = end;
    }
    out
}

fn emit(
    source: SourceId,
    lines: &[LineHit],
    record: u64,
    unattended: bool,
    source_client: Option<&'static str>,
    out: &mut Assembled,
) {
    let head = &lines[0];
    let trace_id = lines.iter().find_map(|l| l.trace_id.clone());
    let correlation_id = lines.iter().find_map(|l| l.correlation_id.clone());
    let timestamp = head
        .timestamp
        .clone()
        .or_else(|| lines.iter().find_map(|l| l.timestamp.clone()));
    for l in lines {
        for &(code, form) in &l.codes {
            out.mentions.push(CodeMention {
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
    if signals.is_empty() && keys.is_empty() && out.mentions.last().is_none_or(|m| m.record != record) {
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
        .unwrap_or(head);
    let mut codes: Vec<u32> = lines.iter().flat_map(|l| l.codes.iter().map(|c| c.0)).collect();
    codes.dedup();
    out.events.push(Event {
        source,
        line: shown.line,
        timestamp,
        worker: Worker {
            source,
            host: head.worker.host.clone(),
            pid: head.worker.pid.clone(),
            thread: head.worker.thread.clone(),
        },
        keys,
        signals,
        codes,
        error_level: head.error_level || lines.iter().any(|l| l.error_level && l.head),
        excerpt: shown.excerpt.clone(),
        unattended,
        client: lines.iter().find_map(|l| l.client).or(source_client),
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
