//! The MP4's mov_text subtitle track: written with the video ([`Subs`]), or added to a
//! finished video by copying it into a new file ([`with_track`]).

use std::path::Path;

use anyhow::{anyhow, Context, Result};
use ffmpeg_next as ffmpeg;
use ffmpeg::{codec, encoder, format, Dictionary, Packet, Rational};

use super::describe;
use crate::subtitles::{self, Cue};

/// Copies the video of `src` into a new temporary file beside it, with a mov_text track of
/// `segments`.
pub(super) fn with_track(src: &Path, segments: Vec<Cue>, fps: u32, output: &Path) -> Result<tempfile::TempPath> {
    let dir = src.parent().unwrap_or(Path::new("."));
    let dst = tempfile::Builder::new()
        .prefix(".subtitled.")
        .suffix(".part")
        .tempfile_in(dir)
        .with_context(|| format!("cannot write {}", output.display()))?
        .into_temp_path();
    let mut ictx = format::input(&src).map_err(|e| describe(e, "cannot read back", output))?;
    let ist = ictx.stream(0).ok_or_else(|| anyhow!("{} has no video stream", output.display()))?;
    let (ist_tb, rate) = (ist.time_base(), ist.avg_frame_rate());
    let mut octx = format::output_as(&dst, "mp4").map_err(|e| describe(e, "cannot create", output))?;
    let mut ost = octx.add_stream(encoder::find(codec::Id::None)).map_err(|e| anyhow!("cannot add a video stream: {e}"))?;
    ost.set_parameters(ist.parameters());
    // SAFETY: a plain field of the stream's own parameters; 0 lets the muxer pick the tag.
    unsafe { (*ost.parameters().as_mut_ptr()).codec_tag = 0 };
    ost.set_time_base(ist_tb);
    ost.set_avg_frame_rate(rate);
    let mut subs = Subs::add(&mut octx, segments, fps)?;
    let mut hopts = Dictionary::new();
    hopts.set("fflags", "+bitexact");
    octx.write_header_with(hopts).map_err(|e| describe(e, "cannot write", output))?;
    let ost_tb = octx.stream(0).map(|s| s.time_base()).unwrap_or(ist_tb);
    subs.ost_tb = octx.stream(1).map(|s| s.time_base()).unwrap_or(SUB_TB);
    let mut shown = 0u32;
    for (stream, mut pkt) in ictx.packets() {
        if stream.index() != 0 {
            continue;
        }
        // The frame this packet shows, on the frame clock the cues use.
        let pts = pkt.pts().unwrap_or(0).max(0) as i128;
        let frame = pts * ist_tb.numerator() as i128 * fps as i128 / ist_tb.denominator().max(1) as i128;
        shown = shown.max(frame.min(u32::MAX as i128) as u32);
        subs.write_until(shown, &mut octx, output)?;
        pkt.rescale_ts(ist_tb, ost_tb);
        pkt.set_position(-1);
        pkt.set_stream(0);
        pkt.write_interleaved(&mut octx).map_err(|e| describe(e, "cannot write", output))?;
    }
    subs.write_until(u32::MAX, &mut octx, output)?;
    octx.write_trailer().map_err(|e| describe(e, "cannot write", output))?;
    Ok(dst)
}

/// The mov_text track: one sample per stretch of constant dialogue.
pub(super) struct Subs {
    encoder: encoder::subtitle::Encoder,
    segments: Vec<Cue>,
    next: usize,
    fps: u32,
    pub(super) ost_tb: Rational,
}

/// mov_text packets carry milliseconds.
pub(super) const SUB_TB: Rational = Rational(1, 1000);

impl Subs {
    /// Adds the subtitle stream (stream 1) to `octx`, before its header is written.
    pub(super) fn add(octx: &mut format::context::Output, segments: Vec<Cue>, fps: u32) -> Result<Self> {
        let codec = encoder::find(codec::Id::MOV_TEXT).ok_or_else(|| anyhow!("this FFmpeg has no mov_text subtitle encoder"))?;
        let global_header = octx.format().flags().contains(format::Flags::GLOBAL_HEADER);
        let mut ost = octx.add_stream(codec).map_err(|e| anyhow!("cannot add a subtitle stream: {e}"))?;
        let mut enc = codec::context::Context::new_with_codec(codec).encoder().subtitle()?;
        enc.set_time_base(SUB_TB);
        if global_header {
            enc.set_flags(codec::Flags::GLOBAL_HEADER);
        }
        // SAFETY: ffmpeg-next has no setter for `subtitle_header`, which the mov_text encoder
        // parses on open. The buffer is av_malloc'ed (NUL-terminated, as FFmpeg expects) and
        // owned by the codec context from here on: avcodec_free_context frees it.
        unsafe {
            let ctx = enc.as_mut_ptr();
            let header = subtitles::ASS_HEADER.as_bytes();
            let buf = ffmpeg::ffi::av_mallocz(header.len() + 1) as *mut u8;
            anyhow::ensure!(!buf.is_null(), "out of memory for the subtitle header");
            std::ptr::copy_nonoverlapping(header.as_ptr(), buf, header.len());
            (*ctx).subtitle_header = buf;
            (*ctx).subtitle_header_size = header.len() as i32;
        }
        let encoder = enc.open_as(codec).map_err(|e| anyhow!("cannot open the mov_text subtitle encoder: {e}"))?;
        ost.set_parameters(&encoder);
        ost.set_time_base(SUB_TB);
        Ok(Self { encoder, segments, next: 0, fps, ost_tb: SUB_TB })
    }

    /// Writes the samples that start before video frame `frame`.
    pub(super) fn write_until(&mut self, frame: u32, octx: &mut format::context::Output, output: &Path) -> Result<()> {
        while let Some(seg) = self.segments.get(self.next).filter(|s| s.start <= frame).cloned() {
            let (a, b) = (subtitles::millis(seg.start, self.fps), subtitles::millis(seg.end, self.fps));
            let data = self.encode(self.next, &seg, (b - a) as u32)?;
            let mut pkt = Packet::copy(&data);
            pkt.set_pts(Some(a as i64));
            pkt.set_dts(Some(a as i64));
            pkt.set_duration((b - a) as i64);
            pkt.set_stream(1);
            pkt.rescale_ts(SUB_TB, self.ost_tb);
            pkt.write_interleaved(octx).map_err(|e| describe(e, "cannot write", output))?;
            self.next += 1;
        }
        Ok(())
    }

    fn encode(&mut self, order: usize, seg: &Cue, millis: u32) -> Result<Vec<u8>> {
        let event = subtitles::ass_event(order, seg);
        let mut sub = ffmpeg::Subtitle::new();
        sub.set_pts(Some(0));
        sub.set_start(0);
        sub.set_end(millis);
        if let ffmpeg::codec::subtitle::RectMut::Ass(mut ass) = sub.add_rect(ffmpeg::codec::subtitle::Type::Ass) {
            ass.set(&event);
        }
        let mut buf = vec![0u8; event.len() * 4 + 1024];
        // SAFETY: ffmpeg-next's `encode` drops the byte count avcodec_encode_subtitle returns,
        // so it is called directly on the open encoder with a buffer of `buf.len()` bytes.
        // `Subtitle` has no Drop: avsubtitle_free releases the rect and its text afterwards.
        let n = unsafe {
            let n = ffmpeg::ffi::avcodec_encode_subtitle(self.encoder.as_mut_ptr(), buf.as_mut_ptr(), buf.len() as i32, sub.as_ptr());
            ffmpeg::ffi::avsubtitle_free(sub.as_mut_ptr());
            n
        };
        anyhow::ensure!(n >= 0, "mov_text encoder: {}", ffmpeg::Error::from(n));
        buf.truncate(n as usize);
        Ok(buf)
    }
}
