//! Lowering one shot: frames, prompt, camera, events, transition, recalls, and the
//! model-aware checks on it.

use std::collections::{BTreeMap, HashMap, HashSet};

use cine_grammar::{Call, Duration, RecallKind, Span, Stmt, Unit, Value};
use cine_ir::{Camera, PromptEvent, Recall, Shot, Transition};

use crate::diag::Diagnostic;
use crate::lower::Lowering;
use crate::prompt::{count_tokens, phrases, sentences, words};
use crate::rules::Rule;
use crate::Cx;

/// A text as written in a file (a quoted literal: a description, caption, action, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Lit {
    pub file: usize,
    pub span: Span,
}

/// Longest shot in frames (about 17 hours at 16 fps).
pub const MAX_SHOT_FRAMES: f64 = 1_000_000.0;

/// Seconds, trimmed: `2`, `2.5`, `0.75`.
pub(crate) fn secs(frames: u32, fps: u32) -> String {
    let s = frames as f64 / fps.max(1) as f64;
    let t = format!("{s:.2}");
    t.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl Cx<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn shot(
        &mut self,
        lw: &mut Lowering,
        shot: &cine_grammar::Shot,
        index: usize,
        label: String,
        scene: usize,
        (set, prefix, scene_lits): (&str, &str, &[Lit]),
        start: u32,
    ) -> Shot {
        let fps = lw.header.fps;
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        let (mut duration, mut size, mut angle, mut action) = (None, None, None, String::new());
        let (mut subjects, mut camera, mut transition) = (Vec::new(), None, None);
        let mut ats = Vec::new();
        let mut recalls = Vec::new();
        let mut says = Vec::new();
        // The texts the prompts are made of: the shot's own first, then the shared ones.
        let mut lits = Vec::new();
        for p in &shot.props {
            let key = match &p.stmt {
                Stmt::Duration(_) => "duration",
                Stmt::Size(_) => "size",
                Stmt::Angle(_) => "angle",
                Stmt::Subjects(_) => "subjects",
                Stmt::Action(_) => "action",
                Stmt::Camera(_) => "camera",
                Stmt::Transition(_) => "transition",
                _ => "",
            };
            if !key.is_empty() {
                if let Some(first) = seen.get(key) {
                    self.diags.push(
                        Diagnostic::new(Rule::DuplicateProperty, 0, p.span, format!("`{key}` is given twice in this shot"))
                            .label("given again here")
                            .also(*first, "first given here")
                            .help("keep one of them; use `at 2s: \"...\"` to change the prompt during the shot"),
                    );
                    continue;
                }
                seen.insert(key, p.span);
            }
            match &p.stmt {
                Stmt::Duration(d) => duration = Some(d.clone()),
                Stmt::Size(n) => size = self.entry_phrase(0, "size", &n.text, n.span).map(|ph| (n.text.clone(), ph)),
                Stmt::Angle(n) => angle = self.entry_phrase(0, "angle", &n.text, n.span).map(|ph| (n.text.clone(), ph)),
                Stmt::Subjects(names) => subjects = names.clone(),
                Stmt::Action(t) => {
                    action = t.value.clone();
                    lits.push(Lit { file: 0, span: t.span });
                }
                Stmt::Camera(c) => camera = self.call(lw, "camera", c),
                Stmt::Transition(c) => {
                    transition = self.call(lw, "transition", c);
                    lw.transition_lines.insert(index, p.span);
                }
                Stmt::At { time, text } => {
                    ats.push((time.clone(), text.value.clone(), p.span));
                    lits.push(Lit { file: 0, span: text.span });
                }
                Stmt::Recall { kind, name, at } => recalls.push((*kind, name.clone(), at.clone())),
                Stmt::Say { .. } => says.push(p),
                _ => {}
            }
        }
        let length = duration.as_ref().and_then(|d| self.frames(lw, d));
        if duration.is_none() && !self.broken_duration(shot.span) {
            self.diags.push(
                Diagnostic::new(Rule::MissingDuration, 0, shot.head, "this shot has no duration")
                    .label("how long is it?")
                    .help("add a line like `duration 2s` or `duration 32f`"),
            );
        }
        // Without a valid duration (an error already) the shot gets a stand-in length.
        let frames = length.unwrap_or_else(|| lw.profile.as_ref().map_or(fps, |p| p.chunk_frames.max(1)));
        if length.is_none() {
            lw.stand_ins.insert(index);
        }
        if let (Some(p), Some(d)) = (&lw.profile, &duration) {
            if frames < p.chunk_frames {
                let need = p.chunk_frames;
                self.diags.push(
                    Diagnostic::new(Rule::ShortShot, 0, d.span, format!("this shot is {frames} frames ({}s), shorter than one {} chunk of {need} frames", secs(frames, fps), p.name))
                        .label("too short for one chunk")
                        .help(format!("make it at least {need} frames ({}s); the model generates whole chunks", secs(need, fps))),
                );
            }
        }
        // Subjects and the subject part of the prompt.
        let mut subject_text = Vec::new();
        let mut subject_names = Vec::new();
        for (k, n) in subjects.iter().enumerate() {
            if let Some(first) = subjects[..k].iter().find(|f| f.text == n.text) {
                // The fix deletes `, name` (from the end of the name before).
                let cut = Span::new(subjects[k - 1].span.end, n.span.end);
                let mut d = Diagnostic::new(Rule::DuplicateProperty, 0, n.span, format!("`{}` is listed twice in `subjects`", n.text))
                    .label("listed again here")
                    .also(first.span, "first listed here")
                    .help("list each cast member once");
                d.fix = Some(crate::diag::Fix { span: cut, replacement: String::new() });
                self.diags.push(d);
                continue;
            }
            match self.names.cast_ix.get(&n.text) {
                Some(&i) => {
                    self.names.cast[i].used = true;
                    lits.push(self.names.cast[i].description_at);
                    subject_text.push(self.names.cast[i].description.clone());
                    subject_names.push(n.text.clone());
                }
                None => {
                    self.diags.push(self.undefined(Rule::UndefinedCast, n.span, &n.text));
                    self.mark_suggested(Rule::UndefinedCast, &n.text);
                }
            }
        }
        let judged_from = self.diags.len();
        let recalls = self.recalls(lw, index, (start, frames), recalls);
        for s in &subject_names {
            lw.seen_cast.entry(s.clone()).or_default().push(index);
        }
        lw.seen_set.entry(set.to_string()).or_default().push(index);

        let camera = camera.unwrap_or_else(|| Camera { name: "static".into(), params: BTreeMap::new(), phrase: String::new() });
        let transition = match transition {
            Some(c) => Transition { frames: c.params.get("frames").map_or(0, |f| f.round().max(0.0) as u32), kind: c.name },
            None => Transition { kind: "cut".into(), frames: 0 },
        };
        let framing = phrases(&[size.as_ref().map_or("", |s| s.1.as_str()), angle.as_ref().map_or("", |a| a.1.as_str())]);
        let subjects_joined = subject_text.join(", ");
        let compose = |act: &str| sentences(&[&lw.header.caption, prefix, &subjects_joined, &framing, act, &camera.phrase]);
        let prompt = compose(&action);
        let mut events = Vec::new();
        let mut timed = Vec::new();
        for (t, text, span) in ats {
            if let Some(rel) = self.at_frame(lw, &t, (start, frames), span, "this prompt change never happens") {
                events.push(PromptEvent { frame: start + rel, prompt: compose(&text) });
                timed.push((rel, t));
            }
        }
        events.sort_by_key(|e| e.frame);
        timed.sort_by_key(|(rel, _)| *rel);
        self.hidden_changes(lw, (start, frames), &timed, !action.trim().is_empty());
        lits.extend(lw.header.caption_lits.iter().chain(scene_lits).copied());
        let entries = [("size", size.as_ref().map(|s| s.0.as_str())), ("angle", angle.as_ref().map(|a| a.0.as_str())), ("camera", Some(camera.name.as_str()))];
        lits.extend(entries.iter().filter_map(|&(kind, name)| self.entry_lit(kind, name?)));
        self.model_checks(lw, shot.head, &prompt, &events, &lits);
        let lines = self.lines(fps, start, frames, &subject_names, &says);
        if length.is_none() {
            // Times measured against the stand-in length say nothing about the real shot.
            let against_length = [Rule::EventOutsideShot, Rule::LineOutsideShot, Rule::LateChange, Rule::FastLine];
            let judged = self.diags.split_off(judged_from);
            self.diags.extend(judged.into_iter().filter(|d| !against_length.contains(&d.rule)));
        }
        Shot {
            index,
            label,
            scene,
            set: set.to_string(),
            subjects: subject_names,
            start_frame: start,
            frames,
            size: size.map(|s| s.0),
            angle: angle.map(|a| a.0),
            action,
            camera,
            prompt,
            events,
            transition,
            recalls,
            lines,
        }
    }

    /// The frame of the shot at film frames `start..start + frames` that `at t` names, or an
    /// `event-outside-shot` error (pointing also at `what`, which `never` happens) when it is
    /// not inside the shot. With a model, a time past the middle of the shot's last chunk is
    /// a `late-change` warning: changes take effect at chunk boundaries.
    fn at_frame(&mut self, lw: &Lowering, t: &Duration, (start, frames): (u32, u32), what: Span, never: &str) -> Option<u32> {
        let fps = lw.header.fps;
        let rel = t.frames(fps);
        if rel >= frames as f64 {
            self.diags.push(
                Diagnostic::new(Rule::EventOutsideShot, 0, t.span, crate::shot::past_end(t, rel, frames, fps))
                    .label("after the shot ends")
                    .also(what, never)
                    .help(format!("times in `at` count from the start of the shot; use a time below {}s", secs(frames, fps))),
            );
            return None;
        }
        let rel = rel as u32;
        let last = lw.profile.as_ref().and_then(|p| cine_ir::schedule::Grid::from_profile(p).last_change_frame(start, frames).map(|l| (p, l)));
        if let Some((p, last)) = last.filter(|&(_, last)| rel > last) {
            self.diags.push(
                Diagnostic::new(Rule::LateChange, 0, t.span, format!("`at {t}` comes after the middle of the shot's last {} chunk (frame {last} of the shot)", p.name))
                    .label("too late for the last chunk")
                    .also(what, never)
                    .help(format!("changes take effect at the chunk boundary nearest to them; use a time up to {}s, or make the shot longer", secs(last, fps))),
            );
        }
        Some(rel)
    }

    /// Prompt changes the model never sees: each chunk takes the prompt in force at its
    /// middle frame, so a change followed by another before the next chunk's middle is
    /// skipped, and one in force before the first chunk's middle replaces the `action`
    /// before it shows. (Changes past the last chunk's middle are late-change already.)
    fn hidden_changes(&mut self, lw: &Lowering, (start, frames): (u32, u32), timed: &[(u32, Duration)], has_action: bool) {
        let Some(p) = &lw.profile else { return };
        let grid = cine_ir::schedule::Grid::from_profile(p);
        let mids = grid.chunk_middles(start, frames);
        let Some(&last) = mids.last() else { return };
        let rels: Vec<u32> = timed.iter().map(|(rel, _)| *rel).collect();
        let takers = grid.change_takers(start, frames, &rels);
        if let (true, Some((first, t))) = (has_action, timed.first()) {
            if !mids.iter().any(|&m| m < *first) {
                self.diags.push(
                    Diagnostic::new(Rule::LateChange, 0, t.span, format!("`at {t}` takes effect from the shot's first chunk, so the shot's `action` never reaches the model"))
                        .label("in force before the first chunk's middle")
                        .help(format!("put this text in `action`, or move the change past frame {} of the shot (the first chunk's middle)", mids[0])),
                );
            }
        }
        for (i, (rel, t)) in timed.iter().enumerate() {
            if *rel <= last && takers[i].is_none() {
                let (_, later) = &timed[i + 1];
                self.diags.push(
                    Diagnostic::new(Rule::LateChange, 0, t.span, format!("`at {t}` is replaced by `at {later}` before any chunk takes it, so it never reaches the model"))
                        .label("skipped")
                        .also(later.span, "takes effect instead")
                        .help(format!("changes take effect at chunk boundaries ({} frames apart); move them further apart, or keep one", p.chunk_frames)),
                );
            }
        }
    }

    /// Frames of a duration, rounded to the model's granularity (with a warning).
    /// `None` (after an error) when the duration is out of range.
    fn frames(&mut self, lw: &Lowering, d: &Duration) -> Option<u32> {
        let fps = lw.header.fps as f64;
        let exact = match d.unit {
            Unit::Seconds => d.value * fps,
            Unit::Frames => d.value,
        };
        if d.unit == Unit::Frames && d.value.fract() != 0.0 {
            self.diags.push(Diagnostic::new(Rule::BadValue, 0, d.span, "a frame count must be a whole number").label("fractional frames").help("write whole frames like 40f, or seconds like 2.5s"));
        }
        if exact.round() < 1.0 || exact > MAX_SHOT_FRAMES {
            self.diags.push(
                Diagnostic::new(Rule::BadValue, 0, d.span, if exact > MAX_SHOT_FRAMES {
                    format!("a shot of {d} is more than {MAX_SHOT_FRAMES} frames, the longest a shot can be")
                } else {
                    format!("a shot of {d} is {exact} frames; shots last from 1 to {MAX_SHOT_FRAMES} frames")
                })
                    .label("out of range")
                    .help(if exact > MAX_SHOT_FRAMES {
                        format!("split it into shots of at most {}s", secs(MAX_SHOT_FRAMES as u32, lw.header.fps))
                    } else {
                        "give the shot a positive duration like 2s".to_string()
                    }),
            );
            return None;
        }
        let whole = exact.round() as u32;
        let mut frames = whole;
        let mut why = Vec::new();
        if (exact - exact.round()).abs() > 1e-6 {
            why.push(format!("{d} is {exact:.2} frames at {fps} fps"));
        }
        if let Some(p) = &lw.profile {
            let g = p.frame_granularity.max(1);
            if !whole.is_multiple_of(g) {
                frames = (((whole + g / 2) / g) * g).max(g);
                why.push(format!("{} makes frames in steps of {g}", p.name));
            }
        }
        if !why.is_empty() {
            self.diags.push(
                Diagnostic::new(Rule::FrameRounding, 0, d.span, format!("{}: this shot will be {frames} frames ({}s)", why.join("; "), secs(frames, lw.header.fps)))
                    .label(format!("rounded to {frames} frames"))
                    .help(format!("write `duration {frames}f` to say so exactly")),
            );
        }
        Some(frames)
    }

    /// Resolves a camera move or transition call against the vocabulary.
    fn call(&mut self, lw: &Lowering, kind: &str, c: &Call) -> Option<Camera> {
        let Some(entry) = self.names.entries.get(&(kind.to_string(), c.name.text.clone())) else {
            self.diags.push(self.unknown_entry(0, kind, &c.name.text, c.name.span));
            return None;
        };
        let phrase = entry.phrase.clone();
        let stdlib = entry.stdlib;
        let mut params: BTreeMap<String, f64> = entry.params.iter().cloned().collect();
        let known: Vec<String> = entry.params.iter().map(|(k, _)| k.clone()).collect();
        let mut given = HashMap::new();
        for a in &c.args {
            if let Some(first) = given.insert(a.name.text.clone(), a.name.span) {
                self.diags.push(Diagnostic::new(Rule::DuplicateProperty, 0, a.name.span, format!("parameter `{}` is given twice", a.name.text)).label("given again here").also(first, "first given here").help("keep one of them"));
                continue;
            }
            if !known.contains(&a.name.text) {
                // A parameter the call already gives is no suggestion (the fix would repeat it).
                let refs: Vec<&str> = known.iter().map(String::as_str).filter(|k| !c.args.iter().any(|b| b.name.text == *k)).collect();
                let d = Diagnostic::new(Rule::UnknownParam, 0, a.name.span, format!("`{}` has no parameter `{}`", c.name.text, a.name.text)).label("unknown parameter");
                let d = match cine_grammar::suggest(&a.name.text, &refs) {
                    Some(s) => d.suggest(s),
                    None if refs.is_empty() => d.help(format!("`{}` takes no parameters", c.name.text)),
                    None => d.help(format!("its parameters are: {}", refs.join(", "))),
                };
                self.diags.push(d);
                continue;
            }
            let fps = lw.header.fps as f64;
            let frames_param = a.name.text == "frames";
            let default = params.get(&a.name.text).copied().unwrap_or(0.0);
            let v = match &a.value {
                Value::Number { value, span, text } if frames_param && value.fract() != 0.0 => {
                    self.diags.push(Diagnostic::new(Rule::BadValue, 0, *span, format!("`frames` is a whole number of frames, not {text}")).label("fractional frames").help("write whole frames like 8, or seconds like 0.5s"));
                    continue;
                }
                Value::Number { value, .. } => *value,
                Value::Duration(d) if frames_param && d.unit == Unit::Frames && d.value.fract() != 0.0 => {
                    self.diags.push(Diagnostic::new(Rule::BadValue, 0, d.span, format!("`frames` is a whole number of frames, not {d}")).label("fractional frames").help("write whole frames like 8f, or seconds like 0.5s"));
                    continue;
                }
                Value::Duration(d) if stdlib && !frames_param => {
                    self.diags.push(
                        Diagnostic::new(Rule::BadValue, 0, d.span, format!("`{}` is not a time; write a number", a.name.text))
                            .label("a duration")
                            .help(format!("give `{}` a plain number (its default is {default})", a.name.text)),
                    );
                    continue;
                }
                Value::Duration(d) => match (d.unit, frames_param) {
                    (Unit::Seconds, true) => {
                        let exact = d.value * fps;
                        if (exact - exact.round()).abs() > 1e-6 {
                            self.diags.push(
                                Diagnostic::new(Rule::FrameRounding, 0, d.span, format!("{d} is {exact:.2} frames at {fps} fps: the transition will be {} frames", exact.round()))
                                    .label("not a whole number of frames")
                                    .help(format!("write whole frames like {}f", exact.round())),
                            );
                        }
                        exact.round()
                    }
                    (Unit::Frames, false) => d.value / fps,
                    _ => d.value,
                },
                Value::Name(n) => match self.names.consts.get(&n.text) {
                    Some(v) => *v,
                    None => {
                        self.diags.push(self.unknown_value(0, n.span, &n.text));
                        continue;
                    }
                },
                Value::Text(t) => {
                    self.diags.push(Diagnostic::new(Rule::BadValue, 0, t.span, "parameters are numbers").label("a text").help("write a number, a duration, or a constant such as `slow`"));
                    continue;
                }
            };
            // A parameter whose default is zero or more is a magnitude (speed, degrees,
            // frames): a negative value would not reverse the move, so it is refused.
            if !v.is_finite() || v < 0.0 && (frames_param || default >= 0.0) {
                let help = if v.is_finite() { format!("use a number of zero or more (the default is {default})") } else { "use a number of zero or more".into() };
                self.diags.push(Diagnostic::new(Rule::BadValue, 0, a.value.span(), format!("`{}` cannot be {}", a.name.text, a.value)).label("out of range").help(help));
                continue;
            }
            params.insert(a.name.text.clone(), v);
        }
        Some(Camera { name: c.name.text.clone(), params, phrase })
    }

    /// Whether a `duration` line in `span` failed to parse (a syntax error already says so).
    fn broken_duration(&self, span: Span) -> bool {
        let unit = &self.units[0];
        let text = &self.sources[unit.file].text;
        unit.parse.lines.iter().filter(|l| l.kind == cine_grammar::LineKind::Error && span.start <= l.span.start && l.span.end <= span.end).any(|l| {
            let rest = text.get(l.span.start..l.span.end).unwrap_or("").trim_start().strip_prefix("duration");
            rest.is_some_and(|r| r.is_empty() || r.starts_with(char::is_whitespace))
        })
    }

    /// The shot's recalls; `(start, frames)` place it in the film, for timed ones.
    fn recalls(&mut self, lw: &Lowering, index: usize, (start, frames): (u32, u32), list: Vec<(RecallKind, cine_grammar::Name, Option<Duration>)>) -> Vec<Recall> {
        let mut out = Vec::new();
        for (kind, n, at) in list {
            // `at`: from that frame of the shot on (snapped to a chunk boundary when scheduled).
            let from = match &at {
                None => None,
                Some(t) => match self.at_frame(lw, t, (start, frames), n.span, "this recall never starts") {
                    None => continue,
                    Some(rel) => (rel > 0).then_some(start + rel),
                },
            };
            match kind {
                RecallKind::Shot => match lw.labels.get(&n.text) {
                    Some(&i) if i < index => out.push(Recall { from_frame: from, ..Recall::shot(i) }),
                    Some(_) => self.diags.push(
                        Diagnostic::new(Rule::RecallForward, 0, n.span, format!("shot `{}` is not earlier than this one", n.text))
                            .label("not an earlier shot")
                            .help("recall only shots that come before; the renderer remembers what it has generated"),
                    ),
                    None => {
                        // Only an earlier shot can be recalled, so only an earlier one is offered
                        // (with a fix); a close later name is pointed out without one.
                        let names = |earlier: bool| {
                            let mut v: Vec<&str> = lw.labels.iter().filter(|(_, &i)| (i < index) == earlier).map(|(k, _)| k.as_str()).collect();
                            v.sort_unstable();
                            v
                        };
                        let d = Diagnostic::new(Rule::UndefinedShot, 0, n.span, format!("no shot is named `{}`", n.text)).label("undefined shot");
                        self.diags.push(match (cine_grammar::suggest(&n.text, &names(true)), cine_grammar::suggest(&n.text, &names(false))) {
                            (Some(s), _) => d.suggest(s),
                            (None, Some(s)) => d.help(format!("shot `{s}` comes later; only earlier shots can be recalled")),
                            (None, None) => d.help("name an earlier shot: recall shot arrival"),
                        });
                    }
                },
                RecallKind::Cast | RecallKind::Set => {
                    let (ix, rule, seen) = if kind == RecallKind::Cast {
                        (&self.names.cast_ix, Rule::UndefinedCast, &lw.seen_cast)
                    } else {
                        (&self.names.set_ix, Rule::UndefinedSet, &lw.seen_set)
                    };
                    let Some(&i) = ix.get(&n.text) else {
                        self.diags.push(self.undefined(rule, n.span, &n.text));
                        self.mark_suggested(rule, &n.text);
                        continue;
                    };
                    let shots = seen.get(&n.text).cloned().unwrap_or_default();
                    if kind == RecallKind::Cast {
                        self.names.cast[i].used = true;
                    } else {
                        self.names.sets[i].used = true;
                    }
                    if shots.is_empty() {
                        self.diags.push(
                            Diagnostic::new(Rule::RecallUnseen, 0, n.span, format!("{} `{}` has not been on screen before this shot", kind.word(), n.text))
                                .label("nothing to remember yet")
                                .help("recall what earlier shots showed; the first appearance needs no recall"),
                        );
                    }
                    let r = if kind == RecallKind::Cast { Recall::cast(n.text.clone(), shots) } else { Recall::set(n.text.clone(), shots) };
                    out.push(Recall { from_frame: from, ..r });
                }
            }
        }
        out
    }

    /// Prompt length and vocabulary against the model. `lits` are the texts the prompts are
    /// made of.
    fn model_checks(&mut self, lw: &mut Lowering, head: Span, prompt: &str, events: &[PromptEvent], lits: &[Lit]) {
        let Some(p) = &lw.profile else { return };
        let all = std::iter::once(prompt).chain(events.iter().map(|e| e.prompt.as_str()));
        let longest = all.clone().map(count_tokens).max().unwrap_or(0);
        if longest > p.max_prompt_tokens as usize {
            self.diags.push(
                Diagnostic::new(Rule::PromptTooLong, 0, head, format!("this shot's prompt is {longest} tokens; {} reads at most {}", p.name, p.max_prompt_tokens))
                    .label("prompt too long")
                    .help("shorten the caption, descriptions or action; cine counts words and runs of punctuation as the tokenizer does"),
            );
        }
        let Some(vocab) = &lw.vocab else { return };
        let mut unknown: Vec<String> = Vec::new();
        let mut is_unknown: HashSet<String> = HashSet::new();
        for text in all {
            for w in words(text) {
                let lw_ = w.to_lowercase();
                if !vocab.contains(&lw_) && is_unknown.insert(lw_.clone()) {
                    unknown.push(lw_);
                }
            }
        }
        if unknown.is_empty() {
            return;
        }
        // Each text's words where the text is written, so a `cine:allow` on that line silences
        // them; a text shared by many shots (caption, descriptions) is reported once. Words
        // from texts of other files or the stdlib's phrases go on the shot's head.
        let text = &self.sources[self.units[0].file].text;
        let mut placed: HashSet<String> = HashSet::new();
        let mut at: Vec<(Span, Vec<String>)> = Vec::new();
        for lit in lits.iter().filter(|l| l.file == self.units[0].file) {
            let raw = text.get(lit.span.start..lit.span.end).unwrap_or("");
            let mut first: Option<Span> = None;
            let (mut found, mut here) = (Vec::new(), HashSet::new());
            for w in words(raw) {
                let lower = w.to_lowercase();
                if !is_unknown.contains(&lower) || !here.insert(lower.clone()) {
                    continue;
                }
                // `w` is a slice of `raw`: its offset in the file follows from theirs.
                let start = lit.span.start + (w.as_ptr() as usize - raw.as_ptr() as usize);
                first.get_or_insert(Span::new(start, start + w.len()));
                placed.insert(lower.clone());
                found.push(lower);
            }
            if let (Some(span), true) = (first, lw.words_checked.insert(*lit)) {
                at.push((span, found));
            }
        }
        let elsewhere: Vec<String> = unknown.iter().filter(|u| !placed.contains(u.as_str())).cloned().collect();
        if !elsewhere.is_empty() {
            at.push((head, elsewhere));
        }
        for (span, ws) in at {
            let shown: Vec<&str> = ws.iter().take(12).map(String::as_str).collect();
            let more = if ws.len() > 12 { format!(" and {} more", ws.len() - 12) } else { String::new() };
            self.diags.push(
                Diagnostic::new(Rule::UnknownWord, 0, span, format!("{} does not know these words: {}{more}", p.name, shown.join(", ")))
                    .label("words the model never saw")
                    .help("the model will likely ignore them; use words from its vocabulary"),
            );
        }
    }
}

/// "`at 9s` is frame 144 of the shot, but the shot has only 40 frames (2.5s)"; a time too far
/// out for its frame to be an exact number is just after the end.
pub(crate) fn past_end(t: &Duration, rel: f64, frames: u32, fps: u32) -> String {
    let at = if rel < 1e12 { format!("is frame {rel} of the shot") } else { "is far past the end of the shot".to_string() };
    format!("`at {t}` {at}, but the shot has only {frames} frames ({}s)", secs(frames, fps))
}
