//! Rendering diagnostics: human (miette), JSON, SARIF 2.1.0.

use serde_json::{json, Value};

use crate::diag::{render_human, Diagnostic, Severity, SourceFile};
use crate::rules::Rule;

/// Output formats of `cine lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    /// GitHub Actions workflow commands: annotations on the pull request's lines.
    Github,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "human" => Ok(Format::Human),
            "json" => Ok(Format::Json),
            "sarif" => Ok(Format::Sarif),
            "github" => Ok(Format::Github),
            _ => Err(format!("unknown format `{s}`: use human, json, sarif or github")),
        }
    }
}

fn location(d: &Diagnostic, sources: &[SourceFile]) -> Value {
    let src = &sources[d.file.min(sources.len().saturating_sub(1))];
    let (line, column) = src.line_col(d.span.start);
    let (end_line, end_column) = src.line_col(d.span.end);
    json!({
        "file": src.name,
        "start": d.span.start,
        "end": d.span.end,
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
    })
}

/// What a report counts: every diagnostic found, also those past the limit a compile keeps
/// ([`crate::MAX_DIAGNOSTICS`] per file), which are `omitted` from the list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub errors: usize,
    pub warnings: usize,
    pub omitted: usize,
}

impl Totals {
    /// The counts of a whole list (nothing omitted).
    pub fn of(diags: &[Diagnostic]) -> Totals {
        let errors = diags.iter().filter(|d| d.severity == Severity::Error).count();
        Totals { errors, warnings: diags.len() - errors, omitted: 0 }
    }

    /// The counts of two reports together.
    pub fn add(self, o: Totals) -> Totals {
        Totals { errors: self.errors + o.errors, warnings: self.warnings + o.warnings, omitted: self.omitted + o.omitted }
    }

    /// The line saying the list was cut, when it was.
    pub fn omitted_note(&self) -> Option<String> {
        let n = self.omitted;
        (n > 0).then(|| format!("{n} more diagnostic{} not shown: cine reports at most {} per file; fix the ones shown and run again", if n == 1 { "" } else { "s" }, crate::MAX_DIAGNOSTICS))
    }
}

/// One diagnostic as a JSON object.
pub fn to_json(d: &Diagnostic, sources: &[SourceFile]) -> Value {
    let labels: Vec<Value> = d
        .others
        .iter()
        .map(|l| json!({ "start": l.span.start, "end": l.span.end, "text": l.text }))
        .collect();
    json!({
        "code": d.rule.code(),
        "severity": d.severity,
        "message": d.message,
        "location": location(d, sources),
        "label": d.label,
        "labels": labels,
        "help": d.help,
        "fix": d.fix.as_ref().map(|f| json!({ "start": f.span.start, "end": f.span.end, "replacement": f.replacement })),
    })
}

/// All diagnostics as one JSON document with counts.
pub fn json_report(diags: &[Diagnostic], sources: &[SourceFile]) -> Value {
    json_totals(diags, sources, Totals::of(diags))
}

/// The JSON document with the counts of `totals`; `omitted` (and `note`) only when the list
/// was cut.
fn json_totals(diags: &[Diagnostic], sources: &[SourceFile], totals: Totals) -> Value {
    let mut v = json!({
        "diagnostics": diags.iter().map(|d| to_json(d, sources)).collect::<Vec<_>>(),
        "errors": totals.errors,
        "warnings": totals.warnings,
    });
    if let Some(note) = totals.omitted_note() {
        v["omitted"] = json!(totals.omitted);
        v["note"] = json!(note);
    }
    v
}

/// All diagnostics as a SARIF 2.1.0 log (one run, every rule described).
pub fn sarif_report(diags: &[Diagnostic], sources: &[SourceFile]) -> Value {
    sarif_totals(diags, sources, Totals::of(diags))
}

/// The SARIF log; a cut list is said in the run's invocation, as a tool notification.
fn sarif_totals(diags: &[Diagnostic], sources: &[SourceFile], totals: Totals) -> Value {
    let rules: Vec<Value> = Rule::ALL
        .iter()
        .map(|r| {
            json!({
                "id": r.code(),
                "name": r.name(),
                "shortDescription": { "text": r.doc() },
                "defaultConfiguration": { "level": match r.default_level() {
                    crate::Level::Allow => "none",
                    crate::Level::Warn => "warning",
                    crate::Level::Deny => "error",
                }},
            })
        })
        .collect();
    let results: Vec<Value> = diags
        .iter()
        .map(|d| {
            let loc = location(d, sources);
            let uri = sarif_uri(loc["file"].as_str().unwrap_or(""));
            let message = d.message_with_help();
            let fixes: Vec<Value> = d
                .fix
                .iter()
                .map(|f| {
                    json!({
                        "description": { "text": f.title(sources.get(d.file).map_or("", |s| s.text.as_str())) },
                        "artifactChanges": [{
                            "artifactLocation": { "uri": uri },
                            "replacements": [{
                                "deletedRegion": { "byteOffset": f.span.start, "byteLength": f.span.end - f.span.start },
                                "insertedContent": { "text": f.replacement },
                            }],
                        }],
                    })
                })
                .collect();
            json!({
                "ruleId": d.rule.code(),
                "ruleIndex": Rule::ALL.iter().position(|r| *r == d.rule),
                "level": if d.severity == Severity::Error { "error" } else { "warning" },
                "message": { "text": message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri },
                        "region": {
                            "startLine": loc["line"], "startColumn": loc["column"],
                            "endLine": loc["end_line"], "endColumn": loc["end_column"],
                            "byteOffset": d.span.start, "byteLength": d.span.end - d.span.start,
                        }
                    }
                }],
                "fixes": fixes,
            })
        })
        .collect();
    let mut v = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "cine",
                "informationUri": "https://github.com/cine/cine",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    if let Some(note) = totals.omitted_note() {
        v["runs"][0]["invocations"] = json!([{
            "executionSuccessful": true,
            "toolExecutionNotifications": [{ "level": "warning", "message": { "text": note } }],
        }]);
    }
    v
}

/// A file name as a SARIF URI reference: percent-encoded, and `file://` for an absolute path.
fn sarif_uri(path: &str) -> String {
    let mut out = String::from(if path.starts_with('/') { "file://" } else { "" });
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Renders diagnostics in a format, ready to print.
pub fn render(format: Format, diags: &[Diagnostic], sources: &[SourceFile]) -> String {
    render_totals(format, diags, sources, Totals::of(diags))
}

/// Renders diagnostics with the counts of everything found (`Compiled::totals`): a list cut
/// at the limit says so, in each format's way.
pub fn render_totals(format: Format, diags: &[Diagnostic], sources: &[SourceFile], totals: Totals) -> String {
    let note = totals.omitted_note();
    match format {
        Format::Human => {
            let mut out = String::new();
            for d in diags {
                out.push_str(&render_human(d, sources));
            }
            if let Some(n) = note {
                out.push_str(&format!("note: {n}\n"));
            }
            out
        }
        Format::Json => pretty(&json_totals(diags, sources, totals)),
        Format::Sarif => pretty(&sarif_totals(diags, sources, totals)),
        Format::Github => {
            let mut out: String = diags.iter().map(|d| github(d, sources)).collect();
            if let Some(n) = note {
                out.push_str(&format!("::warning title=cine::{n}\n"));
            }
            out
        }
    }
}

/// One diagnostic as a GitHub Actions `::error` / `::warning` command.
fn github(d: &Diagnostic, sources: &[SourceFile]) -> String {
    let data = |s: &str| s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    let prop = |s: &str| data(s).replace(':', "%3A").replace(',', "%2C");
    let loc = location(d, sources);
    let level = if d.severity == Severity::Error { "error" } else { "warning" };
    let message = d.message_with_help();
    format!(
        "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
        prop(loc["file"].as_str().unwrap_or_default()),
        loc["line"],
        loc["column"],
        loc["end_line"],
        loc["end_column"],
        prop(&d.rule.code()),
        data(&message)
    )
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
