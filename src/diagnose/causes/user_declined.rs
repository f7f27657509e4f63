//! `user-declined`: the user declined the sign-in request.

use super::{Cause, Detected, FlowView, Precedence};
use crate::model::{CauseId, Outcome, Severity};

/// The cause.
pub struct UserDeclined;

impl Cause for UserDeclined {
    fn id(&self) -> CauseId {
        CauseId::UserDeclined
    }

    fn severity(&self) -> Severity {
        Severity::Info
    }

    fn precedence(&self) -> Precedence {
        Precedence::Chain(100)
    }

    fn detect(&self, flow: &FlowView) -> Option<Detected> {
        let declined = flow.responses(Outcome::Declined);
        let first = *declined.first()?;
        Some(Detected {
            cause: self.id(),
            message: "the user declined the sign-in request".into(),
            workers: vec![flow.events[first].worker.clone()],
            events: declined,
        })
    }
}
