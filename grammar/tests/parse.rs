//! Parsing: structure, spans, plain-words errors and recovery.

use cine_grammar::{parse, Item, LineKind, Stmt, Unit};

const GOOD: &str = r#"// A small film.
title "Harbor"
fps 16
resolution 64x64
seed 7
model cine-tiny
caption "a quiet harbor town"
style watercolor
use styles
use "lib/cast.cine"

cast mara "a fisherwoman in a yellow coat" {
  age: 40
  coat: "yellow"
}
set harbor "a small harbor with red boats"
const brisk = 1.5
define camera drift "the camera drifts" {
  speed: 1
}

scene harbor {
  time dusk
  mood "calm"
  shot arrival { // first shot
    duration 2.5s
    size wide
    angle low
    subjects mara
    action "mara walks along the pier"
    camera pan_left(speed: slow, degrees: 30)
    at 1s: "a gull lands"
    transition dissolve(frames: 8f)
    recall set harbor
  }
  shot {
    duration 48f
  }
}
"#;

#[test]
fn parses_every_statement() {
    let p = parse(GOOD);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let scenes: Vec<_> = p.file.items.iter().filter_map(|i| match i { Item::Scene(s) => Some(s), _ => None }).collect();
    assert_eq!(scenes.len(), 1);
    let s = scenes[0];
    assert_eq!(s.set.text, "harbor");
    assert_eq!(s.time.as_ref().unwrap().text, "dusk");
    assert_eq!(s.shots.len(), 2);
    assert_eq!(s.shots[0].props.len(), 9);
    assert_eq!(s.shots[0].name.as_ref().unwrap().text, "arrival");
    let Stmt::Duration(d) = &s.shots[1].props[0].stmt else { panic!("duration expected") };
    assert_eq!((d.value, d.unit), (48.0, Unit::Frames));
    let cast = p.file.items.iter().find_map(|i| match i { Item::Cast(c) => Some(c), _ => None }).unwrap();
    assert_eq!(cast.attrs.len(), 2);
    assert_eq!(&GOOD[cast.name.span.start..cast.name.span.end], "mara");
}

#[test]
fn spans_are_whole_file_bytes() {
    let p = parse(GOOD);
    let s = p.file.items.iter().find_map(|i| match i { Item::Scene(s) => Some(s), _ => None }).unwrap();
    let prop = &s.shots[0].props[5];
    assert_eq!(&GOOD[prop.span.start..prop.span.end], "camera pan_left(speed: slow, degrees: 30)");
    assert!(GOOD[s.span.start..s.span.end].ends_with('}'));
}

#[test]
fn errors_use_plain_words_and_parsing_goes_on() {
    let src = "title Harbor\nfps sixteen\nscene harbor {\n  shto {\n  }\n}\nresolution 64x\n";
    let p = parse(src);
    assert_eq!(p.errors.len(), 4, "{:#?}", p.errors);
    for e in &p.errors {
        assert!(!e.message.contains("_stmt") && !e.message.contains("kw_"), "rule name leaked: {}", e.message);
    }
    assert!(p.errors[0].message.contains("a quoted text"), "{}", p.errors[0].message);
    assert_eq!(&src[p.errors[0].span.start..p.errors[0].span.end], "Harbor");
    assert!(p.errors[1].message.contains("a whole number"));
    assert_eq!(p.errors[2].help.as_deref(), Some("did you mean `shot`?"));
    assert!(p.errors[3].message.contains("found the end of the line"), "{}", p.errors[3].message);
}

#[test]
fn an_open_quote_and_a_broken_number_are_named_as_written() {
    let src = "title \"Harbor\nfps 16.5\nscene pier {\n  shot {\n    duration -2s\n  }\n}\n";
    let p = parse(src);
    let shown: Vec<(&str, &str)> = p.errors.iter().map(|e| (e.message.as_str(), &src[e.span.start..e.span.end])).collect();
    assert_eq!(
        shown,
        [
            ("this text has no closing `\"`", "\"Harbor"),
            ("expected a whole number, found `16.5`", "16.5"),
            ("expected a duration like 3s or 48f, found `-2s`", "-2s"),
        ]
    );
    // Past f64's range a number would be infinite (`cine fmt` wrote `inf`, which does not parse).
    let big = "9".repeat(400);
    let src = format!("const c = {big}\nscene pier {{\n  shot {{\n    duration {big}s\n    camera pan_left(speed: -{big})\n  }}\n}}\n");
    let p = parse(&src);
    let shown: Vec<(&str, &str)> = p.errors.iter().map(|e| (e.message.as_str(), &src[e.span.start..e.span.end])).collect();
    let negative = format!("-{big}");
    let want = [&big[..], &big, &negative].map(|n| ("this number is too large", n));
    assert_eq!(shown, want);
}

#[test]
fn missing_brace_is_reported_once_and_recovered() {
    let src = "scene a {\n  shot {\n    duration 1s\n  shot {\n    duration 2s\n  }\n}\n";
    let p = parse(src);
    assert_eq!(p.errors.len(), 1, "{:#?}", p.errors);
    assert!(p.errors[0].message.contains("shot is not closed"));
    let Item::Scene(s) = &p.file.items[0] else { panic!() };
    assert_eq!(s.shots.len(), 2);
}

#[test]
fn an_indented_keyword_is_inside_its_block_not_a_missing_brace() {
    // `title` is a header keyword, and a natural attribute key: here it lacks its colon.
    let p = parse("cast k \"an old keeper\" {\n  title \"captain\"\n  age: 70\n}\nset s \"a cliff\"\n");
    assert_eq!(p.errors.len(), 1, "{:#?}", p.errors);
    assert!(p.errors[0].message.starts_with("expected `:`"), "{}", p.errors[0].message);
    assert_eq!(p.file.items.len(), 2, "the cast and the set, no header `title`");
    // At the block's own indentation it still closes the block (one error, both items read).
    let p = parse("cast k \"an old keeper\" {\n  age: 70\nset s \"a cliff\"\n");
    assert_eq!(p.errors.len(), 1, "{:#?}", p.errors);
    assert!(p.errors[0].message.contains("cast definition is not closed before `set`"), "{}", p.errors[0].message);
    assert_eq!(p.file.items.len(), 2);
}

#[test]
fn unclosed_block_at_end_of_file() {
    let p = parse("scene a {\n  shot {\n");
    assert_eq!(p.errors.len(), 2);
    assert!(p.errors.iter().all(|e| e.message.contains("never closed")));
}

#[test]
fn unmatched_close() {
    let p = parse("}\n");
    assert_eq!(p.errors[0].message, "unmatched `}`: no block is open here");
}

#[test]
fn misplaced_statement_gets_help() {
    let p = parse("duration 3s\n");
    assert_eq!(p.errors.len(), 1);
    assert!(p.errors[0].help.as_deref().unwrap().contains("inside a shot"));
}

#[test]
fn comments_and_suppressions() {
    let src = "// cine:allow(unused-cast)\ncast a \"x\"\nset b \"y\" // cine:allow(unused-set, other)\n";
    let p = parse(src);
    assert!(p.errors.is_empty());
    assert_eq!(p.suppressions.len(), 2);
    assert_eq!(p.suppressions[0].rules, vec!["unused-cast"]);
    assert_eq!(&src[p.suppressions[0].range.start..p.suppressions[0].range.end], "cast a \"x\"");
    assert_eq!(p.suppressions[1].rules, vec!["unused-set", "other"]);
    assert!(matches!(p.lines[0].kind, LineKind::Comment(_)));
}

#[test]
fn suppression_before_a_shot_covers_the_block() {
    let src = "scene a {\n  // cine:allow(short-shot)\n  shot {\n    duration 1f\n  }\n}\n";
    let p = parse(src);
    let r = p.suppressions[0].range;
    assert_eq!(&src[r.start..r.end], "  shot {\n    duration 1f\n  }");
}

#[test]
fn strings_escape_and_keywords_need_boundaries() {
    let p = parse("title \"a \\\"b\\\" c\"\nshots\n");
    let Item::Header(h) = &p.file.items[0] else { panic!() };
    let Stmt::Title(t) = &h.stmt else { panic!() };
    assert_eq!(t.value, "a \"b\" c");
    assert_eq!(p.errors.len(), 1);
    // `\"` and `\\` are the only escapes; any other backslash is kept (`\n` was a space, `\p`
    // a `p`), and quoting a text back gives the same text.
    let src = r#"caption "a\nb\tc C:\\x C:\path \\\" end\\""#;
    let p = parse(src);
    let Item::Header(h) = &p.file.items[0] else { panic!("{p:?}") };
    let Stmt::Caption(t) = &h.stmt else { panic!() };
    assert_eq!(t.value, r#"a\nb\tc C:\x C:\path \" end\"#);
    for v in [t.value.as_str(), "", "\\", "\\\\", "a\\", "\\\"", "C:\\path"] {
        let back = parse(&format!("caption {}\n", cine_grammar::print::quote(v)));
        let Some(Item::Header(cine_grammar::Prop { stmt: Stmt::Caption(t), .. })) = back.file.items.first() else { panic!("{v:?}: {back:?}") };
        assert_eq!(t.value, v);
    }
    assert_eq!(cine_grammar::print::quote("C:\\path \\"), r#""C:\path \\""#, "a backslash is doubled only where it must be");
}

#[test]
fn a_space_the_grammar_does_not_take_is_named_where_it_is() {
    // Indentation, between words, a line of its own: it was "found `    du`", or blank.
    let src = "set pier \"a pier\"\nscene pier {\n  shot {\n\u{a0}\u{a0}  duration 2s\n    size\u{a0}wide\n  \u{a0}\n    size\u{200b}wide\n  }\n}\n";
    let p = parse(src);
    let shown: Vec<(&str, &str)> = p.errors.iter().map(|e| (e.message.as_str(), &src[e.span.start..e.span.end])).collect();
    let nbsp = "unexpected non-breaking space (U+00A0): only plain spaces and tabs separate words";
    let zwsp = "unexpected invisible character (U+200B): only plain spaces and tabs separate words";
    assert_eq!(shown, [(nbsp, "\u{a0}"), (nbsp, "\u{a0}"), (nbsp, "\u{a0}"), (zwsp, "\u{200b}")]);
    assert_eq!(p.errors[0].help.as_deref(), Some("replace it with a plain space"));
}

#[test]
fn an_error_never_ends_inside_a_character() {
    let src = "set pier \"a pier\"\nscene pier {\n  shot {\n    ñame wide\n  }\n}\n";
    let e = &parse(src).errors[0];
    assert_eq!(&src[e.span.start..e.span.end], "ñ", "{e:?}");
    let long = format!("é{}\n", "a".repeat(cine_grammar::MAX_LINE_BYTES));
    let e = &parse(&long).errors[0];
    assert_eq!(&long[e.span.start..e.span.end], "é", "{e:?}");
}

#[test]
fn oversize_input_is_refused() {
    let big = "a".repeat(cine_grammar::MAX_SOURCE_BYTES + 1);
    let p = parse(&big);
    assert!(p.errors[0].message.contains("too large"));
    let long_line = format!("title \"{}\"\n", "a".repeat(cine_grammar::MAX_LINE_BYTES));
    assert!(parse(&long_line).errors[0].message.contains("line is too long"));
}

#[test]
fn no_rule_names_in_any_message() {
    let bad = [
        "title", "fps 1.5", "resolution 64", "resolution 64x", "seed -1", "model", "caption 3", "style \"x\"", "use",
        "use 3", "cast", "cast a", "cast a b", "set a \"x\" {{", "const a", "const a = x", "define", "define foo a \"x\"",
        "define camera a", "scene", "scene \"x\" {", "scene a", "@", "\"unterminated", "title \"x\" extra",
    ];
    let shot = [
        "duration", "duration 3", "duration 3x", "size", "size \"wide\"", "subjects", "subjects a,", "action x", "camera",
        "camera pan_left(", "camera pan_left(speed)", "camera pan_left(speed: )", "at", "at 2s", "at 2s \"x\"", "at 2s:",
        "transition", "recall", "recall thing x", "recall shot", "shot {",
    ];
    let mut sources: Vec<String> = bad.iter().map(|l| format!("{l}\n")).collect();
    sources.extend(shot.iter().map(|l| format!("set a \"a\"\nscene a {{\n  shot {{\n    {l}\n  }}\n}}\n")));
    for src in sources {
        let p = parse(&src);
        assert!(!p.errors.is_empty(), "no error for {src:?}");
        for e in &p.errors {
            let m = &e.message;
            assert!(m.starts_with("expected") || m.starts_with("unexpected") || m.contains("never closed") || m.contains("not closed") || m.contains("unmatched") || m.contains("too large"), "odd message {m:?} for {src:?}");
            for leak in ["_stmt", "kw_", "EOI", "SOI", "ident", "string_inner", "_line", "duration_num", "Rule::"] {
                assert!(!m.contains(leak), "rule name {leak} in {m:?} for {src:?}");
            }
            assert!(e.span.end <= src.len() && src.is_char_boundary(e.span.start));
        }
    }
}

#[test]
fn a_recall_can_start_at_a_time() {
    let src = "scene harbor {\n  shot b {\n    duration 3s\n    recall shot arrival at 1.5s\n    recall cast mara\n    recall set harbor at 2f\n  }\n}\n";
    let p = parse(src);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let s = p.file.items.iter().find_map(|i| match i { Item::Scene(s) => Some(s), _ => None }).unwrap();
    let printed: Vec<String> = s.shots[0].props[1..].iter().map(|p| p.stmt.to_string()).collect();
    assert_eq!(printed, ["recall shot arrival at 1.5s", "recall cast mara", "recall set harbor at 2f"]);
    let Stmt::Recall { at: Some(t), name, .. } = &s.shots[0].props[1].stmt else { panic!("a timed recall expected") };
    assert_eq!((t.value, t.unit, name.text.as_str()), (1.5, Unit::Seconds, "arrival"));
    assert_eq!(&src[t.span.start..t.span.end], "1.5s");
    // A time is a duration: a bare number or a second `at` is an error with the usage.
    for bad in ["recall shot arrival at 2", "recall shot arrival at"] {
        let p = parse(&format!("scene harbor {{\n  shot {{\n    {bad}\n  }}\n}}\n"));
        assert_eq!(p.errors.len(), 1, "{bad}: {:?}", p.errors);
    }
}

#[test]
fn a_byte_order_mark_is_skipped_and_spans_stay_in_the_file() {
    let plain = parse(GOOD);
    let src = format!("\u{feff}{GOOD}");
    let p = parse(&src);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.file.items.len(), plain.file.items.len());
    let Item::Header(h) = &p.file.items[0] else { panic!("title first: {:?}", p.file.items[0]) };
    let Stmt::Title(t) = &h.stmt else { panic!("title first: {h:?}") };
    assert_eq!(&src[t.span.start..t.span.end], "\"Harbor\"");
    assert_eq!(p.lines[0].span.start, 3, "the first line starts after the mark");
    // Only a leading mark is skipped: one inside the file is still an error.
    assert!(!parse(&format!("title \"A\"\n\u{feff}fps 16\n")).errors.is_empty());
}
