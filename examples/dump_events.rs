//! Prints the events the scanner finds in a file: a debugging aid for rule authors.
fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    let planned = aadlint::input::expand(&paths);
    let out = aadlint::scan::scan_inputs(&planned);
    for e in &out.events {
        println!(
            "{}:{} {:?} {:?} keys={:?} {}",
            e.source,
            e.line,
            e.worker.pid,
            e.signals,
            e.keys.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
            e.excerpt.chars().take(80).collect::<String>()
        );
    }
}
