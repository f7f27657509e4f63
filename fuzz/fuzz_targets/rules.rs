//! Fuzz target (d): the rules loader. `Catalog::default().add(...)` on arbitrary UTF-8, under a
//! plain file name and under names that pass the file-name checks of a catalog entry and of a
//! root cause; a rule that loads is looked up and rendered by `aadlint explain`'s renderers.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| aadlint_fuzz::fuzz_rules(data));
