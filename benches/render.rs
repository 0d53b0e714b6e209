//! The sandbox's side of a scale listing: every ECS, BMS, IMS and KPS page of the issue-10
//! inventory asked for over loopback, bodies read but not decoded, twice (the first pass
//! renders every record, the second finds them rendered). CPU seconds of this process per
//! pass (the client side here is only HTTP). `cargo bench --bench render`; for instruction
//! counts and a profile run the built bench under `valgrind --tool=callgrind` with
//! `RENDER_PASSES=1` (see docs/performance.md).

mod support;

use std::time::Instant;

fn cpu() -> f64 {
    // SAFETY: getrusage writes one plain struct we own.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let s = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    s(u.ru_utime) + s(u.ru_stime)
}

/// Every page of every listing, one request at a time; the bytes received.
async fn pass(http: &reqwest::Client, sb: &reimage::sandbox::Sandbox) -> usize {
    let pid = &sb.project_id;
    let mut bytes = 0;
    for (collection, pages) in [("cloudservers", 10), ("baremetalservers", 1)] {
        let path = format!("/v1/{pid}/{collection}/detail");
        for page in 1..=pages {
            let q = [("limit", "1000".to_string()), ("offset", page.to_string())];
            bytes += support::signed_get(http, sb, &path, &q).await.len();
        }
    }
    // IMS in its default order, marker by marker (the marker is the last id of a page).
    let mut marker: Option<String> = None;
    loop {
        let mut q = vec![("limit", "500".to_string())];
        if let Some(m) = &marker {
            q.push(("marker", m.clone()));
        }
        let body = support::signed_get(http, sb, "/v2/cloudimages", &q).await;
        bytes += body.len();
        let page: serde_json::Value = serde_json::from_slice(&body).expect("IMS page");
        match page["page_info"]["next_marker"].as_str() {
            Some(m) => marker = Some(m.to_string()),
            None => break,
        }
    }
    let mut marker: Option<String> = None;
    loop {
        let mut q = vec![("limit", "1000".to_string())];
        if let Some(m) = &marker {
            q.push(("marker", m.clone()));
        }
        let body = support::signed_get(http, sb, &format!("/v3/{pid}/keypairs"), &q).await;
        bytes += body.len();
        let page: serde_json::Value = serde_json::from_slice(&body).expect("KPS page");
        match page["page_info"]["next_marker"].as_str() {
            Some(m) => marker = Some(m.to_string()),
            None => break,
        }
    }
    bytes
}

fn main() {
    let passes: usize = std::env::var("RENDER_PASSES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let sb = rt.block_on(support::sandbox());
    // The client's TLS provider (reqwest is built without one; loopback needs none, but
    // building a client asks for it).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder().no_proxy().build().expect("http");
    for n in 1..=passes {
        let (c, t) = (cpu(), Instant::now());
        let bytes = rt.block_on(pass(&http, &sb));
        println!(
            "render/pass_{n}  {:.3} s CPU, {:.3} s wall, {:.1} MB sent",
            cpu() - c,
            t.elapsed().as_secs_f64(),
            bytes as f64 / 1e6
        );
    }
    rt.block_on(async { sb.shutdown() });
}
