//! Fuzz target (d): the rules loader. `Catalog::default().add(...)` on arbitrary UTF-8, under a
//! plain file name and under names that pass the file-name checks of a catalog entry and of a
//! root cause; a rule that loads is looked up and rendered by `aadlint explain`'s renderers.
#![no_main]

use aadlint::report::{explain_cause, explain_code};
use aadlint::rules::{Catalog, RuleRef};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for name in ["x.toml", "AADSTS50076.toml", "polled-after-success.toml"] {
        let mut catalog = Catalog::default();
        match catalog.add(name, text, true) {
            Ok(()) => {
                for query in ["AADSTS50076", "50076", "polled-after-success", "x"] {
                    let mut out = Vec::new();
                    match catalog.lookup(query) {
                        Some(RuleRef::Code(r)) => {
                            let _ = (r.number(), r.docs_url(), r.first_fix());
                            explain_code(r, &mut out).expect("rendering into memory");
                        }
                        Some(RuleRef::Cause(r)) => explain_cause(r, &mut out).expect("rendering into memory"),
                        None => {}
                    }
                }
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
});
