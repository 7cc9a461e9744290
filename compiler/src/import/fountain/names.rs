//! Names and places: identifiers from cues and headings, cast descriptions from the action
//! that introduces a character, and a heading's location and time of day.

/// Interior, exterior or both, from a heading's prefix.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Interior,
    Exterior,
    Both,
}

impl Kind {
    pub fn word(self) -> &'static str {
        match self {
            Kind::Interior => "interior",
            Kind::Exterior => "exterior",
            Kind::Both => "interior and exterior",
        }
    }
}

/// The parts of a scene heading.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Location {
    pub kind: Option<Kind>,
    /// The place, split at ` - ` (`LIGHTHOUSE`, `LAMP ROOM`).
    pub place: Vec<String>,
    /// The last ` - ` part when it reads as a time of day (`NIGHT`, `CONTINUOUS`).
    pub time: Option<String>,
}

/// A heading's time of day against the stdlib `time` vocabulary.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum When {
    Time(&'static str),
    /// `CONTINUOUS`, `SAME`, `LATER`: as the scene before.
    Same,
    Unknown,
}

impl When {
    /// Maps a time of day to a stdlib time by its words: NIGHT/MIDNIGHT -> night,
    /// SUNSET/GOLDEN HOUR/MAGIC HOUR -> golden_hour, DAWN/SUNRISE/DAYBREAK -> dawn,
    /// DUSK/TWILIGHT/EVENING -> dusk, MORNING -> morning, AFTERNOON -> afternoon,
    /// NOON/MIDDAY/DAY -> noon (plain daylight: the brightest, neutral time).
    pub fn of(raw: &str) -> When {
        let u = raw.to_uppercase();
        let words: Vec<&str> = u.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
        let has = |w: &[&str]| w.iter().any(|w| words.contains(w));
        if has(&["SUNSET"]) || (has(&["GOLDEN", "MAGIC"]) && has(&["HOUR"])) {
            When::Time("golden_hour")
        } else if has(&["NIGHT", "MIDNIGHT", "NIGHTTIME"]) {
            When::Time("night")
        } else if has(&["DAWN", "SUNRISE", "DAYBREAK"]) {
            When::Time("dawn")
        } else if has(&["DUSK", "TWILIGHT", "EVENING"]) {
            When::Time("dusk")
        } else if has(&["MORNING"]) {
            When::Time("morning")
        } else if has(&["AFTERNOON"]) {
            When::Time("afternoon")
        } else if has(&["NOON", "MIDDAY", "DAY", "DAYTIME"]) {
            When::Time("noon")
        } else if has(&["CONTINUOUS", "SAME", "LATER", "CONT", "MOMENTS"]) {
            When::Same
        } else {
            When::Unknown
        }
    }
}

impl Location {
    /// `INT. LIGHTHOUSE - LAMP ROOM - NIGHT` -> interior, [LIGHTHOUSE, LAMP ROOM], NIGHT.
    /// The last part is the time only when it reads as one; otherwise it is part of the place.
    pub fn parse(heading: &str) -> Location {
        let mut rest = heading.trim();
        let mut kind = None;
        for (p, k) in [("INT./EXT", Kind::Both), ("INT/EXT", Kind::Both), ("I/E", Kind::Both), ("INT", Kind::Interior), ("EXT", Kind::Exterior), ("EST", Kind::Exterior)] {
            if rest.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p)) && matches!(rest[p.len()..].chars().next(), Some('.' | ' ')) {
                kind = Some(k);
                rest = rest[p.len()..].trim_start_matches(['.', ' ']);
                break;
            }
        }
        let rest = rest.replace(['\u{2013}', '\u{2014}'], "-").split_whitespace().collect::<Vec<_>>().join(" ");
        let mut place: Vec<String> = rest.split(" - ").map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
        // Trailing parts that read as times (`DAY - CONTINUOUS`) are all the time.
        let mut times = Vec::new();
        while place.len() >= 2 && When::of(place.last().map_or("", |s| s.as_str())) != When::Unknown {
            times.extend(place.pop());
        }
        times.reverse();
        let time = (!times.is_empty()).then(|| times.join(" - "));
        Location { kind, place, time }
    }

    /// What makes two headings the same set.
    pub fn key(&self) -> String {
        let place: Vec<String> = self.place.iter().map(|p| p.to_uppercase()).collect();
        format!("{}|{:?}", place.join(" - "), self.kind)
    }

    /// `the lighthouse lamp room, interior`.
    pub fn description(&self) -> String {
        let place = self.place.join(" ").to_lowercase();
        if place.is_empty() {
            return String::new();
        }
        let first = place.split_whitespace().next().unwrap_or("");
        let article = if ["a", "an", "the"].contains(&first) || first.ends_with("'s") || first.ends_with("\u{2019}s") { "" } else { "the " };
        match self.kind {
            Some(k) => format!("{article}{place}, {}", k.word()),
            None => format!("{article}{place}"),
        }
    }
}

/// A screenplay identifier: lowercase ASCII letters, digits and `_` (`DR. WHO` -> `dr_who`,
/// `JOSÉ` -> `jose`, `ŁUKASZ` -> `lukasz`, `ÆSOP` -> `aesop`); `fallback` when nothing is left, prefixed when it starts with a digit.
pub fn ident(name: &str, fallback: &str) -> String {
    let mut out = String::new();
    for c in name.to_lowercase().chars() {
        // Combining marks (`İ` lowercases to `i` and a dot above) belong to the letter before.
        if ('\u{300}'..='\u{36f}').contains(&c) {
            continue;
        }
        match fold(c) {
            Some(f) => out.push_str(f),
            None if c.is_ascii_alphanumeric() => out.push(c),
            None => {
                if !out.ends_with('_') && !out.is_empty() {
                    out.push('_');
                }
            }
        }
    }
    let out = out.trim_end_matches('_').to_string();
    if out.is_empty() {
        fallback.to_string()
    } else if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("{fallback}_{out}")
    } else {
        out
    }
}

/// Lowercase Latin letters (Latin-1 and Latin Extended-A, and `ș`, `ț`) in ASCII: accents
/// dropped, ligatures and letters of their own spelled out (`ł` -> `l`, `æ` -> `ae`, `ß` ->
/// `ss`, `þ` -> `th`).
fn fold(c: char) -> Option<&'static str> {
    let f = match c {
        'à'..='å' | '\u{101}'..='\u{105}' => "a",
        'æ' => "ae",
        'ç' | '\u{107}'..='\u{10d}' => "c",
        'ð' | '\u{10f}'..='\u{111}' => "d",
        'è'..='ë' | '\u{113}'..='\u{11b}' => "e",
        '\u{11d}'..='\u{123}' => "g",
        '\u{125}'..='\u{127}' => "h",
        'ì'..='ï' | '\u{129}'..='\u{131}' => "i",
        '\u{133}' => "ij",
        '\u{135}' => "j",
        '\u{137}'..='\u{138}' => "k",
        '\u{13a}'..='\u{142}' => "l",
        'ñ' | '\u{144}'..='\u{14b}' => "n",
        'ò'..='ö' | 'ø' | '\u{14d}'..='\u{151}' => "o",
        'œ' => "oe",
        '\u{155}'..='\u{159}' => "r",
        'ß' => "ss",
        '\u{15b}'..='\u{161}' | 'ſ' | 'ș' => "s",
        '\u{163}'..='\u{167}' | 'ț' => "t",
        'þ' => "th",
        'ù'..='ü' | '\u{169}'..='\u{173}' => "u",
        '\u{175}' => "w",
        'ý' | 'ÿ' | '\u{177}' => "y",
        '\u{17a}'..='\u{17e}' => "z",
        _ => return None,
    };
    Some(f)
}

/// Where `word` occurs in `text` as a whole word (not inside a longer word).
fn find_word(text: &str, word: &str) -> Option<usize> {
    if word.is_empty() {
        return None;
    }
    let mut from = 0;
    while let Some(i) = text[from..].find(word) {
        let at = from + i;
        let before = text[..at].chars().next_back().is_some_and(char::is_alphanumeric);
        let after = text[at + word.len()..].chars().next().is_some_and(char::is_alphanumeric);
        if !before && !after {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

/// `DR. WHO` -> `Dr. Who`.
fn title_case(name: &str) -> String {
    name.split(' ').map(title_word).collect::<Vec<_>>().join(" ")
}

/// `WHO` -> `Who`.
pub fn title_word(w: &str) -> String {
    let mut cs = w.chars();
    cs.next().map_or(String::new(), |f| f.to_uppercase().chain(cs.flat_map(char::to_lowercase)).collect())
}

/// Whether an action text names a character: in capitals (`MARA`) or title case (`Mara`).
pub fn named_in(text: &str, name: &str) -> bool {
    find_word(text, &name.to_uppercase()).is_some() || find_word(text, &title_case(name)).is_some()
}

/// A cast description from the first action paragraph that names the character in
/// capitals: `MARA (30s), a ferry pilot, checks...` -> `mara, 30s, a ferry pilot`; the
/// name alone when there is nothing to take.
pub fn cast_description(name: &str, actions: &[&str]) -> String {
    let lower = name.to_lowercase();
    let caps = name.to_uppercase();
    let Some((text, at)) = actions.iter().find_map(|a| find_word(a, &caps).map(|i| (*a, i))) else { return lower };
    let mut parts = vec![lower];
    let mut rest = text[at + caps.len()..].trim_start();
    if let Some(inner) = rest.strip_prefix('(') {
        if let Some(e) = inner.find(')') {
            let p = inner[..e].trim();
            if !p.is_empty() {
                parts.push(p.to_string());
            }
            rest = inner[e + 1..].trim_start();
        }
    }
    if let Some(r) = rest.strip_prefix(',') {
        let end = r.find([',', '.', ';', '!', '?']).unwrap_or(r.len());
        let apposition = r[..end].trim();
        let words = apposition.split_whitespace().count();
        if (1..=12).contains(&words) {
            parts.push(apposition.to_string());
        }
    }
    parts.join(", ")
}
