//! `cine lsp` in a real editor: Neovim (installed by `scripts/setup.sh --test`) runs headless
//! with tests/fixtures/nvim_lsp.lua against the built binary, on a bundled screenplay with a
//! typo: diagnostics, completion, a quick fix applied by the editor, hover, semantic tokens,
//! formatting, and a clean stop.

use std::process::Command;

#[test]
fn neovim_lints_completes_fixes_and_hovers() {
    let root = env!("CARGO_MANIFEST_DIR");
    let dir = tempfile::tempdir().unwrap();
    for f in ["cine.toml", "harbor.cine"] {
        std::fs::copy(format!("{root}/screenplays/{f}"), dir.path().join(f)).unwrap();
    }
    std::fs::create_dir(dir.path().join("shared")).unwrap();
    for e in std::fs::read_dir(format!("{root}/screenplays/shared")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.path().join("shared").join(e.file_name())).unwrap();
    }
    let film = std::fs::read_to_string(dir.path().join("harbor.cine")).unwrap();
    let lines: Vec<&str> = film.lines().collect();
    assert_eq!(lines[28], "    subjects fisher", "the script expects this line 29");
    assert!(lines[30].starts_with("    camera truck_left"), "and this line 31");
    std::fs::write(dir.path().join("harbor.cine"), film.replacen("    subjects fisher\n", "    subjects fsher\n", 1)).unwrap();
    let out = dir.path().join("seen.json");
    let status = Command::new("nvim")
        .args(["--headless", "-n", "-u", "NONE", "-i", "NONE", "harbor.cine", "-c"])
        .arg(format!("luafile {root}/tests/fixtures/nvim_lsp.lua"))
        .env("CINE_BIN", env!("CARGO_BIN_EXE_cine"))
        .env("CINE_NVIM_OUT", &out)
        .current_dir(dir.path())
        .status()
        .expect("nvim is installed (bash scripts/setup.sh --test)");
    assert!(status.success());
    let seen: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(seen["diagnostic"]["line"], 29, "{seen}");
    assert_eq!(seen["diagnostic"]["col"], 14);
    assert_eq!(seen["diagnostic"]["count"], 1);
    assert!(seen["diagnostic"]["message"].as_str().unwrap().contains("did you mean `fisher`?"), "{seen}");
    let completion: Vec<&str> = seen["completion"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(completion, vec!["truck_left", "truck_right"], "{seen}");
    assert_eq!(seen["action"], "replace `fsher` with `fisher`");
    assert_eq!(seen["line29"], "    subjects fisher", "the editor applied the fix");
    assert_eq!(seen["after_fix"], 0, "and the diagnostics went away");
    let hover = seen["hover"].as_str().unwrap_or_default();
    assert!(hover.contains("**shot** `fisher_nets`") && hover.contains("prompt"), "{seen}");
    assert!(seen["tokens"].as_u64().unwrap() > 100, "{seen}");
    assert_eq!(seen["formatting"], 0, "harbor.cine is formatted");
    assert_eq!(seen["stopped"], true);
}
