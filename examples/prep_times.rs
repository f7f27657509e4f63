use std::time::Instant;
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
fn main() {
    let order: Vec<String> = std::env::args().skip(1).collect();
    for o in order {
        let t = Instant::now();
        match o.as_str() {
            "catalog" => {
                aadlint::rules::Catalog::builtin();
            }
            "phrases" => {
                aadlint::scan::clients::Phrases::builtin();
            }
            "lrules" => {
                aadlint::rules::Catalog::builtin_layouts();
            }
            "layouts" => {
                aadlint::scan::record::Layouts::builtin();
            }
            "keywords" => {
                aadlint::scan::keywords::Keywords::of(b"");
            }
            "head" => {
                aadlint::scan::head::prepare();
            }
            "redact" => {
                aadlint::scan::secrets::redact_name(b"");
            }
            "prefilter" => {
                aadlint::scan::prefilter::prepare();
            }
            _ => {}
        }
        eprintln!("{o:10} {:6.2} ms", t.elapsed().as_secs_f64() * 1000.0);
    }
}
