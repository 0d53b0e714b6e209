//! The generated inventory: the same kinds of records as the default set at any scale,
//! deterministic from a seed. At least one x86, one ARM and one bare-metal image exist
//! whenever servers are asked for, so every server has a matching image.

use base64::Engine;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::inventory::{ServerSpec, derived_uuid};
use super::jobs::server_time;
use super::state::{SimImage, SimKeypair};

/// (platform, os version, os type)
const PLATFORMS: &[(&str, &str, &str)] = &[
    ("Ubuntu", "Ubuntu 22.04 64bit", "Linux"),
    ("Ubuntu", "Ubuntu 20.04 64bit", "Linux"),
    ("CentOS", "CentOS 7.9 64bit", "Linux"),
    ("EulerOS", "EulerOS 2.9 64bit", "Linux"),
    (
        "Huawei Cloud EulerOS",
        "Huawei Cloud EulerOS 2.0 64bit",
        "Linux",
    ),
    ("Debian", "Debian GNU/Linux 12.0.0 64bit", "Linux"),
    ("Rocky", "Rocky Linux 9.0 64bit", "Linux"),
    ("Windows", "Windows Server 2019 Datacenter 64bit", "Windows"),
    ("Windows", "Windows Server 2022 Datacenter 64bit", "Windows"),
];
const X86_FLAVORS: &[&str] = &[
    "s6.small.1",
    "s6.medium.2",
    "s6.large.2",
    "s6.xlarge.2",
    "c7.large.2",
    "c7.xlarge.4",
    "m6.large.8",
    "m6.xlarge.8",
];
const ARM_FLAVORS: &[&str] = &["kc1.large.2", "kc1.xlarge.4", "kc1.2xlarge.4", "k1.large.2"];
const BMS_X86: &[&str] = &[
    "physical.s4.large",
    "physical.h2.large",
    "physical.m2.xlarge",
];
const ROLES: &[&str] = &[
    "web", "api", "db", "cache", "worker", "batch", "k8s-node", "app", "etl", "search",
];
/// 2020-01-01T00:00:00Z
const EPOCH: i64 = 1_577_836_800;
const FIVE_YEARS: i64 = 5 * 365 * 24 * 3600;

fn timestamp(rng: &mut StdRng) -> String {
    let t = EPOCH + rng.random_range(0..FIVE_YEARS);
    time::OffsetDateTime::from_unix_timestamp(t)
        .map(server_time)
        .unwrap_or_default()
}

fn image(rng: &mut StdRng, seed: u64, i: usize) -> SimImage {
    // The first three are the guaranteed x86, bare-metal and ARM images.
    let slot = if i < 3 {
        [0, 8, 6][i]
    } else {
        rng.random_range(0..10)
    };
    let (platform, version, os_type) = PLATFORMS[rng.random_range(0..PLATFORMS.len())];
    let windows = os_type == "Windows";
    let (platform, version, os_type) = if slot == 6 && windows {
        PLATFORMS[0]
    } else {
        (platform, version, os_type)
    };
    let mut img = SimImage {
        id: derived_uuid(&format!("gen:{seed}:image:{i}")),
        name: format!("{version} {}", i + 1),
        platform: platform.into(),
        os_version: version.into(),
        os_type: os_type.into(),
        os_bit: "64".into(),
        imagetype: "gold".into(),
        visibility: "public".into(),
        env: "FusionCompute".into(),
        status: "active".into(),
        min_disk: if windows {
            40
        } else {
            20 + 20 * rng.random_range(0..2)
        },
        min_ram: if windows { 2048 } else { 0 },
        firmware: if rng.random_bool(0.2) { "uefi" } else { "bios" }.into(),
        arm: slot == 6,
        cloud_init: true,
        disk_format: "zvhd2".into(),
        size: rng.random_range(1_000_000_000..8_000_000_000),
        created_at: timestamp(rng),
        productcode: None,
    };
    match slot {
        7 => {
            img.imagetype = "private".into();
            img.visibility = "private".into();
            img.cloud_init = rng.random_bool(0.6);
        }
        8 => {
            img.env = "Ironic".into();
            img.name = format!("{version} for BareMetal {}", i + 1);
        }
        9 => match i % 5 {
            0 => {
                img.env = "IsoImage".into();
                img.disk_format = "iso".into();
                img.imagetype = "private".into();
                img.visibility = "private".into();
            }
            1 => {
                img.status = if i.is_multiple_of(2) {
                    "queued"
                } else {
                    "saving"
                }
                .into();
                img.imagetype = "private".into();
                img.visibility = "private".into();
            }
            2 => {
                img.imagetype = "market".into();
                img.productcode = Some(format!("00301-{:06}-0--0", i));
            }
            3 => {
                img.imagetype = "shared".into();
                img.visibility = "shared".into();
            }
            _ => img.name = format!("{version} {} {}", i + 1, super::FAIL_MARKER),
        },
        _ => {}
    }
    img
}

fn keypair(rng: &mut StdRng, i: usize) -> SimKeypair {
    let mut blob = vec![0u8; 64];
    rng.fill(&mut blob[..]);
    let fp: Vec<String> = blob[..16].iter().map(|b| format!("{b:02x}")).collect();
    let name = format!("kp-gen-{:04}", i + 1);
    SimKeypair {
        public_key: format!(
            "ssh-ed25519 {} {name}@reimage-sandbox",
            base64::engine::general_purpose::STANDARD.encode(&blob)
        ),
        fingerprint: fp.join(":"),
        key_type: "ssh".into(),
        scope: if i % 7 == 6 { "domain" } else { "user" }.into(),
        created_at: timestamp(rng),
        id: 1000 + i as u64,
        name,
    }
}

fn server(
    rng: &mut StdRng,
    seed: u64,
    i: usize,
    bms: bool,
    images: &[SimImage],
    keys: &[SimKeypair],
) -> ServerSpec {
    let arm = !bms && rng.random_bool(0.15);
    let flavor = if bms {
        BMS_X86[rng.random_range(0..BMS_X86.len())]
    } else if arm {
        ARM_FLAVORS[rng.random_range(0..ARM_FLAVORS.len())]
    } else {
        X86_FLAVORS[rng.random_range(0..X86_FLAVORS.len())]
    };
    let wanted_env = if bms { "Ironic" } else { "FusionCompute" };
    let usable: Vec<&SimImage> = images
        .iter()
        .filter(|im| {
            im.env == wanted_env && im.status == "active" && (bms || im.arm == arm) && !im.fails()
        })
        .collect();
    // Never empty: `generate` makes the x86, ARM and bare-metal images first.
    let image = match usable.len() {
        0 => &images[0],
        n => usable[rng.random_range(0..n)],
    };
    let roll = rng.random_range(0..100);
    let status = match roll {
        0..55 => "ACTIVE",
        55..95 => "SHUTOFF",
        95..99 => "ERROR",
        _ => "REBUILD",
    };
    let role = ROLES[i % ROLES.len()];
    let prefix = if bms { "bms-" } else { "" };
    let key_name = if image.os_type == "Windows" || keys.is_empty() {
        String::new()
    } else {
        keys[rng.random_range(0..keys.len())].name.clone()
    };
    let kind = if bms { "bms" } else { "ecs" };
    let mut tags = vec![
        format!("env={}", ["prod", "test", "dev"][rng.random_range(0..3)]),
        format!("app={role}"),
    ];
    if bms {
        tags.insert(0, "__type_baremetal".into());
    }
    ServerSpec {
        id: derived_uuid(&format!("gen:{seed}:{kind}:{i}")),
        name: format!("{prefix}{role}-{:05}", i + 1),
        status: status.into(),
        flavor: flavor.into(),
        image: image.id.clone(),
        key_name,
        ip: format!("10.{}.{}.{}", (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff),
        created: timestamp(rng),
        tags,
        eip: None,
        data_disks: rng.random_range(0..3),
        system_disk: !(bms && rng.random_bool(0.3)) && rng.random_range(0..200) != 0,
        locked: rng.random_range(0..50) == 0,
        charging_mode: match rng.random_range(0..100) {
            0..3 if !bms => "2",
            3..11 => "1",
            _ => "0",
        }
        .into(),
        fault: (status == "ERROR")
            .then(|| "Rebuild failed: the image could not be written to the system disk.".into()),
    }
}

pub fn generate(
    servers: usize,
    bms: usize,
    images: usize,
    keypairs: usize,
    seed: u64,
) -> (
    Vec<ServerSpec>,
    Vec<ServerSpec>,
    Vec<SimImage>,
    Vec<SimKeypair>,
) {
    let mut rng = StdRng::seed_from_u64(seed);
    let image_count = if servers + bms > 0 {
        images.max(3)
    } else {
        images
    };
    let imgs: Vec<SimImage> = (0..image_count).map(|i| image(&mut rng, seed, i)).collect();
    let keys: Vec<SimKeypair> = (0..keypairs).map(|i| keypair(&mut rng, i)).collect();
    let ecs: Vec<ServerSpec> = (0..servers)
        .map(|i| server(&mut rng, seed, i, false, &imgs, &keys))
        .collect();
    let bare: Vec<ServerSpec> = (0..bms)
        .map(|i| server(&mut rng, seed, i, true, &imgs, &keys))
        .collect();
    (ecs, bare, imgs, keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_consistent() {
        let a = generate(200, 10, 30, 5, 7);
        let b = generate(200, 10, 30, 5, 7);
        assert_eq!(
            a.0.iter().map(|s| &s.id).collect::<Vec<_>>(),
            b.0.iter().map(|s| &s.id).collect::<Vec<_>>()
        );
        assert_eq!(a.2.len(), 30);
        let c = generate(1, 1, 0, 0, 1);
        assert_eq!(c.2.len(), 3);
    }
}
