//! Prints the events the scanner finds in a file: a debugging aid for rule authors.
fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    let planned = aadlint::input::expand(&paths);
    let out = aadlint::scan::scan_inputs(&planned);
    let names: Vec<String> = out.inputs.iter().map(|i| i.path.clone()).collect();
    for f in aadlint::correlate::correlate(&out.events, &names) {
        let t = aadlint::diagnose::timeline::build(&f.events, &out.events, aadlint::rules::Catalog::builtin());
        println!("flow {} polls:", f.id);
        for p in &t.polls {
            println!(
                "  poll ev-line {} resp {:?} {:?} {:?} {:?}",
                out.events[p.event].line,
                p.response.map(|r| out.events[r].line),
                p.millis,
                p.status,
                p.outcome
            );
        }
    }
    for e in &out.events {
        println!(
            "{}:{} {:?} {:?} keys={:?} {}",
            e.source,
            e.line,
            e.worker.pid,
            e.signals,
            e.keys.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
            out.excerpt(e).chars().take(80).collect::<String>()
        );
    }
}
