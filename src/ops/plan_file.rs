//! The plan file of `reimage plan --out FILE`: for each server its state as seen (status,
//! image id, updated time), the route and the exact body with a marker where each secret
//! goes, and a SHA-256 of it all. It holds no secret. `reimage apply --plan FILE` checks
//! the hash, refuses when a server changed since (Terraform's stale-plan rule), asks for
//! the secrets and sends exactly these bodies.
//!
//! The hash is of the file's JSON without the hash, as reimage writes it: it catches an
//! edit or a damaged copy. It is not a signature: anyone who can write the file can
//! compute it again.

use crate::cloud::model::{Server, ServerKind};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const PLAN_FORMAT: &str = "reimage-plan/1";

/// A server as the plan saw it; any difference when applying refuses the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeenState {
    pub status: String,
    pub image_id: String,
    pub updated: String,
}

impl SeenState {
    pub fn of(server: &Server) -> SeenState {
        SeenState {
            status: server.status.to_string(),
            image_id: server.current_image_id().unwrap_or_default().to_string(),
            updated: server.updated.clone(),
        }
    }

    /// What changed from `self` to `now`, in words; empty when nothing did.
    pub fn changes(&self, now: &SeenState) -> Vec<String> {
        let mut out = Vec::new();
        for (what, was, is) in [
            ("status", &self.status, &now.status),
            ("image", &self.image_id, &now.image_id),
            ("updated time", &self.updated, &now.updated),
        ] {
            if was != is {
                out.push(format!("{what} was {was:?}, is {is:?}"));
            }
        }
        out
    }
}

/// Where the secrets of the bodies come from when the plan is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretSlot {
    /// `adminpass`: the password, asked again.
    Password,
    /// The user data is the `chpasswd -e` script of the password, hashed again.
    HashedPassword,
    /// The user data file, given again with `--user-data` (its size must match).
    UserDataFile,
}

/// One planned request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlannedServer {
    pub id: String,
    pub name: String,
    pub kind: ServerKind,
    /// `Linux` or `Windows` after the change: which password rules apply.
    pub os: String,
    pub seen: SeenState,
    pub operation: String,
    /// `v1`, `v2` or `bms`, and why.
    pub route: String,
    pub route_reason: String,
    pub from_image: String,
    pub to_image: String,
    /// The image the server shows once the job succeeded.
    pub expect_image_id: String,
    pub method: String,
    pub path: String,
    /// The exact body, each secret replaced by its marker.
    pub body: String,
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanFile {
    pub format: String,
    pub created_at: String,
    pub region: String,
    pub project_id: String,
    /// How the new systems are logged into (named, never the secret).
    pub login: String,
    pub secrets: Vec<SecretSlot>,
    /// Size before encoding of the user data file, when it is one of the secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_data_bytes: Option<usize>,
    pub waves: String,
    pub max_failures: String,
    pub servers: Vec<PlannedServer>,
    /// `sha256:` and the hex digest of the file without this field.
    #[serde(default)]
    pub hash: String,
}

impl PlanFile {
    /// The digest of everything but the hash.
    pub fn digest(&self) -> String {
        let mut copy = self.clone();
        copy.hash = String::new();
        let bytes = serde_json::to_vec(&copy).unwrap_or_default();
        format!("sha256:{}", hex::encode(Sha256::digest(&bytes)))
    }

    /// The file's text, its hash set.
    pub fn to_text(&mut self) -> Result<String, String> {
        self.hash = self.digest();
        serde_json::to_string_pretty(self)
            .map(|t| t + "\n")
            .map_err(|e| e.to_string())
    }

    /// Read a plan file: its format known and its hash right, else why not.
    pub fn parse(text: &[u8]) -> Result<PlanFile, String> {
        let plan: PlanFile = serde_json::from_slice(text)
            .map_err(|e| format!("it is not a reimage plan file ({e})"))?;
        if plan.format != PLAN_FORMAT {
            return Err(format!(
                "its format is {:?}; this reimage reads {PLAN_FORMAT:?}",
                plan.format
            ));
        }
        if plan.hash != plan.digest() {
            return Err(
                "its hash does not match its content: it was changed or damaged since \
                 `reimage plan --out` wrote it; plan again"
                    .into(),
            );
        }
        Ok(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> PlanFile {
        PlanFile {
            format: PLAN_FORMAT.into(),
            created_at: "2026-12-02T14:00:00Z".into(),
            region: "r".into(),
            project_id: "p".into(),
            login: "password".into(),
            secrets: vec![SecretSlot::Password],
            user_data_bytes: None,
            waves: "100%".into(),
            max_failures: "0".into(),
            servers: vec![PlannedServer {
                id: "s1".into(),
                name: "web-01".into(),
                kind: ServerKind::Ecs,
                os: "Linux".into(),
                seen: SeenState {
                    status: "SHUTOFF".into(),
                    image_id: "i0".into(),
                    updated: "t0".into(),
                },
                operation: "change OS".into(),
                route: "v2".into(),
                route_reason: "cloud-init".into(),
                from_image: "a".into(),
                to_image: "b".into(),
                expect_image_id: "i1".into(),
                method: "POST".into(),
                path: "/v2/p/cloudservers/s1/changeos".into(),
                body: r#"{"os-change": {"adminpass": "<secret:adminpass>"}}"#.into(),
            }],
            hash: String::new(),
        }
    }

    #[test]
    fn the_hash_catches_any_edit() {
        let text = sample().to_text().expect("text");
        let back = PlanFile::parse(text.as_bytes()).expect("parses");
        assert_eq!(back.servers[0].name, "web-01");
        let edited = text
            .replace("withStopServer", "x")
            .replace("SHUTOFF", "ACTIVE");
        let e = PlanFile::parse(edited.as_bytes()).expect_err("edited");
        assert!(e.contains("hash does not match"), "{e}");
        assert!(PlanFile::parse(b"{}").is_err());
    }

    #[test]
    fn changes_are_named() {
        let a = sample().servers[0].seen.clone();
        let mut b = a.clone();
        assert!(a.changes(&b).is_empty());
        b.status = "ACTIVE".into();
        b.updated = "t1".into();
        let c = a.changes(&b);
        assert_eq!(c.len(), 2);
        assert!(c[0].contains("status was \"SHUTOFF\""), "{c:?}");
    }
}
