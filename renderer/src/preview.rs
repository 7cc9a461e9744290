//! A live MJPEG preview on 127.0.0.1: `/` is a minimal page, `/stream` the MJPEG stream
//! (multipart/x-mixed-replace), `/frame.jpg` the latest frame, `/caption` the dialogue on
//! screen in it (plain text, one line per speaker; the page shows it under the picture),
//! `POST /direction` takes one direction (the body, as typed on stdin) when the session
//! accepts them ([`Preview::on_direction`]): the page has a box to type them in. Directions
//! are parsed on arrival (a bad one is answered 400 with the reason) and refused from pages
//! of other origins (403), so a web page elsewhere cannot direct the session.
//! JPEGs are made with FFmpeg's MJPEG encoder.
//!
//! A chunk's frames arrive at once; a player thread shows them one by one at the film's
//! frame rate, so the preview plays as the MP4 will. It stays at most [`MAX_LAG_SECS`]
//! behind generation (older frames are skipped when generation runs ahead, e.g. unpaced).

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use ffmpeg_next as ffmpeg;
use ffmpeg::{codec, encoder, format, software::scaling, util::frame::Video, Dictionary, Packet, Rational};

use crate::frame::{FrameSink, RgbFrame};
use crate::subtitles::Cue;

const PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>cine live</title>\
<style>body{background:#111;color:#ddd;font-family:sans-serif;text-align:center}\
img{image-rendering:pixelated;width:min(90vw,70vh);border:1px solid #444}\
#c{min-height:3em;font-size:1.4em;white-space:pre-line;color:#fff}</style></head>\
<body><h1>cine live</h1><img src=\"/stream\" alt=\"live preview\"><p id=\"c\"></p>\
<form id=\"f\"><input id=\"d\" size=\"48\" autofocus placeholder='cut \"a beach at dawn\" as beach'> <button>direct</button></form><p id=\"r\"></p>\
<p>Directions: prompt, cut, recall, say, pause, resume, wait, stop (see <code>cine live --help</code>); the terminal running <code>cine live</code> takes them too.</p>\
<script>setInterval(()=>fetch('/caption',{cache:'no-store'}).then(r=>r.text()).then(t=>{document.getElementById('c').textContent=t}).catch(()=>{}),250);\
document.getElementById('f').onsubmit=e=>{e.preventDefault();const d=document.getElementById('d');\
fetch('/direction',{method:'POST',body:d.value}).then(r=>r.text().then(t=>{document.getElementById('r').textContent=t;if(r.ok)d.value=''})).catch(()=>{document.getElementById('r').textContent='the session has ended'})}</script>\
</body></html>";

/// Seconds the preview may fall behind generation before it skips frames.
pub const MAX_LAG_SECS: u32 = 4;

#[derive(Default)]
struct Latest {
    seq: u64,
    jpeg: Vec<u8>,
    caption: String,
    /// Frames waiting for their turn, with their captions.
    queue: VecDeque<(Vec<u8>, String)>,
    /// No more frames will come (the player ends when the queue is empty).
    closed: bool,
    /// The player showed its last frame.
    done: bool,
    /// Where `POST /direction` sends what it accepts.
    directions: Option<DirectionSink>,
}

/// Takes one direction line from the page.
pub type DirectionSink = Box<dyn Fn(String) + Send>;

/// Longest direction body accepted, in bytes.
const MAX_DIRECTION: usize = 64 * 1024;

type Shared = Arc<(Mutex<Latest>, Condvar)>;

/// The preview server; frames pushed into it become the latest JPEG.
pub struct Preview {
    shared: Shared,
    port: u16,
    jpeg: JpegEncoder,
    cues: Vec<Cue>,
}

impl Preview {
    /// Serves on 127.0.0.1:`port` (0 picks a free port) and plays frames at `fps`, `scale`
    /// times larger.
    pub fn start(port: u16, width: u32, height: u32, scale: u32, fps: u32) -> Result<Self> {
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
        let s = shared.clone();
        std::thread::spawn(move || play(&s, fps.max(1)));
        Ok(Self { shared, port, jpeg, cues: Vec::new() })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Accept directions from the page: each accepted line goes to `sink`.
    pub fn on_direction(&self, sink: DirectionSink) {
        if let Ok(mut l) = self.shared.0.lock() {
            l.directions = Some(sink);
        }
    }

    /// No more frames: the player shows what is queued, then streaming clients are told
    /// that the session ended.
    pub fn close(&self) {
        let (m, cv) = &*self.shared;
        m.lock().map(|mut l| l.closed = true).ok();
        cv.notify_all();
    }
}

impl Drop for Preview {
    fn drop(&mut self) {
        self.close();
    }
}

impl FrameSink for Preview {
    fn push(&mut self, index: u32, frame: &RgbFrame) -> Result<()> {
        let jpeg = self.jpeg.encode(frame)?;
        let caption: Vec<String> = self.cues.iter().filter(|c| c.shows(index)).map(Cue::display).collect();
        let (m, cv) = &*self.shared;
        let mut l = m.lock().map_err(|_| anyhow!("preview lock poisoned"))?;
        l.queue.push_back((jpeg, caption.join("\n")));
        cv.notify_all();
        Ok(())
    }

    fn dialogue(&mut self, cues: &[Cue]) -> Result<()> {
        self.cues = cues.to_vec();
        Ok(())
    }
}

/// The player: one queued frame every `1/fps` seconds becomes the latest.
fn play(shared: &Shared, fps: u32) {
    let period = Duration::from_secs_f64(1.0 / fps as f64);
    let max_queue = (MAX_LAG_SECS * fps) as usize;
    let mut due = Instant::now();
    let (m, cv) = &**shared;
    loop {
        {
            let Ok(mut l) = m.lock() else { return };
            while l.queue.is_empty() && !l.closed {
                let Ok(g) = cv.wait(l) else { return };
                l = g;
            }
            while l.queue.len() > max_queue {
                l.queue.pop_front();
            }
            let Some((jpeg, caption)) = l.queue.pop_front() else {
                l.done = true;
                cv.notify_all();
                return;
            };
            l.seq += 1;
            (l.jpeg, l.caption) = (jpeg, caption);
            cv.notify_all();
        }
        due += period;
        match due.checked_duration_since(Instant::now()) {
            Some(d) => std::thread::sleep(d),
            None => due = Instant::now(),
        }
    }
}

/// `/stream` viewers at once. Each holds a thread and two descriptors for the whole
/// session (other requests end within seconds): past this, more are turned away, so
/// viewers cannot starve the session of descriptors.
const MAX_VIEWERS: usize = 32;
static VIEWERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A `/stream` viewer's place, given back when it leaves.
struct Viewer;

impl Viewer {
    fn join() -> Option<Viewer> {
        use std::sync::atomic::Ordering::SeqCst;
        VIEWERS.fetch_update(SeqCst, SeqCst, |n| (n < MAX_VIEWERS).then_some(n + 1)).ok().map(|_| Viewer)
    }
}

impl Drop for Viewer {
    fn drop(&mut self) {
        VIEWERS.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}
/// Bytes of request line and headers read from one request.
const MAX_HEAD: usize = 16 * 1024;

fn serve(mut conn: TcpStream, shared: &Shared) -> std::io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut line = String::new();
    let mut reader = BufReader::new(conn.try_clone()?);
    // The request line and headers are read within MAX_HEAD bytes: a client sending one
    // endless line must not grow the session's memory.
    let mut budget = MAX_HEAD;
    let mut read_line = |reader: &mut BufReader<TcpStream>, out: &mut String| -> std::io::Result<bool> {
        let n = std::io::Read::take(&mut *reader, budget as u64).read_line(out)?;
        budget -= n;
        Ok(out.ends_with('\n') || n == 0)
    };
    if !read_line(&mut reader, &mut line)? {
        return reply(&mut conn, "431 Request Header Fields Too Large", "the request line and headers are limited to 16 KiB");
    }
    // The headers: the body's length and the page's origin are all that matter here.
    let (mut length, mut origin) = (0usize, None);
    let mut h = String::new();
    loop {
        if !read_line(&mut reader, &mut h)? {
            return reply(&mut conn, "431 Request Header Fields Too Large", "the request line and headers are limited to 16 KiB");
        }
        if h.len() <= 2 {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            match k.trim().to_ascii_lowercase().as_str() {
                "content-length" => match v.trim().parse() {
                    Ok(n) => length = n,
                    Err(_) => return reply(&mut conn, "400 Bad Request", "Content-Length is not a number of bytes"),
                },
                "origin" => origin = Some(v.trim().to_string()),
                _ => {}
            }
        }
        h.clear();
    }
    let mut words = line.split_whitespace();
    let (method, path) = (words.next().unwrap_or("GET"), words.next().unwrap_or("/"));
    let (m, cv) = &**shared;
    if method == "POST" && path == "/direction" {
        // The body is read before any answer: closing with unread data would reset the
        // connection, and the client would never see why.
        let mut body = Vec::new();
        let want = length.min(MAX_DIRECTION + 1);
        let got = std::io::Read::read_to_end(&mut std::io::Read::take(&mut reader, want as u64), &mut body);
        if got.is_err() || body.len() < want {
            return reply(&mut conn, "400 Bad Request", "the body is shorter than its Content-Length");
        }
        if body.len() > MAX_DIRECTION {
            let rest = length.saturating_sub(body.len()).min(1 << 20) as u64;
            let _ = std::io::copy(&mut std::io::Read::take(&mut reader, rest), &mut std::io::sink());
            return reply(&mut conn, "413 Payload Too Large", "a direction is one line");
        }
        let port = conn.local_addr()?.port();
        let same = |o: &str| o == format!("http://127.0.0.1:{port}") || o == format!("http://localhost:{port}");
        if origin.as_deref().is_some_and(|o| !same(o)) {
            return reply(&mut conn, "403 Forbidden", "directions are taken only from the preview page itself");
        }
        let text = String::from_utf8_lossy(&body).trim().to_string();
        return match crate::live::parse(&text) {
            Err(e) => reply(&mut conn, "400 Bad Request", &format!("{e:#}")),
            Ok(None) => reply(&mut conn, "400 Bad Request", "type a direction, e.g. cut \"a beach at dawn\""),
            Ok(Some(_)) => {
                let sent = m.lock().ok().and_then(|l| l.directions.as_ref().map(|send| send(text.clone())));
                match sent {
                    Some(()) => reply(&mut conn, "202 Accepted", &format!("taken at the next chunk boundary: {text}")),
                    None => reply(&mut conn, "409 Conflict", "this session takes directions only on its terminal"),
                }
            }
        };
    }
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
        "/caption" => {
            let caption = m.lock().map(|l| l.caption.clone()).unwrap_or_default();
            reply(&mut conn, "200 OK", &caption)
        }
        "/stream" => {
            let Some(_viewer) = Viewer::join() else {
                return reply(&mut conn, "503 Service Unavailable", "too many viewers of the stream; close some and try again");
            };
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

/// A plain-text answer, never cached, that closes the connection.
fn reply(conn: &mut TcpStream, status: &str, text: &str) -> std::io::Result<()> {
    write!(
        conn,
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{text}",
        text.len()
    )
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
