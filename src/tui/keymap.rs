//! Keys → typed [`Action`]s. Built-in defaults, patched by the `[keys]` table of
//! config.toml, then checked: a key bound twice in one scope, or a pane key shadowed by a
//! global one, is an error that says which keys and actions collide.

pub use super::key::{Key, KeyCodeOrd};
use std::collections::BTreeMap;

/// Where a binding applies. Lookup goes pane scope, then `Table`, then `Global`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    Global,
    Table,
    Servers,
    Images,
    Jobs,
}

impl Scope {
    pub fn label(self) -> &'static str {
        match self {
            Scope::Global => "Anywhere",
            Scope::Table => "Tables",
            Scope::Servers => "Servers",
            Scope::Images => "Images",
            Scope::Jobs => "Jobs",
        }
    }
}

macro_rules! actions {
    ($($variant:ident $name:literal $scope:ident $danger:literal $help:literal [$($key:literal),*];)*) => {
        /// Everything a key can do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Action { $($variant),* }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            /// The name used in config.toml.
            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => $name),* }
            }

            pub fn scope(self) -> Scope {
                match self { $(Action::$variant => Scope::$scope),* }
            }

            /// A change to a server: refused in read-only mode.
            pub fn is_dangerous(self) -> bool {
                match self { $(Action::$variant => $danger),* }
            }

            pub fn help(self) -> &'static str {
                match self { $(Action::$variant => $help),* }
            }

            fn default_keys(self) -> &'static [&'static str] {
                match self { $(Action::$variant => &[$($key),*]),* }
            }
        }
    };
}

actions! {
    Quit "quit" Global false "quit (asks while a request is being sent)" ["q"];
    Help "help" Global false "help: every key binding" ["?"];
    CommandLine "command" Global false "command line: servers images keypairs jobs region profile q" [":"];
    Refresh "refresh" Global false "refresh the listings" ["r", "ctrl-r"];
    NextPane "next_pane" Global false "next pane" ["tab"];
    PrevPane "prev_pane" Global false "previous pane" ["backtab"];
    GoServers "servers" Global false "Servers pane" ["1"];
    GoImages "images" Global false "Images pane" ["2"];
    GoKeypairs "keypairs" Global false "Key pairs pane" ["3"];
    GoJobs "jobs" Global false "Jobs pane" ["4"];
    Redraw "redraw" Global false "repaint the whole screen" ["ctrl-l"];
    Messages "messages" Global false "past messages and errors, with their hints" ["M"];
    Up "up" Table false "move up" ["k", "up"];
    Down "down" Table false "move down" ["j", "down"];
    PageUp "page_up" Table false "page up" ["pgup", "ctrl-u"];
    PageDown "page_down" Table false "page down" ["pgdn", "ctrl-d"];
    Top "top" Table false "first row" ["g", "home"];
    Bottom "bottom" Table false "last row" ["G", "end"];
    Filter "filter" Table false "filter: rows containing it (~text fuzzy; Esc clears)" ["/"];
    SortNext "sort" Table false "sort by the next column" ["o"];
    SortReverse "sort_reverse" Table false "reverse the sort" ["O"];
    Details "details" Table false "details of the row (narrow screens)" ["enter"];
    CopyId "copy_id" Table false "copy the id (OSC 52)" ["y"];
    Mark "mark" Servers false "mark the row for a bulk action" ["space"];
    MarkAll "mark_all" Servers false "mark every filtered row" ["A"];
    UnmarkAll "unmark_all" Servers false "unmark all rows" ["u"];
    ChangeOs "change_os" Servers true "change OS of the row (or the marked rows)" ["c"];
    Reinstall "reinstall" Servers true "reinstall OS of the row (or the marked rows)" ["R"];
    Stop "stop" Servers true "stop the server (or the marked servers)" ["s"];
    ImageType "image_type" Images false "filter: public / private / shared / market" ["t"];
    ImageEnv "image_env" Images false "filter: ECS / BMS images" ["e"];
    ImageArch "image_arch" Images false "filter: x86 / arm" ["a"];
    ImagePlatform "image_os" Images false "filter: OS platform" ["p"];
    DismissJob "dismiss_job" Jobs false "dismiss a finished job" ["d"];
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    #[error("key binding \"{key}\": {why}")]
    BadKey { key: String, why: String },
    #[error("[keys] {name}: no such action; known actions: {known}")]
    UnknownAction { name: String, known: String },
    #[error("key {key} is bound to both {first} and {second} ({scope}); change one in [keys]")]
    Conflict {
        key: String,
        first: &'static str,
        second: &'static str,
        scope: &'static str,
    },
    #[error(
        "key {key} of {pane} ({pane_scope}) is hidden by {global} ({global_scope}); change one in [keys]"
    )]
    Shadowed {
        key: String,
        pane: &'static str,
        pane_scope: &'static str,
        global: &'static str,
        global_scope: &'static str,
    },
}

/// A `[keys]` value in config.toml: one key or a list (`[]` unbinds).
///
/// ```toml
/// [keys]
/// down = ["j", "down", "ctrl-n"]
/// refresh = "f5"
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(untagged)]
pub enum KeyList {
    One(String),
    Many(Vec<String>),
}

impl KeyList {
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            KeyList::One(k) => vec![k.clone()],
            KeyList::Many(v) => v.clone(),
        }
    }
}

/// The bindings in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: BTreeMap<Action, Vec<Key>>,
}

impl Default for Keymap {
    fn default() -> Self {
        let bindings = Action::ALL
            .iter()
            .map(|&a| {
                let keys = a
                    .default_keys()
                    .iter()
                    .filter_map(|k| Key::parse(k).ok())
                    .collect();
                (a, keys)
            })
            .collect();
        Keymap { bindings }
    }
}

impl Keymap {
    /// Defaults patched by config: `action name → keys` (an empty list unbinds), then checked.
    pub fn with_overrides(overrides: &BTreeMap<String, Vec<String>>) -> Result<Self, KeymapError> {
        let mut map = Keymap::default();
        for (name, keys) in overrides {
            let action = Action::ALL
                .iter()
                .copied()
                .find(|a| a.name() == name)
                .ok_or_else(|| KeymapError::UnknownAction {
                    name: name.clone(),
                    known: Action::ALL
                        .iter()
                        .map(|a| a.name())
                        .collect::<Vec<_>>()
                        .join(", "),
                })?;
            let keys = keys
                .iter()
                .map(|k| Key::parse(k))
                .collect::<Result<Vec<_>, _>>()?;
            map.bindings.insert(action, keys);
        }
        map.check()?;
        Ok(map)
    }

    /// Defaults patched by the `[keys]` table of config.toml, then checked.
    pub fn from_config(keys: &BTreeMap<String, KeyList>) -> Result<Self, KeymapError> {
        let plain = keys.iter().map(|(k, v)| (k.clone(), v.to_vec())).collect();
        Self::with_overrides(&plain)
    }

    /// Reports the first collision: same key twice in one scope, or a narrower scope's key
    /// also bound in a wider one.
    pub fn check(&self) -> Result<(), KeymapError> {
        let mut seen: BTreeMap<(Scope, Key), Action> = BTreeMap::new();
        for (&action, keys) in &self.bindings {
            for &key in keys {
                let other = seen
                    .get(&(action.scope(), key))
                    .copied()
                    .filter(|&first| first != action);
                if let Some(first) = other {
                    return Err(KeymapError::Conflict {
                        key: key.to_string(),
                        first: first.name(),
                        second: action.name(),
                        scope: action.scope().label(),
                    });
                }
                seen.insert((action.scope(), key), action);
            }
        }
        for (&(scope, key), &action) in &seen {
            let wider: &[Scope] = match scope {
                Scope::Global => &[],
                Scope::Table => &[Scope::Global],
                _ => &[Scope::Table, Scope::Global],
            };
            for w in wider {
                if let Some(&global) = seen.get(&(*w, key)) {
                    return Err(KeymapError::Shadowed {
                        key: key.to_string(),
                        pane: action.name(),
                        pane_scope: scope.label(),
                        global: global.name(),
                        global_scope: w.label(),
                    });
                }
            }
        }
        Ok(())
    }

    /// The action a key fires in `pane` (pane scope first, then tables, then global).
    pub fn lookup(&self, pane: Option<Scope>, key: Key) -> Option<Action> {
        let scopes = [pane, Some(Scope::Table), Some(Scope::Global)];
        scopes.into_iter().flatten().find_map(|scope| {
            self.bindings
                .iter()
                .find(|(a, keys)| a.scope() == scope && keys.contains(&key))
                .map(|(a, _)| *a)
        })
    }

    pub fn keys(&self, action: Action) -> &[Key] {
        self.bindings.get(&action).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The keys of an action as shown in help and the footer, e.g. `j/Down`.
    pub fn label(&self, action: Action) -> String {
        self.keys(action)
            .iter()
            .map(Key::to_string)
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The first key of an action, as shown in the footer.
    pub fn short(&self, action: Action) -> Option<String> {
        self.keys(action).first().map(Key::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_keymap_has_no_conflict_and_every_action_a_key_and_help() {
        let map = Keymap::default();
        map.check().expect("defaults are consistent");
        for &a in Action::ALL {
            assert!(!map.keys(a).is_empty(), "{} has no key", a.name());
            assert!(!a.help().is_empty());
            // Every default key string parses.
            assert_eq!(map.keys(a).len(), a.default_keys().len(), "{}", a.name());
        }
    }

    #[test]
    fn overrides_apply_and_conflicts_are_reported() {
        let mut o = BTreeMap::new();
        o.insert("down".to_string(), vec!["n".to_string()]);
        let map = Keymap::with_overrides(&o).expect("valid override");
        let n = Key::parse("n").expect("key");
        assert_eq!(map.lookup(None, n), Some(Action::Down));
        assert_eq!(map.lookup(None, Key::parse("j").expect("key")), None);

        o.insert("up".to_string(), vec!["n".to_string()]);
        let err = Keymap::with_overrides(&o).expect_err("conflict");
        assert!(matches!(err, KeymapError::Conflict { .. }), "{err}");

        let mut o = BTreeMap::new();
        o.insert("stop".to_string(), vec!["q".to_string()]);
        let err = Keymap::with_overrides(&o).expect_err("shadowed");
        assert!(err.to_string().contains("hidden by quit"), "{err}");

        let mut o = BTreeMap::new();
        o.insert("explode".to_string(), vec!["x".to_string()]);
        assert!(matches!(
            Keymap::with_overrides(&o),
            Err(KeymapError::UnknownAction { .. })
        ));
    }

    #[test]
    fn reads_the_keys_table_of_config_toml() {
        #[derive(serde::Deserialize)]
        struct Config {
            keys: BTreeMap<String, KeyList>,
        }
        let c: Config =
            toml::from_str("[keys]\ndown = [\"n\", \"down\"]\nrefresh = \"f5\"\n").expect("toml");
        let map = Keymap::from_config(&c.keys).expect("valid");
        assert_eq!(map.label(Action::Down), "n/Down");
        assert_eq!(map.label(Action::Refresh), "F5");
        let c: Config = toml::from_str("[keys]\nrefresh = \"alt-r\"\n").expect("toml");
        let err = Keymap::from_config(&c.keys).expect_err("alt chords refused");
        assert!(err.to_string().contains("Alt chords"), "{err}");
    }

    #[test]
    fn pane_scope_wins_over_table_scope() {
        let map = Keymap::default();
        let a = Key::parse("a").expect("key");
        assert_eq!(map.lookup(Some(Scope::Images), a), Some(Action::ImageArch));
        assert_eq!(map.lookup(Some(Scope::Servers), a), None);
    }
}
