//! `--ca-file`: a sandbox behind a TLS front end whose certificate comes from a test CA.

use crate::support::client::*;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use reimage::cloud::model::ServerKind;
use reimage::cloud::{Client, ErrorKind};
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// A CA PEM, and a TLS acceptor for `localhost` signed by it.
fn test_pki() -> (String, TlsAcceptor) {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "reimage test CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca =
        CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("key")).expect("ca");
    let leaf_key = KeyPair::generate().expect("key");
    let leaf = CertificateParams::new(vec!["localhost".to_string()])
        .expect("params")
        .signed_by(&leaf_key, &ca)
        .expect("leaf");
    reimage::cloud::request::install_crypto();
    let config = tokio_rustls::rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .expect("server config");
    (ca.pem(), TlsAcceptor::from(Arc::new(config)))
}

/// Terminate TLS and pass the bytes on to `backend`.
async fn tls_front(acceptor: TlsAcceptor, backend: std::net::SocketAddr) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut up) = TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut up).await;
            });
        }
    });
    port
}

#[tokio::test]
async fn ca_file_trusts_a_corporate_ca() {
    let sb = sandbox().await;
    let (ca_pem, acceptor) = test_pki();
    let port = tls_front(acceptor, sb.addr).await;
    let dir = tempfile::tempdir().expect("tmp");
    let ca_path = dir.path().join("corp-ca.pem");
    std::fs::write(&ca_path, ca_pem).expect("write ca");

    let mut s = settings(&sb);
    s.endpoints.all = Some(reimage::config::SourcedUrl::new(
        format!("https://localhost:{port}"),
        "the test",
    ));
    s.retry.max_attempts = 1;
    let e = Client::connect(s.clone())
        .await
        .expect("connect needs no call")
        .list_servers(ServerKind::Ecs)
        .await;
    let e = e.expect_err("unknown CA is refused");
    assert_eq!(e.kind, ErrorKind::Network, "{e}");
    assert_eq!(op_count(&sb, "ecs.list"), 0);

    let mut insecure = s.clone();
    insecure.insecure = true;
    let c = Client::connect(insecure).await.expect("connect");
    c.list_servers(ServerKind::Ecs)
        .await
        .expect("--insecure skips the check");
    assert_eq!(op_count(&sb, "ecs.list"), 1);

    s.ca_file = Some(ca_path);
    let c = Client::connect(s.clone()).await.expect("connect");
    let servers = c
        .list_servers(ServerKind::Ecs)
        .await
        .expect("trusted through --ca-file");
    assert!(!servers.is_empty());
    assert_eq!(op_count(&sb, "ecs.list"), 2);

    s.ca_file = Some(dir.path().join("missing.pem"));
    let e = Client::connect(s).await.expect_err("missing CA file");
    assert_eq!(e.kind, ErrorKind::Config);
    assert!(e.message.contains("missing.pem"));
}
