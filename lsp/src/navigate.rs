//! Go to definition, find references, rename, and the outline of a screenplay.

use std::collections::BTreeMap;

use std::path::PathBuf;

use cine_compiler::symbols::{Definition, Symbol};
use cine_grammar::{Item, Span};
use serde_json::{json, Value};

use crate::analysis::Doc;
use crate::project::{Project, Uses};
use crate::server::{Failure, INVALID_PARAMS, REQUEST_FAILED};
use crate::text::{Encoding, LineIndex};

fn symbol_at<'a>(doc: &'a Doc, enc: Encoding, params: &Value) -> Option<Symbol<'a>> {
    let offset = doc.index(enc).cursor(params)?;
    doc.compiled.symbols.at(0, offset)
}

/// A location in a file of the compile, when that file has a URI.
fn location(doc: &Doc, enc: Encoding, file: usize, span: Span) -> Option<Value> {
    let uri = doc.file_uri(file)?;
    let text = if file == 0 { doc.text.as_str() } else { doc.compiled.sources.get(file)?.text.as_str() };
    Some(json!({ "uri": uri, "range": LineIndex::new(text, enc).range(span) }))
}

pub fn definition(doc: &Doc, enc: Encoding, params: &Value) -> Value {
    let Some(sym) = symbol_at(doc, enc, params) else { return Value::Null };
    let Some(def) = doc.compiled.symbols.definition(sym.kind(), sym.name()) else { return Value::Null };
    location(doc, enc, def.file, def.span).unwrap_or(Value::Null)
}

/// Every place a name is used (and defined, when the client asks for declarations), in
/// the document's compile and in the project's other screenplays that use its definition.
pub fn references(doc: &Doc, enc: Encoding, params: &Value, project: &Project) -> Value {
    let Some(sym) = symbol_at(doc, enc, params) else { return Value::Null };
    let symbols = &doc.compiled.symbols;
    let mut spans: Vec<(usize, Span)> = symbols.references(sym.kind(), sym.name()).map(|r| (r.file, r.span)).collect();
    let def = symbols.definition(sym.kind(), sym.name());
    if params.pointer("/context/includeDeclaration").and_then(Value::as_bool).unwrap_or(true) {
        spans.extend(def.map(|d| (d.file, d.span)));
    }
    spans.sort_by_key(|&(f, s)| (f, s.start));
    let mut out: Vec<Value> = spans.into_iter().filter_map(|(f, s)| location(doc, enc, f, s)).collect();
    if let Some(def) = def {
        for u in elsewhere(doc, project, def, None).unwrap_or_default() {
            let index = LineIndex::new(&u.text, enc);
            out.extend(u.spans.iter().map(|&s| json!({ "uri": crate::text::from_path(&u.path), "range": index.range(s) })));
        }
    }
    Value::Array(out)
}

/// The uses of a definition in the project's screenplays outside the document's compile
/// (`Err(file)`: `taken` is already defined in that file's compile).
fn elsewhere(doc: &Doc, project: &Project, def: &Definition, taken: Option<&str>) -> Result<Vec<Uses>, PathBuf> {
    let def_path = if def.file == 0 { doc.path.clone() } else { doc.compiled.sources.get(def.file).and_then(|s| s.path.clone()) };
    let (Some(def_path), Some(here)) = (def_path, doc.path.as_ref()) else { return Ok(Vec::new()) };
    let root = cine_compiler::project_root(here);
    let root = root.canonicalize().unwrap_or(root);
    let mut skip: Vec<PathBuf> = doc.compiled.sources.iter().filter_map(|s| s.path.clone()).collect();
    skip.push(here.clone());
    project.uses_elsewhere(&root, &def_path, &def.kind, &def.name, &skip, taken)
}

/// Renames a cast member, set, shot or constant in every file of the compile that has a
/// URI. Vocabulary from the stdlib cannot be renamed.
pub fn rename(doc: &Doc, enc: Encoding, params: &Value, project: &Project) -> Result<Value, Failure> {
    let new = params.get("newName").and_then(Value::as_str).ok_or((INVALID_PARAMS, "missing newName".to_string()))?;
    let valid = new.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') && new.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err((REQUEST_FAILED, format!("`{new}` is not a name: use letters, digits and `_`, not starting with a digit")));
    }
    let sym = symbol_at(doc, enc, params).ok_or((REQUEST_FAILED, "there is no name here to rename".to_string()))?;
    let symbols = &doc.compiled.symbols;
    let def = symbols.definition(sym.kind(), sym.name()).ok_or_else(|| (REQUEST_FAILED, format!("`{}` is not defined", sym.name())))?;
    if !doc.editable(def.file) {
        let from = doc.compiled.sources.get(def.file).map_or("the stdlib", |s| s.name.as_str());
        return Err((REQUEST_FAILED, format!("`{}` is defined in {from}, which cannot be edited", sym.name())));
    }
    if symbols.definition(sym.kind(), new).is_some() {
        return Err((REQUEST_FAILED, format!("a {} named `{new}` already exists", sym.kind().word())));
    }
    let mut spans: Vec<(usize, Span)> = symbols.references(sym.kind(), sym.name()).map(|r| (r.file, r.span)).collect();
    spans.push((def.file, def.span));
    // Other screenplays that use the same definition (through a shared file) change too.
    let others = elsewhere(doc, project, def, Some(new)).map_err(|f| (REQUEST_FAILED, format!("a {} named `{new}` already exists in {}", sym.kind().word(), f.display())))?;
    let mut changes: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (file, span) in spans {
        if let Some(loc) = location(doc, enc, file, span) {
            let uri = loc["uri"].as_str().unwrap_or_default().to_string();
            changes.entry(uri).or_default().push(json!({ "range": loc["range"], "newText": new }));
        }
    }
    for u in others {
        let index = LineIndex::new(&u.text, enc);
        let edits = changes.entry(crate::text::from_path(&u.path)).or_default();
        edits.extend(u.spans.iter().map(|&s| json!({ "range": index.range(s), "newText": new })));
    }
    Ok(json!({ "changes": changes }))
}

// LSP SymbolKind values.
const MODULE: u8 = 2;
const NAMESPACE: u8 = 3;
const CLASS: u8 = 5;
const FUNCTION: u8 = 12;
const CONSTANT: u8 = 14;
const ENUM_MEMBER: u8 = 22;

/// The screenplay's outline: cast, sets, constants, vocabulary, scenes with their shots.
pub fn outline(doc: &Doc, enc: Encoding) -> Value {
    let index = doc.index(enc);
    let parse = &doc.parse;
    let sym = |name: &str, detail: &str, kind: u8, whole: Span, sel: Span, children: Vec<Value>| {
        let name = if name.is_empty() { "(unnamed)" } else { name };
        json!({ "name": name, "detail": detail, "kind": kind, "range": index.range(whole), "selectionRange": index.range(sel), "children": children })
    };
    let mut out = Vec::new();
    let mut scene_no = 0;
    for item in &parse.file.items {
        match item {
            Item::Cast(d) => out.push(sym(&d.name.text, &d.description.value, CLASS, d.span, d.name.span, vec![])),
            Item::Set(d) => out.push(sym(&d.name.text, &d.description.value, MODULE, d.span, d.name.span, vec![])),
            Item::Const { name, value, span } => out.push(sym(&name.text, &value.to_string(), CONSTANT, *span, name.span, vec![])),
            Item::Define(e) => out.push(sym(&e.name.text, &e.kind.text, ENUM_MEMBER, e.span, e.name.span, vec![])),
            Item::Scene(scene) => {
                scene_no += 1;
                let shots = scene
                    .shots
                    .iter()
                    .enumerate()
                    .map(|(k, s)| {
                        let shot_no = k + 1;
                        // Unnamed shots by the label plan, hover and `--shots` use: scene.shot.
                        let label = s.name.as_ref().map_or(format!("{scene_no}.{shot_no}"), |n| n.text.clone());
                        let sel = s.name.as_ref().map_or(s.head, |n| n.span);
                        sym(&label, "shot", FUNCTION, s.span, sel, vec![])
                    })
                    .collect();
                out.push(sym(&format!("scene {}", scene.set.text), "scene", NAMESPACE, scene.span, scene.set.span, shots));
            }
            Item::Header(_) => {}
        }
    }
    Value::Array(out)
}
