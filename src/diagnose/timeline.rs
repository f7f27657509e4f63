//! Replays one flow's events as RFC 8628 sees them: the authorization, then each poll with the
//! response it got.

use crate::model::{Event, Outcome, Signal, Worker};
use crate::rules::Catalog;

/// The gap within which a second report of the same poll counts as the same poll.
const SAME_POLL_MS: i64 = 2_000;

/// One request to the token endpoint and what it got.
#[derive(Clone, Debug)]
pub struct Poll<'a> {
    /// The event of the request (or of the response, when only that was logged).
    pub event: usize,
    /// The event of the response, when one was logged apart from the request.
    pub response: Option<usize>,
    /// Who polled.
    pub worker: &'a Worker,
    /// When, in milliseconds.
    pub millis: Option<i64>,
    /// What the server answered, when the log shows it.
    pub outcome: Option<Outcome>,
    /// The HTTP status, when the log shows it.
    pub status: Option<u16>,
    /// When its answer was logged, if apart from the request.
    pub answered_millis: Option<i64>,
}

impl Poll<'_> {
    /// The outcome, with a bare HTTP 400 read as "still pending" and 200 as success.
    pub fn effective_outcome(&self) -> Option<Outcome> {
        self.outcome.or(match self.status {
            Some(200) => Some(Outcome::Success),
            Some(400) => Some(Outcome::Pending),
            Some(_) => Some(Outcome::OtherError),
            None => None,
        })
    }
}

/// A flow's history.
#[derive(Clone, Debug, Default)]
pub struct Timeline<'a> {
    /// Events that authorized the flow (request, response, prompt).
    pub authorizations: Vec<usize>,
    /// `expires_in` from the response, if logged.
    pub expires_in: Option<u32>,
    /// `interval` from the response, if logged.
    pub interval: Option<u32>,
    /// Every poll, in order.
    pub polls: Vec<Poll<'a>>,
    /// Events where the client gave up on its own clock.
    pub client_gave_up: Vec<usize>,
    /// Events where the client warned it polled too soon.
    pub too_soon: Vec<usize>,
    /// `authorization_pending` responses logged at ERROR level while polling went on.
    pub pending_errors: Vec<usize>,
}

/// Builds the timeline of a flow whose events are `members` (in order). The catalog decides
/// which answers are Conditional Access blocks.
pub fn build<'a>(members: &[usize], events: &'a [Event], catalog: &Catalog) -> Timeline<'a> {
    let mut t = Timeline::default();
    for &i in members {
        let e = &events[i];
        let millis = e.timestamp.as_ref().and_then(|ts| ts.millis);
        for s in &e.signals {
            match s {
                // The sign-in handed to a browser elsewhere stands for the prompt (when the
                // line shows none).
                Signal::NoBrowser => {
                    if !e.signals.iter().any(|s| matches!(s, Signal::Authorization { .. })) {
                        t.authorizations.push(i)
                    }
                }
                Signal::Authorization { expires_in, interval } => {
                    t.authorizations.push(i);
                    t.expires_in = t.expires_in.or(*expires_in);
                    t.interval = t.interval.or(*interval);
                }
                Signal::Poll { status, .. } => {
                    let merged = last_poll_of(&mut t.polls, &e.worker).is_some_and(|p| {
                        // One request logged twice (azure-core record, then urllib3 line;
                        // a request line, then its body).
                        if (p.status.is_none() || status.is_none()) && p.outcome.is_none() && close(p.millis, millis) {
                            p.status = p.status.or(*status);
                            p.response.get_or_insert(i);
                            true
                        } else {
                            false
                        }
                    });
                    if !merged {
                        t.polls.push(Poll {
                            event: i,
                            response: None,
                            worker: &e.worker,
                            millis,
                            outcome: None,
                            status: *status,
                            answered_millis: None,
                        });
                    }
                }
                Signal::Outcome(Outcome::ClientTimeout) => t.client_gave_up.push(i),
                Signal::Outcome(o) => record_outcome(&mut t.polls, e, i, read_by_catalog(*o, e, catalog), millis),
                Signal::TooSoon => t.too_soon.push(i),
                Signal::Context | Signal::OtherGrant => {}
            }
            if e.error_level && s == &Signal::Outcome(Outcome::Pending) {
                t.pending_errors.push(i);
            }
        }
    }
    // A flow whose last word is a pending response logged as an error, after its prompt was
    // shown, ended with the client giving up while the user never signed in (MSAL for Python
    // returns the last pending response at expiry; Azure CLI prints it as its error).
    if !t.authorizations.is_empty() {
        let order: std::collections::HashMap<usize, usize> = members.iter().enumerate().map(|(i, &m)| (m, i)).collect();
        let position = |event: usize| order.get(&event).copied();
        let last_request = t
            .polls
            .iter()
            .filter(|p| p.response != Some(p.event))
            .filter_map(|p| position(p.event))
            .max();
        let (final_words, during): (Vec<usize>, Vec<usize>) =
            t.pending_errors.iter().partition(|&&e| position(e) > last_request);
        t.pending_errors = during;
        t.client_gave_up.extend(final_words);
    }
    // A Conditional Access answer that the flow got past (tokens, or polling went on) was one
    // step of the sign-in, such as an MFA interruption, not its end.
    let mut superseded = false;
    for p in t.polls.iter_mut().rev() {
        if p.outcome == Some(Outcome::Blocked) && superseded {
            p.outcome = Some(Outcome::OtherError);
        }
        superseded |= matches!(
            p.effective_outcome(),
            Some(Outcome::Success | Outcome::Pending | Outcome::SlowDown)
        );
    }
    t
}

/// An answer as the catalog reads it: one that carries a code marked `conditional_access` is a
/// block (unless it says more specifically that the code was used up), and a block without such
/// a code is only an error.
fn read_by_catalog(outcome: Outcome, e: &Event, catalog: &Catalog) -> Outcome {
    let blocks = e.codes.iter().any(|&c| catalog.is_conditional_access(c));
    match outcome {
        Outcome::Blocked if !blocks => Outcome::OtherError,
        Outcome::Redeemed | Outcome::ClientTimeout => outcome,
        _ if blocks => Outcome::Blocked,
        _ => outcome,
    }
}

fn last_poll_of<'p, 'a>(polls: &'p mut [Poll<'a>], worker: &Worker) -> Option<&'p mut Poll<'a>> {
    // The same event's worker, mostly: compared by address before by value.
    polls
        .iter_mut()
        .rev()
        .find(|p| std::ptr::eq(p.worker, worker) || p.worker == worker)
}

fn close(a: Option<i64>, b: Option<i64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (b - a).abs() <= SAME_POLL_MS,
        _ => true,
    }
}

/// Attaches a response to the worker's last poll, or counts it as a poll of its own when the
/// request was not logged.
fn record_outcome<'a>(polls: &mut Vec<Poll<'a>>, e: &'a Event, i: usize, o: Outcome, millis: Option<i64>) {
    if let Some(p) = last_poll_of(polls, &e.worker) {
        let unanswered = p.outcome.is_none() && p.status.is_none_or(|s| s != 200 || o == Outcome::Success);
        if unanswered {
            p.outcome = Some(o);
            p.response.get_or_insert(i);
            p.answered_millis = millis;
            return;
        }
        let answered = p.answered_millis.or(p.millis);
        if p.effective_outcome() == Some(o) && (o == Outcome::Success || close(answered, millis)) {
            // The same response printed again (message, JSON body, exception chain; CLI for
            // Microsoft 365 prints the error body, then msal-node says `Authorization pending`).
            return;
        }
    }
    polls.push(Poll {
        event: i,
        response: Some(i),
        worker: &e.worker,
        millis,
        outcome: Some(o),
        status: None,
        answered_millis: millis,
    });
}
