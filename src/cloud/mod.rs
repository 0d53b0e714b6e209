pub mod model;
pub mod signer;
