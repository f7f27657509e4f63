//! The JSON time series of a generated one-hour log against the counts its generator planted:
//! per code, failures per minute; per cause, findings; and coarser buckets are sums of finer
//! ones, aligned on the hour.

#[path = "../benches/synth/mod.rs"]
mod synth;

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// About an hour of log in 3 MiB: the clock runs ~440 ms per application line.
const SIZE: u64 = 3 << 20;
const DENSITY: f64 = 0.3;
const PACE: u64 = 440;
const SEED: u64 = 5;

fn scan(path: &Path, bucket: &str) -> Value {
    let out = Command::cargo_bin("aadlint")
        .unwrap()
        .arg("scan")
        .arg(path)
        .args(["--format", "json", "--bucket", bucket, "-q"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Minutes since the epoch of an RFC 3339 UTC time as the report writes it.
fn minute_of(time: &str) -> i64 {
    // 2026-11-27T08:05:00Z (a fraction, when there is one, is ignored)
    let (date, clock) = time.split_once('T').unwrap();
    let d: Vec<i64> = date.split('-').map(|x| x.parse().unwrap()).collect();
    let c: Vec<i64> = clock
        .trim_end_matches('Z')
        .split([':', '.'])
        .map(|x| x.parse().unwrap())
        .collect();
    // Days from civil (Howard Hinnant).
    let (y, m) = if d[1] <= 2 {
        (d[0] - 1, d[1] + 9)
    } else {
        (d[0], d[1] - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d[2] - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    days * 1440 + c[0] * 60 + c[1]
}

/// `series.points` of one kind as key -> minute -> count.
fn points(doc: &Value, kind: &str) -> BTreeMap<String, BTreeMap<i64, u64>> {
    let mut out: BTreeMap<String, BTreeMap<i64, u64>> = BTreeMap::new();
    for p in doc["series"]["points"].as_array().unwrap() {
        if p["kind"] == kind {
            let prev = out
                .entry(p["key"].as_str().unwrap().to_string())
                .or_default()
                .insert(minute_of(p["time"].as_str().unwrap()), p["count"].as_u64().unwrap());
            assert!(prev.is_none(), "two points for one bucket: {p}");
        }
    }
    out
}

fn untimed(doc: &Value, kind: &str, key: &str) -> u64 {
    doc["series"]["untimed"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["kind"] == kind && u["key"] == key)
        .map(|u| u["count"].as_u64().unwrap())
        .sum()
}

/// The generated hour, its truth, and its report at 1-minute buckets.
fn hour() -> (tempfile::TempDir, std::path::PathBuf, synth::Truth, Value) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hour.log");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let truth = synth::generate_paced(&mut w, SIZE, DENSITY, SEED, PACE).unwrap();
    drop(w);
    let doc = scan(&path, "1m");
    (dir, path, truth, doc)
}

/// The codes only stand-alone records carry, with their failures per minute.
fn standalone_only(truth: &synth::Truth) -> Vec<(&String, &BTreeMap<i64, u64>)> {
    truth
        .standalone_failures
        .iter()
        .filter(|(code, _)| !truth.codes_elsewhere.contains(*code))
        .collect()
}

/// Every failure of the truth is in the series at its minute, or counted as untimed; none is at
/// a minute where the truth has fewer. (Exact equality is the test below.)
#[test]
fn the_series_of_a_generated_hour_counts_every_failure_at_its_minute_or_untimed() {
    let (_dir, path, truth, doc) = hour();
    assert_eq!(doc["series"]["bucket"], "1m");
    assert_eq!(doc["series"]["bucket_seconds"], 60);

    // It is an hour of log.
    let codes = points(&doc, "code");
    let minutes: Vec<i64> = codes.values().flat_map(|m| m.keys().copied()).collect();
    let span = minutes.iter().max().unwrap() - minutes.iter().min().unwrap();
    assert!((50..=70).contains(&span), "the log spans {span} minutes");

    let compared = standalone_only(&truth);
    assert!(compared.len() >= 8, "only {} codes compared", compared.len());
    let mut failures = 0;
    for (code, want) in &compared {
        let got = codes.get(*code).cloned().unwrap_or_default();
        for (minute, n) in &got {
            assert!(
                want.get(minute).is_some_and(|w| n <= w),
                "{code}: {n} failure(s) at minute {minute}, the truth has {:?}",
                want.get(minute)
            );
        }
        let total: u64 = want.values().sum();
        let placed: u64 = got.values().sum();
        assert_eq!(placed + untimed(&doc, "code", code), total, "{code}: failures in all");
        failures += total;
    }
    assert!(failures >= 100, "only {failures} failures compared");

    // Every code: the points and the untimed count add up to its failures; a pending code
    // (AADSTS70016) has none.
    for c in doc["codes"].as_array().unwrap() {
        let key = c["code"].as_str().unwrap();
        let sum: u64 = codes.get(key).map_or(0, |m| m.values().sum());
        assert_eq!(
            sum + untimed(&doc, "code", key),
            c["failures"].as_u64().unwrap(),
            "{key}"
        );
        if c["pending"] == true {
            assert_eq!(c["failures"], 0, "{key}");
            assert!(c["events"].as_u64().unwrap() > 0, "{key}");
        }
    }
    assert!(
        doc["codes"].as_array().unwrap().iter().any(|c| c["pending"] == true),
        "the log has pending responses"
    );

    // Per cause: as many findings in the series as planted flows that show the cause.
    let causes = points(&doc, "cause");
    let mut planted: BTreeMap<&str, u64> = BTreeMap::new();
    for f in &truth.flows {
        for cause in &f.expected_findings {
            *planted.entry(cause.as_str()).or_default() += 1;
        }
    }
    assert!(planted.len() >= 5, "{planted:?}");
    for (cause, n) in &planted {
        let sum: u64 = causes.get(*cause).map_or(0, |m| m.values().sum());
        assert_eq!(sum + untimed(&doc, "cause", cause), *n, "{cause}");
    }
    assert_eq!(causes.len(), planted.len(), "no cause that was not planted");

    // Coarser buckets are sums of the finer ones, starting on the hour.
    let hourly = scan(&path, "1h");
    assert_eq!(hourly["series"]["bucket"], "1h");
    assert_eq!(hourly["series"]["bucket_seconds"], 3600);
    for (kind, fine) in [("code", &codes), ("cause", &causes)] {
        let coarse = points(&hourly, kind);
        for (key, by_minute) in fine {
            let mut want: BTreeMap<i64, u64> = BTreeMap::new();
            for (minute, n) in by_minute {
                *want.entry(minute.div_euclid(60) * 60).or_default() += n;
            }
            assert_eq!(coarse.get(key), Some(&want), "{kind} {key} per hour");
        }
        assert_eq!(coarse.len(), fine.len());
    }
}

/// Exactly the generator's failures per minute, none untimed: every stand-alone failure is read
/// with its time, whatever the shape of its record.
#[test]
fn the_series_of_a_generated_hour_equals_the_generators_counts() {
    let (_dir, _path, truth, doc) = hour();
    let codes = points(&doc, "code");
    for (code, want) in standalone_only(&truth) {
        let got = codes.get(code).cloned().unwrap_or_default();
        assert_eq!(&got, want, "{code}: failures per minute");
        assert_eq!(untimed(&doc, "code", code), 0, "{code}");
    }
}
