//! The symbol index (definitions and uses of every name) and machine-applicable fixes.

use cine_compiler::report::{render, Format};
use cine_compiler::symbols::{Symbol, SymbolKind};
use cine_compiler::{compile_str, Rule};

const FILM: &str = "use styles\nstyle noir\nconst brisk = 2\ncast mara \"a fisherwoman\" {\n  age: 40\n}\nset pier \"a pier\"\n\nscene pier {\n  time dawn\n  shot arrival {\n    duration 2s\n    size wide\n    angle low\n    subjects mara\n    camera pan_left(speed: brisk)\n    transition cut\n  }\n  shot {\n    duration 2s\n    recall shot arrival\n    recall cast mara\n  }\n}\n";

fn camera() -> SymbolKind {
    SymbolKind::Entry("camera".into())
}

#[test]
fn every_name_resolves_to_its_definition() {
    let c = compile_str("pier.cine", FILM, &Default::default());
    assert_eq!(c.errors, 0, "{:?}", c.messages);
    let s = &c.symbols;
    let uses = |kind: &SymbolKind, name: &str| s.references(kind, name).map(|r| &FILM[r.span.start..r.span.end]).collect::<Vec<_>>();
    assert_eq!(uses(&SymbolKind::Cast, "mara"), vec!["mara", "mara"]);
    assert_eq!(uses(&SymbolKind::Set, "pier"), vec!["pier"]);
    assert_eq!(uses(&SymbolKind::Shot, "arrival"), vec!["arrival"]);
    assert_eq!(uses(&SymbolKind::Const, "brisk"), vec!["brisk"]);
    for (kind, name) in [("style", "noir"), ("time", "dawn"), ("size", "wide"), ("angle", "low"), ("camera", "pan_left"), ("transition", "cut")] {
        assert_eq!(uses(&SymbolKind::Entry(kind.into()), name), vec![name], "{kind}");
        let def = s.definition(&SymbolKind::Entry(kind.into()), name).unwrap_or_else(|| panic!("{kind} {name}"));
        assert!(c.sources[def.file].name.starts_with("stdlib/"), "{kind} comes from the stdlib");
        assert!(!def.detail.is_empty(), "its phrase");
    }
    let mara = s.definition(&SymbolKind::Cast, "mara").unwrap();
    assert_eq!((mara.file, &FILM[mara.span.start..mara.span.end]), (0, "mara"));
    assert_eq!(mara.detail, "a fisherwoman");
    assert_eq!(mara.params, vec!["age: 40"]);
    let brisk = s.definition(&SymbolKind::Const, "brisk").unwrap();
    assert_eq!(brisk.detail, "2");
    assert!(s.definition(&camera(), "pan_left").unwrap().params.iter().any(|p| p.starts_with("speed:")));
    // Every use in the screenplay has a definition.
    for r in s.refs.iter().filter(|r| r.file == 0) {
        assert!(s.definition(&r.kind, &r.name).is_some(), "{r:?}");
    }
}

#[test]
fn at_finds_the_name_under_a_cursor() {
    let c = compile_str("pier.cine", FILM, &Default::default());
    let at = |needle: &str, into: usize| c.symbols.at(0, FILM.find(needle).unwrap() + into);
    match at("subjects mara", 10) {
        Some(Symbol::Ref(r)) => assert_eq!((r.kind.clone(), r.name.as_str()), (SymbolKind::Cast, "mara")),
        other => panic!("{other:?}"),
    }
    match at("mara \"", 4) {
        Some(Symbol::Def(d)) => assert_eq!(d.kind, SymbolKind::Cast, "the end of a name counts"),
        other => panic!("{other:?}"),
    }
    match at("shot arrival {", 6) {
        Some(Symbol::Def(d)) => assert_eq!((d.kind.clone(), d.name.as_str()), (SymbolKind::Shot, "arrival")),
        other => panic!("{other:?}"),
    }
    assert!(at("duration 2s", 2).is_none(), "a keyword is not a name");
    assert_eq!(c.symbols.of_kind(&SymbolKind::Cast).len(), 1);
}

#[test]
fn did_you_mean_comes_with_a_fix_that_compiles() {
    let broken = FILM.replace("subjects mara", "subjects marra").replace("pan_left(speed: brisk)", "pan_lfet(speed: brisk)").replace("recall shot arrival", "recall shot arival");
    let c = compile_str("pier.cine", &broken, &Default::default());
    let fixes: Vec<_> = c.diagnostics.iter().filter_map(|d| d.fix.clone().map(|f| (d.rule, f))).collect();
    let rules: Vec<Rule> = fixes.iter().map(|(r, _)| *r).collect();
    assert_eq!(rules, vec![Rule::UndefinedCast, Rule::UnknownEntry, Rule::UndefinedShot], "{:?}", c.messages);
    let mut fixed = broken.clone();
    for (_, f) in fixes.iter().rev() {
        fixed.replace_range(f.span.start..f.span.end, &f.replacement);
    }
    assert_eq!(fixed, FILM);
    // JSON and SARIF carry the fix.
    let json: serde_json::Value = serde_json::from_str(&render(Format::Json, &c.diagnostics, &c.sources)).unwrap();
    let first = &json["diagnostics"][0]["fix"];
    assert_eq!(first["replacement"], "mara");
    assert_eq!(&broken[first["start"].as_u64().unwrap() as usize..first["end"].as_u64().unwrap() as usize], "marra");
    let sarif: serde_json::Value = serde_json::from_str(&render(Format::Sarif, &c.diagnostics, &c.sources)).unwrap();
    let change = &sarif["runs"][0]["results"][0]["fixes"][0]["artifactChanges"][0]["replacements"][0];
    assert_eq!(change["insertedContent"]["text"], "mara");
    assert_eq!(change["deletedRegion"]["byteLength"], 5);
}
