//! Writes a deterministic synthetic log and its truth file.
//!
//! ```text
//! cargo run --release --example gen_log -- --size 1GiB --density 0.005 --seed 1 \
//!     --out big.log --truth big.log.truth.json
//! ```
//!
//! With `--flows N` it writes N device code flows instead, each with its own device code (the
//! many-flows case of `benches/compare.sh`); `--findings` gives each flow a finding too, and the
//! truth file is then the list of flow ids:
//!
//! ```text
//! cargo run --release --example gen_log -- --flows 1500000 --out flows.log
//! ```
//!
//! `--out -` (the default) writes the log to stdout. Sizes take binary units: `100MiB`, `1GiB`,
//! `64M`, `4096`.

#[path = "synth/mod.rs"]
mod synth;

use std::fs::File;
use std::io::{self, BufWriter};
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: gen_log [--size SIZE] [--density FRACTION] [--seed N] [--out FILE|-] [--truth FILE]
  --size     bytes to write, with binary units: 100MiB, 1GiB (default 100MiB)
  --density  auth lines per line (default 0.005)
  --seed     u64 seed (default 1)
  --out      log file, - for stdout (default -)
  --truth    where to write the truth JSON (default: none)
  --pace     clock speed between application lines, ~N ms per line (default 1); 240 makes 2MiB span about an hour
  --flows    write N device code flows (one line each, distinct device codes) instead of a mixed log
  --findings with --flows: a second line per flow that makes a finding (pending-logged-as-error)";

struct Args {
    size: u64,
    density: f64,
    seed: u64,
    out: String,
    truth: Option<String>,
    pace: u64,
    flows: Option<u64>,
    findings: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        size: 100 << 20,
        density: synth::DEFAULT_DENSITY,
        seed: 1,
        out: "-".into(),
        truth: None,
        pace: 1,
        flows: None,
        findings: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let (flag, inline) = match flag.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (flag, None),
        };
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        if flag == "--findings" {
            a.findings = true;
            continue;
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--size" => {
                let v = value()?;
                a.size =
                    synth::parse_size(&v).ok_or_else(|| format!("--size {v:?}: expected e.g. 100MiB, 1GiB, 4096"))?;
            }
            "--density" => {
                let v = value()?;
                a.density = v
                    .parse()
                    .ok()
                    .filter(|d: &f64| (0.0..=1.0).contains(d))
                    .ok_or_else(|| format!("--density {v:?}: expected a fraction in [0, 1]"))?;
            }
            "--seed" => {
                let v = value()?;
                a.seed = v
                    .parse()
                    .map_err(|_| format!("--seed {v:?}: expected an unsigned integer"))?;
            }
            "--out" => a.out = value()?,
            "--truth" => a.truth = Some(value()?),
            "--pace" => {
                let v = value()?;
                a.pace = v
                    .parse()
                    .ok()
                    .filter(|&p| p >= 1)
                    .ok_or_else(|| format!("--pace {v:?}: expected a whole number of at least 1"))?;
            }
            "--flows" => {
                let v = value()?;
                a.flows = Some(
                    v.parse()
                        .map_err(|_| format!("--flows {v:?}: expected an unsigned integer"))?,
                );
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(a)
}

fn run(a: &Args) -> io::Result<synth::Truth> {
    if a.out == "-" {
        let stdout = io::stdout();
        let mut w = BufWriter::with_capacity(1 << 20, stdout.lock());
        synth::generate_paced(&mut w, a.size, a.density, a.seed, a.pace)
    } else {
        let mut w = BufWriter::with_capacity(1 << 20, File::create(&a.out)?);
        synth::generate_paced(&mut w, a.size, a.density, a.seed, a.pace)
    }
}

/// `--flows N`: the many-flows log, and its flow ids as the truth.
fn run_flows(a: &Args, flows: u64) -> io::Result<Vec<String>> {
    let ids = if a.out == "-" {
        let stdout = io::stdout();
        let mut w = BufWriter::with_capacity(1 << 20, stdout.lock());
        synth::generate_flows(&mut w, flows, a.findings, a.seed)?
    } else {
        let mut w = BufWriter::with_capacity(1 << 20, File::create(&a.out)?);
        synth::generate_flows(&mut w, flows, a.findings, a.seed)?
    };
    if let Some(path) = &a.truth {
        let json = serde_json::to_string(&ids).expect("ids serialise");
        std::fs::write(path, json + "\n")?;
    }
    Ok(ids)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("gen_log: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if let Some(flows) = args.flows {
        return match run_flows(&args, flows) {
            Ok(ids) => {
                eprintln!("gen_log: {} flows", ids.len());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("gen_log: cannot write {}: {e}", args.out);
                ExitCode::FAILURE
            }
        };
    }
    let started = Instant::now();
    let truth = match run(&args) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("gen_log: cannot write {}: {e}", args.out);
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = &args.truth {
        let json = serde_json::to_string_pretty(&truth).expect("truth serialises");
        if let Err(e) = std::fs::write(path, json + "\n") {
            eprintln!("gen_log: cannot write {path}: {e}");
            return ExitCode::FAILURE;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "gen_log: {} bytes, {} lines ({} auth, {} flows, {} codes) in {:.1} s ({:.0} MiB/s)",
        truth.bytes,
        truth.lines,
        truth.auth_lines,
        truth.flows.len(),
        truth.codes.len(),
        secs,
        truth.bytes as f64 / (1 << 20) as f64 / secs.max(1e-9)
    );
    ExitCode::SUCCESS
}
