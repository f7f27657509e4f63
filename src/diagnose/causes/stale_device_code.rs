//! `stale-device-code`: a device code from an earlier run, already used or expired, was polled.

use super::shared_across_workers::{poller_evidence, poller_workers};
use super::{last_response, Cause, Detected, FlowView, Group, Precedence, DEFAULT_EXPIRES_IN_S};
use crate::model::{CauseId, Outcome, Severity};

/// The cause.
pub struct StaleDeviceCode;

impl Cause for StaleDeviceCode {
    fn id(&self) -> CauseId {
        CauseId::StaleDeviceCode
    }

    fn severity(&self) -> Severity {
        Severity::Error
    }

    fn precedence(&self) -> Precedence {
        Precedence::Chain(20)
    }

    fn groups(&self) -> &'static [Group] {
        &[Group::ReusedDeviceCode]
    }

    /// An expiry that comes from an earlier run says nothing about this run's user.
    fn rules_out(&self) -> &'static [CauseId] {
        &[CauseId::AbandonedFlow]
    }

    fn detect(&self, flow: &FlowView) -> Option<Detected> {
        let t = flow.timeline;
        let pollers = flow.pollers();
        // Two pollers one after the other: the later one polled what the earlier one used.
        if pollers.len() >= 2 {
            return (!flow.pollers_overlap()).then(|| Detected {
                cause: self.id(),
                message: "a later run polled a device code that an earlier run had already used".into(),
                events: poller_evidence(flow),
                workers: poller_workers(flow),
            });
        }
        // One poller: a device code polled with no authorization in sight and already redeemed,
        // or polled long after it expired, comes from an earlier run.
        let p = t.polls.first()?;
        let authorizer = t.authorizations.first().map(|&i| &flow.events[i].worker);
        let auth_millis = t.authorizations.first().and_then(|&i| flow.millis(i));
        let late = match (auth_millis, p.millis) {
            (Some(a), Some(b)) => b - a > i64::from(t.expires_in.unwrap_or(DEFAULT_EXPIRES_IN_S)) * 1000 + 60_000,
            _ => false,
        };
        let foreign = authorizer.is_some_and(|w| w != p.worker && w.source != p.worker.source);
        // A request whose very first answer says the code is used up or expired.
        let replayed = t.authorizations.is_empty()
            && (p.effective_outcome() == Some(Outcome::Redeemed)
                || (p.outcome == Some(Outcome::Expired) && p.response != Some(p.event)));
        if !(late || replayed || (foreign && flow.first_terminal() == Some(0))) {
            return None;
        }
        Some(Detected {
            cause: self.id(),
            message: if late {
                "the device code was polled after its lifetime, without a new device code request".into()
            } else {
                "the first poll of this device code was already rejected: it was used by an earlier run".into()
            },
            events: t
                .authorizations
                .iter()
                .take(1)
                .copied()
                .chain([p.event, last_response(p)])
                .collect(),
            workers: vec![p.worker.clone()],
        })
    }
}
