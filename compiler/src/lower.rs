//! Lowering the screenplay to the film IR: header, scenes, and the film-wide checks.

use std::collections::{HashMap, HashSet};

use cine_grammar::{Item, Span, Stmt};
use cine_ir::{Film, ModelProfile, Scene, IR_VERSION};

use crate::diag::Diagnostic;
use crate::prompt::sentences;
use crate::rules::Rule;
use crate::shot::Lit;
use crate::Cx;

/// The header's values, with defaults for lines left out.
pub(crate) struct Header {
    pub title: String,
    pub fps: u32,
    pub width: u32,
    pub height: u32,
    pub seed: u64,
    pub model: String,
    pub model_span: Option<Span>,
    /// The `resolution` line's value, when the header has one.
    pub resolution_span: Option<Span>,
    pub caption: String,
    /// The texts the caption is made of (the `caption` line, a `style` defined in a file).
    pub caption_lits: Vec<Lit>,
}

/// The model a screenplay uses when its header names none.
pub const DEFAULT_MODEL: &str = "cine-tiny";

/// State shared by the shots of one compile.
pub(crate) struct Lowering {
    pub header: Header,
    pub profile: Option<ModelProfile>,
    pub vocab: Option<HashSet<String>>,
    /// Named shots: label to (index among all shots in source order).
    pub labels: HashMap<String, usize>,
    /// Shots each cast member / set appeared in so far.
    pub seen_cast: HashMap<String, Vec<usize>>,
    pub seen_set: HashMap<String, Vec<usize>>,
    /// Each shot's `transition` line, by shot index.
    pub transition_lines: HashMap<usize, Span>,
    /// Shots without a valid duration (an error already), lowered with a stand-in length
    /// that nothing may be measured against.
    pub stand_ins: HashSet<usize>,
    /// Texts whose unknown words were already looked for (a set's description is in many
    /// shots' prompts, and reported once).
    pub words_checked: HashSet<Lit>,
}

impl Cx<'_> {
    pub(crate) fn lower(&mut self, name: &str) -> Film {
        let mut header = self.header(name);
        let profile = self.profile(&header);
        self.model_size(&mut header, profile.as_ref());
        let vocab = profile
            .as_ref()
            .and_then(|p| p.vocabulary.as_ref())
            .map(|v| v.iter().map(|w| w.to_lowercase()).collect());
        let mut lw = Lowering {
            header,
            profile,
            vocab,
            labels: HashMap::new(),
            seen_cast: HashMap::new(),
            seen_set: HashMap::new(),
            transition_lines: HashMap::new(),
            stand_ins: HashSet::new(),
            words_checked: HashSet::new(),
        };
        self.collect_labels(&mut lw);
        let mut film = Film {
            ir_version: IR_VERSION,
            title: lw.header.title.clone(),
            fps: lw.header.fps,
            width: lw.header.width,
            height: lw.header.height,
            seed: lw.header.seed,
            model: lw.header.model.clone(),
            global_caption: lw.header.caption.clone(),
            total_frames: 0,
            cast: vec![],
            sets: vec![],
            scenes: vec![],
            shots: vec![],
            live_from: None,
        };
        let items = std::mem::take(&mut self.units[0].parse.file.items);
        let mut first_shot_past_limit = None;
        let limit = self.config.limits.max_seconds;
        let mut total: u64 = 0;
        for item in &items {
            let Item::Scene(s) = item else { continue };
            let scene_index = film.scenes.len();
            let (set_name, prefix, scene_lits) = self.scene_prefix(s);
            let mut shots = Vec::new();
            for (k, shot) in s.shots.iter().enumerate() {
                let index = film.shots.len();
                let label = shot.name.as_ref().map_or_else(|| format!("{}.{}", scene_index + 1, k + 1), |n| n.text.clone());
                let start = total.min(u32::MAX as u64) as u32;
                let ir = self.shot(&mut lw, shot, index, label, scene_index, (&set_name, &prefix, &scene_lits), start);
                total += ir.frames as u64;
                if let (Some(l), None) = (limit, first_shot_past_limit) {
                    if total as f64 / lw.header.fps as f64 > l {
                        first_shot_past_limit = Some(shot.head);
                    }
                }
                shots.push(index);
                film.shots.push(ir);
            }
            if s.shots.is_empty() {
                self.diags.push(
                    Diagnostic::new(Rule::EmptyScene, 0, s.head, "this scene has no shots")
                        .label("empty scene")
                        .help("add a `shot { ... }` block, or remove the scene"),
                );
            }
            film.scenes.push(Scene { index: scene_index, set: set_name, time_of_day: s.time.as_ref().map(|t| t.text.clone()), mood: s.mood.as_ref().map(|m| m.value.clone()), shots });
        }
        self.units[0].parse.file.items = items;
        self.clipped_transitions(&lw, &film);
        if total > u32::MAX as u64 {
            self.diags.push(Diagnostic::new(Rule::BadValue, 0, Span::new(0, 0), format!("the film is {total} frames long, more than cine can index")).help("split it into several screenplays"));
        }
        film.total_frames = total.min(u32::MAX as u64) as u32;
        if let (Some(l), Some(span)) = (limit, first_shot_past_limit) {
            self.diags.push(
                Diagnostic::new(Rule::FilmTooLong, 0, span, format!("the film is {:.2}s long; cine.toml limits it to {l}s", film.seconds()))
                    .label("the film passes the limit in this shot")
                    .help("shorten or remove shots, or raise [limits] max_seconds in cine.toml"),
            );
        }
        let library = self.is_library();
        if film.shots.is_empty() && !library && !self.diags.iter().any(|d| d.rule == Rule::Syntax && d.file == 0) {
            self.diags.push(
                Diagnostic::new(Rule::NoShots, 0, Span::new(0, 0), "the screenplay has no shots")
                    .help("add a scene with a shot: scene <set> { shot { duration 2s } }"),
            );
        }
        if !library {
            self.unused();
        }
        for d in self.names.cast.iter() {
            film.cast.push(entity(d));
        }
        for d in self.names.sets.iter() {
            film.sets.push(entity(d));
        }
        film
    }

    /// Transitions the renderer cannot play whole: longer than the shot they play over (a
    /// fade is clipped to the shorter of its two shots, a fade to black to its own, a
    /// dissolve or wipe to the next), a dissolve or wipe out of the last shot, or one the
    /// renderer does not draw (defined in the screenplay). Cuts and shots of stand-in length
    /// are skipped.
    fn clipped_transitions(&mut self, lw: &Lowering, film: &Film) {
        for (k, shot) in film.shots.iter().enumerate() {
            let Some(&span) = lw.transition_lines.get(&k) else { continue };
            if lw.stand_ins.contains(&k) || lw.stand_ins.contains(&(k + 1)) {
                continue;
            }
            let (t, next) = (&shot.transition, film.shots.get(k + 1));
            let kind = t.kind.as_str();
            let over = match (kind, next) {
                ("fade", Some(n)) => (shot.frames.min(n.frames), "the shorter of this shot and the next"),
                ("fade", None) | ("fade_to_black", _) => (shot.frames, "this shot"),
                ("dissolve" | "wipe", Some(n)) => (n.frames, "the next shot"),
                ("dissolve" | "wipe", None) => {
                    self.diags.push(
                        Diagnostic::new(Rule::TransitionClipped, 0, span, format!("a {kind} out of the last shot has nothing to go into"))
                            .label("dropped")
                            .help("end the film with `transition fade_to_black`, or remove the line"),
                    );
                    continue;
                }
                ("cut" | "match_cut" | "smash_cut", _) => continue,
                (_, _) => {
                    // A transition defined in the screenplay: the renderer draws only the stdlib's.
                    if t.frames > 0 {
                        self.diags.push(
                            Diagnostic::new(Rule::TransitionClipped, 0, span, format!("the renderer does not draw `{kind}`; it plays as a cut"))
                                .label("a cut in the film")
                                .help("use fade, fade_to_black, dissolve or wipe"),
                        );
                    }
                    continue;
                }
            };
            if t.frames > over.0 {
                let fps = lw.header.fps;
                self.diags.push(
                    Diagnostic::new(Rule::TransitionClipped, 0, span, format!("this {kind} is {} frames, longer than {} ({} frames)", t.frames, over.1, over.0))
                        .label("cut short")
                        .help(format!("make it at most {} frames (transition {kind}(frames: {}s))", over.0, crate::shot::secs(over.0, fps))),
                );
            }
        }
    }

    /// A file of definitions only (no header lines, no scenes) is a library for `use`:
    /// it has no shots and its definitions need not be used.
    fn is_library(&self) -> bool {
        let items = &self.units[0].parse.file.items;
        !items.is_empty()
            && items.iter().all(|i| match i {
                Item::Scene(_) => false,
                Item::Header(p) => matches!(p.stmt, Stmt::Use(_)),
                _ => true,
            })
    }

    fn header(&mut self, name: &str) -> Header {
        let stem = std::path::Path::new(name).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let mut h = Header { title: stem, fps: 16, width: 64, height: 64, seed: 0, model: DEFAULT_MODEL.into(), model_span: None, resolution_span: None, caption: String::new(), caption_lits: vec![] };
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        let mut style: Option<String> = None;
        let props: Vec<_> = self.units[0].parse.file.items.iter().filter_map(|i| match i { Item::Header(p) => Some(p.clone()), _ => None }).collect();
        for p in props {
            let key = match &p.stmt {
                Stmt::Title(_) => "title",
                Stmt::Fps { .. } => "fps",
                Stmt::Resolution { .. } => "resolution",
                Stmt::Seed { .. } => "seed",
                Stmt::Model { .. } => "model",
                Stmt::Caption(_) => "caption",
                Stmt::Style(_) => "style",
                _ => continue,
            };
            if let Some(first) = seen.get(key) {
                self.diags.push(
                    Diagnostic::new(Rule::DuplicateProperty, 0, p.span, format!("`{key}` is given twice"))
                        .label("given again here")
                        .also(*first, "first given here")
                        .help("keep one of them"),
                );
                continue;
            }
            seen.insert(key, p.span);
            match p.stmt {
                Stmt::Title(t) => h.title = t.value,
                Stmt::Fps { value, span } => match value {
                    1..=240 => h.fps = value as u32,
                    u64::MAX => self.diags.push(bad(span, "this frame rate is out of range".into(), "use a frame rate from 1 to 240 (cine-tiny and Wan run at 16)")),
                    _ => self.diags.push(bad(span, format!("frame rate {value} is out of range"), "use a frame rate from 1 to 240 (cine-tiny and Wan run at 16)")),
                },
                Stmt::Resolution { width, height, span } => {
                    let ok = |v: u64| (16..=4096).contains(&v) && v % 16 == 0;
                    if ok(width) && ok(height) {
                        (h.width, h.height) = (width as u32, height as u32);
                        h.resolution_span = Some(span);
                    } else {
                        let what = if width.max(height) == u64::MAX { "this resolution".to_string() } else { format!("resolution {width}x{height}") };
                        self.diags.push(bad(span, format!("{what} is not supported"), "width and height must be multiples of 16 from 16 to 4096, e.g. 64x64 or 832x480"));
                    }
                }
                Stmt::Seed { value, .. } => h.seed = value,
                Stmt::Model { name, span, .. } => {
                    h.model = name;
                    h.model_span = Some(span);
                }
                Stmt::Caption(t) => {
                    h.caption_lits.push(Lit { file: 0, span: t.span });
                    h.caption = t.value;
                }
                Stmt::Style(n) => {
                    style = self.entry_phrase(0, "style", &n.text, n.span);
                    h.caption_lits.extend(self.entry_lit("style", &n.text));
                }
                _ => {}
            }
        }
        h.caption = sentences(&[&h.caption, style.as_deref().unwrap_or("")]);
        h
    }

    fn profile(&mut self, h: &Header) -> Option<ModelProfile> {
        let lookup = self.opts.profile?;
        let p = lookup(&h.model);
        if p.is_none() {
            self.diags.push(
                Diagnostic::new(Rule::UnknownModel, 0, h.model_span.unwrap_or_default(), format!("cine does not know the model `{}`", h.model))
                    .label("unknown model")
                    .help("model-aware checks (chunk length, frame rounding, prompt length, vocabulary) are skipped; known models include cine-tiny and wan2.1-1.3b"),
            );
        }
        p
    }

    /// The film has the size its model renders (the IR says what comes out); a
    /// `resolution` line that differs gets a warning saying so.
    fn model_size(&mut self, h: &mut Header, p: Option<&ModelProfile>) {
        let Some((p, (w, ht))) = p.and_then(|p| Some((p, p.frame_size?))) else { return };
        let (written_w, written_h) = (h.width, h.height);
        (h.width, h.height) = (w, ht);
        if let (Some(span), true) = (h.resolution_span, (written_w, written_h) != (w, ht)) {
            self.diags.push(
                Diagnostic::new(Rule::ModelResolution, 0, span, format!("{} renders {w}x{ht} frames, not {written_w}x{written_h}", p.name))
                    .label(format!("the film will be {w}x{ht}"))
                    .help(format!("write `resolution {w}x{ht}`, and enlarge the video with `cine render --scale N`")),
            );
        }
    }

    /// Records the named shots; reports duplicates.
    fn collect_labels(&mut self, lw: &mut Lowering) {
        let mut index = 0;
        let mut spans: HashMap<String, Span> = HashMap::new();
        let mut dups = Vec::new();
        for item in &self.units[0].parse.file.items {
            let Item::Scene(s) = item else { continue };
            for shot in &s.shots {
                if let Some(n) = &shot.name {
                    if let Some(first) = spans.get(&n.text) {
                        dups.push((n.clone(), *first));
                    } else {
                        spans.insert(n.text.clone(), n.span);
                        lw.labels.insert(n.text.clone(), index);
                    }
                }
                index += 1;
            }
        }
        for (n, first) in dups {
            self.diags.push(
                Diagnostic::new(Rule::DuplicateName, 0, n.span, format!("shot `{}` is defined twice", n.text))
                    .label("defined again here")
                    .also(first, "first defined here")
                    .help("give each named shot its own name"),
            );
        }
    }

    /// The set's name, the prompt text a scene puts before each shot and the texts it is
    /// made of.
    fn scene_prefix(&mut self, s: &cine_grammar::Scene) -> (String, String, Vec<Lit>) {
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        for p in &s.props {
            let key = if matches!(p.stmt, Stmt::Time(_)) { "time" } else { "mood" };
            if let Some(first) = seen.get(key) {
                self.diags.push(Diagnostic::new(Rule::DuplicateProperty, 0, p.span, format!("`{key}` is given twice in this scene")).label("given again here").also(*first, "first given here").help("keep one of them"));
            } else {
                seen.insert(key, p.span);
            }
        }
        let set = s.set.text.clone();
        let mut lits = Vec::new();
        let description = match self.names.set_ix.get(&set) {
            Some(&i) => {
                self.names.sets[i].used = true;
                lits.push(self.names.sets[i].description_at);
                self.names.sets[i].description.clone()
            }
            None => {
                self.diags.push(self.undefined(Rule::UndefinedSet, s.set.span, &set));
                self.mark_suggested(Rule::UndefinedSet, &set);
                String::new()
            }
        };
        let time = s.time.as_ref().and_then(|t| self.entry_phrase(0, "time", &t.text, t.span)).unwrap_or_default();
        lits.extend(s.time.as_ref().and_then(|t| self.entry_lit("time", &t.text)));
        lits.extend(s.mood.as_ref().map(|m| Lit { file: 0, span: m.span }));
        let mood = s.mood.as_ref().map(|m| m.value.clone()).unwrap_or_default();
        (set, crate::prompt::phrases(&[&description, &time, &mood]), lits)
    }

    /// Where a vocabulary entry's phrase is written.
    pub(crate) fn entry_lit(&self, kind: &str, name: &str) -> Option<Lit> {
        self.names.entries.get(&(kind.to_string(), name.to_string())).map(|e| e.phrase_at)
    }

    /// The phrase of a vocabulary entry, or an `unknown-entry` error with help.
    pub(crate) fn entry_phrase(&mut self, file: usize, kind: &str, name: &str, span: Span) -> Option<String> {
        if let Some(e) = self.names.entries.get(&(kind.to_string(), name.to_string())) {
            return Some(e.phrase.clone());
        }
        self.diags.push(self.unknown_entry(file, kind, name, span));
        None
    }

    pub(crate) fn unknown_entry(&self, file: usize, kind: &str, name: &str, span: Span) -> Diagnostic {
        let names = self.names.entry_names(kind);
        let kind_word = if kind == "size" { "shot size" } else if kind == "time" { "time of day" } else { kind };
        let d = Diagnostic::new(Rule::UnknownEntry, file, span, format!("unknown {kind_word} `{name}`")).label(format!("not {} {kind_word} in the vocabulary", if kind_word.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" }));
        if let Some(s) = cine_grammar::suggest(name, &names) {
            return d.suggest(s);
        }
        let module = crate::stdlib::module_of_kind(kind);
        if names.is_empty() || !self.units.iter().any(|u| u.module == Some(module)) {
            return d.help(format!("{kind_word} entries come from the stdlib module `{module}`: add `use {module}`"));
        }
        d.help(format!("known: {}", names.join(", ")))
    }

    pub(crate) fn undefined(&self, rule: Rule, span: Span, name: &str) -> Diagnostic {
        let (what, defs): (&str, Vec<&str>) = match rule {
            Rule::UndefinedCast => ("cast member", self.names.cast.iter().map(|d| d.name.as_str()).collect()),
            _ => ("set", self.names.sets.iter().map(|d| d.name.as_str()).collect()),
        };
        let d = Diagnostic::new(rule, 0, span, format!("no {what} is named `{name}`")).label(format!("undefined {what}"));
        match cine_grammar::suggest(name, &defs) {
            Some(s) => d.suggest(s),
            None if rule == Rule::UndefinedCast => d.help(format!("define it: cast {name} \"a short visual description\"")),
            None => d.help(format!("define it: set {name} \"a short visual description\"")),
        }
    }

    /// After an undefined name, marks the name it was probably meant to be as used, so
    /// one typo does not also report the intended definition as unused.
    pub(crate) fn mark_suggested(&mut self, rule: Rule, name: &str) {
        let defs = if rule == Rule::UndefinedCast { &mut self.names.cast } else { &mut self.names.sets };
        let names: Vec<&str> = defs.iter().map(|d| d.name.as_str()).collect();
        if let Some(s) = cine_grammar::suggest(name, &names).map(str::to_string) {
            if let Some(d) = defs.iter_mut().find(|d| d.name == s) {
                d.used = true;
            }
        }
    }

    fn unused(&mut self) {
        let mut out = Vec::new();
        for (defs, rule, what) in [(&self.names.cast, Rule::UnusedCast, "cast member"), (&self.names.sets, Rule::UnusedSet, "set")] {
            for d in defs.iter().filter(|d| !d.used && d.file == 0) {
                out.push(
                    Diagnostic::new(rule, 0, d.span, format!("{what} `{}` is never used", d.name))
                        .label("defined here")
                        .help(format!("put it in a shot or scene, or remove it (or allow {})", rule.name())),
                );
            }
        }
        self.diags.extend(out);
    }
}

fn bad(span: Span, message: String, help: &str) -> Diagnostic {
    Diagnostic::new(Rule::BadValue, 0, span, message).label("out of range").help(help)
}

fn entity(d: &crate::names::Def) -> cine_ir::Entity {
    cine_ir::Entity { name: d.name.clone(), description: d.description.clone(), attributes: d.attrs.clone() }
}
