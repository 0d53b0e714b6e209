//! The sandbox's world: servers (ECS and BMS), images, key pairs, jobs and temporary
//! credentials. Servers are kept in one Vec sorted once (created desc, then id), so a list
//! page is a slice of the matching positions.

use crate::sandbox::kind::SimKind;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use super::jobs::Jobs;
use super::render;

/// A flavor as the sandbox knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimFlavor {
    pub id: String,
    pub vcpus: u32,
    pub ram_mb: u64,
    pub disk_gb: u64,
    pub arm: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimAddress {
    pub vpc_id: String,
    pub addr: String,
    pub floating: bool,
    pub mac: String,
    pub port_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimVolume {
    pub id: String,
    pub boot_index: i32,
    pub device: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimServer {
    pub kind: SimKind,
    pub id: String,
    pub name: String,
    pub status: String,
    pub vm_state: String,
    pub task_state: String,
    pub power_state: u8,
    pub image_id: String,
    pub flavor: SimFlavor,
    pub key_name: String,
    pub metadata: BTreeMap<String, String>,
    pub addresses: Vec<SimAddress>,
    pub volumes: Vec<SimVolume>,
    pub root_device: String,
    pub locked: bool,
    pub tags: Vec<String>,
    pub created: String,
    pub updated: String,
    pub availability_zone: String,
    pub enterprise_project_id: String,
    pub description: String,
    /// `fault.message` of an ERROR server.
    pub fault: Option<String>,
    pub host_id: String,
    pub security_group_id: String,
    /// The job currently working on this server, if any.
    pub busy_job: Option<String>,
    /// The login the last change/reinstall left (`None`: as created). Sandbox-only, shown
    /// by `GET /_sandbox/servers/{id}`.
    pub injected: Option<String>,
    /// Change/reinstall requests the service accepted for it, and the SHA-256 (hex) of
    /// the last one's body: what tests compare with what was planned. Sandbox-only; a
    /// state kept before these existed reads as none.
    #[serde(default)]
    pub os_requests: u32,
    #[serde(default)]
    pub last_os_body_sha256: Option<String>,
    /// The `type` of the last stop accepted for it (`SOFT`, `HARD`; `None`: sent without
    /// one, or never stopped), so tests see what a stop asked for. Sandbox-only.
    #[serde(default)]
    pub last_stop_type: Option<String>,
}

impl SimServer {
    pub fn has_system_disk(&self) -> bool {
        self.volumes.iter().any(|v| v.boot_index == 0)
    }

    pub fn charging_mode(&self) -> &str {
        let key = match self.kind {
            SimKind::Ecs => "charging_mode",
            SimKind::Bms => "chargingMode",
        };
        self.metadata.get(key).map(String::as_str).unwrap_or("0")
    }
}

/// An image, in the compact form of `assets/sandbox/images.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct SimImage {
    pub id: String,
    pub name: String,
    pub platform: String,
    pub os_version: String,
    pub os_type: String,
    pub os_bit: String,
    pub imagetype: String,
    pub visibility: String,
    /// `FusionCompute` (ECS), `Ironic` (BMS), `IsoImage`, `DataImage`.
    pub env: String,
    pub status: String,
    pub min_disk: u64,
    pub min_ram: u64,
    pub firmware: String,
    pub arm: bool,
    /// False means `__support_fc_inject: "true"` (no Cloud-Init).
    pub cloud_init: bool,
    pub disk_format: String,
    pub size: u64,
    pub created_at: String,
    #[serde(default)]
    pub productcode: Option<String>,
}

impl SimImage {
    pub fn is_windows(&self) -> bool {
        self.os_type.eq_ignore_ascii_case("windows")
    }

    pub fn fails(&self) -> bool {
        self.name.contains(super::FAIL_MARKER)
    }
}

/// A key pair, in the compact form of `assets/sandbox/keypairs.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct SimKeypair {
    pub name: String,
    pub public_key: String,
    pub fingerprint: String,
    #[serde(rename = "type")]
    pub key_type: String,
    /// `user` (owned by the sandbox user) or `domain` (account-wide).
    pub scope: String,
    pub created_at: String,
    pub id: u64,
}

/// Temporary credentials handed out by the metadata service.
#[derive(Clone)]
pub struct TempCredential {
    pub access: String,
    pub secret: String,
    pub token: String,
    pub expires_at: time::OffsetDateTime,
}

pub struct World {
    /// Both kinds, sorted by created desc then id.
    pub servers: Vec<SimServer>,
    pub server_index: HashMap<String, usize>,
    /// Positions in `servers` of each kind, in list order.
    pub ecs_order: Vec<usize>,
    pub bms_order: Vec<usize>,
    /// Sorted by created_at desc then id (the IMS default order).
    pub images: Vec<SimImage>,
    pub image_index: HashMap<String, usize>,
    /// Sorted by name.
    pub keypairs: Vec<SimKeypair>,
    pub jobs: Jobs,
    pub temp_credentials: Vec<TempCredential>,
    pub metadata_tokens: Vec<(String, time::OffsetDateTime)>,
    rendered: Rendered,
    /// The positions the last filtered server list selected, with its kind and filters: a
    /// client pages through one filter (ECS always asks `not-tags=__type_baremetal`), and
    /// filtering 100,000 servers again for each of 100 pages made a listing quadratic.
    filtered: RefCell<Option<(String, Arc<[usize]>)>>,
}

/// The wire JSON of each record, written on its first listing and dropped when the record
/// changes (`World::server_mut`; images and key pairs never change): a listing page is a
/// join of these texts. Building every server's JSON tree per page made the sandbox, not
/// the client, the slow side of a scale listing.
struct Rendered {
    servers: Vec<OnceLock<Box<str>>>,
    images: Vec<OnceLock<Box<str>>>,
    /// `{"keypair": ...}` entries of Nova's and of KPS's lists.
    nova: Vec<OnceLock<Box<str>>>,
    kps: Vec<OnceLock<Box<str>>>,
}

fn cells(n: usize) -> Vec<OnceLock<Box<str>>> {
    (0..n).map(|_| OnceLock::new()).collect()
}

fn text(v: &serde_json::Value) -> Box<str> {
    v.to_string().into_boxed_str()
}

impl World {
    pub fn new(
        mut servers: Vec<SimServer>,
        mut images: Vec<SimImage>,
        mut keypairs: Vec<SimKeypair>,
    ) -> Self {
        servers.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| a.id.cmp(&b.id)));
        images.sort_by(|a, b| {
            b.created_at
                .cmp(&a.created_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        keypairs.sort_by(|a, b| a.name.cmp(&b.name));
        let server_index = servers
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        let image_index = images
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        let order = |kind| {
            servers
                .iter()
                .enumerate()
                .filter(|(_, s)| s.kind == kind)
                .map(|(i, _)| i)
                .collect::<Vec<_>>()
        };
        let ecs_order = order(SimKind::Ecs);
        let bms_order = order(SimKind::Bms);
        let rendered = Rendered {
            servers: cells(servers.len()),
            images: cells(images.len()),
            nova: cells(keypairs.len()),
            kps: cells(keypairs.len()),
        };
        World {
            rendered,
            filtered: RefCell::new(None),
            servers,
            server_index,
            ecs_order,
            bms_order,
            images,
            image_index,
            keypairs,
            jobs: Jobs::default(),
            temp_credentials: Vec::new(),
            metadata_tokens: Vec::new(),
        }
    }

    pub fn server(&self, kind: SimKind, id: &str) -> Option<&SimServer> {
        self.server_index
            .get(id)
            .map(|&i| &self.servers[i])
            .filter(|s| s.kind == kind)
    }

    /// The only way to change a server: it also drops the server's cached JSON.
    pub fn server_mut(&mut self, id: &str) -> Option<&mut SimServer> {
        let i = *self.server_index.get(id)?;
        *self.rendered.servers.get_mut(i)? = OnceLock::new();
        *self.filtered.get_mut() = None;
        self.servers.get_mut(i)
    }

    /// The positions `select` picks for the filters `key`, kept until the next call with
    /// other filters or a server changes.
    pub fn filtered(&self, key: String, select: impl FnOnce() -> Vec<usize>) -> Arc<[usize]> {
        let mut last = self.filtered.borrow_mut();
        if let Some((k, positions)) = &*last
            && *k == key
        {
            return positions.clone();
        }
        let positions: Arc<[usize]> = select().into();
        *last = Some((key, positions.clone()));
        positions
    }

    /// The JSON of `servers[i]` as ECS/BMS lists show it.
    pub fn server_json(&self, i: usize, project_id: &str) -> &str {
        self.rendered.servers[i].get_or_init(|| text(&render::server(&self.servers[i], project_id)))
    }

    /// The JSON of `images[i]`.
    pub fn image_json(&self, i: usize) -> &str {
        self.rendered.images[i].get_or_init(|| text(&render::image(&self.images[i])))
    }

    /// `{"keypair": ...}` of `keypairs[i]` in Nova's list.
    pub fn nova_keypair_json(&self, i: usize) -> &str {
        self.rendered.nova[i].get_or_init(|| {
            text(&serde_json::json!({"keypair": render::nova_keypair(&self.keypairs[i])}))
        })
    }

    /// `{"keypair": ...}` of `keypairs[i]` in KPS's list.
    pub fn kps_keypair_json(&self, i: usize) -> &str {
        self.rendered.kps[i].get_or_init(|| {
            text(&serde_json::json!({"keypair": render::kps_keypair(&self.keypairs[i])}))
        })
    }

    pub fn image(&self, id: &str) -> Option<&SimImage> {
        self.image_index.get(id).map(|&i| &self.images[i])
    }

    pub fn keypair(&self, name: &str) -> Option<&SimKeypair> {
        self.keypairs
            .binary_search_by(|k| k.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.keypairs[i])
    }
}
