//! `plan` and `apply` with an admin password and user data, logging at trace level: neither
//! secret (nor the user data's base64 form) reaches stdout, stderr or any file written.

use base64::Engine;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const PASSWORD: &str = "Zq7!vW3xK9pL2@";
const USER_DATA: &str = "#!/bin/sh\necho userdata-secret-8f2kQ\n";

fn reimage(home: &Path, args: &[&str], stdin: &str) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_reimage"))
        .env_clear()
        .env("HOME", home)
        .env("REIMAGE_HOME", home.join("rh"))
        .env("REIMAGE_METADATA_URL", "off")
        .env("RUST_BACKTRACE", "full")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("stdin written");
    let out = child.wait_with_output().expect("ends");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), all)
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn password_and_user_data_stay_out_of_output_and_files() {
    let home = tempfile::tempdir().expect("tmp");
    let ud = home.path().join("init.sh");
    std::fs::write(&ud, USER_DATA).expect("write");
    let ud = ud.display().to_string();
    let common = [
        "--sandbox",
        "--log-level",
        "trace",
        // Windows: a Linux server takes a password or user data, not both (page 000).
        "--server",
        "win-rds-01",
        "--reinstall",
        "--password-stdin",
        "--stop",
        "--user-data",
        &ud,
    ];
    let plan: Vec<&str> = ["plan"].into_iter().chain(common).collect();
    let (ok, plan_out) = reimage(home.path(), &plan, &format!("{PASSWORD}\n"));
    assert!(ok, "{plan_out}");
    assert!(plan_out.contains("POST"), "the plan is printed: {plan_out}");
    let apply: Vec<&str> = ["apply"]
        .into_iter()
        .chain(common)
        .chain(["--yes", "--wait"])
        .collect();
    let (ok, apply_out) = reimage(home.path(), &apply, &format!("{PASSWORD}\n"));
    assert!(ok, "{apply_out}");
    assert!(apply_out.contains("SUCCESS"), "{apply_out}");
    assert!(
        apply_out.contains("TRACE") || apply_out.contains("DEBUG"),
        "verbose"
    );

    // The hashed password (BMS Linux): only its masked script is shown.
    let hashed = [
        "--sandbox",
        "--log-level",
        "trace",
        "apply",
        "--server",
        "bms-db-01",
        "--reinstall",
        "--password-stdin",
        "--hash-password",
        "--yes",
        "--wait",
    ];
    let (ok, hashed_out) = reimage(home.path(), &hashed, &format!("{PASSWORD}\n"));
    assert!(ok && hashed_out.contains("chpasswd -e"), "{hashed_out}");
    assert!(
        !hashed_out.contains(PASSWORD),
        "apply --hash-password printed the password"
    );
    assert!(
        !hashed_out.contains("$6$rounds"),
        "the hash is masked: {hashed_out}"
    );
    let b64 = base64::engine::general_purpose::STANDARD.encode(USER_DATA);
    let secrets = [PASSWORD, "userdata-secret-8f2kQ", b64.as_str()];
    for s in secrets {
        assert!(!plan_out.contains(s), "plan printed {s:?}");
        assert!(!apply_out.contains(s), "apply printed {s:?}");
    }
    let mut written = Vec::new();
    files(&home.path().join("rh"), &mut written);
    for path in written {
        let text = String::from_utf8_lossy(&std::fs::read(&path).expect("read")).into_owned();
        for s in secrets {
            assert!(!text.contains(s), "{s:?} is in {}", path.display());
        }
    }
}
