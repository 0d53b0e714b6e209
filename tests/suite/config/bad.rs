//! Bad configuration and credentials, one table row each: every one is refused with an
//! error naming what is wrong and how to fix it (or, for the soft ones, a notice), and
//! none panics. Resolved through the library against temp HOMEs (no process environment
//! is read); the metadata service "down" is a closed loopback port.

use reimage::cli::{Face, connect_with};
use reimage::config::{CredentialSource, Env, GlobalArgs, resolve};
use std::os::unix::fs::PermissionsExt;

struct Case {
    name: &'static str,
    /// Files relative to HOME (`rh/` is `REIMAGE_HOME`, so `rh/config.toml` is the config).
    files: Vec<(&'static str, Vec<u8>)>,
    env: Vec<(&'static str, String)>,
    profile: Option<&'static str>,
    region: Option<&'static str>,
    endpoint: Vec<&'static str>,
    /// Every piece the error must contain.
    says: Vec<&'static str>,
}

fn case(name: &'static str, says: &[&'static str]) -> Case {
    Case {
        name,
        files: Vec::new(),
        env: Vec::new(),
        profile: None,
        region: Some("ap-southeast-3"),
        endpoint: Vec::new(),
        says: says.to_vec(),
    }
}

impl Case {
    fn config(mut self, text: &str) -> Self {
        self.files
            .push(("rh/config.toml", text.as_bytes().to_vec()));
        self
    }
    fn file(mut self, path: &'static str, bytes: &[u8]) -> Self {
        self.files.push((path, bytes.to_vec()));
        self
    }
    fn env(mut self, k: &'static str, v: &str) -> Self {
        self.env.push((k, v.to_string()));
        self
    }
    fn profile(mut self, p: &'static str) -> Self {
        self.profile = Some(p);
        self
    }
    fn no_region(mut self) -> Self {
        self.region = None;
        self
    }
}

const AK: &str = "HPUATEST000000000001";

fn config_cases() -> Vec<Case> {
    vec![
        case("config: two equals signs", &["config.toml", "line 2"]).config("a = 1\nb = = 2\n"),
        case("config: unterminated string", &["config.toml", "line 1"])
            .config("default_profile = \"prod\n"),
        case("config: unterminated table header", &["config.toml", "line 1"])
            .config("[profiles.prod\nregion = \"x\"\n"),
        case("config: unknown top-level key", &["colour", "line 1"]).config("colour = \"red\"\n"),
        case("config: unknown profile key", &["regoin", "line 3"])
            .config("[profiles.a]\nregion = \"x\"\nregoin = \"y\"\n"),
        case("config: default_profile is a number", &["line 1", "string"])
            .config("default_profile = 3\n"),
        case("config: read_only is text", &["line 2", "bool"])
            .config("[profiles.a]\nread_only = \"yes\"\n"),
        case("config: negative timeout", &["line 2", "timeout_secs"])
            .config("[profiles.a]\ntimeout_secs = -5\n"),
        case("config: timeout is text", &["line 2", "expected u64"])
            .config("[profiles.a]\ntimeout_secs = \"60\"\n"),
        case("config: timeout is a float", &["line 2", "expected u64"])
            .config("[profiles.a]\nconnect_timeout_secs = 1.5\n"),
        case("config: endpoints is text", &["line 2", "map"])
            .config("[profiles.a]\nendpoints = \"https://x\"\n"),
        case("config: profiles is a number", &["line 1", "map"]).config("profiles = 5\n"),
        case("config: profiles is an array of tables", &["line 1"])
            .config("[[profiles]]\nregion = \"x\"\n"),
        case("config: duplicate key", &["line 3", "duplicate"])
            .config("[profiles.a]\nregion = \"a\"\nregion = \"b\"\n"),
        case("config: duplicate profile table", &["line 3", "duplicate"])
            .config("[profiles.a]\n\n[profiles.a]\n"),
        case("config: ca_file is a number", &["line 2", "path"])
            .config("[profiles.a]\nca_file = 5\n"),
        case("config: metadata_url is a bool", &["line 2", "string"])
            .config("[profiles.a]\nmetadata_url = true\n"),
        case("config: NUL bytes", &["config.toml"]).file("rh/config.toml", b"\0\0\0"),
        case("config: not UTF-8", &["cannot read", "config.toml"])
            .file("rh/config.toml", b"region = \"caf\xe9\"\n"),
        case("config: default profile missing", &["no profile named 'nope'", "known: a"])
            .config("default_profile = \"nope\"\n[profiles.a]\n"),
        case("config: --profile unknown", &["no profile named 'ghost'", "known: none"])
            .profile("ghost"),
        case("config: endpoint service unknown", &["unknown service 'foo'", "ecs, bms"])
            .config("default_profile = \"a\"\n[profiles.a]\nendpoints = { foo = \"https://x\" }\n"),
        case("config: endpoint URL broken", &["bad endpoint URL"])
            .config("default_profile = \"a\"\n[profiles.a]\nendpoint = \"http://[::1\"\n"),
        case("config: access key without secret", &["profile 'a'", "not secret_key"])
            .config("default_profile = \"a\"\n[profiles.a]\naccess_key = \"HPUA0001\"\n"),
        case("config: secret without access key", &["profile 'a'", "not access_key"])
            .config("default_profile = \"a\"\n[profiles.a]\nsecret_key = \"s\"\n"),
        case("config: keys but no region", &["no region", "--region"])
            .config("default_profile = \"a\"\n[profiles.a]\naccess_key = \"HPUA0001\"\nsecret_key = \"s\"\n")
            .no_region(),
    ]
}

fn credential_cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (ak, sk) in [
        ("HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK"),
        ("HW_ACCESS_KEY", "HW_SECRET_KEY"),
        ("OS_ACCESS_KEY", "OS_SECRET_KEY"),
    ] {
        let only_ak: &'static str = Box::leak(format!("credentials: only {ak}").into_boxed_str());
        let only_sk: &'static str = Box::leak(format!("credentials: only {sk}").into_boxed_str());
        out.push(case(only_ak, &[ak, sk, "set both"]).env(ak, AK));
        out.push(case(only_sk, &[ak, sk, "set both"]).env(sk, "s3cr3t"));
    }
    out.extend([
        case("credentials: blank access key is no access key", &["HUAWEICLOUD_SDK_AK is set but empty", "unset it"])
            .env("HUAWEICLOUD_SDK_AK", "   ")
            .env("HUAWEICLOUD_SDK_SK", "s3cr3t"),
        case("credentials: profile access key empty", &["access key", "profile 'a'", "is empty"])
            .config("default_profile = \"a\"\n[profiles.a]\nregion = \"r\"\naccess_key = \"\"\nsecret_key = \"s3cr3t\"\n"),
        case("credentials: secret with a line break", &["secret key", "line break"])
            .env("HUAWEICLOUD_SDK_AK", AK)
            .env("HUAWEICLOUD_SDK_SK", "s3c\nr3t"),
        case("credentials: access key in quotes", &["access key", "quote"])
            .env("HUAWEICLOUD_SDK_AK", "\"HPUA0001\"")
            .env("HUAWEICLOUD_SDK_SK", "s3cr3t"),
        case("credentials: token with a control character", &["security token", "control"])
            .env("HUAWEICLOUD_SDK_AK", AK)
            .env("HUAWEICLOUD_SDK_SK", "s3cr3t")
            .env("HUAWEICLOUD_SDK_SECURITY_TOKEN", "tok\x1b[2J"),
        case("credentials: profile secret with a space", &["secret key", "profile 'a'"])
            .config("default_profile = \"a\"\n[profiles.a]\nregion = \"r\"\naccess_key = \"HPUA0001\"\nsecret_key = \"two words\"\n"),
        case("credentials file: only ak", &["only one of ak and sk", "set both"])
            .file(".huaweicloud/credentials", b"[basic]\nak = HPUA0001\n"),
        case("credentials file: only sk", &["only one of ak and sk"])
            .file(".huaweicloud/credentials", b"[basic]\nsk = s3cr3t\n"),
        case("credentials file: no [basic] section", &["no [basic] section", "found: default"])
            .file(".huaweicloud/credentials", b"[default]\nak = HPUA0001\nsk = s\n"),
        case("credentials file: not INI at all", &["no [basic] section", "found: none"])
            .file(".huaweicloud/credentials", b"ak HPUA0001 sk s3cr3t\n"),
        case("credentials file: not UTF-8", &["cannot read", "credentials"])
            .file(".huaweicloud/credentials", b"[basic]\nak = \xff\xfe\n"),
        case("credentials file: named file missing", &["HUAWEICLOUD_SDK_CREDENTIALS_FILE", "unset"])
            .env("HUAWEICLOUD_SDK_CREDENTIALS_FILE", "/nonexistent/reimage-creds"),
        case("credentials file: empty values", &["only one of ak and sk"])
            .file(".huaweicloud/credentials", b"[basic]\nak =\nsk = s\n"),
        case("KooCLI: config.json is not JSON", &["config.json"])
            .file(".hcloud/config.json", b"{\"current\": "),
    ]);
    out
}

fn run(c: &Case) -> Result<String, String> {
    let home = tempfile::tempdir().expect("tmp");
    for (path, bytes) in &c.files {
        let p = home.path().join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, bytes).expect("write");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    let mut vars: Vec<(String, String)> = vec![
        ("HOME".into(), home.path().display().to_string()),
        (
            "REIMAGE_HOME".into(),
            home.path().join("rh").display().to_string(),
        ),
        ("REIMAGE_METADATA_URL".into(), "off".into()),
    ];
    vars.extend(c.env.iter().map(|(k, v)| (k.to_string(), v.clone())));
    let args = GlobalArgs {
        profile: c.profile.map(str::to_string),
        region: c.region.map(str::to_string),
        endpoint: c.endpoint.iter().map(|s| s.to_string()).collect(),
        ..GlobalArgs::default()
    };
    match resolve(&args, &Env::from_map(vars)) {
        Ok(r) => Ok(format!("{:?}", r.settings.source)),
        Err(e) => Err(e.to_string()),
    }
}

#[test]
fn bad_config_files_are_refused_with_line_and_fix() {
    let cases = config_cases();
    for c in &cases {
        match run(c) {
            Ok(source) => panic!("{}: accepted ({source})", c.name),
            Err(e) => {
                for s in &c.says {
                    assert!(e.contains(s), "{}: {e:?} lacks {s:?}", c.name);
                }
            }
        }
    }
    assert_eq!(cases.len(), 26);
}

#[test]
fn bad_credentials_are_refused_naming_the_source_not_the_secret() {
    let cases = credential_cases();
    for c in &cases {
        match run(c) {
            Ok(source) => panic!("{}: accepted ({source})", c.name),
            Err(e) => {
                for s in &c.says {
                    assert!(e.contains(s), "{}: {e:?} lacks {s:?}", c.name);
                }
                for secret in ["s3cr3t", "two words", "s3c\nr3t", "tok\x1b"] {
                    assert!(!e.contains(secret), "{}: the secret is in {e:?}", c.name);
                }
            }
        }
    }
    assert_eq!(cases.len(), 20);
}

#[test]
fn config_that_cannot_be_read_is_an_error_not_an_empty_config() {
    let home = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(home.path().join("rh/config.toml")).expect("a directory");
    let env = Env::from_map([
        ("HOME", home.path().display().to_string()),
        ("REIMAGE_HOME", home.path().join("rh").display().to_string()),
        ("REIMAGE_METADATA_URL", "off".to_string()),
    ]);
    let e = resolve(&GlobalArgs::default(), &env).expect_err("a directory");
    assert!(e.to_string().contains("cannot read"), "{e}");
}

/// Secret files others can read: a warning naming the file and the chmod that fixes it.
#[test]
fn secret_files_readable_by_others_are_warned_about() {
    for (path, text, source) in [
        (
            ".huaweicloud/credentials",
            "[basic]\nak = HPUA0001\nsk = s\n",
            "file",
        ),
        (
            "rh/config.toml",
            "default_profile = \"a\"\n[profiles.a]\nregion = \"r\"\naccess_key = \"HPUA0001\"\nsecret_key = \"s\"\n",
            "profile",
        ),
    ] {
        for (mode, warned) in [(0o644, true), (0o640, true), (0o600, false), (0o400, false)] {
            let home = tempfile::tempdir().expect("tmp");
            let p = home.path().join(path);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, text).expect("write");
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).expect("chmod");
            let env = Env::from_map([
                ("HOME", home.path().display().to_string()),
                ("REIMAGE_HOME", home.path().join("rh").display().to_string()),
                ("REIMAGE_METADATA_URL", "off".to_string()),
            ]);
            let r = resolve(
                &GlobalArgs {
                    region: Some("r".into()),
                    ..GlobalArgs::default()
                },
                &env,
            )
            .expect("resolves");
            assert!(
                matches!(
                    (&r.settings.source, source),
                    (CredentialSource::CredentialsFile(_), "file")
                        | (CredentialSource::Profile(_), "profile")
                ),
                "{path}: {:?}",
                r.settings.source
            );
            let warning = r
                .notices
                .iter()
                .find(|n| n.contains("readable by other users"));
            assert_eq!(
                warning.is_some(),
                warned,
                "{path} {mode:o}: {:?}",
                r.notices
            );
            if let Some(w) = warning {
                assert!(w.contains("chmod 600") && w.contains(path), "{w}");
            }
        }
    }
}

/// A metadata URL that was set but does not answer: an error naming the setting and the
/// fix, in the TUI as in a script. The sandbox never stands in for a configured source.
#[tokio::test]
async fn a_configured_metadata_service_that_is_down_is_an_error_naming_it() {
    let home = tempfile::tempdir().expect("tmp");
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let env = Env::from_map([
        ("HOME", home.path().display().to_string()),
        ("REIMAGE_HOME", home.path().join("rh").display().to_string()),
        ("REIMAGE_METADATA_URL", format!("http://127.0.0.1:{port}")),
    ]);
    let r = resolve(&GlobalArgs::default(), &env).expect("resolves");
    for face in [Face::Tui, Face::Script] {
        let e = connect_with(&r, face).await.expect_err("no sandbox");
        let msg = e.to_string();
        assert!(
            msg.contains("no ECS metadata service")
                && msg.contains("REIMAGE_METADATA_URL")
                && msg.contains("--sandbox")
                && msg.contains("HUAWEICLOUD_SDK_AK"),
            "{face:?}: {msg}"
        );
    }
}

/// Nothing set at all: the TUI opens the sandbox and says why; a script is told how to
/// set credentials or pass --sandbox, and runs on the sandbox only when it does.
#[tokio::test]
async fn with_nothing_set_only_the_tui_falls_back_to_the_sandbox() {
    let home = tempfile::tempdir().expect("tmp");
    let env = Env::from_map([
        ("HOME", home.path().display().to_string()),
        ("REIMAGE_HOME", home.path().join("rh").display().to_string()),
        ("REIMAGE_METADATA_URL", "off".to_string()),
    ]);
    let r = resolve(&GlobalArgs::default(), &env).expect("resolves");
    let connected = connect_with(&r, Face::Tui).await.expect("sandbox");
    assert!(connected.client.context().is_sandbox);
    assert!(
        connected
            .notices
            .iter()
            .any(|n| n.contains("no credentials found") && n.contains("SANDBOX")),
        "{:?}",
        connected.notices
    );
    if let Some(sb) = connected.sandbox {
        sb.shutdown();
    }
    let e = connect_with(&r, Face::Script).await.expect_err("a script");
    assert!(
        e.to_string().contains("--sandbox") && e.to_string().contains("HUAWEICLOUD_SDK_AK"),
        "{e}"
    );
    let asked = GlobalArgs {
        sandbox: true,
        ..GlobalArgs::default()
    };
    let r = resolve(&asked, &env).expect("resolves");
    let connected = connect_with(&r, Face::Script).await.expect("asked");
    assert!(connected.client.context().is_sandbox);
    if let Some(sb) = connected.sandbox {
        sb.shutdown();
    }
}

/// Temporary keys from the metadata service that expired: the call fails with the
/// gateway's 401 and a hint naming the security token, nothing else breaks.
#[tokio::test]
async fn expired_temporary_keys_fail_with_a_hint() {
    let sb = reimage::sandbox::start(reimage::sandbox::SandboxConfig::default())
        .await
        .expect("sandbox");
    let home = tempfile::tempdir().expect("tmp");
    let env = Env::from_map([
        ("HOME", home.path().display().to_string()),
        ("REIMAGE_HOME", home.path().join("rh").display().to_string()),
        ("REIMAGE_METADATA_URL", sb.url.clone()),
    ]);
    let args = GlobalArgs {
        region: Some(sb.region.clone()),
        endpoint: vec![sb.url.clone()],
        ..GlobalArgs::default()
    };
    let r = resolve(&args, &env).expect("resolves");
    let connected = connect_with(&r, Face::Script)
        .await
        .expect("temporary keys from the metadata service");
    assert!(connected.sandbox.is_none());
    let kind = reimage::cloud::model::ServerKind::Ecs;
    connected
        .client
        .list_servers(kind)
        .await
        .expect("fresh keys work");
    sb.expire_temporary_credentials();
    let e = connected
        .client
        .list_servers(kind)
        .await
        .expect_err("expired keys are refused");
    assert_eq!(e.status, Some(401), "{e}");
    assert!(e.to_string().contains("expired"), "{e}");
    let hint = e.hint().expect("hint");
    assert!(hint.contains("security token"), "{hint}");
    sb.shutdown();
}
