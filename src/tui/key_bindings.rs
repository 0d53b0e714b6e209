//! Keys → typed [`Action`]s. Built-in defaults, patched by the `[keys]` table of
//! config.toml, then checked: a key bound twice in one scope, or a pane key shadowed by a
//! global one, is an error that says which keys and actions collide.

pub use super::key_parse::{Key, KeyCodeOrd};
use std::collections::BTreeMap;

/// Where a binding applies. On a pane, lookup goes pane scope, then `Table`, then
/// `Global`; a popup's scope stands alone (a popup takes every key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    Global,
    Table,
    Servers,
    Images,
    Jobs,
    /// The change / reinstall form while editing.
    Form,
    /// The form's image or key pair picker.
    Picker,
    /// The form's review with its typed confirmation.
    Review,
    /// The form's results while and after sending.
    Sending,
    /// The stop confirmation.
    Stop,
    Help,
    /// The text viewer: job details, messages.
    Viewer,
    /// "Quit?" while requests are being sent.
    QuitConfirm,
}

impl Scope {
    /// The popups, in the order help lists them.
    pub const POPUPS: [Scope; 8] = [
        Scope::Form,
        Scope::Picker,
        Scope::Review,
        Scope::Sending,
        Scope::Stop,
        Scope::Help,
        Scope::Viewer,
        Scope::QuitConfirm,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Scope::Global => "Anywhere",
            Scope::Table => "Tables",
            Scope::Servers => "Servers",
            Scope::Images => "Images",
            Scope::Jobs => "Jobs",
            Scope::Form => "Change / reinstall form",
            Scope::Picker => "Image / key pair picker",
            Scope::Review => "Review",
            Scope::Sending => "Sending",
            Scope::Stop => "Stop confirmation",
            Scope::Help => "Help",
            Scope::Viewer => "Text viewer (job details, messages)",
            Scope::QuitConfirm => "Quit confirmation",
        }
    }

    /// Scopes whose bindings also reach a key looked up in this one.
    fn wider(self) -> &'static [Scope] {
        match self {
            Scope::Table => &[Scope::Global],
            Scope::Servers | Scope::Images | Scope::Jobs => &[Scope::Table, Scope::Global],
            _ => &[],
        }
    }
}

macro_rules! actions {
    ($($variant:ident $name:literal [$($scope:ident),+] $danger:literal $help:literal [$($key:literal),*];)*) => {
        /// Everything a key can do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Action { $($variant),* }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            /// The name used in config.toml.
            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => $name),* }
            }

            /// Where it applies; the first is where help lists it.
            pub fn scopes(self) -> &'static [Scope] {
                match self { $(Action::$variant => &[$(Scope::$scope),+]),* }
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
    Quit "quit" [Global] false "quit from the panes (asks while sending); in the details, back" ["q"];
    Help "help" [Global, Help] false "help: every key binding" ["?"];
    CommandLine "command" [Global] false "command line: servers images keypairs jobs region profile q" [":"];
    Refresh "refresh" [Global] false "refresh the listings" ["r", "ctrl-r"];
    NextPane "next_pane" [Global] false "next pane" ["tab"];
    PrevPane "prev_pane" [Global] false "previous pane" ["backtab"];
    GoServers "servers" [Global] false "Servers pane" ["1"];
    GoImages "images" [Global] false "Images pane" ["2"];
    GoKeypairs "keypairs" [Global] false "Key pairs pane" ["3"];
    GoJobs "jobs" [Global] false "Jobs pane" ["4"];
    Redraw "redraw" [Global] false "repaint the whole screen" ["ctrl-l"];
    Messages "messages" [Global, Viewer] false "past messages and errors, with their hints" ["M"];
    Up "up" [Table, Help, Viewer, Picker, Review] false "move up" ["k", "up"];
    Down "down" [Table, Help, Viewer, Picker, Review] false "move down" ["j", "down"];
    PageUp "page_up" [Table, Help, Viewer, Picker, Review] false "page up" ["pgup", "ctrl-u"];
    PageDown "page_down" [Table, Help, Viewer, Picker, Review] false "page down" ["pgdn", "ctrl-d"];
    Top "top" [Table, Help, Viewer, Picker] false "first row" ["g", "home"];
    Bottom "bottom" [Table, Viewer, Picker] false "last row" ["G", "end"];
    Filter "filter" [Table, Help, Viewer] false "filter: rows containing it (~text fuzzy; Esc clears)" ["/"];
    SortNext "sort" [Table] false "sort by the next column" ["o"];
    SortReverse "sort_reverse" [Table] false "reverse the sort" ["O"];
    Details "details" [Table] false "details of the row (narrow screens); a job's whole text" ["enter"];
    CopyId "copy_id" [Table, Viewer] false "copy the id, or the viewer's text (OSC 52)" ["y"];
    Mark "mark" [Servers] false "mark the row for a bulk action" ["space"];
    MarkAll "mark_all" [Servers] false "mark every filtered row" ["A"];
    UnmarkAll "unmark_all" [Servers] false "unmark all rows" ["u"];
    ChangeOs "change_os" [Servers] true "change OS of the row (or the marked rows)" ["c"];
    Reinstall "reinstall" [Servers] true "reinstall OS of the row (or the marked rows)" ["R"];
    Stop "stop" [Servers] true "stop the server (or the marked servers)" ["s"];
    ImageType "image_type" [Images] false "filter: public / private / shared / market" ["t"];
    ImageEnv "image_env" [Images] false "filter: ECS / BMS images" ["e"];
    ImageArch "image_arch" [Images] false "filter: x86 / arm" ["a"];
    ImagePlatform "image_os" [Images] false "filter: OS platform" ["p"];
    SearchNext "search_next" [Viewer] false "next match of the search" ["n"];
    SearchPrev "search_prev" [Viewer] false "previous match of the search" ["N"];
    DismissJob "dismiss_job" [Jobs] false "dismiss a finished job" ["d"];
    PauseRollout "pause_rollout" [Jobs] false "rollout: pause after the wave in flight; again (or r) resumes" ["p"];
    AbandonRollout "abandon_rollout" [Jobs] false "rollout: send no more waves (sent jobs go on)" ["x"];
    // Popups take every key; text typed into one of their fields never reaches these.
    NextField "next_field" [Form] false "next field" ["tab", "down"];
    PrevField "prev_field" [Form] false "previous field" ["backtab", "up"];
    Toggle "toggle" [Form] false "toggle a choice, open the picker" ["space"];
    Advance "advance" [Form] false "next field; the picker on an image or key pair; the review on the last field" ["enter"];
    Review "review" [Form] false "review the request before sending" ["ctrl-s", "f2"];
    ShowSecret "show_secret" [Form] false "show or hide the password" ["ctrl-t"];
    Cancel "cancel" [Form, Picker, Review, Sending, Stop, Help, Viewer] false "close or go back; on a form with input, twice discards it" ["esc"];
    Submit "submit" [Picker, Review, Sending, Stop] false "pick; send once confirmed; press the focused button" ["enter"];
    ShowUnfit "show_unfit" [Picker] false "show or hide the images that do not fit" ["tab", "backtab"];
    KeepSecret "keep_secret" [Review] false "keep the password in memory for a retry" ["ctrl-k"];
    CopyCommand "copy_command" [Review] false "copy the same request as a reimage apply command, no secret (y when the confirmation is a number)" ["ctrl-y", "y"];
    Choose "choose" [Stop] false "move between Cancel and Stop" ["left", "right", "tab", "backtab"];
    HardStop "hard_stop" [Stop] false "ECS: soft stop (shutdown) or hard stop (power off)" ["h"];
    No "no" [Stop] false "cancel the stop" ["n", "q"];
    Yes "yes" [QuitConfirm] false "quit although requests are being sent" ["y", "Y"];
    Close "close" [Help, Viewer, Sending] false "close" ["q"];
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
    /// Dangerous actions taken out in read-only mode, with the keys they had: they neither
    /// fire nor show in help or the footer; a press only says why.
    refused: BTreeMap<Action, Vec<Key>>,
}

impl Default for Keymap {
    fn default() -> Self {
        let bindings = Action::ALL
            .iter()
            .map(|&a| {
                let keys = a
                    .default_keys()
                    .iter()
                    .filter_map(|k| Key::parse_builtin(k).ok())
                    .collect();
                (a, keys)
            })
            .collect();
        Keymap {
            bindings,
            refused: BTreeMap::new(),
        }
    }
}

impl Keymap {
    /// Defaults patched by config: `action name → keys` (an empty list unbinds), then checked.
    /// Esc stays on the actions it has by default: it always cancels.
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
            let mut keys = keys
                .iter()
                .map(|k| Key::parse(k))
                .collect::<Result<Vec<_>, _>>()?;
            if action.default_keys().contains(&"esc") {
                keys.insert(0, Key::ESC);
            }
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

    /// The keymap for read-only mode (or back to the full one): the dangerous actions are
    /// taken out here, once, so keys, help and the footer all lose them together.
    pub fn for_mode(&self, read_only: bool) -> Keymap {
        let mut all = self.bindings.clone();
        all.extend(self.refused.clone());
        let (refused, bindings) = if read_only {
            all.into_iter().partition(|(a, _)| a.is_dangerous())
        } else {
            (BTreeMap::new(), all)
        };
        Keymap { bindings, refused }
    }

    /// The dangerous action `key` would fire in `pane` but for read-only mode.
    pub fn refused(&self, pane: Option<Scope>, key: Key) -> Option<Action> {
        self.refused
            .iter()
            .find(|(a, keys)| pane.is_some_and(|p| a.scopes().contains(&p)) && keys.contains(&key))
            .map(|(a, _)| *a)
    }

    /// Reports the first collision: same key twice in one scope, or a narrower scope's key
    /// also bound in a wider one.
    pub fn check(&self) -> Result<(), KeymapError> {
        let mut seen: BTreeMap<(Scope, Key), Action> = BTreeMap::new();
        for (&action, keys) in &self.bindings {
            for &scope in action.scopes() {
                for &key in keys {
                    let other = seen
                        .get(&(scope, key))
                        .copied()
                        .filter(|&first| first != action);
                    if let Some(first) = other {
                        return Err(KeymapError::Conflict {
                            key: key.to_string(),
                            first: first.name(),
                            second: action.name(),
                            scope: scope.label(),
                        });
                    }
                    seen.insert((scope, key), action);
                }
            }
        }
        for (&(scope, key), &action) in &seen {
            for w in scope.wider() {
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
        scopes
            .into_iter()
            .flatten()
            .find_map(|scope| self.lookup_in(scope, key))
    }

    /// The action a key fires in exactly `scope` (a popup's: nothing falls through).
    pub fn lookup_in(&self, scope: Scope, key: Key) -> Option<Action> {
        self.bindings
            .iter()
            .find(|(a, keys)| a.scopes().contains(&scope) && keys.contains(&key))
            .map(|(a, _)| *a)
    }

    /// The action a key event fires in a popup's `scope`.
    pub fn action_in(&self, scope: Scope, ev: &crossterm::event::KeyEvent) -> Option<Action> {
        Key::from_event(ev).and_then(|k| self.lookup_in(scope, k))
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

    /// The keys of a hint, e.g. `Up/Down` for `[Up, Down]`: each action's first key, in
    /// the short form of hint lines. Over a text field (`typing`) a key that would be
    /// typed is passed over, so `Up` is named rather than `k`.
    pub fn hint(&self, actions: &[Action], typing: bool) -> String {
        actions
            .iter()
            .filter_map(|&a| {
                let keys = self.keys(a);
                keys.iter()
                    .find(|k| !(typing && k.is_typed()))
                    .or(keys.first())
                    .map(Key::hint)
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The first `n` keys of one action, in the short form (`Left/Right`).
    pub fn hint_keys(&self, action: Action, n: usize) -> String {
        let keys: Vec<String> = self.keys(action).iter().take(n).map(Key::hint).collect();
        keys.join("/")
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
        o.insert("down".to_string(), vec!["J".to_string()]);
        let map = Keymap::with_overrides(&o).expect("valid override");
        let n = Key::parse("J").expect("key");
        assert_eq!(map.lookup(None, n), Some(Action::Down));
        assert_eq!(map.lookup(None, Key::parse("j").expect("key")), None);

        o.insert("up".to_string(), vec!["J".to_string()]);
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
            toml::from_str("[keys]\ndown = [\"J\", \"down\"]\nrefresh = \"f5\"\n").expect("toml");
        let map = Keymap::from_config(&c.keys).expect("valid");
        assert_eq!(map.label(Action::Down), "J/Down");
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

    #[test]
    fn popup_keys_remap_and_esc_always_cancels() {
        let mut o = BTreeMap::new();
        o.insert("review".to_string(), vec!["f3".to_string()]);
        o.insert("cancel".to_string(), vec!["ctrl-g".to_string()]);
        let map = Keymap::with_overrides(&o).expect("valid");
        let f3 = Key::parse("f3").expect("key");
        assert_eq!(map.lookup_in(Scope::Form, f3), Some(Action::Review));
        assert_eq!(
            map.lookup_in(Scope::Form, Key::parse("f2").expect("key")),
            None
        );
        assert_eq!(map.lookup_in(Scope::Help, Key::ESC), Some(Action::Cancel));
        assert_eq!(map.hint(&[Action::Review, Action::Cancel], false), "F3/Esc");
        // A popup takes its own keys only: Tab is the form's, not the next pane.
        let tab = Key::parse("tab").expect("key");
        assert_eq!(map.lookup_in(Scope::Form, tab), Some(Action::NextField));
        assert_eq!(map.lookup(None, tab), Some(Action::NextPane));
        // Over a text field, a typed key is not named in a hint.
        assert_eq!(
            Keymap::default().hint(&[Action::Up, Action::Down], true),
            "Up/Down"
        );
        assert_eq!(
            Keymap::default().hint(&[Action::Down, Action::Up], false),
            "j/k"
        );
    }

    #[test]
    fn read_only_takes_the_dangerous_actions_out_and_gives_them_back() {
        let full = Keymap::default();
        let ro = full.for_mode(true);
        let c = Key::parse("c").expect("key");
        assert_eq!(ro.lookup(Some(Scope::Servers), c), None);
        assert!(ro.keys(Action::ChangeOs).is_empty());
        assert_eq!(ro.refused(Some(Scope::Servers), c), Some(Action::ChangeOs));
        assert_eq!(ro.for_mode(false), full);
    }
}
