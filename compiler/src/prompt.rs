//! Prompt assembly and the simple token count used against a model's text limit.

/// Joins prompt parts into sentences: empty parts dropped, each ending in one period.
pub fn sentences(parts: &[&str]) -> String {
    let mut out = String::new();
    for p in parts {
        let p = p.trim().trim_end_matches('.').trim_end();
        if p.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        let mut chars = p.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
        out.push('.');
    }
    out
}

/// Joins short phrases with commas (`wide shot, low angle`).
pub fn phrases(parts: &[&str]) -> String {
    let kept: Vec<&str> = parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()).collect();
    kept.join(", ")
}

/// The words of a text as a word-level tokenizer sees them: runs of letters, digits and `_`
/// (`worm's` is `worm` and `s`).
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !is_word_char(c)).filter(|w| !w.is_empty())
}

pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Tokens as cine counts them: the runs of word characters and the runs of punctuation
/// (`\w+|[^\w\s]+`, the usual `Whitespace` pre-tokenizer), so `worm's` is three.
pub fn count_tokens(text: &str) -> usize {
    let mut n = 0;
    let mut prev: Option<bool> = None;
    for c in text.chars() {
        let kind = (!c.is_whitespace()).then(|| is_word_char(c));
        if kind.is_some() && kind != prev {
            n += 1;
        }
        prev = kind;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_and_counts() {
        let s = sentences(&["a quiet harbor.", "", " wide shot, low angle ", "the camera pans left"]);
        assert_eq!(s, "A quiet harbor. Wide shot, low angle. The camera pans left.");
        assert_eq!(count_tokens(&s), 15, "11 words and 4 punctuation marks");
        assert_eq!(count_tokens("worm's-eye view, 2.5"), 10);
        assert_eq!(words("worm's-eye view, 2.5").collect::<Vec<_>>(), ["worm", "s", "eye", "view", "2", "5"]);
    }
}
