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

/// The words of a text: runs of letters and digits (apostrophes kept inside words).
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
}

/// Tokens as cine counts them: words, split on whitespace and punctuation.
pub fn count_tokens(text: &str) -> usize {
    words(text).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_and_counts() {
        let s = sentences(&["a quiet harbor.", "", " wide shot, low angle ", "the camera pans left"]);
        assert_eq!(s, "A quiet harbor. Wide shot, low angle. The camera pans left.");
        assert_eq!(count_tokens(&s), 11);
        assert_eq!(count_tokens("worm's-eye view, 2.5"), 5);
    }
}
