//! Shared helpers for the TUI tests: the fixture inventory (API-shaped JSON), an app fed
//! with it through `Msg`s, key helpers and a text render of a `TestBackend`.

pub mod live;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use reimage::cloud::model::{Image, JobStatus, Keypair, KeypairSource, Server, ServerKind};
use reimage::tui::theme::{ColorChoice, GlyphChoice};
use reimage::tui::{App, Command, HeaderInfo, JobView, Msg, UiOptions, draw};
use serde::Deserialize;
use std::time::Duration;
use unicode_width::UnicodeWidthStr;

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

pub struct Fixture {
    pub project_id: String,
    pub ecs: Vec<Server>,
    pub bms: Vec<Server>,
    pub images: Vec<Image>,
    pub keypairs: Vec<Keypair>,
}

/// insta settings of the screen snapshots: `snapshots/` beside the asserting file, named
/// without the module path.
pub fn snapshots() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("snapshots");
    s.set_prepend_module_to_snapshot(false);
    s
}

pub fn fixture() -> Fixture {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/tui_inventory.json"
    ))
    .expect("fixture file");
    let inv: Inventory = serde_json::from_str(&text).expect("fixture parses as API replies");
    let mut keypairs: Vec<Keypair> = inv
        .keypairs
        .keypairs
        .into_iter()
        .map(|k| k.keypair)
        .collect();
    for k in &mut keypairs {
        k.source = KeypairSource::Kps;
    }
    Fixture {
        project_id: inv.project_id,
        ecs: inv.ecs.servers,
        bms: inv.bms.servers,
        images: inv.images.images,
        keypairs,
    }
}

pub fn header(read_only: bool) -> HeaderInfo {
    HeaderInfo {
        cloud_label: "Huawei Cloud".into(),
        is_sandbox: true,
        profile: "default".into(),
        region: "ap-southeast-3".into(),
        project_id: fixture().project_id,
        read_only,
        insecure: false,
        credential_source: "sandbox".into(),
    }
}

pub fn options(color: bool) -> UiOptions {
    UiOptions {
        color: if color {
            ColorChoice::Always
        } else {
            ColorChoice::Never
        },
        glyphs: GlyphChoice::Unicode,
        ..UiOptions::default()
    }
}

/// A fresh app at `w`x`h`, its start commands not yet answered.
pub fn app(w: u16, h: u16) -> (App, Vec<Command>) {
    app_with(w, h, false, true)
}

pub fn app_with(w: u16, h: u16, read_only: bool, color: bool) -> (App, Vec<Command>) {
    let mut app = App::new(header(read_only), &options(color));
    app.update(Msg::Resize(w, h));
    let cmds = app.start();
    (app, cmds)
}

/// What the effects would answer to a load command, from the fixture, or to a file read,
/// read by the effects' own reader; `None` for others.
pub fn load_reply(fx: &Fixture, cmd: &Command) -> Option<Msg> {
    Some(match *cmd {
        Command::ReadUserData { id, ref path } => reimage::cli::user_data_answer(id, path, None),
        Command::LoadServers { kind, generation } => Msg::ServersLoaded {
            kind,
            generation,
            page: if kind == ServerKind::Ecs {
                fx.ecs.clone()
            } else {
                fx.bms.clone()
            },
            done: true,
        },
        Command::LoadImages { generation } => Msg::ImagesLoaded {
            generation,
            images: fx.images.clone(),
        },
        Command::LoadKeypairs { generation } => Msg::KeypairsLoaded {
            generation,
            keypairs: fx.keypairs.clone(),
        },
        _ => return None,
    })
}

/// Answers every load command with the fixture, and every file read, as the effects would.
pub fn answer(app: &mut App, cmds: Vec<Command>) {
    let fx = fixture();
    for msg in cmds.iter().filter_map(|c| load_reply(&fx, c)) {
        app.update(msg);
    }
}

/// An app with every listing loaded.
pub fn loaded(w: u16, h: u16) -> App {
    let (mut app, cmds) = app(w, h);
    answer(&mut app, cmds);
    app
}

pub fn jobs() -> Vec<JobView> {
    let fx = fixture();
    let s = |i: usize| fx.ecs[i].clone();
    vec![
        JobView {
            key: "ff8080817e8a1f6c017e8b2a0a5c686a".into(),
            job_id: Some("ff8080817e8a1f6c017e8b2a0a5c686a".into()),
            server_id: s(3).id,
            server_name: s(3).name,
            kind: ServerKind::Ecs,
            operation: "change OS v2".into(),
            submitting: false,
            status: JobStatus::Running,
            gave_up: None,
            elapsed: Duration::from_secs(72),
            detail: "rebuild_spawning".into(),
            error_code: None,
        },
        JobView {
            key: "2c9eb2c58e6a4b0f018e6b2f2b4f0001".into(),
            job_id: Some("2c9eb2c58e6a4b0f018e6b2f2b4f0001".into()),
            server_id: fx.bms[0].id.clone(),
            server_name: fx.bms[0].name.clone(),
            kind: ServerKind::Bms,
            operation: "reinstall BMS".into(),
            submitting: false,
            status: JobStatus::Fail,
            gave_up: None,
            elapsed: Duration::from_secs(220),
            detail: "none or multiple passwords".into(),
            error_code: Some("BMS.0111".into()),
        },
        JobView {
            key: "a1b2c3d4e5f60718293a4b5c6d7e9f00".into(),
            job_id: Some("a1b2c3d4e5f60718293a4b5c6d7e9f00".into()),
            server_id: s(6).id,
            server_name: s(6).name,
            kind: ServerKind::Ecs,
            operation: "stop".into(),
            submitting: false,
            status: JobStatus::Success,
            gave_up: None,
            elapsed: Duration::from_secs(18),
            detail: String::new(),
            error_code: None,
        },
    ]
}

pub fn key(app: &mut App, code: KeyCode) -> Vec<Command> {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

pub fn ctrl(app: &mut App, c: char) -> Vec<Command> {
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    )))
}

/// Types each char as a key press (upper case with shift, as terminals send it).
pub fn typing(app: &mut App, text: &str) -> Vec<Command> {
    let mut out = Vec::new();
    for c in text.chars() {
        let mods = if c.is_ascii_uppercase() {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        out.extend(app.update(Msg::Key(KeyEvent::new(KeyCode::Char(c), mods))));
    }
    out
}

pub fn buffer(app: &App, w: u16, h: u16) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    t.draw(|f| draw(f, app)).expect("draw");
    t.backend().buffer().clone()
}

/// The screen as text, one line per row, trailing spaces trimmed.
pub fn screen(app: &App, w: u16, h: u16) -> String {
    let buf = buffer(app, w, h);
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..buf.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            skip = UnicodeWidthStr::width(sym).saturating_sub(1);
            line.push_str(sym);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Puts the cursor on the server best matching `name` (through the `/` filter, which
/// stays applied); returns the selected id.
pub fn select(app: &mut App, name: &str) -> Option<String> {
    key(app, KeyCode::Char('/'));
    ctrl(app, 'u');
    typing(app, name);
    key(app, KeyCode::Enter);
    app.selected_id()
}

/// Tab from the first field to `label`'s row, then replace its text with `text`.
pub fn set_field(app: &mut App, label: &str, text: &str) {
    for _ in 0..20 {
        let s = screen(app, 100, 30);
        if s.lines().any(|l| l.contains(&format!("▶ {label}"))) {
            break;
        }
        key(app, KeyCode::Tab);
    }
    let s = screen(app, 100, 30);
    assert!(
        s.lines().any(|l| l.contains(&format!("▶ {label}"))),
        "no {label} row focused: {s}"
    );
    ctrl(app, 'u');
    typing(app, text);
}
