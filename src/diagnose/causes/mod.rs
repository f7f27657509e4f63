//! The root causes, one module each, and the one list that registers them ([`CAUSES`]).
//!
//! A cause is a [`Cause`]: its id, its severity, its precedence (when one flow shows several, the
//! cause first in precedence is the root and the others follow from it), the groups it belongs
//! to, the causes it rules out, and a detector over one flow ([`FlowView`]). Adding a cause means
//! a variant of [`CauseId`], a module here, its line in [`CAUSES`], its `rules/causes/<id>.toml`
//! and its fixtures in `fixtures/causes/<id>/`.

mod abandoned_flow;
mod blocked_by_conditional_access;
mod device_code_in_automation;
mod expired_early;
mod pending_logged_as_error;
mod polled_after;
mod polled_after_decline;
mod polled_after_expiry;
mod polled_after_success;
mod polling_too_fast;
mod repeated_device_code_prompts;
mod shared_across_workers;
mod stale_device_code;
mod user_declined;

use super::timeline::{Poll, Timeline};
use crate::model::{CauseId, Event, Outcome, Severity, Worker};
use crate::rules::{Catalog, CauseRule};
use crate::scan::ScanOutput;
use std::collections::{BTreeMap, HashMap};

/// RFC 8628's default polling interval, in seconds.
pub const DEFAULT_INTERVAL_S: u32 = 5;
/// Entra's default device code lifetime, in seconds.
pub const DEFAULT_EXPIRES_IN_S: u32 = 900;

/// Every cause aadlint detects, in order of precedence.
pub static CAUSES: [&dyn Cause; 13] = [
    &shared_across_workers::SharedAcrossWorkers,
    &stale_device_code::StaleDeviceCode,
    &polled_after_success::PolledAfterSuccess,
    &polled_after_decline::PolledAfterDecline,
    &polled_after_expiry::PolledAfterExpiry,
    &blocked_by_conditional_access::BlockedByConditionalAccess,
    &polling_too_fast::PollingTooFast,
    &device_code_in_automation::DeviceCodeInAutomation,
    &expired_early::ExpiredEarly,
    &abandoned_flow::AbandonedFlow,
    &user_declined::UserDeclined,
    &repeated_device_code_prompts::RepeatedDeviceCodePrompts,
    &pending_logged_as_error::PendingLoggedAsError,
];

/// One root cause: what it is and how to see it in a flow.
pub trait Cause: Sync {
    /// Its id.
    fn id(&self) -> CauseId;
    /// How serious it is (a `severity` in its rule file replaces it).
    fn severity(&self) -> Severity;
    /// Where it ranks when a flow shows several causes.
    fn precedence(&self) -> Precedence;
    /// The `--fail-on` groups it belongs to.
    fn groups(&self) -> &'static [Group] {
        &[]
    }
    /// Causes that do not hold when this one is found (their detector would misread the flow).
    fn rules_out(&self) -> &'static [CauseId] {
        &[]
    }
    /// The cause as this flow shows it, if it does.
    fn detect(&self, flow: &FlowView) -> Option<Detected>;
}

/// Where a cause ranks among the causes of one flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Precedence {
    /// In the flow's chain: the lowest rank is the root, the others follow from it.
    Chain(u16),
    /// Reported on its own, whatever else the flow shows (it is about logging, not the flow).
    Alone,
}

/// A name `--fail-on` accepts for several causes at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// A device code used again after it was used up: polled after success, by several workers,
    /// or by a later run.
    ReusedDeviceCode,
}

impl Group {
    /// Every group.
    pub const ALL: [Group; 1] = [Group::ReusedDeviceCode];

    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Group::ReusedDeviceCode => "reused-device-code",
        }
    }

    /// The group with this name (case-insensitive).
    pub fn parse(name: &str) -> Option<Group> {
        Group::ALL
            .into_iter()
            .find(|g| g.as_str().eq_ignore_ascii_case(name.trim()))
    }

    /// What the group stands for, in a line.
    pub fn about(self) -> &'static str {
        match self {
            Group::ReusedDeviceCode => {
                "one device code used more than once: polled again after success, polled by several workers, or replayed from an earlier run"
            }
        }
    }

    /// The causes in the group, by id.
    pub fn causes(self) -> Vec<CauseId> {
        let mut ids: Vec<CauseId> = CAUSES
            .iter()
            .filter(|c| c.groups().contains(&self))
            .map(|c| c.id())
            .collect();
        ids.sort();
        ids
    }
}

/// The registered cause with this id.
pub fn cause(id: CauseId) -> &'static dyn Cause {
    *CAUSES
        .iter()
        .find(|c| c.id() == id)
        .expect("every cause id is registered (a test checks it)")
}

/// The severity a finding of this rule gets: the rule file's when it sets one, else the cause's.
pub fn severity_of(rule: &CauseRule) -> Severity {
    rule.severity.unwrap_or_else(|| cause(rule.id).severity())
}

/// A cause found in a flow, with the events that show it.
#[derive(Clone, Debug)]
pub struct Detected {
    /// Cause id.
    pub cause: CauseId,
    /// What in the log shows it, in a sentence.
    pub message: String,
    /// Events that show it.
    pub events: Vec<usize>,
    /// Workers involved.
    pub workers: Vec<Worker>,
}

/// What every flow of a run looks like from outside, for causes that span flows.
#[derive(Clone, Debug)]
pub struct FlowFacts {
    /// The worker that started the flow (its first authorization, else its first event).
    pub worker: Worker,
    /// The client library the flow names.
    pub client: Option<&'static str>,
    /// The event that started the flow (its first authorization, else its first event).
    pub start: usize,
    /// The first response that issued tokens, if any.
    pub tokens: Option<usize>,
    /// How many flows the same program started in the run (see [`same_program`]).
    pub program_flows: usize,
    /// How many of the program's earlier flows had returned tokens before this one started.
    pub earlier_successes: usize,
}

/// Whether two flows come from the same program: the same input, host and process (when the log
/// names them) and the same client library; the thread may differ. Processes of a pool each
/// signing in once are not one program.
pub fn same_program(a: &FlowFacts, b: &FlowFacts) -> bool {
    let (x, y) = (&a.worker, &b.worker);
    x.source == y.source && x.host == y.host && x.pid == y.pid && a.client == b.client
}

/// Fills [`FlowFacts::program_flows`] and [`FlowFacts::earlier_successes`] (flows in order).
pub fn link_programs(facts: &mut [FlowFacts], events: &[Event]) {
    type Program<'a> = (u32, Option<&'a str>, Option<&'a str>, Option<&'static str>);
    let mut programs: HashMap<Program, Vec<usize>> = HashMap::new();
    for (i, f) in facts.iter().enumerate() {
        let key = (
            f.worker.source,
            f.worker.host.as_deref(),
            f.worker.pid.as_deref(),
            f.client,
        );
        programs.entry(key).or_default().push(i);
    }
    let mut counts = vec![(0, 0); facts.len()];
    for flows in programs.values() {
        // Lines (one input) of the tokens of the program's flows so far, sorted.
        let mut tokens: Vec<u64> = Vec::new();
        for &i in flows {
            let start = events[facts[i].start].line;
            counts[i] = (flows.len(), tokens.partition_point(|&l| l < start));
            if let Some(t) = facts[i].tokens {
                let line = events[t].line;
                tokens.insert(tokens.partition_point(|&l| l < line), line);
            }
        }
    }
    for (f, (flows, earlier)) in facts.iter_mut().zip(counts) {
        f.program_flows = flows;
        f.earlier_successes = earlier;
    }
}

/// What a detector sees: one flow, and the run around it.
pub struct FlowView<'a> {
    /// The flow's history.
    pub timeline: &'a Timeline<'a>,
    /// Every event of the run.
    pub events: &'a [Event],
    /// The flow's events, in order.
    pub members: &'a [usize],
    /// The rules in force.
    pub catalog: &'a Catalog,
    /// The scan, for the text of a few lines.
    pub scan: &'a ScanOutput,
    /// Every flow of the run, in order.
    pub flows: &'a [FlowFacts],
    /// This flow's place in `flows`.
    pub index: usize,
}

impl FlowView<'_> {
    /// When an event happened, in milliseconds.
    pub fn millis(&self, event: usize) -> Option<i64> {
        self.events[event].timestamp.as_ref().and_then(|t| t.millis)
    }

    /// Each poller's first and last poll position.
    pub fn pollers(&self) -> BTreeMap<&Worker, (usize, usize)> {
        let mut pollers: BTreeMap<&Worker, (usize, usize)> = BTreeMap::new();
        for (n, p) in self.timeline.polls.iter().enumerate() {
            pollers.entry(p.worker).and_modify(|r| r.1 = n).or_insert((n, n));
        }
        pollers
    }

    /// Whether two pollers' spans overlap (both polled at the same time).
    pub fn pollers_overlap(&self) -> bool {
        let spans: Vec<(usize, usize)> = self.pollers().into_values().collect();
        spans
            .iter()
            .enumerate()
            .any(|(a, ra)| spans.iter().skip(a + 1).any(|rb| ra.0 < rb.1 && rb.0 < ra.1))
    }

    /// The first poll answered with a state RFC 8628 names as final (tokens, declined, expired).
    /// Other errors may be one step of a longer sign-in (a sign-in export lists an MFA
    /// interruption, then the real result).
    pub fn first_terminal(&self) -> Option<usize> {
        self.timeline.polls.iter().position(|p| {
            matches!(
                p.effective_outcome(),
                Some(Outcome::Success | Outcome::Declined | Outcome::Expired)
            )
        })
    }

    /// Whether any poll got this answer.
    pub fn has(&self, outcome: Outcome) -> bool {
        self.timeline
            .polls
            .iter()
            .any(|p| p.effective_outcome() == Some(outcome))
    }

    /// The responses of the polls that got exactly this answer.
    pub fn responses(&self, outcome: Outcome) -> Vec<usize> {
        self.timeline
            .polls
            .iter()
            .filter(|p| p.outcome == Some(outcome))
            .map(last_response)
            .collect()
    }
}

/// The event of a poll's response (of the request when no response was logged apart).
pub fn last_response(p: &Poll) -> usize {
    p.response.unwrap_or(p.event)
}

/// Finds every cause a flow shows, less those another cause found rules out.
pub fn detect(flow: &FlowView) -> Vec<Detected> {
    let mut found: Vec<Detected> = CAUSES.iter().filter_map(|c| c.detect(flow)).collect();
    let ruled_out: Vec<CauseId> = found.iter().flat_map(|d| cause(d.cause).rules_out()).copied().collect();
    found.retain(|d| !ruled_out.contains(&d.cause));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cause_id_has_exactly_one_detector() {
        for id in CauseId::ALL {
            let n = CAUSES.iter().filter(|c| c.id() == *id).count();
            assert_eq!(n, 1, "{id}: {n} detectors");
        }
        assert_eq!(CAUSES.len(), CauseId::ALL.len());
    }

    #[test]
    fn precedence_ranks_are_distinct_and_the_list_is_in_their_order() {
        let ranks: Vec<Precedence> = CAUSES.iter().map(|c| c.precedence()).collect();
        let mut sorted = ranks.clone();
        sorted.sort();
        sorted.dedup_by(|a, b| a == b && *a != Precedence::Alone);
        assert_eq!(
            ranks, sorted,
            "CAUSES is listed in precedence order, one rank per cause"
        );
    }

    #[test]
    fn reused_device_code_is_the_three_reuse_causes() {
        assert_eq!(
            Group::ReusedDeviceCode.causes(),
            [
                CauseId::PolledAfterSuccess,
                CauseId::SharedAcrossWorkers,
                CauseId::StaleDeviceCode
            ]
        );
        assert_eq!(Group::parse("Reused-Device-Code"), Some(Group::ReusedDeviceCode));
    }
}
