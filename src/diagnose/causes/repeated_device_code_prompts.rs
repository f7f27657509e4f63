//! `repeated-device-code-prompts`: the same program starts device code flow after device code
//! flow for the same client although earlier ones returned tokens: it does not use its token
//! cache (or has none), so every run asks a person to sign in again.
//!
//! "The same program" is [`same_program`]: the same input, host and process and the same client
//! library. A helper started once per command (kubelogin under kubectl) is one program only when
//! its lines name no process id. The log lines carry no scope or application id, so flows for
//! different scopes of one client count as repeats.

use super::{same_program, Cause, Detected, FlowFacts, FlowView, Precedence};
use crate::model::{CauseId, Severity};

/// How many earlier flows of the same program must have returned tokens.
const EARLIER_SUCCESSES: usize = 2;

/// The cause.
pub struct RepeatedDeviceCodePrompts;

impl Cause for RepeatedDeviceCodePrompts {
    fn id(&self) -> CauseId {
        CauseId::RepeatedDeviceCodePrompts
    }

    fn severity(&self) -> Severity {
        Severity::Warning
    }

    fn precedence(&self) -> Precedence {
        Precedence::Chain(110)
    }

    /// Reported once per program, on the flow that makes the repeats a pattern.
    fn detect(&self, flow: &FlowView) -> Option<Detected> {
        let this = &flow.flows[flow.index];
        if this.earlier_successes != EARLIER_SUCCESSES {
            return None;
        }
        let line = |event: usize| flow.events[event].line;
        let earlier: Vec<&FlowFacts> = flow.flows[..flow.index]
            .iter()
            .filter(|f| same_program(f, this))
            .filter(|f| f.tokens.is_some_and(|t| line(t) < line(this.start)))
            .collect();
        let client = this.client.unwrap_or("the same client");
        let mut events: Vec<usize> = earlier
            .iter()
            .flat_map(|f| [f.start, f.tokens.unwrap_or(f.start)])
            .collect();
        events.push(this.start);
        Some(Detected {
            cause: self.id(),
            message: format!(
                "{} device code flows were started with {client} by the same program; {} before this one had already returned tokens",
                this.program_flows,
                earlier.len()
            ),
            events,
            workers: vec![this.worker.clone()],
        })
    }
}
