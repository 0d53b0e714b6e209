//! Every request-signing vector made with the official SDK's signer must come out exactly.
//! Reads `../shared/testdata/signing-vectors.json` beside the checkout, or the file named by
//! `REIMAGE_SIGNING_VECTORS`.

use reimage::cloud::signer;
use serde_json::Value;
use std::path::PathBuf;

fn vectors_path() -> PathBuf {
    match std::env::var_os("REIMAGE_SIGNING_VECTORS") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/testdata/signing-vectors.json"),
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("vector field {key} is not a string"))
}

#[test]
fn every_signing_vector_matches() {
    let path = vectors_path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read signing vectors at {}: {e}", path.display()));
    let doc: Value = serde_json::from_str(&text).expect("vectors file is JSON");
    let vectors = doc["vectors"].as_array().expect("vectors is an array");
    assert!(!vectors.is_empty(), "no vectors in {}", path.display());

    for v in vectors {
        let name = str_of(v, "name");
        let exp = &v["expected"];
        let mut headers: Vec<(String, String)> = Vec::new();
        for source in [&v["headers"], &exp["headers_added_by_signer"]] {
            for (k, val) in source.as_object().map(|o| o.iter()).into_iter().flatten() {
                headers.push((k.clone(), val.as_str().expect("header value").to_string()));
            }
        }
        let query: Vec<(String, String)> = v["query"]
            .as_array()
            .expect("query array")
            .iter()
            .map(|p| {
                (
                    p[0].as_str().expect("key").into(),
                    p[1].as_str().expect("value").into(),
                )
            })
            .collect();
        let date = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(signer::HEADER_DATE))
            .map(|(_, v)| v.clone())
            .expect("vector has X-Sdk-Date");
        let req = signer::Request {
            method: str_of(v, "method"),
            path: str_of(v, "path"),
            query: &query,
            headers: &headers,
            body: str_of(v, "body").as_bytes(),
        };
        let sig = signer::sign(str_of(v, "sk"), &date, &req);
        assert_eq!(
            sig.canonical_request,
            str_of(exp, "canonical_request"),
            "{name}: canonical request"
        );
        assert_eq!(
            sig.signed_headers,
            str_of(exp, "signed_headers"),
            "{name}: signed headers"
        );
        assert_eq!(
            sig.string_to_sign,
            str_of(exp, "string_to_sign"),
            "{name}: string to sign"
        );
        assert_eq!(sig.signature, str_of(exp, "signature"), "{name}: signature");
        assert_eq!(
            sig.authorization(str_of(v, "ak")),
            str_of(exp, "authorization"),
            "{name}: authorization"
        );

        // The wire query the client sends is the canonical query.
        if let Some(wire) = exp["wire_url"].as_str() {
            let wire_query = wire.split_once('?').map(|(_, q)| q).unwrap_or("");
            assert_eq!(
                signer::canonical_query(&query),
                wire_query,
                "{name}: wire query"
            );
        }
        // And the verifier accepts what the SDK produced.
        let auth = signer::parse_authorization(str_of(exp, "authorization")).expect("parse");
        signer::verify(str_of(v, "sk"), &date, &auth, &req)
            .unwrap_or_else(|e| panic!("{name}: verifier rejects the SDK's signature: {e}"));
    }
}
