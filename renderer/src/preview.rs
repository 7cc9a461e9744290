//! A live MJPEG preview on 127.0.0.1: `/` is a minimal page, `/stream` the MJPEG stream
//! (multipart/x-mixed-replace), `/frame.jpg` the latest frame. JPEGs are made with
//! FFmpeg's MJPEG encoder.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use ffmpeg_next as ffmpeg;
use ffmpeg::{codec, encoder, format, software::scaling, util::frame::Video, Dictionary, Packet, Rational};

use crate::frame::{FrameSink, RgbFrame};

const PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>cine live</title>\
<style>body{background:#111;color:#ddd;font-family:sans-serif;text-align:center}\
img{image-rendering:pixelated;width:min(90vw,80vh);border:1px solid #444}</style></head>\
<body><h1>cine live</h1><img src=\"/stream\" alt=\"live preview\"><p>Direct the film on the terminal running <code>cine live</code>.</p></body></html>";

#[derive(Default)]
struct Latest {
    seq: u64,
    jpeg: Vec<u8>,
    done: bool,
}

type Shared = Arc<(Mutex<Latest>, Condvar)>;

/// The preview server; frames pushed into it become the latest JPEG.
pub struct Preview {
    shared: Shared,
    port: u16,
    jpeg: JpegEncoder,
}

impl Preview {
    /// Serves on 127.0.0.1:`port` (0 picks a free port). Frames are shown `scale` times larger.
    pub fn start(port: u16, width: u32, height: u32, scale: u32) -> Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .with_context(|| format!("cannot serve the preview on 127.0.0.1:{port}; pick another --port"))?;
        let port = listener.local_addr()?.port();
        let shared: Shared = Arc::default();
        let s = shared.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let s = s.clone();
                std::thread::spawn(move || {
                    let _ = serve(conn, &s);
                });
            }
        });
        let jpeg = JpegEncoder::new(width, height, scale.max(1))?;
        Ok(Self { shared, port, jpeg })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Tells streaming clients that the session ended.
    pub fn close(&self) {
        let (m, cv) = &*self.shared;
        m.lock().map(|mut l| l.done = true).ok();
        cv.notify_all();
    }
}

impl Drop for Preview {
    fn drop(&mut self) {
        self.close();
    }
}

impl FrameSink for Preview {
    fn push(&mut self, _index: u32, frame: &RgbFrame) -> Result<()> {
        let jpeg = self.jpeg.encode(frame)?;
        let (m, cv) = &*self.shared;
        let mut l = m.lock().map_err(|_| anyhow!("preview lock poisoned"))?;
        l.seq += 1;
        l.jpeg = jpeg;
        cv.notify_all();
        Ok(())
    }
}

fn serve(mut conn: TcpStream, shared: &Shared) -> std::io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut line = String::new();
    let mut reader = BufReader::new(conn.try_clone()?);
    reader.read_line(&mut line)?;
    // Skip the headers.
    let mut h = String::new();
    while reader.read_line(&mut h)? > 2 {
        h.clear();
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/");
    let (m, cv) = &**shared;
    match path {
        "/" | "/index.html" => write!(
            conn,
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{PAGE}",
            PAGE.len()
        ),
        "/frame.jpg" => {
            let jpeg = m.lock().map(|l| l.jpeg.clone()).unwrap_or_default();
            if jpeg.is_empty() {
                return write!(conn, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            }
            write!(conn, "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n", jpeg.len())?;
            conn.write_all(&jpeg)
        }
        "/stream" => {
            write!(conn, "HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=frame\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n")?;
            let mut seen = 0;
            loop {
                let jpeg = {
                    let mut l = m.lock().map_err(|_| std::io::Error::other("poisoned"))?;
                    while l.seq == seen && !l.done {
                        l = cv.wait(l).map_err(|_| std::io::Error::other("poisoned"))?;
                    }
                    if l.seq == seen {
                        return Ok(());
                    }
                    seen = l.seq;
                    l.jpeg.clone()
                };
                write!(conn, "--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\n\r\n", jpeg.len())?;
                conn.write_all(&jpeg)?;
                conn.write_all(b"\r\n")?;
            }
        }
        _ => write!(conn, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
    }
}

/// RGB frames to JPEG bytes with FFmpeg's MJPEG encoder.
pub struct JpegEncoder {
    encoder: encoder::Video,
    scaler: scaling::Context,
    rgb: Video,
    width: u32,
    height: u32,
    pts: i64,
}

impl JpegEncoder {
    pub fn new(width: u32, height: u32, scale: u32) -> Result<Self> {
        crate::mp4::init()?;
        let codec = encoder::find(codec::Id::MJPEG).ok_or_else(|| anyhow!("this FFmpeg has no MJPEG encoder"))?;
        let mut enc = codec::context::Context::new_with_codec(codec).encoder().video()?;
        let (ow, oh) = (width * scale, height * scale);
        enc.set_width(ow);
        enc.set_height(oh);
        enc.set_format(format::Pixel::YUVJ420P);
        enc.set_time_base(Rational(1, 25));
        let mut opts = Dictionary::new();
        opts.set("q:v", "3");
        let encoder = enc.open_with(opts).map_err(|e| anyhow!("cannot open the MJPEG encoder: {e}"))?;
        let scaler = scaling::Context::get(
            format::Pixel::RGB24,
            width,
            height,
            format::Pixel::YUVJ420P,
            ow,
            oh,
            scaling::Flags::POINT,
        )?;
        Ok(Self { encoder, scaler, rgb: Video::new(format::Pixel::RGB24, width, height), width, height, pts: 0 })
    }

    pub fn encode(&mut self, frame: &RgbFrame) -> Result<Vec<u8>> {
        anyhow::ensure!(frame.width == self.width && frame.height == self.height, "preview frame size changed");
        let stride = self.rgb.stride(0);
        let row = (self.width * 3) as usize;
        let plane = self.rgb.data_mut(0);
        for (y, src) in frame.data.chunks_exact(row).enumerate() {
            plane[y * stride..y * stride + row].copy_from_slice(src);
        }
        let mut yuv = Video::empty();
        self.scaler.run(&self.rgb, &mut yuv)?;
        yuv.set_pts(Some(self.pts));
        self.pts += 1;
        self.encoder.send_frame(&yuv).map_err(|e| anyhow!("MJPEG encoder: {e}"))?;
        let mut pkt = Packet::empty();
        self.encoder.receive_packet(&mut pkt).map_err(|e| anyhow!("MJPEG encoder: {e}"))?;
        Ok(pkt.data().map(|d| d.to_vec()).unwrap_or_default())
    }
}
