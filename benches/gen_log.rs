//! Placeholder replaced by the synthetic log generator.
fn main() {}
