//! What an editor shows: diagnostics, hover, completion, navigation, rename, outline,
//! formatting and quick fixes.

mod common;

use common::*;
use serde_json::{json, Value};

const URI: &str = "file:///tmp/cine-lsp-test/pier.cine";

/// Asks for the inlay hints of a whole (short) file; the request's id.
fn all_hints(s: &mut Session, uri: &str) -> i64 {
    s.request("textDocument/inlayHint", json!({ "textDocument": { "uri": uri }, "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 99, "character": 0 } } }))
}

fn label_list(v: &Value) -> Vec<String> {
    v["items"].as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap().to_string()).collect()
}

#[test]
fn diagnostics_follow_the_text_as_it_changes_and_clear_on_close() {
    let broken = FILM.replace("subjects mara\n    camera", "subjects marra\n    camera");
    let mut s = Session::new(json!({}));
    s.open(URI, &broken);
    let mut first = Session::new(json!({}));
    first.open(URI, &broken);
    let r1 = first.finish();
    let d = r1.diagnostics(URI);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["code"], "cine::undefined-cast");
    assert_eq!(d[0]["severity"], 1);
    let (line, col) = pos(&broken, "marra");
    assert_eq!(d[0]["range"]["start"], json!({ "line": line, "character": col }));
    assert_eq!(d[0]["range"]["end"], json!({ "line": line, "character": col + 5 }));
    assert!(d[0]["message"].as_str().unwrap().contains("did you mean `mara`?"));

    s.notify("textDocument/didChange", json!({ "textDocument": { "uri": URI, "version": 2 }, "contentChanges": [{ "text": FILM }] }));
    let after_fix = s.request("textDocument/hover", json!({ "textDocument": { "uri": URI }, "position": { "line": 0, "character": 0 } }));
    s.notify("textDocument/didClose", json!({ "textDocument": { "uri": URI } }));
    let r = s.finish();
    let published: Vec<&Value> = r.msgs.iter().filter(|m| m["method"] == "textDocument/publishDiagnostics").collect();
    assert_eq!(published.len(), 3, "open, change, close");
    assert_eq!(published[0]["params"]["diagnostics"].as_array().unwrap().len(), 1);
    assert_eq!(published[1]["params"]["version"], 2);
    assert_eq!(published[1]["params"]["diagnostics"], json!([]));
    assert_eq!(published[2]["params"]["diagnostics"], json!([]));
    assert!(r.answer(after_fix).get("result").is_some());
}

#[test]
fn columns_are_utf16_by_default_and_bytes_when_the_client_asks() {
    // A syntax error after a non-ASCII text on the same line.
    let text = FILM.replace("    at 1s: \"gulls rise\"\n", "    action \"ünïcødé\" extra\n");
    let (line, _) = pos(&text, "extra");
    let line_text = text.lines().nth(line as usize).unwrap();
    let bytes = line_text.find("extra").unwrap() as u64;
    let units = line_text[..bytes as usize].encode_utf16().count() as u64;
    assert_ne!(bytes, units);
    for (caps, want) in [(json!({}), units), (json!({ "general": { "positionEncodings": ["utf-8", "utf-16"] } }), bytes)] {
        let mut s = Session::new(caps);
        s.open(URI, &text);
        let r = s.finish();
        let d = r.diagnostics(URI);
        let syntax: Vec<&Value> = d.iter().filter(|d| d["code"] == "cine::syntax").collect();
        assert_eq!(syntax.len(), 1, "{d:?}");
        assert_eq!(syntax[0]["range"]["start"]["line"], line);
        assert_eq!(syntax[0]["range"]["start"]["character"], want);
    }
}

#[test]
fn hover_explains_names_and_shows_a_shots_frames_and_prompt() {
    let mut s = Session::new(json!({}));
    s.open(URI, FILM);
    let (l, c) = pos(FILM, "mara\n    camera");
    let cast = s.at("textDocument/hover", URI, l, c + 2);
    let (l, c) = pos(FILM, "pan_left");
    let camera = s.at("textDocument/hover", URI, l, c);
    let (l, c) = pos(FILM, "shot arrival");
    let shot = s.at("textDocument/hover", URI, l, c);
    let (l, c) = pos(FILM, "arrival\n  }");
    let recalled = s.at("textDocument/hover", URI, l, c);
    let nothing = s.at("textDocument/hover", URI, 1, 5); // the 16 of `fps 16`
    let r = s.finish();
    let text = |id| r.result(id)["contents"]["value"].as_str().unwrap().to_string();
    assert!(text(cast).contains("cast member") && text(cast).contains("a fisherwoman in a red coat"), "{}", text(cast));
    assert!(text(cast).contains("used 2 times"), "{}", text(cast));
    assert!(text(camera).contains("camera move") && text(camera).contains("stdlib/camera.cine") && text(camera).contains("speed"), "{}", text(camera));
    let film = cine_compiler::compile_str("pier.cine", FILM, &Default::default()).film.unwrap();
    let first = &film.shots[0];
    let shown = text(shot);
    assert!(shown.contains(&format!("frames 0-{}", first.frames - 1)), "{shown}");
    assert!(shown.contains(&first.prompt), "the exact prompt of the IR: {shown}");
    assert!(shown.contains(&first.events[0].prompt) && shown.contains(&format!("from frame {}", first.events[0].frame)), "{shown}");
    assert_eq!(text(recalled), shown, "a recalled shot's name shows the same");
    assert_eq!(r.result(nothing), &Value::Null);
    // With the model's chunk grid, a change shows where it reaches the model: `at 1s` (frame
    // 16) is taken by the chunk from frame 21 (middles 4, 15, 26 of 9 + 12 + 11 frames).
    let mut s = Session::new(json!({}));
    s.profiles = Some(tiny_profile);
    s.open(URI, FILM);
    let (l, c) = pos(FILM, "shot arrival");
    let id = s.at("textDocument/hover", URI, l, c);
    let r = s.finish();
    let shown = r.result(id)["contents"]["value"].as_str().unwrap().to_string();
    assert!(shown.contains("from frame 21 (written at frame 16):"), "{shown}");
}

#[test]
fn completion_offers_what_the_grammar_allows_where_the_cursor_is() {
    let text = "title \"t\"\nconst brisk = 2\ncast mara \"a fisherwoman\"\ncast ion \"a boy\"\nset pier \"a pier\"\nscene pier {\n  shot a {\n    camera \n    subjects mara, \n    camera pan_left(\n    camera pan_left(speed: \n    camera pan_left(speed: slow, \n    \n    action \"camera \"\n    du\n    // cine:allow(short\n  }\n}\n\n";
    let mut s = Session::new(json!({}));
    s.open(URI, text);
    let line = |needle: &str| pos(text, needle).0;
    let camera = s.at("textDocument/completion", URI, line("camera \n"), 11);
    let subjects = s.at("textDocument/completion", URI, line("subjects mara, "), 19);
    let params = s.at("textDocument/completion", URI, line("pan_left(\n"), 20);
    let value = s.at("textDocument/completion", URI, line("pan_left(speed: \n"), 27);
    let second = s.at("textDocument/completion", URI, line("pan_left(speed: slow, "), 33);
    let in_shot = s.at("textDocument/completion", URI, line("    \n    action"), 4);
    let in_text = s.at("textDocument/completion", URI, line("action \"camera"), 19);
    let partial = s.at("textDocument/completion", URI, line("    du\n"), 6);
    let lint = s.at("textDocument/completion", URI, line("cine:allow(short"), 24);
    let top = s.at("textDocument/completion", URI, text.matches('\n').count() as u32, 0);
    let r = s.finish();
    let labels = |id| label_list(r.result(id));
    assert!(labels(camera).contains(&"pan_left".to_string()) && labels(camera).contains(&"dolly_in".to_string()), "{:?}", labels(camera));
    assert_eq!(labels(subjects), vec!["ion"], "cast not yet listed");
    let listed = |line: &str| {
        let text = format!("cast mara \"a\"\ncast mar \"b\"\nset pier \"p\"\nscene pier {{\n  shot {{\n{line}\n  }}\n}}\n");
        let mut s = Session::new(json!({}));
        s.open(URI, &text);
        let id = s.at("textDocument/completion", URI, 5, line.len() as u32);
        label_list(s.finish().result(id))
    };
    // Names already listed are left out, with or without indentation.
    assert_eq!(listed("    subjects mar, "), vec!["mara"]);
    // `recall shot` offers only the shots before this one (a later one is recall-forward).
    let text = "set pier \"p\"\nscene pier {\n  shot a {\n    duration 1s\n  }\n  shot b {\n    duration 1s\n    recall shot \n  }\n  shot c {\n    duration 1s\n  }\n}\n";
    let mut s = Session::new(json!({}));
    s.open(URI, text);
    let id = s.at("textDocument/completion", URI, 7, 16);
    assert_eq!(label_list(s.finish().result(id)), vec!["a"]);
    assert_eq!(listed("subjects mara, "), vec!["mar"]);
    let stdlib = cine_compiler::compile_str("x.cine", "", &Default::default()).symbols;
    let pan = stdlib.definition(&cine_compiler::symbols::SymbolKind::Entry("camera".into()), "pan_left").unwrap();
    let mut want: Vec<String> = pan.params.iter().map(|p| p.split(':').next().unwrap().to_string()).collect();
    want.sort();
    assert!(want.contains(&"speed".to_string()), "{want:?}");
    assert_eq!(labels(params), want);
    assert_eq!(labels(second), want.iter().filter(|p| *p != "speed").cloned().collect::<Vec<_>>(), "parameters already given are left out");
    assert!(labels(value).contains(&"brisk".to_string()) && labels(value).contains(&"slow".to_string()), "{:?}", labels(value));
    let shot_kw = labels(in_shot);
    assert!(shot_kw.contains(&"duration".to_string()) && shot_kw.contains(&"camera".to_string()) && !shot_kw.contains(&"title".to_string()), "{shot_kw:?}");
    assert!(labels(in_text).is_empty(), "nothing inside a text");
    assert_eq!(labels(partial), vec!["duration"]);
    let edit = &r.result(partial)["items"][0]["textEdit"]["range"];
    assert_eq!(edit["start"]["character"], 4, "the typed word is replaced");
    assert_eq!(labels(lint), vec!["short-shot"]);
    let top_kw = labels(top);
    assert!(top_kw.contains(&"scene".to_string()) && !top_kw.contains(&"duration".to_string()), "{top_kw:?}");
}

#[test]
fn definition_references_and_rename_cover_every_use() {
    let mut s = Session::new(json!({}));
    s.open(URI, FILM);
    let (l, c) = pos(FILM, "mara\n    camera");
    let def = s.at("textDocument/definition", URI, l, c);
    let refs = s.request("textDocument/references", json!({ "textDocument": { "uri": URI }, "position": { "line": l, "character": c }, "context": { "includeDeclaration": true } }));
    let rename = s.request("textDocument/rename", json!({ "textDocument": { "uri": URI }, "position": { "line": l, "character": c }, "newName": "nell" }));
    let bad = s.request("textDocument/rename", json!({ "textDocument": { "uri": URI }, "position": { "line": l, "character": c }, "newName": "9 lives" }));
    let (l2, c2) = pos(FILM, "pan_left");
    let stdlib = s.request("textDocument/rename", json!({ "textDocument": { "uri": URI }, "position": { "line": l2, "character": c2 }, "newName": "swing" }));
    let r = s.finish();
    let (dl, dc) = pos(FILM, "mara \"");
    assert_eq!(r.result(def), &json!({ "uri": URI, "range": { "start": { "line": dl, "character": dc }, "end": { "line": dl, "character": dc + 4 } } }));
    assert_eq!(r.result(refs).as_array().unwrap().len(), 3, "the definition and two uses");
    let edits = r.result(rename)["changes"][URI].as_array().unwrap().clone();
    assert_eq!(edits.len(), 3);
    // Applying the edits gives a film that compiles, with the new name everywhere.
    let mut renamed = FILM.to_string();
    let mut spans: Vec<(usize, usize)> = edits
        .iter()
        .map(|e| {
            let off = |p: &Value| {
                let line = p["line"].as_u64().unwrap() as usize;
                FILM.split_inclusive('\n').take(line).map(str::len).sum::<usize>() + p["character"].as_u64().unwrap() as usize
            };
            (off(&e["range"]["start"]), off(&e["range"]["end"]))
        })
        .collect();
    spans.sort();
    for (a, b) in spans.into_iter().rev() {
        renamed.replace_range(a..b, "nell");
    }
    let out = cine_compiler::compile_str("pier.cine", &renamed, &Default::default());
    assert_eq!(out.errors, 0, "{:?}", out.messages);
    assert!(!renamed.contains("mara") && renamed.matches("nell").count() == 3);
    assert_eq!(r.answer(bad)["error"]["code"], -32803);
    assert!(r.answer(stdlib)["error"]["message"].as_str().unwrap().contains("stdlib"), "{}", r.answer(stdlib));
}

#[test]
fn outline_lists_scenes_with_their_shots() {
    let mut s = Session::new(json!({}));
    s.open(URI, FILM);
    let id = s.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": URI } }));
    let r = s.finish();
    let names: Vec<&str> = r.result(id).as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["mara", "pier", "scene pier"]);
    let shots: Vec<&str> = r.result(id)[2]["children"].as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap()).collect();
    assert_eq!(shots, vec!["arrival", "1.2"]);
}

#[test]
fn formatting_gives_cine_fmt_and_refuses_text_that_does_not_parse() {
    let messy = FILM.replace("    duration 2s", "duration    2s").replace("  time dawn", "      time dawn");
    let mut s = Session::new(json!({}));
    s.open(URI, &messy);
    let fmt = s.request("textDocument/formatting", json!({ "textDocument": { "uri": URI }, "options": {} }));
    let broken_uri = "file:///tmp/cine-lsp-test/broken.cine";
    s.open(broken_uri, "scene pier {\n  shot {\n    durration 2s\n  }\n}\n");
    let refused = s.request("textDocument/formatting", json!({ "textDocument": { "uri": broken_uri }, "options": {} }));
    let clean = "file:///tmp/cine-lsp-test/clean.cine";
    s.open(clean, FILM);
    let none = s.request("textDocument/formatting", json!({ "textDocument": { "uri": clean }, "options": {} }));
    let r = s.finish();
    let edits = r.result(fmt).as_array().unwrap();
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0]["newText"], cine_compiler::fmt::format(&messy).unwrap());
    assert_eq!(edits[0]["newText"], FILM, "FILM is formatted");
    assert!(r.answer(refused)["error"]["message"].as_str().unwrap().contains("line 3"), "{}", r.answer(refused));
    assert_eq!(r.result(none), &json!([]));
}

#[test]
fn quick_fixes_apply_the_did_you_mean() {
    let broken = FILM.replace("pan_left(speed: slow)", "pan_lfet(speed: slow)");
    let mut s = Session::new(json!({}));
    s.open(URI, &broken);
    let (l, c) = pos(&broken, "pan_lfet");
    let id = s.request("textDocument/codeAction", json!({ "textDocument": { "uri": URI }, "range": { "start": { "line": l, "character": c }, "end": { "line": l, "character": c } }, "context": { "diagnostics": [] } }));
    let elsewhere = s.request("textDocument/codeAction", json!({ "textDocument": { "uri": URI }, "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 1 } }, "context": { "diagnostics": [] } }));
    let r = s.finish();
    let actions = r.result(id).as_array().unwrap();
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0]["kind"], "quickfix");
    let edit = &actions[0]["edit"]["changes"][URI][0];
    assert_eq!(edit["newText"], "pan_left");
    assert_eq!(edit["range"]["start"], json!({ "line": l, "character": c }));
    assert_eq!(r.result(elsewhere), &json!([]));
    // A fix that deletes text is titled as a removal.
    let twice = FILM.replacen("subjects mara\n    camera", "subjects mara, mara\n    camera", 1);
    let mut s = Session::new(json!({}));
    s.open(URI, &twice);
    let (l, c) = pos(&twice, "mara, mara");
    let id = s.request("textDocument/codeAction", json!({ "textDocument": { "uri": URI }, "range": { "start": { "line": l, "character": c + 6 }, "end": { "line": l, "character": c + 6 } }, "context": { "diagnostics": [] } }));
    let r = s.finish();
    let actions = r.result(id).as_array().unwrap();
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0]["title"], "remove `, mara`");
    assert_eq!(actions[0]["edit"]["changes"][URI][0]["newText"], "");
}

#[test]
fn used_files_are_followed_for_definitions_and_their_errors_shown_on_the_use_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("lib")).unwrap();
    std::fs::write(dir.path().join("lib/cast.cine"), "cast mara \"a fisherwoman\"\ncast ion \"a boy\" oops\n").unwrap();
    let main = dir.path().join("film.cine");
    let text = "use \"lib/cast.cine\"\nset pier \"a pier\"\nscene pier {\n  shot {\n    duration 2s\n    subjects mara\n  }\n}\n";
    std::fs::write(&main, text).unwrap();
    let uri = cine_lsp::text::from_path(&main);
    let mut s = Session::new(json!({}));
    s.open(&uri, text);
    let (l, c) = pos(text, "mara");
    let def = s.at("textDocument/definition", &uri, l, c);
    let r = s.finish();
    let lib = std::fs::canonicalize(dir.path().join("lib/cast.cine")).unwrap();
    assert_eq!(r.result(def)["uri"], cine_lsp::text::from_path(&lib));
    assert_eq!(r.result(def)["range"]["start"], json!({ "line": 0, "character": 5 }));
    let d = r.diagnostics(&uri);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["range"]["start"]["line"], 0, "on the use line");
    assert!(d[0]["message"].as_str().unwrap().contains("cast.cine:2:"), "{}", d[0]["message"]);
    assert_eq!(d[0]["relatedInformation"][0]["location"]["uri"], cine_lsp::text::from_path(&lib));
    // The used file is fixed on disk and saved: every open screenplay is checked again.
    let live = Live::start();
    live.notify("textDocument/didOpen", json!({ "textDocument": { "uri": uri, "version": 1, "text": text } }));
    let msgs = live.wait(2);
    assert_eq!(msgs[1]["params"]["diagnostics"].as_array().unwrap().len(), 1, "{msgs:?}");
    std::fs::write(&lib, "cast mara \"a fisherwoman\"\ncast ion \"a boy\"\n").unwrap();
    live.notify("textDocument/didSave", json!({ "textDocument": { "uri": cine_lsp::text::from_path(&lib) } }));
    let msgs = live.wait(3);
    assert_eq!(msgs.len(), 3, "{msgs:?}");
    assert_eq!(msgs[2]["params"]["uri"], uri.as_str());
    assert_eq!(msgs[2]["params"]["diagnostics"], json!([]));
    assert_eq!(live.stop(), 1, "end of input without shutdown");
}

#[test]
fn a_used_files_errors_go_on_the_use_line_that_loads_it_even_through_another_file() {
    // The first line's comment names the second file; the nested file is named by neither.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("more")).unwrap();
    std::fs::write(dir.path().join("chars.cine"), "cast mara \"a fisherwoman\"\n").unwrap();
    std::fs::write(dir.path().join("places.cine"), "set pier \"a pier\"\nuse \"more/deep.cine\"\nset pier \"a long pier\"\n").unwrap();
    std::fs::write(dir.path().join("more/deep.cine"), "set dock \"a dock\" oops\n").unwrap();
    let main = dir.path().join("main.cine");
    let text = "use \"chars.cine\"   // the cast; sets are in places\nuse \"places.cine\"\nscene pier {\n  shot {\n    duration 2s\n    subjects mara\n  }\n}\n";
    std::fs::write(&main, text).unwrap();
    let uri = cine_lsp::text::from_path(&main);
    let mut s = Session::new(json!({}));
    s.open(&uri, text);
    let r = s.finish();
    let d = r.diagnostics(&uri);
    let shown: Vec<(String, Value)> = d.iter().map(|d| (d["message"].as_str().unwrap().lines().next().unwrap().to_string(), d["range"].clone())).collect();
    let line1 = json!({ "start": { "line": 1, "character": 0 }, "end": { "line": 1, "character": 17 } });
    assert_eq!(shown.len(), 2, "{shown:?}");
    assert!(shown.iter().all(|(_, range)| *range == line1), "{shown:?}");
    assert!(shown.iter().any(|(m, _)| m.starts_with("in places.cine:3:5: set `pier` is defined twice")), "{shown:?}");
    assert!(shown.iter().any(|(m, _)| m.starts_with("in more/deep.cine:1:")), "{shown:?}");
}

#[test]
fn a_byte_order_mark_is_not_a_column() {
    // Editors hide it, so the first line's positions are as without it, in this document and
    // in a used file read from disk (the related location of its error).
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cast.cine"), "\u{feff}cast ion \"a boy\" oops\n").unwrap();
    let text = "use \"cast.cine\"\nset pier \"a pier\"\nscene pier {\n  shot {\n    duration 2s\n  }\n}\n";
    let ranges = |text: &str| {
        let main = dir.path().join("film.cine");
        std::fs::write(&main, text).unwrap();
        let uri = cine_lsp::text::from_path(&main);
        let mut s = Session::new(json!({}));
        s.open(&uri, text);
        let hover = s.at("textDocument/hover", &uri, 0, 1);
        let r = s.finish();
        let d = r.diagnostics(&uri);
        let related: Vec<Value> = d.iter().map(|d| d["relatedInformation"][0]["location"]["range"].clone()).collect();
        (d.iter().map(|d| d["range"].clone()).collect::<Vec<_>>(), related, r.result(hover)["range"].clone())
    };
    let (plain, related, hover) = ranges(text);
    assert_eq!(plain, [json!({ "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 15 } })], "the use line");
    assert_eq!(related[0]["start"], json!({ "line": 0, "character": 17 }), "`oops` in cast.cine: {related:?}");
    assert_eq!(hover, json!({ "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 3 } }), "the `use` keyword");
    assert_eq!(ranges(&format!("\u{feff}{text}")), (plain, related, hover));
}

#[test]
fn uris_and_paths_round_trip_with_spaces_and_non_ascii() {
    let p = std::path::Path::new("/tmp/my films/café.cine");
    let uri = cine_lsp::text::from_path(p);
    assert_eq!(uri, "file:///tmp/my%20films/caf%C3%A9.cine");
    assert_eq!(cine_lsp::text::to_path(&uri).unwrap(), p);
    assert_eq!(cine_lsp::text::to_path("untitled:Untitled-1"), None);
}

#[test]
fn every_prefix_of_a_screenplay_is_served_without_an_internal_error() {
    // An editor sends every state of a file as it is typed: none may break a request.
    let mut s = Session::new(json!({}));
    s.profiles = Some(tiny_profile);
    let cut: Vec<usize> = (0..=FILM.len()).filter(|&i| FILM.is_char_boundary(i)).collect();
    for &n in &cut {
        let uri = format!("file:///tmp/cine-lsp-test/prefix{n}.cine");
        let text = &FILM[..n];
        s.open(&uri, text);
        let line = text.matches('\n').count() as u32;
        let col = text.rsplit('\n').next().unwrap().len() as u32;
        for method in ["textDocument/completion", "textDocument/hover", "textDocument/definition", "textDocument/references", "textDocument/documentHighlight", "textDocument/signatureHelp"] {
            s.at(method, &uri, line, col);
            s.at(method, &uri, line + 3, 99); // past the end
        }
        s.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } }));
        s.request("textDocument/semanticTokens/full", json!({ "textDocument": { "uri": uri } }));
        s.request("textDocument/foldingRange", json!({ "textDocument": { "uri": uri } }));
        s.request("textDocument/inlayHint", json!({ "textDocument": { "uri": uri }, "range": { "start": { "line": 0, "character": 0 }, "end": { "line": line + 1, "character": 0 } } }));
        s.request("textDocument/codeAction", json!({ "textDocument": { "uri": uri }, "range": { "start": { "line": 0, "character": 0 }, "end": { "line": line, "character": col } }, "context": { "diagnostics": [] } }));
    }
    let r = s.finish();
    let failed: Vec<&Value> = r.msgs.iter().filter(|m| m.get("error").is_some()).collect();
    assert!(failed.is_empty(), "{failed:?}");
    let published = r.msgs.iter().filter(|m| m["method"] == "textDocument/publishDiagnostics").count();
    assert_eq!(published, cut.len());
}

#[test]
fn semantic_tokens_colour_every_part_of_a_line() {
    let text = format!("// the pier\n{}", FILM.replace("    size wide\n", "    size wide // wide\n    say mara for 1s: \"Hi.\"\n"));
    let mut s = Session::new(json!({}));
    s.open(URI, &text);
    let id = s.request("textDocument/semanticTokens/full", json!({ "textDocument": { "uri": URI } }));
    let r = s.finish();
    let legend = &r.result(1)["capabilities"]["semanticTokensProvider"]["legend"];
    let types: Vec<&str> = legend["tokenTypes"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    let data: Vec<u64> = r.result(id)["data"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    assert_eq!(data.len() % 5, 0);
    let lines: Vec<&str> = text.lines().collect();
    let (mut line, mut col) = (0, 0);
    let mut tokens: Vec<(String, String, u64)> = Vec::new();
    for t in data.chunks(5) {
        if t[0] > 0 {
            col = 0;
        }
        line += t[0] as usize;
        col += t[1] as usize;
        tokens.push((lines[line][col..col + t[2] as usize].to_string(), types[t[3] as usize].to_string(), t[4]));
    }
    let find = |word: &str| tokens.iter().find(|t| t.0 == word).unwrap_or_else(|| panic!("no token `{word}` in {tokens:?}")).clone();
    assert_eq!(find("// the pier").1, "comment");
    assert_eq!(find("// wide").1, "comment");
    assert_eq!(find("cast").1, "keyword");
    assert_eq!(find("mara"), ("mara".into(), "variable".into(), 1), "the definition");
    assert_eq!(find("\"a fisherwoman in a red coat\"").1, "string");
    assert_eq!(find("pier").1, "namespace");
    assert_eq!(find("arrival").1, "function");
    assert_eq!(find("2s").1, "number");
    assert_eq!(find("pan_left"), ("pan_left".into(), "enumMember".into(), 2), "stdlib vocabulary");
    assert_eq!(find("speed").1, "property");
    assert_eq!(find("slow"), ("slow".into(), "macro".into(), 2));
    assert_eq!(find("at").1, "keyword");
    assert_eq!(find("say").1, "keyword");
    assert_eq!(find("for").1, "keyword");
    assert_eq!(tokens.iter().filter(|t| t.0 == "mara").count(), 4, "the definition and three uses");
}

#[test]
fn inlay_hints_place_each_shot_in_time_and_on_the_chunk_grid() {
    let mut s = Session::new(json!({}));
    s.profiles = Some(tiny_profile);
    s.open(URI, FILM);
    let all = all_hints(&mut s, URI);
    let (l, _) = pos(FILM, "  shot {");
    let second = s.request("textDocument/inlayHint", json!({ "textDocument": { "uri": URI }, "range": { "start": { "line": l, "character": 0 }, "end": { "line": l + 1, "character": 0 } } }));
    let folds = s.request("textDocument/foldingRange", json!({ "textDocument": { "uri": URI } }));
    let (ml, mc) = pos(FILM, "mara\n    camera");
    let marks = s.at("textDocument/documentHighlight", URI, ml, mc);
    let broken = "file:///tmp/cine-lsp-test/broken.cine";
    s.open(broken, &FILM.replace("subjects mara\n    camera", "subjects nobody\n    camera"));
    let none = all_hints(&mut s, broken);
    let late_uri = "file:///tmp/cine-lsp-test/late.cine";
    s.open(late_uri, &FILM.replace("at 1s:", "at 1.9s:"));
    let late = all_hints(&mut s, late_uri);
    let r = s.finish();
    let film = cine_compiler::compile_str("pier.cine", FILM, &Default::default()).film.unwrap();
    let plan = cine_ir::schedule::plan(&film, &tiny_profile("cine-tiny").unwrap());
    let hints = r.result(all).as_array().unwrap();
    assert_eq!(hints.len(), 3, "two shots and the `at 1s` prompt change: {hints:?}");
    let (l0, c0) = pos(FILM, "shot arrival {");
    assert_eq!(hints[0]["position"], json!({ "line": l0, "character": c0 + "shot arrival {".len() as u32 }));
    let chunks = |i: usize| (plan.shots[i].first_chunk, plan.shots[i].first_chunk + plan.shots[i].chunks - 1);
    let (a, b) = chunks(0);
    assert_eq!(hints[0]["label"], format!("0:00.00-0:02.00 · chunks {a}-{b}"));
    let (a, b) = chunks(1);
    let second_label = if a == b { format!("0:02.00-0:03.00 · chunk {a}") } else { format!("0:02.00-0:03.00 · chunks {a}-{b}") };
    assert_eq!(hints[1]["label"], second_label);
    assert_eq!(r.result(second).as_array().unwrap().len(), 1, "only the hints in the range");
    // `at 1s` is frame 16; the first shot's chunks start at 0, 9 and 21 (middles 4, 15, 27):
    // it takes effect with the chunk at frame 21, 1.31 s in.
    let at = plan.change_chunk(0, 16).unwrap();
    assert_eq!((at.index, at.film_start), (2, 21));
    let (la, _) = pos(FILM, "at 1s: \"gulls rise\"");
    assert_eq!(hints[2]["label"], "from 0:01.31 · chunk 2");
    assert_eq!(hints[2]["position"]["line"], la);
    assert_eq!(plan.change_chunk(0, 28), None, "past the last chunk's middle it never shows");
    assert_eq!(r.result(late).as_array().unwrap()[2]["label"], "never: after the last chunk's middle", "at 1.9s is frame 30");
    assert_eq!(r.result(none), &json!([]), "no hints while the film has errors");
    let folds = r.result(folds).as_array().unwrap();
    assert_eq!(folds.len(), 3, "the scene and its two shots");
    assert_eq!(folds[0]["startLine"], pos(FILM, "scene pier").0);
    assert_eq!(folds[0]["endLine"], FILM.lines().count() as u32 - 1);
    let marks = r.result(marks).as_array().unwrap();
    assert_eq!(marks.len(), 3, "two uses and the definition");
    assert_eq!(marks.iter().filter(|m| m["kind"] == 3).count(), 1);
}

#[test]
fn inlay_hints_show_when_each_line_of_dialogue_is_on_screen() {
    // "Late again." (11 characters) stays its reading time, 11/15 + 0.5 s = 1.23 s -> 20
    // frames at 16 fps; "Go." has an explicit `for`.
    let text = FILM.replace("    at 1s: \"gulls rise\"\n", "    at 1s: \"gulls rise\"\n    say mara: \"Late again.\"\n    say mara at 1.5s for 4f: \"Go.\"\n");
    let mut s = Session::new(json!({}));
    s.open(URI, &text);
    let all = all_hints(&mut s, URI);
    let r = s.finish();
    let hints = r.result(all).as_array().unwrap();
    let at = |needle: &str| {
        let (l, c) = pos(&text, needle);
        hints.iter().find(|h| h["position"] == json!({ "line": l, "character": c + needle.len() as u32 })).map(|h| h["label"].clone())
    };
    assert_eq!(at("say mara: \"Late again.\""), Some(json!("0:00.00-0:01.25")));
    assert_eq!(at("say mara at 1.5s for 4f: \"Go.\""), Some(json!("0:01.50-0:01.75")));
}

#[test]
fn signature_help_inside_a_call_and_hover_on_a_keyword() {
    let text = FILM.replace("camera pan_left(speed: slow)", "camera pan_left(speed: slow, ");
    let mut s = Session::new(json!({}));
    s.open(URI, &text);
    let (l, c) = pos(&text, "pan_left(");
    let first = s.at("textDocument/signatureHelp", URI, l, c + 9);
    let second = s.at("textDocument/signatureHelp", URI, l, c + 21);
    let outside = s.at("textDocument/signatureHelp", URI, l, 2);
    let (dl, dc) = pos(&text, "duration 2s");
    let keyword = s.at("textDocument/hover", URI, dl, dc + 3);
    let r = s.finish();
    let stdlib = cine_compiler::compile_str("x.cine", "", &Default::default()).symbols;
    let pan = stdlib.definition(&cine_compiler::symbols::SymbolKind::Entry("camera".into()), "pan_left").unwrap();
    let sig = &r.result(first)["signatures"][0];
    assert_eq!(sig["label"], format!("pan_left({})", pan.params.join(", ")));
    assert_eq!(sig["documentation"], pan.detail);
    assert_eq!(r.result(first)["activeParameter"], 0);
    assert_eq!(r.result(second)["activeParameter"], 1, "after the first comma");
    assert_eq!(r.result(outside), &Value::Null);
    let hover = r.result(keyword)["contents"]["value"].as_str().unwrap();
    assert_eq!(hover, "**`duration`**: write it like `duration 2.5s` or `duration 40f`", "one code span per form");
}

#[test]
fn unsaved_text_of_an_open_used_file_is_what_the_screenplay_sees() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("lib")).unwrap();
    let lib = dir.path().join("lib/cast.cine");
    std::fs::write(&lib, "cast mara \"a fisherwoman\"\n").unwrap();
    let main = dir.path().join("film.cine");
    let text = "use \"lib/cast.cine\"\nset pier \"a pier\"\nscene pier {\n  shot {\n    duration 2s\n    subjects mara\n  }\n}\n";
    std::fs::write(&main, text).unwrap();
    let (uri, lib_uri) = (cine_lsp::text::from_path(&main), cine_lsp::text::from_path(&lib));
    let mut s = Session::new(json!({}));
    s.open(&uri, text);
    s.open(&lib_uri, "cast nell \"a fisherwoman\"\n"); // renamed, not saved
    s.notify("textDocument/didChange", json!({ "textDocument": { "uri": lib_uri, "version": 2 }, "contentChanges": [{ "text": "cast mara \"a fisherwoman\"\n" }] }));
    s.open(&lib_uri, "cast nell \"a fisherwoman\"\n");
    s.notify("textDocument/didClose", json!({ "textDocument": { "uri": lib_uri } }));
    let r = s.finish();
    let mains: Vec<usize> = r.msgs.iter().filter(|m| m["params"]["uri"] == uri.as_str()).map(|m| m["params"]["diagnostics"].as_array().unwrap().len()).collect();
    assert_eq!(mains, vec![0, 1, 0, 1, 0], "clean, the unsaved rename, renamed back, again, closed (the disk)");
    let errors: Vec<&serde_json::Value> = r.msgs.iter().filter(|m| m["params"]["uri"] == uri.as_str() && !m["params"]["diagnostics"].as_array().unwrap().is_empty()).collect();
    assert_eq!(errors[0]["params"]["diagnostics"][0]["code"], "cine::undefined-cast");
}

#[test]
fn dialogue_completes_speakers_and_timing_words_and_shows_in_the_shots_hover() {
    let text = "cast mara \"a fisherwoman\"\ncast ion \"a boy\"\nset pier \"a pier\"\nscene pier {\n  shot a {\n    duration 4s\n    subjects mara\n    say mara at 1s: \"The ferry is late.\"\n    say \n    say ion \n    say ion at 2s \n    sa\n    recall set pier \n  }\n}\n";
    let mut s = Session::new(json!({}));
    s.open(URI, text);
    let line = |needle: &str| pos(text, needle).0;
    let speaker = s.at("textDocument/completion", URI, line("    say \n"), 8);
    let timing = s.at("textDocument/completion", URI, line("say ion \n"), 12);
    let only_for = s.at("textDocument/completion", URI, line("say ion at 2s \n"), 18);
    let keyword = s.at("textDocument/completion", URI, line("    sa\n"), 6);
    let recall_at = s.at("textDocument/completion", URI, line("recall set pier "), 20);
    // Hover on a shot needs a film that compiles: the same without the unfinished lines.
    let clean: String = text.lines().filter(|l| !l.ends_with(' ') && *l != "    sa").map(|l| format!("{l}\n")).collect();
    let other = "file:///tmp/clean.cine";
    s.open(other, &clean);
    let hover = s.at("textDocument/hover", other, pos(&clean, "shot a {").0, 4);
    let r = s.finish();
    let labels = |id| label_list(r.result(id));
    assert_eq!(labels(speaker), vec!["ion", "mara"]);
    assert_eq!(labels(timing), vec!["at", "for"]);
    assert_eq!(labels(only_for), vec!["for"]);
    assert!(labels(keyword).contains(&"say".to_string()), "{:?}", labels(keyword));
    assert_eq!(labels(recall_at), vec!["at"], "a recall can start at a time");
    let shown = r.result(hover)["contents"]["value"].as_str().unwrap_or_default().to_string();
    assert!(shown.contains("1.00-2.69 s, mara: \"The ferry is late.\""), "{shown}");
    assert!(!shown.contains("kept in memory"), "no recall in shot a: {shown}");
}

#[test]
fn a_shots_hover_lists_what_it_keeps_in_memory_and_from_when() {
    let hover = |text: &str, at: &str| {
        let mut s = Session::new(json!({}));
        s.open(URI, text);
        let (l, c) = pos(text, at);
        let id = s.at("textDocument/hover", URI, l, c);
        s.finish().result(id)["contents"]["value"].as_str().unwrap().to_string()
    };
    let shown = hover(&FILM.replace("    recall shot arrival\n", "    recall shot arrival\n    recall cast mara at 0.5s\n"), "shot {");
    // The second shot starts at frame 32: 0.5 s in is frame 40.
    assert!(shown.contains("kept in memory (recall):\n\n- shot `arrival`, for the whole shot\n- cast `mara` (shots `arrival`), from 0.50 s (frame 40)"), "{shown}");
    // A recall of what no shot has shown yet says so (it was an empty list: "(shots )").
    let shown = hover(&FILM.replace("    at 1s: \"gulls rise\"\n", "    at 1s: \"gulls rise\"\n    recall set pier at 1.5s\n"), "shot arrival");
    assert!(shown.contains("- set `pier` (not on screen before this shot: nothing to remember yet), from 1.50 s (frame 24)"), "{shown}");
}

/// Every position of a document with multi-byte text (accents, emoji, a byte-order mark), in
/// both column encodings, for every request that takes one: an answer, never a failure.
#[test]
fn no_position_in_non_ascii_text_fails_a_request() {
    let text = format!(
        "\u{feff}{}",
        FILM.replace("    at 1s: \"gulls rise\"\n", "    action \"café crème 🌊🌊 she stands\"\n    say mara: \"Ça va? 日本語\"\n")
            .replace("cast mara \"a fisherwoman in a red coat\"", "cast mara \"a fisherwoman, élégante\" // Ça\n// ünï 🌊")
    );
    let methods = ["textDocument/hover", "textDocument/completion", "textDocument/definition", "textDocument/references", "textDocument/documentHighlight", "textDocument/signatureHelp"];
    for caps in [json!({}), json!({ "general": { "positionEncodings": ["utf-8"] } })] {
        let mut s = Session::new(caps);
        s.open(URI, &text);
        let mut ids = Vec::new();
        for (line, l) in text.lines().enumerate() {
            // Past the end of the line too (clients may send that).
            for character in 0..=l.len() as u32 + 2 {
                for m in methods {
                    let params = json!({ "textDocument": { "uri": URI }, "position": { "line": line, "character": character }, "context": { "includeDeclaration": true } });
                    ids.push((s.request(m, params), m, line, character));
                }
                let rename = json!({ "textDocument": { "uri": URI }, "position": { "line": line, "character": character }, "newName": "x" });
                ids.push((s.request("textDocument/rename", rename), "rename", line, character));
            }
        }
        let r = s.finish();
        for (id, m, line, character) in ids {
            let a = r.answer(id);
            let failed = a["error"]["code"] == json!(-32603);
            assert!(!failed, "{m} at {line}:{character} failed: {a}");
        }
    }
}

/// A project of three screenplays sharing `shared/defs.cine`: a rename or a search for a
/// shared name reaches all of them, from any of them or from the shared file.
#[test]
fn rename_and_references_reach_every_screenplay_that_uses_a_shared_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("cine.toml"), "[lints]\n").unwrap();
    std::fs::create_dir(root.join("shared")).unwrap();
    let defs = root.join("shared/defs.cine");
    std::fs::write(&defs, "cast ann \"a girl\"\n").unwrap();
    let film = "use \"shared/defs.cine\"\nset park \"a park\"\nscene park {\n  shot a {\n    duration 1s\n    subjects ann\n  }\n}\n";
    for f in ["one.cine", "two.cine"] {
        std::fs::write(root.join(f), film).unwrap();
    }
    // A screenplay that does not use the shared file has its own `ann`: untouched.
    std::fs::write(root.join("other.cine"), "cast ann \"another girl\"\nset park \"a park\"\nscene park {\n  shot {\n    duration 1s\n    subjects ann\n  }\n}\n").unwrap();
    let uri = |f: &str| cine_lsp::text::from_path(&root.join(f));
    let edited = |answer: &Value| {
        let mut files: Vec<String> = answer["changes"].as_object().unwrap().keys().map(|k| k.rsplit('/').next().unwrap().to_string()).collect();
        files.sort();
        files
    };
    let mut s = Session::new(json!({}));
    s.open(&uri("one.cine"), film);
    let from_use = s.request("textDocument/rename", json!({ "textDocument": { "uri": uri("one.cine") }, "position": { "line": 5, "character": 14 }, "newName": "anna" }));
    s.open(&uri("shared/defs.cine"), "cast ann \"a girl\"\n");
    let from_def = s.request("textDocument/rename", json!({ "textDocument": { "uri": uri("shared/defs.cine") }, "position": { "line": 0, "character": 6 }, "newName": "anna" }));
    let refs = s.request("textDocument/references", json!({ "textDocument": { "uri": uri("shared/defs.cine") }, "position": { "line": 0, "character": 6 }, "context": { "includeDeclaration": true } }));
    let r = s.finish();
    assert_eq!(edited(r.result(from_use)), ["defs.cine", "one.cine", "two.cine"]);
    assert_eq!(edited(r.result(from_def)), ["defs.cine", "one.cine", "two.cine"]);
    let two = &r.result(from_def)["changes"][uri("two.cine")];
    assert_eq!(two, &json!([{ "range": { "start": { "line": 5, "character": 13 }, "end": { "line": 5, "character": 16 } }, "newText": "anna" }]));
    assert_eq!(r.result(refs).as_array().unwrap().len(), 3, "the definition and a use in each screenplay");
    // A name taken in one of them is refused, naming the file.
    std::fs::write(root.join("three.cine"), film.replace("set park", "cast bob \"a boy\" // cine:allow(unused-cast)\nset park")).unwrap();
    let mut s = Session::new(json!({}));
    s.open(&uri("one.cine"), film);
    let id = s.request("textDocument/rename", json!({ "textDocument": { "uri": uri("one.cine") }, "position": { "line": 5, "character": 14 }, "newName": "bob" }));
    let r = s.finish();
    let msg = r.answer(id)["error"]["message"].as_str().unwrap_or_default().to_string();
    assert!(msg.contains("a cast member named `bob` already exists in") && msg.contains("three.cine"), "{msg}");
}
