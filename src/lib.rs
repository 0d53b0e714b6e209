//! reimage: change or reinstall the OS of Huawei Cloud ECS and BMS servers.
//!
//! Layers, each importing only those below it: `cli`, `tui`, `jobs`, `ops` and `sandbox`,
//! `cloud`, `config`, `fsio`, with `secret` and `safe_text` under all of them. The table of
//! what each may import is in docs/architecture.md; `tests/suite/architecture.rs` holds the code
//! to it.
#![forbid(unsafe_code)]

pub mod cli;
pub mod cloud;
pub mod config;
pub mod docs_gen;
pub mod fsio;
pub mod hardening;
pub mod jobs;
pub mod logging;
pub mod ops;
pub mod safe_text;
pub mod sandbox;
pub mod secret;
pub mod tui;
