//! Loads the screenplay and everything it `use`s: stdlib modules and project files.
//!
//! File paths are confined to the project root (and `stdlib/...`, which maps to the
//! embedded modules); absolute paths, `..` that leaves the root, symlinks out of it,
//! cycles, chains deeper than [`MAX_USE_DEPTH`] and more than [`MAX_FILES`] files are errors.

use std::path::{Component, Path, PathBuf};

use cine_grammar::{parse, Item, Parse, Span, Stmt, UseTarget};

use crate::diag::Diagnostic;
use crate::rules::Rule;
use crate::stdlib;
use crate::Cx;

/// How deep `use` chains may go.
pub const MAX_USE_DEPTH: usize = 8;
/// How many project files (the screenplay and the files it uses; stdlib modules not
/// counted) one compile may load.
pub const MAX_FILES: usize = 64;

/// A parsed file taking part in the compile.
pub(crate) struct Unit {
    /// Index into the sources (and diagnostics' `file`).
    pub file: usize,
    pub parse: Parse,
    /// The canonical path of a project file.
    pub path: Option<PathBuf>,
    /// The module name of a stdlib file.
    pub module: Option<&'static str>,
}

impl Cx<'_> {
    /// Adds a parsed file, reporting its syntax errors. Returns its unit index.
    pub(crate) fn add_unit(&mut self, name: String, text: String, path: Option<PathBuf>, module: Option<&'static str>) -> usize {
        let parse = match module {
            Some(m) => stdlib_parse(m, &text),
            None => parse(&text),
        };
        let file = self.add_source(name, text, path.clone());
        for e in &parse.errors {
            let mut d = Diagnostic::new(Rule::Syntax, file, e.span, e.message.clone()).label("here");
            d.help = e.help.clone();
            self.diags.push(d);
        }
        self.units.push(Unit { file, parse, path, module });
        self.units.len() - 1
    }

    /// Loads the prelude and follows the `use` lines of unit 0 (the screenplay).
    pub(crate) fn load_uses(&mut self, main_dir: Option<PathBuf>) {
        for m in stdlib::MODULES.iter().filter(|m| m.prelude) {
            self.add_unit(stdlib::file_name(m.name), m.text.to_string(), None, Some(m.name));
        }
        let root = self.opts.root.as_ref().and_then(|r| r.canonicalize().ok());
        let mut chain = vec![self.units[0].path.clone()];
        self.follow(0, main_dir, root.as_deref(), &mut chain);
    }

    fn follow(&mut self, unit: usize, dir: Option<PathBuf>, root: Option<&Path>, chain: &mut Vec<Option<PathBuf>>) {
        let uses: Vec<(UseTarget, Span)> = self.units[unit]
            .parse
            .file
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Header(p) => match &p.stmt {
                    Stmt::Use(t) => Some((t.clone(), p.span)),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        let file = self.units[unit].file;
        for (target, span) in uses {
            match target {
                UseTarget::Module(name) => self.use_module(file, &name.text, name.span, span),
                UseTarget::Path(text) => {
                    if let Some(m) = text.value.strip_prefix("stdlib/") {
                        let name = m.strip_suffix(".cine").unwrap_or(m).to_string();
                        self.use_module(file, &name, text.span, span);
                        continue;
                    }
                    let too_many = |what: &str| {
                        Diagnostic::new(Rule::UseTooDeep, file, span, format!("too many {what}"))
                            .label("this use goes past the limit")
                            .help(format!("cine follows at most {MAX_USE_DEPTH} nested uses and loads at most {MAX_FILES} project files (stdlib modules not counted)"))
                    };
                    if chain.len() > MAX_USE_DEPTH {
                        self.diags.push(too_many("nested uses"));
                        continue;
                    }
                    let Some(path) = self.resolve(file, &text.value, text.span, dir.as_deref(), root) else { continue };
                    if chain.iter().any(|c| c.as_deref() == Some(path.as_path())) {
                        self.diags.push(
                            Diagnostic::new(Rule::UseCycle, file, text.span, format!("`{}` is already being loaded: the files use each other in a cycle", text.value))
                                .label("this use closes the cycle")
                                .help("move the shared definitions into a file that both use"),
                        );
                        continue;
                    }
                    if self.units.iter().any(|u| u.path.as_deref() == Some(path.as_path())) {
                        continue; // already loaded through another use
                    }
                    if self.units.iter().filter(|u| u.module.is_none()).count() >= MAX_FILES {
                        self.diags.push(too_many("used files"));
                        continue;
                    }
                    let unsaved = self.opts.overlay.as_ref().and_then(|o| o.get(&path)).cloned();
                    let text_src = match unsaved.map_or_else(|| read_limited(&path), Ok) {
                        Ok(t) => t,
                        Err((rule, why)) => {
                            self.diags.push(Diagnostic::new(rule, file, text.span, format!("cannot use `{}`: {why}", text.value)).label("used here"));
                            continue;
                        }
                    };
                    let shown = root
                        .and_then(|r| path.strip_prefix(r).ok())
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|| path.display().to_string());
                    let next = self.add_unit(shown, text_src, Some(path.clone()), None);
                    let loaded = self.units[next].file;
                    self.sources[loaded].used_at = Some((file, span));
                    self.check_definitions_only(next);
                    chain.push(Some(path.clone()));
                    self.follow(next, path.parent().map(Path::to_path_buf), root, chain);
                    chain.pop();
                }
            }
        }
    }

    /// `span` is the module's name as written, `stmt` the whole `use` statement.
    fn use_module(&mut self, file: usize, name: &str, span: Span, stmt: Span) {
        match stdlib::module(name) {
            Some(m) => {
                if !self.units.iter().any(|u| u.module == Some(m.name)) {
                    let unit = self.add_unit(stdlib::file_name(m.name), m.text.to_string(), None, Some(m.name));
                    let loaded = self.units[unit].file;
                    self.sources[loaded].used_at = Some((file, stmt));
                }
            }
            None => {
                let names: Vec<&str> = stdlib::MODULES.iter().map(|m| m.name).collect();
                let d = Diagnostic::new(Rule::UnknownModule, file, span, format!("there is no stdlib module `{name}`")).label("unknown module");
                // A fix only where the span is the bare name (not `"stdlib/x.cine"`).
                let bare = self.sources.get(file).and_then(|s| s.text.get(span.start..span.end)) == Some(name);
                self.diags.push(match cine_grammar::suggest(name, &names) {
                    Some(s) if bare => d.suggest(s),
                    Some(s) => d.help(format!("did you mean `{s}`?")),
                    None => d.help(format!("the stdlib modules are {}; a file is used with quotes: use \"path.cine\"", names.join(", "))),
                });
            }
        }
    }

    /// Resolves a `use` path against the using file's folder, confined to the root.
    fn resolve(&mut self, file: usize, raw: &str, span: Span, dir: Option<&Path>, root: Option<&Path>) -> Option<PathBuf> {
        let outside = |why: &str| {
            Diagnostic::new(Rule::UseOutsideProject, file, span, format!("cannot use `{raw}`: {why}"))
                .label("outside the project")
                .help("use files inside the project folder (where cine.toml is) or stdlib modules")
        };
        let Some(root) = root else {
            self.diags.push(outside("file imports need a project root").help("run `cine` on a screenplay file (its folder or the folder holding cine.toml is the root), or pass --root"));
            return None;
        };
        let p = Path::new(raw);
        if p.is_absolute() || raw.starts_with('/') || raw.starts_with('\\') || raw.contains(':') {
            self.diags.push(outside("absolute paths are not allowed"));
            return None;
        }
        let base = dir.map(Path::to_path_buf).unwrap_or_else(|| root.to_path_buf());
        let mut joined = base;
        for c in p.components() {
            match c {
                Component::ParentDir => {
                    joined.pop();
                }
                Component::Normal(s) => joined.push(s),
                _ => {}
            }
        }
        if !joined.starts_with(root) {
            self.diags.push(outside("the path leaves the project root"));
            return None;
        }
        match joined.canonicalize() {
            Ok(c) if c.is_dir() => {
                let what = if raw.trim().is_empty() { "the path is empty".to_string() } else { format!("`{raw}` is a folder") };
                self.diags.push(
                    Diagnostic::new(Rule::UseNotFound, file, span, format!("cannot use `{raw}`: {what}, not a file"))
                        .label("not a file")
                        .help("name a screenplay file, like use \"cast.cine\""),
                );
                None
            }
            Ok(c) if c.starts_with(root) => Some(c),
            Ok(_) => {
                self.diags.push(outside("the path links out of the project root"));
                None
            }
            Err(e) => {
                self.diags.push(
                    Diagnostic::new(Rule::UseNotFound, file, span, format!("cannot use `{raw}`: {e}"))
                        .label("not found")
                        .help("paths are relative to the file that holds the `use`"),
                );
                None
            }
        }
    }

    /// A used file may only define things (cast, sets, vocabulary, uses).
    fn check_definitions_only(&mut self, unit: usize) {
        let file = self.units[unit].file;
        let mut bad = Vec::new();
        for item in &self.units[unit].parse.file.items {
            match item {
                Item::Scene(s) => bad.push((s.head, "a scene")),
                Item::Header(p) if !matches!(p.stmt, Stmt::Use(_)) => bad.push((p.span, "a header line")),
                _ => {}
            }
        }
        for (span, what) in bad {
            self.diags.push(
                Diagnostic::new(Rule::UseInvalid, file, span, format!("a used file cannot hold {what}"))
                    .label("not a definition")
                    .help("used files share cast, sets, constants and vocabulary; scenes and header lines go in the screenplay itself"),
            );
        }
    }
}

/// Stdlib modules are parsed once per process.
fn stdlib_parse(module: &'static str, text: &str) -> Parse {
    static CACHE: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<&'static str, Parse>>> = std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut map = match cache.lock() {
        Ok(m) => m,
        Err(poisoned) => poisoned.into_inner(),
    };
    map.entry(module).or_insert_with(|| parse(text)).clone()
}

/// Reads a used file: size-limited and UTF-8 checked.
fn read_limited(path: &Path) -> Result<String, (Rule, String)> {
    let bytes = std::fs::read(path).map_err(|e| (Rule::UseNotFound, e.to_string()))?;
    if bytes.len() > cine_grammar::MAX_SOURCE_BYTES {
        return Err((Rule::UseInvalid, format!("the file is larger than {} bytes", cine_grammar::MAX_SOURCE_BYTES)));
    }
    String::from_utf8(bytes).map_err(|e| (Rule::NotUtf8, format!("the file is not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to())))
}
