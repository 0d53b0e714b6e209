//! Inventory: the hand-made default set in `assets/sandbox/` and the expansion of compact
//! server records into full servers (addresses, volumes, platform metadata).

use crate::sandbox::kind::SimKind;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

use super::state::{SimAddress, SimFlavor, SimImage, SimKeypair, SimServer, SimVolume, World};
use super::{InventorySpec, SandboxConfig, SandboxError};

const ECS_SERVERS: &str = include_str!("../../assets/sandbox/ecs_servers.json");
const BMS_SERVERS: &str = include_str!("../../assets/sandbox/bms_servers.json");
const IMAGES: &str = include_str!("../../assets/sandbox/images.json");
const KEYPAIRS: &str = include_str!("../../assets/sandbox/keypairs.json");

/// An inventory as JSON texts, one per file of `assets/sandbox/`.
#[derive(Clone, PartialEq, Eq)]
pub struct InventoryAssets {
    pub ecs_servers: String,
    pub bms_servers: String,
    pub images: String,
    pub keypairs: String,
}

impl std::fmt::Debug for InventoryAssets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "InventoryAssets({} bytes)",
            self.ecs_servers.len()
                + self.bms_servers.len()
                + self.images.len()
                + self.keypairs.len()
        )
    }
}

impl InventoryAssets {
    /// The hand-made default set, to start a custom one from.
    pub fn builtin() -> Self {
        InventoryAssets {
            ecs_servers: ECS_SERVERS.into(),
            bms_servers: BMS_SERVERS.into(),
            images: IMAGES.into(),
            keypairs: KEYPAIRS.into(),
        }
    }
}

/// The VPC every sandbox server sits in.
pub const VPC_ID: &str = "5e0f3a7c-6b2d-4c1e-8f9a-0b1c2d3e4f5a";

/// (id, vcpus, ram MB, disk GB, ARM, bare metal)
pub const FLAVORS: &[(&str, u32, u64, u64, bool, bool)] = &[
    ("s6.small.1", 1, 1024, 0, false, false),
    ("s6.medium.2", 1, 2048, 0, false, false),
    ("s6.large.2", 2, 4096, 0, false, false),
    ("s6.large.4", 2, 8192, 0, false, false),
    ("s6.xlarge.2", 4, 8192, 0, false, false),
    ("s6.xlarge.4", 4, 16384, 0, false, false),
    ("c7.large.2", 2, 4096, 0, false, false),
    ("c7.xlarge.2", 4, 8192, 0, false, false),
    ("c7.xlarge.4", 4, 16384, 0, false, false),
    ("c7.2xlarge.2", 8, 16384, 0, false, false),
    ("m6.large.8", 2, 16384, 0, false, false),
    ("m6.xlarge.8", 4, 32768, 0, false, false),
    ("m6.2xlarge.8", 8, 65536, 0, false, false),
    ("kc1.large.2", 2, 4096, 0, true, false),
    ("kc1.xlarge.4", 4, 16384, 0, true, false),
    ("kc1.2xlarge.4", 8, 32768, 0, true, false),
    ("k1.large.2", 2, 4096, 0, true, false),
    ("physical.s4.large", 32, 196608, 0, false, true),
    ("physical.h2.large", 40, 262144, 1600, false, true),
    ("physical.m2.xlarge", 72, 786432, 0, false, true),
    ("physical.kl1.3xlarge", 128, 524288, 0, true, true),
];

pub fn flavor(id: &str) -> Option<SimFlavor> {
    FLAVORS
        .iter()
        .find(|f| f.0 == id)
        .map(|&(id, vcpus, ram_mb, disk_gb, arm, _)| SimFlavor {
            id: id.to_string(),
            vcpus,
            ram_mb,
            disk_gb,
            arm,
        })
}

/// A server in the compact form of `assets/sandbox/*_servers.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct ServerSpec {
    pub id: String,
    pub name: String,
    pub status: String,
    pub flavor: String,
    pub image: String,
    #[serde(default)]
    pub key_name: String,
    pub ip: String,
    pub created: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub eip: Option<String>,
    #[serde(default)]
    pub data_disks: u32,
    #[serde(default = "yes")]
    pub system_disk: bool,
    #[serde(default)]
    pub locked: bool,
    #[serde(default = "pay_per_use")]
    pub charging_mode: String,
    #[serde(default)]
    pub fault: Option<String>,
}

fn yes() -> bool {
    true
}

fn pay_per_use() -> String {
    "0".to_string()
}

/// A UUID-shaped id derived from a text, so expanded records are stable across runs.
pub fn derived_uuid(seed: &str) -> String {
    let h = Sha256::digest(seed.as_bytes());
    let x = hex::encode(&h[..16]);
    format!(
        "{}-{}-4{}-a{}-{}",
        &x[0..8],
        &x[8..12],
        &x[13..16],
        &x[17..20],
        &x[20..32]
    )
}

fn parse<T: serde::de::DeserializeOwned>(
    name: &'static str,
    text: &str,
) -> Result<T, SandboxError> {
    serde_json::from_str(text).map_err(|e| SandboxError::Inventory {
        name,
        reason: e.to_string(),
    })
}

/// Build the starting world for a configuration.
pub fn build(config: &SandboxConfig) -> Result<World, SandboxError> {
    let (ecs, bms, images, keypairs): (
        Vec<ServerSpec>,
        Vec<ServerSpec>,
        Vec<SimImage>,
        Vec<SimKeypair>,
    ) = match &config.inventory {
        InventorySpec::Default => (
            parse("ecs_servers.json", ECS_SERVERS)?,
            parse("bms_servers.json", BMS_SERVERS)?,
            parse("images.json", IMAGES)?,
            parse("keypairs.json", KEYPAIRS)?,
        ),
        InventorySpec::Generated {
            servers,
            bms,
            images,
            keypairs,
            seed,
        } => super::generate::generate(*servers, *bms, *images, *keypairs, *seed),
        InventorySpec::Custom(a) => (
            parse("ecs_servers.json", &a.ecs_servers)?,
            parse("bms_servers.json", &a.bms_servers)?,
            parse("images.json", &a.images)?,
            parse("keypairs.json", &a.keypairs)?,
        ),
    };
    let by_id: BTreeMap<&str, &SimImage> = images.iter().map(|i| (i.id.as_str(), i)).collect();
    let mut out = Vec::with_capacity(ecs.len() + bms.len());
    for (kind, specs) in [(SimKind::Ecs, &ecs), (SimKind::Bms, &bms)] {
        for spec in specs {
            out.push(expand(spec, kind, &by_id, config)?);
        }
    }
    Ok(World::new(out, images, keypairs))
}

fn power_of(kind: SimKind, status: &str) -> (&'static str, u8, &'static str) {
    let stopped = if kind == SimKind::Bms {
        "shutoff"
    } else {
        "stopped"
    };
    match status {
        "ACTIVE" => ("active", 1, ""),
        "ERROR" => ("error", 4, ""),
        "REBUILD" => (stopped, 4, "rebuilding"),
        "REBOOT" => ("active", 1, "rebooting"),
        "BUILD" => ("building", 0, "spawning"),
        _ => (stopped, 4, ""),
    }
}

/// Platform metadata that follows the server's image (also rewritten after a change OS).
pub fn image_metadata(
    kind: SimKind,
    image: &SimImage,
    flavor: &str,
    md: &mut BTreeMap<String, String>,
) {
    let os = if image.is_windows() { "win" } else { "linux" };
    md.insert("image_name".into(), image.name.clone());
    md.insert("os_type".into(), image.os_type.clone());
    md.insert("os_bit".into(), image.os_bit.clone());
    md.insert("metering.image_id".into(), image.id.clone());
    md.insert("metering.imagetype".into(), image.imagetype.clone());
    md.insert("metering.resourcespeccode".into(), format!("{flavor}.{os}"));
    if kind == SimKind::Ecs && image.env == "IsoImage" {
        md.insert("virtual_env_type".into(), "IsoImage".into());
    } else {
        md.remove("virtual_env_type");
    }
}

fn expand(
    spec: &ServerSpec,
    kind: SimKind,
    images: &BTreeMap<&str, &SimImage>,
    config: &SandboxConfig,
) -> Result<SimServer, SandboxError> {
    let asset = if kind == SimKind::Ecs {
        "ecs_servers.json"
    } else {
        "bms_servers.json"
    };
    let bad = |reason: String| SandboxError::Inventory {
        name: asset,
        reason,
    };
    let flavor = flavor(&spec.flavor)
        .ok_or_else(|| bad(format!("{}: unknown flavor {}", spec.name, spec.flavor)))?;
    let image = images
        .get(spec.image.as_str())
        .ok_or_else(|| bad(format!("{}: unknown image {}", spec.name, spec.image)))?;
    let (vm_state, power_state, task_state) = power_of(kind, &spec.status);
    let mut metadata = BTreeMap::new();
    image_metadata(kind, image, &flavor.id, &mut metadata);
    metadata.insert("vpc_id".into(), VPC_ID.into());
    metadata.insert("EcmResStatus".into(), "normal".into());
    match kind {
        SimKind::Ecs => {
            metadata.insert("charging_mode".into(), spec.charging_mode.clone());
            metadata.insert("metering.resourcetype".into(), "1".into());
            metadata.insert("__support_agent_list".into(), "hss,ces".into());
        }
        SimKind::Bms => {
            metadata.insert("chargingMode".into(), spec.charging_mode.clone());
            metadata.insert(
                "metering.resourcetype".into(),
                "hws.resource.type.pm".into(),
            );
            metadata.insert("op_svc_userid".into(), super::DEFAULT_USER_ID.into());
            metadata.insert("__bms_support_evs".into(), spec.system_disk.to_string());
        }
    }
    if spec.charging_mode == "1" {
        metadata.insert(
            "metering.order_id".into(),
            format!("CS24{}", &derived_uuid(&spec.id)[..10].to_uppercase()),
        );
        metadata.insert(
            "metering.product_id".into(),
            derived_uuid(&format!("product:{}", spec.id)).replace('-', ""),
        );
    }
    let mac_seed = Sha256::digest(spec.id.as_bytes());
    let mut addresses = vec![SimAddress {
        vpc_id: VPC_ID.into(),
        addr: spec.ip.clone(),
        floating: false,
        mac: format!(
            "fa:16:3e:{:02x}:{:02x}:{:02x}",
            mac_seed[0], mac_seed[1], mac_seed[2]
        ),
        port_id: derived_uuid(&format!("port:{}", spec.id)),
    }];
    if let Some(eip) = &spec.eip {
        addresses.push(SimAddress {
            floating: true,
            addr: eip.clone(),
            ..addresses[0].clone()
        });
    }
    let prefix = if kind == SimKind::Bms {
        "/dev/sd"
    } else {
        "/dev/vd"
    };
    let mut volumes = Vec::new();
    if spec.system_disk {
        volumes.push(SimVolume {
            id: derived_uuid(&format!("volume:{}:0", spec.id)),
            boot_index: 0,
            device: format!("{prefix}a"),
        });
    }
    for n in 0..spec.data_disks.min(20) {
        let letter = char::from(b'b' + n as u8);
        volumes.push(SimVolume {
            id: derived_uuid(&format!("volume:{}:{}", spec.id, n + 1)),
            boot_index: -1,
            device: format!("{prefix}{letter}"),
        });
    }
    let zone = if mac_seed[3] % 2 == 0 { 'a' } else { 'b' };
    Ok(SimServer {
        kind,
        id: spec.id.clone(),
        name: spec.name.clone(),
        status: spec.status.clone(),
        vm_state: vm_state.into(),
        task_state: task_state.into(),
        power_state,
        image_id: image.id.clone(),
        flavor,
        key_name: spec.key_name.clone(),
        metadata,
        addresses,
        volumes,
        root_device: format!("{prefix}a"),
        locked: spec.locked,
        tags: spec.tags.clone(),
        created: spec.created.clone(),
        updated: spec.created.clone(),
        availability_zone: format!("{}{zone}", config.region),
        enterprise_project_id: "0".into(),
        description: String::new(),
        fault: spec.fault.clone(),
        host_id: hex::encode(&mac_seed[4..28]),
        security_group_id: derived_uuid("security-group:default"),
        busy_job: None,
        injected: None,
        os_requests: 0,
        last_os_body_sha256: None,
        last_stop_type: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_inventory_is_consistent() {
        let world = build(&SandboxConfig::default()).expect("assets are valid");
        assert!(world.ecs_order.len() >= 40);
        assert_eq!(world.bms_order.len(), 6);
        assert_eq!(world.images.len(), 60);
        assert_eq!(world.keypairs.len(), 10);
        for s in &world.servers {
            let image = world.image(&s.image_id).expect("image exists");
            assert_eq!(s.metadata["image_name"], image.name, "{}", s.name);
            let bms_image = image.env == "Ironic";
            assert_eq!(bms_image, s.kind == SimKind::Bms, "{}", s.name);
            assert_eq!(image.arm, s.flavor.arm, "{}", s.name);
        }
        assert!(world.servers.iter().any(|s| s.locked));
        assert!(
            world
                .servers
                .iter()
                .any(|s| !s.has_system_disk() && s.kind == SimKind::Ecs)
        );
        assert!(world.servers.iter().any(|s| s.charging_mode() == "2"));
        assert!(world.images.iter().any(|i| i.fails()));
    }

    #[test]
    fn derived_ids_look_like_uuids() {
        let id = derived_uuid("x");
        assert_eq!(id.len(), 36);
        assert!(super::super::rules::is_uuid(&id));
    }
}
