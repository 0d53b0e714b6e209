//! Signature checks (API doc 2.3), the admin API and temporary credentials from the
//! metadata service.

use crate::support::client::{sandbox, sandbox_with};
use crate::support::signed::*;
use reimage::sandbox::SandboxConfig;
use serde_json::json;

fn list_path(sb: &reimage::sandbox::Sandbox) -> String {
    format!("/v1/{}/cloudservers/detail", sb.project_id)
}

#[tokio::test]
async fn bad_signatures_are_401_apigw_0301() {
    let sb = sandbox().await;
    let path = list_path(&sb);
    let ok = get(&sb, &path, &[("limit", "1")]).await;
    assert_eq!(ok.status, 200);

    let mut wrong_sk = Signing::of(&sb);
    wrong_sk.sk = "not-the-secret".into();
    let mut unknown_ak = Signing::of(&sb);
    unknown_ak.ak = "HPUAUNKNOWN000000000".into();
    let mut past = Signing::of(&sb);
    past.skew = -16 * 60;
    let mut future = Signing::of(&sb);
    future.skew = 16 * 60;
    for (what, signing) in [
        ("wrong sk", wrong_sk),
        ("unknown ak", unknown_ak),
        ("old date", past),
        ("future date", future),
    ] {
        let r = send_signed(&sb, &signing, "GET", &path, &[], b"")
            .await
            .expect("sent");
        assert_eq!(r.status, 401, "{what}: {}", r.text);
        let v = r.json();
        assert_eq!(v["error_code"], "APIGW.0301", "{what}");
        assert!(
            v["error_msg"].is_string() && v["request_id"].is_string(),
            "{what}: {v}"
        );
        assert!(r.headers.contains_key("x-request-id"));
    }
    // Within the window is fine.
    let mut near = Signing::of(&sb);
    near.skew = -10 * 60;
    assert_eq!(
        send_signed(&sb, &near, "GET", &path, &[], b"")
            .await
            .expect("sent")
            .status,
        200
    );
    // No Authorization at all, or a garbled one.
    let c = client();
    let r = c
        .get(format!("{}{path}", sb.url))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 401);
    let r = c
        .get(format!("{}{path}", sb.url))
        .header("Authorization", "Bearer abc")
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 401);
    assert!(sb.counters().auth_failures >= 6);
}

#[tokio::test]
async fn tampered_query_or_body_fails_and_skew_is_configurable() {
    let sb = sandbox_with(SandboxConfig {
        clock_skew_seconds: 3 * 3600,
        ..SandboxConfig::default()
    })
    .await;
    let mut old = Signing::of(&sb);
    old.skew = -2 * 3600;
    let r = send_signed(&sb, &old, "GET", &list_path(&sb), &[], b"")
        .await
        .expect("sent");
    assert_eq!(r.status, 200, "widened clock skew accepts a 2 h old date");
    // Sign one query, send another.
    let date = reimage::cloud::signer::sdk_date(time::OffsetDateTime::now_utc());
    let headers = vec![
        ("Host".to_string(), sb.addr.to_string()),
        ("X-Sdk-Date".to_string(), date.clone()),
    ];
    let q = vec![("limit".to_string(), "1".to_string())];
    let path = list_path(&sb);
    let req = reimage::cloud::signer::Request {
        method: "GET",
        path: &path,
        query: &q,
        headers: &headers,
        body: b"",
    };
    let auth = reimage::cloud::signer::sign(&sb.sk, &date, &req).authorization(&sb.ak);
    let send = |query: &'static str| {
        client()
            .get(format!("{}{path}?{query}", sb.url))
            .header("X-Sdk-Date", date.clone())
            .header("Authorization", auth.clone())
            .send()
    };
    assert_eq!(send("limit=1").await.expect("sent").status(), 200);
    assert_eq!(send("limit=2").await.expect("sent").status(), 401);
}

#[tokio::test]
async fn project_mismatch_is_rejected() {
    let sb = sandbox().await;
    let mut s = Signing::of(&sb);
    s.project_header = Some("0123456789abcdef0123456789abcdef".into());
    let r = send_signed(&sb, &s, "GET", &list_path(&sb), &[], b"")
        .await
        .expect("sent");
    assert_eq!((r.status, r.code().as_str()), (400, "Ecs.0023"));
    let other = "/v1/0123456789abcdef0123456789abcdef/cloudservers/detail";
    let mut none = Signing::of(&sb);
    none.project_header = None;
    let r = send_signed(&sb, &none, "GET", other, &[], b"")
        .await
        .expect("sent");
    assert_eq!((r.status, r.code().as_str()), (400, "Ecs.0023"));
    let r = send_signed(
        &sb,
        &s,
        "GET",
        &format!("/v1/{}/baremetalservers/detail", sb.project_id),
        &[],
        b"",
    )
    .await
    .expect("sent");
    assert_eq!((r.status, r.code().as_str()), (400, "Common.0018"));
}

#[tokio::test]
async fn admin_api_needs_a_signature_and_controls_faults() {
    let sb = sandbox().await;
    let c = client();
    let r = c
        .get(format!("{}/_sandbox/counters", sb.url))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 401);
    let r = c
        .put(format!("{}/_sandbox/faults", sb.url))
        .body("{}")
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 401);
    let faults = json!({"operations": {"ims.list": {"error_500": 1.0}}});
    let r = send_signed(
        &sb,
        &Signing::of(&sb),
        "PUT",
        "/_sandbox/faults",
        &[],
        faults.to_string().as_bytes(),
    )
    .await
    .expect("sent");
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(get(&sb, "/v2/cloudimages", &[]).await.status, 500);
    assert_eq!(get(&sb, &list_path(&sb), &[]).await.status, 200);
    let got = get(&sb, "/_sandbox/faults", &[]).await.json();
    assert_eq!(got["operations"]["ims.list"]["error_500"], 1.0);
    let bad = send_signed(
        &sb,
        &Signing::of(&sb),
        "PUT",
        "/_sandbox/faults",
        &[],
        b"{\"global\":{\"error_500\":3}}",
    )
    .await
    .expect("sent");
    assert_eq!(bad.status, 400);
    let counters = get(&sb, "/_sandbox/counters", &[]).await.json();
    assert_eq!(counters["by_operation"]["ims.list"], 1);
    let r = send_signed(&sb, &Signing::of(&sb), "POST", "/_sandbox/reset", &[], b"")
        .await
        .expect("sent");
    assert_eq!(r.status, 200);
    assert_eq!(get(&sb, "/v2/cloudimages", &[]).await.status, 200);
    assert_eq!(sb.counters().by_operation.get("ims.list"), Some(&1));
}

#[tokio::test]
async fn metadata_credentials_sign_requests_with_their_token() {
    let sb = sandbox().await;
    let c = client();
    let token = c
        .put(format!("{}/meta-data/latest/api/token", sb.url))
        .header("X-Metadata-Token-Ttl-Seconds", "21600")
        .send()
        .await
        .expect("sent");
    assert_eq!(token.status(), 200);
    let token = token.text().await.expect("text");
    let r = c
        .get(format!("{}/openstack/latest/securitykey", sb.url))
        .header("X-Metadata-Token", &token)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.expect("json");
    let cred = &v["credential"];
    for k in ["access", "secret", "securitytoken", "expires_at"] {
        assert!(
            cred[k].as_str().is_some_and(|s| !s.is_empty()),
            "{k} in {v}"
        );
    }
    let bad = c
        .get(format!("{}/openstack/latest/securitykey", sb.url))
        .header("X-Metadata-Token", "nope")
        .send()
        .await
        .expect("sent");
    assert_eq!(bad.status(), 401);
    let mut temp = Signing::of(&sb);
    temp.ak = cred["access"].as_str().expect("ak").into();
    temp.sk = cred["secret"].as_str().expect("sk").into();
    let r = send_signed(&sb, &temp, "GET", &list_path(&sb), &[], b"")
        .await
        .expect("sent");
    assert_eq!(r.status, 401, "temporary key without its token");
    temp.extra_headers.push((
        "X-Security-Token".into(),
        cred["securitytoken"].as_str().expect("token").into(),
    ));
    let r = send_signed(&sb, &temp, "GET", &list_path(&sb), &[], b"")
        .await
        .expect("sent");
    assert_eq!(r.status, 200, "{}", r.text);
    let r = send_signed(
        &sb,
        &temp,
        "GET",
        &format!("/v3.0/OS-CREDENTIAL/credentials/{}", temp.ak),
        &[],
        b"",
    )
    .await
    .expect("sent");
    assert_eq!(r.json()["credential"]["user_id"], sb.user_id.as_str());
}
