//! The Fountain parser element by element, and the mappings of names, places and times.

use super::film::{transition_kind, Film};
use super::names::{cast_description, ident, Kind, Location, When};
use super::parse::{cue, heading, parse, strip_hidden, transition, Dialogue, Element};
use super::text::subtitles;

fn elements(src: &str) -> Vec<Element> {
    parse(src).elements
}

fn dialogue(e: &Element) -> &Dialogue {
    match e {
        Element::Dialogue(d) => d,
        other => panic!("expected dialogue, got {other:?}"),
    }
}

#[test]
fn scene_headings() {
    assert_eq!(heading("INT. HOUSE - DAY"), Some(("INT. HOUSE - DAY".into(), None)));
    assert_eq!(heading("ext. beach - night"), Some(("ext. beach - night".into(), None)));
    for h in ["EST. CITY", "INT./EXT. CAR - DAY", "INT/EXT CAR", "I/E. CAR", "EXT BEACH"] {
        assert!(heading(h).is_some(), "{h}");
    }
    assert_eq!(heading("INT. HOUSE - DAY #12A#"), Some(("INT. HOUSE - DAY".into(), Some("12A".into()))));
    assert_eq!(heading(".FLASHBACK"), Some(("FLASHBACK".into(), None)));
    assert_eq!(heading("...and then"), None, "`..` is not a forced heading");
    assert_eq!(heading("INTERIOR DESIGN"), None);
    assert_eq!(heading("EXTRA! EXTRA!"), None);
    // A heading needs a blank line before it.
    let e = elements("Some action.\nINT. HOUSE - DAY\n\nINT. HOUSE - DAY\n");
    assert_eq!(e.len(), 2);
    assert!(matches!(&e[0], Element::Action(a) if a.contains("INT. HOUSE")));
    assert!(matches!(&e[1], Element::Heading { .. }));
    // And one after it: a paragraph that starts like a heading is action.
    let e = elements("INT. TAVERN - NIGHT\n\nMara waits.\n\nEst. 1887, the sign over the door creaks.\nMara looks up at it.\n");
    assert_eq!(e[2], Element::Action("Est. 1887, the sign over the door creaks. Mara looks up at it.".into()));
    assert!(matches!(&elements("EXT. SEA\n")[0], Element::Heading { .. }), "the end of the script counts as blank");
}

#[test]
fn character_cues() {
    assert_eq!(cue("MARA"), Some(("MARA".into(), vec![], false)));
    assert_eq!(cue("MARA (V.O.)"), Some(("MARA".into(), vec!["V.O.".into()], false)));
    assert_eq!(cue("DR. WHO (O.S.) (CONT'D)"), Some(("DR. WHO".into(), vec!["O.S.".into(), "CONT'D".into()], false)));
    assert_eq!(cue("HANS (on the radio)"), Some(("HANS".into(), vec!["on the radio".into()], false)));
    assert_eq!(cue("@McCLANE"), Some(("McCLANE".into(), vec![], false)));
    assert_eq!(cue("TEO ^"), Some(("TEO".into(), vec![], true)));
    assert_eq!(cue("Mara"), None, "lowercase is not a cue");
    assert_eq!(cue("CUT TO:"), None);
    assert_eq!(cue("123"), None);
    // `ß` has no capital of its own: `STRAßE` is all capitals.
    assert_eq!(cue("STRAßE"), Some(("STRAßE".into(), vec![], false)));
    assert_eq!(cue("STRAsSE"), None);
    assert_eq!(dialogue(&elements("STRAßE\nHm.\n")[0]).text, "Hm.");
    // A cue needs dialogue right after it; a capitals line alone is action.
    let e = elements("THE DOOR SLAMS.\n\nMARA\nHello.\n");
    assert!(matches!(&e[0], Element::Action(a) if a == "THE DOOR SLAMS."));
    assert_eq!(dialogue(&e[1]).text, "Hello.");
    let e = elements("Mara\nHello.\n");
    assert_eq!(e, vec![Element::Action("Mara Hello.".into())]);
}

#[test]
fn dialogue_and_parentheticals() {
    let e = elements("MARA (V.O.)\n(quietly)\nThe tide is *turning*.\nWe go now.\n(beat)\nNow.\n\nTEO ^\nNo.\n");
    let d = dialogue(&e[0]);
    assert_eq!(d.text, "The tide is turning. We go now. Now.");
    assert_eq!(d.parentheticals, vec!["quietly", "beat"]);
    assert!(d.off_screen());
    let t = dialogue(&e[1]);
    assert!(t.dual && !t.off_screen());
    assert!(!Dialogue { extensions: vec!["CONT'D".into()], ..Default::default() }.off_screen());
    assert!(Dialogue { extensions: vec!["O.C.".into()], ..Default::default() }.off_screen());
}

#[test]
fn transitions() {
    assert_eq!(transition("CUT TO:", true, true), Some("CUT TO:".into()));
    assert_eq!(transition("> BURN TO WHITE.", false, false), Some("BURN TO WHITE.".into()));
    assert_eq!(transition(">THE END<", true, true), None, "centered text");
    assert_eq!(transition("FADE OUT.", true, true), Some("FADE OUT.".into()));
    assert_eq!(transition("Cut to:", true, true), None, "not in capitals");
    assert_eq!(transition("CUT TO:", false, true), None, "needs a blank line before");
    assert_eq!(transition_kind("DISSOLVE TO:"), ("dissolve", true));
    assert_eq!(transition_kind("FADE TO BLACK."), ("fade_to_black", true));
    assert_eq!(transition_kind("SMASH CUT TO:"), ("smash_cut", true));
    assert_eq!(transition_kind("MATCH CUT TO:"), ("match_cut", true));
    assert_eq!(transition_kind("WIPE TO:"), ("wipe", true));
    assert_eq!(transition_kind("JUMP CUT TO:"), ("cut", false));
    let e = elements("Waves.\n\nDISSOLVE TO:\n\n!CUT TO: the chase.\n");
    assert_eq!(e[1], Element::Transition("DISSOLVE TO:".into()));
    assert_eq!(e[2], Element::Action("CUT TO: the chase.".into()), "`!` forces action");
}

#[test]
fn title_page() {
    let s = parse("Title: _**The Ferry**_\nCredit: Written by\nAuthor: Ana Ruiz\nDraft date: 1/2/2025\nContact:\n    Ana Ruiz\n    ana@example.com\n\nEXT. DOCK - DAWN\n\nWaves.\n");
    assert_eq!(s.title_page[0], ("Title".into(), "The Ferry".into()));
    assert_eq!(super::parse::plain("_under_ *bold* last_ferry 2*3 \\*x"), "under bold last_ferry 2*3 *x");
    // Only paired markers are emphasis: a lone `*` or `_` is text.
    let plain = super::parse::plain;
    assert_eq!(plain("2 * 3 = 6, and *that* is it"), "2 * 3 = 6, and that is it");
    assert_eq!(plain("***both*** and **bold *in* it**"), "both and bold in it");
    assert_eq!(plain("a * b and _c"), "a * b and _c");
    assert_eq!(plain("* not * closed* here"), "* not * closed* here", "a run opens before a non-space and closes after one");
    assert_eq!(plain("**bold* half"), "**bold* half", "runs pair by length");
    assert_eq!(plain(&"*a ".repeat(20_000)).len(), 60_000, "lone markers are quick");
    assert_eq!(s.title_page[4], ("Contact".into(), "Ana Ruiz ana@example.com".into()));
    assert_eq!(s.elements.len(), 2);
    // `FADE IN:` is not a title page, and is not filmed.
    let s = parse("FADE IN:\n\nEXT. DOCK - DAWN\n\nWaves.\n");
    assert!(s.title_page.is_empty());
    assert_eq!(s.elements.len(), 2);
}

#[test]
fn notes_sections_synopses_lyrics_and_centered_text_kept_the_rest_dropped() {
    let lines = |s| strip_hidden(s).0;
    assert_eq!(strip_hidden("a [[note]] b\n[[whole line]]\nc"), (vec!["a  b".into(), "c".into()], vec![(0, "note".into()), (1, "whole line".into())]));
    assert_eq!(lines("a /* x\n\ny */ b\nc"), vec!["a  b", "c"]);
    assert_eq!(strip_hidden("a [[ open"), (vec!["a [[ open".into()], vec![]), "an unclosed note is text");
    assert_eq!(lines("a /* to the end\nb"), vec!["a "]);
    assert_eq!(strip_hidden("/* [[in the boneyard]] */x").1, vec![]);
    let src = "# Act  one\n\n= The ferry leaves.\n\nMARA\nGo.\n[[check this]]\nNow.\n\n===\n\n> THE END <\n\n~Row, row\n\n/* cut\n\nBOB\nHi. */\nWaves.\n";
    let e = elements(src);
    assert_eq!(e[..2], [Element::Outline("# Act one".into()), Element::Outline("= The ferry leaves.".into())]);
    assert_eq!(dialogue(&e[2]).text, "Go. Now.", "a note line does not end the dialogue");
    // Lyrics and centered text are kept (they used to vanish); the page break is not.
    assert_eq!(e[3..], [Element::Note("check this".into()), Element::Unfilmed(">THE END<".into()), Element::Unfilmed("~Row, row".into()), Element::Action("Waves.".into())]);
    assert_eq!(super::parse::outline("##  The  crossing"), Some("## The crossing".into()));
    assert_eq!(super::parse::outline("=="), None);
}

#[test]
fn places_times_and_names() {
    let l = Location::parse("INT. HOUSE - DAY - CONTINUOUS");
    assert_eq!((l.place.clone(), l.time.clone(), When::of(l.time.as_deref().unwrap_or(""))), (vec!["HOUSE".into()], Some("DAY - CONTINUOUS".into()), When::Time("noon")));
    let l = Location::parse("INT. LIGHTHOUSE - LAMP ROOM - NIGHT");
    assert_eq!((l.kind, l.place.clone(), l.time.clone()), (Some(Kind::Interior), vec!["LIGHTHOUSE".into(), "LAMP ROOM".into()], Some("NIGHT".into())));
    assert_eq!(l.description(), "the lighthouse lamp room, interior");
    assert_eq!(ident(&l.place.join(" "), "stage"), "lighthouse_lamp_room");
    let k = Location::parse("INT. HOUSE - KITCHEN");
    assert_eq!((k.place.len(), k.time), (2, None), "KITCHEN is no time of day");
    assert_eq!(Location::parse("EXT. MARA'S BOAT").description(), "mara's boat, exterior");
    assert_eq!(When::of("DAY"), When::Time("noon"));
    assert_eq!(When::of("LATER THAT NIGHT"), When::Time("night"));
    assert_eq!(When::of("EVENING"), When::Time("dusk"));
    assert_eq!(When::of("SUNSET"), When::Time("golden_hour"));
    assert_eq!(When::of("CONTINUOUS"), When::Same);
    assert_eq!(When::of("1985"), When::Unknown);
    assert_eq!(ident("DR. WHO", "c"), "dr_who");
    assert_eq!(ident("JOSÉ", "c"), "jose");
    // Letters of their own and ligatures are spelled out; they used to be dropped.
    for (name, id) in [("ŁUKASZ", "lukasz"), ("ÆSOP", "aesop"), ("ŒDIPE", "oedipe"), ("STRAßE", "strasse"), ("BJØRN", "bjorn"), ("ĐORĐE", "dorde"), ("ÞÓRA", "thora"), ("İPEK", "ipek"), ("ŞTEFAN ȚEPEȘ", "stefan_tepes"), ("DVOŘÁK", "dvorak")] {
        assert_eq!(ident(name, "c"), id, "{name}");
    }
    assert_eq!(ident("2ND OFFICER", "c"), "c_2nd_officer");
    assert_eq!(ident("???", "c"), "c");
    let actions = ["Fog.", "MARA (30s), a ferry pilot, coils a rope.", "MARA again."];
    assert_eq!(cast_description("MARA", &actions), "mara, 30s, a ferry pilot");
    assert_eq!(cast_description("TEO", &actions), "teo");
}

#[test]
fn film_from_elements() {
    let src = "EXT. DOCK - DAWN\n\nMARA coils a rope.\n\nMARA\nGo.\n\nTEO (O.S.)\nWait!\n\nCUT TO:\n\nINT. CABIN - CONTINUOUS\n\nTEO\nHi.\n\nEXT. DOCK - NIGHT\n\nEXT. DOCK - DAY\n\n> IRIS OUT.\n";
    let f = Film::new(&parse(src));
    assert_eq!(f.sets.len(), 2, "the dock returns: {:?}", f.sets);
    assert_eq!(f.scenes.iter().map(|s| s.set).collect::<Vec<_>>(), vec![0, 1, 0, 0]);
    assert_eq!(f.scenes[1].time, Some("dawn"), "CONTINUOUS keeps the time");
    let first = &f.scenes[0].shots[0];
    assert_eq!(first.subjects, vec![0], "TEO is off screen");
    assert_eq!(first.lines.len(), 2);
    assert!(first.lines[1].off_screen);
    assert_eq!(first.transition, Some(("cut", None)));
    assert_eq!(f.scenes[1].shots[0].action, "teo speaks");
    assert_eq!(f.scenes[2].shots.len(), 1, "a heading alone still gets a shot");
    assert_eq!(f.scenes[3].shots[0].transition, Some(("cut", Some("IRIS OUT.".into()))));
    let f = Film::new(&parse("ЗОЯ\nДа.\n\nЛЕВ\nНет.\n\n@Zoya\nYes.\n"));
    let ids: Vec<&str> = f.cast.iter().map(|c| c.ident.as_str()).collect();
    assert_eq!(ids, ["character", "character_2", "zoya"], "names without ASCII letters stay apart");
    let speakers: Vec<_> = f.scenes[0].shots.iter().map(|s| (s.subjects.clone(), s.lines.iter().map(|l| l.cast).collect::<Vec<_>>())).collect();
    assert_eq!(speakers, [(vec![0], vec![0]), (vec![1], vec![1]), (vec![2], vec![2])], "each speaker gets a shot");
    let f = Film::new(&parse("Just some action.\n"));
    assert_eq!((f.scenes.len(), f.sets[0].ident.as_str()), (1, "stage"));
}

#[test]
fn long_speeches_become_several_subtitles() {
    let s = "One two three four five six seven eight nine ten. ".repeat(4);
    let parts = subtitles(s.trim());
    assert_eq!(parts.len(), 4);
    assert!(parts.iter().all(|p| p.chars().count() <= 90));
    assert_eq!(subtitles("Short. Lines. Join."), vec!["Short. Lines. Join."]);
}

/// Each shot's subjects (as idents), size and lines (speaker idents).
fn coverage(f: &Film) -> Vec<(Vec<&str>, Option<&str>, Vec<&str>)> {
    let id = |i: &usize| f.cast[*i].ident.as_str();
    let shots = f.scenes.iter().flat_map(|s| &s.shots);
    shots.map(|s| (s.subjects.iter().map(id).collect(), s.size, s.lines.iter().map(|l| id(&l.cast)).collect())).collect()
}

#[test]
fn a_conversation_cuts_to_each_speaker() {
    let long = "I waited for you here every night. ".repeat(6);
    let src = format!("EXT. DOCK - NIGHT\n\nANA waits by the water.\n\nANA\nHello.\n\nBEN\nHi.\n\nANA ^\nHi.\n\nNARRATOR (V.O.)\nThey had not met in years.\n\nANA\n(softly)\n{long}\n\nCUT TO:\n\nINT. CABIN - NIGHT\n\nBEN\nWho is there?\n\nANA (O.S.)\nMe.\n");
    let f = Film::new(&parse(&src));
    assert_eq!(
        coverage(&f),
        [
            // The first speech stays in the action's shot.
            (vec!["ana"], None, vec!["ana"]),
            // A new speaker: a medium close-up of them; Ana's dual line and the voice-over
            // stay in it.
            (vec!["ben", "ana"], Some("medium_close_up"), vec!["ben", "ana", "narrator"]),
            // Ana goes on past 8 s: close-up, medium close-up, close-up.
            (vec!["ana"], Some("close_up"), vec!["ana"]),
            (vec!["ana"], Some("medium_close_up"), vec!["ana"]),
            (vec!["ana"], Some("close_up"), vec!["ana"]),
            // A scene that opens with dialogue; the off-screen answer gets no shot.
            (vec!["ben"], Some("medium_close_up"), vec!["ben", "ana"]),
        ]
    );
    let shots: Vec<&super::film::Shot> = f.scenes.iter().flat_map(|s| &s.shots).collect();
    assert_eq!(shots[1].action, "ben speaks to ana");
    assert_eq!(shots[2].action, "ana speaks to ben, softly");
    assert_eq!(shots[3].action, "ana speaks to ben", "the manner is the first subtitle's");
    assert!(shots[5].lines[1].off_screen);
    assert_eq!(shots[4].transition, Some(("cut", None)), "the transition is on the last shot before it");
    assert!(shots.iter().all(|s| s.said_secs <= 8.0 || s.lines.len() == 1));
}

#[test]
fn an_opening_voice_over_plays_over_the_first_scene() {
    // Before the first heading: the lines wait for the scene and play over a shot of its
    // place, which has no speaker in it; the action is the next shot.
    let f = Film::new(&parse("NARRATOR (V.O.)\nIt was a dark night.\n\nEXT. PIER - NIGHT\n\nMARA waits.\n\nMARA\nWhere is he?\n"));
    assert_eq!(f.scenes.len(), 1, "no scene of its own");
    assert_eq!(f.sets.len(), 1);
    assert_eq!(coverage(&f), [(vec![], None, vec!["narrator"]), (vec!["mara"], None, vec!["mara"])]);
    let shots = &f.scenes[0].shots;
    assert_eq!((shots[0].action.as_str(), shots[1].action.as_str()), ("", "MARA waits."));
    assert!(shots[0].lines[0].off_screen);
    // A scene that opens with a voice-over likewise; without any heading it plays over the
    // first action.
    let f = Film::new(&parse("INT. CABIN - NIGHT\n\nANA (O.S.)\nMe.\n"));
    assert_eq!((f.scenes[0].shots.len(), f.scenes[0].shots[0].action.as_str()), (1, ""));
    let f = Film::new(&parse("ANA (V.O.)\nLong ago.\n\nANA sleeps.\n"));
    assert_eq!(coverage(&f), [(vec!["ana"], None, vec!["ana"])]);
    assert_eq!(f.scenes[0].shots[0].action, "ANA sleeps.");
}

#[test]
fn dual_dialogue_stays_in_the_shot() {
    let f = Film::new(&parse("INT. CAR - DAY\n\nANA drives. BEN sleeps.\n\nANA\nWake up.\n\nBEN ^\nNo.\n"));
    assert_eq!(coverage(&f), [(vec!["ana", "ben"], None, vec!["ana", "ben"])]);
}

#[test]
fn silent_characters_are_cast() {
    use super::intro::introduced;
    let places: std::collections::HashSet<String> = ["HARBOR", "DOCK"].iter().map(|s| s.to_string()).collect();
    let found = |actions: &[&str]| introduced(actions, &places).into_iter().map(|(n, _)| n).collect::<Vec<_>>();
    assert_eq!(found(&["TEO (20s), a student, runs."]), ["TEO"], "an age");
    assert_eq!(found(&["Behind her, OLD JONAS (late seventies) naps."]), ["OLD JONAS"]);
    assert_eq!(found(&["She calls DR. ADA LIND, a surgeon, at once."]), ["DR. ADA LIND"], "a description");
    assert_eq!(found(&["KIRA steps out of the car.", "Nobody sees Kira."]), ["KIRA"], "named later in title case");
    assert_eq!(found(&["The dog barks.", "KIRA steps out of the car."]), Vec::<String>::new(), "never named again");
    for not in [
        "BANG! The door flies open.",
        "SLAM, the door shuts.",
        "THE END",
        "He is NOT happy (at all). Not at all.",
        "She picks up the GUN, a rusty revolver.",
        "X (30s) waits.",
        "MARA'S BOAT, a wreck, lies on the sand.",
        "CLOSE ON a hand. Close.",
        "The HARBOR, a grey stretch of water.",
        "DOCK (1920s) rots.",
        "TEO (20), A STUDENT, RUNS.",
        "A TALL MAN IN A BLACK COAT (40s) waits.",
    ] {
        assert_eq!(found(&[not]), Vec::<String>::new(), "{not}");
    }
    // Cast with their introduction, and the subjects of the shots that name them; a
    // speaker is not cast twice.
    let f = Film::new(&parse("EXT. DOCK - DAY\n\nTEO (20s), a student, waits. BANG!\n\nMARA, a pilot, waves at Teo.\n\nMARA\nCome.\n\nTeo runs.\n"));
    let cast: Vec<(&str, &str)> = f.cast.iter().map(|c| (c.ident.as_str(), c.description.as_str())).collect();
    assert_eq!(cast, [("mara", "mara, a pilot"), ("teo", "teo, 20s, a student")]);
    let subjects: Vec<Vec<usize>> = f.scenes[0].shots.iter().map(|s| s.subjects.clone()).collect();
    assert_eq!(subjects, [vec![1], vec![0, 1], vec![1]]);
    // Introduced by full name, speaking by the short one (or the other way round): one person.
    for (intro, cue) in [("DICK STEEL", "STEEL"), ("STEEL", "DICK STEEL")] {
        let f = Film::new(&parse(&format!("INT. OFFICE - NIGHT\n\n{intro} (40s), a detective, lights a cigarette.\n\n{cue}\nRain again.\n")));
        let cast: Vec<&str> = f.cast.iter().map(|c| c.ident.as_str()).collect();
        assert_eq!(cast.len(), 1, "{intro} / {cue}: {cast:?}");
    }
    // Two speakers sharing a surname keep the introduction its own (it matches neither alone).
    let f = Film::new(&parse("INT. OFFICE - NIGHT\n\nSTEEL (40s), a detective, waits.\n\nDICK STEEL\nHi.\n\nANN STEEL\nHello.\n"));
    assert_eq!(f.cast.len(), 3);
}

#[test]
fn notes_sections_and_synopses_become_comments() {
    let src = "# Act One\n\n= They meet.\n\nEXT. DOCK - DAY\n\n[[before any shot]]\n\nANA waits. [[Rain?]]\n\nANA\nHi.\n[[too short]]\n\n## The answer\n\nBEN\nHello.\n\n= Ben is happy.\n\nBen smiles.\n\n# Act Two\n";
    let f = Film::new(&parse(src));
    let scene = &f.scenes[0];
    assert_eq!(scene.before, ["# Act One", "= They meet."]);
    let shots = &scene.shots;
    assert_eq!(shots[0].before, ["[[before any shot]]"]);
    assert_eq!(shots[0].notes, [(0, "[[Rain?]]".to_string()), (1, "[[too short]]".to_string())]);
    assert_eq!(shots[1].before, ["## The answer"], "the section goes before Ben's shot");
    assert_eq!(shots[2].before, ["= Ben is happy."]);
    assert_eq!(f.after, ["# Act Two"]);
    let text = super::write::write(&f, &crate::import::Target::default(), false);
    assert_eq!(crate::fmt::format(&text).unwrap(), text, "not formatted");
    let at = |s: &str| text.find(s).unwrap_or_else(|| panic!("no {s}:\n{text}"));
    assert!(at("// # Act One\n// = They meet.\n// EXT. DOCK - DAY\nscene dock {") > 0);
    assert!(at("    action \"ANA waits.\"\n    // [[Rain?]]\n    say ana: \"Hi.\"\n    // [[too short]]\n  }") > 0);
    assert!(at("  // ## The answer\n  shot {") < at("  // = Ben is happy.\n  shot {"));
    assert!(text.ends_with("}\n\n// # Act Two\n"), "{text}");
}
