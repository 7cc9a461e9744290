//! Positions as editors count them (line and UTF-16 or UTF-8 column) and file URIs.

use std::path::{Path, PathBuf};

use cine_grammar::Span;
use serde_json::{json, Value};

/// How columns are counted; LSP's default is UTF-16 code units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

/// Line starts of a text, to turn byte offsets into positions and back. A leading
/// byte-order mark is not a column (editors hide it, as `cine lint` does): the first line's
/// columns count from after it.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
    enc: Encoding,
    /// The bytes of a leading byte-order mark (0 or 3).
    bom: usize,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str, enc: Encoding) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let bom = cine_grammar::bom_len(text);
        LineIndex { text, starts, enc, bom }
    }

    /// `{line, character}` of a byte offset (clamped to the text).
    pub fn position(&self, offset: usize) -> Value {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = if line == 0 { self.bom.min(offset) } else { self.starts[line] };
        let before = &self.text[start..offset];
        let character = match self.enc {
            Encoding::Utf8 => before.len(),
            Encoding::Utf16 => before.encode_utf16().count(),
        };
        json!({ "line": line, "character": character })
    }

    pub fn range(&self, span: Span) -> Value {
        json!({ "start": self.position(span.start), "end": self.position(span.end) })
    }

    /// The range of the whole text.
    pub fn all(&self) -> Value {
        self.range(Span::new(0, self.text.len()))
    }

    /// The offset of a request's `position`.
    pub fn cursor(&self, params: &Value) -> Option<usize> {
        self.offset(params.get("position")?)
    }

    /// The span of a request's `range` (the whole text when it has none).
    pub fn range_in(&self, params: &Value) -> Span {
        let range = params.get("range");
        let at = |end: &str, or: usize| range.and_then(|r| r.get(end)).and_then(|p| self.offset(p)).unwrap_or(or);
        Span::new(at("start", 0), at("end", self.text.len()))
    }

    /// The byte offset of a `{line, character}` (past the end of a line: its end).
    pub fn offset(&self, pos: &Value) -> Option<usize> {
        let line = pos.get("line")?.as_u64()? as usize;
        let character = pos.get("character")?.as_u64()? as usize;
        let Some(&start) = self.starts.get(line) else {
            return Some(self.text.len());
        };
        let start = if line == 0 { self.bom } else { start };
        let end = self.starts.get(line + 1).map_or(self.text.len(), |&s| s - 1);
        let line_text = &self.text[start..end];
        let mut units = 0;
        for (i, c) in line_text.char_indices() {
            if units >= character {
                return Some(start + i);
            }
            units += match self.enc {
                Encoding::Utf8 => c.len_utf8(),
                Encoding::Utf16 => c.len_utf16(),
            };
        }
        Some(end)
    }
}

/// The path of a `file://` URI (percent-decoded); `None` for other schemes.
pub fn to_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        if let (b'%', Some(b)) = (bytes[i], hex) {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    Some(PathBuf::from(String::from_utf8(out).ok()?))
}

/// The `file://` URI of a path (made absolute against the working folder when relative).
pub fn from_path(path: &Path) -> String {
    let abs = if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir().map(|d| d.join(path)).unwrap_or_else(|_| path.to_path_buf()) };
    let mut uri = String::from("file://");
    for b in abs.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}
