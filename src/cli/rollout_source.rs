//! What rebuilds a rollout's requests on `apply --resume`, journaled with its start (so
//! never a secret): the flags of `apply` (also what a rollout started in the TUI maps its
//! form to), or the plan file's path and hash.

use super::CliError;
use super::plan::{PlanArgs, RouteArg};
use super::targets::TargetArgs;
use crate::ops::{ApplyLine, Operation};
use crate::safe_text::escape;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub(super) enum Source {
    Flags(Flags),
    PlanFile { path: PathBuf, hash: String },
}

/// The request flags of `apply` (the image resolved to its id).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Flags {
    image_id: Option<String>,
    password: bool,
    hash_password: bool,
    keypair: Option<String>,
    user_data: Option<PathBuf>,
    /// The user data was typed in the TUI's form: no file holds it, so a resume cannot
    /// plan with it.
    #[serde(default)]
    user_data_typed: bool,
    encrypt: bool,
    kms_key: Option<String>,
    byol: bool,
    stop: bool,
    auto_pay: bool,
    route: Option<String>,
}

impl Flags {
    pub(super) fn of(args: &PlanArgs, op: &Operation) -> Flags {
        Flags {
            image_id: match op {
                Operation::Change { image_id } => Some(image_id.clone()),
                Operation::Reinstall => None,
            },
            password: args.password_stdin,
            hash_password: args.hash_password,
            keypair: args.keypair.clone(),
            user_data: args.user_data.clone(),
            user_data_typed: false,
            encrypt: args.encrypt,
            kms_key: args.kms_key.clone(),
            byol: args.byol,
            stop: args.stop,
            auto_pay: args.auto_pay,
            route: args.route.map(|r| format!("{r:?}").to_lowercase()),
        }
    }

    /// The TUI form's request as `apply` flags; `hash_password` when its plans carry the
    /// hashed-password script.
    pub(super) fn of_line(line: &ApplyLine) -> Flags {
        Flags {
            image_id: line.image_id.clone(),
            password: line.password || line.hash_password,
            hash_password: line.hash_password,
            keypair: line.keypair.clone(),
            user_data: line
                .user_data_file
                .as_ref()
                .filter(|_| !line.user_data_typed)
                .map(PathBuf::from),
            user_data_typed: line.user_data_typed,
            encrypt: line.kms_key.is_some(),
            kms_key: line.kms_key.clone(),
            byol: line.byol,
            stop: line.stop,
            auto_pay: line.auto_pay,
            route: line.route.map(|r| r.version().to_string()),
        }
    }

    /// A resume plans again from these flags: refused when they cannot say the same.
    pub(super) fn check_replannable(&self, id: &str) -> Result<(), CliError> {
        if self.user_data_typed {
            return Err(CliError::Usage(format!(
                "rollout {} cannot be resumed: its user data was typed in the TUI; start a \
                 new rollout for the servers not sent",
                escape(id)
            )));
        }
        Ok(())
    }

    /// The flags again, for the servers not sent yet.
    pub(super) fn args(&self, servers: Vec<String>) -> PlanArgs {
        PlanArgs {
            targets: TargetArgs {
                server: servers,
                ..TargetArgs::default()
            },
            change_to: self.image_id.clone(),
            reinstall: self.image_id.is_none(),
            password_stdin: self.password,
            hash_password: self.hash_password,
            keypair: self.keypair.clone(),
            user_data: self.user_data.clone(),
            encrypt: self.encrypt,
            kms_key: self.kms_key.clone(),
            byol: self.byol,
            stop: self.stop,
            auto_pay: self.auto_pay,
            route: match self.route.as_deref() {
                Some("v1") => Some(RouteArg::V1),
                Some("v2") => Some(RouteArg::V2),
                _ => None,
            },
            format: super::list::OutputFormat::Table,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_user_data_is_journaled_as_such_and_a_resume_refuses_it() {
        let line = ApplyLine {
            servers: vec!["a".into()],
            password: true,
            user_data_file: Some("/tmp/x".into()),
            user_data_typed: true,
            ..ApplyLine::default()
        };
        let json = serde_json::to_value(Source::Flags(Flags::of_line(&line))).expect("j");
        assert_eq!(
            json["user_data"],
            serde_json::Value::Null,
            "no file holds it"
        );
        let Ok(Source::Flags(back)) = serde_json::from_value::<Source>(json) else {
            panic!("flags read back");
        };
        match back.check_replannable("r1") {
            Err(CliError::Usage(why)) => assert!(
                why.contains("typed in the TUI")
                    && why.contains("start a new rollout for the servers not sent"),
                "{why}"
            ),
            other => panic!("expected a refusal, got {other:?}"),
        }
        // Journaled before the field existed: planned again as before.
        let mut old = serde_json::to_value(Flags::of_line(&ApplyLine::default())).expect("j");
        old.as_object_mut()
            .expect("object")
            .remove("user_data_typed");
        let old: Flags = serde_json::from_value(old).expect("old flags");
        assert!(old.check_replannable("r1").is_ok());
        assert!(old.args(vec!["a".into()]).reinstall);
    }
}
