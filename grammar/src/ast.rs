//! The syntax tree. Every node carries a byte span into the whole file.

use serde::Serialize;

/// A byte range `start..end` into the whole source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
    pub fn len(&self) -> usize {
        self.end - self.start
    }
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// A name as written (an identifier).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

/// A quoted text, unescaped.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Text {
    pub value: String,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Unit {
    Seconds,
    Frames,
}

/// `3s`, `2.5s` or `48f`. `text` keeps the digits as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Duration {
    pub value: f64,
    pub text: String,
    pub unit: Unit,
    pub span: Span,
}

impl Duration {
    /// Whole frames at `fps` (`1.5s` at 16 fps is 24; `30f` is 30), rounded to the nearest.
    pub fn frames(&self, fps: u32) -> f64 {
        match self.unit {
            Unit::Seconds => (self.value * fps as f64).round(),
            Unit::Frames => self.value.round(),
        }
    }
}

/// An argument or attribute value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Value {
    /// A plain number; `text` keeps it as written.
    Number { value: f64, text: String, span: Span },
    Duration(Duration),
    Name(Name),
    Text(Text),
}

impl Value {
    pub fn span(&self) -> Span {
        match self {
            Value::Number { span, .. } => *span,
            Value::Duration(d) => d.span,
            Value::Name(n) => n.span,
            Value::Text(t) => t.span,
        }
    }
}

/// `name: value` inside a call's parentheses or a definition block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Arg {
    pub name: Name,
    pub value: Value,
    pub span: Span,
}

/// `pan_left(speed: slow)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Call {
    pub name: Name,
    pub args: Vec<Arg>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RecallKind {
    Shot,
    Cast,
    Set,
}

impl RecallKind {
    pub fn word(self) -> &'static str {
        match self {
            RecallKind::Shot => "shot",
            RecallKind::Cast => "cast",
            RecallKind::Set => "set",
        }
    }
}

/// What a `use` line names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum UseTarget {
    /// `use styles`: a stdlib module.
    Module(Name),
    /// `use "lib/cast.cine"`: a file, relative to the using file.
    Path(Text),
}

/// One statement: the content of one line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Stmt {
    Title(Text),
    Fps { value: u64, span: Span },
    Resolution { width: u64, height: u64, span: Span },
    Seed { value: u64, span: Span },
    /// The model name, quoted or bare.
    Model { name: String, quoted: bool, span: Span },
    Caption(Text),
    Style(Name),
    Use(UseTarget),
    Cast { name: Name, description: Text, open: bool },
    Set { name: Name, description: Text, open: bool },
    Const { name: Name, value: f64, text: String },
    Define { kind: Name, name: Name, phrase: Text, open: bool },
    SceneOpen { set: Name },
    Time(Name),
    Mood(Text),
    ShotOpen { name: Option<Name> },
    Duration(Duration),
    Size(Name),
    Angle(Name),
    Subjects(Vec<Name>),
    Action(Text),
    Camera(Call),
    At { time: Duration, text: Text },
    Transition(Call),
    /// `recall shot door at 1.5s`: without `at`, for the whole shot.
    Recall { kind: RecallKind, name: Name, at: Option<Duration> },
    /// `say keeper at 1s for 2s: "Hold on!"`: a line of dialogue.
    Say { speaker: Name, at: Option<Duration>, length: Option<Duration>, text: Text },
    Attr(Arg),
    Close,
}

impl Stmt {
    /// Whether the line ends by opening a block.
    pub fn opens(&self) -> bool {
        match self {
            Stmt::Cast { open, .. } | Stmt::Set { open, .. } | Stmt::Define { open, .. } => *open,
            Stmt::SceneOpen { .. } | Stmt::ShotOpen { .. } => true,
            _ => false,
        }
    }
}

/// A property line inside a shot, with the span of the whole line's statement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prop {
    pub stmt: Stmt,
    pub span: Span,
}

/// `cast` or `set`: a name, its visual description and optional attributes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntityDef {
    pub name: Name,
    pub description: Text,
    pub attrs: Vec<Arg>,
    /// The definition's first line.
    pub span: Span,
}

/// `define camera pan_left "the camera pans left" { speed: 1 }`: a vocabulary entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntryDef {
    pub kind: Name,
    pub name: Name,
    pub phrase: Text,
    pub params: Vec<Arg>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shot {
    pub name: Option<Name>,
    pub props: Vec<Prop>,
    /// The `shot ... {` line.
    pub head: Span,
    /// From the head to the closing brace.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scene {
    pub set: Name,
    pub time: Option<Name>,
    pub mood: Option<Text>,
    /// Time and mood lines (kept to report duplicates).
    pub props: Vec<Prop>,
    pub shots: Vec<Shot>,
    pub head: Span,
    pub span: Span,
}

/// A top-level item in source order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Item {
    /// A header line (`title`, `fps`, ...) or a `use` line.
    Header(Prop),
    Cast(EntityDef),
    Set(EntityDef),
    Const { name: Name, value: f64, span: Span },
    Define(EntryDef),
    Scene(Scene),
}

/// The parsed file.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct File {
    pub items: Vec<Item>,
}
