//! Scan: finds the few lines that matter in a sea of log text and reads them.
//!
//! The stage reads top down:
//! - [`driver`] reads every input and hands chunks to the thread pool, then collects them in
//!   input order;
//! - [`chunk`] runs a literal prefilter (Teddy, a SIMD multi-literal search, over a dozen anchors)
//!   over a chunk and picks the candidate lines and the lines that complete their records
//!   ([`long_line`] reads lines too long to read whole);
//! - [`record`] reads a line's envelope (time, level, host, process, thread) in the layouts of
//!   `rules/layouts/`, and [`head`] makes a record head of it;
//! - [`event`] reads what a candidate line says ([`hit::LineHit`]): codes ([`codes`]), ids
//!   ([`values`]), client phrases ([`clients`]), found by one keyword pass ([`keywords`]);
//! - [`excerpt`] makes the redacted text a report quotes ([`secrets`] redacts);
//! - [`partial`] joins the fragments of a record a layout writes in pieces (Kubernetes CRI's `P`
//!   and `F` lines), within a chunk and across chunks;
//! - [`assemble`] groups each source's lines into records and device-code-flow events.
//!
//! [`bytes`] holds the byte helpers under all of them; no module imports one that imports it.

pub mod answer;
pub mod assemble;
pub mod bytes;
pub mod chunk;
pub mod clients;
pub mod codes;
pub mod driver;
pub mod event;
pub mod excerpt;
pub mod export;
pub mod head;
pub mod hit;
pub mod keywords;
pub mod long_line;
pub mod partial;
pub mod prefilter;
pub mod record;
pub mod secret_shapes;
pub mod secrets;
pub mod tally;
pub mod time;
pub mod values;

pub use chunk::{scan_chunk, scan_chunk_with, ChunkScan};
pub use driver::{
    max_events, memory_budget, scan_inputs, scan_inputs_with, scan_inputs_with_progress, Chunking, Ranked, ScanOptions,
    ScanOutput, MAX_EVENTS, MAX_EVENTS_VAR, MEMORY_BUDGET_MIB, MEMORY_BUDGET_VAR,
};
pub use long_line::{LONG_LINE_WINDOW, MAX_LINE};
pub use prefilter::{Mode, CONTINUATION_LINES};

/// Builds the searchers that every chunk needs now, side by side on the thread pool, instead of
/// on first use by one scanning thread while the others wait for it. Patterns (regular
/// expressions) are each built when a line first needs one: most inputs need only a few of them,
/// and building them all would be most of the start-up time.
///
/// The built-in layouts and the secret catalog (which names every input, redacted) are built
/// here too, while the rules catalog is read on the other side of the caller's join.
pub fn prepare() {
    rayon::join(
        || {
            keywords::Keywords::of(b"");
            head::prepare();
            secrets::redact_name(b"");
        },
        || {
            prefilter::prepare();
            record::Layouts::builtin();
        },
    );
}

/// Builds what the report's excerpts need (the literals that place a long line's excerpt, the
/// secret shapes' patterns), side by side on the thread pool: for a caller to start once the
/// scan is done, while it links the flows on its own thread. Built on first use instead, they
/// held up the diagnosis, one thread waiting for the other: the 100 MiB bench log took 45.5 ms
/// then, 43.4 ms now (interleaved medians of 60).
pub fn prepare_excerpts() {
    rayon::join(
        || {
            prefilter::primary(Mode::Export);
        },
        secret_shapes::compile_patterns,
    );
}
