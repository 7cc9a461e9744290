//! Every diagnostic the compiler reports, with its stable code and default level.

use serde::{Deserialize, Serialize};

/// How a lint is treated. Errors that are not lints are always [`Level::Deny`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Allow,
    Warn,
    Deny,
}

impl Level {
    /// The level as cine.toml writes it: `allow`, `warn` or `deny`.
    pub fn name(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }
}

macro_rules! rules {
    ($($variant:ident = $code:literal, $lint:literal, $level:ident, $doc:literal;)*) => {
        /// A rule: one kind of problem. `code()` is stable across releases.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule { $(#[doc = $doc] $variant),* }

        impl Rule {
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),*];
            /// The rule's name without the `cine::` prefix, e.g. `undefined-cast`.
            pub fn name(self) -> &'static str { match self { $(Rule::$variant => $code),* } }
            /// Whether the rule is a lint (its level can be changed or suppressed).
            pub fn is_lint(self) -> bool { match self { $(Rule::$variant => $lint),* } }
            pub fn default_level(self) -> Level { match self { $(Rule::$variant => Level::$level),* } }
            /// One line saying what the rule checks.
            pub fn doc(self) -> &'static str { match self { $(Rule::$variant => $doc),* } }
        }
    };
}

rules! {
    Syntax = "syntax", false, Deny, "A line does not follow the grammar.";
    NotUtf8 = "not-utf8", false, Deny, "The file is not UTF-8 text.";
    Io = "io", false, Deny, "A file could not be read.";
    BadConfig = "bad-config", false, Deny, "cine.toml cannot be read, is not TOML, or has a key cine does not know.";
    UndefinedCast = "undefined-cast", false, Deny, "A subject or recall names a cast member that is not defined.";
    UndefinedSet = "undefined-set", false, Deny, "A scene or recall names a set that is not defined.";
    UndefinedShot = "undefined-shot", false, Deny, "A recall names a shot that does not exist.";
    RecallForward = "recall-forward", false, Deny, "A recall names a shot that comes later; only earlier shots can be recalled.";
    DuplicateName = "duplicate-name", false, Deny, "Two cast members, sets, vocabulary entries or shots share a name.";
    DuplicateProperty = "duplicate-property", false, Deny, "A header line or shot property is given twice.";
    UnknownEntry = "unknown-entry", false, Deny, "A shot size, angle, camera move, transition, style, time of day or value is not in the vocabulary.";
    UnknownParam = "unknown-param", false, Deny, "A camera move or transition is given a parameter it does not have.";
    BadValue = "bad-value", false, Deny, "A number is out of range or of the wrong kind.";
    MissingDuration = "missing-duration", false, Deny, "A shot has no duration.";
    UnknownModule = "unknown-module", false, Deny, "`use` names a stdlib module that does not exist.";
    UseOutsideProject = "use-outside-project", false, Deny, "`use` names a file outside the project root and stdlib/.";
    UseNotFound = "use-not-found", false, Deny, "`use` names a file that cannot be read.";
    UseCycle = "use-cycle", false, Deny, "Files use each other in a cycle.";
    UseTooDeep = "use-too-deep", false, Deny, "`use` chains are nested too deeply or pull in too many files.";
    UseInvalid = "use-invalid", false, Deny, "A used file holds something other than definitions.";
    NoShots = "no-shots", false, Deny, "The screenplay has no shots to render.";
    UnusedCast = "unused-cast", true, Warn, "A cast member is defined but never appears or is recalled.";
    UnusedSet = "unused-set", true, Warn, "A set is defined but no scene takes place there.";
    EmptyScene = "empty-scene", true, Warn, "A scene has no shots.";
    ShortShot = "short-shot", true, Warn, "A shot is shorter than one chunk of the model.";
    FrameRounding = "frame-rounding", true, Warn, "A duration is not a whole number of the model's frames and will be rounded.";
    EventOutsideShot = "event-outside-shot", true, Deny, "A timed prompt change (`at`) or a timed `recall ... at` falls outside its shot.";
    LateChange = "late-change", true, Warn, "A timed prompt change or recall never takes effect: it comes after the middle of its shot's last chunk, or another change takes over at the same chunk (an early one hides the shot's action).";
    LineOutsideShot = "line-outside-shot", true, Deny, "A line of dialogue (`say`) starts or runs past the end of its shot.";
    SpeakerOffScreen = "speaker-off-screen", true, Warn, "A line is said by a cast member who is not among the shot's subjects.";
    FastLine = "fast-line", true, Warn, "A line is on screen too briefly to be read (over 20 characters a second).";
    OverlappingLines = "overlapping-lines", true, Warn, "A line starts while an earlier line of the shot is still on screen.";
    TransitionClipped = "transition-clipped", true, Warn, "A transition is longer than the shot it plays over (it is cut short), a dissolve or wipe leads out of the last shot (it is dropped), or the renderer does not draw it (a transition defined in the screenplay plays as a cut).";
    PromptTooLong = "prompt-too-long", true, Warn, "An expanded prompt is longer than the model's text limit.";
    FilmTooLong = "film-too-long", true, Deny, "The film is longer than the limit set in cine.toml.";
    UnknownWord = "unknown-word", true, Warn, "A prompt uses words the selected model does not know.";
    RecallUnseen = "recall-unseen", true, Warn, "A recalled cast member or set has not been on screen yet.";
    ModelResolution = "model-resolution", true, Warn, "The header's resolution is not the size the model renders at, so the film comes out at another size.";
    UnknownModel = "unknown-model", true, Warn, "The header names a model cine does not know; model checks are skipped.";
    UnknownLint = "unknown-lint", true, Warn, "cine.toml or a suppression names a lint that does not exist.";
}

impl Rule {
    /// The full stable code, e.g. `cine::undefined-cast`.
    pub fn code(self) -> String {
        format!("cine::{}", self.name())
    }

    /// Looks a rule up by name, with or without the `cine::` prefix.
    pub fn from_name(name: &str) -> Option<Rule> {
        let n = name.strip_prefix("cine::").unwrap_or(name);
        Rule::ALL.iter().copied().find(|r| r.name() == n)
    }
}
