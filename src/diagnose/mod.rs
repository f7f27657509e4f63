//! Diagnose: walks each flow's timeline, names its root cause with the fix from the rules, and
//! summarises every AADSTS code found.

pub mod causes;
mod codes;
pub mod timeline;

use crate::analysis::{
    Analysis, Evidence, Finding, FlowSummary, Limits, SeverityCounts, Summary, Tool, UtcTime, WorkerInfo, MAX_EVIDENCE,
    SCHEMA_VERSION,
};
use crate::correlate::Flow;
use crate::model::{CauseId, Event, FlowEnd, IdKind, Outcome, Severity, Worker};
use crate::rules::Catalog;
use crate::scan::clients::CLIENTS;
use crate::scan::ScanOutput;
use causes::{Detected, FlowFacts, FlowView, Precedence};
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;
use timeline::Timeline;

/// Each cause's title and fix, made once and shared by its findings.
type CauseTexts = HashMap<CauseId, (Arc<str>, Arc<str>)>;

/// Builds the report from what the scan found and how the events were linked.
pub fn diagnose(scan: ScanOutput, flows: Vec<Flow>, catalog: &Catalog) -> Analysis {
    let paths: Vec<String> = scan.inputs.iter().map(|i| i.path.clone()).collect();
    let codes = codes::summarize(&scan.tallies, catalog, &paths);
    // Flows are diagnosed on every thread; collecting keeps their order. Facts come first: some
    // causes compare a flow with the flows before it. Each timeline is built again where it is
    // used rather than kept for every flow at once.
    let mut facts: Vec<FlowFacts> = flows
        .par_iter()
        .map(|flow| {
            facts_of(
                flow,
                &timeline::build(&flow.events, &scan.events, catalog),
                &scan.events,
            )
        })
        .collect();
    causes::link_programs(&mut facts, &scan.events);
    // The title and fix of each cause, shared by its findings.
    let texts: CauseTexts = CauseId::ALL
        .iter()
        .map(|&id| {
            let rule = catalog.causes.get(&id);
            let title = rule.map_or_else(|| id.to_string(), |r| r.title.clone());
            let fix = rule.map_or_else(String::new, |r| r.fix.trim().to_string());
            (id, (Arc::from(title), Arc::from(fix)))
        })
        .collect();
    let diagnosed: Vec<(FlowSummary, Vec<Finding>)> = flows
        .par_iter()
        .enumerate()
        .map(|(index, flow)| {
            let t = timeline::build(&flow.events, &scan.events, catalog);
            let view = FlowView {
                timeline: &t,
                events: &scan.events,
                members: &flow.events,
                catalog,
                scan: &scan,
                flows: &facts,
                index,
            };
            let detected = causes::detect(&view);
            let flow_findings = name_findings(flow, detected, &scan, catalog, &texts, &paths);
            (summarize_flow(flow, &t, &scan, &flow_findings, &paths), flow_findings)
        })
        .collect();
    drop(facts);
    // What only the diagnosis needed (every event, the flows, the files kept open for excerpts)
    // is freed on the pool while the report is made and written.
    let ScanOutput {
        inputs,
        tallies,
        events,
        max_events,
        events_dropped,
        memory_budget,
        events_over_budget,
        files,
    } = scan;
    rayon::spawn(move || drop((events, files, flows, tallies)));
    let mut flow_summaries = Vec::with_capacity(diagnosed.len());
    let mut findings = Vec::new();
    for (summary, flow_findings) in diagnosed {
        flow_summaries.push(summary);
        findings.extend(flow_findings);
    }
    let mut counts = SeverityCounts::default();
    for f in &findings {
        match f.severity {
            Severity::Error => counts.error += 1,
            Severity::Warning => counts.warning += 1,
            Severity::Info => counts.info += 1,
        }
    }
    let summary = Summary {
        inputs: inputs.len(),
        input_errors: inputs.iter().filter(|i| i.error.is_some()).count(),
        bytes: inputs.iter().map(|i| i.bytes).sum(),
        lines: inputs.iter().map(|i| i.lines).sum(),
        codes: codes.len(),
        failures: codes.iter().map(|c| c.failures as usize).sum(),
        pending: codes.iter().filter(|c| c.pending).map(|c| c.events as usize).sum(),
        flows: flow_summaries.len(),
        findings: counts,
        suppressed: Default::default(),
    };
    let limits = Limits {
        max_events,
        events_dropped,
        memory_budget,
        events_over_budget,
    };
    Analysis {
        schema_version: SCHEMA_VERSION,
        tool: Tool::default(),
        inputs,
        summary,
        codes,
        flows: flow_summaries,
        findings,
        limits,
        expired_ignores: Vec::new(),
        clock_skew: Vec::new(),
    }
}

/// Picks the root cause of a flow (the others follow from it) and turns causes into findings.
fn name_findings(
    flow: &Flow,
    detected: Vec<Detected>,
    scan: &ScanOutput,
    catalog: &Catalog,
    texts: &CauseTexts,
    paths: &[String],
) -> Vec<Finding> {
    let (separate, chain): (Vec<Detected>, Vec<Detected>) = detected
        .into_iter()
        .partition(|d| causes::cause(d.cause).precedence() == Precedence::Alone);
    let mut chain = chain;
    chain.sort_by_key(|d| causes::cause(d.cause).precedence());
    let mut out = Vec::new();
    if let Some(root) = chain.first() {
        let mut follows: Vec<CauseId> = chain[1..].iter().map(|d| d.cause).collect();
        follows.dedup();
        out.push(finding(root, follows, flow, scan, catalog, texts, paths));
    }
    out.extend(
        separate
            .iter()
            .map(|d| finding(d, Vec::new(), flow, scan, catalog, texts, paths)),
    );
    out
}

fn finding(
    d: &Detected,
    follows: Vec<CauseId>,
    flow: &Flow,
    scan: &ScanOutput,
    catalog: &Catalog,
    texts: &CauseTexts,
    paths: &[String],
) -> Finding {
    let rule = catalog.causes.get(&d.cause);
    let events = &scan.events;
    let mut evidence: Vec<Evidence> = Vec::new();
    let mut lines: Vec<usize> = d.events.clone();
    lines.sort_by_key(|&i| (events[i].source, events[i].line));
    for i in lines {
        if evidence.len() >= MAX_EVIDENCE {
            break;
        }
        let e = evidence_of(&events[i], scan, paths);
        if !evidence.contains(&e) {
            evidence.push(e);
        }
    }
    let mut workers: Vec<String> = d.workers.iter().map(|w| worker_label(w, paths)).collect();
    workers.dedup();
    let mut workers_detail: Vec<WorkerInfo> = d.workers.iter().map(|w| worker_info(w, paths)).collect();
    workers_detail.dedup();
    let span = TimeSpan::of(d.events.iter().map(|&i| &events[i]));
    let dashboard = Dashboard::of(flow.events.iter().map(|&i| &events[i]));
    Finding {
        cause: d.cause,
        severity: rule.map_or_else(|| causes::cause(d.cause).severity(), causes::severity_of),
        title: texts[&d.cause].0.clone(),
        flow: flow.id.clone(),
        workers,
        workers_detail,
        first_time: span.first,
        last_time: span.last,
        first_time_text: span.first_text,
        last_time_text: span.last_text,
        tenants: dashboard.tenants,
        client_ids: dashboard.client_ids,
        hosts: distinct(d.workers.iter().filter_map(|w| w.host.clone())),
        message: d.message.clone(),
        evidence,
        fix: texts[&d.cause].1.clone(),
        follows,
        suppressed: None,
    }
}

fn evidence_of(e: &Event, scan: &ScanOutput, paths: &[String]) -> Evidence {
    Evidence {
        path: paths[e.source as usize].clone(),
        line: e.line,
        excerpt: scan.excerpt(e),
    }
}

/// What a dashboard groups flows by: the tenants and application ids their lines name.
struct Dashboard {
    tenants: Vec<String>,
    client_ids: Vec<String>,
}

impl Dashboard {
    fn of<'a>(events: impl Iterator<Item = &'a Event> + Clone) -> Dashboard {
        let named = events.filter_map(|e| e.tenancy.as_deref());
        Dashboard {
            tenants: distinct(named.clone().filter_map(|t| t.tenant.clone())),
            client_ids: distinct(named.filter_map(|t| t.client_id.clone())),
        }
    }
}

/// The distinct values, in order of first appearance.
fn distinct(values: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// The earliest and latest times of some events: as instants where their dates are known, and
/// as written in the log.
#[derive(Default)]
struct TimeSpan {
    first: Option<UtcTime>,
    last: Option<UtcTime>,
    first_text: Option<String>,
    last_text: Option<String>,
}

impl TimeSpan {
    /// The span of `events`: by instant where the times are known, else the first and last
    /// timestamps in log order.
    fn of<'a>(events: impl Iterator<Item = &'a Event>) -> TimeSpan {
        let stamps: Vec<&crate::model::Timestamp> = events.filter_map(|e| e.timestamp.as_ref()).collect();
        let timed = stamps.iter().filter_map(|t| UtcTime::of(t).map(|u| (u, *t)));
        let earliest = timed.clone().min_by_key(|(u, _)| *u);
        let latest = timed.max_by_key(|(u, _)| *u);
        TimeSpan {
            first: earliest.map(|(u, _)| u),
            last: latest.map(|(u, _)| u),
            first_text: earliest
                .map(|(_, t)| t)
                .or_else(|| stamps.first().copied())
                .map(|t| t.text.clone()),
            last_text: latest
                .map(|(_, t)| t)
                .or_else(|| stamps.last().copied())
                .map(|t| t.text.clone()),
        }
    }
}

/// A worker field by field.
pub fn worker_info(w: &Worker, paths: &[String]) -> WorkerInfo {
    WorkerInfo {
        input: paths[w.source as usize].clone(),
        host: w.host.clone(),
        process: w.app.clone(),
        pid: w.pid.clone(),
        thread: w.thread.clone(),
        label: worker_label(w, paths),
    }
}

/// `app.log`, or `app.log[host gunicorn pid 123 MainThread]` when the lines name more.
pub fn worker_label(w: &Worker, paths: &[String]) -> String {
    let mut parts = Vec::new();
    if let Some(h) = &w.host {
        parts.push(h.clone());
    }
    if let Some(a) = &w.app {
        parts.push(a.clone());
    }
    if let Some(p) = &w.pid {
        parts.push(format!("pid {p}"));
    }
    if let Some(t) = &w.thread {
        parts.push(t.clone());
    }
    let path = &paths[w.source as usize];
    if parts.is_empty() {
        path.clone()
    } else {
        format!("{path}[{}]", parts.join(" "))
    }
}

fn summarize_flow(flow: &Flow, t: &Timeline, scan: &ScanOutput, findings: &[Finding], paths: &[String]) -> FlowSummary {
    let members: Vec<&Event> = flow.events.iter().map(|&i| &scan.events[i]).collect();
    let mut seen: Vec<&Worker> = Vec::new();
    let mut workers: Vec<String> = Vec::new();
    let mut workers_detail: Vec<WorkerInfo> = Vec::new();
    for e in &members {
        if seen.contains(&&e.worker) {
            continue;
        }
        seen.push(&e.worker);
        let label = worker_label(&e.worker, paths);
        if !workers.contains(&label) {
            workers.push(label);
            workers_detail.push(worker_info(&e.worker, paths));
        }
    }
    let span = TimeSpan::of(members.iter().copied());
    let mut kinds: Vec<&'static str> = Vec::new();
    for (kind, name) in [
        (IdKind::DeviceCode, "device_code"),
        (IdKind::UserCode, "user_code"),
        (IdKind::Correlation, "correlation_id"),
    ] {
        if flow.keys.iter().any(|k| k.kind == kind) {
            kinds.push(name);
        }
    }
    let first = members.first().expect("a flow has events");
    let dashboard = Dashboard::of(members.iter().copied());
    FlowSummary {
        id: flow.id.clone(),
        identifiers: flow.keys.iter().map(ToString::to_string).collect(),
        identifier_kinds: kinds,
        client: client_of(flow, &scan.events).map(str::to_string),
        workers,
        workers_detail,
        first_timestamp: members
            .iter()
            .find_map(|e| e.timestamp.as_ref().map(|t| t.text.clone())),
        last_timestamp: members
            .iter()
            .rev()
            .find_map(|e| e.timestamp.as_ref().map(|t| t.text.clone())),
        first_time: span.first,
        last_time: span.last,
        first_time_text: span.first_text,
        last_time_text: span.last_text,
        start: evidence_of(first, scan, paths),
        polls: t.polls.len() as u64,
        tenants: dashboard.tenants,
        client_ids: dashboard.client_ids,
        hosts: distinct(members.iter().filter_map(|e| e.worker.host.clone())),
        outcome: flow_end(t).as_str(),
        findings: findings.iter().map(|f| f.cause).collect(),
    }
}

/// The client a flow names: the first in [`CLIENTS`] that any of its lines names.
fn client_of(flow: &Flow, events: &[Event]) -> Option<&'static str> {
    flow.events
        .iter()
        .filter_map(|&i| events[i].client)
        .min_by_key(|c| CLIENTS.iter().position(|(_, name)| name == c))
}

/// What causes that span flows need to know of a flow.
fn facts_of(flow: &Flow, t: &Timeline, events: &[Event]) -> FlowFacts {
    let start = t.authorizations.first().copied().unwrap_or(flow.events[0]);
    FlowFacts {
        worker: events[start].worker.clone(),
        client: client_of(flow, events),
        start,
        tokens: t
            .polls
            .iter()
            .find(|p| p.effective_outcome() == Some(Outcome::Success))
            .map(causes::last_response),
        program_flows: 0,
        earlier_successes: 0,
    }
}

/// How a flow ended, from the responses it got.
fn flow_end(t: &Timeline) -> FlowEnd {
    let has = |o: Outcome| t.polls.iter().any(|p| p.effective_outcome() == Some(o));
    if has(Outcome::Success) {
        FlowEnd::Tokens
    } else if has(Outcome::Declined) {
        FlowEnd::Declined
    } else if has(Outcome::Blocked) {
        FlowEnd::Blocked
    } else if !t.client_gave_up.is_empty() {
        FlowEnd::Abandoned
    } else if has(Outcome::Expired) {
        FlowEnd::Expired
    } else if has(Outcome::Redeemed) || has(Outcome::OtherError) {
        FlowEnd::Error
    } else if t.polls.is_empty() {
        FlowEnd::Unknown
    } else {
        FlowEnd::Pending
    }
}
