//! `blocked-by-conditional-access`: a Conditional Access policy rejected the device code
//! sign-in. The catalog decides which codes say so (`conditional_access = true`); the timeline
//! reads every response through it.

use super::{Cause, Detected, FlowView, Precedence};
use crate::model::{CauseId, Outcome, Severity};

/// The cause.
pub struct BlockedByConditionalAccess;

impl Cause for BlockedByConditionalAccess {
    fn id(&self) -> CauseId {
        CauseId::BlockedByConditionalAccess
    }

    fn severity(&self) -> Severity {
        Severity::Error
    }

    fn precedence(&self) -> Precedence {
        Precedence::Chain(60)
    }

    fn detect(&self, flow: &FlowView) -> Option<Detected> {
        let blocked = flow.responses(Outcome::Blocked);
        let first = *blocked.first()?;
        Some(Detected {
            cause: self.id(),
            message: "a Conditional Access policy rejected the device code sign-in".into(),
            workers: vec![flow.events[first].worker.clone()],
            events: blocked,
        })
    }
}
