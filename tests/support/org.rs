//! A moto server of a test's own, seeded as an AWS organisation: for the
//! organisation, shard and Config-inventory tests, which need state no other
//! test may see (`--accounts all` lists every account in the server, IAM
//! enforcement is server-wide, an account has one Config recorder per region).
//!
//! `scripts/test` exports `COMPLIANCE_MOTO_SERVER` (the venv's `moto_server`);
//! without it the tests skip, or fail under `COMPLIANCE_REQUIRE_MOTO=1`.

use super::{moto_required, skipped};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sts::config::Credentials;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A private moto server, stopped when dropped.
pub struct Moto {
    child: Child,
    pub endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    /// Starts one, or `None` (after saying so) when no moto_server is known.
    pub fn start(test: &str) -> Option<Moto> {
        Moto::start_with(test, &[])
    }

    /// [`Moto::start`] with extra moto settings in its environment (say
    /// `MOTO_IAM_LOAD_MANAGED_POLICIES`, for a test that attaches AWS managed policies).
    pub fn start_with(test: &str, env: &[(&str, &str)]) -> Option<Moto> {
        let server = match std::env::var("COMPLIANCE_MOTO_SERVER") {
            Ok(s) if Path::new(&s).exists() => s,
            _ => {
                if moto_required() {
                    panic!("{test}: COMPLIANCE_MOTO_SERVER is not set; scripts/test sets it");
                }
                skipped(test);
                return None;
            }
        };
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
            l.local_addr().unwrap().port()
        };
        let child = Command::new(server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_ALLOW_NONEXISTENT_REGION", "true")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let until = Instant::now() + Duration::from_secs(30);
        while Instant::now() < until {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(moto);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("{test}: moto did not start on port {port}");
    }

    /// SDK configuration for `credentials` on this server.
    pub async fn config(&self, credentials: Credentials) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(&self.endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(credentials)
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .load()
            .await
    }

    /// The management account's configuration (moto's dummy credentials).
    pub async fn management(&self) -> SdkConfig {
        self.config(Credentials::new("testing", "testing", None, None, "test"))
            .await
    }

    /// Creates the organisation and `n` member accounts; their ids, sorted.
    pub async fn organisation(&self, n: usize) -> Vec<String> {
        let conf = self.management().await;
        let org = aws_sdk_organizations::Client::new(&conf);
        org.create_organization()
            .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
            .send()
            .await
            .expect("create organization");
        let mut ids = Vec::new();
        for i in 0..n {
            let out = org
                .create_account()
                .email(format!("member{i}@example.com"))
                .account_name(format!("member{i}"))
                .send()
                .await
                .expect("create account");
            ids.push(
                out.create_account_status()
                    .and_then(|s| s.account_id())
                    .expect("an account id")
                    .to_string(),
            );
        }
        ids.sort();
        ids
    }

    /// Configuration inside `account`, through its OrganizationAccountAccessRole.
    pub async fn member(&self, account: &str) -> SdkConfig {
        let sts = aws_sdk_sts::Client::new(&self.management().await);
        let c = sts
            .assume_role()
            .role_arn(format!(
                "arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
            ))
            .role_session_name("seed")
            .send()
            .await
            .expect("assume role")
            .credentials
            .expect("credentials");
        self.config(Credentials::new(
            c.access_key_id,
            c.secret_access_key,
            Some(c.session_token),
            None,
            "assumed",
        ))
        .await
    }

    /// Switches moto's IAM enforcement on (`true`) or off: a plain HTTP POST,
    /// so the tests need no HTTP client crate.
    pub fn enforce_iam(&self, on: bool) {
        use std::io::{Read, Write};
        let body = if on { "0" } else { "inf" };
        let host = self.endpoint.trim_start_matches("http://");
        let mut conn = std::net::TcpStream::connect(host).expect("connect to moto");
        write!(
            conn,
            "POST /moto-api/reset-auth HTTP/1.1\r\nHost: {host}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .expect("send reset-auth");
        let mut answer = String::new();
        let _ = conn.read_to_string(&mut answer);
        assert!(
            answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200"),
            "reset-auth: {answer}"
        );
    }
}

/// An S3 client on a private server (path-style).
pub fn s3(conf: &SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(conf)
            .force_path_style(true)
            .build(),
    )
}
