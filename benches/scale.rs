//! The whole program at the scale of issue 10 (10,000 ECS + 1,000 BMS + 5,000 images +
//! 2,000 key pairs): listing time, sequential against concurrent; the real binary in a
//! pseudo-terminal (first frame, full load, resident memory, bytes per navigation step,
//! idle bytes); start-up to `--help`. `cargo bench --bench scale`; see docs/performance.md.

mod support;

use reimage::cloud::model::{Image, Keypair, Server};
use reimage::sandbox::Sandbox;
use serde::Deserialize;
use std::collections::HashSet;
use std::time::{Duration, Instant};
use support::pty::Term;

const RUNS: usize = 5;

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not supported here.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let sb = rt.block_on(support::sandbox());
    println!(
        "sandbox at {} with 10,000 ECS + 1,000 BMS + 5,000 images + 2,000 key pairs",
        sb.url
    );
    // SCALE_PARTS=listing,pty,jobs,help runs only those parts (default: all).
    let parts = std::env::var("SCALE_PARTS").unwrap_or_else(|_| "listing,pty,jobs,help".into());
    if parts.contains("listing") {
        listing_both(&rt, &sb);
    }
    if parts.contains("pty") {
        program(&sb);
    }
    rt.block_on(async { sb.shutdown() });
    if parts.contains("jobs") {
        jobs_and_input(&rt);
    }
    if parts.contains("help") {
        help_startup();
    }
}

fn listing_both(rt: &tokio::runtime::Runtime, sb: &Sandbox) {
    listing(rt, sb, "loopback");
    // The cloud is a round trip away: 30 ms more per request shows what concurrency hides.
    sb.set_faults(reimage::sandbox::Faults {
        global: reimage::sandbox::FaultSpec {
            latency_ms: 30,
            ..Default::default()
        },
        ..Default::default()
    });
    listing(rt, sb, "rtt_30ms");
    sb.set_faults(reimage::sandbox::Faults::default());
}

// ---------------------------------------------------------------- jobs

/// 200 open jobs polled while keys are pressed: the time from a key to the moved selection
/// on screen, with no jobs and with 200 jobs followed, against a scale sandbox 30 ms away
/// whose jobs run for an hour.
fn jobs_and_input(rt: &tokio::runtime::Runtime) {
    let sb = rt
        .block_on(reimage::sandbox::start(reimage::sandbox::SandboxConfig {
            inventory: support::SCALE,
            job_seconds: 3600.0,
            ..Default::default()
        }))
        .expect("sandbox");
    let with_jobs = tempfile::tempdir().expect("temp dir");
    let submitted = rt.block_on(submit_jobs(&sb, 200, with_jobs.path()));
    assert_eq!(submitted, 200, "200 reinstalls accepted");
    sb.set_faults(reimage::sandbox::Faults {
        global: reimage::sandbox::FaultSpec {
            latency_ms: 30,
            ..Default::default()
        },
        ..Default::default()
    });
    let without_jobs = tempfile::tempdir().expect("temp dir");
    for (label, home) in [("0 jobs", &without_jobs), ("200 jobs", &with_jobs)] {
        let polls_before = sb
            .counters()
            .by_operation
            .get("jobs.show")
            .copied()
            .unwrap_or(0);
        let since = Instant::now();
        let lat = key_latency(&sb, home.path(), label);
        let polls = sb
            .counters()
            .by_operation
            .get("jobs.show")
            .copied()
            .unwrap_or(0)
            - polls_before;
        let mut sorted = lat.clone();
        sorted.sort();
        let pct = |p: usize| sorted[(sorted.len() - 1) * p / 100];
        println!(
            "jobs/key_to_screen ({label:<8}) median {}, p95 {}, max {} over {} keys; {} job polls in {:.1} s",
            ms(pct(50)),
            ms(pct(95)),
            ms(pct(100)),
            sorted.len(),
            polls,
            since.elapsed().as_secs_f64(),
        );
    }
    rt.block_on(async { sb.shutdown() });
}

/// Sends up to `n` reinstalls to stopped ECS servers, journaled in `home` as the TUI would.
async fn submit_jobs(sb: &Sandbox, n: usize, home: &std::path::Path) -> usize {
    use reimage::cloud::model::ServerKind;
    use reimage::jobs::journal::Journal;
    use reimage::jobs::record::{JobOperation, JobRecord, TrackedState, now_rfc3339};
    let c = support::client(sb).await;
    let servers = c.list_servers(ServerKind::Ecs).await.expect("list");
    let (journal, _) = Journal::open(home.join("state/jobs.jsonl")).expect("journal");
    let mut done = 0;
    for s in servers
        .iter()
        .filter(|s| s.status == "SHUTOFF" && !s.locked)
    {
        if done == n {
            break;
        }
        // v2 for images with Cloud-Init, v1 for the others.
        for route in ["v2", "v1"] {
            let path = format!("/{route}/{{pid}}/cloudservers/{}/reinstallos", s.id);
            let body = serde_json::json!({"os-reinstall": {"adminpass": "Str0ng!Pass9"}});
            let Ok(accepted) = c.submit_os_request(ServerKind::Ecs, &path, &body).await else {
                continue;
            };
            journal
                .record_submitted(&JobRecord {
                    job_id: accepted.job_id,
                    kind: ServerKind::Ecs,
                    operation: JobOperation::ReinstallOs,
                    server_id: s.id.clone(),
                    server_name: s.name.clone(),
                    route: Some(route.into()),
                    region: sb.region.clone(),
                    project_id: sb.project_id.clone(),
                    old_image: s.image_name().map(str::to_string),
                    new_image: s.image_name().map(str::to_string),
                    order_id: None,
                    submitted_at: now_rfc3339(),
                    state: TrackedState::Submitted,
                    error_code: None,
                    fail_reason: None,
                    updated_at: now_rfc3339(),
                })
                .expect("journaled");
            done += 1;
            break;
        }
    }
    done
}

/// The program on `sb` with `home`'s journal: once every listing is in, 60 `j`/`k` keys at
/// random gaps, each timed until the selection marker has moved on screen.
fn key_latency(sb: &Sandbox, home: &std::path::Path, label: &str) -> Vec<Duration> {
    let env = [
        // The marker is `▶` in a UTF-8 locale.
        ("LANG", "C.UTF-8"),
        ("HUAWEICLOUD_SDK_AK", sb.ak.as_str()),
        ("HUAWEICLOUD_SDK_SK", sb.sk.as_str()),
        ("HUAWEICLOUD_SDK_PROJECT_ID", sb.project_id.as_str()),
        ("HUAWEICLOUD_SDK_REGION", sb.region.as_str()),
    ];
    let (mut t, _) = Term::spawn((80, 24), &["--endpoint", &sb.url], &env, home);
    t.wait_for("Servers 11000", Duration::from_secs(60));
    if label.starts_with("200") {
        t.wait_for("Jobs (200)", Duration::from_secs(30));
    }
    t.settle(Duration::from_millis(500));
    let mut lat = Vec::new();
    let mut gap = 7u64;
    for i in 0..60 {
        let before = t.marker_row();
        t.send(if i % 6 < 3 { "j" } else { "k" });
        let sent = Instant::now();
        while t.marker_row() == before {
            assert!(sent.elapsed() < Duration::from_secs(5), "key {i} not drawn");
            std::thread::sleep(Duration::from_micros(100));
        }
        lat.push(sent.elapsed());
        // 20-120 ms between keys: a person typing, not a script.
        gap = (gap * 1103515245 + 12345) % 101;
        std::thread::sleep(Duration::from_millis(20 + gap));
    }
    t.send("\x03");
    let _ = t.child.kill();
    let _ = t.child.wait();
    lat
}

// ---------------------------------------------------------------- listing

#[derive(Deserialize)]
struct ServerPage {
    servers: Vec<Server>,
}
#[derive(Deserialize)]
struct ImagePage {
    images: Vec<Image>,
}
#[derive(Deserialize)]
struct Wrapped {
    keypair: Keypair,
}
#[derive(Deserialize)]
struct PageInfo {
    next_marker: Option<String>,
}
#[derive(Deserialize)]
struct KeyPage {
    keypairs: Vec<Wrapped>,
    page_info: Option<PageInfo>,
}

/// The simple pager: every listing in turn, one signed request at a time, each page
/// decoded before the next is asked for. Same page sizes as the client (KPS 1000).
struct Sequential<'a> {
    sb: &'a Sandbox,
    http: reqwest::Client,
}

impl Sequential<'_> {
    async fn get(&self, path: &str, query: &[(&str, String)]) -> Vec<u8> {
        support::signed_get(&self.http, self.sb, path, query).await
    }

    async fn servers(&self, collection: &str, ecs: bool) -> Vec<Server> {
        let path = format!("/v1/{}/{collection}/detail", self.sb.project_id);
        let mut all = Vec::new();
        for page in 1.. {
            let mut q = vec![("limit", "1000".to_string()), ("offset", page.to_string())];
            if ecs {
                q.push(("not-tags", "__type_baremetal".to_string()));
            }
            let p: ServerPage = serde_json::from_slice(&self.get(&path, &q).await).expect("page");
            let n = p.servers.len();
            all.extend(p.servers);
            if n < 1000 {
                break;
            }
        }
        all
    }

    async fn images(&self) -> Vec<Image> {
        let mut all: Vec<Image> = Vec::new();
        loop {
            let mut q = vec![("limit", "500".to_string())];
            if let Some(last) = all.last() {
                q.push(("marker", last.id.clone()));
            }
            let p: ImagePage =
                serde_json::from_slice(&self.get("/v2/cloudimages", &q).await).expect("page");
            let n = p.images.len();
            all.extend(p.images);
            if n < 500 {
                return all;
            }
        }
    }

    async fn keypairs(&self) -> usize {
        let pid = &self.sb.project_id;
        let nova: KeyPage =
            serde_json::from_slice(&self.get(&format!("/v2.1/{pid}/os-keypairs"), &[]).await)
                .expect("nova");
        let mut names: HashSet<String> =
            nova.keypairs.into_iter().map(|w| w.keypair.name).collect();
        let mut marker: Option<String> = None;
        loop {
            let mut q = vec![("limit", "1000".to_string())];
            if let Some(m) = &marker {
                q.push(("marker", m.clone()));
            }
            let p: KeyPage =
                serde_json::from_slice(&self.get(&format!("/v3/{pid}/keypairs"), &q).await)
                    .expect("kps");
            let n = p.keypairs.len();
            names.extend(p.keypairs.into_iter().map(|w| w.keypair.name));
            match p
                .page_info
                .and_then(|i| i.next_marker)
                .filter(|m| !m.is_empty())
            {
                Some(m) if n > 0 => marker = Some(m),
                _ => return names.len(),
            }
        }
    }

    async fn all(&self) -> usize {
        let ecs = self.servers("cloudservers", true).await.len();
        let bms = self.servers("baremetalservers", false).await.len();
        let images = self.images().await.len();
        ecs + bms + images + self.keypairs().await
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn listing(rt: &tokio::runtime::Runtime, sb: &Sandbox, label: &str) {
    let client = rt.block_on(support::client(sb));
    let seq = Sequential {
        sb,
        http: reqwest::Client::builder().no_proxy().build().expect("http"),
    };
    let (mut s, mut c) = (Vec::new(), Vec::new());
    // Alternate the two so both see the same machine load; the first pair warms up.
    for run in 0..=RUNS {
        let t = Instant::now();
        let n = rt.block_on(seq.all());
        let ts = t.elapsed();
        let t = Instant::now();
        let inv = rt.block_on(support::load_concurrent(&client));
        let tc = t.elapsed();
        assert_eq!(n, 18_000, "sequential pager lists everything");
        assert_eq!(inv.len(), 18_000, "client lists everything");
        if run > 0 {
            s.push(ts);
            c.push(tc);
        }
    }
    let (s, c) = (median(s), median(c));
    println!(
        "listing/{label}/sequential_pager   median of {RUNS}: {}",
        ms(s)
    );
    println!(
        "listing/{label}/client_concurrent  median of {RUNS}: {}",
        ms(c)
    );
    println!(
        "listing/{label}/speedup            {:.2}x",
        s.as_secs_f64() / c.as_secs_f64()
    );
    let counters = sb.counters();
    println!("sandbox in_flight_max      {}", counters.in_flight_max);
}

// ---------------------------------------------------------------- the program in a pty

/// Bytes the program writes per `j`/`k` (three down, one up, 40 times) from the last row of
/// the page: most steps scroll the table, the others move inside the page.
fn steps(size: &str, rows: u16, t: &mut Term) {
    let before = t.bytes();
    t.send(&"j".repeat(usize::from(rows)));
    let sent = Instant::now();
    while t.bytes() == before && sent.elapsed() < Duration::from_secs(2) {
        std::thread::sleep(Duration::from_millis(1));
    }
    t.settle(Duration::from_millis(300));
    let mut steps = Vec::new();
    for i in 0..40 {
        let before = t.bytes();
        t.send(if i % 4 == 3 { "k" } else { "j" });
        let sent = Instant::now();
        while t.bytes() == before && sent.elapsed() < Duration::from_secs(2) {
            std::thread::sleep(Duration::from_millis(1));
        }
        t.settle(Duration::from_millis(150));
        steps.push(t.bytes() - before);
    }
    let max = steps.iter().max().copied().unwrap_or(0);
    let mean = steps.iter().sum::<usize>() as f64 / steps.len() as f64;
    let mut sorted = steps.clone();
    sorted.sort_unstable();
    println!(
        "pty/bytes_per_step ({size:<7})  median {} B, mean {mean:.0} B, max {max} B over {} steps",
        sorted[sorted.len() / 2],
        steps.len()
    );
    println!("pty/bytes_each_step ({size:<7}) {steps:?}");
    if max == 0 {
        println!("nothing drawn; screen:\n{}", t.screen());
    }
}

fn status_kb(pid: u32, field: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    text.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .expect("field in /proc status")
}

fn program(sb: &Sandbox) {
    let home = tempfile::tempdir().expect("temp dir");
    // First frame of the built-in sandbox (no credentials), before any listing returns.
    let mut firsts = Vec::new();
    for _ in 0..RUNS {
        let (mut t, started) = Term::spawn((80, 24), &[], &[], home.path());
        let first = t.wait_for("Servers", Duration::from_secs(10)) - started;
        firsts.push(first);
        t.send("\x03");
        let _ = t.child.kill();
        let _ = t.child.wait();
    }
    println!(
        "pty/first_frame (built-in sandbox)  median of {RUNS}: {}",
        ms(median(firsts))
    );

    // The scale sandbox, through the real credential chain.
    let env = [
        ("HUAWEICLOUD_SDK_AK", sb.ak.as_str()),
        ("HUAWEICLOUD_SDK_SK", sb.sk.as_str()),
        ("HUAWEICLOUD_SDK_PROJECT_ID", sb.project_id.as_str()),
        ("HUAWEICLOUD_SDK_REGION", sb.region.as_str()),
    ];
    let endpoint = sb.url.clone();
    let (mut t, started) = Term::spawn((80, 24), &["--endpoint", &endpoint], &env, home.path());
    let first = t.wait_for("Servers", Duration::from_secs(10)) - started;
    let pid = t.child.process_id().expect("pid");
    let rss_first = status_kb(pid, "VmRSS:");
    let loaded = t.wait_for("Servers 11000", Duration::from_secs(60)) - started;
    // Images and key pairs: the spinner stops when every listing is in.
    t.settle(Duration::from_millis(600));
    let rss = status_kb(pid, "VmRSS:");
    let hwm = status_kb(pid, "VmHWM:");
    println!("pty/first_frame (scale)      {}", ms(first));
    println!(
        "pty/rss_at_first_frame       {:.1} MB",
        rss_first as f64 / 1024.0
    );
    println!("pty/servers_loaded (scale)   {}", ms(loaded));
    println!(
        "pty/rss_after_load           {:.1} MB (peak {:.1} MB)",
        rss as f64 / 1024.0,
        hwm as f64 / 1024.0
    );

    steps("80x24", 24, &mut t);
    let before = t.bytes();
    std::thread::sleep(Duration::from_secs(3));
    let idle = t.bytes() - before;
    println!(
        "pty/idle_bytes               {:.1} B/s over 3 s",
        idle as f64 / 3.0
    );
    if idle > 0 {
        println!("screen at the end:\n{}", t.screen());
    }
    t.send("\x03");
    let _ = t.child.kill();
    let _ = t.child.wait();

    // The same steps on a wide screen, where a scrolled row is longer.
    let (mut t, _) = Term::spawn((200, 60), &["--endpoint", &endpoint], &env, home.path());
    t.wait_for("Servers 11000", Duration::from_secs(60));
    t.settle(Duration::from_millis(600));
    steps("200x60", 60, &mut t);
    t.send("\x03");
    let _ = t.child.kill();
    let _ = t.child.wait();
}

// ---------------------------------------------------------------- start-up

fn help_startup() {
    let mut runs = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_reimage"))
            .arg("--help")
            .output()
            .expect("run reimage --help");
        runs.push(t.elapsed());
        assert!(out.status.success() && !out.stdout.is_empty());
    }
    let max = runs.iter().max().copied().unwrap_or_default();
    println!(
        "startup/help                 median of 30: {} (max {})",
        ms(median(runs)),
        ms(max)
    );
}
