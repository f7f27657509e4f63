//! `polled-after-success`: the device code was polled again after it had returned tokens.

use super::polled_after::polled_after;
use super::{last_response, Cause, Detected, FlowView, Group, Precedence};
use crate::model::{CauseId, Outcome, Severity};

/// The cause.
pub struct PolledAfterSuccess;

impl Cause for PolledAfterSuccess {
    fn id(&self) -> CauseId {
        CauseId::PolledAfterSuccess
    }

    fn severity(&self) -> Severity {
        Severity::Error
    }

    fn precedence(&self) -> Precedence {
        Precedence::Chain(30)
    }

    fn groups(&self) -> &'static [Group] {
        &[Group::ReusedDeviceCode]
    }

    fn detect(&self, flow: &FlowView) -> Option<Detected> {
        polled_after(flow, Outcome::Success, self.id(), "after it had received tokens").or_else(|| {
            // A success seen by one worker, and a later poll by another that lost the race.
            let polls = &flow.timeline.polls;
            let s = polls
                .iter()
                .position(|p| p.effective_outcome() == Some(Outcome::Success))?;
            let next = polls[s + 1..].first()?;
            Some(Detected {
                cause: self.id(),
                message: "the device code was polled again after it had been redeemed".into(),
                events: vec![last_response(&polls[s]), next.event, last_response(next)],
                workers: vec![next.worker.clone()],
            })
        })
    }
}
