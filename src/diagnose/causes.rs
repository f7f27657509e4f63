//! Names the root causes of one flow from its timeline.

use super::timeline::{Poll, Timeline};
use crate::model::{Event, Outcome, Worker};
use std::collections::BTreeMap;

/// RFC 8628's default polling interval, in seconds.
pub const DEFAULT_INTERVAL_S: u32 = 5;
/// Entra's default device code lifetime, in seconds.
pub const DEFAULT_EXPIRES_IN_S: u32 = 900;
/// A gap this much shorter than the interval still counts as honouring it (timer jitter).
const GAP_TOLERANCE_MS: i64 = 500;
/// Clients that poll fast at first and back off by design.
const BACKOFF_CLIENTS: [&str; 2] = ["azidentity (Go)", "azcopy"];

/// Every cause id aadlint reports, in order of precedence: when one flow shows several, the first
/// is the root and the others follow from it.
pub const PRECEDENCE: [&str; 10] = [
    "shared-across-workers",
    "stale-device-code",
    "polled-after-success",
    "polled-after-decline",
    "polled-after-expiry",
    "blocked-by-conditional-access",
    "polling-too-fast",
    "device-code-in-automation",
    "abandoned-flow",
    "user-declined",
];

/// Reported on its own, whatever else the flow shows: it is about logging, not the flow.
pub const PENDING_LOGGED_AS_ERROR: &str = "pending-logged-as-error";

/// A cause found in a flow, with the events that show it.
#[derive(Clone, Debug)]
pub struct Detected {
    /// Cause id.
    pub cause: &'static str,
    /// What in the log shows it, in a sentence.
    pub message: String,
    /// Events that show it.
    pub events: Vec<usize>,
    /// Workers involved.
    pub workers: Vec<Worker>,
}

/// Finds every cause a flow shows.
pub fn detect(t: &Timeline, events: &[Event], members: &[usize]) -> Vec<Detected> {
    let mut found = Vec::new();
    let authorizer = t.authorizations.first().map(|&i| &events[i].worker);
    let auth_millis = t.authorizations.first().and_then(|&i| millis(events, i));

    // Per poller: first and last poll position.
    let mut pollers: BTreeMap<&Worker, (usize, usize)> = BTreeMap::new();
    for (n, p) in t.polls.iter().enumerate() {
        pollers.entry(&p.worker).and_modify(|r| r.1 = n).or_insert((n, n));
    }
    // The states RFC 8628 names as final. Other errors may be one step of a longer sign-in
    // (a sign-in export lists an MFA interruption, then the real result).
    let first_terminal = t.polls.iter().position(|p| {
        matches!(
            p.effective_outcome(),
            Some(Outcome::Success | Outcome::Declined | Outcome::Expired)
        )
    });

    // Two pollers at once, or one after the other.
    if pollers.len() >= 2 {
        let spans: Vec<(&Worker, (usize, usize))> = pollers.iter().map(|(w, r)| (*w, *r)).collect();
        let overlapping = spans
            .iter()
            .enumerate()
            .any(|(a, (_, ra))| spans.iter().skip(a + 1).any(|(_, rb)| ra.0 < rb.1 && rb.0 < ra.1));
        let workers: Vec<Worker> = spans.iter().map(|(w, _)| (*w).clone()).collect();
        let evidence = spans
            .iter()
            .flat_map(|(_, r)| [t.polls[r.0].event, last_response(&t.polls[r.1])])
            .collect();
        if overlapping {
            found.push(Detected {
                cause: "shared-across-workers",
                message: format!("{} workers polled the same device code at the same time", workers.len()),
                events: evidence,
                workers,
            });
        } else {
            found.push(Detected {
                cause: "stale-device-code",
                message: "a later run polled a device code that an earlier run had already used".into(),
                events: evidence,
                workers,
            });
        }
    } else if let Some(p) = t.polls.first() {
        // One poller: a device code polled with no authorization in sight and already redeemed,
        // or polled long after it expired, comes from an earlier run.
        let late = match (auth_millis, p.millis) {
            (Some(a), Some(b)) => b - a > i64::from(t.expires_in.unwrap_or(DEFAULT_EXPIRES_IN_S)) * 1000 + 60_000,
            _ => false,
        };
        let foreign = authorizer.is_some_and(|w| w != &p.worker && w.source != p.worker.source);
        // A request whose very first answer says the code is used up or expired.
        let replayed = t.authorizations.is_empty()
            && (p.effective_outcome() == Some(Outcome::Redeemed)
                || (p.outcome == Some(Outcome::Expired) && p.response != Some(p.event)));
        if late || replayed || (foreign && first_terminal == Some(0)) {
            found.push(Detected {
                cause: "stale-device-code",
                message: if late {
                    "the device code was polled after its lifetime, without a new device code request".into()
                } else {
                    "the first poll of this device code was already rejected: it was used by an earlier run".into()
                },
                events: t
                    .authorizations
                    .iter()
                    .take(1)
                    .copied()
                    .chain([p.event, last_response(p)])
                    .collect(),
                workers: vec![p.worker.clone()],
            });
        }
    }

    // Polls after a terminal response, by the worker that got it.
    if let Some(ft) = first_terminal {
        let terminal = &t.polls[ft];
        let after: Vec<&Poll> = t.polls[ft + 1..]
            .iter()
            .filter(|p| p.worker == terminal.worker || pollers.len() == 1)
            .collect();
        if let Some(next) = after.first() {
            let (cause, what) = match terminal.effective_outcome() {
                Some(Outcome::Success) => ("polled-after-success", "after it had received tokens"),
                Some(Outcome::Declined) => ("polled-after-decline", "after the user declined"),
                Some(Outcome::Expired) => ("polled-after-expiry", "after the device code expired"),
                _ => ("polled-after-expiry", "after the device code expired"),
            };
            found.push(Detected {
                cause,
                message: format!("the client polled {} more time(s) {what}", after.len()),
                events: vec![last_response(terminal), next.event, last_response(next)],
                workers: vec![terminal.worker.clone()],
            });
        }
    }
    // A success seen by one worker, and a later poll by another that lost the race.
    if !found.iter().any(|d| d.cause == "polled-after-success") {
        if let Some(s) = t
            .polls
            .iter()
            .position(|p| p.effective_outcome() == Some(Outcome::Success))
        {
            if let Some(next) = t.polls[s + 1..].first() {
                found.push(Detected {
                    cause: "polled-after-success",
                    message: "the device code was polled again after it had been redeemed".into(),
                    events: vec![last_response(&t.polls[s]), next.event, last_response(next)],
                    workers: vec![next.worker.clone()],
                });
            }
        }
    }

    let throttled = too_fast(t, events, members);

    let blocked: Vec<usize> = t
        .polls
        .iter()
        .filter(|p| p.outcome == Some(Outcome::Blocked))
        .map(last_response)
        .collect();
    if !blocked.is_empty() {
        found.push(Detected {
            cause: "blocked-by-conditional-access",
            message: "a Conditional Access policy rejected the device code sign-in".into(),
            workers: vec![events[blocked[0]].worker.clone()],
            events: blocked,
        });
    }

    let succeeded = t.polls.iter().any(|p| p.effective_outcome() == Some(Outcome::Success));
    let declined: Vec<usize> = t
        .polls
        .iter()
        .filter(|p| p.outcome == Some(Outcome::Declined))
        .map(last_response)
        .collect();
    let expired = t.polls.iter().any(|p| p.outcome == Some(Outcome::Expired));
    let only_waiting = t.polls.iter().all(|p| {
        matches!(
            p.effective_outcome(),
            Some(Outcome::Pending | Outcome::SlowDown | Outcome::Expired) | None
        )
    });
    let gave_up = !t.client_gave_up.is_empty() || expired;
    let waited = !t.authorizations.is_empty()
        || !t.client_gave_up.is_empty()
        || t.polls.iter().any(|p| p.effective_outcome() == Some(Outcome::Pending));
    // A flow that expired while the client was being slowed down was not abandoned by the user.
    let stale = found.iter().any(|d| d.cause == "stale-device-code");
    if gave_up && waited && !succeeded && declined.is_empty() && only_waiting && throttled.is_none() && !stale {
        let end = t.client_gave_up.first().copied().or_else(|| {
            t.polls
                .iter()
                .rev()
                .find(|p| p.outcome == Some(Outcome::Expired))
                .map(last_response)
        });
        found.push(Detected {
            cause: "abandoned-flow",
            message: format!(
                "the flow stayed pending through {} poll(s) until it expired: nobody entered the code",
                t.polls.len()
            ),
            events: t.authorizations.iter().take(1).copied().chain(end).collect(),
            workers: authorizer.into_iter().cloned().collect(),
        });
    }
    found.extend(throttled);
    if !declined.is_empty() {
        found.push(Detected {
            cause: "user-declined",
            message: "the user declined the sign-in request".into(),
            workers: vec![events[declined[0]].worker.clone()],
            events: declined,
        });
    }

    if members.iter().any(|&i| events[i].unattended) {
        let first = members[0];
        found.push(Detected {
            cause: "device-code-in-automation",
            message: "a device code flow ran in a CI job or service, where nobody is there to enter the code".into(),
            events: vec![t.authorizations.first().copied().unwrap_or(first)],
            workers: vec![events[first].worker.clone()],
        });
    }

    let pending_errors = t.pending_errors.clone();
    if !pending_errors.is_empty() {
        found.push(Detected {
            cause: PENDING_LOGGED_AS_ERROR,
            message: format!(
                "{} authorization_pending response(s) were logged at ERROR level",
                pending_errors.len()
            ),
            workers: vec![events[pending_errors[0]].worker.clone()],
            events: pending_errors,
        });
    }
    found
}

fn millis(events: &[Event], i: usize) -> Option<i64> {
    events[i].timestamp.as_ref().and_then(|t| t.millis)
}

fn last_response(p: &Poll) -> usize {
    p.response.unwrap_or(p.event)
}

/// Polls closer together than the interval (plus 5 s per `slow_down`), per worker.
fn too_fast(t: &Timeline, events: &[Event], members: &[usize]) -> Option<Detected> {
    let loop_detected: Vec<usize> = members
        .iter()
        .copied()
        .filter(|&i| events[i].codes.contains(&50196))
        .collect();
    if !loop_detected.is_empty() {
        return Some(Detected {
            cause: "polling-too-fast",
            message: "Entra stopped the flow with AADSTS50196 (loop detected): the client polled too often".into(),
            workers: vec![events[loop_detected[0]].worker.clone()],
            events: loop_detected,
        });
    }
    if members
        .iter()
        .any(|&i| events[i].client.is_some_and(|c| BACKOFF_CLIENTS.contains(&c)))
    {
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
        workers.entry(&p.worker).or_default().push(p);
    }
    let order: std::collections::HashMap<usize, usize> = members.iter().enumerate().map(|(i, &m)| (m, i)).collect();
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
            let (Some(a), Some(b)) = (pair[0].millis, pair[1].millis) else {
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
            cause: "polling-too-fast",
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
