//! Parses one line with the pest grammar and turns it into a [`Stmt`].

use pest::iterators::Pair;
use pest::Parser;
use pest_derive::Parser;

use crate::ast::*;
use crate::expect;
use crate::SyntaxError;

#[derive(Parser)]
#[grammar = "cine.pest"]
pub(crate) struct CineParser;

/// Which block a line sits in: decides which statements are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Top,
    Scene,
    Shot,
    /// The attribute lines of a cast / set / define block.
    Attrs,
}

/// What one line holds.
pub(crate) struct Parsed {
    pub stmt: Option<(Stmt, Span)>,
    pub comment: Option<Span>,
}

/// Parses `text` (one line, no newline) that starts at byte `base` of the file.
pub(crate) fn parse_line(text: &str, base: usize, ctx: Context) -> Result<Parsed, SyntaxError> {
    let rule = match ctx {
        Context::Top => Rule::top_line,
        Context::Scene => Rule::scene_line,
        Context::Shot => Rule::shot_line,
        Context::Attrs => Rule::attr_line,
    };
    let mut pairs = match CineParser::parse(rule, text) {
        Ok(p) => p,
        Err(e) => return Err(expect::from_pest(e, text, base, ctx)),
    };
    let line = pairs.next().expect("a line rule always yields one pair");
    // A number past f64's range would read as infinity (and print as `inf`).
    if let Some(n) = line.clone().into_inner().flatten().find(|p| matches!(p.as_rule(), Rule::number | Rule::duration_num) && !p.as_str().parse::<f64>().is_ok_and(f64::is_finite)) {
        return Err(SyntaxError { span: span(&n, base), message: "this number is too large".into(), help: Some("write a smaller number: no duration or parameter needs one this large".into()) });
    }
    let mut out = Parsed { stmt: None, comment: None };
    for pair in line.into_inner() {
        match pair.as_rule() {
            Rule::comment => out.comment = Some(span(&pair, base)),
            Rule::EOI => {}
            _ => {
                let sp = span(&pair, base);
                out.stmt = Some((stmt(pair, base)?, sp));
            }
        }
    }
    Ok(out)
}

fn span(p: &Pair<Rule>, base: usize) -> Span {
    let s = p.as_span();
    Span::new(base + s.start(), base + s.end())
}

fn name(p: Pair<Rule>, base: usize) -> Name {
    Name { text: p.as_str().to_string(), span: span(&p, base) }
}

fn text(p: Pair<Rule>, base: usize) -> Text {
    let sp = span(&p, base);
    let inner = p.into_inner().next().map(|i| i.as_str()).unwrap_or("");
    Text { value: unescape(inner), span: sp }
}

/// Undoes `\"` and `\\`, the only escapes; any other backslash is kept as written
/// (`C:\path` is `C:\path`, `\n` a backslash and an `n`: a text is one line).
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if let ('\\', Some(&next @ ('"' | '\\'))) = (c, chars.peek()) {
            out.push(next);
            chars.next();
        } else {
            out.push(c);
        }
    }
    out
}

/// A seed: any u64.
fn int(p: Pair<Rule>, base: usize, what: &str) -> Result<(u64, Span), SyntaxError> {
    let sp = span(&p, base);
    match p.as_str().parse::<u64>() {
        Ok(v) => Ok((v, sp)),
        Err(_) => Err(SyntaxError {
            span: sp,
            message: format!("this {what} is too large"),
            help: Some(format!("write a whole number from 0 to {}", u64::MAX)),
        }),
    }
}

/// A frame rate or size: one too large for a u64 is `u64::MAX`, which the compiler's range
/// check (the one place that knows the range) reports.
fn saturating_int(p: Pair<Rule>) -> u64 {
    p.as_str().parse().unwrap_or(u64::MAX)
}

fn duration(p: Pair<Rule>, base: usize) -> Duration {
    let sp = span(&p, base);
    let mut inner = p.into_inner();
    let num = inner.next().map(|n| n.as_str()).unwrap_or("0");
    let unit = match inner.next().map(|u| u.as_str()) {
        Some("f") => Unit::Frames,
        _ => Unit::Seconds,
    };
    Duration { value: num.parse().unwrap_or(0.0), text: num.to_string(), unit, span: sp }
}

fn value(p: Pair<Rule>, base: usize) -> Value {
    match p.as_rule() {
        Rule::duration => Value::Duration(duration(p, base)),
        Rule::number => {
            let sp = span(&p, base);
            let t = p.as_str().to_string();
            Value::Number { value: t.parse().unwrap_or(0.0), text: t, span: sp }
        }
        Rule::string => Value::Text(text(p, base)),
        _ => Value::Name(name(p, base)),
    }
}

/// Children without punctuation.
fn inner(p: Pair<Rule>) -> impl Iterator<Item = Pair<Rule>> {
    p.into_inner().filter(|x| !is_punct(x.as_rule()))
}

fn is_punct(r: Rule) -> bool {
    matches!(r, Rule::colon | Rule::comma | Rule::equals | Rule::lparen | Rule::rparen | Rule::by)
}

fn arg(p: Pair<Rule>, base: usize) -> Arg {
    let sp = span(&p, base);
    let mut inner = inner(p);
    let n = name(inner.next().expect("arg name"), base);
    let v = value(inner.next().expect("arg value"), base);
    Arg { name: n, value: v, span: sp }
}

fn call(p: Pair<Rule>, base: usize) -> Call {
    let sp = span(&p, base);
    let mut it = inner(p);
    let n = name(it.next().expect("call name"), base);
    let args = it
        .next()
        .map(|a| inner(a).map(|x| arg(x, base)).collect())
        .unwrap_or_default();
    Call { name: n, args, span: sp }
}

/// Converts a statement pair. Keyword pairs are skipped by taking `inner` past them.
fn stmt(p: Pair<Rule>, base: usize) -> Result<Stmt, SyntaxError> {
    let rule = p.as_rule();
    let sp = span(&p, base);
    if rule == Rule::attr {
        return Ok(Stmt::Attr(arg(p, base)));
    }
    let mut it = p.into_inner().filter(|x| !is_keyword(x.as_rule()) && !is_punct(x.as_rule()));
    let mut next = || it.next().expect("grammar guarantees this child");
    Ok(match rule {
        Rule::title_stmt => Stmt::Title(text(next(), base)),
        Rule::fps_stmt => Stmt::Fps { value: saturating_int(next()), span: sp },
        Rule::resolution_stmt => {
            let width = saturating_int(next());
            let height = saturating_int(next());
            Stmt::Resolution { width, height, span: sp }
        }
        Rule::seed_stmt => Stmt::Seed { value: int(next(), base, "seed")?.0, span: sp },
        Rule::model_stmt => {
            let m = next();
            if m.as_rule() == Rule::string {
                Stmt::Model { name: text(m, base).value, quoted: true, span: sp }
            } else {
                Stmt::Model { name: m.as_str().to_string(), quoted: false, span: sp }
            }
        }
        Rule::caption_stmt => Stmt::Caption(text(next(), base)),
        Rule::style_stmt => Stmt::Style(name(next(), base)),
        Rule::use_stmt => {
            let t = next();
            if t.as_rule() == Rule::string {
                Stmt::Use(UseTarget::Path(text(t, base)))
            } else {
                Stmt::Use(UseTarget::Module(name(t, base)))
            }
        }
        Rule::cast_def | Rule::set_def => {
            let n = name(next(), base);
            let d = text(next(), base);
            let open = it.next().is_some();
            if rule == Rule::cast_def {
                Stmt::Cast { name: n, description: d, open }
            } else {
                Stmt::Set { name: n, description: d, open }
            }
        }
        Rule::const_def => {
            let n = name(next(), base);
            let v = next();
            let t = v.as_str().to_string();
            Stmt::Const { name: n, value: t.parse().unwrap_or(0.0), text: t }
        }
        Rule::define_def => {
            let kind = name(next(), base);
            let n = name(next(), base);
            let phrase = text(next(), base);
            let open = it.next().is_some();
            Stmt::Define { kind, name: n, phrase, open }
        }
        Rule::scene_open => Stmt::SceneOpen { set: name(next(), base) },
        Rule::time_stmt => Stmt::Time(name(next(), base)),
        Rule::mood_stmt => Stmt::Mood(text(next(), base)),
        Rule::shot_open => {
            let first = next();
            if first.as_rule() == Rule::ident {
                Stmt::ShotOpen { name: Some(name(first, base)) }
            } else {
                Stmt::ShotOpen { name: None }
            }
        }
        Rule::duration_stmt => Stmt::Duration(duration(next(), base)),
        Rule::size_stmt => Stmt::Size(name(next(), base)),
        Rule::angle_stmt => Stmt::Angle(name(next(), base)),
        Rule::subjects_stmt => Stmt::Subjects(it.map(|x| name(x, base)).collect()),
        Rule::action_stmt => Stmt::Action(text(next(), base)),
        Rule::camera_stmt => Stmt::Camera(call(next(), base)),
        Rule::at_stmt => {
            let time = duration(next(), base);
            Stmt::At { time, text: text(next(), base) }
        }
        Rule::transition_stmt => Stmt::Transition(call(next(), base)),
        Rule::recall_stmt => {
            let k = next();
            let kind = match k.as_str() {
                "shot" => RecallKind::Shot,
                "cast" => RecallKind::Cast,
                _ => RecallKind::Set,
            };
            let name = name(next(), base);
            let at = it.next().and_then(|a| a.into_inner().find(|x| x.as_rule() == Rule::duration)).map(|x| duration(x, base));
            Stmt::Recall { kind, name, at }
        }
        Rule::say_stmt => {
            let speaker = name(next(), base);
            let (mut at, mut length) = (None, None);
            let mut t = next();
            while t.as_rule() != Rule::string {
                let d = t.as_rule();
                let value = t.into_inner().find(|x| x.as_rule() == Rule::duration).map(|x| duration(x, base));
                if d == Rule::say_at {
                    at = value;
                } else {
                    length = value;
                }
                t = next();
            }
            Stmt::Say { speaker, at, length, text: text(t, base) }
        }
        _ => Stmt::Close,
    })
}

fn is_keyword(r: Rule) -> bool {
    matches!(
        r,
        Rule::kw_title
            | Rule::kw_fps
            | Rule::kw_resolution
            | Rule::kw_seed
            | Rule::kw_model
            | Rule::kw_caption
            | Rule::kw_style
            | Rule::kw_use
            | Rule::kw_cast
            | Rule::kw_set
            | Rule::kw_const
            | Rule::kw_define
            | Rule::kw_scene
            | Rule::kw_time
            | Rule::kw_mood
            | Rule::kw_shot
            | Rule::kw_duration
            | Rule::kw_size
            | Rule::kw_angle
            | Rule::kw_subjects
            | Rule::kw_action
            | Rule::kw_camera
            | Rule::kw_at
            | Rule::kw_transition
            | Rule::kw_recall
            | Rule::kw_say
            | Rule::kw_for
    )
}
