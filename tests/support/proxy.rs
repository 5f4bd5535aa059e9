//! A fault-injecting HTTP proxy for moto-backed tests: it forwards requests to
//! moto unchanged, except those a predicate picks, which it answers itself with an
//! AWS error (say AccessDenied). moto does not enforce IAM, so this is how tests
//! see the tool meet a denied call with a real SDK, real wire format and a known
//! request id. One request per connection (`Connection: close`) keeps it simple.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;

/// A canned error reply.
pub struct Fault {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    pub request_id: &'static str,
}

impl Fault {
    /// EC2's query-protocol error document.
    pub fn ec2(code: &str, request_id: &'static str) -> Fault {
        Fault {
            status: 403,
            content_type: "text/xml",
            body: format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>{code}</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
            ),
            request_id,
        }
    }

    /// S3's REST-XML error document.
    pub fn s3(code: &str, request_id: &'static str) -> Fault {
        Fault {
            status: 403,
            content_type: "application/xml",
            body: format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>Access Denied</Message><RequestId>{request_id}</RequestId></Error>"
            ),
            request_id,
        }
    }
}

type Rule = dyn Fn(&str, &[u8]) -> Option<Fault> + Send + Sync;

/// Starts the proxy in front of `upstream` (`http://127.0.0.1:PORT`); returns its URL.
pub fn start(
    upstream: &str,
    rule: impl Fn(&str, &[u8]) -> Option<Fault> + Send + Sync + 'static,
) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
    let url = format!("http://{}", listener.local_addr().unwrap());
    let upstream = upstream
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let rule: Arc<Rule> = Arc::new(rule);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let upstream = upstream.clone();
            let rule = rule.clone();
            thread::spawn(move || {
                let _ = serve(stream, &upstream, rule.as_ref());
            });
        }
    });
    url
}

fn read_request(stream: &mut TcpStream) -> std::io::Result<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Ok((head, body))
}

fn serve(mut client: TcpStream, upstream: &str, rule: &Rule) -> std::io::Result<()> {
    let (head, body) = read_request(&mut client)?;
    if let Some(fault) = rule(&head, &body) {
        let reply = format!(
            "HTTP/1.1 {} Forbidden\r\nContent-Type: {}\r\nContent-Length: {}\r\nx-amzn-RequestId: {}\r\nx-amz-request-id: {}\r\nConnection: close\r\n\r\n{}",
            fault.status,
            fault.content_type,
            fault.body.len(),
            fault.request_id,
            fault.request_id,
            fault.body
        );
        client.write_all(reply.as_bytes())?;
        return Ok(());
    }
    // Forward with `Connection: close` so the reply ends at EOF.
    let mut forwarded: String = head
        .trim_end_matches("\r\n\r\n")
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .collect::<Vec<_>>()
        .join("\r\n");
    forwarded.push_str("\r\nConnection: close\r\n\r\n");
    let mut server = TcpStream::connect(upstream)?;
    server.write_all(forwarded.as_bytes())?;
    server.write_all(&body)?;
    let mut reply = Vec::new();
    server.read_to_end(&mut reply)?;
    client.write_all(&reply)?;
    Ok(())
}
