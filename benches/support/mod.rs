//! Shared by the benches: the sandbox at the scale of issue 10, a client on it, the full
//! inventory, an `App` loaded with it, and a writer that counts terminal bytes.
#![allow(dead_code)]

pub mod pty;

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{TerminalOptions, Viewport};
use reimage::cloud::model::{Image, Keypair, Server, ServerKind};
use reimage::cloud::signer;
use reimage::cloud::{Client, ClientSettings, ImageQuery};
use reimage::config::{Secret, StaticKeys};
use reimage::sandbox::{self, InventorySpec, Sandbox, SandboxConfig};
use reimage::tui::scroll_backend::ScrollBackend;
use reimage::tui::theme::ColorChoice;
use reimage::tui::{App, Command, HeaderInfo, Msg, UiOptions};
use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// 10,000 ECS + 1,000 BMS + 5,000 images + 2,000 key pairs.
pub const SCALE: InventorySpec = InventorySpec::Generated {
    servers: 10_000,
    bms: 1_000,
    images: 5_000,
    keypairs: 2_000,
    seed: 1,
};

/// ECS servers of the inventory: `SCALE_SERVERS` (the `tui` bench's 100,000-server point),
/// 10,000 by default.
pub fn scale_servers() -> usize {
    std::env::var("SCALE_SERVERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

/// [`SCALE`] with [`scale_servers`] ECS servers.
pub async fn sandbox() -> Sandbox {
    sandbox::start(SandboxConfig {
        inventory: InventorySpec::Generated {
            servers: scale_servers(),
            bms: 1_000,
            images: 5_000,
            keypairs: 2_000,
            seed: 1,
        },
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts")
}

pub fn settings(sb: &Sandbox) -> ClientSettings {
    let keys = StaticKeys {
        ak: sb.ak.clone(),
        sk: Secret::new(sb.sk.clone()),
        security_token: None,
        project_id: Some(sb.project_id.clone()),
        domain_id: None,
        region: None,
    };
    ClientSettings::with_keys(&sb.url, keys, &sb.region)
}

pub async fn client(sb: &Sandbox) -> Client {
    Client::connect(settings(sb))
        .await
        .expect("client connects")
}

/// A signed GET of `path?query` on the sandbox; panics unless it succeeds. The body as sent.
pub async fn signed_get(
    http: &reqwest::Client,
    sb: &Sandbox,
    path: &str,
    query: &[(&str, String)],
) -> Vec<u8> {
    let date = signer::sdk_date(time::OffsetDateTime::now_utc());
    let headers: Vec<(String, String)> = vec![
        ("Content-Type".into(), "application/json".into()),
        ("Host".into(), sb.addr.to_string()),
        ("X-Sdk-Date".into(), date.clone()),
        ("X-Project-Id".into(), sb.project_id.clone()),
    ];
    let pairs: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let sig = signer::sign(
        &sb.sk,
        &date,
        &signer::Request {
            method: "GET",
            path,
            query: &pairs,
            headers: &headers,
            body: b"",
        },
    );
    let qs = signer::canonical_query(&pairs);
    let mut req = http.get(format!("{}{path}?{qs}", sb.url));
    for (k, v) in headers.iter().filter(|(k, _)| k != "Host") {
        req = req.header(k, v);
    }
    let resp = req
        .header("Authorization", sig.authorization(&sb.ak))
        .send()
        .await
        .expect("request");
    assert!(resp.status().is_success(), "{path}: {}", resp.status());
    resp.bytes().await.expect("body").to_vec()
}

/// Everything the TUI lists.
#[derive(Clone, Default)]
pub struct Inventory {
    pub ecs: Vec<Server>,
    pub bms: Vec<Server>,
    pub images: Vec<Image>,
    pub keypairs: Vec<Keypair>,
}

impl Inventory {
    pub fn len(&self) -> usize {
        self.ecs.len() + self.bms.len() + self.images.len() + self.keypairs.len()
    }
}

/// The four listings at once, as the TUI asks for them (pages of a listing in parallel
/// where the API allows).
pub async fn load_concurrent(c: &Client) -> Inventory {
    let q = ImageQuery::default();
    let (ecs, bms, images, keypairs) = tokio::join!(
        c.list_servers(ServerKind::Ecs),
        c.list_servers(ServerKind::Bms),
        c.list_images(&q),
        c.list_keypairs()
    );
    Inventory {
        ecs: ecs.expect("ECS list"),
        bms: bms.expect("BMS list"),
        images: images.expect("image list"),
        keypairs: keypairs.expect("key pair list"),
    }
}

/// Loads the full inventory from a fresh sandbox at [`SCALE`].
pub fn inventory() -> Inventory {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let sb = sandbox().await;
        let c = client(&sb).await;
        let inv = load_concurrent(&c).await;
        sb.shutdown();
        inv
    })
}

pub fn options() -> UiOptions {
    UiOptions {
        color: ColorChoice::Always,
        ..UiOptions::default()
    }
}

pub fn header() -> HeaderInfo {
    HeaderInfo {
        cloud_label: "Huawei Cloud".into(),
        is_sandbox: true,
        profile: "sandbox".into(),
        region: "ap-southeast-3".into(),
        project_id: "5f3c0e6d2a8b4c1e9f7a6b5c4d3e2f6b".into(),
        read_only: false,
        insecure: false,
        credential_source: "sandbox".into(),
    }
}

/// Answers the start-up commands of `app` from `inv`, servers in pages of 1000 as the
/// cloud sends them.
pub fn feed(app: &mut App, cmds: Vec<Command>, inv: &Inventory) {
    for cmd in cmds {
        match cmd {
            Command::LoadServers { kind, generation } => {
                let all = match kind {
                    ServerKind::Ecs => &inv.ecs,
                    ServerKind::Bms => &inv.bms,
                };
                let pages: Vec<&[Server]> = all.chunks(1000).collect();
                let n = pages.len();
                for (i, p) in pages.into_iter().enumerate() {
                    app.update(Msg::ServersLoaded {
                        kind,
                        generation,
                        page: p.to_vec(),
                        done: i + 1 == n,
                    });
                }
                if n == 0 {
                    app.update(Msg::ServersLoaded {
                        kind,
                        generation,
                        page: Vec::new(),
                        done: true,
                    });
                }
            }
            Command::LoadImages { generation } => {
                app.update(Msg::ImagesLoaded {
                    generation,
                    images: inv.images.clone(),
                });
            }
            Command::LoadKeypairs { generation } => {
                app.update(Msg::KeypairsLoaded {
                    generation,
                    keypairs: inv.keypairs.clone(),
                });
            }
            _ => {}
        }
    }
}

/// An `App` at `w`x`h` with the whole inventory loaded.
pub fn loaded_app(inv: &Inventory, w: u16, h: u16) -> App {
    loaded_app_with(inv, w, h, &options())
}

/// [`loaded_app`] with other UI options (e.g. the fuzzy filter of `[ui] filter`).
pub fn loaded_app_with(inv: &Inventory, w: u16, h: u16, options: &UiOptions) -> App {
    let mut app = App::new(header(), options);
    app.update(Msg::Resize(w, h));
    let cmds = app.start();
    feed(&mut app, cmds, inv);
    app
}

/// A sink that counts what it is given.
#[derive(Clone, Default)]
pub struct CountingWriter(pub Arc<AtomicU64>);

impl CountingWriter {
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl Write for CountingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.fetch_add(buf.len() as u64, Ordering::Relaxed);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A real crossterm terminal of a fixed size, behind the TUI's scrolling backend, that
/// writes into a [`CountingWriter`].
pub fn counting_terminal(
    w: u16,
    h: u16,
) -> (
    Terminal<ScrollBackend<CrosstermBackend<CountingWriter>>>,
    CountingWriter,
) {
    let out = CountingWriter::default();
    let term = Terminal::with_options(
        ScrollBackend::with_area(CrosstermBackend::new(out.clone()), Rect::new(0, 0, w, h)),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, w, h)),
        },
    )
    .expect("terminal");
    (term, out)
}
