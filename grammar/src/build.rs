//! Assembles the per-line statements into blocks (scenes, shots, definitions).

use crate::ast::*;
use crate::line::{parse_line, Context};
use crate::{expect, Line, LineKind, Parse, Suppression, SyntaxError};
use crate::{MAX_ERRORS, MAX_LINE_BYTES};

enum Block {
    Cast(EntityDef),
    Set(EntityDef),
    Define(EntryDef),
    Scene(Scene),
    Shot(Shot),
    /// A block whose opening line did not parse: lines are checked with the context its
    /// keyword suggests (if any) and dropped, so its `}` still matches.
    Skip(Option<Context>, Span),
}

impl Block {
    fn ctx(&self) -> Context {
        match self {
            Block::Scene(_) => Context::Scene,
            Block::Shot(_) => Context::Shot,
            Block::Skip(c, _) => c.unwrap_or(Context::Attrs),
            _ => Context::Attrs,
        }
    }
    fn what(&self) -> &'static str {
        match self {
            Block::Cast(_) => "cast definition",
            Block::Set(_) => "set definition",
            Block::Define(_) => "vocabulary definition",
            Block::Scene(_) => "scene",
            Block::Shot(_) => "shot",
            Block::Skip(..) => "block",
        }
    }
    fn head(&self) -> Span {
        match self {
            Block::Cast(d) | Block::Set(d) => d.span,
            Block::Define(d) => d.span,
            Block::Scene(s) => s.head,
            Block::Shot(s) => s.head,
            Block::Skip(_, h) => *h,
        }
    }
}

/// Open blocks with the index of the line that opened them, and where each context is on
/// the stack: finding the enclosing block a keyword belongs to is O(1), however deep the
/// file nests (a file of 200,000 unclosed `shot {` lines took minutes).
#[derive(Default)]
struct Stack {
    blocks: Vec<(Block, usize)>,
    /// The indentation of each block's opening line.
    indents: Vec<usize>,
    /// The indentation of the line being read (what a block opened now records).
    indent: usize,
    /// Per context (`ctx_id`), the stack positions of the blocks with it, in order.
    at: [Vec<usize>; 4],
}

fn ctx_id(c: Context) -> usize {
    match c {
        Context::Top => 0,
        Context::Scene => 1,
        Context::Shot => 2,
        Context::Attrs => 3,
    }
}

impl Stack {
    fn push(&mut self, b: (Block, usize)) {
        self.at[ctx_id(b.0.ctx())].push(self.blocks.len());
        self.blocks.push(b);
        self.indents.push(self.indent);
    }
    fn pop(&mut self) -> Option<(Block, usize)> {
        let b = self.blocks.pop()?;
        self.indents.pop();
        self.at[ctx_id(b.0.ctx())].pop();
        Some(b)
    }
    fn last(&self) -> Option<&(Block, usize)> {
        self.blocks.last()
    }
    fn last_mut(&mut self) -> Option<&mut (Block, usize)> {
        self.blocks.last_mut()
    }
    fn len(&self) -> usize {
        self.blocks.len()
    }
    fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }
    /// How deep the stack stays when the innermost enclosing block (not the current one) whose
    /// context accepts `word` is made current: 0 for the top level.
    fn enclosing(&self, word: &str) -> Option<usize> {
        let current = self.blocks.len().checked_sub(1)?;
        let mut best = expect::keywords(Context::Top).contains(&word).then_some(0);
        for c in [Context::Scene, Context::Shot, Context::Attrs] {
            if expect::keywords(c).contains(&word) {
                let at = &self.at[ctx_id(c)];
                if let Some(&j) = at.iter().rev().find(|&&j| j < current) {
                    best = best.max(Some(j + 1));
                }
            }
        }
        best
    }
}

struct Builder {
    file: File,
    stack: Stack,
    lines: Vec<Line>,
    errors: Vec<SyntaxError>,
}

pub(crate) fn build(source: &str) -> Parse {
    let mut b = Builder { file: File::default(), stack: Stack::default(), lines: Vec::new(), errors: Vec::new() };
    // A UTF-8 byte-order mark (Windows editors write one) is not part of the first line.
    let mut offset = crate::bom_len(source);
    for raw in source[offset..].split('\n') {
        let text = raw.strip_suffix('\r').unwrap_or(raw);
        b.line(text, offset);
        offset += raw.len() + 1;
    }
    let end = source.len();
    while let Some((block, _)) = b.stack.pop() {
        b.error(SyntaxError {
            span: block.head(),
            message: format!("this {} is never closed: expected `}}`", block.what()),
            help: Some("add a line holding `}` where the block ends".into()),
        });
        b.finish(block, end);
    }
    let suppressions = suppressions(source, &b.lines);
    if b.errors.len() >= MAX_ERRORS {
        b.errors.truncate(MAX_ERRORS);
        let last = b.errors.last().map(|e| e.span).unwrap_or_default();
        b.errors.push(SyntaxError {
            span: last,
            message: format!("too many syntax errors; stopped reporting after {MAX_ERRORS}"),
            help: Some("fix the errors above and run again".into()),
        });
    }
    Parse { file: b.file, lines: b.lines, errors: b.errors, suppressions }
}

impl Builder {
    fn error(&mut self, e: SyntaxError) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(e);
        }
    }

    fn ctx(&self) -> Context {
        self.stack.last().map_or(Context::Top, |(b, _)| b.ctx())
    }

    fn line(&mut self, text: &str, base: usize) {
        let span = Span::new(base, base + text.len());
        self.stack.indent = expect::first_word(text, 0).0;
        let depth = self.stack.len();
        if text.len() > MAX_LINE_BYTES {
            self.error(SyntaxError {
                span: Span::new(base, base + text.chars().next().map_or(0, char::len_utf8)),
                message: format!("line is too long ({} bytes; the limit is {MAX_LINE_BYTES})", text.len()),
                help: Some("split long descriptions into shorter ones".into()),
            });
            self.lines.push(Line { span, depth, kind: LineKind::Error, block_end: None });
            return;
        }
        // Only what the grammar skips: a line of non-breaking spaces is an error in it.
        if text.trim_matches([' ', '\t']).is_empty() {
            self.lines.push(Line { span, depth, kind: LineKind::Blank, block_end: None });
            return;
        }
        let parsed = loop {
            match parse_line(text, base, self.ctx()) {
                Ok(p) => break Some(p),
                Err(e) => {
                    // A keyword of an enclosing block: a `}` is missing. Close and retry.
                    if self.close_missing(text, base) {
                        continue;
                    }
                    if let Some(Block::Skip(None, _)) = self.stack.last().map(|(b, _)| b) {
                        // Inside a block we could not read: only braces matter.
                        self.skip_line(text, span);
                        break None;
                    }
                    if opens_block(text) {
                        let ctx = block_context(text, self.ctx());
                        self.stack.push((Block::Skip(ctx, e.span), self.lines.len()));
                    }
                    self.error(e);
                    break None;
                }
            }
        };
        let Some(p) = parsed else {
            self.lines.push(Line { span, depth, kind: LineKind::Error, block_end: None });
            return;
        };
        let depth = self.stack.len();
        match p.stmt {
            None => {
                let c = p.comment.unwrap_or(span);
                self.lines.push(Line { span, depth, kind: LineKind::Comment(c), block_end: None });
            }
            Some((stmt, sp)) => {
                let index = self.lines.len();
                let depth = if stmt == Stmt::Close { depth.saturating_sub(1) } else { depth };
                self.lines.push(Line {
                    span,
                    depth,
                    kind: LineKind::Stmt { stmt: stmt.clone(), span: sp, comment: p.comment },
                    block_end: None,
                });
                self.stmt(stmt, sp, index);
            }
        }
    }

    fn skip_line(&mut self, text: &str, span: Span) {
        if opens_block(text) {
            self.stack.push((Block::Skip(None, span), self.lines.len()));
        }
    }

    /// When the line's first word starts a statement of an enclosing block, reports the
    /// unclosed blocks and closes them. Returns whether anything was closed.
    fn close_missing(&mut self, text: &str, base: usize) -> bool {
        let (_, word) = expect::first_word(text, 0);
        if word.is_empty() || self.stack.is_empty() {
            return false;
        }
        // Indented deeper than the line that opened the current block, the line is inside
        // it: a `title "x"` among a cast's attributes lacks its colon, not a `}` before it.
        if self.stack.indents.last().is_some_and(|&open| self.stack.indent > open) {
            return false;
        }
        // The innermost enclosing context (not the current one) that accepts the word.
        let Some(target) = self.stack.enclosing(word) else {
            return false;
        };
        while self.stack.len() > target {
            let (block, _) = self.stack.pop().expect("stack is deeper than target");
            self.error(SyntaxError {
                span: block.head(),
                message: format!("this {} is not closed before `{word}`: expected `}}`", block.what()),
                help: Some("add a line holding `}` to end the block".into()),
            });
            self.finish(block, base);
        }
        true
    }

    fn stmt(&mut self, stmt: Stmt, sp: Span, index: usize) {
        let top = self.stack.last_mut().map(|(b, _)| b);
        match (top, stmt) {
            (_, Stmt::Close) => match self.stack.pop() {
                Some((block, open_line)) => {
                    self.lines[open_line].block_end = Some(sp.end);
                    self.finish(block, sp.end);
                }
                None => self.error(SyntaxError {
                    span: sp,
                    message: "unmatched `}`: no block is open here".into(),
                    help: Some("remove it, or check the `{` lines above".into()),
                }),
            },
            (None, Stmt::Cast { name, description, open }) => {
                let d = EntityDef { name, description, attrs: vec![], span: sp };
                self.open_or_item(open, Block::Cast(d), index);
            }
            (None, Stmt::Set { name, description, open }) => {
                let d = EntityDef { name, description, attrs: vec![], span: sp };
                self.open_or_item(open, Block::Set(d), index);
            }
            (None, Stmt::Define { kind, name, phrase, open }) => {
                let d = EntryDef { kind, name, phrase, params: vec![], span: sp };
                self.open_or_item(open, Block::Define(d), index);
            }
            (None, Stmt::Const { name, value, .. }) => self.file.items.push(Item::Const { name, value, span: sp }),
            (None, Stmt::SceneOpen { set }) => {
                let s = Scene { set, time: None, mood: None, props: vec![], shots: vec![], head: sp, span: sp };
                self.stack.push((Block::Scene(s), index));
            }
            (None, stmt) => self.file.items.push(Item::Header(Prop { stmt, span: sp })),
            (Some(Block::Skip(..)), stmt) if stmt.opens() => {
                let ctx = match stmt {
                    Stmt::ShotOpen { .. } => Context::Shot,
                    _ => Context::Attrs,
                };
                self.stack.push((Block::Skip(Some(ctx), sp), index));
            }
            (Some(Block::Scene(_)), Stmt::ShotOpen { name }) => {
                let s = Shot { name, props: vec![], head: sp, span: sp };
                self.stack.push((Block::Shot(s), index));
            }
            (Some(Block::Scene(s)), stmt) => {
                match &stmt {
                    Stmt::Time(n) if s.time.is_none() => s.time = Some(n.clone()),
                    Stmt::Mood(t) if s.mood.is_none() => s.mood = Some(t.clone()),
                    _ => {}
                }
                s.props.push(Prop { stmt, span: sp });
            }
            (Some(Block::Shot(s)), stmt) => s.props.push(Prop { stmt, span: sp }),
            (Some(Block::Cast(d) | Block::Set(d)), Stmt::Attr(a)) => d.attrs.push(a),
            (Some(Block::Define(d)), Stmt::Attr(a)) => d.params.push(a),
            (Some(_), _) => {}
        }
    }

    fn open_or_item(&mut self, open: bool, block: Block, index: usize) {
        if open {
            self.stack.push((block, index));
        } else {
            self.finish(block, 0);
        }
    }

    /// Puts a finished block where it belongs; `end` is where it closed.
    fn finish(&mut self, block: Block, end: usize) {
        match block {
            Block::Cast(d) => self.file.items.push(Item::Cast(d)),
            Block::Set(d) => self.file.items.push(Item::Set(d)),
            Block::Define(d) => self.file.items.push(Item::Define(d)),
            Block::Scene(mut s) => {
                s.span = Span::new(s.head.start, end.max(s.head.end));
                self.file.items.push(Item::Scene(s));
            }
            Block::Skip(..) => {}
            Block::Shot(mut s) => {
                s.span = Span::new(s.head.start, end.max(s.head.end));
                if let Some((Block::Scene(scene), _)) = self.stack.last_mut() {
                    scene.shots.push(s);
                }
            }
        }
    }
}

/// Whether a line ends with `{` (outside quotes, before any comment).
fn opens_block(text: &str) -> bool {
    let mut in_str = false;
    let mut escaped = false;
    let mut last = None;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if in_str {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'/' if bytes.get(i + 1) == Some(&b'/') => break,
            b' ' | b'\t' => continue,
            _ => {}
        }
        last = Some(b);
    }
    last == Some(b'{')
}

/// The block a bad opening line most likely meant, from its (possibly misspelt) keyword.
fn block_context(text: &str, ctx: Context) -> Option<Context> {
    let (_, word) = expect::first_word(text, 0);
    let kw = expect::suggest(word, &["scene", "shot"]).or(Some(word))?;
    match (ctx, kw) {
        (Context::Top, "scene") => Some(Context::Scene),
        (Context::Scene, "shot") => Some(Context::Shot),
        (Context::Top, "cast" | "set" | "define") => Some(Context::Attrs),
        _ => None,
    }
}

/// Reads `// cine:allow(rule, ...)` comments. One at the end of a line covers that line;
/// one on its own line covers the next statement, the whole block if it opens one.
fn suppressions(source: &str, lines: &[Line]) -> Vec<Suppression> {
    let text = |c: &Span| source.get(c.start..c.end).unwrap_or("");
    let mut out = Vec::new();
    let mut pending: Vec<(Vec<String>, Span)> = Vec::new();
    for line in lines {
        match &line.kind {
            LineKind::Comment(c) => {
                if let Some(rules) = directive(text(c)) {
                    pending.push((rules, *c));
                }
            }
            LineKind::Stmt { comment, .. } => {
                let range = Span::new(line.span.start, line.block_end.unwrap_or(line.span.end));
                for (rules, directive) in pending.drain(..) {
                    out.push(Suppression { rules, range, directive });
                }
                if let Some(c) = comment {
                    if let Some(rules) = directive(text(c)) {
                        out.push(Suppression { rules, range: line.span, directive: *c });
                    }
                }
            }
            LineKind::Blank | LineKind::Error => {}
        }
    }
    out
}

/// Parses the rules out of a directive comment's text.
pub(crate) fn directive(comment: &str) -> Option<Vec<String>> {
    let body = comment.trim_start_matches('/').trim();
    let rest = body.strip_prefix("cine:")?.trim_start();
    let rest = rest.strip_prefix("allow")?.trim_start();
    let inner = rest.strip_prefix('(')?;
    let inner = &inner[..inner.find(')')?];
    let rules: Vec<String> = inner.split(',').map(|r| r.trim().to_string()).filter(|r| !r.is_empty()).collect();
    (!rules.is_empty()).then_some(rules)
}
