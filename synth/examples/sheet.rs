//! Writes a contact sheet of one story: `cargo run -p cine-synth --example sheet -- SEED out.png`.
//! One row per shot, five frames across, with the story's screenplay on stdout.

use cine_synth::{render_story, Story, StoryConfig};
use image::{imageops, RgbImage};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let seed: u64 = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(1);
    let out = args.get(2).cloned().unwrap_or_else(|| "out/sheet.png".into());
    let story = Story::generate(seed, &StoryConfig::default());
    print!("{}", story.screenplay());
    let frames = render_story(&story);
    let (w, h) = (story.width, story.height);
    let mut sheet = RgbImage::new(w * 5 + 8, (h + 2) * story.shots.len() as u32);
    for (row, (shot, start)) in story.shots.iter().zip(story.shot_starts()).enumerate() {
        for k in 0..5 {
            let t = start + (shot.frames - 1) * k / 4;
            imageops::replace(&mut sheet, &frames[t as usize], (k * (w + 2)) as i64, (row as u32 * (h + 2)) as i64);
        }
    }
    let sheet = imageops::resize(&sheet, sheet.width() * 3, sheet.height() * 3, imageops::FilterType::Nearest);
    sheet.save(&out)?;
    eprintln!("wrote {out}");
    Ok(())
}
