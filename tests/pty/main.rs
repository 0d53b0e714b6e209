//! The real binary in a pseudo-terminal, read back through a vt100 parser as a user at a
//! terminal would see it. A binary of its own: these tests run whole programs and wait on
//! screens, so they do not share their threads with the library tests of `suite`.

#[path = "../support/mod.rs"]
mod support;

mod cloud;
mod first_frame;
mod flows;
mod hangup;
mod jobs_resume;
mod lifecycle;
mod password;
mod paste;
mod readme_screens;
mod region_and_state;
mod rollout_waves;
mod smoke;
