//! Times each stage of the pipeline on the given paths, as `aadlint scan --format json` runs
//! them: a profiling aid that says where a run's time goes before `perf` says why.
//!
//! ```text
//! cargo run --release --example stage_times -- big.log
//! ```
use std::time::{Duration, Instant};

/// The allocator `aadlint` itself runs with (src/main.rs), so that stages take what they take there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    let mut times: Vec<(&str, Duration)> = Vec::new();
    let mut lap = Instant::now();
    let mut stage = |name, times: &mut Vec<(&str, Duration)>| {
        times.push((name, lap.elapsed()));
        lap = Instant::now();
    };
    rayon::ThreadPoolBuilder::new()
        .build_global()
        .expect("the thread pool starts");
    stage("threads", &mut times);
    let (catalog, ()) = rayon::join(aadlint::rules::Catalog::builtin, aadlint::scan::prepare);
    stage("catalog and searchers", &mut times);
    let scanned = aadlint::scan::scan_inputs(&aadlint::input::expand(&paths));
    stage("input and scan", &mut times);
    let names: Vec<String> = scanned.inputs.iter().map(|i| i.path.clone()).collect();
    let flows = aadlint::correlate::correlate(&scanned.events, &names);
    stage("correlate", &mut times);
    let analysis = aadlint::diagnose::diagnose(scanned, flows, catalog);
    stage("diagnose", &mut times);
    let style = aadlint::report::Style {
        color: false,
        width: 100,
        root: None,
        ..Default::default()
    };
    let mut json = Vec::new();
    aadlint::report::render(&analysis, aadlint::report::Format::Json, style, &mut json).expect("the report renders");
    stage("report (JSON)", &mut times);
    for (name, took) in &times {
        eprintln!("{name:>22}  {:8.2} ms", took.as_secs_f64() * 1e3);
    }
    let total: Duration = times.iter().map(|(_, t)| *t).sum();
    eprintln!(
        "{:>22}  {:8.2} ms ({} flows, {} bytes of JSON)",
        "total",
        total.as_secs_f64() * 1e3,
        analysis.flows.len(),
        json.len()
    );
}
