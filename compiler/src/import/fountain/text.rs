//! Text of the script on one screenplay line: flattened, and split where it is too long
//! for one subtitle, one prompt or one line (a screenplay's lines are limited to 64 KiB),
//! so nothing is cut.
//!
//! A speech is split into subtitles at sentence ends; an action paragraph into the parts
//! of several shots, at sentence ends, with at most [`MAX_ACTION_TOKENS`] tokens each. A
//! sentence too long for one piece is split between words, and a word too long anywhere.

use crate::import::one_line;
use crate::prompt::{count_tokens, is_word_char};

/// Longest subtitle, in characters, before a speech is split at sentence ends.
pub const MAX_SUBTITLE: usize = 90;
/// Longest text in one string or comment line, in characters (at most 8 KiB of UTF-8,
/// far below the 64 KiB a line may hold).
pub const MAX_TEXT: usize = 2000;
/// Most tokens of action in one shot. Wan 2.1 reads 511: this leaves room for the set,
/// the time of day and the subjects' descriptions that the prompt adds.
pub const MAX_ACTION_TOKENS: usize = 300;

/// Flattens and drops control characters.
pub fn clean(s: &str) -> String {
    let s: String = s.chars().filter(|c| !c.is_control() || c.is_whitespace()).collect();
    one_line(&s)
}

/// [`clean`], and cut at [`MAX_TEXT`] characters with `...`: for names, descriptions and
/// trailing comments, which a script never makes that long.
pub fn short(s: &str) -> String {
    let s = clean(s);
    match s.char_indices().nth(MAX_TEXT) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s,
    }
}

/// Splits a speech into subtitles of at most [`MAX_SUBTITLE`] characters at sentence
/// ends (a longer sentence stays whole up to [`MAX_TEXT`] characters).
pub fn subtitles(text: &str) -> Vec<String> {
    split(text, Limit { tokens: usize::MAX, chars: MAX_TEXT }, Limit { tokens: usize::MAX, chars: MAX_SUBTITLE })
}

/// Splits an action paragraph into the actions of one or more shots.
pub fn shot_actions(text: &str) -> Vec<String> {
    let limit = Limit { tokens: MAX_ACTION_TOKENS, chars: MAX_TEXT };
    split(text, limit, limit)
}

/// Splits a comment into lines of at most [`MAX_TEXT`] characters.
pub fn comment_lines(text: &str) -> Vec<String> {
    let limit = Limit { tokens: usize::MAX, chars: MAX_TEXT };
    split(text, limit, limit)
}

/// How much text a piece holds: tokens (as a prompt counts them) and characters.
#[derive(Debug, Clone, Copy)]
struct Limit {
    tokens: usize,
    chars: usize,
}

impl Limit {
    fn holds(self, (tokens, chars): (usize, usize)) -> bool {
        tokens <= self.tokens && chars <= self.chars
    }
}

fn size(s: &str) -> (usize, usize) {
    (count_tokens(s), s.chars().count())
}

/// Sentences (split after `.`, `!`, `?` or `…` before a space) joined by spaces while
/// they fit `join`; a sentence over `whole` is split between words, and a word over it
/// anywhere. `text` is one line with single spaces.
fn split(text: &str, whole: Limit, join: Limit) -> Vec<String> {
    let mut units: Vec<String> = Vec::new();
    for s in sentences(text) {
        if whole.holds(size(s)) {
            units.push(s.to_string());
            continue;
        }
        let words = s.split(' ').filter(|w| !w.is_empty()).flat_map(|w| if whole.holds(size(w)) { vec![w.to_string()] } else { cut(w, whole) });
        units.extend(pack(words, whole));
    }
    pack(units, join)
}

fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate() {
        let next_space = chars.get(k + 1).is_some_and(|&(_, n)| n == ' ');
        if matches!(c, '.' | '!' | '?' | '…') && next_space {
            out.push(text[start..i + c.len_utf8()].trim());
            start = i + c.len_utf8();
        }
    }
    out.push(text[start..].trim());
    out.retain(|s| !s.is_empty());
    out
}

/// Joins parts with spaces while the piece stays within `limit` (tokens and characters
/// add up across a space).
fn pack(parts: impl IntoIterator<Item = String>, limit: Limit) -> Vec<String> {
    let mut out: Vec<(String, (usize, usize))> = Vec::new();
    for p in parts {
        let (t, c) = size(&p);
        match out.last_mut() {
            Some((last, (lt, lc))) if limit.holds((*lt + t, *lc + 1 + c)) => {
                last.push(' ');
                last.push_str(&p);
                (*lt, *lc) = (*lt + t, *lc + 1 + c);
            }
            _ => out.push((p, (t, c))),
        }
    }
    out.into_iter().map(|(s, _)| s).collect()
}

/// A word too long for one piece, in pieces within `limit`.
fn cut(word: &str, limit: Limit) -> Vec<String> {
    let mut out = Vec::new();
    let (mut cur, mut tokens, mut chars) = (String::new(), 0, 0);
    let mut prev: Option<bool> = None;
    for c in word.chars() {
        let kind = Some(is_word_char(c));
        if chars > 0 && !limit.holds((tokens + usize::from(prev != kind), chars + 1)) {
            out.push(std::mem::take(&mut cur));
            (tokens, chars, prev) = (0, 0, None);
        }
        tokens += usize::from(prev != kind);
        chars += 1;
        prev = kind;
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_split_not_cut() {
        // 600 short words: two shots' worth of action, every word kept.
        let words: Vec<String> = (0..600).map(|i| format!("w{i}")).collect();
        let parts = shot_actions(&words.join(" "));
        assert_eq!(parts.iter().map(|p| count_tokens(p)).collect::<Vec<_>>(), [300, 300]);
        assert_eq!(parts.join(" "), words.join(" "));
        // Long words: at most MAX_TEXT characters a shot.
        let words: Vec<String> = (0..600).map(|i| format!("word{i}")).collect();
        let parts = shot_actions(&words.join(" "));
        assert_eq!(parts.len(), 3);
        assert!(parts.iter().all(|p| p.chars().count() <= MAX_TEXT));
        assert_eq!(parts.join(" "), words.join(" "));
        // At sentence ends when there are some.
        let text = "A long sentence goes on here. ".repeat(100);
        let parts = shot_actions(text.trim());
        assert!(parts.iter().all(|p| p.ends_with('.') && count_tokens(p) <= MAX_ACTION_TOKENS), "{parts:?}");
        assert_eq!(parts.join(" "), text.trim());
        // A word with no end: pieces of MAX_TEXT characters (tokens: runs of punctuation too).
        let word = "x".repeat(5000);
        assert_eq!(subtitles(&word).iter().map(|s| s.len()).collect::<Vec<_>>(), [2000, 2000, 1000]);
        let dotted = "a.".repeat(400);
        let parts = shot_actions(&dotted);
        assert_eq!(parts.concat(), dotted);
        assert!(parts.iter().all(|p| count_tokens(p) <= MAX_ACTION_TOKENS), "{parts:?}");
        // A short text is one piece; `short` marks its cut.
        assert_eq!(shot_actions("A dog barks."), ["A dog barks."]);
        assert_eq!(comment_lines(&"n ".repeat(1500)).len(), 2);
        assert!(short(&"y".repeat(3000)).ends_with("y..."));
    }
}
