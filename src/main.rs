//! The `aadlint` command line: parses arguments, runs the pipeline, picks the exit code.

use aadlint::config::{self, ignore, Config};
use aadlint::diagnose::causes::Group;
use aadlint::gate;
use aadlint::report::{self, Format, Style};
use aadlint::rules::{Catalog, RuleRef};
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// mimalloc, not the system allocator: the scan allocates and frees small buffers on every
/// thread, and glibc's arenas serialise those frees (benches/README, "Ninth session").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit codes and formats, shown under `aadlint scan --help`.
const SCAN_AFTER_HELP: &str = "\
Formats (--format, also --output-format; any case):
  table     the report to read: summary, findings worst first, codes, flows with findings (default)
  concise   one line per finding and error code: path:line: severity[id] message
  json      one versioned document; `aadlint schema` prints its JSON Schema
  sarif     SARIF 2.1.0 for GitHub code scanning (github/codeql-action/upload-sarif)
  github    GitHub Actions annotations (::error file=...,line=...,title=...::...)
  azure     Azure Pipelines issues (##vso[task.logissue ...]...)
  markdown  a summary for $GITHUB_STEP_SUMMARY or a pull-request comment
sarif, github and azure carry every finding and every AADSTS code of severity error.

Exit codes:
  0  scanned; nothing matched --fail-on (or no --fail-on was given)
  1  a finding or code matched --fail-on
  2  usage error (an empty or unknown --fail-on value, a bad config or baseline file), unknown
     rule, unreadable input (the rest is still scanned and reported), or the report could not be
     written";

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
    #[command(after_help = SCAN_AFTER_HELP)]
    Scan(ScanArgs),
    /// Explain an AADSTS code (AADSTS90120, 90120, InvalidDeviceFlowRequest), a root cause id,
    /// a cause group (reused-device-code) or an OAuth error (authorization_pending, expired_token).
    Explain {
        /// The code, symbolic name, cause id, cause group or OAuth error name.
        query: String,
        /// Extra or replacement rules (*.toml) to load [default: the config file's `rules`].
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
    /// List every rule: the root causes and the AADSTS catalog.
    Rules {
        /// Output format.
        #[arg(long, value_enum, ignore_case = true, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
        /// Extra or replacement rules (*.toml) to load [default: the config file's `rules`].
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
    /// List the log layouts whose envelopes (time, level, host, app, pid, thread, logger) the
    /// scanner reads: `rules/layouts/`, plus any from `--rules`.
    Layouts {
        /// Output format.
        #[arg(long, value_enum, ignore_case = true, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
        /// Extra or replacement rules (*.toml) to load [default: the config file's `rules`].
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
    /// Merge the events files that `scan --emit` wrote (on many hosts) into one report: the same
    /// report, in every format and with the same exit codes, as one scan of all their inputs in
    /// the order given.
    #[command(after_help = SCAN_AFTER_HELP)]
    Merge(ScanArgs),
    /// Print the JSON Schema (draft 2020-12) of the `scan --format json` report, or of one line of
    /// an events file (`aadlint schema events`).
    Schema {
        /// Which schema.
        #[arg(value_enum, default_value_t = SchemaKind::Report)]
        which: SchemaKind,
    },
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command into a directory.
    Man {
        /// Write aadlint.1, aadlint-scan.1, ... into this directory instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum RulesFormat {
    Table,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum SchemaKind {
    /// The `--format json` report.
    Report,
    /// A line of the file `scan --emit` writes.
    Events,
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
    /// For `merge`: the events files, or `-`.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<String>,
    /// Output format, any case [default: the config file's `format`, else table].
    #[arg(long, short, visible_alias = "output-format", value_enum, ignore_case = true)]
    format: Option<Format>,
    /// Show at most N causes, codes and flows in each section of the table, or `all` (default:
    /// every cause, 7 codes, 5 flows).
    #[arg(long, value_name = "N", value_parser = parse_top)]
    top: Option<usize>,
    /// List every device code flow in the table, not only those with findings.
    #[arg(long)]
    all_flows: bool,
    /// Print whole fixes, every evidence line and every flow id of a finding.
    #[arg(long, short)]
    verbose: bool,
    /// Bucket size of the JSON time series: 1m, 5m, 15m, 1h or 1d.
    #[arg(long, value_name = "SIZE", default_value = "1m", value_parser = parse_bucket)]
    bucket: u32,
    /// Exit 1 when a finding or code matches: a severity (error, warning, info: that level or
    /// worse), a cause id, `reused-device-code`, or a code of the catalog such as AADSTS50076.
    /// Repeatable, comma-separated; replaces the config file's `fail-on`. An empty or unknown
    /// value is a usage error.
    #[arg(long, value_name = "WHAT", value_delimiter = ',')]
    fail_on: Vec<String>,
    /// The config file [default: aadlint.toml or .aadlint.toml in the current directory or the
    /// nearest parent that has one].
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    config: Option<PathBuf>,
    /// Read no config file.
    #[arg(long)]
    no_config: bool,
    /// Suppress the findings and codes this baseline file lists (written by --write-baseline).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Write the findings and codes as ignore entries to FILE (a baseline), then report with them
    /// suppressed. With --baseline, entries still in use keep their reason and expiry.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Scan threads (default: one per core; at most four per core, and 256). The report is
    /// identical at any count.
    #[arg(long, short = 'j', value_name = "N")]
    threads: Option<usize>,
    /// Extra or replacement rules (*.toml) to load [default: the config file's `rules`].
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
    /// Read every input's lines with this log layout first (`aadlint layouts` lists them),
    /// instead of the one detected from each input's first lines.
    #[arg(long, value_name = "NAME")]
    layout: Option<String>,
    /// When to colour the table: auto (a terminal, and NO_COLOR unset), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Write the report to FILE instead of standard output (nothing else goes to stdout); `-` is
    /// standard output. An input file is refused.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Also write what the scan found (events, code counts) to FILE as JSON lines, for `aadlint
    /// merge` on another machine (`aadlint schema events`); gzipped when FILE ends in `.gz`. `-`
    /// is standard output: the report then goes only to --output.
    #[arg(long, value_name = "FILE")]
    emit: Option<PathBuf>,
    /// How far apart the clocks of two inputs (hosts) may be taken to be when their events are
    /// put in order: 5s, 500ms, 0 (the report says when a skew was assumed).
    #[arg(long, value_name = "TIME", default_value = "5s", value_parser = parse_skew)]
    max_skew: i64,
    /// Print nothing on standard error but errors (no progress bar, no notes).
    #[arg(long, short)]
    quiet: bool,
    /// Copy large files into buffers instead of mapping them into memory (slower; the report is
    /// the same).
    #[arg(long)]
    no_mmap: bool,
}

/// `--top`: a count, or `all`.
fn parse_top(s: &str) -> Result<usize, String> {
    if s.eq_ignore_ascii_case("all") {
        return Ok(usize::MAX);
    }
    s.trim().parse().map_err(|_| format!("{s:?}: expected a number or all"))
}

/// `--bucket`: `1m`, `5m`, `15m`, `1h`, `1d` (any count of minutes, hours or days) as minutes.
fn parse_bucket(s: &str) -> Result<u32, String> {
    let s = s.trim().to_ascii_lowercase();
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u32 = n
        .parse()
        .map_err(|_| format!("{s:?}: expected a size such as 1m, 5m or 1h"))?;
    let minutes = match unit {
        "m" | "min" => n,
        "h" => n.saturating_mul(60),
        "d" => n.saturating_mul(1440),
        _ => return Err(format!("{s:?}: expected a size such as 1m, 5m or 1h")),
    };
    if minutes == 0 {
        return Err("the bucket must be at least 1m".to_string());
    }
    Ok(minutes)
}

/// `--max-skew`: `5s`, `500ms`, `0` as milliseconds.
fn parse_skew(s: &str) -> Result<i64, String> {
    let t = s.trim().to_ascii_lowercase();
    let (n, scale) = match t.strip_suffix("ms") {
        Some(n) => (n, 1),
        None => match t.strip_suffix('s') {
            Some(n) => (n, 1000),
            None if t == "0" => ("0", 1),
            None => return Err(format!("{s:?}: expected a time such as 5s or 500ms")),
        },
    };
    n.trim()
        .parse::<i64>()
        .ok()
        .filter(|&n| n >= 0)
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| format!("{s:?}: expected a time such as 5s or 500ms"))
}

/// The config file `--config` names, or the one found from the working directory, unless
/// `--no-config`.
fn load_config(args: &ScanArgs) -> Result<Option<Config>, String> {
    match (&args.config, args.no_config) {
        (_, true) => Ok(None),
        (Some(path), false) => Config::load(path).map(Some),
        (None, false) => {
            let cwd = std::env::current_dir().map_err(|e| format!("cannot read the working directory: {e}"))?;
            config::discover(&cwd)?
                .map(|(path, shown)| Config::load_as(&path, &shown))
                .transpose()
        }
    }
}

/// The rules folder: `--rules`, else the one the config file found from the working directory
/// names (what `scan` would load).
fn rules_dir(given: Option<PathBuf>) -> Result<Option<PathBuf>, String> {
    if given.is_some() {
        return Ok(given);
    }
    let cwd = std::env::current_dir().map_err(|e| format!("cannot read the working directory: {e}"))?;
    match config::discover(&cwd)? {
        Some((path, shown)) => Ok(Config::load_as(&path, &shown)?.rules),
        None => Ok(None),
    }
}

fn load_catalog(dir: Option<&PathBuf>) -> Result<std::borrow::Cow<'static, Catalog>, String> {
    match dir {
        Some(d) => Catalog::with_overrides(d)
            .map(std::borrow::Cow::Owned)
            .map_err(|e| e.to_string()),
        None => Ok(std::borrow::Cow::Borrowed(Catalog::builtin())),
    }
}

/// How much of a report is written at once: the 43 MB JSON report of the 1 GiB dense bench log
/// took 10,000 writes with the default 8 KiB.
const WRITE_BUFFER: usize = 1 << 16;

/// Writes to stdout; a closed pipe (`aadlint scan x | head -1`) is not an error.
fn emit(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), String> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(WRITE_BUFFER, stdout.lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("cannot write the report: {e}")),
    }
}

/// Writes to `path` (created or truncated).
fn emit_to_file(path: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), String> {
    let file = std::fs::File::create(path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let mut out = io::BufWriter::with_capacity(WRITE_BUFFER, file);
    write(&mut out)
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Inputs at least this large (by metadata) get a progress bar on a terminal.
const PROGRESS_MIN_BYTES: u64 = 256 << 20;

/// True when an environment variable says this runs in CI (`CI`, `TF_BUILD`, `GITHUB_ACTIONS`).
fn in_ci() -> bool {
    ["CI", "TF_BUILD", "GITHUB_ACTIONS"]
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0" && v != "false" && v != "False"))
}

/// The total input size when a progress bar should be drawn: only for a person watching a
/// terminal (not with `--quiet`, not in CI), and only for inputs over [`PROGRESS_MIN_BYTES`].
/// `measure` (a directory walk) runs only when the bar could show.
fn progress_total(stderr_tty: bool, quiet: bool, ci: bool, measure: impl FnOnce() -> u64) -> Option<u64> {
    if stderr_tty && !quiet && !ci {
        Some(measure()).filter(|&total| total > PROGRESS_MIN_BYTES)
    } else {
        None
    }
}

/// The size on disk of every file the paths name (directories walked; stdin counts 0).
fn total_input_bytes(paths: &[String], select: &aadlint::input::Select) -> u64 {
    aadlint::input::expand_selected(paths, select)
        .iter()
        .filter_map(|p| match &p.origin {
            aadlint::input::Origin::File(path) if p.error.is_none() => std::fs::metadata(path).ok(),
            _ => None,
        })
        .map(|m| m.len())
        .sum()
}

/// The width of the terminal standard output (or, with `stderr`, standard error) is, if it is one.
fn terminal_width(stderr: bool) -> Option<u16> {
    let mut probe = comfy_table::Table::new();
    if stderr {
        probe.use_stderr();
    }
    probe.width().filter(|&w| w > 0)
}

/// The width to lay out what goes to standard output in: the terminal's when it is one
/// (`stdout_tty`), else `COLUMNS`, else the terminal's that standard error shows (`aadlint ... |
/// less`), else [`report::DEFAULT_WIDTH`]. Never under [`MIN_COLUMNS`].
fn layout_width(stdout_tty: bool) -> u16 {
    let columns = || {
        std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<u16>().ok())
            .filter(|&c| c > 0)
    };
    stdout_tty
        .then(|| terminal_width(false))
        .flatten()
        .or_else(columns)
        .or_else(|| terminal_width(true))
        .unwrap_or(report::DEFAULT_WIDTH)
        .max(MIN_COLUMNS)
}

/// The narrowest layout: below this, lines wrap in the terminal.
const MIN_COLUMNS: u16 = 40;

/// What the progress bar shows besides the bar, at most (`scanning ` before it, sizes, speed
/// and time after it).
const PROGRESS_TEXT: u16 = 60;

/// A byte-counting bar on stderr that fits in `width` columns, without colours (so NO_COLOR
/// holds trivially).
fn progress_bar(total: u64, width: u16) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(Some(total), indicatif::ProgressDrawTarget::stderr());
    // The line must stay one line: a wrapped bar is redrawn as a new line at every tick.
    let bar_len = width.saturating_sub(PROGRESS_TEXT + 1).clamp(5, 40);
    let template = if width >= PROGRESS_TEXT + 6 {
        format!("scanning {{bar:{bar_len}}} {{bytes}}/{{total_bytes}} ({{bytes_per_sec}}, {{eta}} left)")
    } else {
        format!("{{bar:{}}} {{percent}}% {{eta}} left", width.saturating_sub(16).max(5))
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// How inputs are read: the layouts of `catalog`, `--layout`, and the config file's `[[layout]]`
/// entries. An unknown layout name is an error that lists the layouts.
fn scan_options(
    catalog: &Catalog,
    layout: Option<&str>,
    config: Option<&Config>,
) -> Result<aadlint::scan::ScanOptions, String> {
    let layouts = aadlint::scan::record::Layouts::of(catalog);
    let find = |name: &str, what: &str| {
        layouts.find(name).ok_or_else(|| {
            let known: Vec<&str> = layouts.names().collect();
            format!(
                "{what}: no layout named {name:?}; the layouts are: {}",
                known.join(", ")
            )
        })
    };
    let layout = layout.map(|name| find(name, "--layout")).transpose()?;
    let mut layout_by_path = Vec::new();
    if let Some(c) = config {
        for l in &c.layouts {
            layout_by_path.push((l.matcher(), find(&l.name, &format!("{}: [[layout]] name", c.path))?));
        }
    }
    Ok(aadlint::scan::ScanOptions {
        layouts,
        layout,
        layout_by_path,
        ..Default::default()
    })
}

/// Applies the ignore entries (the config file's, then `--baseline`'s) to `analysis`; with
/// `--write-baseline`, writes the baseline and applies it instead of `--baseline`.
fn suppress(
    analysis: &mut aadlint::analysis::Analysis,
    args: &ScanArgs,
    config: Option<&Config>,
    catalog: &Catalog,
) -> Result<(), String> {
    let config_ignores = config
        .map(|c| c.ignore_entries(catalog))
        .transpose()?
        .unwrap_or_default();
    let mut ignores = config_ignores.clone();
    if let Some(path) = &args.baseline {
        ignores.extend(ignore::load_baseline(path, catalog)?);
    }
    let today = ignore::today();
    ignore::apply(analysis, &ignores, today);
    if let Some(path) = &args.write_baseline {
        // The --baseline being rewritten: what it suppresses is written again, with its reasons.
        let old = args.baseline.as_ref().map(|p| format!("{}:", p.display()));
        let rewritten = |r: &aadlint::analysis::IgnoreEntryRef| old.as_ref().is_some_and(|o| r.source.starts_with(o));
        let text = ignore::baseline(analysis, "accepted when the baseline was written", &rewritten);
        std::fs::write(path, &text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        ignores = config_ignores;
        ignores.extend(ignore::load_baseline(path, catalog)?);
        ignore::apply(analysis, &ignores, today);
        if !args.quiet {
            eprintln!("aadlint: wrote the baseline to {}", path.display());
        }
    }
    for e in analysis.expired_ignores.iter().filter(|_| !args.quiet) {
        eprintln!(
            "aadlint: {}: the ignore entry expired on {} and suppresses nothing now ({})",
            e.source,
            e.expires.as_deref().unwrap_or_default(),
            e.reason
        );
    }
    Ok(())
}

/// The scan stage over `args.paths`, with a progress bar for a person watching large inputs.
fn scan_with_progress(
    args: &ScanArgs,
    select: &aadlint::input::Select,
    options: &aadlint::scan::ScanOptions,
) -> aadlint::scan::ScanOutput {
    let total = progress_total(io::stderr().is_terminal(), args.quiet, in_ci(), || {
        total_input_bytes(&args.paths, select)
    });
    let Some(total) = total else {
        return aadlint::scan_selected(&args.paths, select, options, &|_| {});
    };
    let width = terminal_width(true).unwrap_or(report::DEFAULT_WIDTH).max(MIN_COLUMNS);
    let bar = progress_bar(total, width);
    let scanned = aadlint::scan_selected(&args.paths, select, options, &|read| {
        if bar.length().is_some_and(|len| read > len) {
            bar.set_length(read); // gzip: more bytes come out than the file holds
        }
        bar.set_position(read);
    });
    bar.finish_and_clear();
    scanned
}

/// `--emit FILE`: the events file, to FILE (gzipped for `*.gz`) or (`-`) standard output.
fn write_events(path: &Path, scanned: &aadlint::scan::ScanOutput, quiet: bool) -> Result<(), String> {
    if path.as_os_str() == "-" {
        return emit(|out| aadlint::fleet::emit(scanned, out));
    }
    if path.extension().is_some_and(|e| e == "gz") {
        emit_to_file(path, |out| {
            let mut gz = flate2::write::GzEncoder::new(out, flate2::Compression::fast());
            aadlint::fleet::emit(scanned, &mut gz)?;
            gz.finish().map(drop)
        })?;
    } else {
        emit_to_file(path, |out| aadlint::fleet::emit(scanned, out))?;
    }
    if !quiet {
        eprintln!("aadlint: wrote the events to {}", path.display());
    }
    Ok(())
}

/// `aadlint scan` (or, with `merge`, `aadlint merge`: the paths are events files).
fn scan(args: ScanArgs, merge: bool) -> Result<ExitCode, String> {
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = args.threads {
        pool = pool.num_threads(n.clamp(1, max_threads()));
    }
    pool.build_global().map_err(|e| format!("cannot start threads: {e}"))?;
    aadlint::input::set_mapping(!args.no_mmap);
    check_max_events()?;
    // `-o -` is standard output.
    let output = args.output.clone().filter(|p| p.as_os_str() != "-");
    match &output {
        Some(path) => refuse_input_as_output(path, &args.paths)?,
        None => check_stdout_open()?,
    }
    if let Some(path) = args.emit.as_deref().filter(|p| p.as_os_str() != "-") {
        refuse_input_as_output(path, &args.paths)?;
    }
    // With the events on standard output, the report goes only to --output.
    let report_to_stdout = args.emit.as_ref().is_none_or(|p| p.as_os_str() != "-");
    let config = load_config(&args)?;
    let rules = args
        .rules
        .clone()
        .or_else(|| config.as_ref().and_then(|c| c.rules.clone()));
    // The rules are parsed while the scanner's patterns are built, and meanwhile this thread
    // ranks the layouts of the first input (when it is a large file read with the built-in ones).
    let (mut catalog, mut ranked) = (None, None);
    rayon::in_place_scope(|s| {
        s.spawn(|_| catalog = Some(load_catalog(rules.as_ref())));
        s.spawn(|_| aadlint::scan::prepare());
        if rules.is_none() && args.layout.is_none() && !merge {
            ranked = args
                .paths
                .first()
                .and_then(|p| aadlint::scan::Ranked::of_file(Path::new(p)));
        }
    });
    let catalog = catalog.expect("the scope ran the parse")?;
    // The file's fail-on is checked even when --fail-on replaces it: a broken file is an error.
    let config_fail_on = config.as_ref().map(|c| c.fail_on(&catalog)).transpose()?;
    let fail_on = match config_fail_on {
        Some(values) if args.fail_on.is_empty() => values,
        _ => gate::parse_fail_on(&args.fail_on, &catalog, "--fail-on")?,
    };
    let format = args
        .format
        .or(config.as_ref().and_then(|c| c.format))
        .unwrap_or(Format::Table);
    let select = config.as_ref().map(|c| c.select.clone()).unwrap_or_default();
    let options = aadlint::scan::ScanOptions {
        ranked,
        ..scan_options(&catalog, args.layout.as_deref(), config.as_ref())?
    };

    let scanned = if merge {
        aadlint::fleet::merge(&args.paths, aadlint::scan::max_events(), aadlint::scan::memory_budget())
    } else {
        scan_with_progress(&args, &select, &options)
    };
    if let Some(path) = &args.emit {
        write_events(path, &scanned, args.quiet)?;
    }
    let mut analysis = aadlint::diagnose_scanned(scanned, &catalog, args.max_skew);
    for s in analysis.clock_skew.iter().filter(|_| !args.quiet) {
        eprintln!(
            "aadlint: flow {}: clock skew assumed: {} at least {} ms behind {}",
            s.flow, s.input, s.millis, s.behind
        );
    }
    suppress(&mut analysis, &args, config.as_ref(), &catalog)?;
    for i in analysis.inputs.iter().filter(|i| i.error.is_some()) {
        eprintln!("aadlint: {}: {}", i.path, i.error.as_deref().unwrap_or_default());
    }
    // Colour and terminal width only when the table goes to a terminal.
    let tty = output.is_none() && io::stdout().is_terminal();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color = format.is_human_readable()
        && match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && !no_color,
        };
    let width = layout_width(tty);
    let root = std::env::current_dir().ok();
    let style = Style {
        color,
        width,
        root: root.as_deref(),
        top: args.top,
        all_flows: args.all_flows,
        verbose: args.verbose,
        bucket_minutes: args.bucket,
    };
    match &output {
        Some(path) => {
            emit_to_file(path, |out| report::render(&analysis, format, style, out))?;
            if !args.quiet {
                eprintln!(
                    "aadlint: wrote the {} report to {}",
                    format_name(format),
                    path.display()
                );
            }
        }
        None if report_to_stdout => emit(|out| report::render(&analysis, format, style, out))?,
        None => {}
    }

    let failed = gate::failing(&analysis, &fail_on);
    if let (Some(reason), false) = (&failed, args.quiet) {
        eprintln!("aadlint: failing: {reason}");
    }
    // A gate fails closed: with events dropped, a flow that would fail it may be gone.
    let incomplete = !fail_on.is_empty() && analysis.limits.events_dropped > 0;
    if incomplete {
        let limits = &analysis.limits;
        let cap = if limits.events_over_budget > 0 {
            format!(
                "the memory budget of {} MiB ({})",
                limits.memory_budget >> 20,
                aadlint::scan::MEMORY_BUDGET_VAR
            )
        } else {
            format!("the cap of {} ({})", limits.max_events, aadlint::scan::MAX_EVENTS_VAR)
        };
        eprintln!(
            "aadlint: --fail-on cannot pass an incomplete analysis: {} events were dropped at {cap}: raise it or split the input",
            limits.events_dropped
        );
    }
    let code = if analysis.summary.input_errors > 0 || incomplete {
        ExitCode::from(2)
    } else if failed.is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    // The process ends next: freeing a large report piece by piece would only delay the exit.
    std::mem::forget(analysis);
    Ok(code)
}

/// The most scan threads: four per core, and never more than 256 (more only costs start-up time
/// and memory: the report is the same at any count).
fn max_threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    (4 * cores).min(256)
}

/// `AADLINT_MAX_EVENTS` and `AADLINT_MEMORY_BUDGET`, when set, must be whole numbers: a typo
/// must not leave the default cap in force unnoticed.
fn check_max_events() -> Result<(), String> {
    for (name, what) in [
        (aadlint::scan::MAX_EVENTS_VAR, "events (0 or more)"),
        (aadlint::scan::MEMORY_BUDGET_VAR, "MiB (0 or more)"),
    ] {
        match std::env::var_os(name) {
            Some(v) if v.to_str().and_then(|s| s.parse::<u64>().ok()).is_none() => {
                return Err(format!(
                    "{name}={}: expected a whole number of {what}",
                    v.to_string_lossy()
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Refuses an output file that is one of the inputs (the report would overwrite the log).
fn refuse_input_as_output(output: &Path, paths: &[String]) -> Result<(), String> {
    let Some(out) = file_id(output) else {
        return Ok(()); // a new file is no input
    };
    for input in aadlint::input::expand(paths) {
        if let aadlint::input::Origin::File(path) = &input.origin {
            let same = file_id(path).as_ref() == Some(&out);
            if same {
                return Err(format!(
                    "--output {} is the input {}: the report would overwrite it",
                    output.display(),
                    input.display
                ));
            }
        }
    }
    Ok(())
}

/// What tells a file from every other: its device and inode on Unix, its canonical path
/// elsewhere.
#[cfg(unix)]
fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_id(path: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(path).ok()
}

/// Standard output must be open when the report goes there: written to a closed descriptor,
/// the report would be lost without a word. Rust's runtime opens `/dev/null` read-write on a
/// standard descriptor a program starts without, so a closed stdout looks like that: then a line
/// on stderr says the report is discarded (an error would fail callers that discard stdout on
/// purpose the same way, such as Python's `subprocess.DEVNULL`; a shell's `> /dev/null` opens it
/// write-only, and is left alone).
#[cfg(unix)]
fn check_stdout_open() -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: `fcntl(F_GETFL)` only reads the flags of descriptor 1.
    let flags = unsafe { libc::fcntl(1, libc::F_GETFL) };
    if flags == -1 {
        return Err("standard output is closed: there is nowhere to write the report (use --output FILE)".into());
    }
    let id = |m: std::fs::Metadata| (m.dev(), m.ino());
    let stdout = std::fs::metadata("/proc/self/fd/1").map(id);
    let stdout_is_null = stdout.is_ok_and(|s| std::fs::metadata("/dev/null").map(id).is_ok_and(|n| n == s));
    if stdout_is_null && flags & libc::O_ACCMODE == libc::O_RDWR {
        eprintln!(
            "aadlint: standard output is closed (or /dev/null opened read-write): the report is discarded (use --output FILE)"
        );
    }
    Ok(())
}

/// Elsewhere the runtime leaves no trace of a closed stdout to look for.
#[cfg(not(unix))]
fn check_stdout_open() -> Result<(), String> {
    Ok(())
}

fn format_name(f: Format) -> String {
    f.to_possible_value()
        .map_or_else(String::new, |v| v.get_name().to_string())
}

/// `aadlint explain QUERY`: a code (by number or name), a cause, a cause group or an OAuth error,
/// as written or pasted (`AADSTS50076:`).
fn explain(catalog: &Catalog, query: &str, width: usize) -> Result<(), String> {
    let q = gate::clean_query(query);
    if let Some(rule) = catalog.lookup(q) {
        return match rule {
            RuleRef::Code(r) => emit(|out| report::explain_code(r, width, out)),
            RuleRef::Cause(r) => emit(|out| report::explain_cause(r, width, out)),
        };
    }
    if let Some(group) = Group::parse(q) {
        let rules: Vec<_> = group.causes().iter().filter_map(|c| catalog.causes.get(c)).collect();
        return emit(|out| report::explain_group(group.as_str(), group.about(), &rules, width, out));
    }
    if let Some(e) = report::oauth_error(q) {
        return emit(|out| report::explain_oauth(e, catalog, width, out));
    }
    Err(format!(
        "no rule named {query:?}: try an AADSTS code (AADSTS90120 or 90120), a symbolic name, a cause id, reused-device-code, or an OAuth error such as expired_token; `aadlint rules` lists them all"
    ))
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Scan(args) => scan(args, false),
        Command::Merge(args) => scan(args, true),
        Command::Explain { query, rules } => {
            let catalog = load_catalog(rules_dir(rules)?.as_ref())?;
            let width = layout_width(io::stdout().is_terminal()).into();
            explain(&catalog, &query, width)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Rules { format, rules } => {
            let catalog = load_catalog(rules_dir(rules)?.as_ref())?;
            let width = layout_width(io::stdout().is_terminal()).into();
            match format {
                RulesFormat::Table => emit(|out| {
                    report::rules_table(&catalog, width, out)?;
                    report::clients_table(&catalog, width, out)
                })?,
                RulesFormat::Json => emit(|out| report::rules_json(&catalog, out))?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Layouts { format, rules } => {
            let catalog = load_catalog(rules_dir(rules)?.as_ref())?;
            let width = layout_width(io::stdout().is_terminal()).into();
            match format {
                RulesFormat::Table => emit(|out| report::layouts_table(&catalog, width, out))?,
                RulesFormat::Json => emit(|out| report::layouts_json(&catalog, out))?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Schema { which } => {
            let schema = match which {
                SchemaKind::Report => report::REPORT_SCHEMA,
                SchemaKind::Events => aadlint::fleet::EVENTS_SCHEMA,
            };
            emit(|out| out.write_all(schema.as_bytes()))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions { shell } => {
            // clap_complete panics when its writer fails: it writes to memory, which cannot.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "aadlint", &mut script);
            emit(|out| out.write_all(&script))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man { dir: None } => {
            emit(|out| clap_mangen::Man::new(Cli::command()).render(out))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man { dir: Some(dir) } => {
            std::fs::create_dir_all(&dir)
                .and_then(|()| clap_mangen::generate_to(Cli::command(), &dir))
                .map_err(|e| format!("cannot write man pages to {}: {e}", dir.display()))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// When the first argument is not a command but names a file (`aadlint app.log`), the command
/// the user most likely meant.
fn scan_hint(args: &[std::ffi::OsString]) -> Option<String> {
    let first = args.get(1)?.to_str()?;
    if first.starts_with('-') {
        return None;
    }
    let looks_like_path = Path::new(first).exists() || first.contains(['.', '/', '\\']) || first == "-";
    looks_like_path.then(|| {
        let rest: Vec<&str> = args[1..].iter().filter_map(|a| a.to_str()).collect();
        format!(
            "aadlint: {first:?} is not a command. To scan it, run:\n\n    aadlint scan {}\n",
            rest.join(" ")
        )
    })
}

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            if e.kind() == clap::error::ErrorKind::InvalidSubcommand {
                if let Some(hint) = scan_hint(&args) {
                    eprintln!("{hint}");
                    return ExitCode::from(2);
                }
            }
            // Help and version go to stdout: a closed pipe there is not an error.
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("aadlint: {message}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn bucket_and_top_values() {
        assert_eq!(parse_bucket("1m"), Ok(1));
        assert_eq!(parse_bucket("5M"), Ok(5));
        assert_eq!(parse_bucket("1h"), Ok(60));
        assert_eq!(parse_bucket("1d"), Ok(1440));
        assert!(parse_bucket("0m").is_err());
        assert!(parse_bucket("5s").is_err());
        assert!(parse_bucket("m").is_err());
        assert_eq!(parse_skew("5s"), Ok(5000));
        assert_eq!(parse_skew("250ms"), Ok(250));
        assert_eq!(parse_skew("0"), Ok(0));
        assert!(parse_skew("-1s").is_err());
        assert!(parse_skew("5m").is_err());
        assert_eq!(parse_top("3"), Ok(3));
        assert_eq!(parse_top("ALL"), Ok(usize::MAX));
        assert!(parse_top("many").is_err());
    }

    #[test]
    fn a_path_in_place_of_a_command_gets_a_hint() {
        let args = |a: &[&str]| a.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
        let hint = scan_hint(&args(&["aadlint", "app.log", "--format", "json"])).unwrap();
        assert!(hint.contains("aadlint scan app.log --format json"), "{hint}");
        assert_eq!(scan_hint(&args(&["aadlint", "scna"])), None, "a typo is not a path");
        assert_eq!(scan_hint(&args(&["aadlint", "--nope"])), None);
    }

    #[test]
    fn progress_only_for_people_on_large_inputs() {
        let big = || PROGRESS_MIN_BYTES + 1;
        assert_eq!(progress_total(true, false, false, big), Some(PROGRESS_MIN_BYTES + 1));
        assert_eq!(progress_total(false, false, false, big), None, "not in a pipe");
        assert_eq!(progress_total(true, true, false, big), None, "not with --quiet");
        assert_eq!(progress_total(true, false, true, big), None, "not in CI");
        assert_eq!(
            progress_total(true, false, false, || 1024),
            None,
            "not for small inputs"
        );
        // The inputs are not even measured when the bar cannot show.
        assert_eq!(progress_total(false, false, false, || unreachable!()), None);
    }
}
