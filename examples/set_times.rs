use regex_automata::{hybrid, meta, nfa::thompson, util::syntax, MatchKind};
use std::time::Instant;
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
fn main() {
    let cat = aadlint::rules::Catalog::builtin();
    let pats: Vec<String> = cat.layouts.values().filter_map(|l| l.pattern.clone()).collect();
    if std::env::args().nth(1).as_deref() == Some("each") {
        per_pattern(&pats);
        return;
    }
    for which in std::env::args().skip(1) {
        let t = Instant::now();
        match which.as_str() {
            "set" => {
                regex::bytes::RegexSetBuilder::new(&pats)
                    .unicode(false)
                    .build()
                    .unwrap();
            }
            "nfa" => {
                thompson::Compiler::new()
                    .syntax(syntax::Config::new().unicode(false).utf8(false))
                    .configure(thompson::Config::new().utf8(false))
                    .build_many(&pats)
                    .unwrap();
            }
            "nfa-nocap" => {
                thompson::Compiler::new()
                    .syntax(syntax::Config::new().unicode(false).utf8(false))
                    .configure(
                        thompson::Config::new()
                            .utf8(false)
                            .which_captures(thompson::WhichCaptures::None),
                    )
                    .build_many(&pats)
                    .unwrap();
            }
            "hybrid" => {
                hybrid::dfa::DFA::builder()
                    .syntax(syntax::Config::new().unicode(false).utf8(false))
                    .thompson(
                        thompson::Config::new()
                            .utf8(false)
                            .which_captures(thompson::WhichCaptures::None),
                    )
                    .configure(
                        hybrid::dfa::Config::new()
                            .match_kind(MatchKind::All)
                            .starts_for_each_pattern(false),
                    )
                    .build_many(&pats)
                    .unwrap();
            }
            "meta-nopre" => {
                meta::Regex::builder()
                    .syntax(syntax::Config::new().unicode(false).utf8(false))
                    .configure(
                        meta::Config::new()
                            .match_kind(MatchKind::All)
                            .utf8_empty(false)
                            .auto_prefilter(false)
                            .onepass(false)
                            .backtrack(false),
                    )
                    .build_many(&pats)
                    .unwrap();
            }
            "parse" => {
                for p in &pats {
                    regex_automata::util::syntax::parse_with(p, &syntax::Config::new().unicode(false).utf8(false))
                        .unwrap();
                }
            }
            _ => {}
        }
        eprintln!(
            "{which:10} {:6.2} ms ({} patterns)",
            t.elapsed().as_secs_f64() * 1000.0,
            pats.len()
        );
    }
}
#[allow(dead_code)]
fn per_pattern(pats: &[String]) {
    for p in pats {
        let t = Instant::now();
        for _ in 0..20 {
            regex_automata::util::syntax::parse_with(p, &syntax::Config::new().unicode(false).utf8(false)).unwrap();
        }
        let a = t.elapsed().as_secs_f64() * 1000.0 / 20.0;
        let t = Instant::now();
        for _ in 0..20 {
            thompson::Compiler::new()
                .syntax(syntax::Config::new().unicode(false).utf8(false))
                .configure(thompson::Config::new().utf8(false))
                .build(p)
                .unwrap();
        }
        let b = t.elapsed().as_secs_f64() * 1000.0 / 20.0;
        eprintln!("{a:6.3} {b:6.3} {}", &p[..p.len().min(110)]);
    }
}
