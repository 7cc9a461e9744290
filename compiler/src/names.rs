//! Name tables: cast, sets, constants and vocabulary entries from every loaded file.

use std::collections::{BTreeMap, HashMap};

use cine_grammar::{Arg, EntityDef, Item, Span, Value};

use crate::diag::Diagnostic;
use crate::rules::Rule;
use crate::shot::Lit;
use crate::Cx;

/// A cast member or set.
pub(crate) struct Def {
    pub name: String,
    pub description: String,
    /// Where the description is written.
    pub description_at: Lit,
    pub attrs: BTreeMap<String, String>,
    pub file: usize,
    pub span: Span,
    pub used: bool,
}

/// A vocabulary entry: its phrase and numeric parameters in definition order.
pub(crate) struct Entry {
    pub phrase: String,
    /// Where the phrase is written.
    pub phrase_at: Lit,
    pub params: Vec<(String, f64)>,
    /// Defined in the stdlib, whose parameters are amounts (speed, degrees, ...) except
    /// `frames`: a time given to one of them means nothing.
    pub stdlib: bool,
}

#[derive(Default)]
pub(crate) struct Names {
    pub cast: Vec<Def>,
    pub cast_ix: HashMap<String, usize>,
    pub sets: Vec<Def>,
    pub set_ix: HashMap<String, usize>,
    pub consts: HashMap<String, f64>,
    /// (kind, name) to entry.
    pub entries: HashMap<(String, String), Entry>,
}

impl Names {
    /// Names of a kind's entries, sorted, for "did you mean" and listings.
    pub fn entry_names(&self, kind: &str) -> Vec<&str> {
        let mut v: Vec<&str> = self.entries.keys().filter(|(k, _)| k == kind).map(|(_, n)| n.as_str()).collect();
        v.sort_unstable();
        v
    }
}

impl Cx<'_> {
    /// Collects every definition: stdlib and used files first, the screenplay last, so a
    /// duplicate is reported where the writer can change it.
    pub(crate) fn collect_names(&mut self) {
        let mut order: Vec<usize> = (1..self.units.len()).collect();
        order.push(0);
        let mut first_seen: HashMap<(String, String), (usize, Span)> = HashMap::new();
        // Constants first: entries may use them in their parameters.
        for &u in &order {
            let file = self.units[u].file;
            let items = std::mem::take(&mut self.units[u].parse.file.items);
            for item in &items {
                if let Item::Const { name, value, span } = item {
                    if self.dup(&mut first_seen, "const", &name.text, file, name.span, *span) {
                        continue;
                    }
                    self.names.consts.insert(name.text.clone(), *value);
                }
            }
            self.units[u].parse.file.items = items;
        }
        for &u in &order {
            let file = self.units[u].file;
            let items = std::mem::take(&mut self.units[u].parse.file.items);
            for item in &items {
                match item {
                    Item::Cast(d) => {
                        if !self.dup(&mut first_seen, "cast", &d.name.text, file, d.name.span, d.span) {
                            let def = self.def(d, file);
                            self.names.cast_ix.insert(def.name.clone(), self.names.cast.len());
                            self.names.cast.push(def);
                        }
                    }
                    Item::Set(d) => {
                        if !self.dup(&mut first_seen, "set", &d.name.text, file, d.name.span, d.span) {
                            let def = self.def(d, file);
                            self.names.set_ix.insert(def.name.clone(), self.names.sets.len());
                            self.names.sets.push(def);
                        }
                    }
                    Item::Define(e) => {
                        let kind = e.kind.text.clone();
                        if self.dup(&mut first_seen, &kind, &e.name.text, file, e.name.span, e.span) {
                            continue;
                        }
                        let params = self.params(&e.params, file);
                        let phrase_at = Lit { file, span: e.phrase.span };
                        let entry = Entry { phrase: e.phrase.value.clone(), phrase_at, params, stdlib: self.units[u].module.is_some() };
                        self.names.entries.insert((kind, e.name.text.clone()), entry);
                    }
                    _ => {}
                }
            }
            self.units[u].parse.file.items = items;
        }
    }

    /// Reports a duplicate; returns true when the name was seen before.
    fn dup(&mut self, seen: &mut HashMap<(String, String), (usize, Span)>, kind: &str, name: &str, file: usize, span: Span, _whole: Span) -> bool {
        let key = (kind.to_string(), name.to_string());
        if let Some(&(f0, s0)) = seen.get(&key) {
            let what = if kind == "cast" || kind == "set" || kind == "const" { kind.to_string() } else { format!("{kind} entry") };
            let mut d = Diagnostic::new(Rule::DuplicateName, file, span, format!("{what} `{name}` is defined twice")).label("defined again here");
            if f0 == file {
                d = d.also(s0, "first defined here").help("rename one of them, or remove the second");
            } else {
                let (l, _) = self.sources[f0].line_col(s0.start);
                d = d.help(format!("the first definition is in {} at line {l}; rename one of them", self.sources[f0].name));
            }
            self.diags.push(d);
            return true;
        }
        seen.insert(key, (file, span));
        false
    }

    fn def(&mut self, d: &EntityDef, file: usize) -> Def {
        let mut attrs = BTreeMap::new();
        for a in &d.attrs {
            if attrs.insert(a.name.text.clone(), attr_text(&a.value)).is_some() {
                self.diags.push(
                    Diagnostic::new(Rule::DuplicateProperty, file, a.name.span, format!("attribute `{}` is given twice", a.name.text))
                        .label("given again here")
                        .help("keep one of them"),
                );
            }
        }
        let description_at = Lit { file, span: d.description.span };
        Def { name: d.name.text.clone(), description: d.description.value.clone(), description_at, attrs, file, span: d.name.span, used: false }
    }

    /// A definition's parameters as numbers, each once (a second one is reported).
    fn params(&mut self, args: &[Arg], file: usize) -> Vec<(String, f64)> {
        let mut first: HashMap<&str, Span> = HashMap::new();
        let mut out = Vec::new();
        for a in args {
            if let Some(&at) = first.get(a.name.text.as_str()) {
                self.diags.push(
                    Diagnostic::new(Rule::DuplicateProperty, file, a.name.span, format!("parameter `{}` is given twice", a.name.text))
                        .label("given again here")
                        .also(at, "first given here")
                        .help("keep one of them"),
                );
                continue;
            }
            first.insert(&a.name.text, a.name.span);
            out.extend(self.number(a, file));
        }
        out
    }

    /// A definition parameter as a number (constants resolved).
    fn number(&mut self, a: &Arg, file: usize) -> Option<(String, f64)> {
        let v = match &a.value {
            Value::Number { value, .. } => *value,
            Value::Duration(d) => d.value,
            Value::Name(n) => match self.names.consts.get(&n.text) {
                Some(v) => *v,
                None => {
                    self.diags.push(self.unknown_value(file, n.span, &n.text));
                    return None;
                }
            },
            Value::Text(t) => {
                self.diags.push(
                    Diagnostic::new(Rule::BadValue, file, t.span, "vocabulary parameters are numbers")
                        .label("a text")
                        .help("write a number, or a constant such as `slow`"),
                );
                return None;
            }
        };
        Some((a.name.text.clone(), v))
    }

    /// An unknown constant name used as a value.
    pub(crate) fn unknown_value(&self, file: usize, span: Span, name: &str) -> Diagnostic {
        let mut consts: Vec<&str> = self.names.consts.keys().map(String::as_str).collect();
        consts.sort_unstable();
        let d = Diagnostic::new(Rule::UnknownEntry, file, span, format!("unknown value `{name}`")).label("not a number or a known constant");
        match cine_grammar::suggest(name, &consts) {
            Some(s) => d.suggest(s),
            None => d.help(format!("write a number, or one of: {}", consts.join(", "))),
        }
    }
}

/// An attribute value as text (quotes dropped).
fn attr_text(v: &Value) -> String {
    match v {
        Value::Text(t) => t.value.clone(),
        other => other.to_string(),
    }
}
