//! reimage: change or reinstall the OS of Huawei Cloud ECS and BMS servers.
//!
//! Layers, each importing only those below it (see docs/architecture.md):
//! `tui` > `jobs` > `ops` > `cloud` > `sandbox` > `config`, and `safe_text` (terminal-safe
//! text) under all of them.
#![forbid(unsafe_code)]

pub mod cli;
pub mod cloud;
pub mod config;
pub mod docs_gen;
pub mod hardening;
pub mod jobs;
pub mod logging;
pub mod ops;
pub mod safe_text;
pub mod sandbox;
pub mod tui;
