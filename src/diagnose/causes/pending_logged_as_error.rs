//! `pending-logged-as-error`: `authorization_pending` answers logged at ERROR level while the
//! flow went on. Reported on its own: it is about logging, not about the flow.

use super::{Cause, Detected, FlowView, Precedence};
use crate::model::{CauseId, Severity};

/// The cause.
pub struct PendingLoggedAsError;

impl Cause for PendingLoggedAsError {
    fn id(&self) -> CauseId {
        CauseId::PendingLoggedAsError
    }

    fn severity(&self) -> Severity {
        Severity::Info
    }

    fn precedence(&self) -> Precedence {
        Precedence::Alone
    }

    fn detect(&self, flow: &FlowView) -> Option<Detected> {
        let pending = &flow.timeline.pending_errors;
        let first = *pending.first()?;
        Some(Detected {
            cause: self.id(),
            message: format!(
                "{} authorization_pending response(s) were logged at ERROR level",
                pending.len()
            ),
            workers: vec![flow.events[first].worker.clone()],
            events: pending.clone(),
        })
    }
}
