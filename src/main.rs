//! The `aadlint` command line: parses arguments, runs the pipeline, picks the exit code.

use aadlint::analysis::Analysis;
use aadlint::diagnose::causes::PRECEDENCE;
use aadlint::model::Severity;
use aadlint::report::{self, Format, Style};
use aadlint::rules::{Catalog, RuleRef};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Diagnose Microsoft Entra ID (Azure AD) sign-in failures and device code flow bugs from logs.
#[derive(Parser, Debug)]
#[command(name = "aadlint", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Scan logs: every AADSTS code, every device code flow, and the root cause of each failure.
    Scan(ScanArgs),
    /// Explain an AADSTS code (AADSTS90120, 90120, InvalidDeviceFlowRequest) or a root cause id.
    Explain {
        /// The code, symbolic name or cause id.
        query: String,
        /// Extra or replacement rules (*.toml) to load.
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
    /// List every rule: the root causes and the AADSTS catalog.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
        /// Extra or replacement rules (*.toml) to load.
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum RulesFormat {
    Table,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args, Debug)]
struct ScanArgs {
    /// Files, directories (searched recursively) or `-` for standard input. Gzip is detected.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<String>,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Exit 1 when a finding or code matches: a severity (error, warning, info: that level or
    /// worse), a cause id, `reused-device-code`, or a code such as AADSTS50076. Repeatable,
    /// comma-separated.
    #[arg(long, value_name = "WHAT", value_delimiter = ',')]
    fail_on: Vec<String>,
    /// Scan threads (default: one per core). The report is identical at any count.
    #[arg(long, short = 'j', value_name = "N")]
    threads: Option<usize>,
    /// Extra or replacement rules (*.toml) to load.
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
    /// When to colour the table: auto (a terminal, and NO_COLOR unset), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

/// What `--fail-on` asks for.
#[derive(Debug, PartialEq)]
enum FailOn {
    Severity(Severity),
    Cause(String),
    Code(String),
}

/// The causes `--fail-on reused-device-code` stands for.
const REUSED_DEVICE_CODE: [&str; 3] = ["polled-after-success", "shared-across-workers", "stale-device-code"];

fn parse_fail_on(values: &[String], catalog: &Catalog) -> Result<Vec<FailOn>, String> {
    let mut out = Vec::new();
    for v in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        let lower = v.to_ascii_lowercase();
        if let Some(s) = Severity::parse(&lower) {
            out.push(FailOn::Severity(s));
        } else if lower == "reused-device-code" {
            out.extend(REUSED_DEVICE_CODE.iter().map(|c| FailOn::Cause(c.to_string())));
        } else if PRECEDENCE.contains(&lower.as_str()) || catalog.causes.contains_key(&lower) {
            out.push(FailOn::Cause(lower));
        } else if let Some(RuleRef::Code(r)) = catalog.lookup(v) {
            out.push(FailOn::Code(r.code.clone()));
        } else if lower.starts_with("aadsts") && lower[6..].len() >= 5 && lower[6..].bytes().all(|b| b.is_ascii_digit())
        {
            out.push(FailOn::Code(v.to_ascii_uppercase()));
        } else {
            return Err(format!(
                "--fail-on {v:?}: expected error, warning, info, reused-device-code, a cause id ({}) or an AADSTS code",
                PRECEDENCE.join(", ")
            ));
        }
    }
    Ok(out)
}

fn fails(a: &Analysis, rules: &[FailOn]) -> bool {
    rules.iter().any(|r| match r {
        FailOn::Severity(s) => a.findings.iter().any(|f| f.severity >= *s) || a.codes.iter().any(|c| c.severity >= *s),
        FailOn::Cause(c) => a.findings.iter().any(|f| &f.cause == c || f.follows.contains(c)),
        FailOn::Code(code) => a.codes.iter().any(|c| &c.code == code),
    })
}

fn load_catalog(dir: Option<&PathBuf>) -> Result<Catalog, String> {
    match dir {
        Some(d) => Catalog::with_overrides(d).map_err(|e| e.to_string()),
        None => Ok(Catalog::builtin().clone()),
    }
}

/// Writes to stdout; a closed pipe (`aadlint scan x | head -1`) is not an error.
fn emit(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), String> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("cannot write the report: {e}")),
    }
}

fn scan(args: ScanArgs) -> Result<ExitCode, String> {
    let catalog = load_catalog(args.rules.as_ref())?;
    let fail_on = parse_fail_on(&args.fail_on, &catalog)?;
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = args.threads {
        pool = pool.num_threads(n.max(1));
    }
    pool.build_global().map_err(|e| format!("cannot start threads: {e}"))?;

    let analysis = aadlint::analyze(&args.paths, &catalog);
    for i in analysis.inputs.iter().filter(|i| i.error.is_some()) {
        eprintln!("aadlint: {}: {}", i.path, i.error.as_deref().unwrap_or_default());
    }
    let tty = io::stdout().is_terminal();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => tty && !no_color,
    };
    let width = if tty {
        comfy_table::Table::new().width().unwrap_or(160)
    } else {
        160
    };
    emit(|out| report::render(&analysis, args.format, Style { color, width }, out))?;

    Ok(if analysis.summary.input_errors > 0 {
        ExitCode::from(2)
    } else if fails(&analysis, &fail_on) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Scan(args) => scan(args),
        Command::Explain { query, rules } => {
            let catalog = load_catalog(rules.as_ref())?;
            match catalog.lookup(&query) {
                Some(RuleRef::Code(r)) => emit(|out| report::explain_code(r, out))?,
                Some(RuleRef::Cause(r)) => emit(|out| report::explain_cause(r, out))?,
                None => {
                    return Err(format!(
                        "no rule named {query:?}: try an AADSTS code (AADSTS90120 or 90120), a symbolic name, or a cause id; `aadlint rules` lists them all"
                    ))
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Rules { format, rules } => {
            let catalog = load_catalog(rules.as_ref())?;
            match format {
                RulesFormat::Table => emit(|out| report::rules_table(&catalog, out))?,
                RulesFormat::Json => emit(|out| report::rules_json(&catalog, out))?,
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("aadlint: {message}");
            ExitCode::from(2)
        }
    }
}
