//! What the `polled-after-*` causes share: polls after the first final answer, by the worker
//! that got it.

use super::{last_response, Detected, FlowView};
use crate::diagnose::timeline::Poll;
use crate::model::{CauseId, Outcome};

/// `cause` when the flow's first final answer was `outcome` and its worker (or the only poller)
/// polled again; `what` ends the message ("after the user declined").
pub(super) fn polled_after(flow: &FlowView, outcome: Outcome, cause: CauseId, what: &str) -> Option<Detected> {
    let polls = &flow.timeline.polls;
    let ft = flow.first_terminal()?;
    let terminal = &polls[ft];
    if terminal.effective_outcome() != Some(outcome) {
        return None;
    }
    let single = flow.pollers().len() == 1;
    let after: Vec<&Poll> = polls[ft + 1..]
        .iter()
        .filter(|p| p.worker == terminal.worker || single)
        .collect();
    let next = after.first()?;
    Some(Detected {
        cause,
        message: format!("the client polled {} more time(s) {what}", after.len()),
        events: vec![last_response(terminal), next.event, last_response(next)],
        workers: vec![terminal.worker.clone()],
    })
}
