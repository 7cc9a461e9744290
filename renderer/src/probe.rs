//! Reads a video back with ffmpeg-next: its size, decoded frames and subtitle cues. Tests use
//! it to check what a render wrote.

use std::path::Path;

use anyhow::{anyhow, Context, Result};
use ffmpeg_next as ffmpeg;
use ffmpeg::{format, media, software::scaling, util::frame::Video};

use crate::frame::RgbFrame;

/// One subtitle sample as decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubtitleSample {
    pub start_ms: i64,
    pub end_ms: i64,
    /// The ASS event text (after `ReadOrder,...,Effect,`); line breaks as `\N`.
    pub text: String,
}

/// What a video file holds.
#[derive(Debug, Clone, Default)]
pub struct Probe {
    pub width: u32,
    pub height: u32,
    pub frames: Vec<RgbFrame>,
    /// The subtitle stream's codec name (`mov_text`), if there is one.
    pub subtitle_codec: Option<String>,
    /// Non-empty subtitle samples, in file order.
    pub subtitles: Vec<SubtitleSample>,
}

/// Demuxes and decodes `path`: every video frame as RGB and every subtitle sample.
pub fn read(path: &Path) -> Result<Probe> {
    crate::mp4::init()?;
    let mut ictx = format::input(&path).with_context(|| format!("cannot open {}", path.display()))?;
    let vstream = ictx.streams().best(media::Type::Video).ok_or_else(|| anyhow!("{} has no video stream", path.display()))?;
    let vi = vstream.index();
    let mut video = ffmpeg::codec::context::Context::from_parameters(vstream.parameters())?.decoder().video()?;
    let sstream = ictx.streams().find(|s| s.parameters().medium() == media::Type::Subtitle);
    let mut subs = match sstream {
        Some(s) => {
            let ctx = ffmpeg::codec::context::Context::from_parameters(s.parameters())?;
            let name = ctx.id().name().to_string();
            Some((s.index(), s.time_base(), name, ctx.decoder().subtitle()?))
        }
        None => None,
    };
    let mut out = Probe {
        width: video.width(),
        height: video.height(),
        subtitle_codec: subs.as_ref().map(|s| s.2.clone()),
        ..Default::default()
    };
    let mut scaler = scaling::Context::get(
        video.format(),
        video.width(),
        video.height(),
        format::Pixel::RGB24,
        video.width(),
        video.height(),
        scaling::Flags::BILINEAR,
    )?;
    let mut take = |video: &mut ffmpeg::decoder::Video, frames: &mut Vec<RgbFrame>| -> Result<()> {
        let mut decoded = Video::empty();
        while video.receive_frame(&mut decoded).is_ok() {
            let mut rgb = Video::empty();
            scaler.run(&decoded, &mut rgb)?;
            let (w, h, stride) = (rgb.width(), rgb.height(), rgb.stride(0));
            let mut f = RgbFrame::new(w, h);
            let row = (w * 3) as usize;
            for (y, dst) in f.data.chunks_exact_mut(row).enumerate() {
                dst.copy_from_slice(&rgb.data(0)[y * stride..y * stride + row]);
            }
            frames.push(f);
        }
        Ok(())
    };
    for (stream, packet) in ictx.packets() {
        if stream.index() == vi {
            video.send_packet(&packet)?;
            take(&mut video, &mut out.frames)?;
        } else if let Some((_, tb, _, dec)) = subs.as_mut().filter(|s| s.0 == stream.index()) {
            let mut sub = ffmpeg::Subtitle::new();
            let got = dec.decode(&packet, &mut sub)?;
            let ms = |t: i64| t * 1000 * tb.numerator() as i64 / tb.denominator().max(1) as i64;
            let start = packet.pts().unwrap_or(0);
            if got {
                for rect in sub.rects() {
                    if let ffmpeg::codec::subtitle::Rect::Ass(a) = rect {
                        let text = a.get().splitn(9, ',').nth(8).unwrap_or("").to_string();
                        if !text.is_empty() {
                            out.subtitles.push(SubtitleSample { start_ms: ms(start), end_ms: ms(start + packet.duration()), text });
                        }
                    }
                }
            }
            // SAFETY: ffmpeg-next's Subtitle has no Drop; free what the decoder allocated.
            unsafe { ffmpeg::ffi::avsubtitle_free(sub.as_mut_ptr()) };
        }
    }
    video.send_eof()?;
    take(&mut video, &mut out.frames)?;
    Ok(out)
}
