//! `polled-after-expiry`: the client polled again after the device code expired.

use super::polled_after::polled_after;
use super::{Cause, Detected, FlowView, Precedence};
use crate::model::{CauseId, Outcome, Severity};

/// The cause.
pub struct PolledAfterExpiry;

impl Cause for PolledAfterExpiry {
    fn id(&self) -> CauseId {
        CauseId::PolledAfterExpiry
    }

    fn severity(&self) -> Severity {
        Severity::Error
    }

    fn precedence(&self) -> Precedence {
        Precedence::Chain(50)
    }

    fn detect(&self, flow: &FlowView) -> Option<Detected> {
        polled_after(flow, Outcome::Expired, self.id(), "after the device code expired")
    }
}
