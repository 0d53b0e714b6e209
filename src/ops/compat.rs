//! Can this server run that image? Each finding is short enough for an image picker
//! (`arm64 image, x86 server`) and becomes a field error (when a page or SDK model makes it
//! a requirement, see [`Incompatibility::basis`]) or a warning under the image.

use super::errors::{Field, FieldError};
use super::sources::{self, Cite};
use crate::cloud::model::{Image, Server, ServerKind};

/// The smallest system disk ECS and BMS create (GB).
pub const SMALLEST_SYSTEM_DISK_GB: u64 = 40;

/// One reason an image may not fit a server.
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
        server_arm: bool,
    },
    /// The current image is not listed and the flavor name does not tell.
    ArchUnknown {
        image_arm: bool,
    },
    Firmware {
        image_uefi: bool,
        server_uefi: bool,
    },
    /// The current image is not listed, so its boot firmware is unknown.
    FirmwareUnknown {
        image_uefi: bool,
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
    /// The /v2 change route cannot change an ECS to Windows (page 001).
    WindowsOnV2,
    /// Advisory: the system disk grows to the image's `min_disk`.
    DiskGrows {
        min_disk_gb: u64,
        has_gb: Option<u64>,
    },
    /// Advisory: the image is charged.
    Charged,
}

impl Incompatibility {
    /// The page or SDK sentence that makes this a requirement; `None` means the service
    /// decides, and reimage only warns.
    pub fn basis(&self) -> Option<Cite> {
        match self {
            Incompatibility::NotActive { .. } => Some(sources::IMAGE_ACTIVE),
            Incompatibility::Iso
            | Incompatibility::DataImage
            | Incompatibility::BareMetalImage
            | Incompatibility::VirtualImage => Some(sources::IMAGE_ENV),
            Incompatibility::WindowsOnV2 => Some(sources::NO_WINDOWS_ON_V2),
            _ => None,
        }
    }

    pub fn is_blocking(&self) -> bool {
        self.basis().is_some()
    }

    /// Notes for an image that fits (the disk grows, it is charged), as opposed to
    /// reasons the service may refuse it.
    pub fn is_note(&self) -> bool {
        matches!(
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
                server_arm,
            } => format!("{} image, {} server", arch(*image_arm), arch(*server_arm)),
            Incompatibility::ArchUnknown { image_arm } => {
                format!("{} image, server architecture unknown", arch(*image_arm))
            }
            Incompatibility::Firmware {
                image_uefi,
                server_uefi,
            } => format!("{} image, {} server", fw(*image_uefi), fw(*server_uefi)),
            Incompatibility::FirmwareUnknown { image_uefi } => {
                format!("{} image, server boot firmware unknown", fw(*image_uefi))
            }
            Incompatibility::RamTooSmall { min_ram_mb, ram_mb } => {
                format!("needs {min_ram_mb} MB RAM, has {ram_mb} MB")
            }
            Incompatibility::RamTooLarge { max_ram_mb, ram_mb } => {
                format!("max {max_ram_mb} MB RAM, has {ram_mb} MB")
            }
            Incompatibility::FlavorNotSupported { flavor } => format!("not for flavor {flavor}"),
            Incompatibility::OffShelf => "off the shelf".into(),
            Incompatibility::MarketWithoutProductCode => "market image, no product code".into(),
            Incompatibility::WindowsOnV2 => "Windows, not through /v2".into(),
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
            Incompatibility::Arch { .. } | Incompatibility::ArchUnknown { .. } => {
                "pick an image of the server's architecture"
            }
            Incompatibility::Firmware { .. } | Incompatibility::FirmwareUnknown { .. } => {
                "pick an image with the server's boot firmware (BIOS/UEFI)"
            }
            Incompatibility::RamTooSmall { .. } | Incompatibility::RamTooLarge { .. } => {
                "pick another image, or resize the server to a fitting flavor first"
            }
            Incompatibility::FlavorNotSupported { .. } => {
                "pick an image made for this flavor, or resize the server first"
            }
            Incompatibility::WindowsOnV2 => {
                "pick a Linux image, or a Windows image without Cloud-Init (the /v1 route)"
            }
            Incompatibility::DiskGrows { .. } | Incompatibility::Charged => "nothing to fix",
            _ => "pick another image",
        }
    }

    pub fn to_field_error(&self) -> Option<FieldError> {
        let basis = self.basis()?;
        Some(FieldError::new(Field::Image, self.short(), self.fix()).cite(basis))
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

/// The server's architecture (`true` for ARM): its current image's when listed, else ARM
/// when the flavor name says so; `None` when nothing tells.
pub fn server_is_arm(server: &Server, current_image: Option<&Image>) -> Option<bool> {
    match current_image {
        Some(image) => Some(image.is_arm()),
        None => flavor_is_arm(server.kind, server.flavor_name()).then_some(true),
    }
}

/// The server boots UEFI when its current image says so; `None` when the current image is
/// not listed (deleted, private to another project, no longer shared).
pub fn server_is_uefi(current_image: Option<&Image>) -> Option<bool> {
    current_image.map(Image::is_uefi)
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

/// Every finding about `image` as the new image of `server`, whether it blocks or not.
/// `windows_via_v2`: the request would go to the /v2 change route.
pub fn image_compatibility(
    server: &Server,
    current_image: Option<&Image>,
    system_disk_gb: Option<u64>,
    image: &Image,
    windows_via_v2: bool,
) -> Vec<Incompatibility> {
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
    let image_arm = image.is_arm();
    match server_is_arm(server, current_image) {
        Some(server_arm) if server_arm != image_arm => found.push(Incompatibility::Arch {
            image_arm,
            server_arm,
        }),
        Some(_) => {}
        None => found.push(Incompatibility::ArchUnknown { image_arm }),
    }
    let image_uefi = image.is_uefi();
    match server_is_uefi(current_image) {
        Some(server_uefi) if server_uefi != image_uefi => found.push(Incompatibility::Firmware {
            image_uefi,
            server_uefi,
        }),
        Some(_) => {}
        None => found.push(Incompatibility::FirmwareUnknown { image_uefi }),
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
    let flavor = server.flavor_name();
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
    if windows_via_v2 && server.kind == ServerKind::Ecs && image.is_windows() {
        found.push(Incompatibility::WindowsOnV2);
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
    found
}
