//! The record layer through the whole pipeline: workers and times come from each line's
//! envelope, so lines of several hosts in one log stay apart, and a CI job is a property of the
//! frame its lines are in, not of the whole input.

use aadlint::analysis::Analysis;
use aadlint::rules::Catalog;
use std::collections::BTreeSet;

mod support;

fn analyze(paths: &[String]) -> Analysis {
    aadlint::analyze(paths, Catalog::builtin())
}

#[test]
fn lines_of_two_hosts_in_one_log_stay_apart() {
    let a = analyze(&["fixtures/layouts/two-hosts-one-log.log".into()]);
    assert_eq!(a.inputs[0].layout.as_deref(), Some("timestamp-host-level"));
    assert_eq!(a.flows.len(), 1, "{:?}", a.flows);
    // svc-worker-2's refresh errors are not polls of svc-worker-1's flow.
    assert!(
        a.findings.is_empty(),
        "{:?}",
        a.findings.iter().map(|f| &f.cause).collect::<Vec<_>>()
    );
    assert_eq!(
        a.flows[0].workers,
        ["fixtures/layouts/two-hosts-one-log.log[svc-worker-1]"]
    );
    assert_eq!(a.flows[0].outcome, "tokens");
}

/// A script signs in with a device code, then refreshes its token and tries a client secret: the
/// two later POSTs to the token endpoint name other grants, so neither they nor their answers are
/// polls of the finished flow (which once gave `polled-after-success`). Each `+ command` of the
/// `bash -x` trace starts a record of its own.
#[test]
fn token_requests_of_other_grants_are_not_device_code_polls() {
    let a = analyze(&["fixtures/layouts/other-grants-after-sign-in.log".into()]);
    assert_eq!(a.flows.len(), 1);
    let flow = &a.flows[0];
    assert_eq!(flow.outcome, "tokens");
    assert_eq!(
        flow.polls, 2,
        "the two device code polls, not the refresh or client-credentials POSTs"
    );
    assert!(
        a.findings.is_empty(),
        "{:?}",
        a.findings.iter().map(|f| &f.cause).collect::<Vec<_>>()
    );
    // The client secret's failure is still counted as a code.
    assert!(a.codes.iter().any(|c| c.code == "AADSTS7000215"));
    let json = serde_json::to_string(&a).unwrap();
    for secret in [
        "notARealSecretValue123",
        "FAKE-REFRESH-TOKEN",
        "QZ7KLMNP4",
        "DAQABIQEAAADi_2HHlRsIVtk9wqp",
    ] {
        assert!(!json.contains(secret), "{secret} leaked");
    }
}

/// The fixture logs.
fn fixture_logs() -> Vec<String> {
    support::files_under(&["fixtures/causes", "fixtures/clients", "fixtures/healthy"], "log")
        .into_iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect()
}

#[test]
fn a_ci_job_in_one_part_of_a_log_does_not_make_the_rest_unattended() {
    let logs = fixture_logs();
    assert!(logs.len() >= 40);
    let automation = |a: &Analysis| -> BTreeSet<String> {
        a.findings
            .iter()
            .filter(|f| f.cause == "device-code-in-automation")
            .map(|f| f.flow.clone())
            .collect()
    };
    let separate = automation(&analyze(&logs));
    let dir = tempfile::tempdir().unwrap();
    let joined = dir.path().join("all.log");
    let mut bytes = Vec::new();
    for l in &logs {
        bytes.extend(std::fs::read(l).unwrap());
        if bytes.last() != Some(&b'\n') {
            bytes.push(b'\n');
        }
    }
    std::fs::write(&joined, bytes).unwrap();
    let together = automation(&analyze(&[joined.to_string_lossy().into_owned()]));
    assert!(!separate.is_empty());
    assert_eq!(
        together, separate,
        "flows named unattended differ when the logs are one file"
    );
}

#[test]
fn pool_workers_polling_one_device_code_are_one_shared_flow() {
    let log = "2026-12-03 08:11:00,520 [MainProcess/17276] INFO httpx - HTTP Request: POST https://login.microsoftonline.com/t/oauth2/v2.0/devicecode \"HTTP/1.1 200 OK\"\n\
2026-12-03 08:11:00,530 [MainProcess/17276] INFO thumbnailer - Waiting for sign-in: enter the code VUUN9M75K at https://microsoft.com/devicelogin\n\
2026-12-03 08:11:05,101 [ForkPoolWorker-1/17283] INFO httpx - HTTP Request: POST https://login.microsoftonline.com/t/oauth2/v2.0/token \"HTTP/1.1 400 Bad Request\"\n\
2026-12-03 08:11:05,102 [ForkPoolWorker-2/17284] INFO httpx - HTTP Request: POST https://login.microsoftonline.com/t/oauth2/v2.0/token \"HTTP/1.1 400 Bad Request\"\n\
2026-12-03 08:11:15,878 [ForkPoolWorker-1/17283] INFO httpx - HTTP Request: POST https://login.microsoftonline.com/t/oauth2/v2.0/token \"HTTP/1.1 200 OK\"\n\
2026-12-03 08:11:15,885 [ForkPoolWorker-2/17284] INFO httpx - HTTP Request: POST https://login.microsoftonline.com/t/oauth2/v2.0/token \"HTTP/1.1 400 Bad Request\"\n\
2026-12-03 08:11:15,886 [ForkPoolWorker-2/17284] ERROR thumbnailer - token failed: invalid_grant: AADSTS90120: The request was already authorized or declined.\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pool.log");
    std::fs::write(&path, log).unwrap();
    let a = analyze(&[path.to_string_lossy().into_owned()]);
    assert_eq!(
        a.flows.len(),
        1,
        "{:?}",
        a.flows.iter().map(|f| &f.id).collect::<Vec<_>>()
    );
    assert!(a.flows[0].workers.len() >= 3, "{:?}", a.flows[0].workers);
    assert!(a.findings.iter().any(|f| f.cause == "shared-across-workers"));
}

/// A CRI log with every run of fragments joined into one `F` line, as a reader who knows CRI would
/// write it: per stream, the first fragment's time and stream, then every fragment's message.
fn join_cri(text: &str) -> String {
    let mut lines: Vec<Option<String>> = Vec::new();
    let mut open: Vec<(String, String, usize)> = Vec::new();
    for line in text.lines() {
        let mut parts = line.splitn(4, ' ');
        let (time, stream, tag, message) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap_or(""),
        );
        let at = match open.iter().position(|(s, _, _)| s == stream) {
            Some(at) => at,
            None => {
                lines.push(None);
                open.push((stream.to_string(), format!("{time} {stream} F "), lines.len() - 1));
                open.len() - 1
            }
        };
        open[at].1.push_str(message);
        if tag == "F" {
            let (_, whole, slot) = open.remove(at);
            lines[slot] = Some(whole);
        }
    }
    assert!(open.is_empty(), "every run of the fixture ends");
    lines.into_iter().map(|l| l.unwrap() + "\n").collect()
}

/// A pino log in a Kubernetes pod, written by the container runtime in 53-byte fragments: every
/// record's `"hostname"` key and both `AADSTS90120` codes are cut in two, and the error record
/// on stderr has the last stdout record's fragments between its own. Read joined, it gives what
/// the same log with whole lines gives: the same flows, findings, workers and code counts, each
/// record at the line of its first fragment.
#[test]
fn a_cri_log_in_fragments_reads_like_its_whole_lines() {
    let path = "fixtures/layouts/cri-split-json.log";
    let text = std::fs::read_to_string(path).unwrap();
    // The fixture is what it says.
    assert!(text.lines().all(|l| !l.contains("AADSTS90120")), "a code is whole");
    assert!(text.contains(" stderr P ") && text.contains(" stdout P "));
    let interleaved = text
        .lines()
        .zip(text.lines().skip(1))
        .any(|(a, b)| a.contains(" stdout P ") && b.contains(" stderr P "));
    assert!(interleaved, "no stderr fragment between stdout fragments");
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole.log");
    std::fs::write(&whole, join_cri(&text)).unwrap();
    let (a, b) = (
        analyze(&[path.into()]),
        analyze(&[whole.to_string_lossy().into_owned()]),
    );
    assert_eq!(a.inputs[0].layout.as_deref(), Some("cri"));
    assert_eq!(b.inputs[0].layout.as_deref(), Some("cri"));
    let flows = |a: &Analysis| -> Vec<String> {
        a.flows
            .iter()
            .map(|f| {
                let workers: Vec<&str> = f.workers.iter().map(|w| &w[w.find('[').unwrap_or(0)..]).collect();
                format!("{} {} polls={} {:?}", f.id, f.outcome, f.polls, workers)
            })
            .collect()
    };
    let findings = |a: &Analysis| -> Vec<String> {
        a.findings
            .iter()
            .map(|f| format!("{} {} {}", f.cause, f.severity, f.flow))
            .collect()
    };
    let codes = |a: &Analysis| -> Vec<String> {
        a.codes
            .iter()
            .map(|c| format!("{} {} {} {}", c.code, c.occurrences, c.bare_occurrences, c.events))
            .collect()
    };
    assert_eq!(flows(&a), flows(&b));
    assert_eq!(findings(&a), findings(&b));
    assert_eq!(codes(&a), codes(&b));
    assert_eq!(findings(&a), ["shared-across-workers error uc:47e602ca3b89"]);
    assert_eq!(codes(&a), ["AADSTS90120 2 1 1"]);
    assert_eq!(a.flows[0].workers.len(), 3, "{:?}", a.flows[0].workers);
    // Evidence names the first fragment of its record, and quotes the record joined.
    let lines: Vec<&str> = text.lines().collect();
    for e in a.findings.iter().flat_map(|f| &f.evidence) {
        let first = lines[e.line as usize - 1];
        assert!(first.contains(" P ") || first.contains(" F "), "{e:?}");
        assert!(e.excerpt.starts_with(&first[..30]), "{e:?} does not quote {first:?}");
    }
    let json = serde_json::to_string(&a).unwrap();
    assert!(!json.contains("XBBX9LNRQ"), "the user code leaked");
}
