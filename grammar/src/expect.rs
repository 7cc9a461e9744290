//! Plain-words "expected ..." messages for parse errors (never pest rule names).

use pest::error::{ErrorVariant, InputLocation};

use crate::ast::Span;
use crate::line::{Context, Rule};
use crate::SyntaxError;

/// The keywords that may start a line in each context.
pub fn keywords(ctx: Context) -> &'static [&'static str] {
    match ctx {
        Context::Top => &[
            "title", "fps", "resolution", "seed", "model", "caption", "style", "use", "cast",
            "set", "const", "define", "scene",
        ],
        Context::Scene => &["time", "mood", "shot"],
        Context::Shot => &[
            "duration", "size", "angle", "subjects", "action", "camera", "at", "say",
            "transition", "recall",
        ],
        Context::Attrs => &[],
    }
}

fn where_(ctx: Context) -> &'static str {
    match ctx {
        Context::Top => "at the top level",
        Context::Scene => "in a scene",
        Context::Shot => "in a shot",
        Context::Attrs => "in a definition block",
    }
}

/// How a statement is written, for help on a line that starts right but goes wrong.
pub fn usage(keyword: &str) -> Option<&'static str> {
    Some(match keyword {
        "title" => "title \"The Lighthouse\"",
        "fps" => "fps 16",
        "resolution" => "resolution 64x64",
        "seed" => "seed 7",
        "model" => "model cine-tiny",
        "caption" => "caption \"a stormy coast\"",
        "style" => "style noir",
        "use" => "use styles, or use \"shared/cast.cine\"",
        "cast" => "cast keeper \"an old keeper in a raincoat\", or cast keeper \"an old keeper\" { (then attributes)",
        "set" => "set cliff \"a white lighthouse on a cliff\"",
        "const" => "const slow = 0.5",
        "define" => "define camera drift \"the camera drifts\" {",
        "scene" => "scene cliff {",
        "time" => "time dusk",
        "mood" => "mood \"quiet\"",
        "shot" => "shot arrival {, or shot {",
        "duration" => "duration 2.5s, or duration 40f",
        "size" => "size wide",
        "angle" => "angle low",
        "subjects" => "subjects keeper, boy",
        "action" => "action \"the keeper waves\"",
        "camera" => "camera pan_left(speed: slow)",
        "at" => "at 1.5s: \"the lamp flares\"",
        "say" => "say keeper: \"Hold on!\", or say keeper at 1.5s for 2s: \"Hold on!\"",
        "transition" => "transition dissolve(frames: 8)",
        "recall" => "recall shot door, or recall cast keeper, or recall set cliff at 1.5s",
        _ => return None,
    })
}

/// Describes a grammar rule in words a writer understands.
fn describe(r: Rule) -> Option<&'static str> {
    Some(match r {
        Rule::string | Rule::string_inner => "a quoted text like \"...\"",
        Rule::ident => "a name (letters, digits and _)",
        Rule::model_name => "a model name like cine-tiny",
        Rule::int => "a whole number",
        Rule::dim => "a size like 64x64",
        Rule::number => "a number",
        Rule::duration | Rule::duration_num => "a duration like 3s or 48f",
        Rule::unit => "a unit: s (seconds) or f (frames)",
        Rule::entry_kind => "a vocabulary kind: size, angle, camera, transition, style or time",
        Rule::recall_kind => "what to recall: shot, cast or set",
        Rule::args => "arguments in parentheses like (speed: slow)",
        Rule::arg => "an argument like speed: slow",
        Rule::open => "`{`",
        Rule::colon => "`:`",
        Rule::comma => "`,`",
        Rule::equals => "`=`",
        Rule::lparen => "`(`",
        Rule::rparen => "`)`",
        Rule::by => "`x` (as in 64x64)",
        Rule::close => "`}`",
        Rule::comment => "a comment",
        Rule::EOI => "the end of the line",
        _ => return None,
    })
}

/// The word at `from` (after the spaces and tabs the grammar skips) and where it starts.
pub(crate) fn first_word(text: &str, from: usize) -> (usize, &str) {
    let rest = &text[from..];
    let start = from + (rest.len() - rest.trim_start_matches([' ', '\t']).len());
    let end = text[start..]
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map(|e| start + e)
        .unwrap_or(text.len());
    (start, &text[start..end])
}

/// The closest option, for a "did you mean": at most one edit for short words, two for
/// longer ones (a swap of two neighbours counts as one edit).
pub fn suggest<'a>(word: &str, options: &[&'a str]) -> Option<&'a str> {
    let limit = if word.chars().count() <= 4 { 1 } else { 2 };
    let mut best: Option<(usize, &str)> = None;
    for o in options {
        let d = distance(&word.to_lowercase(), o);
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, o));
        }
    }
    best.map(|(_, o)| o)
}

/// Optimal string alignment distance (Levenshtein plus adjacent swaps).
pub fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > 3 {
        return a.len().abs_diff(b.len());
    }
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for (j, x) in d.iter_mut().enumerate().take(w) {
        *x = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1).min(d[i * w + j - 1] + 1).min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

fn join_or(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} or {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

/// Converts a pest error on one line into a plain-words syntax error.
pub(crate) fn from_pest(e: pest::error::Error<Rule>, text: &str, base: usize, ctx: Context) -> SyntaxError {
    let pos = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    if let Some(e) = odd_space(text, pos, base) {
        return e;
    }
    let (wstart, word) = first_word(text, 0);
    let written = usage(word).filter(|_| keywords(ctx).contains(&word)).map(|u| format!("write it like: {u}"));
    // The line's first word is not a statement this block allows.
    if pos <= wstart && written.is_none() {
        let kws = keywords(ctx);
        let listed: Vec<String> = kws.iter().map(|k| format!("`{k}`")).collect();
        let end = if word.is_empty() { wstart + text[wstart..].chars().next().map_or(0, char::len_utf8) } else { wstart + word.len() };
        let expected = if kws.is_empty() {
            "an attribute like `age: 40` or `}`".to_string()
        } else {
            format!("{} or `}}`", listed.join(", "))
        };
        let mut help = suggest(word, kws).map(|k| format!("did you mean `{k}`?"));
        if help.is_none() {
            help = misplaced(word, ctx);
        }
        let shown = if word.is_empty() { text[wstart..].chars().next().map(String::from).unwrap_or_default() } else { word.to_string() };
        return SyntaxError {
            span: Span::new(base + wstart, base + end.max(wstart)),
            message: format!("unexpected `{shown}` {}: expected {expected}", where_(ctx)),
            help,
        };
    }
    let mut expected: Vec<String> = Vec::new();
    if let ErrorVariant::ParsingError { positives, .. } = &e.variant {
        for r in positives {
            let w = describe(*r).map(str::to_string).unwrap_or_else(|| keyword_of(*r));
            if !w.is_empty() && !expected.contains(&w) {
                expected.push(w);
            }
        }
    }
    if expected.is_empty() {
        expected.push("the end of the line".into());
    }
    // A text that opens but does not close on its line.
    let wants_text = matches!(&e.variant, ErrorVariant::ParsingError { positives, .. } if positives.contains(&Rule::string));
    if wants_text && text[pos..].starts_with('"') {
        return SyntaxError {
            span: Span::new(base + pos, base + text.trim_end().len().max(pos + 1)),
            message: "this text has no closing `\"`".into(),
            help: Some("close the quote on the same line; a text cannot run over lines".into()),
        };
    }
    // What is found starts after the spaces pest skipped before failing.
    let (pos, mut found) = first_word(text, pos);
    // A number is shown whole (`16.5`, `-2s`), not up to its first non-letter.
    if text[pos..].starts_with(|c: char| c.is_ascii_digit() || c == '-') {
        let len = text[pos..].find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))).unwrap_or(text.len() - pos);
        found = &text[pos..pos + len];
    }
    let end = if found.is_empty() { (pos + text[pos..].chars().next().map_or(0, char::len_utf8)).min(text.len()) } else { pos + found.len() };
    let found_desc = if pos >= text.len() {
        "the end of the line".to_string()
    } else {
        format!("`{}`", &text[pos..end.max(pos)])
    };
    SyntaxError {
        span: Span::new(base + pos, base + end.max(pos)),
        message: format!("expected {}, found {found_desc}", join_or(&expected)),
        help: written,
    }
}

/// An error for a character that looks like a space (or like nothing) where the line went
/// wrong: only plain spaces and tabs separate words, and "found `  du`" would not say why.
fn odd_space(text: &str, pos: usize, base: usize) -> Option<SyntaxError> {
    let at = pos + (text[pos..].len() - text[pos..].trim_start_matches([' ', '\t']).len());
    let c = text[at..].chars().next()?;
    let (what, help) = match c {
        '\u{a0}' => ("non-breaking space", "replace it with a plain space"),
        '\u{202f}' => ("narrow non-breaking space", "replace it with a plain space"),
        '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' => ("invisible character", "delete it"),
        ' ' | '\t' => return None,
        c if c.is_whitespace() => ("Unicode space", "replace it with a plain space"),
        _ => return None,
    };
    Some(SyntaxError {
        span: Span::new(base + at, base + at + c.len_utf8()),
        message: format!("unexpected {what} (U+{:04X}): only plain spaces and tabs separate words", c as u32),
        help: Some(help.into()),
    })
}

/// A keyword rule, in backticks; other rules have no plain name.
fn keyword_of(r: Rule) -> String {
    let s = format!("{r:?}");
    match s.strip_prefix("kw_") {
        Some(k) => format!("`{k}`"),
        None => String::new(),
    }
}

/// Help for a statement written in the wrong block.
fn misplaced(word: &str, ctx: Context) -> Option<String> {
    for other in [Context::Top, Context::Scene, Context::Shot] {
        if other != ctx && keywords(other).contains(&word) {
            let place = match other {
                Context::Top => "at the top level (outside scenes)",
                Context::Scene => "directly in a scene",
                Context::Shot => "inside a shot",
                Context::Attrs => "",
            };
            let close = if ctx == Context::Attrs || other == Context::Top {
                " (is a `}` missing above?)"
            } else {
                ""
            };
            return Some(format!("`{word}` belongs {place}{close}"));
        }
    }
    None
}
