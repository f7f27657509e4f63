//! `polling-too-fast`: polls closer together than the interval (plus 5 s per `slow_down`), or a
//! device code flow stopped with AADSTS50196 (loop detected).

use super::{last_response, Cause, Detected, FlowView, Precedence, DEFAULT_INTERVAL_S};
use crate::diagnose::timeline::Poll;
use crate::model::{CauseId, IdKind, Outcome, Severity, Signal, Worker};
use std::collections::{BTreeMap, HashMap};

/// A gap this much shorter than the interval still counts as honouring it (timer jitter).
const GAP_TOLERANCE_MS: i64 = 500;
/// AADSTS50196: the server ended a request loop.
const LOOP_DETECTED: u32 = 50196;
/// Names of credentials and grants that are no device code flow: AADSTS50196 on their lines is
/// the code's own problem (a retry loop), not a poll loop. Name endings, because an excerpt may
/// cut a long line's text before the code short (`…amePasswordCredential.get_token failed`).
const OTHER_CREDENTIALS: [&str; 13] = [
    "PasswordCredential",
    "SecretCredential",
    "CertificateCredential",
    "IdentityCredential",
    "BehalfOfCredential",
    "AuthorizationCodeCredential",
    "BrowserCredential",
    "by_username_password",
    "ByUsernamePassword",
    "token_for_client",
    "TokenForClient",
    "grant_type=password",
    "grant_type=client_credentials",
];

/// The cause.
pub struct PollingTooFast;

impl Cause for PollingTooFast {
    fn id(&self) -> CauseId {
        CauseId::PollingTooFast
    }

    fn severity(&self) -> Severity {
        Severity::Warning
    }

    fn precedence(&self) -> Precedence {
        Precedence::Chain(70)
    }

    /// A flow that expired while the client was being slowed down was not abandoned by the user.
    fn rules_out(&self) -> &'static [CauseId] {
        &[CauseId::AbandonedFlow]
    }

    fn detect(&self, flow: &FlowView) -> Option<Detected> {
        loop_detected(flow).or_else(|| too_fast(flow))
    }
}

/// AADSTS50196 in a device code flow: Entra ended the polling.
fn loop_detected(flow: &FlowView) -> Option<Detected> {
    let events = flow.events;
    let loops: Vec<usize> = flow
        .members
        .iter()
        .copied()
        .filter(|&i| events[i].codes.contains(&LOOP_DETECTED))
        .collect();
    let first = *loops.first()?;
    if !device_flow_besides_the_loop(flow) && names_other_credential(flow, &loops) {
        return None;
    }
    Some(Detected {
        cause: CauseId::PollingTooFast,
        message: "Entra stopped the flow with AADSTS50196 (loop detected): the client polled too often".into(),
        workers: vec![events[first].worker.clone()],
        events: loops,
    })
}

/// Whether the flow shows a device code flow by more than the loop code: an authorization, a
/// device code grant, a device or user code, or a state only device code polling gets.
fn device_flow_besides_the_loop(flow: &FlowView) -> bool {
    flow.members.iter().any(|&i| {
        let e = &flow.events[i];
        e.keys.iter().any(|k| k.kind != IdKind::Correlation)
            || e.signals.iter().any(|s| match s {
                Signal::Authorization { .. } => true,
                Signal::Poll { device_grant, .. } => *device_grant,
                Signal::Outcome(o) => matches!(
                    o,
                    Outcome::Pending | Outcome::SlowDown | Outcome::Declined | Outcome::Expired
                ),
                _ => false,
            })
    })
}

/// Whether the loop lines name a credential or grant other than device code (in the excerpt
/// reports quote, the same from a file and from a pipe).
fn names_other_credential(flow: &FlowView, loops: &[usize]) -> bool {
    loops.iter().any(|&i| {
        let text = flow.scan.excerpt(&flow.events[i]);
        OTHER_CREDENTIALS.iter().any(|name| text.contains(name))
    })
}

/// Polls closer together than the interval (plus 5 s per `slow_down`), per worker.
fn too_fast(flow: &FlowView) -> Option<Detected> {
    let (t, events, members) = (flow.timeline, flow.events, flow.members);
    // Clients that poll fast at first and back off by design (`backs_off` in `rules/clients/`).
    let backs_off = |name: &str| flow.catalog.clients.values().any(|c| c.backs_off && c.name == name);
    if members.iter().any(|&i| events[i].client.is_some_and(backs_off)) {
        return None;
    }
    let base = i64::from(t.interval.unwrap_or(DEFAULT_INTERVAL_S)) * 1000;
    let mut workers: BTreeMap<&Worker, Vec<&Poll>> = BTreeMap::new();
    // Polls after a response that ends the flow are a cause of their own (polled-after-*).
    let until = t
        .polls
        .iter()
        .position(|p| p.effective_outcome().is_some_and(Outcome::is_terminal))
        .map_or(t.polls.len(), |i| i + 1);
    for p in &t.polls[..until] {
        workers.entry(p.worker).or_default().push(p);
    }
    let order: HashMap<usize, usize> = members.iter().enumerate().map(|(i, &m)| (m, i)).collect();
    let position = |event: usize| order.get(&event).copied();
    let end = t
        .polls
        .get(until.saturating_sub(1))
        .filter(|_| until < t.polls.len())
        .and_then(|p| position(last_response(p)));
    let too_soon: Vec<usize> = t
        .too_soon
        .iter()
        .copied()
        .filter(|&e| end.is_none() || position(e) < end)
        .collect();
    for (worker, polls) in workers {
        let mut expected = base;
        let mut short: Vec<(usize, i64)> = Vec::new();
        let mut gaps: Vec<i64> = Vec::new();
        let mut slow_down_ignored = false;
        for pair in polls.windows(2) {
            // A request logged without a time (`curl -v`'s `> POST`) is timed by its answer.
            let at = |p: &Poll| p.millis.or(p.answered_millis);
            let (Some(a), Some(b)) = (at(pair[0]), at(pair[1])) else {
                continue;
            };
            let gap = b - a;
            gaps.push(gap);
            if gap + GAP_TOLERANCE_MS < expected {
                short.push((pair[1].event, gap));
                slow_down_ignored |= pair[0].effective_outcome() == Some(Outcome::SlowDown);
            }
            if pair[1].effective_outcome() == Some(Outcome::SlowDown) {
                expected += 5_000;
            }
        }
        if short.len() < 2 && !slow_down_ignored && too_soon.is_empty() {
            continue;
        }
        if short.is_empty() && too_soon.is_empty() {
            continue;
        }
        if is_backoff(&gaps, base) {
            continue;
        }
        let fastest = short.iter().map(|s| s.1).min().unwrap_or(0);
        let mut evidence: Vec<usize> = short.iter().take(3).map(|s| s.0).collect();
        evidence.extend(too_soon.iter().take(1));
        return Some(Detected {
            cause: CauseId::PollingTooFast,
            message: format!(
                "{} poll(s) came sooner than the {} s interval (fastest gap {:.1} s){}",
                short.len(),
                base / 1000,
                fastest as f64 / 1000.0,
                if slow_down_ignored {
                    "; slow_down was ignored"
                } else {
                    ""
                }
            ),
            events: evidence,
            workers: vec![worker.clone()],
        });
    }
    None
}

/// Short gaps that only grow, up to the interval, and never shrink again: a client backing off
/// by design (MSAL for Go: 50 ms, 150 ms, 450 ms, 1.35 s, 4.05 s, then 5 s).
fn is_backoff(gaps: &[i64], interval: i64) -> bool {
    let reached = gaps
        .iter()
        .position(|&g| g + GAP_TOLERANCE_MS >= interval)
        .unwrap_or(gaps.len());
    let ramp = &gaps[..reached];
    ramp.len() >= 2
        && ramp.windows(2).all(|w| w[1] > w[0])
        && gaps[reached..].iter().all(|&g| g + GAP_TOLERANCE_MS >= interval)
}
