//! One HTTP/1.1 POST with `Connection: close`, written byte for byte like MultiChain's client
//! (header order included). Small enough that a general HTTP client would add more than it
//! saves; it never follows redirects or speaks TLS, as MultiChain's client does not either.

use base64::Engine;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// Could not connect; the text is appended to MultiChain's message.
    #[error("could not connect{0}")]
    Connect(String),
    #[error("no response from server")]
    NoResponse,
    #[error("couldn't parse reply from server")]
    BadReply,
}

pub struct HttpResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

pub fn post(
    host: &str,
    port: u16,
    user: &str,
    password: &str,
    body: &str,
    timeout_secs: u64,
) -> Result<HttpResponse, HttpError> {
    let addr = (host, port)
        .to_socket_addrs()
        .map_err(|e| HttpError::Connect(format!(" ({e})")))?
        .next()
        .ok_or_else(|| HttpError::Connect(String::new()))?;
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(timeout_secs.min(30)))
        .map_err(|e| {
        HttpError::Connect(format!(
            " (error code {} - \"{}\")",
            e.raw_os_error().unwrap_or(0),
            e
        ))
    })?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(timeout_secs)));
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let request = format!(
        "POST / HTTP/1.1\r\nUser-Agent: multichain-json-rpc/2.3\r\nHost: {host}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\nAccept: application/json\r\nAuthorization: Basic {auth}\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|_| HttpError::NoResponse)?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .map_err(|_| HttpError::NoResponse)?;
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> Result<HttpResponse, HttpError> {
    if raw.is_empty() {
        return Err(HttpError::NoResponse);
    }
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or(HttpError::BadReply)?;
    let head = std::str::from_utf8(&raw[..split]).map_err(|_| HttpError::BadReply)?;
    let status = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or(HttpError::BadReply)?;
    let mut body = raw[split + 4..].to_vec();
    let content_length = head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("content-length")
            .then(|| v.trim().parse::<usize>().ok())
            .flatten()
    });
    if let Some(n) = content_length {
        body.truncate(n);
    }
    Ok(HttpResponse { status, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_status_and_body() {
        let r = parse_response(b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\nhello+junk").unwrap();
        assert_eq!(r.status, 404);
        assert_eq!(r.body, b"hello");
        assert!(parse_response(b"").is_err());
        assert!(parse_response(b"garbage").is_err());
    }
}
