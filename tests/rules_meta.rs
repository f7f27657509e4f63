//! The meta-test: every rule is well-formed, documented, exemplified and has fixtures; the
//! catalog covers exactly Microsoft's table plus the codes seen in real logs.

use aadlint::diagnose::causes::CAUSES;
use aadlint::model::CauseId;
use aadlint::rules::Catalog;
use aadlint::scan::codes;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

/// Every rule, read from its TOML file as `--rules` reads it: with the examples that the
/// built-in catalog leaves out.
fn catalog() -> &'static Catalog {
    static FROM_TOML: OnceLock<Catalog> = OnceLock::new();
    FROM_TOML.get_or_init(|| {
        let mut catalog = Catalog::default();
        for dir in ["aadsts", "causes"] {
            let mut paths: Vec<_> = std::fs::read_dir(Path::new("rules").join(dir))
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect();
            paths.sort();
            for path in paths {
                let text = std::fs::read_to_string(&path).unwrap();
                catalog.add(&path.display().to_string(), &text, false).unwrap();
            }
        }
        catalog
    })
}

fn codes_in(line: &str) -> BTreeSet<u32> {
    let mut out = Vec::new();
    codes::find(line.as_bytes(), &mut out);
    out.into_iter().map(|c| c.0).collect()
}

fn tsv_codes(path: &str) -> BTreeSet<u32> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next()?.parse().ok())
        .collect()
}

#[test]
fn the_built_in_catalog_is_the_rules_folder_read_as_toml() {
    // The build turns every rule file into JSON, without its examples; the loader of `--rules`
    // reads TOML. Both must give the same rules.
    let mut from_toml = catalog().clone();
    assert!(
        from_toml.codes.len() + from_toml.causes.len() > 300,
        "too few rule files"
    );
    assert!(from_toml.codes.values().any(|r| !r.examples.positive.is_empty()));
    for rule in from_toml.codes.values_mut() {
        rule.examples = Default::default();
    }
    let builtin = Catalog::builtin();
    assert_eq!(format!("{:?}", from_toml.codes), format!("{:?}", builtin.codes));
    assert_eq!(format!("{:?}", from_toml.causes), format!("{:?}", builtin.causes));
}

#[test]
fn catalog_is_microsofts_table_plus_observed_codes() {
    let documented: BTreeSet<u32> = catalog()
        .codes
        .values()
        .filter(|r| r.documented)
        .map(|r| r.number())
        .collect();
    let table = tsv_codes("tests/data/documented_codes.tsv");
    assert_eq!(table.len(), 345);
    let missing: Vec<_> = table.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&table).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing from rules/: {missing:?}; marked documented but not in the table: {extra:?}"
    );
    for code in tsv_codes("tests/data/observed_codes.tsv").difference(&table) {
        let rule = catalog()
            .codes
            .get(code)
            .unwrap_or_else(|| panic!("observed code {code} has no rule"));
        assert!(
            !rule.documented,
            "AADSTS{code} is not in Microsoft's table: set documented = false"
        );
    }
}

#[test]
fn symbolic_names_match_microsofts_table() {
    let text = std::fs::read_to_string("tests/data/documented_codes.tsv").unwrap();
    for line in text.lines().skip(1) {
        let mut cols = line.split('\t');
        let (code, name) = (cols.next().unwrap().parse::<u32>().unwrap(), cols.next().unwrap_or(""));
        let rule = &catalog().codes[&code];
        // 50147 appears twice in the table, once without a name.
        assert!(
            rule.name == name || name.is_empty(),
            "AADSTS{code}: name {:?}, table says {name:?}",
            rule.name
        );
    }
}

/// Every code has a name a reader can say: Microsoft's where its table gives one, else a short
/// CamelCase name of ours that no other code has (Microsoft's own table repeats a few).
#[test]
fn every_code_has_a_name() {
    let table = std::fs::read_to_string("tests/data/documented_codes.tsv").unwrap();
    let microsofts: std::collections::BTreeSet<&str> =
        table.lines().skip(1).filter_map(|l| l.split('\t').nth(1)).collect();
    let mut ours = std::collections::BTreeMap::new();
    for rule in catalog().codes.values() {
        let name = &rule.name;
        assert!(
            name.starts_with(|c: char| c.is_ascii_uppercase())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "{}: name {name:?} is empty or not CamelCase",
            rule.code
        );
        if microsofts.contains(name.as_str()) {
            continue;
        }
        if let Some(other) = ours.insert(name.to_ascii_lowercase(), rule.code.clone()) {
            panic!("{} and {other} are both named {name}", rule.code);
        }
    }
    for name in ours.keys() {
        assert!(
            !microsofts.iter().any(|m| m.eq_ignore_ascii_case(name)),
            "our name {name} is one of Microsoft's"
        );
    }
}

#[test]
fn every_code_rule_is_well_formed() {
    let mut with_causes = 0;
    for rule in catalog().codes.values() {
        let c = &rule.code;
        assert!(
            rule.summary.len() <= 120 && !rule.summary.contains('\n') && !rule.summary.ends_with('.'),
            "{c}: summary must be one line of at most 120 characters without a final period"
        );
        for cause in &rule.causes {
            assert!(
                !cause.cause.trim().is_empty() && !cause.fix.trim().is_empty(),
                "{c}: every cause needs a fix"
            );
        }
        if !rule.causes.is_empty() {
            with_causes += 1;
            assert!(
                !rule.examples.positive.is_empty() && !rule.examples.negative.is_empty(),
                "{c}: rules with causes need positive and negative examples"
            );
        }
        let n = rule.number();
        for line in &rule.examples.positive {
            assert!(
                codes_in(line).contains(&n),
                "{c}: positive example does not yield the code: {line}"
            );
        }
        for line in &rule.examples.negative {
            assert!(
                !codes_in(line).contains(&n),
                "{c}: negative example yields the code: {line}"
            );
        }
    }
    assert!(with_causes >= 60, "only {with_causes} codes have causes and fixes");
}

#[test]
fn the_codes_users_meet_most_have_causes() {
    let required = [
        70016, 70018, 70019, 70020, 90119, 90120, 50134, 50196, 50076, 50079, 50074, 50072, 50097, 50005, 53000, 53001,
        53003, 530033, 50158, 50126, 50034, 50053, 50055, 50057, 50173, 700082, 70008, 70043, 50020, 9002332, 90002,
        700016, 7000215, 7000218, 7000222, 65001, 65004, 50011, 500011, 700024, 70011, 900144, 90014, 50012, 500113,
        54005, 70000, 70002, 900561, 90055,
    ];
    let index = std::fs::read_to_string("fixtures/real/INDEX.tsv").unwrap();
    let in_samples = index
        .lines()
        .flat_map(|l| l.split(|c: char| !c.is_ascii_alphanumeric()))
        .filter_map(|w| w.strip_prefix("AADSTS")?.parse::<u32>().ok());
    for code in required.into_iter().chain(in_samples) {
        let rule = catalog()
            .codes
            .get(&code)
            .unwrap_or_else(|| panic!("AADSTS{code} missing"));
        assert!(!rule.causes.is_empty(), "AADSTS{code} needs causes with fixes");
    }
}

#[test]
fn every_cause_is_documented_and_has_fixtures() {
    let detected: BTreeSet<CauseId> = CAUSES.iter().map(|c| c.id()).collect();
    let documented: BTreeSet<CauseId> = catalog().causes.keys().copied().collect();
    assert_eq!(
        documented, detected,
        "rules/causes/ must hold exactly the causes the diagnosis detects"
    );
    for rule in catalog().causes.values() {
        let id = rule.id.as_str();
        assert!(
            rule.severity.is_none(),
            "{id}: the severity is the detector's (src/diagnose/causes/)"
        );
        assert!(rule.title.len() <= 80 && !rule.title.ends_with('.'), "{id}: title");
        for text in [&rule.what_it_does, &rule.why_it_matters, &rule.fix, &rule.example] {
            assert!(!text.trim().is_empty(), "{id}: empty section");
        }
        for code in &rule.related_codes {
            let n: u32 = code
                .strip_prefix("AADSTS")
                .and_then(|d| d.parse().ok())
                .unwrap_or_else(|| panic!("{id}: bad code {code}"));
            assert!(
                catalog().codes.contains_key(&n),
                "{id}: related code {code} is not in the catalog"
            );
        }
        let dir = Path::new("fixtures/causes").join(id);
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|_| panic!("{id}: no fixture folder {}", dir.display()))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().any(|n| n.starts_with("trigger")),
            "{id}: needs a trigger-* fixture"
        );
        assert!(
            names.iter().any(|n| n.starts_with("miss")),
            "{id}: needs a miss-* (near miss) fixture"
        );
    }
}

#[test]
fn explain_finds_every_code_by_number_name_and_prefix() {
    for rule in catalog().codes.values() {
        let n = rule.number();
        for query in [rule.code.clone(), n.to_string(), rule.code.to_lowercase()] {
            match catalog().lookup(&query) {
                Some(aadlint::rules::RuleRef::Code(r)) => assert_eq!(r.number(), n),
                other => panic!("lookup {query}: {other:?}"),
            }
        }
    }
    assert!(
        matches!(catalog().lookup("invaliddeviceflowrequest"), Some(aadlint::rules::RuleRef::Code(r)) if r.number() == 90120)
    );
    assert!(matches!(
        catalog().lookup("Polled-After-Success"),
        Some(aadlint::rules::RuleRef::Cause(_))
    ));
}

#[test]
fn the_prefilter_lets_every_positive_example_through() {
    use aadlint::scan::{scan_chunk, Mode};
    let mut missed = Vec::new();
    for rule in catalog().codes.values() {
        for line in &rule.examples.positive {
            let data = format!("{line}\n");
            let scan = scan_chunk(data.as_bytes(), &[], b'\n', Mode::Logs);
            if !scan.hits.iter().any(|h| h.codes.iter().any(|c| c.0 == rule.number())) {
                missed.push(format!("{}: {line}", rule.code));
            }
        }
    }
    assert!(
        missed.is_empty(),
        "{} example lines never reach the parser:\n{}",
        missed.len(),
        missed.join("\n")
    );
}
