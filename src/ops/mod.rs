//! Change-OS and reinstall-OS requests: pure, no I/O; the single authority on request
//! validity.
//!
//! From the server (as listed), the images and key pairs the cloud knows, the caller's user
//! id and what the user entered, [`plan`] returns either the exact request for one of the six
//! APIs (ECS v1/v2 change and reinstall, BMS change and reinstall) with the warnings and
//! preconditions to show, or every [`FieldError`], each naming its [`Field`] and the fix.
//! The TUI form and the `plan`/`apply` commands both call it; neither holds a rule of its own.
//!
//! Live checks for a form, field by field: [`check_password`], [`check_password_confirm`],
//! [`check_keypair`], [`check_user_data`], [`check_login_mode`], [`field_errors`], with
//! [`field_applies`] and [`Entries::defaults_for`] to lay the form out; for pickers and
//! menus: [`image_compatibility`] / [`Input::image_fit`] (short reasons) and
//! [`server_can_take`] (the way out, e.g. "stop it first", and the [`Step`] each face
//! names its own way).
//!
//! Secrets (password, user data) live in [`Secret`]/[`SecretBytes`], are wiped on drop and
//! appear masked in every `Debug` and in [`Plan::masked_body`].

mod apply_line;
mod body;
mod checks;
mod compat;
mod crypt;
mod errors;
mod form;
mod input;
mod login;
mod marks;
mod password;
mod plan;
mod plan_file;
mod route;
pub mod sources;
mod state;
mod user_data;
mod waves;

/// The wiped holders, named here for the form and the scripts that fill an [`Input`].
pub use crate::secret::{Secret, SecretBytes};
pub use apply_line::{ApplyLine, TYPED_USER_DATA_FILE};
pub use body::{Body, Metadata, PASSWORD_MARKER, PASSWORD_MASK, USER_DATA_MARKER};
pub use checks::{KMS_KEY_LEN, is_uuid};
pub use compat::{
    Incompatibility, flavor_is_arm, image_compatibility, server_is_arm, server_is_uefi,
};
pub use crypt::{SCRIPT_MASKED as HASHED_PASSWORD_SCRIPT_MASKED, chpasswd_script, sha512_crypt};
pub use errors::{Field, FieldError, OsFamily, Precondition, Step, Warning};
pub use form::{auto_pay_offered, field_applies, field_errors, field_warnings, validate};
pub use input::{Entries, Input, LoginMode, OpKind, Operation, UserData, UserDataSource};
pub use login::{check_keypair, check_login_mode, check_user_data_allowed};
pub use marks::fill_marks;
pub use password::{
    BMS_SPECIALS, PasswordTarget, SPECIALS, check_password, check_password_confirm,
};
pub use plan::{Plan, plan, warnings};
pub use plan_file::{PLAN_FORMAT, PlanFile, PlannedServer, SecretSlot, SeenState};
pub use route::{Route, RouteDecision, decide_route, ecs_route_for};
pub use sources::Cite;
pub use state::{Readiness, Refusal, is_prepaid, is_spot, server_can_stop, server_can_take};
pub use user_data::{
    EncodedUserData, MAX_BYTES as USER_DATA_MAX_BYTES, check_user_data, encode_user_data,
};
pub use waves::{MaxFailures, Step as WaveStep, Waves};
