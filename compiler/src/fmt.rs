//! `cine fmt`: canonical, idempotent formatting that keeps comments.
//!
//! One statement per line, two spaces of indentation per block, one space between
//! words, numbers in their shortest form, at most one blank line in a row and none just
//! inside braces, comments kept where they are (trailing ones after one space).

use cine_grammar::{parse, LineKind, Stmt, SyntaxError};

/// Formats a screenplay. Refuses (returns the syntax errors) when it does not parse, so
/// formatting never loses text.
pub fn format(source: &str) -> Result<String, Vec<SyntaxError>> {
    let p = parse(source);
    if !p.errors.is_empty() {
        return Err(p.errors);
    }
    let mut out = String::with_capacity(source.len());
    let mut blank = false;
    let mut after_open = true; // start of file counts as just opened
    for line in &p.lines {
        let text = match &line.kind {
            LineKind::Blank | LineKind::Error => {
                blank = true;
                continue;
            }
            LineKind::Comment(c) => source[c.start..c.end].trim_end().to_string(),
            LineKind::Stmt { stmt, comment, .. } => {
                let mut t = stmt.to_string();
                if let Some(c) = comment {
                    t.push(' ');
                    t.push_str(source[c.start..c.end].trim_end());
                }
                t
            }
        };
        let closes = matches!(&line.kind, LineKind::Stmt { stmt: Stmt::Close, .. });
        if blank && !after_open && !closes {
            out.push('\n');
        }
        blank = false;
        for _ in 0..line.depth {
            out.push_str("  ");
        }
        out.push_str(&text);
        out.push('\n');
        after_open = matches!(&line.kind, LineKind::Stmt { stmt, .. } if stmt.opens());
    }
    // A file written with CRLF line ends keeps them (texts never run over lines).
    if source.split('\n').next().is_some_and(|first| first.ends_with('\r')) && source.contains('\n') {
        out = out.replace('\n', "\r\n");
    }
    Ok(out)
}

/// Whether a screenplay is already formatted (`cine fmt --check`).
pub fn is_formatted(source: &str) -> Result<bool, Vec<SyntaxError>> {
    Ok(format(source)? == source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_line_ends_are_kept() {
        let lf = "title \"A\"\nset pier \"p\" // a pier\n\nscene pier {\n  shot {\n    duration 1s\n  }\n}\n";
        let messy = "title   \"A\"\r\nset pier \"p\" // a pier\r\n\r\n\r\nscene pier {\r\nshot {\r\n duration 1s\r\n}\r\n}\r\n";
        let out = format(messy).unwrap();
        assert_eq!(out, lf.replace('\n', "\r\n"));
        assert_eq!(format(&out).unwrap(), out, "idempotent");
        assert_eq!(format(lf).unwrap(), lf, "LF stays LF");
    }

    #[test]
    fn canonical_and_idempotent() {
        let src = "\n\n// head\ntitle   \"A\"   // t\n\n\n\nscene   x {\n\n    shot a{\n duration 2.50s\n camera pan_left( speed : slow )\n\n  }\n}\n\n";
        let once = format(src).unwrap();
        assert_eq!(
            once,
            "// head\ntitle \"A\" // t\n\nscene x {\n  shot a {\n    duration 2.5s\n    camera pan_left(speed: slow)\n  }\n}\n"
        );
        assert_eq!(format(&once).unwrap(), once);
    }

    #[test]
    fn numbers_too_long_for_an_f64_keep_their_digits() {
        let src = "const big = 123456789012345678901234567890\nscene x {\n  shot a {\n    duration 99999999999999999999.50s\n    camera pan_left(speed: 00012345678901234567.0)\n    at 007.50s: \"x\"\n  }\n}\n";
        assert_eq!(
            format(src).unwrap(),
            "const big = 123456789012345678901234567890\nscene x {\n  shot a {\n    duration 99999999999999999999.50s\n    camera pan_left(speed: 00012345678901234567.0)\n    at 7.5s: \"x\"\n  }\n}\n"
        );
    }

    #[test]
    fn refuses_broken_input() {
        assert!(format("scene {\n").is_err());
    }
}
