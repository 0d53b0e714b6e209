//! Can this server run that image? Each reason is short enough for an image picker
//! (`arm64 image, x86 flavor`) and becomes a full field error for the form.

use super::errors::{Field, FieldError};
use crate::cloud::model::{Image, Server, ServerKind};

/// The smallest system disk ECS and BMS create (GB).
pub const SMALLEST_SYSTEM_DISK_GB: u64 = 40;

/// One reason an image does not fit a server. Only [`Incompatibility::DiskGrows`] and
/// [`Incompatibility::Charged`] are advisory; everything else blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incompatibility {
    NotActive {
        status: String,
    },
    NotRegistered,
    Iso,
    DataImage,
    /// An Ironic image offered to an ECS.
    BareMetalImage,
    /// A FusionCompute image offered to a BMS.
    VirtualImage,
    /// `virtual_env_type` missing or unknown.
    UnknownEnv {
        env: String,
    },
    Arch {
        image_arm: bool,
        flavor_arm: bool,
    },
    Firmware {
        image_uefi: bool,
        server_uefi: bool,
    },
    RamTooSmall {
        min_ram_mb: u64,
        ram_mb: u64,
    },
    RamTooLarge {
        max_ram_mb: u64,
        ram_mb: u64,
    },
    FlavorNotSupported {
        flavor: String,
    },
    OffShelf,
    MarketWithoutProductCode,
    /// The v1 ECS API (image without Cloud-Init) cannot change a server to Windows.
    WindowsWithoutCloudInit,
    /// Advisory: the system disk grows to the image's `min_disk`.
    DiskGrows {
        min_disk_gb: u64,
        has_gb: Option<u64>,
    },
    /// Advisory: the image is charged.
    Charged,
}

impl Incompatibility {
    pub fn is_blocking(&self) -> bool {
        !matches!(
            self,
            Incompatibility::DiskGrows { .. } | Incompatibility::Charged
        )
    }

    /// A few words for a picker row.
    pub fn short(&self) -> String {
        let arch = |arm: bool| if arm { "arm64" } else { "x86" };
        let fw = |uefi: bool| if uefi { "UEFI" } else { "BIOS" };
        match self {
            Incompatibility::NotActive { status } => format!("status {status}"),
            Incompatibility::NotRegistered => "not registered".into(),
            Incompatibility::Iso => "ISO image".into(),
            Incompatibility::DataImage => "data-disk image".into(),
            Incompatibility::BareMetalImage => "bare-metal image".into(),
            Incompatibility::VirtualImage => "ECS image, not bare metal".into(),
            Incompatibility::UnknownEnv { env } if env.is_empty() => "image type unknown".into(),
            Incompatibility::UnknownEnv { env } => format!("{env} image"),
            Incompatibility::Arch {
                image_arm,
                flavor_arm,
            } => format!("{} image, {} flavor", arch(*image_arm), arch(*flavor_arm)),
            Incompatibility::Firmware {
                image_uefi,
                server_uefi,
            } => format!("{} image, {} server", fw(*image_uefi), fw(*server_uefi)),
            Incompatibility::RamTooSmall { min_ram_mb, ram_mb } => {
                format!("needs {min_ram_mb} MB RAM, has {ram_mb} MB")
            }
            Incompatibility::RamTooLarge { max_ram_mb, ram_mb } => {
                format!("max {max_ram_mb} MB RAM, has {ram_mb} MB")
            }
            Incompatibility::FlavorNotSupported { flavor } => format!("not for flavor {flavor}"),
            Incompatibility::OffShelf => "off the shelf".into(),
            Incompatibility::MarketWithoutProductCode => "market image, no product code".into(),
            Incompatibility::WindowsWithoutCloudInit => "Windows without Cloud-Init".into(),
            Incompatibility::DiskGrows {
                min_disk_gb,
                has_gb: Some(has),
            } => format!("needs {min_disk_gb} GB disk, has {has} GB"),
            Incompatibility::DiskGrows {
                min_disk_gb,
                has_gb: None,
            } => format!("needs {min_disk_gb} GB disk"),
            Incompatibility::Charged => "charged image".into(),
        }
    }

    /// How to get past it.
    pub fn fix(&self) -> &'static str {
        match self {
            Incompatibility::NotActive { .. } | Incompatibility::NotRegistered => {
                "wait until the image is active, or pick another image"
            }
            Incompatibility::Arch { .. } => "pick an image of the flavor's architecture",
            Incompatibility::Firmware { .. } => {
                "pick an image with the server's boot firmware (BIOS/UEFI)"
            }
            Incompatibility::RamTooSmall { .. } | Incompatibility::RamTooLarge { .. } => {
                "pick another image, or resize the server to a fitting flavor first"
            }
            Incompatibility::FlavorNotSupported { .. } => {
                "pick an image made for this flavor, or resize the server first"
            }
            Incompatibility::WindowsWithoutCloudInit => {
                "pick a Windows image with Cloudbase-Init, or a Linux image"
            }
            Incompatibility::DiskGrows { .. } | Incompatibility::Charged => "nothing to fix",
            _ => "pick another image",
        }
    }

    pub fn to_field_error(&self) -> FieldError {
        FieldError::new(Field::Image, self.short(), self.fix())
    }
}

/// ARM flavors: ECS names start with `k` (`kc1.large.2`, `k1.`, `km1.`, `kai1.`); BMS
/// physical ARM flavors contain `.kunpeng` or start with `physical.k`. A naming heuristic:
/// flavors do not carry an architecture field.
pub fn flavor_is_arm(kind: ServerKind, flavor: &str) -> bool {
    let f = flavor.to_ascii_lowercase();
    match kind {
        ServerKind::Ecs => f.starts_with('k'),
        ServerKind::Bms => f.contains(".kunpeng") || f.starts_with("physical.k"),
    }
}

/// The server boots UEFI when its current image says so; BIOS otherwise (also when the
/// current image is unknown).
pub fn server_is_uefi(current_image: Option<&Image>) -> bool {
    current_image.is_some_and(Image::is_uefi)
}

/// Whether `flavor` is in the image's supported-flavor list (absent list = any flavor).
fn flavor_supported(image: &Image, flavor: &str) -> bool {
    let Some(list) = image.supported_flavors.as_deref() else {
        return true;
    };
    let mut entries = list.split(',').map(str::trim).filter(|e| !e.is_empty());
    entries.any(|e| match e.strip_suffix('*') {
        Some(prefix) => flavor.starts_with(prefix),
        None => e == flavor,
    })
}

/// Check `image` as the new image of `server`. `Ok` carries advisories, `Err` every
/// blocking reason (advisories left out).
pub fn image_compatibility(
    server: &Server,
    current_image: Option<&Image>,
    system_disk_gb: Option<u64>,
    image: &Image,
) -> Result<Vec<Incompatibility>, Vec<Incompatibility>> {
    let mut found = Vec::new();
    if image.status != "active" {
        found.push(Incompatibility::NotActive {
            status: if image.status.is_empty() {
                "unknown".into()
            } else {
                image.status.to_string()
            },
        });
    }
    if image.is_registered.as_deref().is_some_and(|r| r != "true") {
        found.push(Incompatibility::NotRegistered);
    }
    let is_iso = image.virtual_env_type == "IsoImage"
        || image
            .disk_format
            .as_deref()
            .is_some_and(|f| f.eq_ignore_ascii_case("iso"));
    let env = image.virtual_env_type.as_str();
    match (server.kind, env) {
        _ if is_iso => found.push(Incompatibility::Iso),
        (_, "DataImage") => found.push(Incompatibility::DataImage),
        (ServerKind::Ecs, "FusionCompute") | (ServerKind::Bms, "Ironic") => {}
        (ServerKind::Ecs, "Ironic") => found.push(Incompatibility::BareMetalImage),
        (ServerKind::Bms, "FusionCompute") => found.push(Incompatibility::VirtualImage),
        (_, other) => found.push(Incompatibility::UnknownEnv { env: other.into() }),
    }
    let flavor = server.flavor_name();
    let flavor_arm = flavor_is_arm(server.kind, flavor);
    if image.is_arm() != flavor_arm {
        found.push(Incompatibility::Arch {
            image_arm: image.is_arm(),
            flavor_arm,
        });
    }
    let server_uefi = server_is_uefi(current_image);
    if image.is_uefi() != server_uefi {
        found.push(Incompatibility::Firmware {
            image_uefi: image.is_uefi(),
            server_uefi,
        });
    }
    if let Some(ram_mb) = server.flavor.ram {
        match (image.min_ram, image.max_ram) {
            (Some(min), _) if min > ram_mb => found.push(Incompatibility::RamTooSmall {
                min_ram_mb: min,
                ram_mb,
            }),
            (_, Some(max)) if max > 0 && ram_mb > max => found.push(Incompatibility::RamTooLarge {
                max_ram_mb: max,
                ram_mb,
            }),
            _ => {}
        }
    }
    if !flavor_supported(image, flavor) {
        found.push(Incompatibility::FlavorNotSupported {
            flavor: flavor.into(),
        });
    }
    if image.is_offshelved.as_deref() == Some("true") {
        found.push(Incompatibility::OffShelf);
    }
    if image.image_type == "market" && image.product_code.as_deref().unwrap_or("").is_empty() {
        found.push(Incompatibility::MarketWithoutProductCode);
    }
    if server.kind == ServerKind::Ecs && image.is_windows() && !image.has_cloud_init() {
        found.push(Incompatibility::WindowsWithoutCloudInit);
    }
    // Unknown disk size (the listing does not carry it): every system disk has at least
    // the smallest size the console offers, so only a bigger minimum is worth a warning.
    if let Some(min_disk_gb) = image.min_disk.filter(|d| *d > 0)
        && system_disk_gb.map_or(min_disk_gb > SMALLEST_SYSTEM_DISK_GB, |has| {
            has < min_disk_gb
        })
    {
        found.push(Incompatibility::DiskGrows {
            min_disk_gb,
            has_gb: system_disk_gb,
        });
    }
    if image.is_charged() {
        found.push(Incompatibility::Charged);
    }
    let (advisory, blocking): (Vec<_>, Vec<_>) = found.into_iter().partition(|i| !i.is_blocking());
    if blocking.is_empty() {
        Ok(advisory)
    } else {
        Err(blocking)
    }
}
