//! JSON-RPC messages over a byte stream, framed by `Content-Length` headers (LSP base protocol).

use std::io::{self, BufRead, Read, Write};

use serde_json::Value;

/// Messages larger than this are read and dropped.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// What reading one message gave.
pub enum Incoming {
    Message(Value),
    /// A message that could not be read (bad header, bad JSON); reading can go on.
    Bad(String),
    /// The stream ended.
    End,
}

/// Reads one message.
pub fn read(input: &mut impl BufRead) -> io::Result<Incoming> {
    let mut length: Option<usize> = None;
    let mut saw_header = false;
    loop {
        let mut line = String::new();
        if input.read_line(&mut line)? == 0 {
            return Ok(if saw_header { Incoming::Bad("the stream ended inside a header".into()) } else { Incoming::End });
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if saw_header {
                break;
            }
            continue; // stray blank line between messages
        }
        saw_header = true;
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok();
            }
        }
    }
    let Some(length) = length else {
        return Ok(Incoming::Bad("a message without a valid Content-Length header".into()));
    };
    if length > MAX_MESSAGE_BYTES {
        io::copy(&mut input.take(length as u64), &mut io::sink())?;
        return Ok(Incoming::Bad(format!("a message of {length} bytes (the limit is {MAX_MESSAGE_BYTES})")));
    }
    let mut body = vec![0; length];
    input.read_exact(&mut body)?;
    Ok(match serde_json::from_slice(&body) {
        Ok(v) => Incoming::Message(v),
        Err(e) => Incoming::Bad(format!("a message that is not JSON: {e}")),
    })
}

/// Writes one message.
pub fn write(out: &mut impl Write, msg: &Value) -> io::Result<()> {
    let body = msg.to_string();
    write!(out, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    out.flush()
}
