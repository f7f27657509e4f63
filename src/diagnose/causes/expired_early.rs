//! `expired-early`: the server said the device code expired long before its lifetime was up.
//! Nobody forgetting the code explains that; a service incident, clock skew or a wrong
//! `expires_in` does.

use super::{last_response, Cause, Detected, FlowView, Precedence, DEFAULT_EXPIRES_IN_S};
use crate::model::{CauseId, Outcome, Severity};

/// An expiry within this many milliseconds of the prompt is early, unless the code's lifetime
/// was about that short itself (see [`SHORT_LIFETIME_SLACK_MS`]).
const EARLY_MS: i64 = 60_000;
/// When the log does not show `expires_in`, the lifetime is unknown (test servers and custom
/// stand-ins hand out codes of 20 s): only an expiry this soon after the prompt is surely early.
const EARLY_UNKNOWN_LIFETIME_MS: i64 = 15_000;
/// How close to its full lifetime a code with a lifetime under [`EARLY_MS`] may expire and still
/// count as on time (prompt lines are written a moment after the server starts the clock).
const SHORT_LIFETIME_SLACK_MS: i64 = 10_000;

/// The cause.
pub struct ExpiredEarly;

impl Cause for ExpiredEarly {
    fn id(&self) -> CauseId {
        CauseId::ExpiredEarly
    }

    fn severity(&self) -> Severity {
        Severity::Warning
    }

    fn precedence(&self) -> Precedence {
        Precedence::Chain(85)
    }

    /// Nobody had the time to enter the code: the flow was not abandoned.
    fn rules_out(&self) -> &'static [CauseId] {
        &[CauseId::AbandonedFlow]
    }

    fn detect(&self, flow: &FlowView) -> Option<Detected> {
        let t = flow.timeline;
        let poll = &t.polls[flow.first_terminal()?];
        if poll.outcome != Some(Outcome::Expired) {
            return None;
        }
        let prompt = *t.authorizations.first()?;
        let end = last_response(poll);
        // A prompt and its expiry in one record (a pasted prompt, then the error, under one
        // timestamp) tell no time between them.
        if end == prompt {
            return None;
        }
        let elapsed = flow.millis(end).or(poll.millis)? - flow.millis(prompt)?;
        let early = match t.expires_in {
            Some(s) => is_early(elapsed, i64::from(s) * 1000),
            None => elapsed < EARLY_UNKNOWN_LIFETIME_MS,
        };
        if elapsed < 0 || !early {
            return None;
        }
        let stated = match t.expires_in {
            Some(s) => format!("expires_in was {s} s"),
            None => format!("Entra's device codes last {DEFAULT_EXPIRES_IN_S} s"),
        };
        Some(Detected {
            cause: self.id(),
            message: format!(
                "the device code expired {:.0} s after the prompt although {stated}: too soon for anyone to have entered it",
                elapsed as f64 / 1000.0
            ),
            events: vec![prompt, end],
            workers: vec![flow.events[prompt].worker.clone()],
        })
    }
}

/// Under half of the lifetime, or within a minute of a lifetime that was longer than that.
fn is_early(elapsed: i64, lifetime: i64) -> bool {
    elapsed * 2 < lifetime || (elapsed < EARLY_MS && elapsed + SHORT_LIFETIME_SLACK_MS < lifetime)
}

#[cfg(test)]
mod tests {
    use super::is_early;

    #[test]
    fn early_means_under_half_the_lifetime_or_within_a_minute() {
        let s = |n: i64| n * 1000;
        assert!(is_early(s(5), s(900)), "seconds after the prompt");
        assert!(is_early(s(449), s(900)));
        assert!(!is_early(s(450), s(900)), "half the lifetime is not far sooner");
        assert!(!is_early(s(900), s(900)), "the full lifetime is an abandoned flow");
        assert!(is_early(s(55), s(100)), "within a minute of a longer lifetime");
        assert!(!is_early(s(20), s(20)), "a short lifetime used up");
        assert!(!is_early(s(19), s(21)), "a short lifetime nearly used up");
    }
}
