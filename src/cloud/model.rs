//! Typed views of the Huawei Cloud replies reimage reads (API doc sections 4 to 7 and 10).
//!
//! Tolerant by design: unknown fields are ignored, numbers may arrive as strings (and the
//! other way round), absent fields default. A reply of an unexpected shape must become an
//! error message, never a panic, so nothing here is `deny_unknown_fields`.

pub use super::keyed::Keyed;
use super::lenient::{self, list, null_as_default, opt_text, text};
pub use super::shared::Shared;
use serde::{Deserialize, Serialize};

/// Which service a server (and its jobs) lives on.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
pub enum ServerKind {
    #[default]
    Ecs,
    Bms,
}

impl ServerKind {
    pub fn label(self) -> &'static str {
        match self {
            ServerKind::Ecs => "ECS",
            ServerKind::Bms => "BMS",
        }
    }
}

/// The API's stop `type`: ECS stops `SOFT` (graceful) unless `hard`; a BMS always `HARD`,
/// as `SOFT` is documented as not effective there.
pub fn stop_type(kind: ServerKind, hard: bool) -> &'static str {
    match (kind, hard) {
        (ServerKind::Ecs, false) => "SOFT",
        _ => "HARD",
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdRef {
    #[serde(default, deserialize_with = "text")]
    pub id: Shared,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flavor {
    #[serde(default, deserialize_with = "text")]
    pub id: Shared,
    #[serde(default, deserialize_with = "text")]
    pub name: Shared,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub vcpus: Option<u64>,
    /// MB
    #[serde(default, deserialize_with = "lenient::u64")]
    pub ram: Option<u64>,
    /// GB
    #[serde(default, deserialize_with = "lenient::u64")]
    pub disk: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    #[serde(default, deserialize_with = "text")]
    pub version: Shared,
    #[serde(default, deserialize_with = "text")]
    pub addr: String,
    #[serde(rename = "OS-EXT-IPS:type", default, deserialize_with = "opt_text")]
    pub ip_type: Option<Shared>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Volume {
    #[serde(default, deserialize_with = "text")]
    pub id: String,
    /// `"0"` marks the system disk.
    #[serde(rename = "bootIndex", default, deserialize_with = "opt_text")]
    pub boot_index: Option<Shared>,
    #[serde(default, deserialize_with = "opt_text")]
    pub device: Option<Shared>,
}

/// An ECS `ServerDetail` or a BMS server: the two share their shape.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Server {
    /// Not on the wire: set by the client from the service that listed the server.
    #[serde(skip)]
    pub kind: ServerKind,
    #[serde(default, deserialize_with = "text")]
    pub id: String,
    #[serde(default, deserialize_with = "text")]
    pub name: String,
    #[serde(default, deserialize_with = "text")]
    pub status: Shared,
    #[serde(rename = "OS-EXT-STS:vm_state", default, deserialize_with = "opt_text")]
    pub vm_state: Option<Shared>,
    /// Empty or absent when idle.
    #[serde(
        rename = "OS-EXT-STS:task_state",
        default,
        deserialize_with = "opt_text"
    )]
    pub task_state: Option<Shared>,
    #[serde(
        rename = "OS-EXT-STS:power_state",
        default,
        deserialize_with = "lenient::u64"
    )]
    pub power_state: Option<u64>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub image: IdRef,
    #[serde(default, deserialize_with = "null_as_default")]
    pub flavor: Flavor,
    #[serde(default, deserialize_with = "opt_text")]
    pub key_name: Option<Shared>,
    #[serde(default)]
    pub metadata: Keyed<Shared>,
    /// By network id; a slice, not a vector: nothing grows it after decoding.
    #[serde(default)]
    pub addresses: Keyed<Box<[Address]>>,
    #[serde(
        rename = "os-extended-volumes:volumes_attached",
        default,
        deserialize_with = "list"
    )]
    pub volumes: Vec<Volume>,
    #[serde(
        rename = "OS-EXT-SRV-ATTR:root_device_name",
        default,
        deserialize_with = "opt_text"
    )]
    pub root_device_name: Option<Shared>,
    #[serde(default, deserialize_with = "lenient::bool")]
    pub locked: bool,
    #[serde(default, deserialize_with = "list")]
    pub tags: Vec<Shared>,
    #[serde(default, deserialize_with = "text")]
    pub created: String,
    #[serde(default, deserialize_with = "text")]
    pub updated: String,
    #[serde(
        rename = "OS-EXT-AZ:availability_zone",
        default,
        deserialize_with = "opt_text"
    )]
    pub availability_zone: Option<Shared>,
    #[serde(default, deserialize_with = "opt_text")]
    pub enterprise_project_id: Option<Shared>,
    #[serde(default, deserialize_with = "opt_text")]
    pub description: Option<String>,
    #[serde(default)]
    pub fault: Option<serde_json::Value>,
}

impl Server {
    /// The task running on the server, if any (empty string counts as none).
    pub fn task(&self) -> Option<&str> {
        self.task_state.as_deref().filter(|t| !t.is_empty())
    }

    /// The system disk (`bootIndex "0"`), if the server has one.
    pub fn system_disk(&self) -> Option<&Volume> {
        self.volumes
            .iter()
            .find(|v| v.boot_index.as_deref() == Some("0"))
    }

    /// Charging mode: `"0"` pay-per-use, `"1"` prepaid, `"2"` spot. ECS spells the key
    /// `charging_mode`, BMS `chargingMode`.
    pub fn charging_mode(&self) -> Option<&str> {
        self.metadata
            .get("charging_mode")
            .or_else(|| self.metadata.get("chargingMode"))
            .map(Shared::as_str)
    }

    /// Id of the image the server runs: `image.id`, else `metadata["metering.image_id"]`.
    pub fn current_image_id(&self) -> Option<&str> {
        Some(self.image.id.as_str())
            .filter(|id| !id.is_empty())
            .or_else(|| self.metadata.get("metering.image_id").map(Shared::as_str))
            .filter(|id| !id.is_empty())
    }

    /// Flavor name as the console shows it (`name`, else `id`).
    pub fn flavor_name(&self) -> &str {
        if self.flavor.name.is_empty() {
            &self.flavor.id
        } else {
            &self.flavor.name
        }
    }

    pub fn image_name(&self) -> Option<&str> {
        self.metadata.get("image_name").map(Shared::as_str)
    }

    pub fn os_type(&self) -> Option<&str> {
        self.metadata.get("os_type").map(Shared::as_str)
    }

    /// First IPv4 address, fixed before floating.
    pub fn primary_ip(&self) -> Option<&str> {
        let all = || self.addresses.values().flatten();
        all()
            .find(|a| a.ip_type.as_deref() != Some("floating"))
            .or_else(|| all().next())
            .map(|a| a.addr.as_str())
    }
}

/// One IMS image. All `__*` properties are strings on the wire.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    #[serde(default, deserialize_with = "text")]
    pub id: String,
    #[serde(default, deserialize_with = "text")]
    pub name: String,
    #[serde(default, deserialize_with = "text")]
    pub status: Shared,
    #[serde(default, deserialize_with = "text")]
    pub visibility: Shared,
    #[serde(default, deserialize_with = "text")]
    pub owner: Shared,
    /// GB
    #[serde(default, deserialize_with = "lenient::u64")]
    pub min_disk: Option<u64>,
    /// MB
    #[serde(default, deserialize_with = "lenient::u64")]
    pub min_ram: Option<u64>,
    /// MB
    #[serde(default, deserialize_with = "lenient::u64")]
    pub max_ram: Option<u64>,
    #[serde(default, deserialize_with = "text")]
    pub virtual_env_type: Shared,
    #[serde(default, deserialize_with = "opt_text")]
    pub disk_format: Option<Shared>,
    #[serde(rename = "__imagetype", default, deserialize_with = "text")]
    pub image_type: Shared,
    #[serde(rename = "__isregistered", default, deserialize_with = "opt_text")]
    pub is_registered: Option<Shared>,
    #[serde(rename = "__os_type", default, deserialize_with = "opt_text")]
    pub os_type: Option<Shared>,
    #[serde(rename = "__platform", default, deserialize_with = "opt_text")]
    pub platform: Option<Shared>,
    #[serde(rename = "__os_version", default, deserialize_with = "opt_text")]
    pub os_version: Option<Shared>,
    #[serde(rename = "__os_bit", default, deserialize_with = "opt_text")]
    pub os_bit: Option<Shared>,
    #[serde(rename = "__image_size", default, deserialize_with = "lenient::u64")]
    pub image_size: Option<u64>,
    /// `"true"` means the image has **no** Cloud-Init: use the v1 ECS APIs.
    #[serde(rename = "__support_fc_inject", default, deserialize_with = "opt_text")]
    pub support_fc_inject: Option<Shared>,
    /// `"bios"` or `"uefi"`.
    #[serde(default, deserialize_with = "opt_text")]
    pub hw_firmware_type: Option<Shared>,
    #[serde(rename = "__support_arm", default, deserialize_with = "opt_text")]
    pub support_arm: Option<Shared>,
    /// `x86` or `arm` (the IMS list filter of that name); wins over `__support_arm`.
    #[serde(default, deserialize_with = "opt_text")]
    pub architecture: Option<Shared>,
    #[serde(rename = "__productcode", default, deserialize_with = "opt_text")]
    pub product_code: Option<Shared>,
    #[serde(rename = "__is_offshelved", default, deserialize_with = "opt_text")]
    pub is_offshelved: Option<Shared>,
    #[serde(rename = "__account_code", default, deserialize_with = "opt_text")]
    pub account_code: Option<Shared>,
    #[serde(rename = "__system__cmkid", default, deserialize_with = "opt_text")]
    pub system_cmkid: Option<Shared>,
    #[serde(default, deserialize_with = "text")]
    pub created_at: String,
    #[serde(default, deserialize_with = "list")]
    pub tags: Vec<Shared>,
    /// Flavors the image may run on, comma-separated (a trailing `*` matches a prefix).
    /// Absent means "any flavor". **UNVERIFIED** attribute name; only some images carry it.
    #[serde(
        rename = "__support_flavors",
        default,
        deserialize_with = "opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub supported_flavors: Option<Shared>,
}

impl Image {
    /// The image has Cloud-Init (or Cloudbase-Init): v2 ECS APIs.
    pub fn has_cloud_init(&self) -> bool {
        self.support_fc_inject.as_deref() != Some("true")
    }

    /// ARM by `architecture` when the image carries it, else by `__support_arm`.
    pub fn is_arm(&self) -> bool {
        match self.architecture.as_deref() {
            Some(a) if !a.is_empty() => {
                a.eq_ignore_ascii_case("arm") || a.eq_ignore_ascii_case("aarch64")
            }
            _ => self.support_arm.as_deref() == Some("true"),
        }
    }

    pub fn is_windows(&self) -> bool {
        self.os_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("windows"))
    }

    /// A charged image: a market image or one with an account code (the user pays per use).
    pub fn is_charged(&self) -> bool {
        self.image_type == "market" || self.account_code.as_deref().is_some_and(|c| !c.is_empty())
    }

    pub fn is_uefi(&self) -> bool {
        self.hw_firmware_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("uefi"))
    }
}

/// Where a key pair was listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum KeypairSource {
    #[default]
    Nova,
    Kps,
    /// Listed by both services.
    Both,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keypair {
    #[serde(default, deserialize_with = "text")]
    pub name: String,
    #[serde(rename = "type", default, deserialize_with = "opt_text")]
    pub key_type: Option<Shared>,
    #[serde(default, deserialize_with = "text")]
    pub fingerprint: String,
    #[serde(default, deserialize_with = "text")]
    pub public_key: String,
    /// KPS only: `user` or `domain` (account-wide).
    #[serde(default, deserialize_with = "opt_text")]
    pub scope: Option<Shared>,
    #[serde(default, deserialize_with = "opt_text")]
    pub user_id: Option<Shared>,
    #[serde(skip)]
    pub source: KeypairSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum JobStatus {
    Init,
    Running,
    Success,
    Fail,
    PendingPayment,
    /// A status string this build does not know; kept so nothing is lost.
    Unknown,
}

impl JobStatus {
    pub fn parse(s: &str) -> Self {
        match s {
            "INIT" => Self::Init,
            "RUNNING" => Self::Running,
            "SUCCESS" => Self::Success,
            "FAIL" => Self::Fail,
            "PENDING_PAYMENT" => Self::PendingPayment,
            _ => Self::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Init => "INIT",
            Self::Running => "RUNNING",
            Self::Success => "SUCCESS",
            Self::Fail => "FAIL",
            Self::PendingPayment => "PENDING_PAYMENT",
            Self::Unknown => "UNKNOWN",
        }
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Success | Self::Fail)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobEntities {
    #[serde(default, deserialize_with = "opt_text")]
    pub server_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub sub_jobs_total: Option<u64>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub sub_jobs: Vec<Job>,
    #[serde(default, deserialize_with = "opt_text")]
    pub errorcode_message: Option<String>,
}

/// An ECS or BMS job (`GET /v1/{project_id}/jobs/{job_id}`), or one of its sub jobs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    #[serde(default, deserialize_with = "text")]
    pub job_id: String,
    #[serde(default, deserialize_with = "text")]
    pub job_type: String,
    #[serde(default, deserialize_with = "text")]
    pub status: String,
    #[serde(default, deserialize_with = "opt_text")]
    pub begin_time: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub end_time: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub error_code: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub fail_reason: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub entities: JobEntities,
}

impl Job {
    pub fn state(&self) -> JobStatus {
        JobStatus::parse(&self.status)
    }
}

/// What an accepted change/reinstall/stop request returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobAccepted {
    pub job_id: String,
    /// Present for prepaid servers or charged images.
    pub order_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_reads_string_numbers_and_nulls() {
        let s: Server = serde_json::from_str(
            r#"{"id":"a","name":"n","status":"SHUTOFF","OS-EXT-STS:task_state":null,
               "flavor":{"id":"f","vcpus":"2","ram":4096,"disk":"0"},
               "metadata":{"charging_mode":"0","os_bit":64},
               "os-extended-volumes:volumes_attached":[{"id":"v","bootIndex":"0"}],
               "locked":"true","image":null,"extra":{"x":1}}"#,
        )
        .expect("tolerant parse");
        assert_eq!(s.flavor.vcpus, Some(2));
        assert_eq!(s.flavor.ram, Some(4096));
        assert_eq!(s.metadata.get("os_bit").map(Shared::as_str), Some("64"));
        assert!(s.locked);
        assert_eq!(s.task(), None);
        assert_eq!(s.system_disk().map(|v| v.id.as_str()), Some("v"));
        assert_eq!(s.image.id, "");
    }

    #[test]
    fn image_cloud_init_flag_is_inverted() {
        let i: Image =
            serde_json::from_str(r#"{"id":"x","__support_fc_inject":"true"}"#).expect("parse");
        assert!(!i.has_cloud_init());
        let i: Image = serde_json::from_str(r#"{"id":"x"}"#).expect("parse");
        assert!(i.has_cloud_init());
    }
}
