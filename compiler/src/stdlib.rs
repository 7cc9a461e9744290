//! The standard vocabulary: `.cine` files under `stdlib/`, embedded in the binary.

/// A stdlib module: its name (`use camera`), its text, and whether it is always loaded.
pub struct Module {
    pub name: &'static str,
    pub text: &'static str,
    pub prelude: bool,
}

/// Every stdlib module. The prelude ones need no `use`.
pub const MODULES: &[Module] = &[
    Module { name: "shots", text: include_str!("../../stdlib/shots.cine"), prelude: true },
    Module { name: "angles", text: include_str!("../../stdlib/angles.cine"), prelude: true },
    Module { name: "camera", text: include_str!("../../stdlib/camera.cine"), prelude: true },
    Module { name: "transitions", text: include_str!("../../stdlib/transitions.cine"), prelude: true },
    Module { name: "times", text: include_str!("../../stdlib/times.cine"), prelude: true },
    Module { name: "styles", text: include_str!("../../stdlib/styles.cine"), prelude: false },
];

pub fn module(name: &str) -> Option<&'static Module> {
    MODULES.iter().find(|m| m.name == name)
}

/// The name a module's file is shown under in diagnostics.
pub fn file_name(name: &str) -> String {
    format!("stdlib/{name}.cine")
}

/// The kinds of vocabulary entries, as written after `define`.
pub const KINDS: &[&str] = &["size", "angle", "camera", "transition", "style", "time"];

/// Which module defines a kind's entries, for "did you forget `use ...`" help.
pub fn module_of_kind(kind: &str) -> &'static str {
    match kind {
        "size" => "shots",
        "angle" => "angles",
        "camera" => "camera",
        "transition" => "transitions",
        "time" => "times",
        _ => "styles",
    }
}
