//! Diagnostics: what went wrong, where (byte spans into whole files), and what to do.

use std::fmt;

use cine_grammar::Span;
use miette::{LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};
use serde::Serialize;

use crate::rules::Rule;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// A source file taking part in a compile (the screenplay, used files, cine.toml).
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown in diagnostics (a path relative to where cine runs, or `stdlib/x.cine`).
    pub name: String,
    pub text: String,
    /// Where the file is on disk (canonical), for a screenplay or a used project file.
    pub path: Option<std::path::PathBuf>,
    /// The `use` statement that loaded this file: the using file's index and the statement's
    /// span. `None` for the screenplay, the stdlib's prelude and cine.toml.
    pub used_at: Option<(usize, Span)>,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile { name: name.into(), text, path: None, used_at: None, line_starts }
    }

    /// The same file, located on disk.
    pub fn with_path(mut self, path: Option<std::path::PathBuf>) -> Self {
        self.path = path;
        self
    }

    /// 1-based line and column (in characters) of a byte offset. A leading byte-order mark
    /// is not a column: editors do not show it.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = if line == 0 { cine_grammar::bom_len(&self.text).min(offset) } else { self.line_starts[line] };
        let col = self.text.get(start..offset).map_or(offset - start, |s| s.chars().count());
        (line + 1, col + 1)
    }
}

/// A second span with its label, in the same file as the diagnostic.
#[derive(Debug, Clone, Serialize)]
pub struct Label {
    pub span: Span,
    pub text: String,
}

/// A machine-applicable fix: replace a span of the diagnostic's file with a text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fix {
    pub span: Span,
    pub replacement: String,
}

impl Fix {
    /// What the fix does, for editor menus and reports: replace `maar` with `mara`, or
    /// remove `, mara`. `text` is the file the fix is for.
    pub fn title(&self, text: &str) -> String {
        let old = text.get(self.span.start..self.span.end).unwrap_or("");
        match self.replacement.as_str() {
            "" => format!("remove `{old}`"),
            new => format!("replace `{old}` with `{new}`"),
        }
    }
}

/// Where `word` first stands whole in `hay` (no `part` character right before or after
/// it), as a span counted from `base`: for pointing a diagnostic at a name in a line.
pub(crate) fn whole_word(hay: &str, base: usize, word: &str, part: impl Fn(char) -> bool) -> Option<Span> {
    hay.match_indices(word)
        .map(|(i, _)| i)
        .find(|&i| !hay[..i].ends_with(&part) && !hay[i + word.len()..].starts_with(&part))
        .map(|i| Span::new(base + i, base + i + word.len()))
}

/// Applies fixes to a text, in order of position; a fix that overlaps one before it, or
/// does not fit the text, is skipped. Returns the new text and the fixes applied.
pub fn apply_fixes<'a>(text: &str, fixes: impl IntoIterator<Item = &'a Fix>) -> (String, Vec<&'a Fix>) {
    let mut fixes: Vec<&Fix> = fixes.into_iter().collect();
    fixes.sort_by_key(|f| (f.span.start, f.span.end));
    let mut out = String::with_capacity(text.len());
    let mut applied = Vec::new();
    let mut at = 0;
    for f in fixes {
        if f.span.start < at || text.get(f.span.start..f.span.end).is_none() {
            continue;
        }
        out.push_str(&text[at..f.span.start]);
        out.push_str(&f.replacement);
        at = f.span.end;
        applied.push(f);
    }
    out.push_str(&text[at..]);
    (out, applied)
}

/// One problem found in a screenplay.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub rule: Rule,
    pub severity: Severity,
    pub message: String,
    /// Index of the file in the compile's sources.
    pub file: usize,
    pub span: Span,
    /// Label of the primary span.
    pub label: String,
    pub others: Vec<Label>,
    pub help: Option<String>,
    /// The fix the help suggests, when it is one exact replacement.
    pub fix: Option<Fix>,
}

impl Diagnostic {
    pub fn new(rule: Rule, file: usize, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            rule,
            severity: Severity::Error,
            message: message.into(),
            file,
            span,
            label: String::new(),
            others: Vec::new(),
            help: None,
            fix: None,
        }
    }
    pub fn label(mut self, text: impl Into<String>) -> Self {
        self.label = text.into();
        self
    }
    pub fn help(mut self, text: impl Into<String>) -> Self {
        self.help = Some(text.into());
        self
    }
    /// The message with the help on a line of its own (`help: ...`), for plain-text outputs.
    pub fn message_with_help(&self) -> String {
        match &self.help {
            Some(h) => format!("{}\nhelp: {h}", self.message),
            None => self.message.clone(),
        }
    }
    /// "did you mean `name`?", with the fix that writes `name` over the diagnostic's span.
    pub fn suggest(mut self, name: &str) -> Self {
        self.help = Some(format!("did you mean `{name}`?"));
        self.fix = Some(Fix { span: self.span, replacement: name.to_string() });
        self
    }
    pub fn also(mut self, span: Span, text: impl Into<String>) -> Self {
        self.others.push(Label { span, text: text.into() });
        self
    }
}

/// A diagnostic bound to its source, for miette.
pub struct Report<'a> {
    pub diag: &'a Diagnostic,
    pub src: &'a SourceFile,
    /// Message and help only: the file could not be read, so there is no text to quote.
    pub bare: bool,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl std::error::Error for Report<'_> {}

fn clamp(span: Span, len: usize) -> SourceSpan {
    let start = span.start.min(len);
    let end = span.end.clamp(start, len);
    (start, end - start).into()
}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diag.rule.code()))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diag.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        (!self.bare).then_some(self.src as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.bare {
            return None;
        }
        let len = self.src.text.len();
        let d = self.diag;
        let primary = LabeledSpan::new_primary_with_span(
            (!d.label.is_empty()).then(|| d.label.clone()),
            clamp(d.span, len),
        );
        let others = d
            .others
            .iter()
            .map(move |l| LabeledSpan::new_with_span(Some(l.text.clone()), clamp(l.span, len)));
        Some(Box::new(std::iter::once(primary).chain(others)))
    }
}

/// Reads only the lines around a span (miette's own reader scans from the file start).
impl SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let (line, _) = self.line_col(span.offset());
        let first = (line - 1).saturating_sub(before);
        let ws = self.line_starts[first];
        let rest = &self.text.as_bytes()[ws..];
        let local: SourceSpan = (span.offset() - ws, span.len()).into();
        let inner = rest.read_span(&local, before, after)?;
        let data: &'a [u8] = inner.data();
        let start = inner.span().offset() + ws;
        // The column in characters, as the JSON, SARIF and GitHub outputs count it
        // (miette counts bytes).
        let column = self.line_col(start).1 - 1;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            data,
            (start, inner.span().len()).into(),
            inner.line() + first,
            column,
            inner.line_count(),
        )))
    }
}

/// Renders diagnostics as miette's graphical report, without colour (stable output).
pub fn render_human(d: &Diagnostic, sources: &[SourceFile]) -> String {
    let handler = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .with_links(false);
    let Some(src) = sources.get(d.file) else {
        return format!("{}: {}", d.rule.code(), d.message);
    };
    let mut out = String::new();
    // A file that could not be read (or is too large) has no text to quote.
    let bare = src.text.is_empty() && matches!(d.rule, Rule::Io | Rule::NotUtf8 | Rule::BadConfig | Rule::Syntax);
    let report = Report { diag: d, src, bare };
    if handler.render_report(&mut out, &report).is_err() {
        let (l, c) = src.line_col(d.span.start);
        return format!("{}: {} ({}:{l}:{c})", d.rule.code(), d.message, src.name);
    }
    out
}
