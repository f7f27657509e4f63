//! Client shape rules (`rules/clients/<client>.toml`): how one client family's log lines tell
//! the steps of a device code flow, as data. The scanner adds every phrase to its prefilter and
//! reads each candidate line for them (`scan::clients`); `aadlint rules` lists the clients.

use serde::Deserialize;

/// The steps of a device code flow a client's line can tell, in the order the scanner prefers
/// them when one line holds several phrases (the most specific first). `response` is an HTTP
/// response's status line that does not repeat its URL (`< HTTP/1.1 200 OK`): it answers the
/// same worker's most recent open request, and its status is the first three-digit number after
/// the phrase. `no-browser` is a client that could not open a browser on this machine, so the
/// user signs in elsewhere (a Conditional Access block that follows is then the same as a device
/// code flow's).
pub const EVENTS: [&str; 13] = [
    "give-up",
    "redeemed",
    "blocked",
    "declined",
    "expired",
    "slow-down",
    "pending",
    "success",
    "error",
    "authorization",
    "poll",
    "no-browser",
    "response",
];

/// The shortest phrase a client file may hold: shorter ones would make the prefilter stop on
/// ordinary text (`build.rs` rejects them).
pub const MIN_PHRASE: usize = 8;

/// One client family.
#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClientRule {
    /// Its id (equals the file name): `msal-node`, `msgraph-powershell`, ...
    pub client: String,
    /// The name reports give it.
    pub name: String,
    /// Words on a line that name this client (a logger, a package, a command).
    #[serde(default)]
    pub markers: Vec<String>,
    /// The client backs off on its own (slower polling by design), so fast polls are its own.
    #[serde(default)]
    pub backs_off: bool,
    /// Phrases by the step they tell (each key one of [`EVENTS`]).
    #[serde(default)]
    pub phrases: std::collections::BTreeMap<String, Vec<String>>,
    /// What the scanner's prefilter searches for, for the phrases that hold none of its own
    /// literals: short parts of them whose first bytes are rare in logs (the SIMD search looks
    /// first for those). Every phrase must hold one of these or a built-in literal (`build.rs`).
    #[serde(default)]
    pub literals: Vec<String>,
    /// Lines this client writes, each with the step it must give (`event`, or `none`). Checked
    /// by `tests/clients.rs`; left out of the binary.
    #[serde(default, skip_serializing)]
    pub samples: Vec<ClientSample>,
}

/// A sample line and the step it tells.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSample {
    /// The line as the client writes it.
    pub line: String,
    /// One of [`EVENTS`], or `none`.
    pub event: String,
    /// For a `response` sample: the HTTP status the line must give.
    #[serde(default)]
    pub status: Option<u16>,
}

impl ClientRule {
    /// What the fields alone do not say: known steps, phrases long enough for the prefilter.
    pub fn validate(&self, stem: &str) -> Result<(), String> {
        if self.client != stem {
            return Err(format!("client {:?} must equal the file name {stem:?}", self.client));
        }
        for (event, phrases) in &self.phrases {
            if !EVENTS.contains(&event.as_str()) {
                return Err(format!("phrases.{event} is not one of {EVENTS:?}"));
            }
            if let Some(p) = phrases.iter().find(|p| p.len() < MIN_PHRASE) {
                return Err(format!(
                    "phrase {p:?} is shorter than {MIN_PHRASE} bytes: it cannot be a prefilter literal"
                ));
            }
        }
        Ok(())
    }
}
