//! The log layouts of `rules/layouts/`: every sample line gives exactly the envelope its file
//! says, both when its layout is forced and when the layout is detected from the line alone (so
//! no other layout reads it first and differently); detection picks the layout of a whole log.

use aadlint::rules::layout::LayoutRule;
use aadlint::scan::record::{Envelope, Layouts};
use aadlint::scan::time::rfc3339;
use std::collections::BTreeMap;

mod support;

fn layout_files() -> Vec<(String, LayoutRule)> {
    support::rule_files("rules/layouts")
}

/// The envelope as the samples write it: field name to value, `time` as RFC 3339 UTC.
fn fields(env: &Envelope) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut put = |k: &str, v: &Option<std::borrow::Cow<str>>| {
        if let Some(v) = v {
            out.insert(k.to_string(), v.to_string());
        }
    };
    put("level", &env.level);
    put("host", &env.host);
    put("app", &env.app);
    put("pid", &env.pid);
    put("thread", &env.thread);
    put("logger", &env.logger);
    if let Some(ms) = env.time.as_ref().and_then(|t| t.millis) {
        out.insert("time".into(), rfc3339(ms));
    }
    out
}

#[test]
fn every_layout_has_samples_and_a_template() {
    let files = layout_files();
    assert!(files.len() >= 30, "{} layouts", files.len());
    for (path, rule) in &files {
        assert!(!rule.samples.is_empty(), "{path}: no samples");
        assert!(rule.template.is_some(), "{path}: no template");
        rule.validate(support::stem(path))
            .unwrap_or_else(|e| panic!("{path}: {e}"));
    }
}

#[test]
fn every_sample_gives_its_fields_forced_and_detected() {
    let layouts = Layouts::builtin();
    for (path, rule) in layout_files() {
        let own = layouts
            .find(&rule.layout)
            .unwrap_or_else(|| panic!("{path}: not built in"));
        for sample in &rule.samples {
            let line = sample.line.as_bytes();
            let want = sample.fields.clone();
            let forced = layouts.detect(line, Some(own)).read(line).unwrap_or_default();
            assert_eq!(
                forced.layout,
                Some(own),
                "{path}: its layout does not read {:?}",
                sample.line
            );
            assert_eq!(fields(&forced), want, "{path}: {:?} (forced)", sample.line);
            let detected = layouts.detect(line, None).read(line).unwrap_or_default();
            assert_eq!(
                fields(&detected),
                want,
                "{path}: {:?} is read first by {:?}",
                sample.line,
                detected.layout.map(|i| layouts.name(i))
            );
        }
    }
}

#[test]
fn detection_picks_the_layout_most_lines_are_in() {
    let layouts = Layouts::builtin();
    let log = b"2026-12-03 08:11:00,438 [MainProcess/17276] INFO thumbnailer - starting\n\
        Traceback (most recent call last):\n\
        2026-12-03 08:11:05,101 [ForkPoolWorker-3/17285] INFO httpx - HTTP Request: POST x\n\
        2026-12-03 08:11:05,101 [ForkPoolWorker-2/17284] INFO httpx - HTTP Request: POST x\n";
    let reader = layouts.detect(log, None);
    assert_eq!(reader.layout(), Some("python-processname-pid"));
    let env = reader
        .read(b"2026-12-03 08:11:05,101 [ForkPoolWorker-3/17285] INFO httpx - x")
        .unwrap();
    assert_eq!(
        (env.app.as_deref(), env.pid.as_deref()),
        (Some("ForkPoolWorker-3"), Some("17285"))
    );
}

#[test]
fn a_ci_step_log_reads_the_runner_time_and_the_inner_envelope() {
    let layouts = Layouts::builtin();
    let line = b"2026-11-27T10:49:05.1000000Z 2026-11-27 12:49:05,100 4242 MainThread msal.application DEBUG x";
    let env = layouts.detect(line, None).read(line).unwrap();
    // The runner's time names its zone; the program's local one does not.
    assert_eq!(fields(&env)["time"], "2026-11-27T10:49:05.100Z");
    assert_eq!(env.pid.as_deref(), Some("4242"));
}

#[test]
fn yearless_times_take_the_year_of_the_first_dated_line() {
    let layouts = Layouts::builtin();
    let log = b"Nov 27 10:49:01 nas-gw-02 sync[1]: started 2026-11-27 10:49:01\n\
        Nov 27 10:49:02 nas-gw-02 sync[1]: polling\n";
    let reader = layouts.detect(log, None);
    let env = reader.read(b"Nov 27 10:49:02 nas-gw-02 sync[1]: polling").unwrap();
    assert_eq!(fields(&env)["time"], "2026-11-27T10:49:02Z");
}

/// A layout that writes long lines in fragments (`partial`) tells each of its lines by the
/// literals before the message: every sample that holds one is read as a fragment of that stream
/// whose message starts right after it, and some sample is a partial line.
#[test]
fn fragment_literals_tell_every_sample_that_holds_one() {
    let layouts = Layouts::builtin();
    let mut checked = 0;
    for (path, rule) in layout_files() {
        if rule.partial.is_empty() {
            continue;
        }
        let mut partial_samples = 0;
        for sample in &rule.samples {
            let line = sample.line.as_bytes();
            let reader = layouts.detect(line, None);
            assert_eq!(reader.layout(), Some(rule.layout.as_str()), "{path}: {:?}", sample.line);
            let want = rule.partial.iter().enumerate().find_map(|(stream, s)| {
                let found = |literal: &str, partial| {
                    sample
                        .line
                        .find(literal)
                        .map(|at| (stream, partial, at + literal.len()))
                };
                found(&s.continued, true).or_else(|| found(&s.end, false))
            });
            let got = reader.tag(line).map(|t| (t.stream, t.partial, t.message_at));
            assert_eq!(got, want, "{path}: {:?}", sample.line);
            partial_samples += usize::from(want.is_some_and(|w| w.1));
        }
        assert!(partial_samples > 0, "{path}: no sample is a partial line");
        checked += 1;
    }
    assert!(checked >= 1, "no layout writes fragments");
}

/// `partial` literals must tell a line's stream and tag apart, and stand before a pattern's
/// message.
#[test]
fn fragment_literals_that_cannot_be_told_apart_are_refused() {
    let rule = |partial: &str, pattern: bool| -> LayoutRule {
        let reader = if pattern {
            "pattern = '^(?P<time>\\S+) (?P<inner>)'"
        } else {
            "json = { time = [\"t\"] }"
        };
        let text = format!("layout = \"x\"\nsummary = \"x\"\n{reader}\n{partial}\n");
        toml::from_str(&text).unwrap()
    };
    let good = "[[partial]]\ncontinued = \" o P \"\nend = \" o F \"";
    assert!(rule(good, true).validate("x").is_ok());
    let refused = [
        (rule(good, false), "needs a `pattern`"),
        (rule("[[partial]]\ncontinued = \" \"\nend = \" o F \"", true), "empty"),
        (
            rule("[[partial]]\ncontinued = \" o P \"\nend = \"P \"", true),
            "cannot be told apart",
        ),
        (
            rule(
                "[[partial]]\ncontinued = \"a P \"\nend = \"a F \"\n[[partial]]\ncontinued = \"ba P \"\nend = \"b F \"",
                true,
            ),
            "cannot be told apart",
        ),
    ];
    for (rule, why) in refused {
        let e = rule.validate("x").unwrap_err();
        assert!(e.contains(why), "{e}");
    }
}
