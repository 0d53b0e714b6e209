//! The integration tests, one binary with a module per layer (linking the library once
//! instead of once per file). The pseudo-terminal tests are the `pty` binary.

#[path = "../support/mod.rs"]
mod support;

mod architecture;
mod packaging;

mod cli {
    mod bad;
    mod commands;
    mod list_all;
    mod secrets;
    mod usability;
}

mod cloud {
    mod bad_replies;
    mod calls;
    mod faults;
    mod image_chains;
    mod signing_vectors;
    mod tls_ca_file;
}

mod config {
    mod bad;
    mod chain;
}

mod hostile {
    mod files;
    mod service;
    mod text;
}

mod jobs {
    mod apply_wait;
    mod cli;
    mod journal;
    mod poller;
    mod poller_pacing;
}

mod ops {
    mod cli;
    mod conformance;
    mod pages_rules;
    mod plan;
}

mod rollout {
    mod plan_file;
    mod resume;
    mod waves;
}

mod sandbox {
    mod auth;
    mod basics;
    mod cli;
    mod faults;
    mod listings;
    mod os;
    mod rules;
}

mod tui {
    mod copied_command;
    mod filter;
    mod flows;
    mod form;
    mod form_e2e;
    mod jobs;
    mod jobs_states;
    mod keys;
    mod paste;
    mod pure;
    mod render;
    mod rollouts;
    mod run_loop;
    mod screen;
    mod text;
}
