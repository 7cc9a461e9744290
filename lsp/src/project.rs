//! The project's other screenplays: where a name defined in a shared file is also used, so
//! rename and references reach every file of the project, not only the open document's.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use cine_compiler::symbols::SymbolKind;
use cine_compiler::Options;
use cine_grammar::Span;

use crate::analysis::Profiles;

/// Files looked at in one walk of the project (a bound for huge folders).
const MAX_FILES: usize = 2000;

/// What a walk needs: the model profiles and the unsaved texts of open documents.
pub struct Project<'a> {
    pub profiles: Profiles,
    pub open: &'a HashMap<PathBuf, String>,
}

/// Uses of a name in one file: its text (unsaved when open) and the spans.
pub struct Uses {
    pub path: PathBuf,
    pub text: String,
    pub spans: Vec<Span>,
}

impl Project<'_> {
    /// Uses of `kind` `name`, defined in the file `def_path`, in the `.cine` files under
    /// `root` other than those in `skip` (which the caller covers already). A file counts
    /// when its compile resolves the name to that same definition. `Err(file)` when such a
    /// file already has a `kind` named `taken` (a rename to it would collide there).
    pub fn uses_elsewhere(&self, root: &Path, def_path: &Path, kind: &SymbolKind, name: &str, skip: &[PathBuf], taken: Option<&str>) -> Result<Vec<Uses>, PathBuf> {
        let mut found: HashMap<PathBuf, Vec<Span>> = HashMap::new();
        let mut texts: HashMap<PathBuf, String> = HashMap::new();
        let overlay = Some(std::sync::Arc::new(self.open.clone()));
        for file in cine_files(root) {
            if skip.contains(&file) {
                continue;
            }
            let Some(text) = self.open.get(&file).cloned().or_else(|| std::fs::read_to_string(&file).ok()) else { continue };
            if !text.contains(name) {
                continue;
            }
            let opts = Options { profile: self.profiles, root: Some(root.to_path_buf()), overlay: overlay.clone() };
            let c = cine_compiler::compile_text(&file, &text, &opts, None);
            let path_of = |f: usize| if f == 0 { Some(file.clone()) } else { c.sources.get(f).and_then(|s| s.path.clone()) };
            let same = c.symbols.definition(kind, name).is_some_and(|d| path_of(d.file).as_deref() == Some(def_path));
            if !same {
                continue;
            }
            if taken.is_some_and(|t| c.symbols.definition(kind, t).is_some()) {
                return Err(file);
            }
            for r in c.symbols.references(kind, name) {
                let Some(p) = path_of(r.file).filter(|p| !skip.contains(p)) else { continue };
                let spans = found.entry(p.clone()).or_default();
                if !spans.contains(&r.span) {
                    spans.push(r.span);
                }
                if !texts.contains_key(&p) {
                    let t = if r.file == 0 { text.clone() } else { c.sources[r.file].text.clone() };
                    texts.insert(p, t);
                }
            }
        }
        let mut out: Vec<Uses> = found.into_iter().map(|(path, spans)| Uses { text: texts.remove(&path).unwrap_or_default(), path, spans }).collect();
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }
}

/// The `.cine` files under `root` (canonical paths), hidden entries and symlinked folders
/// skipped.
fn cine_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries.flatten() {
            if out.len() >= MAX_FILES {
                return out;
            }
            let name = e.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let Ok(kind) = e.file_type() else { continue };
            let p = e.path();
            if kind.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "cine") {
                out.extend(p.canonicalize().ok());
            }
        }
    }
    out
}
