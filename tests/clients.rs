//! The client shapes of `rules/clients/`: every sample line gives the step its file says, through
//! the real line parser, and every phrase reaches the prefilter (a line holding it is read).

use aadlint::model::{Outcome, Signal};
use aadlint::rules::client::{ClientRule, EVENTS};
use aadlint::scan::clients::Phrases;
use aadlint::scan::event::parse;
use aadlint::scan::hit::LineHit;
use aadlint::scan::{prefilter, scan_chunk, Mode};

mod support;

fn client_files() -> Vec<(String, ClientRule)> {
    support::rule_files("rules/clients")
}

/// Whether the parsed line tells `event` (for a `response`, with the status `status`).
fn tells(hit: &LineHit, event: &str, status: Option<u16>) -> bool {
    if event == "response" {
        return hit.response.is_some() && hit.response == status;
    }
    hit.signals.iter().any(|s| match (event, s) {
        ("authorization", Signal::Authorization { .. })
        | ("poll", Signal::Poll { .. })
        | ("no-browser", Signal::NoBrowser) => true,
        (e, Signal::Outcome(o)) => {
            *o == match e {
                "pending" => Outcome::Pending,
                "slow-down" => Outcome::SlowDown,
                "success" => Outcome::Success,
                "declined" => Outcome::Declined,
                "expired" => Outcome::Expired,
                "give-up" => Outcome::ClientTimeout,
                "redeemed" => Outcome::Redeemed,
                "blocked" => Outcome::Blocked,
                "error" => Outcome::OtherError,
                _ => return false,
            }
        }
        _ => false,
    })
}

#[test]
fn every_sample_gives_its_step() {
    let files = client_files();
    assert!(files.len() >= 4);
    for (path, rule) in files {
        assert!(!rule.samples.is_empty(), "{path}: no samples");
        rule.validate(support::stem(&path))
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        for s in &rule.samples {
            let hit = match s.event.as_str() {
                "response" => below_a_request(&s.line),
                _ => parse(s.line.as_bytes()),
            };
            if s.event == "none" {
                let said = Phrases::builtin().read(s.line.as_bytes());
                assert!(
                    said.signals.is_empty()
                        && said.outcome.is_none()
                        && Phrases::builtin().response(s.line.as_bytes()).is_none(),
                    "{path}: {:?} tells {said:?}",
                    s.line
                );
            } else {
                assert!(EVENTS.contains(&s.event.as_str()), "{path}: unknown event {}", s.event);
                assert!(
                    reaches_the_parser(&s.event, &s.line),
                    "{path}: {:?} never reaches the parser",
                    s.line
                );
                assert!(
                    tells(&hit, &s.event, s.status),
                    "{path}: {:?} gives {:?} (response {:?}), want {} {:?}",
                    s.line,
                    hit.signals,
                    hit.response,
                    s.event,
                    s.status
                );
                if rule.markers.iter().any(|m| s.line.contains(m.as_str())) {
                    let named = hit.client;
                    assert_eq!(
                        named,
                        Some(rule.name.as_str()),
                        "{path}: {:?} names another client",
                        s.line
                    );
                }
            }
        }
    }
}

/// A token request whose answer `curl -v` writes below it.
const REQUEST: &str = "> POST /contoso.onmicrosoft.com/oauth2/v2.0/token HTTP/1.1";

/// What the scanner reads of `line` when it stands a few lines below a token request that waits
/// for its answer (an empty hit when it does not read it).
fn below_a_request(line: &str) -> LineHit {
    let log = format!("{REQUEST}\n> Host: login.microsoftonline.com\n>\n{line}\n");
    let scan = scan_chunk(log.as_bytes(), b"", b'\n', Mode::Logs);
    scan.hits.into_iter().find(|h| h.line == 3).unwrap_or_default()
}

/// Whether the scanner reads `line`: a line with a prefilter literal; an HTTP answer line
/// (`response`) when it stands a few lines below a token request that waits for it.
fn reaches_the_parser(event: &str, line: &str) -> bool {
    match event {
        "response" => below_a_request(line).response.is_some(),
        _ => prefilter::primary(Mode::Logs).is_match(line.as_bytes()),
    }
}

#[test]
fn every_phrase_reaches_the_parser() {
    for (path, rule) in client_files() {
        for (event, phrases) in &rule.phrases {
            for phrase in phrases {
                // An answer line's phrase with the status after it.
                let line = if event == "response" {
                    format!("{phrase} 200")
                } else {
                    phrase.clone()
                };
                assert!(
                    reaches_the_parser(event, &line),
                    "{path}: {phrase:?} cannot reach the parser"
                );
            }
        }
    }
}

/// A client whose file says it sets its own pace (`backs_off`, here azidentity for Go, which
/// ignores the interval) gets no `polling-too-fast`: its pace is not the user's to fix. The same
/// polls, every 2 s against an interval of 5 s, from a client that does not, do.
#[test]
fn clients_that_back_off_by_design_are_not_polling_too_fast() {
    let gaps_ms = [2000; 6];
    let log = |who: &str| {
        let mut lines = vec![format!(
            "2026-12-03T09:00:00.000Z INFO {who}: To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code RH2KQ7PXM to authenticate."
        )];
        let mut at = 0;
        for gap in gaps_ms {
            at += gap;
            lines.push(format!(
                "2026-12-03T09:00:{:02}.{:03}Z DEBUG {who}: POST https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token grant_type=device_code -> 400 authorization_pending",
                at / 1000,
                at % 1000
            ));
        }
        lines.join("\n") + "\n"
    };
    let dir = tempfile::tempdir().unwrap();
    let causes = |who: &str| {
        let path = dir.path().join(format!("{who}.log"));
        std::fs::write(&path, log(who)).unwrap();
        let a = aadlint::analyze(
            &[path.to_string_lossy().into_owned()],
            aadlint::rules::Catalog::builtin(),
        );
        a.findings.iter().map(|f| f.cause.to_string()).collect::<Vec<_>>()
    };
    assert!(!causes("azidentity").contains(&"polling-too-fast".to_string()));
    assert!(causes("poller").contains(&"polling-too-fast".to_string()));
}
