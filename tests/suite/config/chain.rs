//! The credential chain and settings resolution, against temp HOMEs and made-up
//! environments (no process environment is touched).

use reimage::config::{CredentialSource, Credentials, Env, GlobalArgs, SandboxUse, resolve};
use std::path::Path;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn env(home: &Path, vars: &[(&str, &str)]) -> Env {
    let mut all: Vec<(String, String)> = vec![
        ("HOME".into(), home.display().to_string()),
        ("REIMAGE_HOME".into(), home.join("rh").display().to_string()),
        // Keep the real metadata address out of tests unless a test sets it.
        ("REIMAGE_METADATA_URL".into(), "off".into()),
    ];
    for (k, v) in vars {
        all.retain(|(n, _)| n != k);
        all.push((k.to_string(), v.to_string()));
    }
    Env::from_map(all)
}

fn args(region: Option<&str>) -> GlobalArgs {
    GlobalArgs {
        region: region.map(str::to_string),
        ..GlobalArgs::default()
    }
}

fn ak_of(c: &Credentials) -> &str {
    match c {
        Credentials::Static(k) => &k.ak,
        other => panic!("expected static keys, got {other:?}"),
    }
}

const SDK: [(&str, &str); 3] = [
    ("HUAWEICLOUD_SDK_AK", "SDKAK0000000000000001"),
    ("HUAWEICLOUD_SDK_SK", "sdk-sk"),
    ("HUAWEICLOUD_SDK_PROJECT_ID", "p-sdk"),
];
const HW: [(&str, &str); 4] = [
    ("HW_ACCESS_KEY", "HWAK00000000000000001"),
    ("HW_SECRET_KEY", "hw-sk"),
    ("HW_REGION_NAME", "cn-north-4"),
    ("HW_SECURITY_TOKEN", "tok"),
];

/// Nothing set: the TUI may open the sandbox. Asked for, it is used; an endpoint rules it
/// out, and `--sandbox` with `--endpoint` is a contradiction.
#[test]
fn nothing_set_allows_the_sandbox_and_an_endpoint_rules_it_out() {
    let home = tempfile::tempdir().expect("tmp");
    let r = resolve(&args(None), &env(home.path(), &[])).expect("resolves");
    assert_eq!(r.sandbox, SandboxUse::IfNothingFound);
    assert_eq!(r.settings.source, CredentialSource::Nothing);
    let asked = GlobalArgs {
        sandbox: true,
        ..args(None)
    };
    let r = resolve(&asked, &env(home.path(), &[])).expect("resolves");
    assert_eq!(r.sandbox, SandboxUse::Asked);
    let endpoint = GlobalArgs {
        endpoint: vec!["https://ecs.example.com".into()],
        ..args(Some("r"))
    };
    let r = resolve(&endpoint, &env(home.path(), &[])).expect("resolves");
    assert_eq!(r.sandbox, SandboxUse::Never);
    let both = GlobalArgs {
        sandbox: true,
        ..endpoint
    };
    let e = resolve(&both, &env(home.path(), &[])).expect_err("both");
    assert!(e.to_string().contains("--sandbox and --endpoint"), "{e}");
}

/// A source that is set but empty or broken is an error naming it, never "nothing set".
#[test]
fn empty_or_broken_sources_are_errors_naming_them() {
    let home = tempfile::tempdir().expect("tmp");
    let h = home.path();
    for (vars, says) in [
        (
            vec![("HUAWEICLOUD_SDK_AK", ""), ("HUAWEICLOUD_SDK_SK", "")],
            "HUAWEICLOUD_SDK_AK is set but empty",
        ),
        (
            vec![
                ("HUAWEICLOUD_SDK_AK", "AK0000000000000001"),
                ("HUAWEICLOUD_SDK_SK", " "),
            ],
            "HUAWEICLOUD_SDK_SK is set but empty",
        ),
        (
            vec![("HW_ACCESS_KEY", "")],
            "HW_ACCESS_KEY is set but empty",
        ),
        (vec![("REIMAGE_METADATA_URL", "")], "REIMAGE_METADATA_URL"),
        (
            vec![("REIMAGE_METADATA_URL", "not a url")],
            "from REIMAGE_METADATA_URL is not a URL",
        ),
        (
            vec![("REIMAGE_METADATA_URL", "http://metadata.example.com")],
            "neither loopback nor link-local",
        ),
        (
            vec![("REIMAGE_METADATA_URL", "ftp://169.254.169.254")],
            "is not http:// or https://",
        ),
    ] {
        let e = resolve(&args(Some("r")), &env(h, &vars)).expect_err(says);
        assert!(e.to_string().contains(says), "{says}: {e}");
    }
    for (text, says) in [
        ("", "no [basic] section"),
        ("[basic]\nproject_id = p\n", "no ak and sk"),
        (
            "[basic]\nak = AK0000000000000001\n",
            "only one of ak and sk",
        ),
    ] {
        write(&h.join(".huaweicloud/credentials"), text);
        let e = resolve(&args(Some("r")), &env(h, &[])).expect_err(says);
        assert!(
            e.to_string().contains(says) && e.to_string().contains(".huaweicloud/credentials"),
            "{says}: {e}"
        );
    }
}

#[test]
fn profile_beats_env_and_env_order_is_sdk_hw_os() {
    let home = tempfile::tempdir().expect("tmp");
    let h = home.path();
    let os = [
        ("OS_ACCESS_KEY", "OSAK00000000000000001"),
        ("OS_SECRET_KEY", "os-sk"),
        ("OS_REGION_NAME", "la-south-2"),
    ];
    let r = resolve(&args(None), &env(h, &os)).expect("os");
    assert_eq!(r.settings.source, CredentialSource::OsEnv);
    assert_eq!(r.settings.region.as_deref(), Some("la-south-2"));

    let mut vars: Vec<(&str, &str)> = os.to_vec();
    vars.extend(HW);
    let r = resolve(&args(None), &env(h, &vars)).expect("hw");
    assert_eq!(r.settings.source, CredentialSource::HwEnv);
    match &r.settings.credentials {
        Credentials::Static(k) => {
            assert_eq!(k.security_token.as_ref().map(|t| t.expose()), Some("tok"))
        }
        other => panic!("{other:?}"),
    }

    vars.extend(SDK);
    let r = resolve(&args(Some("ap-southeast-3")), &env(h, &vars)).expect("sdk");
    assert_eq!(r.settings.source, CredentialSource::SdkEnv);
    assert_eq!(ak_of(&r.settings.credentials), "SDKAK0000000000000001");
    assert_eq!(r.settings.project_id.as_deref(), Some("p-sdk"));
    assert_eq!(
        r.settings.region.as_deref(),
        Some("ap-southeast-3"),
        "--region wins"
    );

    write(
        &h.join("rh/config.toml"),
        "default_profile = \"p\"\n[profiles.p]\nregion = \"cn-east-3\"\naccess_key = \"PROFAK00000000000001\"\nsecret_key = \"prof-sk\"\nread_only = true\n",
    );
    let r = resolve(&args(None), &env(h, &vars)).expect("profile");
    assert_eq!(r.settings.source, CredentialSource::Profile("p".into()));
    assert_eq!(r.settings.region.as_deref(), Some("cn-east-3"));
    assert!(r.settings.read_only);
    let lifted = GlobalArgs {
        write: true,
        ..args(None)
    };
    assert!(
        !resolve(&lifted, &env(h, &vars))
            .expect("write")
            .settings
            .read_only
    );
}

#[test]
fn half_set_env_pair_is_a_clear_error() {
    let home = tempfile::tempdir().expect("tmp");
    let e = resolve(
        &args(Some("r")),
        &env(home.path(), &[("HUAWEICLOUD_SDK_AK", "X")]),
    )
    .expect_err("half");
    assert!(e.to_string().contains("HUAWEICLOUD_SDK_SK"), "{e}");
}

#[test]
fn keys_without_region_ask_for_one() {
    let home = tempfile::tempdir().expect("tmp");
    let e = resolve(&args(None), &env(home.path(), &SDK)).expect_err("no region");
    assert!(e.to_string().contains("--region"), "{e}");
}

#[test]
fn credentials_file_default_and_override() {
    let home = tempfile::tempdir().expect("tmp");
    let h = home.path();
    write(
        &h.join(".huaweicloud/credentials"),
        "[basic]\nak = FILEAK00000000000001\nsk = file-sk\nproject_id = p-file\n",
    );
    let r = resolve(&args(Some("cn-north-4")), &env(h, &[])).expect("file");
    assert_eq!(
        r.settings.source,
        CredentialSource::CredentialsFile(h.join(".huaweicloud/credentials"))
    );
    assert_eq!(ak_of(&r.settings.credentials), "FILEAK00000000000001");
    assert_eq!(r.settings.project_id.as_deref(), Some("p-file"));

    let other = h.join("elsewhere.ini");
    write(&other, "[basic]\nak = OTHERAK0000000000001\nsk = o\n");
    let r = resolve(
        &args(Some("cn-north-4")),
        &env(
            h,
            &[(
                "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
                other.to_str().expect("utf8"),
            )],
        ),
    )
    .expect("override");
    assert_eq!(ak_of(&r.settings.credentials), "OTHERAK0000000000001");
}

#[test]
fn koocli_plain_and_encrypted() {
    let home = tempfile::tempdir().expect("tmp");
    let h = home.path();
    let cfg = h.join(".hcloud/config.json");
    write(
        &cfg,
        r#"{"current":"work","profiles":[{"name":"default","mode":"AKSK","accessKeyId":"X","secretAccessKey":"Y"},
            {"name":"work","mode":"AKSK","accessKeyId":"KOOAK000000000000001","secretAccessKey":"abcdefghijklmnopqrstUVWX1234",
             "region":"ap-southeast-1","projectId":"p-koo"}]}"#,
    );
    let r = resolve(&args(None), &env(h, &[])).expect("koocli");
    assert_eq!(
        r.settings.source,
        CredentialSource::KooCli {
            path: cfg.clone(),
            profile: "work".into()
        }
    );
    assert_eq!(r.settings.region.as_deref(), Some("ap-southeast-1"));
    assert_eq!(r.settings.project_id.as_deref(), Some("p-koo"));

    write(
        &cfg,
        r#"{"current":"default","profiles":[{"name":"default","mode":"AKSK","accessKeyId":"0Ab3+x/Qz9==","secretAccessKey":"9fK+/zz=="}]}"#,
    );
    let r = resolve(&args(None), &env(h, &[])).expect("encrypted");
    assert_eq!(
        r.sandbox,
        SandboxUse::Never,
        "a KooCLI profile is a source: the sandbox does not replace it"
    );
    assert!(
        r.notices
            .iter()
            .any(|n| n.contains("encrypted") && n.contains("HUAWEICLOUD_SDK_AK")),
        "{:?}",
        r.notices
    );
}

#[test]
fn metadata_is_the_last_source_and_can_be_pointed_elsewhere() {
    let home = tempfile::tempdir().expect("tmp");
    let r = resolve(
        &args(Some("r")),
        &env(
            home.path(),
            &[("REIMAGE_METADATA_URL", "http://127.0.0.1:9/")],
        ),
    )
    .expect("md");
    assert_eq!(r.sandbox, SandboxUse::Never, "a metadata URL was set");
    assert_eq!(
        r.settings.credentials,
        Credentials::Metadata {
            url: "http://127.0.0.1:9".into(),
            origin: "REIMAGE_METADATA_URL".into(),
        }
    );
}

#[test]
fn endpoint_flags_and_profile() {
    let home = tempfile::tempdir().expect("tmp");
    let h = home.path();
    write(
        &h.join("rh/config.toml"),
        "[profiles.s]\nendpoints = { ecs = \"ecs.corp.example\" }\ncloud_domain = \"cloud.example.com\"\n",
    );
    let a = GlobalArgs {
        profile: Some("s".into()),
        endpoint: vec!["kms=http://127.0.0.1:1".into()],
        ..args(Some("r"))
    };
    let r = resolve(&a, &env(h, &SDK)).expect("endpoints");
    let e = &r.settings.endpoints;
    assert_eq!(e.per_service["ecs"].url, "https://ecs.corp.example");
    assert!(
        e.per_service["ecs"].origin.contains("profile 's'"),
        "{:?}",
        e.per_service["ecs"]
    );
    assert_eq!(e.per_service["kps"].url, "http://127.0.0.1:1");
    assert_eq!(e.per_service["kps"].origin, "--endpoint kps=");
    assert_eq!(e.cloud_domain, "cloud.example.com");
    let a = GlobalArgs {
        endpoint: vec!["nova=http://x".into()],
        ..args(Some("r"))
    };
    assert!(
        resolve(&a, &env(h, &SDK))
            .expect_err("bad service")
            .to_string()
            .contains("unknown service")
    );
}

#[test]
fn config_errors_name_line_and_key() {
    let home = tempfile::tempdir().expect("tmp");
    let h = home.path();
    write(
        &h.join("rh/config.toml"),
        "[profiles.a]\nregion = \"x\"\nsecret = \"y\"\n",
    );
    let e = resolve(&args(None), &env(h, &[])).expect_err("unknown key");
    let msg = e.to_string();
    assert!(
        msg.contains("config.toml") && msg.contains("line 3") && msg.contains("secret"),
        "{msg}"
    );
    let e = resolve(
        &GlobalArgs {
            profile: Some("zz".into()),
            ..args(None)
        },
        &env(h, &[]),
    );
    assert!(e.is_err());
}
