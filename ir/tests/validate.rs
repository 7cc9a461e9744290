//! `Film::validate`: hand-edited IR that breaks the film's shape is refused with words that
//! name the shot; a consistent film passes.

use cine_ir::{Film, Line, PromptEvent, Recall};

/// Three 16-frame shots in one scene, as the compiler would lay them out.
fn film() -> Film {
    let json = r#"{"ir_version":1,"title":"t","fps":16,"width":64,"height":64,"seed":1,"model":"cine-tiny",
      "global_caption":"","total_frames":48,"cast":[],"sets":[],
      "scenes":[{"index":0,"set":"pier","time_of_day":null,"mood":null,"shots":[0,1,2]}],
      "shots":[SHOT0,SHOT1,SHOT2]}"#;
    let shot = |i: u32| {
        format!(r#"{{"index":{i},"label":"s{i}","scene":0,"set":"pier","subjects":[],"start_frame":{},"frames":16,"size":null,"angle":null,
          "action":"a","camera":{{"name":"static","params":{{}},"phrase":""}},"prompt":"p","events":[],"transition":{{"kind":"cut","frames":0}},"recalls":[]}}"#, i * 16)
    };
    let json = json.replace("SHOT0", &shot(0)).replace("SHOT1", &shot(1)).replace("SHOT2", &shot(2));
    serde_json::from_str(&json).unwrap()
}

fn err(f: impl FnOnce(&mut Film)) -> String {
    let mut film = film();
    f(&mut film);
    film.validate().expect_err("should be refused")
}

#[test]
fn a_consistent_film_passes() {
    let mut f = film();
    f.shots[1].events.push(PromptEvent { frame: 20, prompt: "q".into() });
    f.shots[2].recalls.push(Recall::cast("mara", vec![0, 1]));
    f.shots[2].recalls.push(Recall::shot(0).from_frame(47));
    f.shots[2].lines.push(Line { speaker: "mara".into(), text: "Hi.".into(), start_frame: 40, frames: 8 });
    assert_eq!(f.validate(), Ok(()));
}

#[test]
fn each_break_is_named() {
    assert!(err(|f| f.fps = 0).contains("fps is 0"));
    assert!(err(|f| f.width = 0).contains("size is 0x64"));
    assert!(err(|f| f.height = 100_000).contains("8192"));
    assert!(err(|f| f.shots.clear()).contains("no shots"));
    assert!(err(|f| f.live_from = Some(4)).contains("live_from is shot index 4, but the film has 3 shots"));
    assert!(err(|f| f.shots[1].index = 7).contains("shot 2 (`s1`) has index 7"));
    assert!(err(|f| f.shots[1].start_frame = 99).contains("shot 2 (`s1`) starts at frame 99 but the shots before it end at frame 16"));
    assert!(err(|f| f.shots[1].frames = 0).contains("has no frames"));
    assert!(err(|f| f.total_frames = 5).contains("total_frames is 5 but the shots add up to 48"));
    assert!(err(|f| f.shots[2].frames = u32::MAX - 40).contains("longer than"));
    assert!(err(|f| f.shots[0].scene = 3).contains("scene 3"));
    assert!(err(|f| f.shots[1].events.push(PromptEvent { frame: 40, prompt: "x".into() })).contains("changes its prompt at frame 40"));
    assert!(err(|f| f.shots[1].recalls.push(Recall::shot(1))).contains("recalls shot 2, which is not an earlier shot"));
    assert!(err(|f| f.shots[1].recalls.push(Recall::set("pier", vec![0, 5]))).contains("recalls shot 6"));
    assert!(err(|f| f.shots[1].recalls.push(Recall::shot(0).from_frame(32))).contains("shot 2 (`s1`) recalls from frame 32, outside its frames 16-31"));
    assert!(err(|f| f.shots[1].recalls.push(Recall::shot(0).from_frame(15))).contains("from frame 15"));
    let line = |start_frame, frames| Line { speaker: "m".into(), text: "Hi.".into(), start_frame, frames };
    assert!(err(|f| f.shots[0].lines.push(line(10, 10))).contains("\"Hi.\" at frames 10-19, outside the shot's frames 0-15"));
    assert!(err(|f| f.shots[0].lines.push(line(4, 0))).contains("outside"));
    assert!(err(|f| f.shots[0].lines.push(line(u32::MAX, u32::MAX))).contains("outside"));
    assert!(err(|f| f.scenes[0].shots.push(9)).contains("scene 1 lists shot 10"));
}
