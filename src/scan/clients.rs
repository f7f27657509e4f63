//! Client shapes: the phrases by which each client family of `rules/clients/` tells the steps of
//! a device code flow (`Device code terminal timed-out after`, `getToken() => SUCCESS`), and the
//! words that name the client. Every phrase is a prefilter literal (see `prefilter`), so a line
//! holding one is always read; this module says what it tells.

use super::values;
use crate::model::{Outcome, Signal};
use crate::rules::Catalog;
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use std::sync::OnceLock;

/// What a phrase says.
#[derive(Clone, Copy, Debug)]
enum Step {
    Signal(fn() -> Signal),
    Outcome(Outcome),
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

fn no_browser() -> Signal {
    Signal::NoBrowser
}

/// The step a client file's event name stands for.
fn step(event: &str) -> Option<Step> {
    Some(match event {
        "authorization" => Step::Signal(authorization),
        "poll" => Step::Signal(poll),
        "no-browser" => Step::Signal(no_browser),
        "pending" => Step::Outcome(Outcome::Pending),
        "slow-down" => Step::Outcome(Outcome::SlowDown),
        "success" => Step::Outcome(Outcome::Success),
        "declined" => Step::Outcome(Outcome::Declined),
        "expired" => Step::Outcome(Outcome::Expired),
        "give-up" => Step::Outcome(Outcome::ClientTimeout),
        "redeemed" => Step::Outcome(Outcome::Redeemed),
        "blocked" => Step::Outcome(Outcome::Blocked),
        "error" => Step::Outcome(Outcome::OtherError),
        _ => return None,
    })
}

/// The built-in client shapes, compiled.
pub struct Phrases {
    /// The phrases and markers, as `search` numbers them.
    patterns: Vec<&'static str>,
    search: AhoCorasick,
    /// Per pattern of `search`: the step it tells (`None` for a marker), and its client's index.
    meaning: Vec<(Option<Step>, usize)>,
    /// Client names, by index.
    names: Vec<&'static str>,
    /// The phrases of HTTP answer lines alone (`response`), which the scanner looks for only
    /// below a request (`scan::answer`).
    responses: AhoCorasick,
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
}

impl Phrases {
    /// The shapes of the built-in `rules/clients/`, compiled once.
    pub fn builtin() -> &'static Phrases {
        static BUILTIN: OnceLock<Phrases> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let clients = Catalog::builtin_clients();
            let mut patterns: Vec<&'static str> = Vec::new();
            let mut meaning = Vec::new();
            let mut names = Vec::new();
            let mut literals = Vec::new();
            let mut responses: Vec<&'static str> = Vec::new();
            for (i, c) in clients.values().enumerate() {
                responses.extend(c.phrases.get("response").into_iter().flatten().map(String::as_str));
                names.push(c.name.as_str());
                // Answer lines are looked for only below a request.
                for (event, phrases) in c.phrases.iter().filter(|(event, _)| *event != "response") {
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
            // A contiguous NFA: built in a third of a DFA's 0.8 ms at every start, and searched
            // only on lines that hold a phrase's keyword.
            let search = AhoCorasick::builder()
                .kind(Some(AhoCorasickKind::ContiguousNFA))
                .match_kind(MatchKind::LeftmostLongest)
                .build(&patterns)
                .expect("client phrases compile");
            Phrases {
                patterns,
                search,
                meaning,
                names,
                // A few phrases searched on a few lines: the automaton cheapest to build.
                responses: AhoCorasick::builder()
                    .kind(Some(AhoCorasickKind::NoncontiguousNFA))
                    .build(responses)
                    .expect("response phrases compile"),
                literals,
            }
        })
    }

    /// The phrases and markers of every client, which the line's keywords include: a line that
    /// holds none of them needs no [`Phrases::read`].
    pub fn patterns(&self) -> &[&'static str] {
        &self.patterns
    }

    /// The clients' prefilter literals: the prefilter searches for them too.
    pub fn literals(&self) -> &[&'static str] {
        &self.literals
    }

    /// The status of an HTTP answer line: the number after its phrase (`< HTTP/1.1 200 OK`,
    /// `Response status: 400`), if the line holds one.
    pub fn response(&self, line: &[u8]) -> Option<u16> {
        let m = self.responses.find(line)?;
        values::status_after(line, m.end())
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
