//! A fault-injecting HTTP proxy for moto-backed tests: it forwards requests to
//! moto unchanged, except those a predicate picks, which it answers itself with an
//! AWS error (say AccessDenied). moto does not enforce IAM, so this is how tests
//! see the tool meet a denied call with a real SDK, real wire format and a known
//! request id. One request per connection (`Connection: close`) keeps it simple.
//!
//! It also records every request as (service, operation) (see [`recording`]), so
//! a test can observe the AWS calls a command really makes and check them
//! against the operations table (`tests/operations.rs`). The operation is read
//! from the wire the way the service's protocol names it: the `X-Amz-Target`
//! header (awsJson), the `Action` form parameter (awsQuery, ec2Query), the path
//! of Smithy RPC v2 (`/service/…/operation/Name`), and for S3 the method, path
//! and query keys. The service is the signing name of the SigV4 credential
//! scope, mapped to its IAM prefix (`monitoring` → `cloudwatch`).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
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

/// One AWS call seen on the wire.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Call {
    /// The IAM service prefix (`s3`, `cloudwatch`, `events`).
    pub service: String,
    /// The API operation (`ListMultipartUploads`), or `?METHOD path` when the
    /// request could not be named (a test should fail on it).
    pub operation: String,
}

/// The calls a recording proxy has seen, in arrival order.
#[derive(Debug, Clone, Default)]
pub struct Recorder(Arc<Mutex<Vec<Call>>>);

impl Recorder {
    /// Everything recorded so far; clears the record.
    pub fn take(&self) -> Vec<Call> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// Starts a proxy that forwards everything to `upstream` and records each call.
pub fn recording(upstream: &str) -> (String, Recorder) {
    let recorder = Recorder::default();
    let url = start_with(upstream, |_, _| None, Some(recorder.clone()));
    (url, recorder)
}

/// Starts the proxy in front of `upstream` (`http://127.0.0.1:PORT`); returns its URL.
pub fn start(
    upstream: &str,
    rule: impl Fn(&str, &[u8]) -> Option<Fault> + Send + Sync + 'static,
) -> String {
    start_with(upstream, rule, None)
}

fn start_with(
    upstream: &str,
    rule: impl Fn(&str, &[u8]) -> Option<Fault> + Send + Sync + 'static,
    recorder: Option<Recorder>,
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
            let recorder = recorder.clone();
            thread::spawn(move || {
                let _ = serve(stream, &upstream, rule.as_ref(), recorder.as_ref());
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

fn serve(
    mut client: TcpStream,
    upstream: &str,
    rule: &Rule,
    recorder: Option<&Recorder>,
) -> std::io::Result<()> {
    let (head, body) = read_request(&mut client)?;
    if let Some(recorder) = recorder {
        recorder.0.lock().unwrap().push(call_of(&head, &body));
    }
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

/// The value of header `name` (case-insensitive) in a request head.
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// The service and operation of one request.
pub fn call_of(head: &str, body: &[u8]) -> Call {
    let mut request_line = head.lines().next().unwrap_or("").split_whitespace();
    let method = request_line.next().unwrap_or("").to_string();
    let target = request_line.next().unwrap_or("/").to_string();
    // SigV4: Credential=AKID/DATE/REGION/SERVICE/aws4_request
    let signing = header(head, "authorization")
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split('/').nth(3))
        .unwrap_or("unsigned")
        .to_string();
    let service = match signing.as_str() {
        "monitoring" => "cloudwatch".to_string(),
        other => other.to_string(),
    };
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let keys: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_string(), v.to_string())
        })
        .collect();
    let unnamed = || format!("?{method} {path}");
    let operation = if let Some(t) = header(head, "x-amz-target") {
        t.rsplit('.').next().unwrap_or(t).to_string()
    } else if let Some((_, op)) = path.rsplit_once("/operation/") {
        op.to_string()
    } else if service == "s3" {
        s3_operation(&method, path, &keys).unwrap_or_else(unnamed)
    } else if service == "securityhub" {
        // REST-JSON: the operation is the route.
        match (method.as_str(), path) {
            ("POST", "/findings/import") => "BatchImportFindings".to_string(),
            ("POST", "/findings") => "GetFindings".to_string(),
            _ => unnamed(),
        }
    } else if let Some(action) = form_value(body, "Action") {
        action
    } else {
        unnamed()
    };
    Call { service, operation }
}

/// The `name` parameter of a form-encoded body.
fn form_value(body: &[u8], name: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

/// S3's REST operations from the method, the path-style path and the query keys.
fn s3_operation(method: &str, path: &str, query: &[(String, String)]) -> Option<String> {
    if let Some((_, id)) = query.iter().find(|(k, _)| k == "x-id") {
        return Some(id.clone());
    }
    let has = |key: &str| query.iter().any(|(k, _)| k == key);
    let mut segments = path.trim_start_matches('/').splitn(2, '/');
    let bucket = segments.next().filter(|b| !b.is_empty());
    let object = segments.next().filter(|o| !o.is_empty());
    let op = match (method, bucket, object) {
        ("GET", None, None) => "ListBuckets",
        (_, Some(_), Some(_)) => match method {
            "DELETE" if has("uploadId") => "AbortMultipartUpload",
            "POST" if has("uploads") => "CreateMultipartUpload",
            "POST" if has("uploadId") => "CompleteMultipartUpload",
            "PUT" if has("partNumber") => "UploadPart",
            "PUT" => "PutObject",
            "GET" if has("uploadId") => "ListParts",
            "GET" => "GetObject",
            "HEAD" => "HeadObject",
            "DELETE" => "DeleteObject",
            _ => return None,
        },
        (_, Some(_), None) => {
            // Bucket subresources, named by their query key.
            const SUBRESOURCES: &[(&str, &str)] = &[
                ("location", "BucketLocation"),
                ("acl", "BucketAcl"),
                ("encryption", "BucketEncryption"),
                ("versioning", "BucketVersioning"),
                ("publicAccessBlock", "PublicAccessBlock"),
                ("policy", "BucketPolicy"),
                ("lifecycle", "BucketLifecycleConfiguration"),
                ("tagging", "BucketTagging"),
                ("ownershipControls", "BucketOwnershipControls"),
                ("notification", "BucketNotificationConfiguration"),
                ("logging", "BucketLogging"),
                ("website", "BucketWebsite"),
                ("cors", "BucketCors"),
                ("replication", "BucketReplication"),
                ("object-lock", "ObjectLockConfiguration"),
            ];
            if let Some((_, name)) = SUBRESOURCES.iter().find(|(key, _)| has(key)) {
                let verb = match method {
                    "GET" => "Get",
                    "PUT" => "Put",
                    "DELETE" => "Delete",
                    _ => return None,
                };
                // Deleting a lifecycle configuration is `DeleteBucketLifecycle`.
                let name = if verb == "Delete" && *name == "BucketLifecycleConfiguration" {
                    "BucketLifecycle"
                } else {
                    name
                };
                return Some(format!("{verb}{name}"));
            }
            match method {
                "GET" if has("uploads") => "ListMultipartUploads",
                "GET" if has("versions") => "ListObjectVersions",
                "GET" if has("list-type") => "ListObjectsV2",
                "GET" => "ListObjects",
                "POST" if has("delete") => "DeleteObjects",
                "HEAD" => "HeadBucket",
                "PUT" => "CreateBucket",
                "DELETE" => "DeleteBucket",
                _ => return None,
            }
        }
        _ => return None,
    };
    Some(op.to_string())
}
