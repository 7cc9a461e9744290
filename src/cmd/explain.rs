//! `cine lint --explain [RULE]`: every rule in a table, or one rule with an example that the
//! compiler checks as it is shown (so the printed diagnostic is today's).

use cine_compiler::explain::{diff, example, table};
use cine_compiler::report::{render, Format};
use cine_compiler::{Config, Rule};

pub fn run(name: &str) -> i32 {
    if name.is_empty() {
        out!("{}", table());
        outln!("\n`cine lint --explain RULE` shows one with an example; levels of lints are set in cine.toml under [lints].");
        return 0;
    }
    let Some(rule) = Rule::from_name(name) else {
        let names: Vec<&str> = Rule::ALL.iter().map(|r| r.name()).collect();
        let hint = cine_grammar::suggest(name.strip_prefix("cine::").unwrap_or(name), &names)
            .map_or("`cine lint --explain` lists them".to_string(), |s| format!("did you mean `{s}`?"));
        eoutln!("error: there is no rule named `{name}`; {hint}");
        return 2;
    };
    let kind = if rule.is_lint() { format!("lint, {} by default", rule.default_level().name()) } else { "always an error".into() };
    outln!("{} ({kind})\n\n{}\n", rule.code(), rule.doc());
    if rule.is_lint() {
        outln!("Set its level in cine.toml (`[lints]` then `{} = \"allow\"`, \"warn\" or \"deny\"), or silence one line or shot with `// cine:allow({})`.\n", rule.name(), rule.name());
    }
    let Some(e) = example(rule) else {
        outln!("It concerns files or limits rather than one screenplay's text, so it has no example here.");
        return 0;
    };
    let c = cine_compiler::compile("example.cine", &e.bad, None, &super::compile_options(None), &Config::default());
    let shown: Vec<_> = c.diagnostics.iter().filter(|d| d.rule == rule).cloned().collect();
    outln!("For example, this screenplay gives:\n");
    out!("{}", render(Format::Human, &shown, &c.sources));
    outln!("\nand is fixed by changing:\n");
    let (removed, added) = diff(&e);
    for l in removed {
        outln!("- {l}");
    }
    for l in added {
        outln!("+ {l}");
    }
    0
}
