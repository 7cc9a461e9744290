//! Where each name is defined and where it is used, in every file of a compile: the index
//! an editor needs for hover, go to definition, references and completion.

use cine_grammar::{Arg, Call, Item, RecallKind, Span, Stmt, Value};
use serde::Serialize;

use crate::load::Unit;

/// What a name names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SymbolKind {
    Cast,
    Set,
    Shot,
    Const,
    /// A vocabulary entry of a kind (`size`, `angle`, `camera`, `transition`, `style`, `time`).
    Entry(String),
}

impl SymbolKind {
    /// The word a writer would use for it ("cast member", "camera move", ...).
    pub fn word(&self) -> &str {
        match self {
            SymbolKind::Cast => "cast member",
            SymbolKind::Set => "set",
            SymbolKind::Shot => "shot",
            SymbolKind::Const => "constant",
            SymbolKind::Entry(k) => match k.as_str() {
                "size" => "shot size",
                "camera" => "camera move",
                "time" => "time of day",
                other => other,
            },
        }
    }
}

/// A definition: `cast mara "..."`, `set pier "..."`, `shot arrival {`, `const slow 0.5`,
/// `define camera pan_left "..." { speed: 1 }`.
#[derive(Debug, Clone, Serialize)]
pub struct Definition {
    pub kind: SymbolKind,
    pub name: String,
    /// The description (cast, set), the phrase (vocabulary entry) or the value (constant).
    pub detail: String,
    /// Parameters or attributes as written (`speed: 1`).
    pub params: Vec<String>,
    /// Index of the file in the compile's sources.
    pub file: usize,
    /// The name.
    pub span: Span,
    /// The whole definition's first line.
    pub whole: Span,
}

/// A use of a name.
#[derive(Debug, Clone, Serialize)]
pub struct Reference {
    pub kind: SymbolKind,
    pub name: String,
    pub file: usize,
    pub span: Span,
}

/// Every definition and reference of a compile, in file and source order.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Symbols {
    pub defs: Vec<Definition>,
    pub refs: Vec<Reference>,
}

/// What sits at a position.
#[derive(Debug, Clone, Copy)]
pub enum Symbol<'a> {
    Def(&'a Definition),
    Ref(&'a Reference),
}

impl Symbol<'_> {
    pub fn kind(&self) -> &SymbolKind {
        match self {
            Symbol::Def(d) => &d.kind,
            Symbol::Ref(r) => &r.kind,
        }
    }
    pub fn name(&self) -> &str {
        match self {
            Symbol::Def(d) => &d.name,
            Symbol::Ref(r) => &r.name,
        }
    }
    pub fn span(&self) -> Span {
        match self {
            Symbol::Def(d) => d.span,
            Symbol::Ref(r) => r.span,
        }
    }
}

impl Symbols {
    /// The name defined or used at a byte offset of a file (the end of a name counts, as a
    /// cursor right after it).
    pub fn at(&self, file: usize, offset: usize) -> Option<Symbol<'_>> {
        let hit = |s: Span| s.start <= offset && offset <= s.end;
        let r = self.refs.iter().find(|r| r.file == file && hit(r.span)).map(Symbol::Ref);
        r.or_else(|| self.defs.iter().find(|d| d.file == file && hit(d.span)).map(Symbol::Def))
    }

    /// The definition of a name (the first one, when it is defined twice).
    pub fn definition(&self, kind: &SymbolKind, name: &str) -> Option<&Definition> {
        self.defs.iter().find(|d| &d.kind == kind && d.name == name)
    }

    /// Every use of a name.
    pub fn references<'a>(&'a self, kind: &'a SymbolKind, name: &'a str) -> impl Iterator<Item = &'a Reference> + 'a {
        self.refs.iter().filter(move |r| &r.kind == kind && r.name == name)
    }

    /// The definitions of a kind, in source order, each name once.
    pub fn of_kind(&self, kind: &SymbolKind) -> Vec<&Definition> {
        let mut seen = std::collections::HashSet::new();
        self.defs.iter().filter(|d| &d.kind == kind && seen.insert(d.name.as_str())).collect()
    }
}

/// Collects the symbols of every loaded file.
pub(crate) fn collect(units: &[Unit]) -> Symbols {
    let mut s = Symbols::default();
    for u in units {
        let file = u.file;
        for item in &u.parse.file.items {
            match item {
                Item::Header(p) => s.stmt(file, &p.stmt),
                Item::Cast(d) | Item::Set(d) => {
                    let kind = if matches!(item, Item::Cast(_)) { SymbolKind::Cast } else { SymbolKind::Set };
                    let params = d.attrs.iter().map(|a| format!("{}: {}", a.name.text, a.value)).collect();
                    s.def(kind, &d.name.text, &d.description.value, params, file, d.name.span, d.span);
                }
                Item::Const { name, value, span } => s.def(SymbolKind::Const, &name.text, &value.to_string(), vec![], file, name.span, *span),
                Item::Define(e) => {
                    let params = e.params.iter().map(|a| format!("{}: {}", a.name.text, a.value)).collect();
                    s.def(SymbolKind::Entry(e.kind.text.clone()), &e.name.text, &e.phrase.value, params, file, e.name.span, e.span);
                    s.args(file, &e.params);
                }
                Item::Scene(scene) => {
                    s.refer(SymbolKind::Set, file, &scene.set.text, scene.set.span);
                    for p in &scene.props {
                        s.stmt(file, &p.stmt);
                    }
                    for shot in &scene.shots {
                        if let Some(n) = &shot.name {
                            s.def(SymbolKind::Shot, &n.text, "", vec![], file, n.span, shot.head);
                        }
                        for p in &shot.props {
                            s.stmt(file, &p.stmt);
                        }
                    }
                }
            }
        }
    }
    s
}

impl Symbols {
    #[allow(clippy::too_many_arguments)]
    fn def(&mut self, kind: SymbolKind, name: &str, detail: &str, params: Vec<String>, file: usize, span: Span, whole: Span) {
        let (name, detail) = (name.to_string(), detail.to_string());
        self.defs.push(Definition { kind, name, detail, params, file, span, whole });
    }

    fn refer(&mut self, kind: SymbolKind, file: usize, name: &str, span: Span) {
        self.refs.push(Reference { kind, name: name.to_string(), file, span });
    }

    fn entry(&mut self, kind: &str, file: usize, name: &str, span: Span) {
        self.refer(SymbolKind::Entry(kind.to_string()), file, name, span);
    }

    fn call(&mut self, kind: &str, file: usize, c: &Call) {
        self.entry(kind, file, &c.name.text, c.name.span);
        self.args(file, &c.args);
    }

    /// Constants used as argument values.
    fn args(&mut self, file: usize, args: &[Arg]) {
        for a in args {
            if let Value::Name(n) = &a.value {
                self.refer(SymbolKind::Const, file, &n.text, n.span);
            }
        }
    }

    fn stmt(&mut self, file: usize, stmt: &Stmt) {
        match stmt {
            Stmt::Style(n) => self.entry("style", file, &n.text, n.span),
            Stmt::Time(n) => self.entry("time", file, &n.text, n.span),
            Stmt::Size(n) => self.entry("size", file, &n.text, n.span),
            Stmt::Angle(n) => self.entry("angle", file, &n.text, n.span),
            Stmt::Camera(c) => self.call("camera", file, c),
            Stmt::Transition(c) => self.call("transition", file, c),
            Stmt::Say { speaker, .. } => self.refer(SymbolKind::Cast, file, &speaker.text, speaker.span),
            Stmt::Subjects(names) => {
                for n in names {
                    self.refer(SymbolKind::Cast, file, &n.text, n.span);
                }
            }
            Stmt::Recall { kind, name, .. } => {
                let kind = match kind {
                    RecallKind::Shot => SymbolKind::Shot,
                    RecallKind::Cast => SymbolKind::Cast,
                    RecallKind::Set => SymbolKind::Set,
                };
                self.refer(kind, file, &name.text, name.span);
            }
            _ => {}
        }
    }
}
