//! The client shapes of `rules/clients/`: every sample line gives the step its file says, through
//! the real line parser, and every phrase reaches the prefilter (a line holding it is read).

use aadlint::model::{Outcome, Signal};
use aadlint::rules::client::{ClientRule, EVENTS};
use aadlint::scan::clients::Phrases;
use aadlint::scan::event::parse;
use aadlint::scan::{prefilter, Mode};

mod support;

fn client_files() -> Vec<(String, ClientRule)> {
    support::rule_files("rules/clients")
}

/// Whether the parsed line tells `event`.
fn tells(signals: &[Signal], event: &str) -> bool {
    signals.iter().any(|s| match (event, s) {
        ("authorization", Signal::Authorization { .. }) | ("poll", Signal::Poll { .. }) => true,
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
            let hit = parse(s.line.as_bytes());
            if s.event == "none" {
                let said = Phrases::builtin().read(s.line.as_bytes());
                assert!(
                    said.signals.is_empty() && said.outcome.is_none(),
                    "{path}: {:?} tells {said:?}",
                    s.line
                );
            } else {
                assert!(EVENTS.contains(&s.event.as_str()), "{path}: unknown event {}", s.event);
                assert!(
                    prefilter::primary(Mode::Logs).is_match(s.line.as_bytes()),
                    "{path}: {:?} never reaches the parser",
                    s.line
                );
                assert!(
                    tells(&hit.signals, &s.event),
                    "{path}: {:?} gives {:?}, want {}",
                    s.line,
                    hit.signals,
                    s.event
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

#[test]
fn every_phrase_is_a_prefilter_literal() {
    for (path, rule) in client_files() {
        for phrase in rule.phrases.values().flatten() {
            assert!(
                prefilter::primary(Mode::Logs).is_match(phrase.as_bytes()),
                "{path}: {phrase:?} cannot reach the parser"
            );
        }
    }
}
