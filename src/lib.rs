//! aadlint diagnoses Microsoft Entra ID (Azure AD) sign-in failures from logs.
//!
//! The pipeline, one module per stage:
//!
//! ```text
//! input ──> scan ──> correlate ──> diagnose ──> report
//! ```
//!
//! [`input`] turns paths into line-aligned chunks; [`scan`] finds AADSTS codes and device code
//! flow events in them (secrets become fingerprints there and go no further); [`correlate`] links
//! events into flows; [`diagnose`] names root causes and summarises codes into an
//! [`analysis::Analysis`]; [`report`] renders it. [`rules`] holds the catalog and cause data that
//! `diagnose` and `aadlint explain` share; [`model`] the types the stages share. [`config`] reads
//! `aadlint.toml` and baselines (ignore entries); [`gate`] decides what fails `--fail-on`. [`fleet`]
//! writes the scan's output to a file and reads such files back, so that hosts scan their own
//! logs and one machine correlates them all.

#![warn(missing_docs)]

pub mod analysis;
pub mod config;
pub mod correlate;
pub mod diagnose;
pub mod fleet;
pub mod gate;
pub mod input;
pub mod model;
pub mod numbered;
pub mod report;
pub mod rules;
pub mod scan;

use analysis::Analysis;
use rules::Catalog;

/// Runs the whole pipeline over `paths` (files, directories, `-`) with `catalog`. Call it from
/// outside the rayon pool.
pub fn analyze(paths: &[String], catalog: &Catalog) -> Analysis {
    analyze_with_progress(paths, catalog, &|_| {})
}

/// [`analyze`], calling `progress` with the bytes read so far (for a progress bar).
pub fn analyze_with_progress(paths: &[String], catalog: &Catalog, progress: &dyn Fn(u64)) -> Analysis {
    let options = scan::ScanOptions {
        layouts: scan::record::Layouts::of(catalog),
        ..Default::default()
    };
    analyze_with(paths, catalog, &options, progress)
}

/// [`analyze_with_progress`] with the scan's `options` (layouts, `--layout`).
pub fn analyze_with(
    paths: &[String],
    catalog: &Catalog,
    options: &scan::ScanOptions,
    progress: &dyn Fn(u64),
) -> Analysis {
    analyze_selected(paths, &input::Select::default(), catalog, options, progress)
}

/// [`analyze_with`], reading only the files inside directories that `select` admits.
pub fn analyze_selected(
    paths: &[String],
    select: &input::Select,
    catalog: &Catalog,
    options: &scan::ScanOptions,
    progress: &dyn Fn(u64),
) -> Analysis {
    diagnose_scanned(
        scan_selected(paths, select, options, progress),
        catalog,
        correlate::DEFAULT_MAX_SKEW_MS,
    )
}

/// The scan stage alone: what [`analyze_selected`] hands to correlate (and what
/// [`fleet`] emits and merges).
pub fn scan_selected(
    paths: &[String],
    select: &input::Select,
    options: &scan::ScanOptions,
    progress: &dyn Fn(u64),
) -> scan::ScanOutput {
    scan::scan_inputs_with(&input::expand_selected(paths, select), options, progress)
}

/// The stages after the scan: correlate (taking the clocks of inputs to be up to
/// `max_skew_ms` apart), then diagnose.
pub fn diagnose_scanned(scanned: scan::ScanOutput, catalog: &Catalog, max_skew_ms: i64) -> Analysis {
    if !scanned.events.is_empty() {
        // Only events are quoted (a code's tally keeps no excerpt); the pool is idle while this
        // thread links the flows.
        rayon::spawn(scan::prepare_excerpts);
    }
    let names: Vec<String> = scanned.inputs.iter().map(|i| i.path.clone()).collect();
    let flows = correlate::correlate_with(&scanned.events, &names, max_skew_ms);
    let clock_skew: Vec<analysis::ClockSkew> = flows
        .iter()
        .flat_map(|f| {
            f.skew.iter().map(|s| analysis::ClockSkew {
                flow: f.id.clone(),
                input: names[s.source as usize].clone(),
                behind: names[s.behind as usize].clone(),
                millis: s.millis,
                max_skew_millis: max_skew_ms,
            })
        })
        .collect();
    let mut analysis = diagnose::diagnose(scanned, flows, catalog);
    analysis.clock_skew = clock_skew;
    analysis
}
