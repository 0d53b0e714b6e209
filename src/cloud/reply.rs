//! What a reply may be: never a redirect to follow, never a body larger than any real
//! answer. A hostile or broken endpoint gets a plain error, not reimage's memory, time or
//! secrets.

use super::error::{CloudError, ErrorKind};

/// Largest reply body read. The largest documented page is 1,000 servers (ECS and BMS
/// `limit` maximum); a server detail is a few KB, up to ~44 KB with 32 KB of base64 user
/// data (`OS-EXT-SRV-ATTR:user_data`). 1,000 records × 64 KiB = 64 MiB leaves room.
pub const MAX_REPLY_BYTES: usize = 64 * 1024 * 1024;

/// Error replies: only their code and the start of their message are shown, so the rest is
/// not read.
pub const MAX_ERROR_BYTES: usize = 64 * 1024;

/// How a body could not be read.
#[derive(Debug)]
pub enum BodyError {
    /// Larger than the limit (declared or counted while reading).
    TooLarge { limit: usize },
    /// The connection failed or stalled while reading.
    Read(reqwest::Error),
}

/// Read a body of at most `limit` bytes. A declared length over the limit is refused
/// before reading; a body without one is counted as it comes. With `truncate`, the first
/// `limit` bytes are kept instead (error replies).
pub async fn read_body(
    mut resp: reqwest::Response,
    limit: usize,
    truncate: bool,
) -> Result<Vec<u8>, BodyError> {
    match resp.content_length() {
        // The usual case: takes over the buffer when the body came in one piece.
        Some(len) if len <= limit as u64 => {
            return resp.bytes().await.map(Vec::from).map_err(BodyError::Read);
        }
        Some(_) if !truncate => return Err(BodyError::TooLarge { limit }),
        _ => {}
    }
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Read)? {
        let room = limit - out.len();
        if chunk.len() > room {
            if truncate {
                out.extend_from_slice(&chunk[..room]);
                return Ok(out);
            }
            return Err(BodyError::TooLarge { limit });
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// `64 MiB`, `64 KiB`.
pub fn size_text(bytes: usize) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{} KiB", bytes / 1024)
    }
}

/// Where a redirect points, as `host:port` (never the raw header: it is the service's
/// text and may hold anything).
pub fn redirect_target(base: &reqwest::Url, location: Option<&str>) -> String {
    let Some(url) = location.and_then(|l| base.join(l).ok()) else {
        return "an unreadable Location".into();
    };
    match (url.host_str(), url.port_or_known_default()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        (None, _) => "a Location without a host".into(),
    }
}

/// A 3xx answer: the service did not take the request; reimage sends nothing to the
/// place it points at (a redirect could carry the signed request, the admin password or
/// the security token to another host).
pub fn redirect_error(status: u16, target: &str, changes: bool) -> CloudError {
    let what = if changes {
        "the request was not accepted: "
    } else {
        ""
    };
    CloudError {
        status: Some(status),
        ..CloudError::new(
            ErrorKind::Protocol,
            format!(
                "{what}the service answered a redirect (HTTP {status}) to {target}; \
                 reimage does not follow redirects, so nothing was sent there"
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_target_is_host_and_port_only() {
        let base = reqwest::Url::parse("https://ecs.example.com/v1/p").expect("url");
        assert_eq!(
            redirect_target(&base, Some("http://127.0.0.1:9/x?\x1b[2J")),
            "127.0.0.1:9"
        );
        assert_eq!(
            redirect_target(&base, Some("/elsewhere")),
            "ecs.example.com:443"
        );
        // A bidi override is no host name: only a fixed text is shown.
        assert_eq!(
            redirect_target(&base, Some("https://\u{202e}evil.example/")),
            "an unreadable Location"
        );
        assert_eq!(
            redirect_target(&base, Some("https://bücher.example/")),
            "xn--bcher-kva.example:443"
        );
        assert_eq!(redirect_target(&base, None), "an unreadable Location");
        assert_eq!(size_text(MAX_REPLY_BYTES), "64 MiB");
        assert_eq!(size_text(MAX_ERROR_BYTES), "64 KiB");
    }
}
