//! Semantic checks, lints, diagnostics and lowering of a screenplay to the film IR.
//!
//! [`compile_str`] is the entry point the other crates use; [`compile`] is the richer form
//! the CLI uses (a config, structured [`Diagnostic`]s and their sources for rendering as
//! human text, JSON or SARIF). Every problem found is reported, not just the first.
//!
//! ```
//! let src = "cast mara \"a fisherwoman\"\nset pier \"a wooden pier\"\n\
//!            scene pier {\n  shot {\n    duration 2s\n    subjects mara\n  }\n}\n";
//! let out = cine_compiler::compile_str("demo.cine", src, &Default::default());
//! assert_eq!(out.errors, 0, "{:?}", out.messages);
//! assert_eq!(out.film.unwrap().total_frames, 32);
//! ```

pub mod config;
pub mod diag;
pub mod dialogue;
pub mod explain;
pub mod fmt;
pub mod import;
mod load;
mod lower;
mod names;
pub mod prompt;
pub mod report;
pub mod rules;
mod shot;
pub mod stdlib;
pub mod symbols;

use std::path::{Path, PathBuf};

use cine_ir::{Film, ModelProfile};

pub use config::Config;
pub use diag::{apply_fixes, Diagnostic, Fix, Severity, SourceFile};
pub use lower::DEFAULT_MODEL;
pub use load::{MAX_FILES, MAX_USE_DEPTH};
pub use rules::{Level, Rule};

/// What a compile needs besides the source.
#[derive(Default)]
pub struct Options {
    /// Looks a model up by the name in the screenplay header (`None`: unknown model).
    pub profile: Option<fn(&str) -> Option<ModelProfile>>,
    /// Project root that `use` paths are confined to; `None` forbids file imports.
    pub root: Option<std::path::PathBuf>,
    /// Texts to use instead of files on disk, by canonical path (an editor's unsaved buffers).
    pub overlay: Option<std::sync::Arc<std::collections::HashMap<PathBuf, String>>>,
}

/// The result of a compile: the IR when there were no errors, and every diagnostic.
pub struct Compiled {
    pub film: Option<Film>,
    /// Rendered diagnostics (human-readable), errors and warnings.
    pub messages: Vec<String>,
    pub errors: usize,
    pub warnings: usize,
    /// The same diagnostics, structured.
    pub diagnostics: Vec<Diagnostic>,
    /// The files the diagnostics point into (`Diagnostic::file` indexes this).
    pub sources: Vec<SourceFile>,
    /// Where each name is defined and used (file indexes as for diagnostics).
    pub symbols: symbols::Symbols,
}

impl Compiled {
    /// The error when the screenplay file itself could not be read (a usage error rather
    /// than a screenplay's: the CLI exits 2 for it).
    pub fn read_error(&self) -> Option<&Diagnostic> {
        self.diagnostics.iter().find(|d| d.rule == Rule::Io)
    }

    /// The counts of everything found, and how many diagnostics the list leaves out (past
    /// [`MAX_DIAGNOSTICS`]).
    pub fn totals(&self) -> report::Totals {
        let omitted = (self.errors + self.warnings).saturating_sub(self.diagnostics.len());
        report::Totals { errors: self.errors, warnings: self.warnings, omitted }
    }
}

/// Compiles screenplay source text. `name` is used in diagnostics.
pub fn compile_str(name: &str, source: &str, opts: &Options) -> Compiled {
    let mut c = compile(name, source, None, opts, &Config::default());
    c.messages = c.diagnostics.iter().map(|d| diag::render_human(d, &c.sources)).collect();
    c
}

/// Reads and compiles a screenplay file: the file's folder is where its `use` paths start,
/// and `cine.toml` is looked for from there up (unless `config` is given). Non-UTF-8 and
/// unreadable files give a diagnostic, not a panic. Messages are left unrendered: use
/// [`report`] to render them.
pub fn compile_file(path: &Path, opts: &Options, config: Option<&Config>) -> Compiled {
    let name = path.display().to_string();
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return failed(&name, Rule::Io, format!("cannot read {name}: {e}"), "check the path and permissions"),
    };
    match decode(&name, bytes) {
        Ok(text) => compile_text(path, &text, opts, config),
        Err(failed) => failed,
    }
}

/// A screenplay file's text from its bytes, or the one-error compile that says why there is
/// none (not UTF-8, too large): for tools that read files themselves, as `cine fmt` does.
pub fn decode(name: &str, bytes: Vec<u8>) -> Result<String, Compiled> {
    if bytes.len() > cine_grammar::MAX_SOURCE_BYTES {
        return Err(too_large(name, bytes.len()));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let msg = format!("{name} is not UTF-8 text: invalid byte 0x{:02x} at offset {at}", e.as_bytes()[at]);
        failed(name, Rule::NotUtf8, msg, "save the screenplay as UTF-8")
    })
}

/// Compiles the text of a screenplay as if it were the file at `path` (an editor's unsaved
/// buffer): `use` paths start at the file's folder and `cine.toml` is looked for from there
/// up (unless `config` is given). The file itself need not exist.
pub fn compile_text(path: &Path, text: &str, opts: &Options, config: Option<&Config>) -> Compiled {
    let name = path.display().to_string();
    if text.len() > cine_grammar::MAX_SOURCE_BYTES {
        return too_large(&name, text.len());
    }
    let dir = path.parent().map(|p| if p.as_os_str().is_empty() { Path::new(".") } else { p }).map(Path::to_path_buf);
    let found;
    let config = match config {
        Some(c) => c,
        None => {
            found = dir.as_deref().and_then(Config::find).map(|p| Config::load(&p));
            match &found {
                Some(Ok(c)) => c,
                Some(Err(e)) => return bad_config(&name, e),
                None => &DEFAULT_CONFIG,
            }
        }
    };
    compile(&name, text, dir, opts, config)
}

static DEFAULT_CONFIG: Config = Config { lints: std::collections::BTreeMap::new(), limits: config::Limits { max_seconds: None }, source: None };

fn too_large(name: &str, bytes: usize) -> Compiled {
    let msg = format!("{name} is too large ({bytes} bytes; the limit is {})", cine_grammar::MAX_SOURCE_BYTES);
    failed(name, Rule::Syntax, msg, "split the film into several screenplays")
}

/// The project's cine.toml cannot be used: one error, in cine.toml when its text is known.
fn bad_config(name: &str, e: &config::ConfigError) -> Compiled {
    const HELP: &str = "cine.toml takes `[lints]` with `RULE = \"allow\"`, `\"warn\"` or `\"deny\"` (`cine lint --explain` lists the rules) and `[limits]` with `max_seconds = N`";
    let Some(text) = &e.text else {
        return failed(name, Rule::BadConfig, e.to_string(), "check the file's permissions");
    };
    let mut c = failed(name, Rule::BadConfig, format!("bad cine.toml: {}", e.message), HELP);
    let span = e.span.clone().map(|r| cine_grammar::Span::new(r.start, r.end)).unwrap_or_default();
    c.sources.push(SourceFile::new(e.path.display().to_string(), text.clone()).with_path(e.path.canonicalize().ok()));
    let d = &mut c.diagnostics[0];
    d.file = 1;
    d.span = span;
    d.label = "here".into();
    c
}

fn failed(name: &str, rule: Rule, message: String, help: &str) -> Compiled {
    let sources = vec![SourceFile::new(name, "")];
    let d = Diagnostic::new(rule, 0, cine_grammar::Span::default(), message).help(help);
    Compiled { film: None, messages: vec![], errors: 1, warnings: 0, diagnostics: vec![d], sources, symbols: Default::default() }
}

/// Diagnostics kept per compile (the counts in [`Compiled`] still cover all of them).
pub const MAX_DIAGNOSTICS: usize = 1000;

/// The shared state of one compile.
pub(crate) struct Cx<'a> {
    pub opts: &'a Options,
    pub config: &'a Config,
    pub sources: Vec<SourceFile>,
    pub units: Vec<load::Unit>,
    pub diags: Vec<Diagnostic>,
    pub names: names::Names,
}

impl Cx<'_> {
    pub(crate) fn add_source(&mut self, name: String, text: String, path: Option<PathBuf>) -> usize {
        self.sources.push(SourceFile::new(name, text).with_path(path));
        self.sources.len() - 1
    }
}

/// Compiles source text with a config. `dir` is the screenplay's folder (where relative
/// `use` paths start; the root when `None`). Diagnostics are not rendered.
pub fn compile(name: &str, source: &str, dir: Option<PathBuf>, opts: &Options, config: &Config) -> Compiled {
    let mut cx = Cx { opts, config, sources: vec![], units: vec![], diags: vec![], names: Default::default() };
    let main_path = dir.as_ref().and_then(|d| d.join(Path::new(name).file_name()?).canonicalize().ok());
    cx.add_unit(name.to_string(), source.to_string(), main_path, None);
    let dir = dir.and_then(|d| d.canonicalize().ok());
    cx.load_uses(dir);
    cx.collect_names();
    let film = cx.lower(name);
    let symbols = symbols::collect(&cx.units);
    let mut diagnostics = finalize(&mut cx);
    let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    let warnings = diagnostics.len() - errors;
    diagnostics.truncate(MAX_DIAGNOSTICS);
    Compiled { film: (errors == 0).then_some(film), messages: vec![], errors, warnings, diagnostics, sources: cx.sources, symbols }
}

/// Applies lint levels (cine.toml) and inline suppressions; sorts by file and position.
fn finalize(cx: &mut Cx) -> Vec<Diagnostic> {
    let mut extra = Vec::new();
    if let Some((path, text)) = &cx.config.source {
        let file = cx.sources.len();
        let mut bad = Vec::new();
        for key in cx.config.lints.keys() {
            let name = key.get_ref();
            if !Rule::from_name(name).is_some_and(Rule::is_lint) {
                // The key as written, without the quotes of a quoted key.
                let (start, end) = (key.span().start, key.span().end);
                let quoted = end - start == name.len() + 2 && text.get(start..start + 1).is_some_and(|q| q == "\"" || q == "'");
                let span = if quoted { cine_grammar::Span::new(start + 1, end - 1) } else { cine_grammar::Span::new(start, end) };
                // No fix: `lint --fix` and editors change the screenplay, not cine.toml.
                bad.push(lint_name_diag(file, span, name, false));
            }
        }
        if !bad.is_empty() {
            cx.sources.push(SourceFile::new(path.display().to_string(), text.clone()).with_path(path.canonicalize().ok()));
            extra.extend(bad);
        }
    }
    for u in &cx.units {
        for s in &u.parse.suppressions {
            for r in &s.rules {
                if !Rule::from_name(r).is_some_and(Rule::is_lint) {
                    // The name itself, so the did-you-mean can be applied there.
                    let text = &cx.sources[u.file].text;
                    let named = name_in(text, s.directive, r);
                    extra.push(lint_name_diag(u.file, named.unwrap_or(s.directive), r, named.is_some()));
                }
            }
        }
    }
    let mut out = Vec::new();
    for mut d in cx.diags.drain(..).chain(extra) {
        if d.rule.is_lint() {
            let level = cx.config.level(d.rule).unwrap_or(d.rule.default_level());
            let unit = cx.units.iter().find(|u| u.file == d.file);
            let suppressed = unit.is_some_and(|u| {
                u.parse.suppressions.iter().any(|s| {
                    s.range.start <= d.span.start && d.span.start <= s.range.end && s.rules.iter().any(|r| Rule::from_name(r) == Some(d.rule))
                })
            });
            if level == Level::Allow || suppressed {
                continue;
            }
            d.severity = if level == Level::Deny { Severity::Error } else { Severity::Warning };
        } else {
            d.severity = Severity::Error;
        }
        out.push(d);
    }
    out.sort_by_key(|d| (d.file, d.span.start, d.rule));
    out
}

/// Where `name` is written as a whole lint name (`cine::` and `-` are part of one) in `within`.
fn name_in(text: &str, within: cine_grammar::Span, name: &str) -> Option<cine_grammar::Span> {
    let part = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':');
    diag::whole_word(text.get(within.start..within.end)?, within.start, name, part)
}

/// `span` is the name as written when `exact` (a did-you-mean then comes with its fix).
fn lint_name_diag(file: usize, span: cine_grammar::Span, name: &str, exact: bool) -> Diagnostic {
    let lints: Vec<&str> = Rule::ALL.iter().filter(|r| r.is_lint()).map(|r| r.name()).collect();
    let d = Diagnostic::new(Rule::UnknownLint, file, span, format!("`{name}` is not a lint that can be allowed or denied")).label("unknown lint");
    match (Rule::from_name(name), cine_grammar::suggest(name, &lints)) {
        (Some(_), _) => d.help("this rule is an error, not a lint: fix the screenplay instead"),
        (None, Some(s)) if exact => d.suggest(s),
        (None, Some(s)) => d.help(format!("did you mean `{s}`?")),
        (None, None) => d.help(format!("the lints are: {}", lints.join(", "))),
    }
}

/// The project root for a screenplay: the nearest folder holding `cine.toml`, from the
/// screenplay's folder up; the screenplay's folder when there is none.
pub fn project_root(path: &Path) -> PathBuf {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    match Config::find(&dir) {
        // `cine.toml` found in the working folder from a relative path has the parent "".
        Some(cfg) => match cfg.parent() {
            Some(p) if p.as_os_str().is_empty() => PathBuf::from("."),
            Some(p) => p.to_path_buf(),
            None => dir,
        },
        None => dir,
    }
}
