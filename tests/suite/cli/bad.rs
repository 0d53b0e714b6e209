//! Bad flags and bad user-data files given to the real binary: each ends with a clear
//! message on stderr (and a failure exit where nothing could be done), never a panic.

use std::path::Path;
use std::process::{Command, Output};

fn reimage(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_reimage"))
        .env_clear()
        .env("HOME", home)
        .env("REIMAGE_HOME", home.join("rh"))
        .env("REIMAGE_METADATA_URL", "off")
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .args(args)
        .output()
        .expect("runs")
}

/// `args`, whether it must fail, and what stderr must say.
type Row = (&'static str, Vec<String>, bool, Vec<&'static str>);

fn strings(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

fn flag_rows() -> Vec<Row> {
    vec![
        (
            "unknown flag",
            strings(&["--frobnicate"]),
            true,
            vec!["unexpected argument '--frobnicate'"],
        ),
        (
            "flag without its value",
            strings(&["list", "servers", "--profile"]),
            true,
            vec!["a value is required", "--profile"],
        ),
        (
            "read-only and write",
            strings(&["--read-only", "--write", "list", "servers"]),
            true,
            vec!["cannot be used with"],
        ),
        (
            "unknown list target",
            strings(&["list", "nothing"]),
            true,
            vec!["invalid value 'nothing'", "servers"],
        ),
        (
            "unknown output format",
            strings(&["list", "servers", "--format", "xml"]),
            true,
            vec!["invalid value 'xml'", "json"],
        ),
        (
            "endpoint for an unknown service",
            strings(&["--endpoint", "foo=https://x", "list", "servers"]),
            true,
            vec!["unknown service 'foo'"],
        ),
        (
            "endpoint URL broken",
            strings(&["--endpoint", "http://[::1", "list", "servers"]),
            true,
            vec!["bad endpoint URL"],
        ),
        (
            "unknown profile",
            strings(&["--profile", "ghost", "list", "servers"]),
            true,
            vec!["no profile named 'ghost'"],
        ),
        (
            "plan without a server",
            strings(&["plan", "--reinstall"]),
            true,
            vec!["--server"],
        ),
        (
            "plan with an unknown route",
            strings(&["plan", "--server", "web-01", "--reinstall", "--route", "v3"]),
            true,
            vec!["invalid value 'v3'"],
        ),
        (
            "plan of a server that does not exist",
            strings(&[
                "--sandbox",
                "plan",
                "--server",
                "no-such-server",
                "--reinstall",
                "--keypair",
                "kp-admin",
            ]),
            true,
            vec!["no-such-server"],
        ),
        (
            "sandbox listen address",
            strings(&["sandbox", "--listen", "not-an-address"]),
            true,
            vec!["invalid value 'not-an-address'"],
        ),
        (
            "sandbox fault share above 1",
            strings(&["sandbox", "--fault-500", "1.5"]),
            true,
            vec!["between 0.0 and 1.0"],
        ),
        (
            "sandbox negative job time",
            strings(&["sandbox", "--job-seconds=-1"]),
            true,
            vec!["job_seconds must be a non-negative number"],
        ),
        (
            "sandbox unknown fault switch",
            strings(&["sandbox", "--fault", "bogus=1"]),
            true,
            vec!["bogus"],
        ),
        (
            "bad log level is said, not ignored",
            strings(&["--log-level", "a=b=c", "--sandbox", "list", "keypairs"]),
            false,
            vec!["bad --log-level"],
        ),
        (
            "sandbox bad scale",
            strings(&["sandbox", "--scale", "huge"]),
            true,
            vec!["huge"],
        ),
    ]
}

fn user_data_rows(dir: &Path) -> Vec<Row> {
    let write = |name: &str, bytes: &[u8]| -> String {
        let p = dir.join(name);
        std::fs::write(&p, bytes).expect("write");
        p.display().to_string()
    };
    let plan = |file: String| -> Vec<String> {
        strings(&[
            "--sandbox",
            "plan",
            "--server",
            "web-01",
            "--reinstall",
            "--stop",
            "--keypair",
            "kp-admin",
            "--user-data",
        ])
        .into_iter()
        .chain([file])
        .collect()
    };
    let big = "#!/bin/sh\n".to_string() + &"echo 0123456789abcdef\n".repeat(2000);
    let mut binary: Vec<u8> = (0u8..=255).collect();
    binary.extend_from_slice(&[0; 64]);
    vec![
        (
            "user data: missing file",
            plan(dir.join("missing.sh").display().to_string()),
            true,
            vec!["cannot read the user data file", "missing.sh"],
        ),
        (
            "user data: a directory",
            plan(dir.display().to_string()),
            true,
            vec!["cannot read the user data file"],
        ),
        (
            "user data: empty",
            plan(write("empty.sh", b"")),
            true,
            vec!["user data is empty"],
        ),
        (
            "user data: too big",
            plan(write("big.sh", big.as_bytes())),
            true,
            vec!["at most 32768 bytes"],
        ),
        (
            "user data: base64 of too big",
            plan(write("big.b64", base64_of(big.as_bytes()).as_bytes())),
            true,
            vec!["at most 32768 bytes"],
        ),
        (
            "user data: a device that never ends",
            plan("/dev/zero".into()),
            true,
            vec!["not a regular file"],
        ),
        (
            "user data: a 1 MiB file is refused unread",
            plan(write("huge.sh", &vec![b'#'; 1 << 20])),
            true,
            vec!["larger than 48 KiB", "at most 32 KB"],
        ),
        (
            "user data: binary",
            plan(write("blob.bin", &binary)),
            false,
            vec!["User data has no #cloud-config or #! first line"],
        ),
        (
            "user data: not UTF-8",
            plan(write("latin1.sh", b"#!/bin/sh\necho caf\xe9\n")),
            false,
            vec!["user_data\": \"<"],
        ),
    ]
}

fn base64_of(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn check(rows: Vec<Row>, home: &Path) -> usize {
    let n = rows.len();
    for (name, args, fails, says) in rows {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = reimage(home, &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
            "{name}: panicked: {stderr}"
        );
        assert_eq!(!out.status.success(), fails, "{name}: {stderr}{stdout}");
        let all = format!("{stderr}{stdout}");
        for s in says {
            assert!(all.contains(s), "{name}: {all:?} lacks {s:?}");
        }
    }
    n
}

#[test]
fn bad_flags_are_refused_clearly() {
    let home = tempfile::tempdir().expect("tmp");
    assert_eq!(check(flag_rows(), home.path()), 17);
}

#[test]
fn bad_user_data_files_are_refused_or_warned_about() {
    let home = tempfile::tempdir().expect("tmp");
    let dir = tempfile::tempdir().expect("tmp");
    assert_eq!(check(user_data_rows(dir.path()), home.path()), 9);
}

/// TLS and region flags only matter with real credentials: given here, against a closed
/// loopback port, each is refused before anything is sent.
#[test]
fn bad_tls_and_region_flags_are_refused_clearly() {
    let home = tempfile::tempdir().expect("tmp");
    let pem = home.path().join("bad.pem");
    std::fs::write(&pem, "not a certificate\n").expect("write");
    let pem = pem.display().to_string();
    let rows: [(&str, Vec<&str>, &str); 5] = [
        (
            "CA file missing",
            vec!["--ca-file", "/nonexistent/ca.pem"],
            "cannot read the CA file /nonexistent/ca.pem: it does not exist",
        ),
        (
            "CA file without a certificate",
            vec!["--ca-file", &pem],
            "holds no PEM certificate",
        ),
        (
            "region with a slash",
            vec!["--region", "x/evil.example.com#"],
            "is not a region id",
        ),
        (
            "region with a space",
            vec!["--region", "ap southeast"],
            "is not a region id",
        ),
        ("region empty", vec!["--region", ""], "is not a region id"),
    ];
    for (name, flags, says) in rows {
        let mut args = flags.clone();
        if !flags.contains(&"--region") {
            args.extend(["--region", "ap-southeast-3"]);
        }
        args.extend(["--endpoint", "http://127.0.0.1:1", "list", "servers"]);
        let out = Command::new(env!("CARGO_BIN_EXE_reimage"))
            .env_clear()
            .env("HOME", home.path())
            .env("REIMAGE_HOME", home.path().join("rh"))
            .env("REIMAGE_METADATA_URL", "off")
            .env("HUAWEICLOUD_SDK_AK", "HPUATEST000000000001")
            .env("HUAWEICLOUD_SDK_SK", "s3cr3t")
            .args(&args)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{name}: {stderr}");
        assert!(stderr.contains(says), "{name}: {stderr:?} lacks {says:?}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    }
}
