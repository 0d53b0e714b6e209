//! Run the real binary with a kill deadline: a hang (a FIFO read, a blocked open) fails the
//! test after `DEADLINE` instead of stalling the suite. The deadline is a safeguard, not a
//! timing assertion: everything here ends in well under a second when it works.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const DEADLINE: Duration = Duration::from_secs(20);

#[derive(Debug)]
pub struct Ran {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }
}

/// `reimage ARGS` with only these variables (plus PATH), killed after [`DEADLINE`].
pub fn reimage(args: &[&str], vars: &[(&str, &Path)], stdin: &str) -> Ran {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_reimage"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("REIMAGE_METADATA_URL", "off")
        .args(args);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    run(cmd, stdin)
}

/// `reimage --write ARGS` signed in to the sandbox `sb` with environment credentials, its
/// state under `home`, nothing else of the machine.
pub fn on_sandbox(home: &Path, sb: &reimage::sandbox::Sandbox, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_reimage"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .args(["--endpoint", &sb.url, "--region", &sb.region, "--write"])
        .args(args)
        .env("HOME", home)
        .env("REIMAGE_HOME", home)
        .env("HUAWEICLOUD_SDK_AK", &sb.ak)
        .env("HUAWEICLOUD_SDK_SK", &sb.sk)
        .env("HUAWEICLOUD_SDK_PROJECT_ID", &sb.project_id)
        .env("REIMAGE_METADATA_URL", "off");
    cmd
}

/// [`on_sandbox`] run to its end off the async runtime, fed `stdin`.
pub async fn run_on_sandbox(
    home: &Path,
    sb: &reimage::sandbox::Sandbox,
    args: &[&str],
    stdin: &str,
) -> Ran {
    let cmd = on_sandbox(home, sb, args);
    let stdin = stdin.to_string();
    tokio::task::spawn_blocking(move || run(cmd, &stdin))
        .await
        .expect("joined")
}

/// Run `cmd` to its end, feeding `stdin`; panic (after killing it) past [`DEADLINE`].
pub fn run(mut cmd: Command, stdin: &str) -> Ran {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("reimage starts");
    let mut input = child.stdin.take().expect("stdin");
    let stdin = stdin.to_string();
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(stdin.as_bytes());
    });
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = r.read_to_end(&mut s);
            String::from_utf8_lossy(&s).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("stdout")));
    let err = drain(Box::new(child.stderr.take().expect("stderr")));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            let stderr = err.join().unwrap_or_default();
            panic!("reimage did not end within {DEADLINE:?} (a hang); stderr:\n{stderr}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = feeder.join();
    Ran {
        code: status.code(),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}
