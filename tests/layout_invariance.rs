//! Layout invariance: the same events framed by another log layout give the same flows and
//! findings. Every fixture log whose records carry a time, a pid and a thread (the Python
//! logging layout of `fixtures/causes` and `fixtures/clients`) is re-rendered through other
//! layouts with each layout's `template` from `rules/layouts/`: same messages, same times, same
//! pid, thread and host; lines without an envelope (prompts, stack traces, `Trace ID:`
//! continuations) stay as they are. The CRI rendering is checked a second time with its long
//! lines cut into `P` and `F` fragments, as the container runtime writes them. Each rendering must
//! give the flows (ids) and the findings (cause, severity, flow) of the original.

use aadlint::rules::layout::LayoutRule;
use aadlint::rules::Catalog;
use aadlint::scan::record::{Envelope, Layouts};
use aadlint::scan::time::{civil_from_days, rfc3339};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod support;

/// How one target layout writes a time and a level, and how the worker maps onto its fields.
struct Target {
    layout: &'static str,
    time: fn(i64) -> String,
    level: fn(&str) -> String,
}

fn parts(ms: i64) -> (i64, i64, i64, i64, i64, i64, i64) {
    let (y, m, d) = civil_from_days(ms.div_euclid(86_400_000));
    let t = ms.rem_euclid(86_400_000);
    (y, m, d, t / 3_600_000, t / 60_000 % 60, t / 1000 % 60, t % 1000)
}

fn iso_ms(ms: i64) -> String {
    let (y, mo, d, h, mi, s, f) = parts(ms);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{f:03}Z")
}

fn python_ms(ms: i64) -> String {
    let (y, mo, d, h, mi, s, f) = parts(ms);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02},{f:03}")
}

fn runner_ms(ms: i64) -> String {
    let (y, mo, d, h, mi, s, f) = parts(ms);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{f:03}0000Z")
}

fn cri_ms(ms: i64) -> String {
    let (y, mo, d, h, mi, s, f) = parts(ms);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{f:03}000000Z")
}

fn klog_ms(ms: i64) -> String {
    let (_, mo, d, h, mi, s, f) = parts(ms);
    format!("{mo:02}{d:02} {h:02}:{mi:02}:{s:02}.{f:03}000")
}

fn upper(level: &str) -> String {
    level.to_string()
}

fn spring(level: &str) -> String {
    match level {
        "WARNING" => "WARN".into(),
        "CRITICAL" => "FATAL".into(),
        l => l.into(),
    }
}

fn klog_letter(level: &str) -> String {
    match level {
        "ERROR" | "CRITICAL" => "E".into(),
        "WARNING" => "W".into(),
        _ => "I".into(),
    }
}

const TARGETS: [Target; 12] = [
    Target {
        layout: "python-pid-thread",
        time: iso_ms,
        level: upper,
    },
    Target {
        layout: "python-processname-pid",
        time: python_ms,
        level: upper,
    },
    Target {
        layout: "python-asctime-name-level",
        time: python_ms,
        level: upper,
    },
    Target {
        layout: "spring-boot",
        time: iso_ms,
        level: spring,
    },
    Target {
        layout: "logback",
        time: python_ms,
        level: spring,
    },
    Target {
        layout: "klog",
        time: klog_ms,
        level: klog_letter,
    },
    Target {
        layout: "syslog-iso",
        time: iso_ms,
        level: upper,
    },
    Target {
        layout: "syslog-rfc5424",
        time: iso_ms,
        level: upper,
    },
    Target {
        layout: "timestamp-host-level",
        time: iso_ms,
        level: spring,
    },
    Target {
        layout: "node-cluster",
        time: iso_ms,
        level: upper,
    },
    Target {
        layout: "ci-step-log",
        time: runner_ms,
        level: upper,
    },
    Target {
        layout: "cri",
        time: cri_ms,
        level: upper,
    },
];

/// The template of a layout, from its rule file.
fn template(layout: &str) -> String {
    let text = std::fs::read_to_string(format!("rules/layouts/{layout}.toml")).unwrap();
    let rule: LayoutRule = toml::from_str(&text).unwrap();
    rule.template.unwrap()
}

/// `{field}` and `{field:N}` (padded to N) replaced by `values`.
fn fill(template: &str, values: &BTreeMap<&str, String>) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = open + rest[open..].find('}').unwrap();
        let spec = &rest[open + 1..close];
        let (name, width) = spec.split_once(':').map_or((spec, 0), |(n, w)| (n, w.parse().unwrap()));
        out.push_str(&format!("{:<width$}", values[name], width = width));
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// One record line rendered in `target`. The worker keeps its identity in every layout: where a
/// layout has no pid or thread field, they travel in the fields it has.
fn render(target: &Target, env: &Envelope, message: &str, original: &str) -> String {
    let ms = env.time.as_ref().and_then(|t| t.millis).unwrap();
    let level = env.level.as_deref().unwrap_or("INFO").to_string();
    let pid = env.pid.as_deref().unwrap_or("1").to_string();
    let thread = env.thread.as_deref().unwrap_or("main").to_string();
    let logger = env.logger.as_deref().unwrap_or("app").to_string();
    let host = env.host.as_deref().unwrap_or("host-1").to_string();
    let mut v: BTreeMap<&str, String> = BTreeMap::new();
    v.insert("time", (target.time)(ms));
    v.insert("level", (target.level)(&level));
    v.insert("pid", pid.clone());
    v.insert("thread", thread.clone());
    v.insert("logger", logger.clone());
    v.insert("host", host.clone());
    v.insert("app", "worker".into());
    let lvl = level.clone();
    let message = match target.layout {
        // Layouts without a thread field: the thread is named in the message, as programs do.
        "syslog-iso" | "syslog-rfc5424" => format!("[tid={thread}] {lvl} {logger} {message}"),
        "klog" => format!("[tid={thread}] {message}"),
        "timestamp-host-level" => {
            v.insert("host", format!("{host}-{pid}-{thread}"));
            format!("{logger} {message}")
        }
        "logback" => format!("pid={pid} {message}"),
        "python-asctime-name-level" => format!("[pid={pid} tid={thread}] {message}"),
        "python-processname-pid" => {
            v.insert("app", thread.clone());
            message.to_string()
        }
        "node-cluster" => {
            v.insert(
                "thread",
                format!(
                    "worker-{}",
                    thread.len() + thread.bytes().map(u64::from).sum::<u64>() as usize
                ),
            );
            format!("{lvl} {logger} {message}")
        }
        // Wrappers keep the program's own line inside.
        "ci-step-log" | "cri" => original.to_string(),
        _ => message.to_string(),
    };
    v.insert("message", message);
    fill(&template(target.layout), &v)
}

/// How long the fragments of the CRI rendering in fragments are: the runtime cuts at 16 KiB; a
/// small size cuts most records, their keys and their codes.
const CRI_FRAGMENT: usize = 64;

/// A CRI rendering as the container runtime writes it when it cuts long lines: every message
/// longer than `size` bytes becomes `P` fragments ended by an `F` one, each with the line's time
/// and stream. Lines of ERROR level and worse go to stderr, and where such a record follows a
/// stdout record in fragments, its first fragments come before the stdout record's last one
/// (both streams written at once).
fn in_fragments(rendered: &[u8], size: usize) -> Vec<u8> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    // Where the last fragment of the stdout record just above stands, if it was cut.
    let mut stdout_end: Option<usize> = None;
    for line in rendered.split_inclusive(|&b| b == b'\n') {
        let body = line.strip_suffix(b"\n").unwrap_or(line);
        let Some(at) = find(body, b" stdout F ") else {
            out.push(line.to_vec());
            stdout_end = None;
            continue;
        };
        let (time, message) = (&body[..at], &body[at + 10..]);
        let error = [&b" ERROR "[..], b" CRITICAL "]
            .iter()
            .any(|l| find(message, l).is_some());
        let stream = if error { "stderr" } else { "stdout" };
        let pieces: Vec<&[u8]> = if message.is_empty() {
            vec![message]
        } else {
            message.chunks(size).collect()
        };
        let mut fragments: Vec<Vec<u8>> = pieces
            .iter()
            .enumerate()
            .map(|(k, piece)| {
                let tag = if k + 1 < pieces.len() { "P" } else { "F" };
                [time, format!(" {stream} {tag} ").as_bytes(), piece, b"\n"].concat()
            })
            .collect();
        match stdout_end.take() {
            Some(end) if error && fragments.len() > 1 => {
                let last = fragments.pop().unwrap();
                out.splice(end..end, fragments);
                out.push(last);
            }
            _ => {
                let cut = fragments.len() > 1;
                out.extend(fragments);
                stdout_end = (!error && cut).then_some(out.len() - 1);
            }
        }
    }
    out.concat()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The fixtures in the layout that carries time, pid and thread on every record.
fn fixtures() -> Vec<PathBuf> {
    support::files_under(&["fixtures/causes", "fixtures/clients"], "log")
        .into_iter()
        .filter(|p| {
            let bytes = std::fs::read(p).unwrap();
            let head = &bytes[..bytes.len().min(64 << 10)];
            Layouts::builtin().detect(head, None).layout() == Some("python-process-thread")
        })
        .collect()
}

/// What must not change: each flow's id (fingerprints, not line numbers) and each finding.
fn outcome(path: &Path) -> (Vec<String>, Vec<String>) {
    let a = aadlint::analyze(&[path.to_string_lossy().into_owned()], Catalog::builtin());
    let flows = a
        .flows
        .iter()
        .map(|f| {
            if f.id.starts_with("log:") {
                "log:".into()
            } else {
                f.id.clone()
            }
        })
        .collect();
    let findings = a
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {}",
                f.cause,
                f.severity,
                if f.flow.starts_with("log:") { "log:" } else { &f.flow }
            )
        })
        .collect();
    (flows, findings)
}

#[test]
fn every_rendering_gives_the_same_flows_and_findings() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 25, "{} fixtures in the Python layout", fixtures.len());
    let dir = tempfile::tempdir().unwrap();
    let layouts = Layouts::builtin();
    let mut failures = Vec::new();
    // Renderings in fragments where stderr fragments stand between stdout ones.
    let mut interleaved = 0;
    for path in &fixtures {
        let bytes = std::fs::read(path).unwrap();
        let reader = layouts.detect(&bytes[..bytes.len().min(64 << 10)], None);
        let own = layouts.find("python-process-thread");
        let want = outcome(path);
        for target in &TARGETS {
            let mut out = String::new();
            for line in String::from_utf8_lossy(&bytes).split_inclusive('\n') {
                let body = line.trim_end_matches(['\n', '\r']);
                match reader.read(body.as_bytes()) {
                    Some(env) if env.layout == own && env.time.is_some() => {
                        out.push_str(&render(target, &env, &body[env.message_at..], body));
                        out.push('\n');
                    }
                    _ => out.push_str(line),
                }
            }
            let name = path.file_name().unwrap().to_string_lossy();
            let mut renderings = vec![(target.layout.to_string(), out.into_bytes())];
            if target.layout == "cri" {
                let split = in_fragments(&renderings[0].1, CRI_FRAGMENT);
                let lines: Vec<&[u8]> = split.split(|&b| b == b'\n').collect();
                interleaved += lines
                    .windows(2)
                    .any(|w| find(w[0], b" stdout P ").is_some() && find(w[1], b" stderr P ").is_some())
                    as usize;
                renderings.push((format!("cri in {CRI_FRAGMENT}-byte fragments"), split));
            }
            for (layout, bytes) in renderings {
                let rendered = dir.path().join(format!("{}-{name}", layout.replace(' ', "-")));
                std::fs::write(&rendered, &bytes).unwrap();
                let got = outcome(&rendered);
                if got != want {
                    failures.push(format!("{} as {layout}: {got:?}, want {want:?}", path.display()));
                }
            }
        }
    }
    assert!(
        interleaved >= 3,
        "{interleaved} renderings mix the two streams' fragments"
    );
    assert!(
        failures.is_empty(),
        "{} renderings differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn rfc3339_renders_milliseconds() {
    assert_eq!(rfc3339(1_795_773_854_120), "2026-11-27T10:04:14.120Z");
    assert_eq!(iso_ms(1_795_773_854_120), "2026-11-27T10:04:14.120Z");
}
