//! Canonical text of a statement, used by `cine fmt`.

use std::fmt::{self, Display, Write};

use crate::ast::*;

/// Quotes a text: `"` as `\"`, and a backslash as `\\` only where a lone one would be
/// read as an escape (before `"`, `\` or the closing quote), so `C:\path` stays as written.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let escape = match c {
            '"' => true,
            '\\' => matches!(chars.peek(), None | Some('"' | '\\')),
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A number in its shortest form (`2.50` -> `2.5`, `007` -> `7`).
pub fn number(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    format!("{v}")
}

/// A number as written, in its shortest form unless that would change its digits: a
/// literal with more significant digits than an f64 holds keeps its text.
pub fn literal(v: f64, text: &str) -> String {
    let digits = text.trim_start_matches('-').replace('.', "");
    let mut sig = digits.trim_start_matches('0');
    if text.contains('.') {
        sig = sig.trim_end_matches('0');
    }
    if sig.len() > 15 {
        text.to_string()
    } else {
        number(v)
    }
}

impl Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            Unit::Seconds => "s",
            Unit::Frames => "f",
        };
        write!(f, "{}{unit}", literal(self.value, &self.text))
    }
}

impl Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Number { value, text, .. } => f.write_str(&literal(*value, text)),
            Value::Duration(d) => d.fmt(f),
            Value::Name(n) => f.write_str(&n.text),
            Value::Text(t) => f.write_str(&quote(&t.value)),
        }
    }
}

impl Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name.text, self.value)
    }
}

impl Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name.text)?;
        if !self.args.is_empty() {
            f.write_char('(')?;
            for (i, a) in self.args.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                a.fmt(f)?;
            }
            f.write_char(')')?;
        }
        Ok(())
    }
}

fn brace(open: bool) -> &'static str {
    if open {
        " {"
    } else {
        ""
    }
}

fn is_bare_model(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

impl Display for Stmt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stmt::Title(t) => write!(f, "title {}", quote(&t.value)),
            Stmt::Fps { value, .. } => write!(f, "fps {value}"),
            Stmt::Resolution { width, height, .. } => write!(f, "resolution {width}x{height}"),
            Stmt::Seed { value, .. } => write!(f, "seed {value}"),
            Stmt::Model { name, .. } if is_bare_model(name) => write!(f, "model {name}"),
            Stmt::Model { name, .. } => write!(f, "model {}", quote(name)),
            Stmt::Caption(t) => write!(f, "caption {}", quote(&t.value)),
            Stmt::Style(n) => write!(f, "style {}", n.text),
            Stmt::Use(UseTarget::Module(n)) => write!(f, "use {}", n.text),
            Stmt::Use(UseTarget::Path(t)) => write!(f, "use {}", quote(&t.value)),
            Stmt::Cast { name, description, open } => {
                write!(f, "cast {} {}{}", name.text, quote(&description.value), brace(*open))
            }
            Stmt::Set { name, description, open } => {
                write!(f, "set {} {}{}", name.text, quote(&description.value), brace(*open))
            }
            Stmt::Const { name, value, text } => write!(f, "const {} = {}", name.text, literal(*value, text)),
            Stmt::Define { kind, name, phrase, open } => {
                write!(f, "define {} {} {}{}", kind.text, name.text, quote(&phrase.value), brace(*open))
            }
            Stmt::SceneOpen { set } => write!(f, "scene {} {{", set.text),
            Stmt::Time(n) => write!(f, "time {}", n.text),
            Stmt::Mood(t) => write!(f, "mood {}", quote(&t.value)),
            Stmt::ShotOpen { name: Some(n) } => write!(f, "shot {} {{", n.text),
            Stmt::ShotOpen { name: None } => f.write_str("shot {"),
            Stmt::Duration(d) => write!(f, "duration {d}"),
            Stmt::Size(n) => write!(f, "size {}", n.text),
            Stmt::Angle(n) => write!(f, "angle {}", n.text),
            Stmt::Subjects(names) => {
                let list: Vec<&str> = names.iter().map(|n| n.text.as_str()).collect();
                write!(f, "subjects {}", list.join(", "))
            }
            Stmt::Action(t) => write!(f, "action {}", quote(&t.value)),
            Stmt::Camera(c) => write!(f, "camera {c}"),
            Stmt::At { time, text } => write!(f, "at {time}: {}", quote(&text.value)),
            Stmt::Transition(c) => write!(f, "transition {c}"),
            Stmt::Recall { kind, name, at } => {
                write!(f, "recall {} {}", kind.word(), name.text)?;
                match at {
                    Some(at) => write!(f, " at {at}"),
                    None => Ok(()),
                }
            }
            Stmt::Say { speaker, at, length, text } => {
                write!(f, "say {}", speaker.text)?;
                if let Some(at) = at {
                    write!(f, " at {at}")?;
                }
                if let Some(length) = length {
                    write!(f, " for {length}")?;
                }
                write!(f, ": {}", quote(&text.value))
            }
            Stmt::Attr(a) => a.fmt(f),
            Stmt::Close => f.write_str("}"),
        }
    }
}
