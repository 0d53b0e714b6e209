//! A hostile cloud for tests: a loopback HTTP front whose answers a test scripts per
//! operation, in front of a real sandbox that answers everything not scripted, and a second
//! listener (the sink) that records whatever reaches it.
//!
//! ```ignore
//! let h = Hostile::start().await;
//! h.answer("ecs.changeos.v2", h.redirect_to_sink(307));
//! let out = h.reimage(&["apply", "--server", "web-03", ...], "Pass\n").await;
//! assert!(h.sink.seen().is_empty());
//! ```
//!
//! Requests not scripted are forwarded unchanged (signed `Host` included) to the sandbox,
//! so `reimage list/plan/apply` reach the call under test with real records. Scripted
//! answers: JSON or raw bytes, redirects, floods (a body of any size, streamed), a body
//! stalled under a large `Content-Length`, or the sandbox's answer edited (e.g. server names
//! holding [`CONTROL_TEXTS`]).

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use futures::StreamExt;
use reimage::sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;
use std::process::{Output, Stdio};
use std::sync::{Arc, Mutex};
use tokio::io::AsyncWriteExt;

/// Text a terminal would obey: ESC, an OSC 52 clipboard write, a CSI screen clear, C1
/// controls (CSI as one byte), and the bidi overrides U+202E and U+2066.
pub const CONTROL_TEXTS: [&str; 6] = [
    "evil\x1b[31mred",
    "copy\x1b]52;c;cm0gLXJmIH4K\x07me",
    "wipe\x1b[2J\x1b[H",
    "c1\u{9b}31mred\u{85}",
    "txt.\u{202e}exe",
    "iso\u{2066}late",
];

/// One request as received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub op: String,
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A query parameter's raw value.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }

    /// Everything received, as text: to search for a secret.
    pub fn everything(&self) -> String {
        let mut s = format!("{} {}?{}\n", self.method, self.path, self.query);
        for (n, v) in &self.headers {
            s.push_str(&format!("{n}: {v}\n"));
        }
        s.push_str(&String::from_utf8_lossy(&self.body));
        s
    }
}

type Edit = Arc<dyn Fn(&mut Value) + Send + Sync>;

/// What the front answers.
#[derive(Clone)]
pub enum Answer {
    /// The sandbox's answer, unchanged.
    Proxy,
    /// The sandbox's answer with its JSON body edited.
    ProxyEdited(Edit),
    Json(u16, Value),
    Raw {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// `status` with `Location: location` and an empty body.
    Redirect(u16, String),
    /// `prefix`, then `item` `count` times joined by `sep`, then `suffix`, streamed;
    /// `Content-Length` is declared when `declared`.
    Flood {
        prefix: Vec<u8>,
        item: Vec<u8>,
        sep: Vec<u8>,
        count: u64,
        suffix: Vec<u8>,
        declared: bool,
    },
    /// 200 with `Content-Length: length`, then `first`, then nothing ever again.
    Stall {
        length: u64,
        first: Vec<u8>,
    },
}

impl Answer {
    pub fn edited(f: impl Fn(&mut Value) + Send + Sync + 'static) -> Answer {
        Answer::ProxyEdited(Arc::new(f))
    }

    /// An error in the ECS shape `{"error": {"code", "message"}}`.
    pub fn error(status: u16, code: &str, message: &str) -> Answer {
        Answer::Json(
            status,
            serde_json::json!({"error": {"code": code, "message": message}}),
        )
    }

    /// A body that is not JSON (an HTML error page, a proxy's text).
    pub fn text(status: u16, body: &str) -> Answer {
        Answer::Raw {
            status,
            headers: vec![("content-type".into(), "text/html".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// A JSON page `{"count": claimed, key: [item × count]}`, streamed.
    pub fn page_of(key: &str, item: &Value, count: u64, claimed: u64) -> Answer {
        Answer::Flood {
            prefix: format!("{{\"count\":{claimed},\"{key}\":[").into_bytes(),
            item: item.to_string().into_bytes(),
            sep: b",".to_vec(),
            count,
            suffix: b"]}".to_vec(),
            declared: false,
        }
    }
}

type Handler = Arc<dyn Fn(&Seen) -> Answer + Send + Sync>;

/// `f`, until it has answered `max` times; then 500 `Guard.0001`. Code that would page
/// forever ends with that error instead of filling the memory, and the test sees it.
pub fn guard(
    max: usize,
    f: impl Fn(&Seen) -> Answer + Send + Sync + 'static,
) -> impl Fn(&Seen) -> Answer + Send + Sync + 'static {
    let answered = std::sync::atomic::AtomicUsize::new(0);
    move |seen| {
        if answered.fetch_add(1, std::sync::atomic::Ordering::Relaxed) >= max {
            return Answer::error(500, GUARD_CODE, "the test stopped the paging");
        }
        f(seen)
    }
}

/// The code of [`guard`]'s answer.
pub const GUARD_CODE: &str = "Guard.0001";

/// What a listener received, shared with its task.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<Seen>>>);

impl Log {
    pub fn seen(&self) -> Vec<Seen> {
        self.0.lock().expect("log").clone()
    }

    pub fn count(&self, op: &str) -> usize {
        self.seen().iter().filter(|s| s.op == op).count()
    }

    fn push(&self, s: Seen) {
        self.0.lock().expect("log").push(s);
    }
}

/// The second listener: answers 200 `{}` to anything and records it.
pub struct Sink {
    pub url: String,
    log: Log,
}

impl Sink {
    pub fn seen(&self) -> Vec<Seen> {
        self.log.seen()
    }
}

struct Front {
    rules: Mutex<Vec<(String, Handler)>>,
    log: Log,
    upstream: String,
    http: reqwest::Client,
}

pub struct Hostile {
    pub url: String,
    pub sandbox: Sandbox,
    pub sink: Sink,
    front: Arc<Front>,
    home: tempfile::TempDir,
}

impl Hostile {
    /// A front over a sandbox with quick jobs, and a sink.
    pub async fn start() -> Hostile {
        let sandbox = reimage::sandbox::start(SandboxConfig {
            job_seconds: 0.2,
            ..SandboxConfig::default()
        })
        .await
        .expect("sandbox starts");
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let front = Arc::new(Front {
            rules: Mutex::new(Vec::new()),
            log: Log::default(),
            upstream: sandbox.url.clone(),
            http,
        });
        let f = front.clone();
        let url = serve(move |seen| {
            let f = f.clone();
            async move { f.answer(seen).await }
        })
        .await;
        let log = Log::default();
        let sink_log = log.clone();
        let sink_url = serve(move |seen| {
            sink_log.push(seen);
            async { Response::new(Body::from("{}")) }
        })
        .await;
        Hostile {
            url,
            sandbox,
            sink: Sink { url: sink_url, log },
            front,
            home: tempfile::tempdir().expect("temp home"),
        }
    }

    /// Answer `op` (an operation name as the sandbox counts them, e.g. `ecs.list`,
    /// `ecs.changeos.v2`, `jobs.show`, `metadata.securitykey`) with `f(request)`.
    /// The latest rule for an operation wins.
    pub fn on(&self, op: &str, f: impl Fn(&Seen) -> Answer + Send + Sync + 'static) {
        self.front
            .rules
            .lock()
            .expect("rules")
            .insert(0, (op.to_string(), Arc::new(f)));
    }

    /// Answer `op` with the same answer every time.
    pub fn answer(&self, op: &str, answer: Answer) {
        self.on(op, move |_| answer.clone());
    }

    /// A redirect to the sink.
    pub fn redirect_to_sink(&self, status: u16) -> Answer {
        Answer::Redirect(status, format!("{}/elsewhere", self.sink.url))
    }

    /// What the front received.
    pub fn seen(&self) -> Vec<Seen> {
        self.front.log.seen()
    }

    pub fn count(&self, op: &str) -> usize {
        self.front.log.count(op)
    }

    /// The temp home of [`Hostile::reimage`] runs (`REIMAGE_HOME` is `home/rh`).
    pub fn home(&self) -> &std::path::Path {
        self.home.path()
    }

    /// The sandbox's keys, region and project, static and through the environment.
    pub fn credentials(&self) -> Vec<(String, String)> {
        let sb = &self.sandbox;
        [
            ("HUAWEICLOUD_SDK_AK", &sb.ak),
            ("HUAWEICLOUD_SDK_SK", &sb.sk),
            ("HUAWEICLOUD_SDK_REGION", &sb.region),
            ("HUAWEICLOUD_SDK_PROJECT_ID", &sb.project_id),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
    }

    /// The binary with a clean environment: temp home, no metadata service, nothing else.
    pub fn command(&self) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_reimage"));
        cmd.env_clear()
            .env("HOME", self.home())
            .env("REIMAGE_HOME", self.home().join("rh"))
            .env("REIMAGE_METADATA_URL", "off")
            .env("PATH", std::env::var("PATH").unwrap_or_default());
        cmd
    }

    /// `reimage --endpoint FRONT args...` with the sandbox's keys in the environment.
    pub async fn reimage(&self, args: &[&str], stdin: &str) -> Output {
        self.reimage_with(&[], args, stdin).await
    }

    /// [`Hostile::reimage`] with more (or overriding) environment variables.
    pub async fn reimage_with(&self, env: &[(&str, &str)], args: &[&str], stdin: &str) -> Output {
        let mut cmd = self.command();
        cmd.envs(self.credentials())
            .envs(env.iter().copied())
            .arg("--endpoint")
            .arg(&self.url)
            .args(args);
        run(cmd, stdin).await
    }

    /// Client settings for the front: the sandbox's static keys and project, quick retries.
    pub fn settings(&self) -> reimage::cloud::ClientSettings {
        let sb = &self.sandbox;
        let keys = reimage::config::StaticKeys {
            ak: sb.ak.clone(),
            sk: reimage::config::Secret::new(sb.sk.clone()),
            security_token: None,
            project_id: Some(sb.project_id.clone()),
            domain_id: None,
            region: None,
        };
        let mut s = reimage::cloud::ClientSettings::with_keys(&self.url, keys, &sb.region);
        s.retry = reimage::config::RetryPolicy {
            max_attempts: 4,
            base_delay: std::time::Duration::from_millis(5),
            max_delay: std::time::Duration::from_millis(20),
        };
        s
    }

    /// A client connected to the front with [`Hostile::settings`].
    pub async fn client(&self) -> reimage::cloud::Client {
        reimage::cloud::Client::connect(self.settings())
            .await
            .expect("connects through the front")
    }

    /// The lines of the job journal of [`Hostile::reimage`] runs (none when absent).
    pub fn journal(&self) -> Vec<String> {
        std::fs::read_to_string(self.home().join("rh/state/jobs.jsonl"))
            .map(|t| t.lines().map(str::to_string).collect())
            .unwrap_or_default()
    }

    /// Write `config.toml` of [`Hostile::reimage`] runs.
    pub fn write_config(&self, text: &str) {
        let dir = self.home().join("rh");
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("config.toml"), text).expect("write config");
    }
}

/// Run a command with `stdin` and collect its output.
pub async fn run(mut cmd: tokio::process::Command, stdin: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let mut pipe = child.stdin.take().expect("stdin");
    // The program may exit before reading its input.
    let _ = pipe.write_all(stdin.as_bytes()).await;
    drop(pipe);
    child.wait_with_output().await.expect("ends")
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

impl Front {
    async fn answer(&self, seen: Seen) -> Response {
        self.log.push(seen.clone());
        let handler = self
            .rules
            .lock()
            .expect("rules")
            .iter()
            .find(|(op, _)| *op == seen.op)
            .map(|(_, h)| h.clone());
        let answer = handler.map_or(Answer::Proxy, |h| h(&seen));
        match answer {
            Answer::Proxy => self.proxy(&seen, None).await,
            Answer::ProxyEdited(edit) => self.proxy(&seen, Some(edit)).await,
            other => respond(other),
        }
    }

    /// Forward the request unchanged, `Host` included, so its signature still holds.
    async fn proxy(&self, seen: &Seen, edit: Option<Edit>) -> Response {
        let query = if seen.query.is_empty() {
            String::new()
        } else {
            format!("?{}", seen.query)
        };
        let method = Method::from_bytes(seen.method.as_bytes()).expect("method");
        let mut req = self
            .http
            .request(method, format!("{}{}{query}", self.upstream, seen.path))
            .body(seen.body.clone());
        for (n, v) in &seen.headers {
            if !n.eq_ignore_ascii_case("content-length") {
                req = req.header(n, v);
            }
        }
        let resp = req.send().await.expect("the sandbox answers");
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .filter(|(n, _)| {
                !matches!(
                    n.as_str(),
                    "content-length" | "transfer-encoding" | "connection"
                )
            })
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_string()))
            .collect();
        let mut body = resp.bytes().await.expect("body").to_vec();
        if let Some(edit) = edit {
            let mut v: Value = serde_json::from_slice(&body).expect("JSON to edit");
            edit(&mut v);
            body = v.to_string().into_bytes();
        }
        respond(Answer::Raw {
            status,
            headers,
            body,
        })
    }
}

fn respond(answer: Answer) -> Response {
    let status_of = |s: u16| StatusCode::from_u16(s).expect("status");
    let mut headers: Vec<(String, String)> = Vec::new();
    let (status, body) = match answer {
        Answer::Json(status, v) => {
            headers.push(("content-type".into(), "application/json".into()));
            (status, Body::from(v.to_string()))
        }
        Answer::Raw {
            status,
            headers: h,
            body,
        } => {
            headers = h;
            (status, Body::from(body))
        }
        Answer::Redirect(status, location) => {
            headers.push(("location".into(), location));
            (status, Body::empty())
        }
        Answer::Flood {
            prefix,
            item,
            sep,
            count,
            suffix,
            declared,
        } => {
            if declared {
                let len = prefix.len() as u64
                    + count * item.len() as u64
                    + count.saturating_sub(1) * sep.len() as u64
                    + suffix.len() as u64;
                headers.push(("content-length".into(), len.to_string()));
            }
            headers.push(("content-type".into(), "application/json".into()));
            (
                200,
                Body::from_stream(flood(prefix, item, sep, count, suffix)),
            )
        }
        Answer::Stall { length, first } => {
            headers.push(("content-length".into(), length.to_string()));
            headers.push(("content-type".into(), "application/json".into()));
            let body =
                futures::stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(first)) })
                    .chain(futures::stream::pending());
            (200, Body::from_stream(body))
        }
        Answer::Proxy | Answer::ProxyEdited(_) => unreachable!("proxied by the front"),
    };
    let mut resp = Response::new(body);
    *resp.status_mut() = status_of(status);
    for (n, v) in headers {
        resp.headers_mut().insert(
            axum::http::HeaderName::from_bytes(n.as_bytes()).expect("name"),
            axum::http::HeaderValue::from_str(&v).expect("value"),
        );
    }
    resp
}

/// The items in chunks of about 1,000, so a page of millions streams without being built.
fn flood(
    prefix: Vec<u8>,
    item: Vec<u8>,
    sep: Vec<u8>,
    count: u64,
    suffix: Vec<u8>,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    const BATCH: u64 = 1000;
    let mut one = sep.clone();
    one.extend_from_slice(&item);
    let batch = Bytes::from(one.repeat(BATCH as usize));
    let first = if count > 0 { item } else { Vec::new() };
    let rest = count.saturating_sub(1);
    let (full, tail) = (rest / BATCH, rest % BATCH);
    let tail = Bytes::from(one.repeat(tail as usize));
    let head = [Bytes::from(prefix), Bytes::from(first)];
    futures::stream::iter(head)
        .chain(futures::stream::iter((0..full).map(move |_| batch.clone())))
        .chain(futures::stream::iter([tail, Bytes::from(suffix)]))
        .map(Ok)
}

/// Serve every request on a fresh loopback port with `f`; returns its base URL.
async fn serve<F, Fut>(f: F) -> String
where
    F: Fn(Seen) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let app = axum::Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let f = f.clone();
            async move { f(seen(&method, &uri, &headers, &body)).await }
        },
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

fn seen(method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Seen {
    Seen {
        op: operation(method.as_str(), uri.path()),
        method: method.to_string(),
        path: uri.path().to_string(),
        query: uri.query().unwrap_or_default().to_string(),
        headers: headers
            .iter()
            .map(|(n, v)| {
                (
                    n.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
    }
}

/// The sandbox's operation name of a request (`other` when none fits).
pub fn operation(method: &str, path: &str) -> String {
    let s: Vec<&str> = path.trim_matches('/').split('/').collect();
    let fixed = match (method, s.as_slice()) {
        ("PUT", ["meta-data", "latest", "api", "token"]) => "metadata.token",
        ("GET", ["openstack", "latest", "securitykey"]) => "metadata.securitykey",
        ("GET", ["v3", "projects"]) => "iam.projects.list",
        ("GET", ["v3", "auth", "domains"]) => "iam.domains.list",
        ("GET", ["v3.0", "OS-CREDENTIAL", "credentials", _]) => "iam.credentials.show",
        ("GET", ["v2", "cloudimages"]) => "ims.list",
        ("GET", ["v2.1", _, "os-keypairs"]) => "nova.keypairs.list",
        ("GET", ["v2.1", _, "os-keypairs", _]) => "nova.keypairs.show",
        ("GET", ["v3", _, "keypairs"]) => "kps.keypairs.list",
        ("GET", ["v3", _, "keypairs", _]) => "kps.keypairs.show",
        ("GET", ["v1", _, "jobs", _]) => "jobs.show",
        _ => "",
    };
    if !fixed.is_empty() {
        return fixed.to_string();
    }
    let (version, svc, rest) = match s.as_slice() {
        [v, _, "cloudservers", rest @ ..] => (*v, "ecs", rest),
        [v, _, "baremetalservers", rest @ ..] => (*v, "bms", rest),
        _ => return "other".into(),
    };
    match (method, rest) {
        ("GET", ["detail"]) => format!("{svc}.list"),
        ("POST", ["action"]) => format!("{svc}.action"),
        ("GET", [_]) => format!("{svc}.show"),
        ("POST", [_, op @ ("changeos" | "reinstallos")]) if svc == "ecs" => {
            format!("ecs.{op}.{version}")
        }
        ("POST", [_, op @ ("changeos" | "reinstallos")]) => format!("bms.{op}"),
        _ => "other".into(),
    }
}
