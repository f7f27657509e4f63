//! `device-code-in-automation`: a device code flow ran in a CI job or a service, where nobody
//! is there to enter the code.

use super::{Cause, Detected, FlowView, Precedence};
use crate::model::{CauseId, Severity};

/// The cause.
pub struct DeviceCodeInAutomation;

impl Cause for DeviceCodeInAutomation {
    fn id(&self) -> CauseId {
        CauseId::DeviceCodeInAutomation
    }

    fn severity(&self) -> Severity {
        Severity::Warning
    }

    fn precedence(&self) -> Precedence {
        Precedence::Chain(80)
    }

    fn detect(&self, flow: &FlowView) -> Option<Detected> {
        if !flow.members.iter().any(|&i| flow.events[i].unattended) {
            return None;
        }
        let first = flow.members[0];
        Some(Detected {
            cause: self.id(),
            message: "a device code flow ran in a CI job or service, where nobody is there to enter the code".into(),
            events: vec![flow.timeline.authorizations.first().copied().unwrap_or(first)],
            workers: vec![flow.events[first].worker.clone()],
        })
    }
}
