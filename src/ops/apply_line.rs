//! A rollout's request as the flags of `reimage apply`: what `y` in the TUI's review
//! copies, and what a rollout started in the TUI journals so `reimage apply --resume` can
//! plan its servers not sent again. Never a secret: a password is read from stdin
//! (`--password-stdin`), and user data typed in the form is not in it (it has no file).

use super::{MaxFailures, Route, Waves};

/// The request flags of `reimage apply` for a set of servers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApplyLine {
    /// Server ids, in rollout order.
    pub servers: Vec<String>,
    /// A change to this image id; `None`: a reinstall.
    pub image_id: Option<String>,
    /// Log in with a password (asked for on stdin).
    pub password: bool,
    /// Send it hashed (`--hash-password`).
    pub hash_password: bool,
    pub keypair: Option<String>,
    /// The user-data file the form loaded.
    pub user_data_file: Option<String>,
    /// User data typed in the form: no file holds it, so the line names a placeholder.
    pub user_data_typed: bool,
    pub kms_key: Option<String>,
    pub byol: bool,
    pub stop: bool,
    pub auto_pay: bool,
    /// Forced ECS route.
    pub route: Option<Route>,
    pub waves: Waves,
    pub max_failures: MaxFailures,
}

/// What the line says where typed user data would go.
pub const TYPED_USER_DATA_FILE: &str = "USER_DATA_FILE";

/// `word` as one shell word: as is when it is plain, else in single quotes.
fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@%+,".contains(&b));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

impl ApplyLine {
    /// The `reimage apply …` command, one line, every word quoted for a POSIX shell.
    pub fn command(&self) -> String {
        let mut words: Vec<String> = vec!["reimage".into(), "apply".into()];
        let mut flag = |name: &str, value: Option<&str>| {
            words.push(format!("--{name}"));
            if let Some(v) = value {
                words.push(quote(v));
            }
        };
        match &self.image_id {
            Some(id) => flag("change-to", Some(id)),
            None => flag("reinstall", None),
        }
        for s in &self.servers {
            flag("server", Some(s));
        }
        if self.password {
            flag("password-stdin", None);
        }
        if self.hash_password {
            flag("hash-password", None);
        }
        if let Some(k) = &self.keypair {
            flag("keypair", Some(k));
        }
        if self.user_data_typed {
            flag("user-data", Some(TYPED_USER_DATA_FILE));
        } else if let Some(f) = &self.user_data_file {
            flag("user-data", Some(f));
        }
        if let Some(k) = &self.kms_key {
            flag("encrypt", None);
            flag("kms-key", Some(k));
        }
        for (on, name) in [
            (self.byol, "byol"),
            (self.stop, "stop"),
            (self.auto_pay, "auto-pay"),
        ] {
            if on {
                flag(name, None);
            }
        }
        if let Some(r) = self.route {
            flag("route", Some(r.version()));
        }
        // One server is one request: no waves to speak of.
        if self.servers.len() > 1 {
            flag("waves", Some(&self.waves.to_string()));
            flag("max-failures", Some(&self.max_failures.to_string()));
        }
        words.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_names_every_flag_and_quotes_what_a_shell_would_split() {
        let line = ApplyLine {
            servers: vec!["id-1".into(), "id-2".into()],
            image_id: Some("img-9".into()),
            password: true,
            user_data_file: Some("/tmp/my init's.yaml".into()),
            stop: true,
            waves: "1,100%".parse().expect("waves"),
            max_failures: "10%".parse().expect("max"),
            ..ApplyLine::default()
        };
        assert_eq!(
            line.command(),
            "reimage apply --change-to img-9 --server id-1 --server id-2 --password-stdin \
             --user-data '/tmp/my init'\\''s.yaml' --stop --waves 1,100% --max-failures 10%"
        );
        let reinstall = ApplyLine {
            servers: vec!["a".into()],
            keypair: Some("kp admin".into()),
            user_data_typed: true,
            user_data_file: Some("ignored".into()),
            ..ApplyLine::default()
        };
        assert_eq!(
            reinstall.command(),
            "reimage apply --reinstall --server a --keypair 'kp admin' --user-data \
             USER_DATA_FILE"
        );
    }
}
