//! Shared helpers of the sandbox tests: requests signed with `reimage::cloud::signer` sent
//! over real HTTP to a sandbox on a loopback port (started by `client::sandbox`).

use reimage::cloud::signer;
use reimage::sandbox::Sandbox;

pub const USER: &str = reimage::sandbox::DEFAULT_USER_ID;
use serde_json::Value;

pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text))
    }

    /// Error code of any of the service error shapes.
    pub fn code(&self) -> String {
        let v = self.json();
        v["error"]["code"]
            .as_str()
            .or(v["error_code"].as_str())
            .map(str::to_string)
            .unwrap_or_else(|| panic!("no error code in {}", self.text))
    }
}

/// How to sign a request.
#[derive(Clone)]
pub struct Signing {
    pub ak: String,
    pub sk: String,
    /// Seconds to shift X-Sdk-Date by.
    pub skew: i64,
    pub extra_headers: Vec<(String, String)>,
    /// Send the X-Project-Id header with this value.
    pub project_header: Option<String>,
}

impl Signing {
    pub fn of(sb: &Sandbox) -> Self {
        Signing {
            ak: sb.ak.clone(),
            sk: sb.sk.clone(),
            skew: 0,
            extra_headers: Vec::new(),
            project_header: Some(sb.project_id.clone()),
        }
    }
}

pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client builds")
}

/// Send a request signed like the Python SDK does (Content-Type, Host, X-Sdk-Date,
/// X-Project-Id, all signed).
pub async fn send_signed(
    sb: &Sandbox,
    signing: &Signing,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    body: &[u8],
) -> Result<Reply, reqwest::Error> {
    send_signed_with(&client(), sb, signing, method, path, query, body).await
}

/// [`send_signed`] on `http`: a test that sends thousands of requests keeps one pooled
/// client (a client belongs to the runtime it first connected on, so it is not shared
/// between tests).
pub async fn send_signed_with(
    http: &reqwest::Client,
    sb: &Sandbox,
    signing: &Signing,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    body: &[u8],
) -> Result<Reply, reqwest::Error> {
    let date =
        signer::sdk_date(time::OffsetDateTime::now_utc() + time::Duration::seconds(signing.skew));
    let host = sb.addr.to_string();
    let mut headers: Vec<(String, String)> = vec![
        ("Content-Type".into(), "application/json".into()),
        ("Host".into(), host),
        ("X-Sdk-Date".into(), date.clone()),
    ];
    if let Some(p) = &signing.project_header {
        headers.push(("X-Project-Id".into(), p.clone()));
    }
    headers.extend(signing.extra_headers.iter().cloned());
    let pairs: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let req = signer::Request {
        method,
        path,
        query: &pairs,
        headers: &headers,
        body,
    };
    let sig = signer::sign(&signing.sk, &date, &req);
    let qs = signer::canonical_query(&pairs);
    let url = if qs.is_empty() {
        format!("{}{path}", sb.url)
    } else {
        format!("{}{path}?{qs}", sb.url)
    };
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("valid method");
    let mut builder = http.request(method, url).body(body.to_vec());
    for (k, v) in &headers {
        if !k.eq_ignore_ascii_case("host") {
            builder = builder.header(k, v);
        }
    }
    builder = builder.header("Authorization", sig.authorization(&signing.ak));
    let resp = builder.send().await?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await?;
    Ok(Reply {
        status,
        headers,
        text,
    })
}

pub async fn get(sb: &Sandbox, path: &str, query: &[(&str, &str)]) -> Reply {
    send_signed(sb, &Signing::of(sb), "GET", path, query, b"")
        .await
        .expect("request succeeds")
}

pub async fn post(sb: &Sandbox, path: &str, body: &Value) -> Reply {
    let bytes = serde_json::to_vec(body).expect("json");
    send_signed(sb, &Signing::of(sb), "POST", path, &[], &bytes)
        .await
        .expect("request succeeds")
}

pub async fn post_raw(sb: &Sandbox, path: &str, body: &[u8]) -> Reply {
    send_signed(sb, &Signing::of(sb), "POST", path, &[], body)
        .await
        .expect("request succeeds")
}

/// Poll a job until it is SUCCESS or FAIL (at most 10 s).
pub async fn wait_job(sb: &Sandbox, job_id: &str) -> Value {
    let path = format!("/v1/{}/jobs/{job_id}", sb.project_id);
    for _ in 0..200 {
        let r = get(sb, &path, &[]).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let v = r.json();
        if v["status"] == "SUCCESS" || v["status"] == "FAIL" {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("job {job_id} did not finish");
}

/// First server of a list page matching a predicate.
pub async fn find_server(sb: &Sandbox, kind: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let path = format!("/v1/{}/{kind}/detail", sb.project_id);
    let r = get(sb, &path, &[("limit", "1000")]).await;
    r.json()["servers"]
        .as_array()
        .expect("servers")
        .iter()
        .find(|s| pred(s))
        .cloned()
        .unwrap_or_else(|| panic!("no matching server in {kind}"))
}

pub async fn server_named(sb: &Sandbox, kind: &str, name: &str) -> Value {
    find_server(sb, kind, |s| s["name"] == name).await
}

pub async fn image_named(sb: &Sandbox, name: &str) -> Value {
    let r = get(sb, "/v2/cloudimages", &[("name", name)]).await;
    r.json()["images"][0].clone()
}

/// Path of a change/reinstall operation by its operation name.
pub fn os_path(sb: &Sandbox, api: &str, id: &str) -> String {
    let pid = &sb.project_id;
    match api {
        "ecs.changeos.v1" => format!("/v1/{pid}/cloudservers/{id}/changeos"),
        "ecs.changeos.v2" => format!("/v2/{pid}/cloudservers/{id}/changeos"),
        "ecs.reinstallos.v1" => format!("/v1/{pid}/cloudservers/{id}/reinstallos"),
        "ecs.reinstallos.v2" => format!("/v2/{pid}/cloudservers/{id}/reinstallos"),
        "bms.changeos" => format!("/v1/{pid}/baremetalservers/{id}/changeos"),
        "bms.reinstallos" => format!("/v1/{pid}/baremetalservers/{id}/reinstallos"),
        other => panic!("unknown api {other}"),
    }
}

pub async fn id_of(sb: &Sandbox, kind: &str, name: &str) -> String {
    server_named(sb, kind, name).await["id"]
        .as_str()
        .expect("id")
        .to_string()
}

pub async fn image_id(sb: &Sandbox, name: &str) -> String {
    image_named(sb, name).await["id"]
        .as_str()
        .unwrap_or_else(|| panic!("image {name}"))
        .to_string()
}
