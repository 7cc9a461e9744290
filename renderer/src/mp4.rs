//! MP4 export with ffmpeg-next: H.264 (libx264), yuv420p, constant frame rate; optionally
//! upscaled ([`Mp4Options::scale`], Lanczos), with a mov_text subtitle track of the film's
//! dialogue and the dialogue burned into the frames.
//!
//! Frames are encoded as they arrive. The file is written under a temporary name in the
//! output's directory and renamed to the requested name only by [`Mp4Writer::finish`], so
//! an interrupted render (Ctrl-C, kill, an error) never leaves a partial file under the
//! output name.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use ffmpeg_next as ffmpeg;
use ffmpeg::{codec, encoder, format, software::scaling, util::frame::Video, Dictionary, Packet, Rational};

use crate::frame::{FrameSink, RgbFrame};
use crate::subtitles::{self, Cue};

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
    burn: Vec<Cue>,
    /// Draw cues into the frames (those given at creation and by [`FrameSink::dialogue`]).
    burn_on: bool,
    fps: u32,
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
        let dir = match output.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        anyhow::ensure!(
            dir.is_dir(),
            "cannot write {}: the directory {} does not exist; create it first",
            output.display(),
            dir.display()
        );
        let name = output.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".part")
            .tempfile_in(&dir)
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
            burn: if mo.burn { mo.cues.clone() } else { Vec::new() },
            burn_on: mo.burn,
            fps,
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
        let texts: Vec<String> = self.burn.iter().filter(|c| c.shows(index)).map(Cue::display).collect();
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
            temp = with_track(&temp, subtitles::segments(cues), self.fps, &self.output)?;
        }
        crate::mp4::readable(&temp);
        temp.persist(&self.output)
            .with_context(|| format!("cannot move the finished video to {}", self.output.display()))?;
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

/// Copies the video of `src` into a new temporary file beside it, with a mov_text track of
/// `segments`.
fn with_track(src: &Path, segments: Vec<Cue>, fps: u32, output: &Path) -> Result<tempfile::TempPath> {
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

/// The mov_text track: one sample per stretch of constant dialogue.
struct Subs {
    encoder: encoder::subtitle::Encoder,
    segments: Vec<Cue>,
    next: usize,
    fps: u32,
    ost_tb: Rational,
}

/// mov_text packets carry milliseconds.
const SUB_TB: Rational = Rational(1, 1000);

impl Subs {
    /// Adds the subtitle stream (stream 1) to `octx`, before its header is written.
    fn add(octx: &mut format::context::Output, segments: Vec<Cue>, fps: u32) -> Result<Self> {
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
    fn write_until(&mut self, frame: u32, octx: &mut format::context::Output, output: &Path) -> Result<()> {
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

impl FrameSink for Mp4Writer {
    fn push(&mut self, _index: u32, frame: &RgbFrame) -> Result<()> {
        self.write(frame)
    }

    fn dialogue(&mut self, cues: &[Cue]) -> Result<()> {
        if self.burn_on {
            self.burn = cues.to_vec();
        }
        Ok(())
    }
}
