//! Huawei Cloud client: signer, credentials, endpoints, ECS/BMS/IMS/KPS/IAM calls, errors.

pub mod client;
pub mod credentials;
pub mod endpoints;
pub mod error;
mod iam;
pub mod images;
pub mod jobs;
mod keyed;
mod keypairs;
mod lenient;
pub mod model;
mod paging;
pub mod probe;
pub mod reply;
pub mod request;
pub mod retry;
mod servers;
mod shared;
pub mod signer;

pub use client::{Client, ClientSettings, CloudContext};
pub use endpoints::Service;
pub use error::{CloudError, ErrorKind};
pub use images::ImageQuery;
pub use servers::{PAGE_SIZE, stop_type};
