//! A deliberately small HTTP/1.1 server side: one request per connection, every size and wait
//! bounded. Layer: broker (reading and writing work on any `Read`/`Write`, so they are
//! unit-tested on byte strings). The head is parsed by `httparse`; the body must come with a
//! `Content-Length` (no chunked uploads), and each answer closes the connection.

use crate::policy::Refusal;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Request line plus headers.
pub const MAX_HEAD_BYTES: usize = 8 * 1024;
pub const MAX_HEADERS: usize = 32;
pub const MAX_BODY_BYTES: usize = 8 * 1024;

#[derive(Debug)]
pub struct Head {
    pub method: String,
    /// The request target as sent (path and query).
    pub target: String,
    headers: Vec<(String, Vec<u8>)>,
    pub content_length: usize,
    pub expect_continue: bool,
    /// Bytes read past the head: the start of the body.
    leftover: Vec<u8>,
}

impl Head {
    /// The path part of the target.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    pub fn has_query(&self) -> bool {
        self.target.contains('?')
    }

    /// The value of a header that must appear at most once. `Err` when it repeats or is not
    /// visible ASCII.
    pub fn single(&self, name: &str) -> Result<Option<&str>, ()> {
        let mut found = None;
        for (key, value) in &self.headers {
            if key.eq_ignore_ascii_case(name) {
                if found.is_some() {
                    return Err(());
                }
                let text = std::str::from_utf8(value).map_err(|_| ())?;
                found = Some(text.trim());
            }
        }
        Ok(found)
    }
}

#[derive(Debug)]
pub enum HeadError {
    /// The peer went away (or sent nothing); there is no one to answer.
    Gone,
    /// Answer this and close.
    Refuse(Refusal),
}

/// Reads and parses the request head, refusing heads over `MAX_HEAD_BYTES` or `MAX_HEADERS`.
pub fn read_head(reader: &mut impl Read) -> Result<Head, HeadError> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => return Err(HeadError::Gone),
            Ok(n) => n,
            Err(e) if is_timeout(&e) && !buf.is_empty() => {
                return Err(HeadError::Refuse(Refusal::new(
                    408,
                    "request_timeout",
                    "the request took too long to arrive",
                )))
            }
            Err(_) => return Err(HeadError::Gone),
        };
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut request = httparse::Request::new(&mut headers);
        match request.parse(&buf) {
            Ok(httparse::Status::Complete(head_len)) if head_len <= MAX_HEAD_BYTES => {
                return head_from(&request, buf[head_len..].to_vec());
            }
            Ok(httparse::Status::Partial) if buf.len() <= MAX_HEAD_BYTES => continue,
            Ok(_) | Err(httparse::Error::TooManyHeaders) => {
                return Err(HeadError::Refuse(Refusal::new(
                    431,
                    "request_header_too_large",
                    "the request line and headers are too large",
                )))
            }
            Err(_) => {
                return Err(HeadError::Refuse(Refusal::bad_request(
                    "malformed HTTP request",
                )))
            }
        }
    }
}

fn head_from(request: &httparse::Request, leftover: Vec<u8>) -> Result<Head, HeadError> {
    let refuse = |text: &str| HeadError::Refuse(Refusal::bad_request(text));
    let mut head = Head {
        method: request.method.unwrap_or("").to_owned(),
        target: request.path.unwrap_or("").to_owned(),
        headers: request
            .headers
            .iter()
            .map(|h| (h.name.to_owned(), h.value.to_vec()))
            .collect(),
        content_length: 0,
        expect_continue: false,
        leftover,
    };
    // A body framed any other way than by one Content-Length is refused outright, which also
    // rules out the Content-Length/Transfer-Encoding ambiguity behind request smuggling.
    if head.single("transfer-encoding") != Ok(None) {
        return Err(refuse(
            "send the body with a Content-Length, not Transfer-Encoding",
        ));
    }
    head.content_length = match head.single("content-length") {
        Ok(None) => 0,
        Ok(Some(text)) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
            text.parse().unwrap_or(usize::MAX)
        }
        _ => return Err(refuse("invalid Content-Length")),
    };
    head.expect_continue =
        matches!(head.single("expect"), Ok(Some(v)) if v.eq_ignore_ascii_case("100-continue"));
    Ok(head)
}

/// Reads the body announced by `head`, at most `MAX_BODY_BYTES`.
pub fn read_body(head: &Head, reader: &mut impl Read) -> Result<Vec<u8>, Refusal> {
    if head.content_length > MAX_BODY_BYTES {
        return Err(too_large());
    }
    let mut body = head.leftover.clone();
    body.truncate(head.content_length);
    let mut chunk = [0u8; 2048];
    while body.len() < head.content_length {
        let want = (head.content_length - body.len()).min(chunk.len());
        match reader.read(&mut chunk[..want]) {
            Ok(0) => {
                return Err(Refusal::bad_request(
                    "the body ended before its Content-Length",
                ))
            }
            Ok(n) => body.extend_from_slice(&chunk[..n]),
            Err(e) if is_timeout(&e) => {
                return Err(Refusal::new(
                    408,
                    "request_timeout",
                    "the request took too long to arrive",
                ))
            }
            Err(_) => return Err(Refusal::bad_request("the body could not be read")),
        }
    }
    Ok(body)
}

pub fn too_large() -> Refusal {
    Refusal::new(
        413,
        "request_too_large",
        format!("the body may be at most {MAX_BODY_BYTES} bytes"),
    )
}

fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// An answer, always closing the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    /// Our refusal code, for the log line (never anything from the request).
    pub note: Option<&'static str>,
}

impl Reply {
    pub fn json(status: u16, body: Vec<u8>) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type", "application/json".to_owned())],
            body,
            note: None,
        }
    }

    pub fn refusal(refusal: &Refusal) -> Reply {
        let mut reply = Reply::json(refusal.status, refusal.to_json());
        if let Some(seconds) = refusal.retry_after {
            reply.headers.push(("Retry-After", seconds.to_string()));
        }
        reply.note = Some(refusal.code);
        reply
    }

    #[cfg(test)]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        let mut text = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        for (name, value) in &self.headers {
            text.push_str(&format!("{name}: {value}\r\n"));
        }
        text.push_str(&format!(
            "Content-Length: {}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
            self.body.len()
        ));
        let mut bytes = text.into_bytes();
        bytes.extend_from_slice(&self.body);
        out.write_all(&bytes)?;
        out.flush()
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// Reads from a socket against one deadline for the whole request, so a client that trickles
/// a byte at a time cannot hold a connection open past it.
pub struct DeadlineReader<'a> {
    pub stream: &'a TcpStream,
    pub deadline: Instant,
}

impl Read for DeadlineReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left < Duration::from_millis(1) {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "request deadline passed",
            ));
        }
        self.stream.set_read_timeout(Some(left))?;
        let mut stream = self.stream;
        stream.read(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(bytes: &[u8]) -> Result<Head, HeadError> {
        read_head(&mut &bytes[..])
    }

    fn refused(bytes: &[u8]) -> (u16, &'static str) {
        match head(bytes) {
            Err(HeadError::Refuse(r)) => (r.status, r.code),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_post_with_a_body_is_read() {
        let raw = b"POST /v1/token?x=1 HTTP/1.1\r\nHost: b\r\nOrigin: chrome-extension://x\r\nContent-Length: 11\r\n\r\nhello world";
        let mut reader = &raw[..];
        let parsed = read_head(&mut reader).unwrap();
        assert_eq!(parsed.method, "POST");
        assert_eq!(parsed.path(), "/v1/token");
        assert!(parsed.has_query());
        assert_eq!(parsed.single("origin"), Ok(Some("chrome-extension://x")));
        assert_eq!(parsed.single("x-missing"), Ok(None));
        assert_eq!(read_body(&parsed, &mut reader).unwrap(), b"hello world");
    }

    /// A reader that hands out one byte per call, like a slow network.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() || buf.is_empty() {
                return Ok(0);
            }
            buf[0] = self.0[0];
            self.0 = &self.0[1..];
            Ok(1)
        }
    }

    #[test]
    fn a_head_arriving_in_pieces_is_assembled() {
        let raw = b"POST /v1/revoke HTTP/1.1\r\nContent-Length: 7\r\n\r\ntoken=t";
        let mut reader = Trickle(raw);
        let parsed = read_head(&mut reader).unwrap();
        assert_eq!(read_body(&parsed, &mut reader).unwrap(), b"token=t");
    }

    #[test]
    fn oversized_heads_are_refused_with_431() {
        let mut raw = b"GET /healthz HTTP/1.1\r\nX-Big: ".to_vec();
        raw.resize(raw.len() + MAX_HEAD_BYTES, b'a');
        raw.extend_from_slice(b"\r\n\r\n");
        assert_eq!(refused(&raw), (431, "request_header_too_large"));

        let mut raw = b"GET /healthz HTTP/1.1\r\n".to_vec();
        for i in 0..=MAX_HEADERS {
            raw.extend_from_slice(format!("X-{i}: 1\r\n").as_bytes());
        }
        raw.extend_from_slice(b"\r\n");
        assert_eq!(refused(&raw), (431, "request_header_too_large"));
    }

    #[test]
    fn an_endless_head_is_cut_off_without_reading_it_all() {
        struct Endless(usize);
        impl Read for Endless {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                self.0 += buf.len();
                buf.fill(b'a');
                Ok(buf.len())
            }
        }
        let mut endless = Endless(0);
        let mut prefix = &b"GET / HTTP/1.1\r\nX: "[..];
        let mut reader = (&mut prefix).chain(&mut endless);
        assert!(matches!(read_head(&mut reader), Err(HeadError::Refuse(r)) if r.status == 431));
        assert!(endless.0 < 4 * MAX_HEAD_BYTES);
    }

    #[test]
    fn bodies_are_bounded_before_they_are_read() {
        let raw = b"POST /v1/token HTTP/1.1\r\nContent-Length: 8193\r\n\r\n";
        let mut reader = &raw[..];
        let parsed = read_head(&mut reader).unwrap();
        let refusal = read_body(&parsed, &mut reader).unwrap_err();
        assert_eq!((refusal.status, refusal.code), (413, "request_too_large"));

        let raw = b"POST /v1/token HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n";
        let parsed = head(raw).unwrap();
        assert_eq!(read_body(&parsed, &mut &b""[..]).unwrap_err().status, 413);
    }

    #[test]
    fn ambiguous_framing_is_refused() {
        assert_eq!(
            refused(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").0,
            400
        );
        assert_eq!(
            refused(b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n").0,
            400
        );
        assert_eq!(
            refused(b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n").0,
            400
        );
        assert_eq!(
            refused(b"POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\n").0,
            400
        );
        assert_eq!(refused(b"NOT HTTP AT ALL\r\n\r\n").0, 400);
    }

    #[test]
    fn a_short_body_is_refused() {
        let raw = b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc";
        let mut reader = &raw[..];
        let parsed = read_head(&mut reader).unwrap();
        assert_eq!(read_body(&parsed, &mut reader).unwrap_err().status, 400);
    }

    #[test]
    fn repeated_headers_are_reported() {
        let parsed = head(b"GET / HTTP/1.1\r\nOrigin: a\r\norigin: b\r\n\r\n").unwrap();
        assert_eq!(parsed.single("Origin"), Err(()));
    }

    #[test]
    fn a_silent_peer_gets_no_answer() {
        assert!(matches!(head(b""), Err(HeadError::Gone)));
    }

    #[test]
    fn replies_carry_length_and_close() {
        let mut reply = Reply::json(200, b"{\"ok\":true}".to_vec());
        reply.headers.push(("Vary", "Origin".to_owned()));
        let mut out = Vec::new();
        reply.write_to(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nVary: Origin\r\n"
            ),
            "{text}"
        );
        assert!(text.contains("Content-Length: 11\r\n"));
        assert!(text.contains("Connection: close\r\n"));
        assert!(text.contains("Cache-Control: no-store\r\n"));
        assert!(text.ends_with("\r\n\r\n{\"ok\":true}"));
    }

    #[test]
    fn a_refusal_reply_is_json_with_retry_after_when_given() {
        let mut refusal = Refusal::new(429, "rate_limited", "slow down");
        refusal.retry_after = Some(3);
        let reply = Reply::refusal(&refusal);
        assert_eq!(reply.status, 429);
        assert_eq!(reply.header("retry-after"), Some("3"));
        assert_eq!(reply.note, Some("rate_limited"));
        let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
        assert_eq!(body["error"], "rate_limited");
    }
}
