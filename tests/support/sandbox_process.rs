//! `reimage sandbox --listen 127.0.0.1:0` as its own process, for tests that kill and start
//! the real binary against it, and its `GET /_sandbox/servers/{id}` (what the service was
//! asked: `os_requests`, the image, ...).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The sandbox process, killed on drop, with what its one line said.
pub struct SandboxProcess {
    child: Child,
    pub url: String,
    pub region: String,
    pub project_id: String,
    pub ak: String,
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SandboxProcess {
    /// Its jobs take `job_seconds`; its keys are the sandbox defaults.
    pub fn start(job_seconds: &str) -> SandboxProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_reimage"))
            .args([
                "sandbox",
                "--listen",
                "127.0.0.1:0",
                "--job-seconds",
                job_seconds,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start reimage sandbox");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("sandbox prints its address");
        // sandbox listening on URL region=R project_id=P ak=AK
        let field = |key: &str| {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(key))
                .unwrap_or_else(|| panic!("{key} in {line:?}"))
                .to_string()
        };
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("URL in {line:?}"))
            .to_string();
        SandboxProcess {
            url,
            region: field("region="),
            project_id: field("project_id="),
            ak: field("ak="),
            child,
        }
    }

    /// `GET /_sandbox/servers/{id}`, signed as every sandbox call.
    pub fn server_state(&self, id: &str) -> serde_json::Value {
        use reimage::cloud::signer;
        use std::io::{Read, Write};
        let addr = self.url.trim_start_matches("http://").trim_end_matches('/');
        let path = format!("/_sandbox/servers/{id}");
        let date = signer::sdk_date(time::OffsetDateTime::now_utc());
        let headers = vec![
            ("Host".to_string(), addr.to_string()),
            ("X-Sdk-Date".to_string(), date.clone()),
        ];
        let req = signer::Request {
            method: "GET",
            path: &path,
            query: &[],
            headers: &headers,
            body: b"",
        };
        let auth = signer::sign(reimage::sandbox::DEFAULT_SK, &date, &req).authorization(&self.ak);
        let mut s = std::net::TcpStream::connect(addr).expect("connect");
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nX-Sdk-Date: {date}\r\nAuthorization: {auth}\r\nConnection: close\r\n\r\n"
        )
        .expect("ask");
        let mut reply = String::new();
        s.read_to_string(&mut reply).expect("read");
        let body = reply.split("\r\n\r\n").nth(1).expect("body");
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {reply}"))
    }
}
