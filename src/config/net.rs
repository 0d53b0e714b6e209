//! Which hosts may be reached over plain `http://`: only this machine (the sandbox, a local
//! proxy), and for the metadata service its link-local address. Everything else carries
//! signed requests, admin passwords and keys, so it needs TLS.

use reqwest::Url;
use std::net::IpAddr;

/// Loopback (`127.0.0.0/8`, `::1`, `localhost`), and with `link_local` also `169.254.0.0/16`
/// and `fe80::/10`. `host` is a URL's host text (`Url::host_str`: IPv6 in brackets).
pub fn is_local(host: &str, link_local: bool) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let Ok(ip) = bare.parse::<IpAddr>() else {
        let name = host.trim_end_matches('.').to_ascii_lowercase();
        return name == "localhost" || name.ends_with(".localhost");
    };
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    ip.is_loopback()
        || link_local
            && match ip {
                IpAddr::V4(v4) => v4.is_link_local(),
                IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
            }
}

/// `true` when `url` may be used as a service endpoint: https anywhere, http on loopback.
pub fn endpoint_allowed(url: &Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => url.host_str().is_some_and(|h| is_local(h, false)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(u: &str) -> bool {
        endpoint_allowed(&Url::parse(u).expect("url"))
    }

    #[test]
    fn plain_http_only_on_loopback() {
        for ok in [
            "https://ecs.ap-southeast-3.myhuaweicloud.com",
            "http://127.0.0.1:8086",
            "http://127.8.9.10",
            "http://[::1]:80",
            "http://localhost:1",
            "http://LOCALHOST.",
            "http://sandbox.localhost",
        ] {
            assert!(allowed(ok), "{ok}");
        }
        for refused in [
            "http://ecs.ap-southeast-3.myhuaweicloud.com",
            "http://10.0.0.1",
            "http://169.254.169.254",
            "http://0.0.0.0:8086",
            "http://[::ffff:10.0.0.1]",
            "http://localhost.evil.example",
            "http://127.0.0.1.evil.example",
            "ftp://127.0.0.1",
        ] {
            assert!(!allowed(refused), "{refused}");
        }
        assert!(is_local("169.254.169.254", true));
        assert!(is_local("[fe80::1]", true));
        assert!(!is_local("[fe80::1]", false));
        assert!(!is_local("10.0.0.1", true));
    }
}
