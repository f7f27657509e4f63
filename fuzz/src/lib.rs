//! The fuzz targets' helpers live with the main crate's test support (`tests/support/fuzz.rs`),
//! so that the integration tests and the fuzzers check the same properties with the same code.

#[path = "../../tests/support/fuzz.rs"]
mod support;

pub use support::*;
