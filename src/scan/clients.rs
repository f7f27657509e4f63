//! Client shapes: the phrases by which each client family of `rules/clients/` tells the steps of
//! a device code flow (`Device code terminal timed-out after`, `getToken() => SUCCESS`), and the
//! words that name the client. Every phrase is a prefilter literal (see `prefilter`), so a line
//! holding one is always read; this module says what it tells.

use super::values;
use crate::model::{Outcome, Signal};
use crate::rules::Catalog;
use aho_corasick::{AhoCorasick, MatchKind};
use std::sync::OnceLock;

/// What a phrase says.
#[derive(Clone, Copy, Debug)]
enum Step {
    Signal(fn() -> Signal),
    Outcome(Outcome),
    /// An HTTP response's status line: its status follows the phrase.
    Response,
}

fn authorization() -> Signal {
    Signal::Authorization {
        expires_in: None,
        interval: None,
    }
}

fn poll() -> Signal {
    Signal::Poll {
        status: None,
        device_grant: false,
    }
}

/// The step a client file's event name stands for.
fn step(event: &str) -> Option<Step> {
    Some(match event {
        "authorization" => Step::Signal(authorization),
        "poll" => Step::Signal(poll),
        "pending" => Step::Outcome(Outcome::Pending),
        "slow-down" => Step::Outcome(Outcome::SlowDown),
        "success" => Step::Outcome(Outcome::Success),
        "declined" => Step::Outcome(Outcome::Declined),
        "expired" => Step::Outcome(Outcome::Expired),
        "give-up" => Step::Outcome(Outcome::ClientTimeout),
        "redeemed" => Step::Outcome(Outcome::Redeemed),
        "blocked" => Step::Outcome(Outcome::Blocked),
        "error" => Step::Outcome(Outcome::OtherError),
        "response" => Step::Response,
        _ => return None,
    })
}

/// The built-in client shapes, compiled.
pub struct Phrases {
    search: AhoCorasick,
    /// Per pattern of `search`: the step it tells (`None` for a marker), and its client's index.
    meaning: Vec<(Option<Step>, usize)>,
    /// Client names, by index.
    names: Vec<&'static str>,
    /// The clients' prefilter literals.
    literals: Vec<&'static str>,
}

/// What the client phrases on one line tell.
#[derive(Debug, Default, PartialEq)]
pub struct Reading {
    /// Requests and prompts.
    pub signals: Vec<Signal>,
    /// The most specific outcome a phrase tells.
    pub outcome: Option<Outcome>,
    /// The client a marker names.
    pub client: Option<&'static str>,
    /// The status of an HTTP response line (one that does not repeat its URL).
    pub response: Option<u16>,
}

impl Phrases {
    /// The shapes of the built-in `rules/clients/`, compiled once.
    pub fn builtin() -> &'static Phrases {
        static BUILTIN: OnceLock<Phrases> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let catalog = Catalog::builtin();
            let mut patterns: Vec<&'static str> = Vec::new();
            let mut meaning = Vec::new();
            let mut names = Vec::new();
            let mut literals = Vec::new();
            for (i, c) in catalog.clients.values().enumerate() {
                names.push(c.name.as_str());
                for (event, phrases) in &c.phrases {
                    for p in phrases {
                        patterns.push(p.as_str());
                        meaning.push((step(event), i));
                    }
                }
                literals.extend(c.literals.iter().map(String::as_str));
                for m in &c.markers {
                    patterns.push(m.as_str());
                    meaning.push((None, i));
                }
            }
            let search = AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&patterns)
                .expect("client phrases compile");
            Phrases {
                search,
                meaning,
                names,
                literals,
            }
        })
    }

    /// The clients' prefilter literals: the prefilter searches for them too.
    pub fn literals(&self) -> &[&'static str] {
        &self.literals
    }

    /// What the phrases on `line` tell.
    pub fn read(&self, line: &[u8]) -> Reading {
        let mut r = Reading::default();
        for m in self.search.find_iter(line) {
            let (step, client) = self.meaning[m.pattern().as_usize()];
            if step.is_none() {
                // Only a marker names the client: a phrase may be any client's words.
                r.client.get_or_insert(self.names[client]);
            }
            match step {
                Some(Step::Signal(make)) => {
                    let s = make();
                    if !r.signals.contains(&s) {
                        r.signals.push(s);
                    }
                }
                Some(Step::Outcome(o)) if r.outcome.is_none_or(|b| o.specificity() < b.specificity()) => {
                    r.outcome = Some(o)
                }
                Some(Step::Response) if r.response.is_none() => r.response = values::status_after(line, m.end()),
                _ => {}
            }
        }
        r
    }
}

/// Markers of client libraries, wrappers before the libraries they wrap: a flow names the first
/// client in this list that any of its lines names.
pub const CLIENTS: [(&str, &str); 16] = [
    ("azsdk-python-identity", "azure-identity"),
    ("azure.identity", "azure-identity"),
    ("DeviceCodeCredential", "azure-identity"),
    ("msal.telemetry", "MSAL for Python"),
    ("msal.application", "MSAL for Python"),
    ("msal.token_cache", "MSAL for Python"),
    ("MSAL.NetCore", "MSAL.NET"),
    ("MSAL.Desktop", "MSAL.NET"),
    ("Microsoft.Identity.Client", "MSAL.NET"),
    ("@azure/msal-node", "MSAL Node"),
    ("msal4j", "MSAL Java"),
    ("azure.cli", "Azure CLI"),
    ("Connect-AzAccount", "Azure PowerShell"),
    ("azcopy", "azcopy"),
    ("azidentity", "azidentity (Go)"),
    ("OAuth2Client", "ADAL"),
];
