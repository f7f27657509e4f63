//! Fuzz target (b): the chunk splitter. `ChunkReader::with_sizes` over arbitrary bytes, with a
//! small chunk size, a small largest chunk and short reads all chosen by the fuzzer.
//!
//! Input layout: byte 0 picks the chunk size (0..=63), byte 1 the largest chunk (0..=255), byte
//! 2 how often a read is `Interrupted` (0: never), bytes 3..=6 the short read sizes, byte 7 where
//! a hard read error is injected (255: nowhere); the rest is the stream.
//!
//! Checks (see `aadlint_fuzz::check_chunk_reader`): the chunks concatenate to the input; every
//! chunk but the last ends at a `\n` unless it reached the largest chunk size; chunks never
//! depend on how `read` split the stream; a read error comes after the bytes before it, once.
#![no_main]

use aadlint_fuzz::{check_chunk_reader, check_chunk_reader_error};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let (head, stream) = data.split_at(8);
    let chunk_size = usize::from(head[0] % 64);
    let max_chunk = usize::from(head[1]);
    let interrupt_every = usize::from(head[2] % 8);
    let sizes: Vec<usize> = head[3..7].iter().map(|&b| usize::from(b % 32)).collect();
    check_chunk_reader(stream, chunk_size, max_chunk, &sizes, interrupt_every);
    if head[7] != 255 {
        check_chunk_reader_error(stream, chunk_size, max_chunk, &sizes, usize::from(head[7]));
    }
});
