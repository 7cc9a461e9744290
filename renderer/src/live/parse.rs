//! The direction language of `cine live`: one direction a line, parsed in plain words.

use anyhow::{bail, Result};

/// One parsed direction.
#[derive(Debug, Clone, PartialEq)]
pub enum Direction {
    Prompt(String),
    Cut { prompt: String, name: Option<String> },
    Recall(String),
    /// A line of dialogue; no `for` (`hold: None`) keeps it for its reading time.
    Say { speaker: String, text: String, hold: Option<Hold> },
    Pause,
    Resume,
    Wait(u32),
    Stop,
}

/// How long a `say` line stays on screen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Hold {
    Seconds(f64),
    Frames(u32),
}

impl Hold {
    /// `2s`, `1.5s` or `30f`.
    pub fn parse(s: &str) -> Option<Self> {
        let hold = if let Some(n) = s.strip_suffix('s') {
            Hold::Seconds(n.parse().ok().filter(|v: &f64| v.is_finite() && *v > 0.0)?)
        } else {
            Hold::Frames(s.strip_suffix('f')?.parse().ok().filter(|&v| v > 0)?)
        };
        Some(hold)
    }

    /// Frames at `fps`, at least 1.
    pub fn frames(self, fps: u32) -> u32 {
        match self {
            Hold::Seconds(s) => (s * fps as f64).round().clamp(1.0, u32::MAX as f64) as u32,
            Hold::Frames(n) => n.max(1),
        }
    }
}

const SAY_FORM: &str = "expected `say NAME: \"TEXT\"`, `say NAME for 2s: \"TEXT\"` or `say \"TEXT\"`";

/// `[NAME] [for D]: "TEXT"` or `"TEXT"` after `say`.
fn say(rest: &str) -> Result<Direction> {
    let (head, body) = match rest.strip_prefix('"') {
        Some(_) => ("", rest),
        None => rest.split_once(':').ok_or_else(|| anyhow::anyhow!("{SAY_FORM}"))?,
    };
    let (text, after) = quoted(body.trim()).map_err(|e| anyhow::anyhow!("{e}; {SAY_FORM}"))?;
    if !after.trim().is_empty() {
        bail!("unexpected `{}` after the line's text; {SAY_FORM}", after.trim());
    }
    let (speaker, time) = match head.split_whitespace().collect::<Vec<_>>()[..] {
        [] => ("", None),
        [name] => (name, None),
        [name, "for", d] => (name, Some(d)),
        ["for", d] => ("", Some(d)),
        _ => bail!("{SAY_FORM}"),
    };
    let hold = time.map(|d| Hold::parse(d).ok_or_else(|| anyhow::anyhow!("`{d}` is not a time on screen: write it as 2s, 1.5s or 30f"))).transpose()?;
    Ok(Direction::Say { speaker: speaker.to_string(), text, hold })
}

/// Parses one line; `Ok(None)` for blank lines and comments.
pub fn parse(line: &str) -> Result<Option<Direction>> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let (word, rest) = match line.strip_prefix("say:") {
        // `say: "Hi"`: the speaker left out.
        Some(_) => ("say", &line[3..]),
        None => line.split_once(char::is_whitespace).unwrap_or((line, "")),
    };
    let rest = rest.trim();
    let d = match word {
        "prompt" => match quoted(rest)? {
            (prompt, after) if after.trim().is_empty() => Direction::Prompt(prompt),
            (_, after) => bail!("unexpected `{}` after the prompt; expected `prompt \"TEXT\"`", after.trim()),
        },
        "cut" => {
            let (prompt, after) = quoted(rest)?;
            let name = match after.split_whitespace().collect::<Vec<_>>()[..] {
                [] => None,
                ["as", name] => Some(name.to_string()),
                _ => bail!("expected `cut \"PROMPT\"` or `cut \"PROMPT\" as NAME`, got `{line}`"),
            };
            Direction::Cut { prompt, name }
        }
        "recall" if !rest.is_empty() && !rest.contains(char::is_whitespace) => Direction::Recall(rest.to_string()),
        "recall" => bail!("expected `recall NAME` (a shot's name or number)"),
        "say" => say(rest)?,
        "pause" | "resume" | "stop" | "quit" if !rest.is_empty() => bail!("`{word}` takes nothing after it, got `{line}`"),
        "pause" => Direction::Pause,
        "resume" => Direction::Resume,
        "stop" | "quit" => Direction::Stop,
        "wait" => Direction::Wait(rest.parse().map_err(|_| anyhow::anyhow!("expected `wait N` (chunks), got `{line}`"))?),
        other => bail!("unknown direction `{other}`; use prompt, cut, recall, say, pause, resume, wait or stop"),
    };
    Ok(Some(d))
}

/// A quoted string at the start of `s` (quotes optional when it is the whole rest), and what follows.
fn quoted(s: &str) -> Result<(String, &str)> {
    if let Some(body) = s.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => return non_empty(out, &body[i + 1..]),
                '\\' => out.extend(chars.next().map(|(_, c)| c)),
                c => out.push(c),
            }
        }
        bail!("unterminated quote in `{s}`");
    }
    non_empty(s.to_string(), "")
}

fn non_empty(p: String, rest: &str) -> Result<(String, &str)> {
    if p.trim().is_empty() {
        bail!("the text is empty");
    }
    Ok((p, rest))
}
