//! Fuzz target (b): the chunk splitter. `ChunkReader::with_sizes` over arbitrary bytes, with a
//! small chunk size, a small largest chunk and short reads all chosen by the fuzzer.
//!
//! Input layout: byte 0 picks the chunk size (0..=63), byte 1 the largest chunk (0..=255), byte
//! 2 how often a read is `Interrupted` (0, 1: never), bytes 3..=6 the short read sizes, byte 7 where
//! a hard read error is injected (255: nowhere); the rest is the stream.
//!
//! Checks (see `aadlint_fuzz::check_chunk_reader`): the chunks concatenate to the input; every
//! chunk but the last ends at a `\n` unless it reached the largest chunk size; chunks never
//! depend on how `read` split the stream; a read error comes after the bytes before it, once.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| aadlint_fuzz::fuzz_chunk_reader(data));
