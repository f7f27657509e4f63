//! `polled-after-decline`: the client polled again after the user declined.

use super::polled_after::polled_after;
use super::{Cause, Detected, FlowView, Precedence};
use crate::model::{CauseId, Outcome, Severity};

/// The cause.
pub struct PolledAfterDecline;

impl Cause for PolledAfterDecline {
    fn id(&self) -> CauseId {
        CauseId::PolledAfterDecline
    }

    fn severity(&self) -> Severity {
        Severity::Error
    }

    fn precedence(&self) -> Precedence {
        Precedence::Chain(40)
    }

    fn detect(&self, flow: &FlowView) -> Option<Detected> {
        polled_after(flow, Outcome::Declined, self.id(), "after the user declined")
    }
}
