//! The real binary: `reimage list` and `reimage doctor`, with a temp HOME.

use crate::support::client::*;
use std::path::Path;
use std::process::Output;

async fn reimage(home: &Path, vars: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_reimage"));
    cmd.env_clear()
        .env("HOME", home)
        .env("REIMAGE_HOME", home.join("rh"))
        .env("REIMAGE_METADATA_URL", "off")
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .args(args);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.output().await.expect("runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Without credentials a script is told how to set them or pass --sandbox; `doctor`
/// fails. Nothing runs on the sandbox unasked.
#[tokio::test]
async fn without_credentials_the_scriptable_faces_fail_and_say_how_to_fix_it() {
    let home = tempfile::tempdir().expect("tmp");
    let plan = [
        "plan",
        "--server",
        "web-03",
        "--reinstall",
        "--keypair",
        "kp-admin",
    ];
    // (`jobs --watch` connects only when the journal has open jobs: `tests/suite/jobs/cli.rs`.)
    for args in [&["list", "servers"][..], &plan, &["doctor"]] {
        let out = reimage(home.path(), &[], args).await;
        let all = text(&out.stdout) + &text(&out.stderr);
        assert!(!out.status.success(), "{args:?}: {all}");
        assert!(
            all.contains("no credentials found")
                && all.contains("HUAWEICLOUD_SDK_AK")
                && all.contains("--sandbox"),
            "{args:?}: {all}"
        );
        assert!(
            !all.contains("using the built-in SANDBOX"),
            "{args:?}: {all}"
        );
    }
    let out = reimage(home.path(), &[], &["--sandbox", "doctor"]).await;
    let report = text(&out.stdout);
    assert!(out.status.success(), "{report}{}", text(&out.stderr));
    assert!(
        report.contains("ok    credentials   built-in SANDBOX"),
        "{report}"
    );
}

#[tokio::test]
async fn list_with_sandbox_uses_the_sandbox_and_says_so() {
    let home = tempfile::tempdir().expect("tmp");
    let out = reimage(
        home.path(),
        &[],
        &["--sandbox", "list", "servers", "--format", "json"],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("SANDBOX"),
        "{}",
        text(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json on stdout");
    assert!(v.as_array().is_some_and(|a| !a.is_empty()));
}

#[tokio::test]
async fn list_with_env_credentials_against_an_endpoint() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().expect("tmp");
    let vars = [
        ("HUAWEICLOUD_SDK_AK", sb.ak.as_str()),
        ("HUAWEICLOUD_SDK_SK", sb.sk.as_str()),
    ];
    let ep = sb.url.clone();
    for what in ["servers", "bms", "images", "keypairs"] {
        let out = reimage(
            home.path(),
            &vars,
            &["list", what, "--region", &sb.region, "--endpoint", &ep],
        )
        .await;
        assert!(out.status.success(), "{what}: {}", text(&out.stderr));
        assert!(
            !text(&out.stderr).contains("SANDBOX"),
            "real credentials, not the fallback"
        );
        let table = text(&out.stdout);
        assert!(
            table.lines().count() > 1,
            "{what}: header and rows\n{table}"
        );
    }
    assert_eq!(
        op_count(&sb, "iam.projects.list"),
        1,
        "project id discovered, then cached"
    );
    let out = reimage(
        home.path(),
        &vars,
        &[
            "list",
            "keypairs",
            "--format",
            "json",
            "--region",
            &sb.region,
            "--endpoint",
            &ep,
        ],
    )
    .await;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(
        v.as_array()
            .is_some_and(|a| a.iter().all(|k| k.get("name").is_some()))
    );
}

#[tokio::test]
async fn doctor_reports_each_check() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().expect("tmp");
    let vars = [
        ("HUAWEICLOUD_SDK_AK", sb.ak.as_str()),
        ("HUAWEICLOUD_SDK_SK", sb.sk.as_str()),
    ];
    let out = reimage(
        home.path(),
        &vars,
        &["doctor", "--region", &sb.region, "--endpoint", &sb.url],
    )
    .await;
    let report = text(&out.stdout);
    assert!(out.status.success(), "{report}\n{}", text(&out.stderr));
    for line in [
        "credentials   environment (HUAWEICLOUD_SDK_AK/SK)",
        "project id",
        "ecs",
        "bms",
        "ims",
        "kps",
        "iam",
        "clock",
        "user id",
    ] {
        assert!(
            report
                .lines()
                .any(|l| l.starts_with("ok") && l.contains(line)),
            "missing ok {line}:\n{report}"
        );
    }
    assert!(!report.contains(&sb.sk), "never the secret");

    let bad = [
        ("HUAWEICLOUD_SDK_AK", sb.ak.as_str()),
        ("HUAWEICLOUD_SDK_SK", "wrong"),
    ];
    let out = reimage(
        home.path(),
        &bad,
        &["doctor", "--region", &sb.region, "--endpoint", &sb.url],
    )
    .await;
    let report = text(&out.stdout);
    assert!(!out.status.success());
    assert!(
        report.contains("FAIL") && report.contains("APIGW.0301") && report.contains("hint:"),
        "{report}"
    );
}

#[tokio::test]
async fn bad_config_names_line_and_key() {
    let home = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(home.path().join("rh")).expect("mkdir");
    std::fs::write(
        home.path().join("rh/config.toml"),
        "[profiles.a]\nregion = \"x\"\nendpont = \"y\"\n",
    )
    .expect("write");
    let out = reimage(home.path(), &[], &["list", "servers"]).await;
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("line 3") && err.contains("endpont"), "{err}");
}

/// A metadata URL that was set and does not answer: an error naming it, not the sandbox.
#[tokio::test]
async fn a_configured_metadata_service_that_is_down_is_an_error() {
    let home = tempfile::tempdir().expect("tmp");
    let vars = [("REIMAGE_METADATA_URL", "http://127.0.0.1:1")];
    let out = reimage(home.path(), &vars, &["list", "images"]).await;
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("no ECS metadata service at http://127.0.0.1:1")
            && err.contains("REIMAGE_METADATA_URL")
            && !err.contains("using the built-in SANDBOX"),
        "{err}"
    );
}

#[tokio::test]
async fn metadata_credentials_in_the_binary() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().expect("tmp");
    let vars = [
        ("REIMAGE_METADATA_URL", sb.url.as_str()),
        ("HUAWEICLOUD_SDK_REGION", sb.region.as_str()),
    ];
    let out = reimage(home.path(), &vars, &["doctor", "--endpoint", &sb.url]).await;
    let report = text(&out.stdout);
    assert!(out.status.success(), "{report}\n{}", text(&out.stderr));
    assert!(
        report.contains("ok    credentials   ECS instance metadata"),
        "{report}"
    );
    assert!(op_count(&sb, "metadata.securitykey") >= 1);
}

#[tokio::test]
async fn credentials_file_with_sdk_region_endpoint_variables() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().expect("tmp");
    let creds = home.path().join(".huaweicloud/credentials");
    std::fs::create_dir_all(creds.parent().expect("parent")).expect("mkdir");
    std::fs::write(
        &creds,
        format!(
            "[basic]\nak = {}\nsk = {}\nproject_id = {}\n",
            sb.ak, sb.sk, sb.project_id
        ),
    )
    .expect("write");
    let region_tag = sb.region.to_ascii_uppercase().replace('-', "_");
    let names: Vec<String> = ["ECS", "BMS", "IMS", "KPS", "IAM"]
        .iter()
        .map(|s| format!("HUAWEICLOUD_SDK_REGION_{s}_{region_tag}"))
        .collect();
    let mut vars: Vec<(&str, &str)> = names
        .iter()
        .map(|n| (n.as_str(), sb.url.as_str()))
        .collect();
    vars.push(("HUAWEICLOUD_SDK_REGION", &sb.region));
    let out = reimage(home.path(), &vars, &["doctor"]).await;
    let report = text(&out.stdout);
    assert!(out.status.success(), "{report}\n{}", text(&out.stderr));
    assert!(report.contains("credentials file"), "{report}");
    assert!(
        report.contains(&format!("(HUAWEICLOUD_SDK_REGION_ECS_{region_tag})")),
        "{report}"
    );
    assert!(
        report.contains("(configured)"),
        "project id from the file: {report}"
    );
}

#[tokio::test]
async fn hw_variables_with_a_regions_file() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().expect("tmp");
    let yaml = home.path().join("regions.yaml");
    let mut text_yaml = String::new();
    for svc in ["ECS", "BMS", "IMS", "KPS", "IAM"] {
        text_yaml.push_str(&format!(
            "{svc}:\n  - id: {}\n    endpoint: {}\n",
            sb.region, sb.url
        ));
    }
    std::fs::write(&yaml, text_yaml).expect("write");
    let vars = [
        ("HW_ACCESS_KEY", sb.ak.as_str()),
        ("HW_SECRET_KEY", sb.sk.as_str()),
        ("HW_REGION_NAME", sb.region.as_str()),
        ("HUAWEICLOUD_SDK_REGIONS_FILE", yaml.to_str().expect("utf8")),
    ];
    let out = reimage(home.path(), &vars, &["list", "bms", "--format", "json"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(v.as_array().is_some_and(|a| !a.is_empty()));
    assert!(op_count(&sb, "bms.list") >= 1);
}

#[tokio::test]
async fn insecure_warns_loudly() {
    let home = tempfile::tempdir().expect("tmp");
    let out = reimage(
        home.path(),
        &[],
        &["--sandbox", "--insecure", "list", "keypairs"],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("WARNING: --insecure"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn proxy_variables_are_honoured() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().expect("tmp");
    let base = [
        ("HUAWEICLOUD_SDK_AK", sb.ak.as_str()),
        ("HUAWEICLOUD_SDK_SK", sb.sk.as_str()),
        ("HUAWEICLOUD_SDK_PROJECT_ID", sb.project_id.as_str()),
        ("HTTP_PROXY", "http://127.0.0.1:1"),
    ];
    let args = [
        "--log-level",
        "off",
        "list",
        "images",
        "--region",
        &sb.region,
        "--endpoint",
        &sb.url,
    ];
    let out = reimage(home.path(), &base, &args).await;
    assert!(!out.status.success(), "went through the dead proxy?");
    assert_eq!(op_count(&sb, "ims.list"), 0);
    let mut bypass = base.to_vec();
    bypass.push(("NO_PROXY", "127.0.0.1"));
    let out = reimage(home.path(), &bypass, &args).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(op_count(&sb, "ims.list"), 1);
}
