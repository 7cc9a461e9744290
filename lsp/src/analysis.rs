//! One open document and what the compiler says about it.

use std::path::PathBuf;

use cine_compiler::{Compiled, Options};
use cine_grammar::{Context, Item, LineKind, Parse, Shot, Span, Stmt};
use cine_ir::ModelProfile;

use crate::text::{self, Encoding, LineIndex};

/// Looks a model up by name (the CLI passes the model registry).
pub type Profiles = Option<fn(&str) -> Option<ModelProfile>>;

/// Unsaved texts by canonical path.
pub type Overlay = std::sync::Arc<std::collections::HashMap<PathBuf, String>>;

/// An open document.
pub struct Doc {
    pub uri: String,
    /// The canonical path of the file the URI names, when it exists on disk.
    pub path: Option<PathBuf>,
    pub text: String,
    pub version: i64,
    /// The compile of the current text (file 0 is this document).
    pub compiled: Compiled,
    /// The syntax tree and lines of the current text.
    pub parse: Parse,
    /// The film's model, when the film compiles and its model is known.
    pub profile: Option<ModelProfile>,
}

impl Doc {
    /// `open`: the texts of the other open documents by canonical path, used instead of the
    /// files on disk when this one `use`s them.
    pub fn new(uri: String, text: String, version: i64, profiles: Profiles, open: Option<Overlay>) -> Self {
        let compiled = compile(&uri, &text, profiles, open);
        let parse = cine_grammar::parse(&text);
        let profile = compiled.film.as_ref().zip(profiles).and_then(|(film, find)| find(&film.model));
        let path = text::to_path(&uri).and_then(|p| p.canonicalize().ok());
        Doc { uri, path, text, version, compiled, parse, profile }
    }

    pub fn index(&self, enc: Encoding) -> LineIndex<'_> {
        LineIndex::new(&self.text, enc)
    }

    /// Whether a file of the compile can be edited: this document or a project file (not the
    /// stdlib, which is built in).
    pub fn editable(&self, file: usize) -> bool {
        file == 0 || self.compiled.sources.get(file).is_some_and(|s| s.path.is_some())
    }

    /// The URI of a file of the compile (this document for file 0), when it has one.
    pub fn file_uri(&self, file: usize) -> Option<String> {
        if file == 0 {
            return Some(self.uri.clone());
        }
        self.compiled.sources.get(file)?.path.as_deref().map(text::from_path)
    }
}

/// Compiles a document's text as the file its URI names: `use` paths and `cine.toml` are
/// found from its folder, used files are read from `overlay` when there. A document that is not a file (`untitled:`) may not use files.
pub fn compile(uri: &str, text: &str, profiles: Profiles, overlay: Option<Overlay>) -> Compiled {
    match text::to_path(uri) {
        Some(path) => {
            let root = Some(cine_compiler::project_root(&path));
            cine_compiler::compile_text(&path, text, &Options { profile: profiles, root, overlay }, None)
        }
        None => {
            let name = uri.rsplit(['/', ':']).next().filter(|n| !n.is_empty()).unwrap_or("untitled.cine");
            let path = PathBuf::from(name);
            let config = cine_compiler::Config::default();
            cine_compiler::compile_text(&path, text, &Options { profile: profiles, root: None, overlay: None }, Some(&config))
        }
    }
}

/// The block a byte offset sits in, from the lines before it (unclosed blocks count, so an
/// unfinished file still has a context).
pub fn context_at(text: &str, parse: &Parse, offset: usize) -> Context {
    let offset = offset.min(text.len());
    let line_start = offset - line_before(text, offset).len();
    let mut stack = vec![Context::Top];
    for line in parse.lines.iter().take_while(|l| l.span.start < line_start) {
        let LineKind::Stmt { stmt, .. } = &line.kind else { continue };
        match stmt {
            Stmt::Close if stack.len() > 1 => {
                stack.pop();
            }
            Stmt::SceneOpen { .. } => stack.push(Context::Scene),
            Stmt::ShotOpen { .. } => stack.push(Context::Shot),
            s if s.opens() => stack.push(Context::Attrs),
            _ => {}
        }
    }
    *stack.last().unwrap_or(&Context::Top)
}

/// The shots of a screenplay in source order (the order of the film's shots).
pub fn shots(parse: &Parse) -> impl Iterator<Item = &Shot> {
    parse.file.items.iter().filter_map(|i| if let Item::Scene(s) = i { Some(s) } else { None }).flat_map(|s| &s.shots)
}

/// The text of the line up to the offset.
pub fn line_before(text: &str, offset: usize) -> &str {
    let offset = offset.min(text.len());
    // The first line starts after a byte-order mark, as the grammar reads it.
    let first = cine_grammar::bom_len(text).min(offset);
    let start = text[..offset].rfind('\n').map_or(first, |i| i + 1);
    &text[start..offset]
}

/// The identifier that ends at the offset (possibly empty), as a span.
pub fn word_before(text: &str, offset: usize) -> Span {
    let offset = offset.min(text.len());
    // After the last character that is not part of a name (it may be more than one byte).
    let start = text[..offset].char_indices().rev().find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_')).map_or(0, |(i, c)| i + c.len_utf8());
    Span::new(start, offset)
}
