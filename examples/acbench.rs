fn main() {
    let path = std::env::args().nth(1).unwrap();
    let data = std::fs::read(&path).unwrap();
    let pats: Vec<String> = std::fs::read_to_string(std::env::args().nth(2).unwrap())
        .unwrap()
        .lines()
        .map(|s| s.to_string())
        .collect();
    let ci = std::env::args().nth(3).is_some();
    let ac = aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(ci)
        .match_kind(aho_corasick::MatchKind::LeftmostFirst)
        .build(&pats)
        .unwrap();
    let t = std::time::Instant::now();
    let mut counts = vec![0usize; pats.len()];
    let mut lines = 0;
    let mut pos = 0;
    while let Some(m) = ac.find(aho_corasick::Input::new(&data).span(pos..data.len())) {
        counts[m.pattern().as_usize()] += 1;
        lines += 1;
        pos = memchr::memchr(b'\n', &data[m.start()..]).map_or(data.len(), |i| m.start() + i + 1);
    }
    let el = t.elapsed().as_secs_f64();
    println!(
        "{} patterns ci={ci}: {lines} candidate lines, {:.2} GB/s",
        pats.len(),
        data.len() as f64 / el / 1e9
    );
    let mut v: Vec<_> = counts.iter().zip(&pats).filter(|(c, _)| **c > 0).collect();
    v.sort_by(|a, b| b.0.cmp(a.0));
    for (c, p) in v.iter().take(6) {
        println!("  {c:>9} {p}");
    }
}
