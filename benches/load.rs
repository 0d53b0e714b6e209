//! Loading a large inventory from a cloud a region away: every request waits
//! `LOAD_LATENCY_MS` (default 100) in the sandbox before it is answered. The real binary in a
//! pseudo-terminal (200x60): time to the first server rows, time until every pane is loaded,
//! the program's CPU seconds and resident memory; the sandbox's CPU seconds meanwhile; then
//! `reimage list` of each kind in turn against `reimage list all`. `LOAD_SERVERS` (default
//! 10,000 ECS; 1,000 BMS, 5,000 images and 2,000 key pairs beside them) sets the scale,
//! `LOAD_RUNS` (default 3) the runs per figure (the median is shown). `LOAD_PARTS=tui,list,sdk`
//! picks the parts; `sdk` pages everything with the official Python SDKs
//! (`benches/sdk_list.py`, needs `pip install huaweicloudsdkecs huaweicloudsdkbms
//! huaweicloudsdkims huaweicloudsdkkps`).
//! `cargo bench --bench load`; see docs/performance.md.

mod support;

use reimage::sandbox::{FaultSpec, Faults, InventorySpec, Sandbox, SandboxConfig};
use std::time::{Duration, Instant};
use support::pty::Term;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// CPU seconds (user + system) of this process: the in-process sandbox, mostly.
fn own_cpu() -> f64 {
    rusage_seconds(libc::RUSAGE_SELF)
}

/// CPU seconds of the children waited for so far.
fn children_cpu() -> f64 {
    rusage_seconds(libc::RUSAGE_CHILDREN)
}

fn rusage_seconds(who: libc::c_int) -> f64 {
    // SAFETY: getrusage writes one plain struct we own.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(who, &mut u) };
    let s = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    s(u.ru_utime) + s(u.ru_stime)
}

/// CPU seconds a running process has used so far (`/proc/PID/stat`, clock ticks).
fn process_cpu(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("proc stat");
    // Fields after the command name (which may hold spaces) start at `state`.
    let after = &stat[stat.rfind(')').expect("comm") + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 =
        fields[11].parse::<f64>().expect("utime") + fields[12].parse::<f64>().expect("stime");
    // SAFETY: sysconf has no preconditions.
    ticks / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64
}

fn status_kb(pid: u32, field: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    text.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .expect("field in /proc status")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// The count a tab shows (`Servers (11000)`, `(3000+)` while loading) and whether it is
/// still loading.
fn tab_count(screen: &str, title: &str) -> Option<(u64, bool)> {
    let at = screen.find(&format!("{title} ("))? + title.len() + 2;
    let rest = &screen[at..];
    let end = rest.find(')')?;
    let inner = &rest[..end];
    let loading = inner.ends_with('+');
    Some((inner.trim_end_matches('+').parse().ok()?, loading))
}

struct Load {
    first_rows: f64,
    all_loaded: f64,
    client_cpu: f64,
    sandbox_cpu: f64,
    rss_mb: f64,
    peak_mb: f64,
}

/// One start of the program until every pane shows its full count.
fn tui_load(sb: &Sandbox, want: [(&str, u64); 3]) -> Load {
    let home = tempfile::tempdir().expect("temp dir");
    let env = [
        ("HUAWEICLOUD_SDK_AK", sb.ak.as_str()),
        ("HUAWEICLOUD_SDK_SK", sb.sk.as_str()),
        ("HUAWEICLOUD_SDK_PROJECT_ID", sb.project_id.as_str()),
        ("HUAWEICLOUD_SDK_REGION", sb.region.as_str()),
    ];
    let cpu_before = own_cpu();
    let (mut t, started) = Term::spawn((200, 60), &["--endpoint", &sb.url], &env, home.path());
    let pid = t.child.process_id().expect("pid");
    let deadline = Duration::from_secs(300);
    let mut first_rows = None;
    let all_loaded = loop {
        let screen = t.screen();
        let now = Instant::now();
        if first_rows.is_none() && tab_count(&screen, "Servers").is_some_and(|(n, _)| n > 0) {
            first_rows = Some(now);
        }
        let done = want
            .iter()
            .all(|(title, n)| tab_count(&screen, title) == Some((*n, false)));
        if done {
            break now;
        }
        assert!(started.elapsed() < deadline, "not loaded:\n{screen}");
        std::thread::sleep(Duration::from_micros(500));
    };
    let sandbox_cpu = own_cpu() - cpu_before;
    let client_cpu = process_cpu(pid);
    t.settle(Duration::from_millis(300));
    let load = Load {
        first_rows: (first_rows.unwrap_or(all_loaded) - started).as_secs_f64(),
        all_loaded: (all_loaded - started).as_secs_f64(),
        client_cpu,
        sandbox_cpu,
        rss_mb: status_kb(pid, "VmRSS:") as f64 / 1024.0,
        peak_mb: status_kb(pid, "VmHWM:") as f64 / 1024.0,
    };
    t.send("\x03");
    let _ = t.child.kill();
    let _ = t.child.wait();
    load
}

/// `reimage list ARGS` to /dev/null: wall seconds and the child's CPU seconds; `None` when
/// the program refuses the arguments (an older build without `list all`).
fn list(sb: &Sandbox, home: &std::path::Path, args: &[&str]) -> Option<(f64, f64)> {
    let cpu = children_cpu();
    let t = Instant::now();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_reimage"))
        .env("REIMAGE_HOME", home)
        .env("REIMAGE_METADATA_URL", "off")
        .env("HUAWEICLOUD_SDK_AK", &sb.ak)
        .env("HUAWEICLOUD_SDK_SK", &sb.sk)
        .env("HUAWEICLOUD_SDK_PROJECT_ID", &sb.project_id)
        .env("HUAWEICLOUD_SDK_REGION", &sb.region)
        .args(["--endpoint", &sb.url, "list"])
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run reimage list");
    status
        .success()
        .then(|| (t.elapsed().as_secs_f64(), children_cpu() - cpu))
}

fn main() {
    let latency = env_or("LOAD_LATENCY_MS", 100);
    let servers = env_or("LOAD_SERVERS", 10_000) as usize;
    let runs = env_or("LOAD_RUNS", 3).max(1) as usize;
    let parts = std::env::var("LOAD_PARTS").unwrap_or_else(|_| "tui,list,sdk".into());
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let t = Instant::now();
    let sb = rt.block_on(async {
        reimage::sandbox::start(SandboxConfig {
            inventory: InventorySpec::Generated {
                servers,
                bms: 1_000,
                images: 5_000,
                keypairs: 2_000,
                seed: 1,
            },
            ..SandboxConfig::default()
        })
        .await
        .expect("sandbox starts")
    });
    println!(
        "sandbox with {servers} ECS + 1,000 BMS + 5,000 images + 2,000 key pairs ({:.1} s), \
         {latency} ms per request, {runs} runs each",
        t.elapsed().as_secs_f64()
    );
    sb.set_faults(Faults {
        global: FaultSpec {
            latency_ms: latency,
            ..FaultSpec::default()
        },
        ..Faults::default()
    });
    let want = [
        ("Servers", servers as u64 + 1_000),
        ("Images", 5_000),
        ("Key pairs", 2_000),
    ];
    if parts.contains("tui") {
        // The first run also fills the sandbox's caches; it is not counted.
        let warm = tui_load(&sb, want);
        println!(
            "load/warm-up run: all panes {:.2} s, sandbox CPU {:.2} s",
            warm.all_loaded, warm.sandbox_cpu
        );
        let loads: Vec<Load> = (0..runs).map(|_| tui_load(&sb, want)).collect();
        let m = |f: fn(&Load) -> f64| median(loads.iter().map(f).collect());
        println!(
            "load/tui/first_rows      median {:.3} s",
            m(|l| l.first_rows)
        );
        println!(
            "load/tui/all_panes       median {:.3} s",
            m(|l| l.all_loaded)
        );
        println!(
            "load/tui/client_cpu      median {:.3} s",
            m(|l| l.client_cpu)
        );
        println!(
            "load/tui/sandbox_cpu     median {:.3} s",
            m(|l| l.sandbox_cpu)
        );
        println!(
            "load/tui/rss_after_load  median {:.1} MB (peak {:.1} MB)",
            m(|l| l.rss_mb),
            m(|l| l.peak_mb)
        );
    }
    if parts.contains("list") {
        let home = tempfile::tempdir().expect("temp dir");
        let kinds = ["servers", "bms", "images", "keypairs"];
        let (mut turn, mut all, mut turn_cpu, mut all_cpu) = (vec![], vec![], vec![], vec![]);
        for _ in 0..runs {
            let (mut wall, mut cpu) = (0.0, 0.0);
            for kind in kinds {
                let (w, c) = list(&sb, home.path(), &[kind]).expect("list of one kind");
                wall += w;
                cpu += c;
            }
            turn.push(wall);
            turn_cpu.push(cpu);
            if let Some((w, c)) = list(&sb, home.path(), &["all"]) {
                all.push(w);
                all_cpu.push(c);
            }
        }
        println!(
            "load/list/each_kind_in_turn  median {:.3} s (client CPU {:.3} s)",
            median(turn),
            median(turn_cpu)
        );
        if all.is_empty() {
            println!("load/list/all                not supported by this build");
        } else {
            println!(
                "load/list/all                median {:.3} s (client CPU {:.3} s)",
                median(all),
                median(all_cpu)
            );
        }
    }
    if parts.contains("sdk") {
        sdk(&sb, runs);
    }
    rt.block_on(async { sb.shutdown() });
}

/// The official Python SDKs paging everything, one request at a time.
fn sdk(sb: &Sandbox, runs: usize) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/sdk_list.py");
    let (mut walls, mut cpus) = (vec![], vec![]);
    for _ in 0..runs {
        let cpu = children_cpu();
        let t = Instant::now();
        let out = std::process::Command::new("python3")
            .args([script, &sb.url, &sb.ak, &sb.sk, &sb.project_id])
            .output();
        let out = match out {
            Ok(out) if out.status.success() => out,
            Ok(out) => {
                println!(
                    "load/sdk: skipped ({})",
                    String::from_utf8_lossy(&out.stderr)
                        .lines()
                        .last()
                        .unwrap_or("")
                );
                return;
            }
            Err(e) => {
                println!("load/sdk: skipped (python3: {e})");
                return;
            }
        };
        walls.push(t.elapsed().as_secs_f64());
        cpus.push(children_cpu() - cpu);
        print!("load/sdk counts {}", String::from_utf8_lossy(&out.stdout));
    }
    println!(
        "load/sdk/everything_paged    median {:.3} s (client CPU {:.3} s)",
        median(walls),
        median(cpus)
    );
}
