//! The screenplay grammar (pest) and its syntax tree; parsing never fails and collects errors.
//!
//! A screenplay is line-oriented (see `LANGUAGE.md`): each line is parsed on its own by the
//! pest grammar in `cine.pest` with the rule of the block it sits in, and the lines are then
//! assembled into scenes, shots and definitions. A bad line becomes a [`SyntaxError`] with a
//! byte span into the whole file and a plain-words message; parsing goes on with the next.
//!
//! ```
//! let p = cine_grammar::parse("title \"Demo\"\nscene harbor {\n  shot {\n    duration 2s\n  }\n}\n");
//! assert!(p.errors.is_empty());
//! assert_eq!(p.file.items.len(), 2);
//! ```

pub mod ast;
mod build;
mod expect;
mod line;
pub mod print;

pub use ast::*;
pub use expect::{distance, suggest, usage};
pub use line::Context;

/// Files larger than this are refused with an error.
pub const MAX_SOURCE_BYTES: usize = 16 * 1024 * 1024;
/// Lines longer than this are refused with an error.
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// Syntax errors reported before giving up on the rest.
pub const MAX_ERRORS: usize = 200;

/// A syntax error: where, what was expected, and what to do.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

/// One source line, as the formatter sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The line without its newline.
    pub span: Span,
    /// Block nesting depth (the indentation `cine fmt` gives it).
    pub depth: usize,
    pub kind: LineKind,
    /// For a line that opens a block: the end of its closing `}`.
    pub block_end: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LineKind {
    Blank,
    /// A line holding only a comment (the comment's span).
    Comment(Span),
    Stmt { stmt: Stmt, span: Span, comment: Option<Span> },
    /// A line that did not parse.
    Error,
}

/// An inline `// cine:allow(rule, ...)`: the rules it silences over a byte range.
#[derive(Debug, Clone, PartialEq)]
pub struct Suppression {
    pub rules: Vec<String>,
    pub range: Span,
    /// The comment holding the directive.
    pub directive: Span,
}

/// Everything parsing found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parse {
    pub file: File,
    pub lines: Vec<Line>,
    pub errors: Vec<SyntaxError>,
    pub suppressions: Vec<Suppression>,
}

/// Parses a whole screenplay. Never fails: problems are collected in [`Parse::errors`].
pub fn parse(source: &str) -> Parse {
    if source.len() > MAX_SOURCE_BYTES {
        return Parse {
            errors: vec![SyntaxError {
                span: Span::new(0, 0),
                message: format!(
                    "file is too large ({} bytes; the limit is {MAX_SOURCE_BYTES})",
                    source.len()
                ),
                help: Some("split the film into several screenplays joined with `use`".into()),
            }],
            ..Parse::default()
        };
    }
    build::build(source)
}

/// The bytes of a leading UTF-8 byte-order mark (0 or 3): Windows editors write one, and
/// it is neither part of the first line nor a column of it.
pub fn bom_len(source: &str) -> usize {
    if source.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    }
}

/// The keywords that may start a line in a block, for "did you mean" help.
pub fn keywords(ctx: Context) -> &'static [&'static str] {
    expect::keywords(ctx)
}
