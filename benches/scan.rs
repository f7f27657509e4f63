//! Throughput of the scan stage's inner loop: `scan::scan_chunk` over a 64 MiB in-memory
//! synthetic log (see `benches/synth`), at the default auth density and at ten times it.
//!
//! ```text
//! cargo bench --bench scan
//! cargo bench --bench scan -- 'scan_chunk/density=0.005'
//! cargo bench --bench scan -- floor
//! ```
//!
//! One thread, no I/O: this is the per-core ceiling the whole pipeline (`aadlint scan`) runs
//! below. `benches/compare.sh` measures the binary end to end against `rg`, `grep` and `cat`.
//!
//! The `floor` group times the two searches that bound that ceiling on the same bytes: the
//! scanner's literal prefilter alone (every line worth reading holds one of its literals), and
//! the one-literal search `rg -c 'AADSTS[0-9]{5,7}'` runs (memchr's `memmem` for `AADSTS`).

#[path = "synth/mod.rs"]
mod synth;

use criterion::measurement::WallTime;
use criterion::{black_box, criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, Throughput};
use std::time::Duration;

const SIZE: u64 = 64 << 20;
const SEED: u64 = 1;

/// The 64 MiB synthetic log at `density`: whole lines, cut after the last line end before 64 MiB.
fn log(density: f64) -> Vec<u8> {
    let (mut data, truth) = synth::generate_vec(SIZE, density, SEED);
    let cut = data[..SIZE as usize]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(data.len(), |i| i + 1);
    data.truncate(cut);
    eprintln!(
        "density {density}: {} bytes, {} auth lines of {} in the full log",
        data.len(),
        truth.auth_lines,
        truth.lines
    );
    data
}

/// A group of few, long samples: each iteration scans 64 MiB.
fn group<'c>(c: &'c mut Criterion, name: &str, measure_secs: u64) -> BenchmarkGroup<'c, WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(measure_secs));
    group
}

fn scan_chunk(c: &mut Criterion) {
    let mut group = group(c, "scan_chunk", 8);
    for density in [synth::DEFAULT_DENSITY, synth::DEFAULT_DENSITY * 10.0] {
        let data = log(density);
        // The pipeline picks the mode from an input's first bytes.
        let mode = aadlint::scan::Mode::of(&data);
        group.throughput(Throughput::Bytes(data.len() as u64));
        group.bench_with_input(BenchmarkId::new("density", density), &data, |b, data| {
            b.iter(|| {
                let out = aadlint::scan::scan_chunk(black_box(data), &[], b'\n', mode);
                black_box((out.newlines, out.hits.len()))
            })
        });
    }
    group.finish();
}

fn floor(c: &mut Criterion) {
    let mut group = group(c, "floor", 4);
    let data = log(synth::DEFAULT_DENSITY);
    group.throughput(Throughput::Bytes(data.len() as u64));
    let prefilter = aadlint::scan::prefilter::primary(aadlint::scan::Mode::Logs);
    group.bench_function("prefilter", |b| {
        b.iter(|| prefilter.find_iter(black_box(&data[..])).count())
    });
    let aadsts = memchr::memmem::Finder::new("AADSTS");
    group.bench_function("rg_literal", |b| {
        b.iter(|| aadsts.find_iter(black_box(&data[..])).count())
    });
    group.finish();
}

criterion_group!(benches, scan_chunk, floor);
criterion_main!(benches);
