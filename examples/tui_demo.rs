//! Development demo: the TUI fed from the test fixture (tests/data/tui_inventory.json), with
//! a short delay per listing so the spinner and streaming can be seen. Not part of reimage:
//! the real binary wires `reimage::tui::run` to the cloud client or the sandbox.
//!
//! `cargo run --example tui_demo [-- --read-only]`

use reimage::cloud::model::{Image, Keypair, Server, ServerKind};
use reimage::tui::{Command, HeaderInfo, Msg, UiOptions, run};
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

#[derive(Deserialize)]
struct Servers {
    servers: Vec<Server>,
}
#[derive(Deserialize)]
struct Images {
    images: Vec<Image>,
}
#[derive(Deserialize)]
struct KpWrap {
    keypair: Keypair,
}
#[derive(Deserialize)]
struct Keypairs {
    keypairs: Vec<KpWrap>,
}
#[derive(Deserialize)]
struct Inventory {
    project_id: String,
    ecs: Servers,
    bms: Servers,
    images: Images,
    keypairs: Keypairs,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/tui_inventory.json"
    ))?;
    let inv: Arc<Inventory> = Arc::new(serde_json::from_str(&text)?);
    let header = HeaderInfo {
        cloud_label: "Huawei Cloud".into(),
        is_sandbox: true,
        profile: "default".into(),
        region: "ap-southeast-3".into(),
        project_id: inv.project_id.clone(),
        read_only: std::env::args().any(|a| a == "--read-only"),
        credential_source: "demo".into(),
    };
    let effects = move |cmd: Command, tx: UnboundedSender<Msg>| {
        let inv = inv.clone();
        tokio::spawn(async move {
            match cmd {
                Command::LoadServers { kind, generation } => {
                    let all = match kind {
                        ServerKind::Ecs => &inv.ecs.servers,
                        ServerKind::Bms => &inv.bms.servers,
                    };
                    let pages: Vec<_> = all.chunks(4).collect();
                    for (i, page) in pages.iter().enumerate() {
                        tokio::time::sleep(Duration::from_millis(400)).await;
                        let _ = tx.send(Msg::ServersLoaded {
                            kind,
                            generation,
                            page: page.to_vec(),
                            done: i + 1 == pages.len(),
                        });
                    }
                }
                Command::LoadImages { generation } => {
                    tokio::time::sleep(Duration::from_millis(900)).await;
                    let _ = tx.send(Msg::ImagesLoaded {
                        generation,
                        images: inv.images.images.clone(),
                    });
                }
                Command::LoadKeypairs { generation } => {
                    tokio::time::sleep(Duration::from_millis(600)).await;
                    let _ = tx.send(Msg::KeypairsLoaded {
                        generation,
                        keypairs: inv
                            .keypairs
                            .keypairs
                            .iter()
                            .map(|k| k.keypair.clone())
                            .collect(),
                    });
                }
                Command::SwitchRegion(r) | Command::SwitchProfile(r) => {
                    let _ = tx.send(Msg::Error {
                        error: format!("the demo cannot switch to {r}"),
                        hint: Some("run reimage itself for that".into()),
                    });
                }
                _ => {}
            }
        });
    };
    run(header, UiOptions::default(), effects).await?;
    Ok(())
}
