//! MP4 export with ffmpeg-next: H.264 (libx264), yuv420p, constant frame rate; optionally
//! upscaled ([`Mp4Options::scale`], Lanczos), with a mov_text subtitle track of the film's
//! dialogue and the dialogue burned into the frames.
//!
//! Frames are encoded as they arrive. The file is written under a temporary name in the
//! output's directory and renamed to the requested name only by [`Mp4Writer::finish`], so
//! an interrupted render (Ctrl-C, kill, an error) never leaves a partial file under the
//! output name.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};
use ffmpeg_next as ffmpeg;
use ffmpeg::{codec, encoder, format, software::scaling, util::frame::Video, Dictionary, Packet, Rational};

use crate::frame::{FrameSink, RgbFrame};
use crate::subtitles::{self, Cue};

mod track;
use track::{with_track, Subs};

/// What goes into the MP4 besides the frames.
#[derive(Debug, Clone, Default)]
pub struct Mp4Options {
    /// The video is this many times the frames' size (0 and 1: as is).
    pub scale: u32,
    /// Dialogue on the video's frame clock: a mov_text track when not empty.
    pub cues: Vec<Cue>,
    /// Also draw the cues into the frames (after scaling).
    pub burn: bool,
}

/// Streams frames into an MP4 file.
pub struct Mp4Writer {
    octx: format::context::Output,
    encoder: encoder::Video,
    scaler: scaling::Context,
    rgb: Video,
    /// Upscaler to the output size and its frame, when scaling.
    up: Option<(scaling::Context, Video)>,
    subs: Option<Subs>,
    /// Cues drawn into the frames, when burning (given at creation, then by
    /// [`FrameSink::dialogue`]).
    burn: Option<Vec<Cue>>,
    enc_tb: Rational,
    ost_tb: Rational,
    width: u32,
    height: u32,
    frames: i64,
    temp: Option<tempfile::TempPath>,
    output: PathBuf,
}

/// Initialises ffmpeg once and keeps its log quiet.
pub fn init() -> Result<()> {
    static INIT: std::sync::Once = std::sync::Once::new();
    let mut res = Ok(());
    INIT.call_once(|| {
        res = ffmpeg::init();
        ffmpeg::util::log::set_level(ffmpeg::util::log::Level::Error);
    });
    res.map_err(|e| anyhow!("cannot initialise ffmpeg: {e}"))
}

pub use crate::files::readable;

/// Turns an ffmpeg error on `path` into a message a user can act on.
pub fn describe(e: ffmpeg::Error, what: &str, path: &Path) -> anyhow::Error {
    match e {
        ffmpeg::Error::Other { errno } if errno == ffmpeg::error::ENOSPC => {
            anyhow!("{what} {}: the disk is full; free some space or write elsewhere", path.display())
        }
        ffmpeg::Error::Other { errno } if errno == ffmpeg::error::EACCES => {
            anyhow!("{what} {}: permission denied; choose a writable output path", path.display())
        }
        e => anyhow!("{what} {}: {e}", path.display()),
    }
}

impl Mp4Writer {
    /// Opens a writer for `output` (frames of `width` x `height`, even sizes, at `fps`).
    pub fn create(output: &Path, width: u32, height: u32, fps: u32) -> Result<Self> {
        Self::create_with(output, width, height, fps, &Mp4Options::default())
    }

    /// Opens a writer for frames of `width` x `height` with scaling and subtitles.
    pub fn create_with(output: &Path, width: u32, height: u32, fps: u32, mo: &Mp4Options) -> Result<Self> {
        init()?;
        anyhow::ensure!(fps > 0, "frame rate must be positive");
        let scale = mo.scale.max(1);
        anyhow::ensure!(scale <= 16, "scale {scale} is out of range: use 1 to 16");
        let (in_w, in_h) = (width, height);
        let (width, height) = (width * scale, height * scale);
        anyhow::ensure!(
            width >= 2 && height >= 2 && width % 2 == 0 && height % 2 == 0,
            "H.264 with yuv420p needs even frame sizes, got {width}x{height}"
        );
        // Checked now, not when the finished video is moved into place after the whole render.
        crate::files::check_output(output, "film.mp4")?;
        crate::files::check_extension(output, "mp4", "MP4")?;
        let temp = crate::files::temp_beside(output)
            .map_err(|e| {
                if e.raw_os_error() == Some(ffmpeg::error::ENOSPC) {
                    anyhow!("cannot write {}: the disk is full", output.display())
                } else {
                    anyhow!("cannot write {}: {e}; choose a writable output path", output.display())
                }
            })?
            .into_temp_path();
        let tpath = temp.to_path_buf();
        let mut octx = format::output_as(&tpath, "mp4").map_err(|e| describe(e, "cannot create", output))?;
        let global_header = octx.format().flags().contains(format::Flags::GLOBAL_HEADER);
        let codec = encoder::find_by_name("libx264")
            .or_else(|| encoder::find(codec::Id::H264))
            .ok_or_else(|| anyhow!("this FFmpeg has no H.264 encoder; install libx264 (scripts/setup.sh)"))?;
        let mut ost = octx.add_stream(codec).map_err(|e| anyhow!("cannot add a video stream: {e}"))?;
        let mut enc = codec::context::Context::new_with_codec(codec).encoder().video()?;
        let enc_tb = Rational(1, fps as i32);
        enc.set_width(width);
        enc.set_height(height);
        enc.set_format(format::Pixel::YUV420P);
        enc.set_time_base(enc_tb);
        enc.set_frame_rate(Some(Rational(fps as i32, 1)));
        if global_header {
            enc.set_flags(codec::Flags::GLOBAL_HEADER);
        }
        let mut opts = Dictionary::new();
        opts.set("preset", "medium");
        opts.set("crf", "18");
        if let Some(asm) = x264_asm() {
            opts.set("x264-params", &format!("asm={asm}"));
        }
        let encoder = enc.open_with(opts).map_err(|e| anyhow!("cannot open the H.264 encoder: {e}"))?;
        ost.set_parameters(&encoder);
        ost.set_time_base(enc_tb);
        ost.set_avg_frame_rate(Rational(fps as i32, 1));
        let subs = match mo.cues.is_empty() {
            true => None,
            false => Some(Subs::add(&mut octx, subtitles::segments(&mo.cues), fps)?),
        };
        let mut hopts = Dictionary::new();
        hopts.set("fflags", "+bitexact");
        octx.write_header_with(hopts).map_err(|e| describe(e, "cannot write", output))?;
        let ost_tb = octx.stream(0).map(|s| s.time_base()).unwrap_or(enc_tb);
        let subs = subs.map(|mut s| {
            s.ost_tb = octx.stream(1).map(|st| st.time_base()).unwrap_or(s.ost_tb);
            s
        });
        let up = if scale > 1 {
            let flags = scaling::Flags::LANCZOS | scaling::Flags::ACCURATE_RND | scaling::Flags::FULL_CHR_H_INT;
            let ctx = scaling::Context::get(format::Pixel::RGB24, in_w, in_h, format::Pixel::RGB24, width, height, flags)?;
            Some((ctx, Video::new(format::Pixel::RGB24, width, height)))
        } else {
            None
        };
        let scaler = scaling::Context::get(
            format::Pixel::RGB24,
            width,
            height,
            format::Pixel::YUV420P,
            width,
            height,
            scaling::Flags::BICUBIC | scaling::Flags::ACCURATE_RND | scaling::Flags::FULL_CHR_H_INP,
        )?;
        Ok(Self {
            octx,
            encoder,
            scaler,
            rgb: Video::new(format::Pixel::RGB24, in_w, in_h),
            up,
            subs,
            burn: mo.burn.then(|| mo.cues.clone()),
            enc_tb,
            ost_tb,
            width: in_w,
            height: in_h,
            frames: 0,
            temp: Some(temp),
            output: output.to_path_buf(),
        })
    }

    /// Encodes the next frame.
    pub fn write(&mut self, frame: &RgbFrame) -> Result<()> {
        anyhow::ensure!(
            frame.width == self.width && frame.height == self.height,
            "frame is {}x{}, the video is {}x{}",
            frame.width,
            frame.height,
            self.width,
            self.height
        );
        let stride = self.rgb.stride(0);
        let row = (self.width * 3) as usize;
        let plane = self.rgb.data_mut(0);
        for (y, src) in frame.data.chunks_exact(row).enumerate() {
            plane[y * stride..y * stride + row].copy_from_slice(src);
        }
        let index = self.frames as u32;
        if let Some(subs) = self.subs.as_mut() {
            subs.write_until(index, &mut self.octx, &self.output)?;
        }
        let src = match self.up.as_mut() {
            Some((ctx, big)) => {
                ctx.run(&self.rgb, big)?;
                big
            }
            None => &mut self.rgb,
        };
        let texts: Vec<String> = self.burn.iter().flatten().filter(|c| c.shows(index)).map(Cue::display).collect();
        if !texts.is_empty() {
            burn_into(src, &texts);
        }
        let mut yuv = Video::empty();
        self.scaler.run(src, &mut yuv)?;
        yuv.set_pts(Some(self.frames));
        self.frames += 1;
        self.encoder.send_frame(&yuv).map_err(|e| anyhow!("H.264 encoder: {e}"))?;
        self.drain()
    }

    /// Frames written so far.
    pub fn frames(&self) -> i64 {
        self.frames
    }

    fn drain(&mut self) -> Result<()> {
        let mut pkt = Packet::empty();
        while self.encoder.receive_packet(&mut pkt).is_ok() {
            pkt.set_stream(0);
            pkt.rescale_ts(self.enc_tb, self.ost_tb);
            pkt.write_interleaved(&mut self.octx).map_err(|e| describe(e, "cannot write", &self.output))?;
        }
        Ok(())
    }

    /// Flushes the encoder, writes the index and renames the file to its output name.
    pub fn finish(self) -> Result<PathBuf> {
        self.finish_with_track(&[])
    }

    /// As [`Self::finish`], adding a mov_text track of `cues` (video frame clock) when there
    /// are any and the writer has none: for a live session, whose lines are known only at
    /// the end. The video is copied into a second file with the track, not encoded again.
    pub fn finish_with_track(mut self, cues: &[Cue]) -> Result<PathBuf> {
        self.encoder.send_eof().map_err(|e| anyhow!("H.264 encoder: {e}"))?;
        self.drain()?;
        if let Some(subs) = self.subs.as_mut() {
            subs.write_until(u32::MAX, &mut self.octx, &self.output)?;
        }
        self.octx.write_trailer().map_err(|e| describe(e, "cannot write", &self.output))?;
        let mut temp = self.temp.take().expect("finish runs once");
        if self.subs.is_none() && !cues.is_empty() {
            let fps = self.enc_tb.denominator() as u32;
            temp = with_track(&temp, subtitles::segments(cues), fps, &self.output)?;
        }
        crate::mp4::readable(&temp);
        temp.persist(&self.output).map_err(|e| anyhow!("cannot move the finished video to {}: {}", self.output.display(), e.error))?;
        Ok(self.output.clone())
    }
}

/// The CPU features x264 may use, when its own choice would not do: on CPUs with AVX-512
/// (seen on an AMD EPYC, libx264 r3095) two encodes of the same frames gave different
/// bytes, while without its AVX-512 code they are equal, as renders must be (the cache,
/// `cine batch` in CI and the tests compare them). Every AVX-512 CPU has the rest.
fn x264_asm() -> Option<&'static str> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        return Some("MMX2,SSE2Fast,SSSE3,SSE4.2,AVX,FMA3,BMI2,AVX2");
    }
    None
}

/// Draws subtitles into an RGB24 frame of ffmpeg's (rows may be padded).
fn burn_into(v: &mut Video, texts: &[String]) {
    let (w, h, stride) = (v.width(), v.height(), v.stride(0));
    let row = (w * 3) as usize;
    let mut f = RgbFrame::new(w, h);
    let plane = v.data_mut(0);
    for (y, dst) in f.data.chunks_exact_mut(row).enumerate() {
        dst.copy_from_slice(&plane[y * stride..y * stride + row]);
    }
    crate::burn::burn(&mut f, texts);
    for (y, src) in f.data.chunks_exact(row).enumerate() {
        plane[y * stride..y * stride + row].copy_from_slice(src);
    }
}

impl FrameSink for Mp4Writer {
    fn push(&mut self, _index: u32, frame: &RgbFrame) -> Result<()> {
        self.write(frame)
    }

    fn dialogue(&mut self, cues: &[Cue]) -> Result<()> {
        if let Some(burn) = self.burn.as_mut() {
            *burn = cues.to_vec();
        }
        Ok(())
    }
}
