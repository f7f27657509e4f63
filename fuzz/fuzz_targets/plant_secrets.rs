//! Fuzz target (f): secret planting. Every sample of the secret catalog (`rules/secrets/`),
//! with a separator, in an encoding, at a position, in a line of a length the input chooses,
//! must not survive redaction whole or of any part, nor an excerpt, nor a scan of the line
//! (see `aadlint_fuzz::planted`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| aadlint_fuzz::fuzz_plant_secrets(data));
