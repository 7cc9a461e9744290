//! `cine import fountain` on the fixture mutated at random (lines deleted, duplicated,
//! swapped, text inserted): no panic, and every import compiles without errors and is
//! formatted. Deterministic (fixed seed).

mod common;

use cine_compiler::import::{fountain, Target};
use cine_compiler::{compile_text, Config};
use common::Rng;

/// Fountain markup and names, inserted at random.
#[rustfmt::skip]
const BITS: &[&str] = &[
    "[[", "]]", "/*", "*/", "#", "=", "(", ")", "^", "@", ">", "<", "~", "!", ".", ",", " ", "\n", "\n\n", "(V.O.)", "(20s), a ", "BANG", "TEO", "Teo",
    "JUNO (8)", "CUT TO:", "INT. ", "é", "\u{2028}", "\t", "\"", "\\", "}", "{", "//", "cine:allow(", "_", "*", "'S", "DR. ", "\r",
];

fn mutate(lines: &mut Vec<String>, rng: &mut Rng) {
    let len = lines.len().max(1);
    match rng.below(5) {
        0 if lines.len() > 1 => {
            lines.remove(rng.below(len));
        }
        1 => {
            let i = rng.below(len);
            let l = lines.get(i).cloned().unwrap_or_default();
            lines.insert(i.min(lines.len()), l);
        }
        2 if !lines.is_empty() => {
            let (a, b) = (rng.below(len), rng.below(len));
            lines.swap(a, b);
        }
        _ => {
            let i = rng.below(len);
            let bit = match rng.below(3) {
                0 => char::from_u32(rng.below(0x3000) as u32).unwrap_or('x').to_string(),
                _ => BITS[rng.below(BITS.len())].to_string(),
            };
            if let Some(l) = lines.get_mut(i) {
                let mut at = rng.below(l.len() + 1);
                while !l.is_char_boundary(at) {
                    at -= 1;
                }
                l.insert_str(at, &bit);
            }
        }
    }
}

#[test]
fn mutated_fixtures_import_and_compile() {
    let src = std::fs::read_to_string(common::repo().join("tests/fixtures/last_ferry.fountain")).unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for case in 0..300 {
        let mut lines: Vec<String> = src.lines().map(String::from).collect();
        for _ in 0..1 + rng.below(8) {
            mutate(&mut lines, &mut rng);
        }
        let text = lines.join("\n");
        let Ok(out) = fountain::import(&text, &Target::default(), false) else { continue };
        let c = compile_text(std::path::Path::new("x.cine"), &out, &common::opts(), Some(&Config::default()));
        assert_eq!(c.errors, 0, "case {case}: {:?}\n--- input\n{text}\n--- output\n{out}", common::codes(&c));
        assert_eq!(cine_compiler::fmt::format(&out).ok().as_deref(), Some(out.as_str()), "case {case}: not formatted\n{out}");
    }
}
