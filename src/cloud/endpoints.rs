//! Which base URL each service is reached at (API doc section 1).
//!
//! Order: `--endpoint SERVICE=URL` / profile `endpoints`, `--endpoint URL` / profile
//! `endpoint`, `HUAWEICLOUD_SDK_IAM_ENDPOINT` (IAM), `HUAWEICLOUD_SDK_REGION_<SVC>_<REGION>`,
//! `regions.yaml`, then `https://{host}.{region}.{cloud domain}`.

use super::error::CloudError;
use crate::config::EndpointSettings;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    Ecs,
    Bms,
    Ims,
    Kps,
    Iam,
}

impl Service {
    pub const ALL: [Service; 5] = [
        Service::Ecs,
        Service::Bms,
        Service::Ims,
        Service::Kps,
        Service::Iam,
    ];

    /// Lower-case name, as in `--endpoint ecs=URL`.
    pub fn name(self) -> &'static str {
        match self {
            Service::Ecs => "ecs",
            Service::Bms => "bms",
            Service::Ims => "ims",
            Service::Kps => "kps",
            Service::Iam => "iam",
        }
    }

    /// The host label: KPS lives on the `kms` host.
    fn host(self) -> &'static str {
        match self {
            Service::Kps => "kms",
            other => other.name(),
        }
    }

    /// Regional services get `X-Project-Id`; IAM is global.
    pub fn is_regional(self) -> bool {
        self != Service::Iam
    }
}

/// Regions in the SDK's IAM table (others use the global IAM host).
const IAM_REGIONS: &[&str] = &[
    "cn-north-2",
    "cn-north-4",
    "cn-north-1",
    "cn-east-2",
    "cn-east-3",
    "cn-south-1",
    "cn-south-2",
    "cn-southwest-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "af-south-1",
    "sa-brazil-1",
    "la-south-2",
    "na-mexico-1",
    "la-north-2",
    "cn-north-9",
    "eu-west-101",
    "eu-west-0",
    "my-kualalumpur-1",
    "ru-moscow-1",
    "me-east-1",
    "ap-southeast-4",
    "ae-ad-1",
    "cn-east-4",
    "cn-east-5",
    "tr-west-1",
    "cn-north-12",
];

/// Regions of the public cloud: the SDK's ECS region table with the BMS one's extra
/// (huaweicloud-sdk-go-v3 `services/{ecs,bms,ims}/.../region/region.go`). A region off
/// this list reaches no service at the default hosts, so it is refused there rather than
/// failing later as a DNS error; another cloud (`cloud_domain`) or an endpoint for the
/// region is the way to use one.
pub const KNOWN_REGIONS: &[&str] = &[
    "af-north-1",
    "af-south-1",
    "ae-ad-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "cn-east-2",
    "cn-east-3",
    "cn-east-4",
    "cn-east-5",
    "cn-north-1",
    "cn-north-2",
    "cn-north-4",
    "cn-north-9",
    "cn-north-11",
    "cn-north-12",
    "cn-south-1",
    "cn-south-2",
    "cn-south-4",
    "cn-southwest-2",
    "cn-southwest-3",
    "eu-west-0",
    "eu-west-101",
    "la-north-2",
    "la-south-2",
    "me-east-1",
    "my-kualalumpur-1",
    "na-mexico-1",
    "ru-moscow-1",
    "ru-northwest-2",
    "sa-brazil-1",
    "tr-west-1",
];

/// A region the default hosts do not serve: the known ones, and the ways to another cloud.
fn unknown_region(region: &str) -> CloudError {
    CloudError::config(format!(
        "unknown region \"{}\": Huawei Cloud has {}. Choose one of them (--region, `region` \
         in the profile, HUAWEICLOUD_SDK_REGION); for another cloud set cloud_domain or \
         endpoints in the profile, or --endpoint",
        region.escape_debug(),
        KNOWN_REGIONS.join(", ")
    ))
}

/// One resolved endpoint and where it came from (shown by `reimage doctor`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub url: String,
    pub origin: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    map: BTreeMap<Service, Endpoint>,
}

impl Endpoints {
    pub fn resolve(settings: &EndpointSettings, region: &str) -> Result<Endpoints, CloudError> {
        let yaml = match &settings.regions_file {
            Some(path) => {
                let text = crate::fsio::read_text(path, crate::fsio::FileKind::Regions);
                crate::fsio::if_exists(text)
                    .map_err(|e| CloudError::config(e.to_string()))?
                    .map(|text| (path.display().to_string(), parse_regions_yaml(&text)))
            }
            None => None,
        };
        let mut map = BTreeMap::new();
        for svc in Service::ALL {
            let env_name = format!(
                "HUAWEICLOUD_SDK_REGION_{}_{}",
                svc.name().to_ascii_uppercase(),
                region.to_ascii_uppercase().replace('-', "_")
            );
            let from_yaml = yaml.as_ref().and_then(|(path, y)| {
                let url = y.get(&(svc.name().to_ascii_uppercase(), region.to_string()))?;
                Some((url.clone(), path.clone()))
            });
            let (url, origin) = if let Some(u) = settings.per_service.get(svc.name()) {
                (u.url.clone(), u.origin.clone())
            } else if let Some(u) = &settings.all {
                (u.url.clone(), u.origin.clone())
            } else if let (Service::Iam, Some(u)) = (svc, &settings.iam_endpoint) {
                (u.clone(), "HUAWEICLOUD_SDK_IAM_ENDPOINT".into())
            } else if let Some(v) = settings.sdk_region_env.get(&env_name) {
                let first = v.split(',').map(str::trim).find(|s| !s.is_empty());
                (first.unwrap_or_default().to_string(), env_name)
            } else if let Some((u, path)) = from_yaml {
                (u, path)
            } else if settings.cloud_domain == crate::config::settings::DEFAULT_DOMAIN
                && !KNOWN_REGIONS.contains(&region)
            {
                return Err(unknown_region(region));
            } else {
                (
                    default_url(svc, region, &settings.cloud_domain),
                    "default".into(),
                )
            };
            let url = checked_url(svc, &url, &origin)?;
            map.insert(svc, Endpoint { url, origin });
        }
        Ok(Endpoints { map })
    }

    pub fn get(&self, svc: Service) -> &Endpoint {
        // `resolve` fills every service, so this lookup always succeeds.
        &self.map[&svc]
    }

    pub fn url(&self, svc: Service) -> &str {
        &self.get(svc).url
    }

    pub fn iter(&self) -> impl Iterator<Item = (Service, &Endpoint)> {
        self.map.iter().map(|(s, e)| (*s, e))
    }
}

fn default_url(svc: Service, region: &str, domain: &str) -> String {
    let default_domain = domain == crate::config::settings::DEFAULT_DOMAIN;
    if svc == Service::Iam && default_domain {
        if region == "eu-west-101" {
            return "https://iam.eu-west-101.myhuaweicloud.eu".into();
        }
        if !IAM_REGIONS.contains(&region) {
            return format!("https://iam.{domain}");
        }
    }
    format!("https://{}.{region}.{domain}", svc.host())
}

/// Add `https://` when no scheme is given (as the SDK does) and drop a trailing `/`.
/// Plain http only to this machine: elsewhere it would carry the signed requests, admin
/// passwords and tokens in clear text.
fn checked_url(svc: Service, url: &str, origin: &str) -> Result<String, CloudError> {
    let url = url.trim().trim_end_matches('/');
    let url = if url.starts_with("http://") || url.starts_with("https://") {
        url.to_string()
    } else {
        format!("https://{url}")
    };
    let parsed = reqwest::Url::parse(&url).map_err(|e| {
        CloudError::config(format!(
            "bad endpoint URL '{}' (from {origin}): {e}",
            url.escape_debug()
        ))
    })?;
    if crate::config::net::endpoint_allowed(&parsed) {
        return Ok(url);
    }
    Err(CloudError::config(format!(
        "plain http:// is refused for the {} endpoint {url} (from {origin}): requests carry \
         signatures, admin passwords and tokens, so they need TLS. Use https://{}; only \
         loopback addresses (127.0.0.1, ::1, localhost) may use http://",
        svc.name().to_ascii_uppercase(),
        url.trim_start_matches("http://")
    )))
}

/// The subset of the SDK's `regions.yaml` that maps regions to endpoints:
/// `SERVICE:` then list items with `id:` and `endpoint:` or `endpoints:` (first one wins).
pub fn parse_regions_yaml(text: &str) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    let (mut service, mut id, mut url): (Option<String>, Option<String>, Option<String>) =
        (None, None, None);
    let mut flush =
        |service: &Option<String>, id: &mut Option<String>, url: &mut Option<String>| {
            if let (Some(s), Some(i), Some(u)) = (service, id.take(), url.take()) {
                out.entry((s.to_ascii_uppercase(), i)).or_insert(u);
            }
        };
    let unquote = |v: &str| v.trim().trim_matches(|c| c == '"' || c == '\'').to_string();
    for raw in text.lines() {
        let line = raw.split(" #").next().unwrap_or_default().trim_end();
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if !line.starts_with([' ', '-']) {
            flush(&service, &mut id, &mut url);
            service = line.strip_suffix(':').map(|s| s.trim().to_string());
            continue;
        }
        let mut item = line.trim();
        if let Some(rest) = item.strip_prefix("- ") {
            if rest.contains(": ") || rest.ends_with(':') {
                flush(&service, &mut id, &mut url);
                item = rest.trim();
            } else {
                // An entry of an `endpoints:` block list.
                url.get_or_insert_with(|| unquote(rest));
                continue;
            }
        }
        let Some((key, value)) = item.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key.trim() {
            "id" => id = Some(unquote(value)),
            "endpoint" if !value.is_empty() => url = Some(unquote(value)),
            "endpoints" if value.starts_with('[') => {
                let first = value
                    .trim_matches(|c| c == '[' || c == ']')
                    .split(',')
                    .next();
                if let Some(f) = first.map(unquote).filter(|f| !f.is_empty()) {
                    url.get_or_insert(f);
                }
            }
            _ => {}
        }
    }
    flush(&service, &mut id, &mut url);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SourcedUrl;

    fn settings() -> EndpointSettings {
        EndpointSettings {
            cloud_domain: "myhuaweicloud.com".into(),
            ..EndpointSettings::default()
        }
    }

    #[test]
    fn default_hosts_and_iam_exceptions() {
        let e = Endpoints::resolve(&settings(), "ap-southeast-3").expect("ok");
        assert_eq!(
            e.url(Service::Ecs),
            "https://ecs.ap-southeast-3.myhuaweicloud.com"
        );
        assert_eq!(
            e.url(Service::Kps),
            "https://kms.ap-southeast-3.myhuaweicloud.com"
        );
        assert_eq!(
            e.url(Service::Iam),
            "https://iam.ap-southeast-3.myhuaweicloud.com"
        );
        let e = Endpoints::resolve(&settings(), "eu-west-101").expect("ok");
        assert_eq!(
            e.url(Service::Iam),
            "https://iam.eu-west-101.myhuaweicloud.eu"
        );
        let e = Endpoints::resolve(&settings(), "ap-southeast-5").expect("ok");
        assert_eq!(e.url(Service::Iam), "https://iam.myhuaweicloud.com");
        let e = Endpoints::resolve(&settings(), "xx-new-9").expect_err("unknown");
        assert!(e.message.contains("ap-southeast-3"), "{e}");
        let stack = EndpointSettings {
            cloud_domain: "cloud.example.com".into(),
            ..settings()
        };
        let e = Endpoints::resolve(&stack, "region-1").expect("ok");
        assert_eq!(
            e.url(Service::Iam),
            "https://iam.region-1.cloud.example.com"
        );
    }

    #[test]
    fn overrides_beat_env_beat_default() {
        let mut s = settings();
        s.sdk_region_env.insert(
            "HUAWEICLOUD_SDK_REGION_ECS_CN_NORTH_4".into(),
            "ecs.internal.example, https://b".into(),
        );
        let e = Endpoints::resolve(&s, "cn-north-4").expect("ok");
        assert_eq!(e.url(Service::Ecs), "https://ecs.internal.example");
        assert_eq!(
            e.get(Service::Ecs).origin,
            "HUAWEICLOUD_SDK_REGION_ECS_CN_NORTH_4"
        );
        s.all = Some(SourcedUrl::new("http://127.0.0.1:8086/", "--endpoint"));
        s.per_service.insert(
            "bms".into(),
            SourcedUrl::new("http://127.0.0.1:9/", "--endpoint bms="),
        );
        let e = Endpoints::resolve(&s, "cn-north-4").expect("ok");
        assert_eq!(e.url(Service::Ecs), "http://127.0.0.1:8086");
        assert_eq!(e.url(Service::Bms), "http://127.0.0.1:9");
    }

    #[test]
    fn plain_http_off_loopback_is_refused_naming_its_origin() {
        let mut s = settings();
        s.sdk_region_env.insert(
            "HUAWEICLOUD_SDK_REGION_IMS_CN_NORTH_4".into(),
            "http://ims.internal.example".into(),
        );
        let e = Endpoints::resolve(&s, "cn-north-4").expect_err("http to a remote host");
        let msg = e.to_string();
        assert!(
            msg.contains("IMS endpoint http://ims.internal.example")
                && msg.contains("(from HUAWEICLOUD_SDK_REGION_IMS_CN_NORTH_4)")
                && msg.contains("https://ims.internal.example"),
            "{msg}"
        );
    }

    #[test]
    fn regions_yaml_subset() {
        let y = "ECS:\n  - id: cn-north-4\n    endpoint: 'https://ecs.a'\nBMS:\n  - id: cn-north-4\n    endpoints:\n      - \"https://bms.b\"\n  - id: x\n    endpoints: [https://c, https://d]\n";
        let m = parse_regions_yaml(y);
        assert_eq!(m[&("ECS".into(), "cn-north-4".into())], "https://ecs.a");
        assert_eq!(m[&("BMS".into(), "cn-north-4".into())], "https://bms.b");
        assert_eq!(m[&("BMS".into(), "x".into())], "https://c");
    }
}
