//! `blocked-by-conditional-access`: a Conditional Access policy rejected the device code
//! sign-in. The catalog decides which codes say so (`conditional_access = true`); the timeline
//! reads every response through it.

use super::{Cause, Detected, FlowView, Precedence};
use crate::model::{CauseId, Outcome, Severity, Signal};

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
            message: if handed_off(flow) {
                "the client could not open a browser here, and a Conditional Access policy rejected the sign-in finished on another device".into()
            } else {
                "a Conditional Access policy rejected the device code sign-in".into()
            },
            workers: vec![flow.events[first].worker.clone()],
            events: blocked,
        })
    }
}

/// Whether the flow's only start is a client that could not open a browser on this machine (no
/// device code prompt): the user signed in elsewhere, by hand or by falling back to a device code.
fn handed_off(flow: &FlowView) -> bool {
    let starts = &flow.timeline.authorizations;
    !starts.is_empty()
        && starts.iter().all(|&i| {
            let signals = &flow.events[i].signals;
            signals.contains(&Signal::NoBrowser) && !signals.iter().any(|s| matches!(s, Signal::Authorization { .. }))
        })
}
