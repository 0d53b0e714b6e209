//! Server replies of the wrong shape: every one is either read leniently (the spec marks
//! many fields UNVERIFIED) or refused with an error saying what was wrong; none panics.
//! Then property tests: the reply parsers, the error-body parser and the signer's
//! canonicalisation never panic on any input.

use proptest::prelude::*;
use reimage::cloud::error::{CloudError, parse_error_body};
use reimage::cloud::jobs::parse_accepted;
use reimage::cloud::model::{Image, Job, JobStatus, Keypair, Server};
use reimage::cloud::signer;

/// What a reply must come to.
enum Want {
    /// Parsed; the check holds on the value.
    Ok(fn(&serde_json::Value) -> bool),
    /// Refused; the error names this.
    Err(&'static str),
}

fn server(json: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str::<Server>(json)
        .map(|s| serde_json::to_value(s).expect("serialises"))
        .map_err(|e| e.to_string())
}
fn image(json: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str::<Image>(json)
        .map(|s| serde_json::to_value(s).expect("serialises"))
        .map_err(|e| e.to_string())
}
fn keypair(json: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str::<Keypair>(json)
        .map(|s| serde_json::to_value(s).expect("serialises"))
        .map_err(|e| e.to_string())
}
fn job(json: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str::<Job>(json)
        .map(|j| serde_json::json!({"status": j.status, "state": format!("{:?}", j.state()), "job_id": j.job_id}))
        .map_err(|e| e.to_string())
}
fn accepted(json: &str) -> Result<serde_json::Value, String> {
    parse_accepted(json.as_bytes())
        .map(|a| serde_json::json!({"job_id": a.job_id, "order_id": a.order_id}))
        .map_err(|e| e.to_string())
}

type Parser = fn(&str) -> Result<serde_json::Value, String>;

fn cases() -> Vec<(&'static str, Parser, String, Want)> {
    let huge = "x".repeat(1 << 20);
    vec![
        (
            "server: id is a number",
            server as Parser,
            r#"{"id": 42, "name": "a"}"#.into(),
            Want::Ok(|v| v["id"] == "42"),
        ),
        (
            "server: name is null",
            server,
            r#"{"id": "i", "name": null}"#.into(),
            Want::Ok(|v| v["name"] == ""),
        ),
        (
            "server: status is an array",
            server,
            r#"{"id": "i", "status": ["ACTIVE"]}"#.into(),
            Want::Ok(|v| v["status"] == "[\"ACTIVE\"]"),
        ),
        (
            "server: missing every field",
            server,
            "{}".into(),
            Want::Ok(|v| v["id"] == ""),
        ),
        (
            "server: metadata is an array",
            server,
            r#"{"id": "i", "metadata": [1, 2]}"#.into(),
            Want::Err("invalid type"),
        ),
        (
            "server: metadata values of any type",
            server,
            r#"{"id": "i", "metadata": {"a": 1, "b": true, "c": null}}"#.into(),
            Want::Ok(|v| v["metadata"]["a"] == "1"),
        ),
        (
            "server: flavor is a string",
            server,
            r#"{"id": "i", "flavor": "s6.large.2"}"#.into(),
            Want::Err("invalid type"),
        ),
        (
            "server: flavor vcpus as text",
            server,
            r#"{"id": "i", "flavor": {"id": "f", "vcpus": "four"}}"#.into(),
            Want::Ok(|v| v["id"] == "i"),
        ),
        (
            "server: addresses is a list",
            server,
            r#"{"id": "i", "addresses": [1]}"#.into(),
            Want::Err("invalid type"),
        ),
        (
            "server: addresses null",
            server,
            r#"{"id": "i", "addresses": null}"#.into(),
            Want::Ok(|v| v["id"] == "i"),
        ),
        (
            "server: volumes null",
            server,
            r#"{"id": "i", "os-extended-volumes:volumes_attached": null}"#.into(),
            Want::Ok(|v| v["id"] == "i"),
        ),
        (
            "server: locked as text",
            server,
            r#"{"id": "i", "locked": "true"}"#.into(),
            Want::Ok(|v| v["locked"] == true),
        ),
        (
            "server: locked as a number",
            server,
            r#"{"id": "i", "locked": 1}"#.into(),
            Want::Ok(|v| v["locked"] == false),
        ),
        (
            "server: 1 MiB name",
            server,
            format!(r#"{{"id": "i", "name": "{huge}"}}"#),
            Want::Ok(|v| v["name"].as_str().is_some_and(|n| n.len() == 1 << 20)),
        ),
        (
            "server: escape sequence in the name",
            server,
            r#"{"id": "i", "name": "a\u001b]0;pwned\u0007b"}"#.into(),
            Want::Ok(|v| v["name"] == "a\u{1b}]0;pwned\u{7}b"),
        ),
        (
            "server: a bare string",
            server,
            r#""web-01""#.into(),
            Want::Err("invalid type"),
        ),
        (
            "server: cut short",
            server,
            r#"{"id": "i", "na"#.into(),
            Want::Err("EOF"),
        ),
        (
            "server: not JSON",
            server,
            "<html>502 Bad Gateway</html>".into(),
            Want::Err("expected value"),
        ),
        (
            "image: min_disk as text",
            image,
            r#"{"id": "i", "min_disk": "40"}"#.into(),
            Want::Ok(|v| v["min_disk"] == 40),
        ),
        (
            "image: min_disk negative",
            image,
            r#"{"id": "i", "min_disk": -1}"#.into(),
            Want::Ok(|v| v["min_disk"].is_null()),
        ),
        (
            "image: size is an object",
            image,
            r#"{"id": "i", "__image_size": {"a": 1}}"#.into(),
            Want::Ok(|v| v["id"] == "i" && v["__image_size"].is_null()),
        ),
        (
            "image: name with C1 control",
            image,
            r#"{"id": "i", "name": "u\u009b2J"}"#.into(),
            Want::Ok(|v| v["name"] == "u\u{9b}2J"),
        ),
        (
            "image: type is a number",
            image,
            r#"{"id": "i", "__imagetype": 7}"#.into(),
            Want::Ok(|v| v["__imagetype"] == "7"),
        ),
        (
            "keypair: name is a number",
            keypair,
            r#"{"name": 5}"#.into(),
            Want::Ok(|v| v["name"] == "5"),
        ),
        (
            "keypair: public key huge",
            keypair,
            format!(r#"{{"name": "k", "public_key": "{huge}"}}"#),
            Want::Ok(|v| v["name"] == "k"),
        ),
        (
            "keypair: not an object",
            keypair,
            r#""kp-admin""#.into(),
            Want::Err("invalid type"),
        ),
        (
            "job: unknown status",
            job,
            r#"{"job_id": "j", "status": "EXPLODED"}"#.into(),
            Want::Ok(|v| v["state"] == format!("{:?}", JobStatus::Unknown)),
        ),
        (
            "job: status is a number",
            job,
            r#"{"job_id": "j", "status": 3}"#.into(),
            Want::Ok(|v| v["status"] == "3"),
        ),
        (
            "job: entities is a string",
            job,
            r#"{"job_id": "j", "entities": "x"}"#.into(),
            Want::Err("invalid type"),
        ),
        (
            "job: entities null",
            job,
            r#"{"job_id": "j", "status": "SUCCESS", "entities": null}"#.into(),
            Want::Ok(|v| v["state"] == format!("{:?}", JobStatus::Success)),
        ),
        (
            "accepted: no job id",
            accepted,
            r#"{"order_id": "o"}"#.into(),
            Want::Err("no job_id"),
        ),
        (
            "accepted: job id empty",
            accepted,
            r#"{"job_id": ""}"#.into(),
            Want::Err("no job_id"),
        ),
        (
            "accepted: job id is an object",
            accepted,
            r#"{"job_id": {"id": 1}}"#.into(),
            Want::Err("no job_id"),
        ),
        (
            "accepted: job id is a number",
            accepted,
            r#"{"job_id": 77}"#.into(),
            Want::Ok(|v| v["job_id"] == "77"),
        ),
        (
            "accepted: BMS spelling",
            accepted,
            r#"{"jobId": "b"}"#.into(),
            Want::Ok(|v| v["job_id"] == "b"),
        ),
        (
            "accepted: not JSON",
            accepted,
            "OK".into(),
            Want::Err("not JSON"),
        ),
        (
            "accepted: empty body",
            accepted,
            "".into(),
            Want::Err("not JSON"),
        ),
    ]
}

#[test]
fn malformed_replies_are_read_leniently_or_refused_clearly() {
    let cases = cases();
    let mut names = std::collections::BTreeSet::new();
    for (name, parse, body, want) in &cases {
        assert!(names.insert(*name), "duplicate case {name}");
        match (parse(body), want) {
            (Ok(v), Want::Ok(check)) => assert!(check(&v), "{name}: read as {v}"),
            (Err(e), Want::Err(says)) => assert!(e.contains(says), "{name}: error {e:?}"),
            (Ok(v), Want::Err(_)) => panic!("{name}: accepted as {v}"),
            (Err(e), Want::Ok(_)) => panic!("{name}: refused: {e}"),
        }
    }
    assert_eq!(cases.len(), 37);
}

/// Error replies: status, body, and what the user is told.
#[test]
fn error_replies_of_every_shape() {
    let huge = format!(
        r#"{{"error_code": "Ecs.0005", "error_msg": "{}"}}"#,
        "m".repeat(1 << 20)
    );
    type Row = (&'static str, u16, Vec<u8>, fn(&CloudError) -> bool);
    let cases: Vec<Row> = vec![
        ("empty body", 502, vec![], |e| {
            e.message.contains("empty body") && e.code.as_deref() == Some("502")
        }),
        (
            "HTML body",
            502,
            b"<html>Bad Gateway</html>".to_vec(),
            |e| e.message.contains("Bad Gateway"),
        ),
        ("text body is capped", 500, vec![b'a'; 100_000], |e| {
            e.message.chars().count() == 500
        }),
        ("binary body", 500, vec![0xff, 0xfe, 0x00, 0x9b], |e| {
            e.code.as_deref() == Some("500")
        }),
        (
            "code is a number",
            400,
            br#"{"code": 400, "message": "bad"}"#.to_vec(),
            |e| e.code.as_deref() == Some("400"),
        ),
        (
            "code without message",
            400,
            br#"{"error_code": "Ecs.0005"}"#.to_vec(),
            |e| e.code.as_deref() == Some("400"),
        ),
        (
            "array body",
            400,
            br#"[{"code": "x", "message": "y"}]"#.to_vec(),
            |e| e.code.as_deref() == Some("400"),
        ),
        (
            "nested too deep",
            400,
            br#"{"a":{"b":{"c":{"d":{"code":"X.1","message":"m"}}}}}"#.to_vec(),
            |e| e.code.as_deref() == Some("400"),
        ),
        (
            "nested one level",
            400,
            br#"{"error":{"code":"Ecs.0005","message":"m"}}"#.to_vec(),
            |e| e.code.as_deref() == Some("Ecs.0005") && e.hint().is_some(),
        ),
        (
            "escape in the message",
            400,
            b"{\"error_code\":\"Ecs.0005\",\"error_msg\":\"\\u001b]0;pwned\\u0007\"}".to_vec(),
            |e| e.message.contains("pwned"),
        ),
        (
            "request id from the body",
            500,
            br#"{"error_code":"Common.0001","error_msg":"x","request_id":"rid-9"}"#.to_vec(),
            |e| e.request_id.as_deref() == Some("rid-9") && e.hint().is_some(),
        ),
        (
            "huge message kept whole in JSON",
            400,
            huge.into_bytes(),
            |e| e.message.len() == 1 << 20,
        ),
    ];
    for (name, status, body, check) in cases {
        let e = CloudError::from_response(status, None, &body);
        assert!(check(&e), "{name}: {e:?}");
        assert!(!e.to_string().is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn reply_parsers_never_panic_on_bytes(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = serde_json::from_slice::<Server>(&body);
        let _ = serde_json::from_slice::<Image>(&body);
        let _ = serde_json::from_slice::<Keypair>(&body);
        let _ = serde_json::from_slice::<Job>(&body);
        let _ = parse_accepted(&body);
        let _ = parse_error_body(&body);
        let e = CloudError::from_response(500, None, &body);
        prop_assert!(e.message.chars().count() <= 500 || parse_error_body(&body).is_some());
    }

    #[test]
    fn reply_parsers_never_panic_on_json(v in json_value()) {
        let text = v.to_string();
        let _ = serde_json::from_str::<Server>(&text);
        let _ = serde_json::from_str::<Image>(&text);
        let _ = serde_json::from_str::<Job>(&text);
        let wrapped = serde_json::json!({"servers": [v.clone()], "error": v, "job_id": 1});
        let _ = parse_error_body(wrapped.to_string().as_bytes());
        let _ = parse_accepted(wrapped.to_string().as_bytes());
    }

    #[test]
    fn every_server_field_of_any_type_never_panics(field in "[a-z_:-]{1,24}", v in json_value()) {
        let body = serde_json::json!({"id": "i", field: v});
        let _ = serde_json::from_value::<Server>(body.clone());
        let _ = serde_json::from_value::<Image>(body);
    }

    #[test]
    fn canonical_query_is_order_free(pairs in proptest::collection::vec((".{0,12}", ".{0,12}"), 0..8)) {
        let mut reversed = pairs.clone();
        reversed.reverse();
        prop_assert_eq!(signer::canonical_query(&pairs), signer::canonical_query(&reversed));
        // What it produces parses back into the same pairs, encoded.
        let q = signer::canonical_query(&pairs);
        prop_assert!(q.is_ascii());
        let mut sorted = pairs.clone();
        sorted.sort();
        prop_assert_eq!(signer::parse_query(&q), sorted);
    }

    #[test]
    fn canonical_uri_and_encoding_never_panic(path in ".{0,64}", raw in ".{0,64}") {
        let uri = signer::canonical_uri(&path);
        prop_assert!(uri.ends_with('/'));
        prop_assert!(uri.is_ascii());
        prop_assert_eq!(signer::decode(&signer::encode(&raw)), raw.clone());
        let _ = signer::parse_query(&raw);
        let _ = signer::parse_authorization(&raw);
        let _ = signer::parse_sdk_date(&raw);
    }
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        ".{0,16}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            proptest::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}
