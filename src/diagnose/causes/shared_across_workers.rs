//! `shared-across-workers`: several workers polled one device code at the same time.

use super::{last_response, Cause, Detected, FlowView, Group, Precedence};
use crate::model::{CauseId, Severity, Worker};

/// The cause.
pub struct SharedAcrossWorkers;

impl Cause for SharedAcrossWorkers {
    fn id(&self) -> CauseId {
        CauseId::SharedAcrossWorkers
    }

    fn severity(&self) -> Severity {
        Severity::Error
    }

    fn precedence(&self) -> Precedence {
        Precedence::Chain(10)
    }

    fn groups(&self) -> &'static [Group] {
        &[Group::ReusedDeviceCode]
    }

    fn detect(&self, flow: &FlowView) -> Option<Detected> {
        let pollers = flow.pollers();
        if pollers.len() < 2 || !flow.pollers_overlap() {
            return None;
        }
        Some(Detected {
            cause: self.id(),
            message: format!("{} workers polled the same device code at the same time", pollers.len()),
            events: poller_evidence(flow),
            workers: poller_workers(flow),
        })
    }
}

/// Each poller's first poll and last response.
pub(super) fn poller_evidence(flow: &FlowView) -> Vec<usize> {
    let polls = &flow.timeline.polls;
    flow.pollers()
        .values()
        .flat_map(|r| [polls[r.0].event, last_response(&polls[r.1])])
        .collect()
}

/// Every poller.
pub(super) fn poller_workers(flow: &FlowView) -> Vec<Worker> {
    flow.pollers().keys().map(|w| (*w).clone()).collect()
}
