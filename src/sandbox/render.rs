//! Wire shapes of servers, images and key pairs (API doc sections 4 to 7). Numbers the SDK
//! types as strings (flavor sizes, address version, `__*` flags) are rendered as strings.

use crate::sandbox::kind::SimKind;
use base64::Engine;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::state::{SimImage, SimKeypair, SimServer};

/// `prefix`, the JSON texts separated by commas, `suffix`: a listing page from cached records.
pub fn join<'a>(prefix: &str, items: impl Iterator<Item = &'a str>, suffix: &str) -> String {
    let mut out = String::from(prefix);
    for (n, item) in items.enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str(item);
    }
    out.push_str(suffix);
    out
}

pub fn server(s: &SimServer, project_id: &str) -> Value {
    let mut addresses = Map::new();
    for a in &s.addresses {
        let entry = json!({
            "version": "4",
            "addr": a.addr,
            "OS-EXT-IPS:type": if a.floating { "floating" } else { "fixed" },
            "OS-EXT-IPS-MAC:mac_addr": a.mac,
            "OS-EXT-IPS:port_id": a.port_id,
            "primary": !a.floating,
        });
        match addresses.get_mut(&a.vpc_id) {
            Some(Value::Array(list)) => list.push(entry),
            _ => {
                addresses.insert(a.vpc_id.clone(), Value::Array(vec![entry]));
            }
        }
    }
    let volumes: Vec<Value> = s
        .volumes
        .iter()
        .map(|v| {
            json!({"id": v.id, "delete_on_termination": if v.boot_index == 0 { "true" } else { "false" },
                   "bootIndex": v.boot_index.to_string(), "device": v.device})
        })
        .collect();
    let compact = s.id.replace('-', "");
    let instance_name = format!("instance-{}", compact.get(..8).unwrap_or(&compact));
    let host8 = s.host_id.get(..8).unwrap_or(&s.host_id);
    let host16 = s.host_id.get(8..16).unwrap_or(&s.host_id);
    let mut out = json!({
        "id": s.id,
        "name": s.name,
        "status": s.status,
        "OS-EXT-STS:vm_state": s.vm_state,
        "OS-EXT-STS:task_state": s.task_state,
        "OS-EXT-STS:power_state": s.power_state,
        "image": {"id": s.image_id},
        "flavor": {
            "id": s.flavor.id, "name": s.flavor.id,
            "disk": s.flavor.disk_gb.to_string(), "vcpus": s.flavor.vcpus.to_string(),
            "ram": s.flavor.ram_mb.to_string(), "gpus": [], "asic_accelerators": []
        },
        "key_name": s.key_name,
        "metadata": s.metadata,
        "addresses": addresses,
        "os-extended-volumes:volumes_attached": volumes,
        "OS-EXT-SRV-ATTR:root_device_name": s.root_device,
        "locked": s.locked,
        "tags": s.tags,
        "created": s.created,
        "updated": s.updated,
        "enterprise_project_id": s.enterprise_project_id,
        "OS-EXT-AZ:availability_zone": s.availability_zone,
    });
    let obj = out.as_object_mut().expect("json! object literal");
    let more = json!({
        "user_id": super::DEFAULT_USER_ID,
        "tenant_id": project_id,
        "hostId": s.host_id,
        "OS-EXT-SRV-ATTR:host": format!("pod01.{}", s.availability_zone),
        "OS-EXT-SRV-ATTR:hypervisor_hostname": format!("nova{host8}"),
        "OS-EXT-SRV-ATTR:instance_name": instance_name,
        "OS-EXT-SRV-ATTR:hostname": s.name,
        "OS-EXT-SRV-ATTR:reservation_id": format!("r-{host16}"),
        "OS-EXT-SRV-ATTR:launch_index": 0,
        "OS-EXT-SRV-ATTR:kernel_id": "",
        "OS-EXT-SRV-ATTR:ramdisk_id": "",
        "security_groups": [{"name": "default", "id": s.security_group_id}],
        "accessIPv4": "",
        "accessIPv6": "",
        "config_drive": "",
        "OS-DCF:diskConfig": "MANUAL",
        "progress": 0,
        "OS-SRV-USG:launched_at": launched_at(&s.created),
        "OS-SRV-USG:terminated_at": "",
        "description": s.description,
        "host_status": "UP",
        "sys_tags": [{"key": "_sys_enterprise_project_id", "value": s.enterprise_project_id}],
    });
    if let Value::Object(more) = more {
        obj.extend(more);
    }
    match s.kind {
        SimKind::Ecs => {
            obj.insert(
                "os:scheduler_hints".into(),
                json!({"group": [], "tenancy": [], "dedicated_host_id": []}),
            );
        }
        SimKind::Bms => {
            obj.insert(
                "os:scheduler_hints".into(),
                json!({"dec_baremetal": ["share"]}),
            );
        }
    }
    if let Some(message) = &s.fault {
        obj.insert(
            "fault".into(),
            json!({"code": 500, "message": message, "details": "", "created": s.updated}),
        );
    }
    out
}

/// `2024-01-15T08:31:02.000000` from `2024-01-15T08:31:02Z`.
fn launched_at(created: &str) -> String {
    format!("{}.000000", created.trim_end_matches('Z'))
}

pub fn image(i: &SimImage) -> Value {
    let mut out = json!({
        "id": i.id,
        "name": i.name,
        "status": i.status,
        "visibility": i.visibility,
        "owner": if i.imagetype == "private" { super::DEFAULT_PROJECT_ID } else { "1bed856811654c1cb661a6ca845ebc77" },
        "protected": i.imagetype == "gold",
        "container_format": "bare",
        "disk_format": i.disk_format,
        "min_disk": i.min_disk,
        "min_ram": i.min_ram,
        "created_at": i.created_at,
        "updated_at": i.created_at,
        "active_at": if i.status == "active" { i.created_at.as_str() } else { "" },
        "self": format!("/v2/images/{}", i.id),
        "file": format!("/v2/images/{}/file", i.id),
        "schema": "/v2/schemas/image",
        "tags": [],
        "virtual_env_type": i.env,
        "__imagetype": i.imagetype,
        "__isregistered": "true",
        "__os_type": i.os_type,
        "__platform": i.platform,
        "__os_version": i.os_version,
        "__os_bit": i.os_bit,
        "__image_size": i.size.to_string(),
        "__image_source_type": "uds",
        "__description": "",
        "size": i.size,
        "enterprise_project_id": "0",
        "hw_firmware_type": i.firmware,
        "architecture": if i.arm { "arm" } else { "x86" },
        "__support_kvm": "true",
    });
    let obj = out.as_object_mut().expect("json! object literal");
    if !i.cloud_init {
        obj.insert("__support_fc_inject".into(), json!("true"));
    }
    if i.arm {
        obj.insert("__support_arm".into(), json!("true"));
    }
    if let Some(code) = &i.productcode {
        obj.insert("__productcode".into(), json!(code));
        obj.insert("__system_support_market".into(), json!(true));
    }
    out
}

pub fn nova_keypair(k: &SimKeypair) -> Value {
    json!({"name": k.name, "public_key": k.public_key, "fingerprint": k.fingerprint, "type": k.key_type})
}

pub fn nova_keypair_detail(k: &SimKeypair) -> Value {
    json!({"name": k.name, "public_key": k.public_key, "fingerprint": k.fingerprint,
           "created_at": k.created_at, "deleted": false, "deleted_at": null, "id": k.id,
           "updated_at": null, "user_id": super::DEFAULT_USER_ID, "type": k.key_type})
}

fn sha256_fingerprint(public_key: &str) -> String {
    let blob = public_key.split_whitespace().nth(1).unwrap_or(public_key);
    let raw = base64::engine::general_purpose::STANDARD
        .decode(blob)
        .unwrap_or_default();
    let digest = Sha256::digest(raw);
    format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(digest)
    )
}

pub fn kps_keypair(k: &SimKeypair) -> Value {
    json!({"name": k.name, "type": k.key_type, "scope": k.scope, "public_key": k.public_key,
           "fingerprint": sha256_fingerprint(&k.public_key), "is_key_protection": false,
           "frozen_state": "0"})
}

pub fn kps_keypair_detail(k: &SimKeypair, created_epoch_ms: i64) -> Value {
    json!({"name": k.name, "id": k.id, "type": k.key_type, "scope": k.scope,
           "public_key": k.public_key, "fingerprint": sha256_fingerprint(&k.public_key),
           "is_key_protection": false, "deleted": false, "description": "",
           "user_id": super::DEFAULT_USER_ID, "create_time": created_epoch_ms,
           "delete_time": null, "update_time": created_epoch_ms, "frozen_state": 0,
           "key_id": null, "algorithm": if k.public_key.starts_with("ssh-ed25519") { "ed25519" } else { "rsa" }})
}
