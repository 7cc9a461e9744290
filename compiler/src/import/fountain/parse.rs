//! Fountain text to a title page and a list of elements (scene headings, action,
//! dialogue, transitions, the writer's notes, sections and synopses, and lyrics and
//! centered text). Boneyard and page breaks are dropped; emphasis markers are removed from
//! the text.

use crate::import::without_bom;

/// A parsed Fountain script, as far as cine uses it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Script {
    /// `Key: value` pairs of the title page, in order (multi-line values joined by spaces).
    pub title_page: Vec<(String, String)>,
    pub elements: Vec<Element>,
}

/// One element of the body.
#[derive(Debug, Clone, PartialEq)]
pub enum Element {
    /// A scene heading without the forcing `.` and the scene number.
    Heading { text: String, number: Option<String> },
    /// An action paragraph, its lines joined by spaces.
    Action(String),
    Dialogue(Dialogue),
    /// A transition as written, without a forcing `>` (`CUT TO:`, `FADE OUT.`).
    Transition(String),
    /// A note `[[...]]` without its brackets, after the element it sits in.
    Note(String),
    /// A section (`# Act One`, `## The crossing`) or a synopsis (`= The fog lifts.`), as
    /// written with single spaces.
    Outline(String),
    /// A lyric (`~Row, row`) or centered text (`>THE END<`) outside dialogue, as written
    /// with single spaces: nothing to film.
    Unfilmed(String),
}

/// A character cue and what follows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dialogue {
    /// The name as written, without `@`, extensions and `^` (`DR. WHO`).
    pub name: String,
    /// Extensions without parentheses (`V.O.`, `CONT'D`).
    pub extensions: Vec<String>,
    /// Parentheticals without parentheses (`quietly`).
    pub parentheticals: Vec<String>,
    /// The spoken words, lines joined by spaces.
    pub text: String,
    /// Marked `^` (dual dialogue).
    pub dual: bool,
}

impl Dialogue {
    /// Voice-over, off-screen or off-camera: the speaker is not in the picture.
    pub fn off_screen(&self) -> bool {
        self.extensions.iter().any(|e| {
            let e: String = e.to_uppercase().chars().filter(|c| c.is_alphanumeric()).collect();
            matches!(e.as_str(), "VO" | "OS" | "OC" | "OFF" | "OFFSCREEN" | "OFFCAMERA" | "VOICEOVER")
        })
    }
}

/// Keys that start a title page (lowercase).
const TITLE_KEYS: &[&str] = &["title", "credit", "author", "authors", "source", "draft date", "date", "contact", "copyright", "notes", "revision"];

/// Parses a Fountain script. Never fails: text that is nothing else is action.
pub fn parse(text: &str) -> Script {
    let text = without_bom(text).replace("\r\n", "\n").replace('\r', "\n");
    let (lines, notes) = strip_hidden(&text);
    let (title_page, start) = title_page(&lines);
    let notes = notes.into_iter().map(|(i, n)| (i.saturating_sub(start), n)).collect();
    Script { title_page, elements: body(&lines[start..], notes) }
}

fn blank(l: &str) -> bool {
    l.trim().is_empty()
}

/// Removes boneyard `/* ... */` and notes `[[ ... ]]` (both may span lines) and splits
/// into lines. A line that only held such a comment is dropped, so it does not split a
/// paragraph or a dialogue block. An unclosed `/*` runs to the end; an unclosed `[[` is text.
/// The notes come back with the index of the line they sit in (for a dropped line, the
/// line after it).
pub fn strip_hidden(text: &str) -> (Vec<String>, Vec<(usize, String)>) {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    let mut cur = String::new();
    let mut touched = false;
    let mut notes_close = true; // false once a `[[` found no `]]` after it
    let mut rest = text;
    loop {
        let Some(i) = rest.find(['\n', '/', '[']) else {
            cur.push_str(rest);
            break;
        };
        cur.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix('\n') {
            if !(touched && blank(&cur)) {
                out.push(std::mem::take(&mut cur));
            }
            cur.clear();
            touched = false;
            rest = after;
        } else if let Some(after) = tail.strip_prefix("/*") {
            touched = true;
            rest = after.find("*/").map_or("", |e| &after[e + 2..]);
        } else if let Some(after) = tail.strip_prefix("[[").filter(|_| notes_close) {
            match after.find("]]") {
                Some(e) => {
                    touched = true;
                    if !blank(&after[..e]) {
                        notes.push((out.len(), after[..e].to_string()));
                    }
                    rest = &after[e + 2..];
                }
                None => {
                    notes_close = false;
                    cur.push_str("[[");
                    rest = after;
                }
            }
        } else {
            cur.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    if !(touched && blank(&cur)) {
        out.push(cur);
    }
    (out, notes)
}

/// `Key: value` of a title page line.
fn key_value(line: &str) -> Option<(String, String)> {
    let (k, v) = line.split_once(':')?;
    let k = k.trim();
    let ok = !k.is_empty() && k.len() <= 32 && k.chars().all(|c| c.is_alphanumeric() || c == ' ' || c == '-' || c == '_');
    ok.then(|| (k.to_string(), v.trim().to_string()))
}

/// The title page (when the first non-blank line is a known key) and where the body starts.
fn title_page(lines: &[String]) -> (Vec<(String, String)>, usize) {
    let Some(first) = lines.iter().position(|l| !blank(l)) else { return (vec![], lines.len()) };
    let known = key_value(&lines[first]).is_some_and(|(k, _)| TITLE_KEYS.contains(&k.to_lowercase().as_str()));
    if !known || lines[first].starts_with([' ', '\t']) {
        return (vec![], 0);
    }
    let mut page: Vec<(String, String)> = Vec::new();
    let mut i = first;
    while i < lines.len() && !blank(&lines[i]) {
        let line = &lines[i];
        let indented = line.starts_with([' ', '\t']);
        match key_value(line).filter(|_| !indented) {
            Some((k, v)) => page.push((k, plain(&v))),
            None => {
                if let Some((_, v)) = page.last_mut() {
                    if !v.is_empty() {
                        v.push(' ');
                    }
                    v.push_str(&plain(line.trim()));
                }
            }
        }
        i += 1;
    }
    (page, i)
}

/// Removes paired emphasis markers (`*italic*`, `**bold**`, `***both***`, `_underline_`):
/// a run of `*` or `_` before a non-space that the same run closes after a non-space, later
/// in the line. A lone marker (`2 * 3`), one inside a word (`last_ferry`, `2*3`) and one
/// escaped with `\` stay.
pub fn plain(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    let marker = |i: usize| matches!(chars[i], '*' | '_') && !(i > 0 && chars[i - 1] == '\\');
    // The length of the run of one marker at `i`, or 0 when `i` is no marker or inside a word.
    let run = |i: usize| {
        if !marker(i) || (i > 0 && chars[i - 1] == chars[i]) {
            return 0;
        }
        let len = chars[i..].iter().take_while(|&&c| c == chars[i]).count();
        let inside = i > 0 && chars[i - 1].is_alphanumeric() && chars.get(i + len).is_some_and(|c| c.is_alphanumeric());
        if inside {
            0
        } else {
            len
        }
    };
    let mut drop = vec![false; n];
    // Per marker and run length, where a search for a closer last found none: none after.
    let mut none_from: Vec<(char, usize, usize)> = Vec::new();
    let mut i = 0;
    while i < n {
        let len = run(i);
        if len == 0 {
            i += 1;
            continue;
        }
        let (c, from) = (chars[i], i + len + 1);
        let opens = !drop[i] && chars.get(i + len).is_some_and(|c| !c.is_whitespace());
        if opens && !none_from.iter().any(|&(m, l, at)| (m, l) == (c, len) && at <= from) {
            match (from..n).find(|&j| !drop[j] && chars[j] == c && run(j) == len && !chars[j - 1].is_whitespace()) {
                Some(j) => {
                    drop[i..i + len].fill(true);
                    drop[j..j + len].fill(true);
                }
                None => none_from.push((c, len, from)),
            }
        }
        i += len;
    }
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        let escape = c == '\\' && chars.get(i + 1).is_some_and(|&m| matches!(m, '*' | '_'));
        if !drop[i] && !escape {
            out.push(c);
        }
    }
    out
}

/// Has letters and none of them lowercase.
fn upper(s: &str) -> bool {
    s.chars().any(char::is_alphabetic) && !s.chars().any(lower)
}

/// A lowercase letter with a capital of its own: `ß` (which capitals spell `SS`) and
/// `ª` are not, so `STRAßE` is all capitals.
pub fn lower(c: char) -> bool {
    let mut up = c.to_uppercase();
    c.is_lowercase() && up.next().is_some_and(|u| u != c) && up.next().is_none()
}

/// A scene heading: `INT.`, `EXT.`, `EST.`, `INT./EXT.`, `INT/EXT.`, `I/E.` (any case,
/// `.` or a space after), or forced with one leading `.`; a trailing `#12#` is the number.
pub fn heading(t: &str) -> Option<(String, Option<String>)> {
    let t = t.trim();
    let text = if let Some(rest) = t.strip_prefix('.') {
        if rest.starts_with('.') || rest.trim().is_empty() {
            return None;
        }
        rest.trim()
    } else {
        let prefixed = ["INT./EXT", "INT/EXT", "I/E", "INT", "EXT", "EST"].iter().any(|p| {
            t.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p)) && matches!(t[p.len()..].chars().next(), Some('.' | ' '))
        });
        if !prefixed {
            return None;
        }
        t
    };
    if let Some(body) = text.strip_suffix('#') {
        if let Some(i) = body.rfind('#') {
            let number = body[i + 1..].trim();
            if !number.is_empty() && !number.contains(' ') {
                return Some((body[..i].trim().to_string(), Some(number.to_string())));
            }
        }
    }
    Some((text.to_string(), None))
}

/// A transition: forced with `>` (not centered `>text<`), or an all-caps line ending in
/// `TO:` after a blank line, or `FADE OUT.` / `FADE TO BLACK.` / `CUT TO BLACK.` alone.
pub fn transition(t: &str, prev_blank: bool, next_blank: bool) -> Option<String> {
    let t = t.trim();
    if let Some(rest) = t.strip_prefix('>') {
        return (!t.ends_with('<') && !rest.trim().is_empty()).then(|| rest.trim().to_string());
    }
    if !prev_blank || !upper(t) {
        return None;
    }
    let bare = t.trim_end_matches(['.', ':']).trim();
    let alone = next_blank && matches!(bare, "FADE OUT" | "FADE TO BLACK" | "CUT TO BLACK");
    (t.ends_with("TO:") || alone).then(|| t.to_string())
}

/// A character cue: the name, its extensions and the dual-dialogue mark. The name is all
/// caps (extensions may be lowercase) or forced with `@`.
pub fn cue(t: &str) -> Option<(String, Vec<String>, bool)> {
    let t = t.trim();
    let (t, dual) = match t.strip_suffix('^') {
        Some(r) => (r.trim_end(), true),
        None => (t, false),
    };
    let (t, forced) = match t.strip_prefix('@') {
        Some(r) => (r, true),
        None => (t, false),
    };
    let (name, ext) = t.split_at(t.find('(').unwrap_or(t.len()));
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || !name.chars().any(char::is_alphabetic) || (!forced && (!upper(&name) || t.ends_with("TO:") || t.ends_with(':'))) {
        return None;
    }
    let mut extensions = Vec::new();
    let mut rest = ext;
    while let Some(open) = rest.find('(') {
        let Some(close) = rest[open..].find(')') else { break };
        let e = rest[open + 1..open + close].trim();
        if !e.is_empty() {
            extensions.push(e.to_string());
        }
        rest = &rest[open + close + 1..];
    }
    Some((name, extensions, dual))
}

/// A section or synopsis line with single spaces (`#Act  One` -> `# Act One`); `None` for
/// other lines and for page breaks (`===`) and empty ones.
pub fn outline(t: &str) -> Option<String> {
    let mark = t.chars().next().filter(|c| matches!(c, '#' | '='))?;
    let rest = t.trim_start_matches(mark);
    let depth = t.len() - rest.len();
    let words = plain(rest).split_whitespace().collect::<Vec<_>>().join(" ");
    let prefix = if mark == '#' { "#".repeat(depth.min(6)) } else { "=".into() };
    (!words.is_empty() && (mark == '#' || depth == 1)).then(|| format!("{prefix} {words}"))
}

/// A lyric `~text` or centered text `>text<` with single spaces; `None` when empty.
pub fn unfilmed(t: &str) -> Option<String> {
    let t = t.trim();
    let (open, inner, close) = match t.strip_prefix('>').and_then(|r| r.strip_suffix('<')) {
        Some(inner) => (">", inner, "<"),
        None => ("~", t.strip_prefix('~')?, ""),
    };
    let words = plain(inner).split_whitespace().collect::<Vec<_>>().join(" ");
    (!words.is_empty()).then(|| format!("{open}{words}{close}"))
}

/// The elements of the body lines; `notes` are placed after the element of their line.
fn body(lines: &[String], mut notes: Vec<(usize, String)>) -> Vec<Element> {
    let mut out = Vec::new();
    let n = lines.len();
    let mut i = 0;
    notes.reverse();
    // The notes of the lines before `i`, in order.
    let flush = |out: &mut Vec<Element>, notes: &mut Vec<(usize, String)>, i: usize| {
        while notes.last().is_some_and(|(at, _)| *at < i) {
            if let Some((_, note)) = notes.pop() {
                out.push(Element::Note(note));
            }
        }
    };
    while i < n {
        flush(&mut out, &mut notes, i);
        let t = lines[i].trim();
        if t.is_empty() {
            i += 1;
            continue;
        }
        let prev_blank = i == 0 || blank(&lines[i - 1]);
        let next_blank = i + 1 >= n || blank(&lines[i + 1]);
        // Sections and synopses are kept as comments, lyrics and centered text too; page
        // breaks are not.
        if t.starts_with(['#', '=']) {
            out.extend(outline(t).map(Element::Outline));
            i += 1;
            continue;
        }
        if t.starts_with('~') || (t.starts_with('>') && t.ends_with('<') && t.len() > 1) {
            out.extend(unfilmed(t).map(Element::Unfilmed));
            i += 1;
            continue;
        }
        let forced_action = t.starts_with('!');
        // A scene heading has a blank line before and after it.
        if prev_blank && next_blank && !forced_action {
            if let Some((text, number)) = heading(t) {
                out.push(Element::Heading { text: plain(&text), number });
                i += 1;
                continue;
            }
        }
        if let Some(tr) = transition(t, prev_blank, next_blank).filter(|_| !forced_action) {
            out.push(Element::Transition(tr));
            i += 1;
            continue;
        }
        if prev_blank && !next_blank && !forced_action {
            if let Some((name, extensions, dual)) = cue(t) {
                let mut d = Dialogue { name, extensions, dual, ..Default::default() };
                let mut words = Vec::new();
                i += 1;
                while i < n && !blank(&lines[i]) {
                    let l = lines[i].trim();
                    match l.strip_prefix('(').and_then(|p| p.strip_suffix(')')) {
                        Some(p) => d.parentheticals.push(plain(p.trim())),
                        // A sung line loses its `~`.
                        None => words.push(plain(l.strip_prefix('~').map_or(l, str::trim_start))),
                    }
                    i += 1;
                }
                d.text = words.join(" ");
                out.push(Element::Dialogue(d));
                continue;
            }
        }
        // An action paragraph: the lines up to the next blank line.
        let mut para = Vec::new();
        while i < n && !blank(&lines[i]) {
            let l = lines[i].trim();
            para.push(plain(l.strip_prefix('!').unwrap_or(l)));
            i += 1;
        }
        let text = para.join(" ");
        let upper_text = text.trim().trim_end_matches([':', '.']).to_uppercase();
        if upper_text != "FADE IN" && !text.trim().is_empty() {
            out.push(Element::Action(text));
        }
    }
    flush(&mut out, &mut notes, usize::MAX);
    out
}
