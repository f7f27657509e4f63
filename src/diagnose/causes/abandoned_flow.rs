//! `abandoned-flow`: the flow stayed pending until it expired or the client gave up: nobody
//! entered the code.

use super::{last_response, Cause, Detected, FlowView, Precedence};
use crate::model::{CauseId, Outcome, Severity};

/// The cause.
pub struct AbandonedFlow;

impl Cause for AbandonedFlow {
    fn id(&self) -> CauseId {
        CauseId::AbandonedFlow
    }

    fn severity(&self) -> Severity {
        Severity::Warning
    }

    fn precedence(&self) -> Precedence {
        Precedence::Chain(90)
    }

    fn detect(&self, flow: &FlowView) -> Option<Detected> {
        let t = flow.timeline;
        let only_waiting = t.polls.iter().all(|p| {
            matches!(
                p.effective_outcome(),
                Some(Outcome::Pending | Outcome::SlowDown | Outcome::Expired) | None
            )
        });
        let expired = t.polls.iter().any(|p| p.outcome == Some(Outcome::Expired));
        let gave_up = !t.client_gave_up.is_empty() || expired;
        let waited = !t.authorizations.is_empty() || !t.client_gave_up.is_empty() || flow.has(Outcome::Pending);
        if !(gave_up && waited && only_waiting) {
            return None;
        }
        let end = t.client_gave_up.first().copied().or_else(|| {
            t.polls
                .iter()
                .rev()
                .find(|p| p.outcome == Some(Outcome::Expired))
                .map(last_response)
        });
        let authorizer = t.authorizations.first().map(|&i| flow.events[i].worker.clone());
        Some(Detected {
            cause: self.id(),
            message: format!(
                "the flow stayed pending through {} poll(s) until it expired: nobody entered the code",
                t.polls.len()
            ),
            events: t.authorizations.iter().take(1).copied().chain(end).collect(),
            workers: authorizer.into_iter().collect(),
        })
    }
}
