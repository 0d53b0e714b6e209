//! How a script is told to take the step of a fix: the flag or command, never a key.

use crate::ops::Step;
use crate::safe_text::escape;

/// The server as a shell word: plain names as they are, others single-quoted.
fn shell_word(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:@/".contains(&b));
    if plain {
        name.to_string()
    } else {
        format!("'{}'", escape(name).replace('\'', r"'\''"))
    }
}

/// The fix with its step said for a script: `--stop`, `reimage stop SERVER`.
pub(crate) fn script_fix(fix: &str, step: Option<Step>, server: &str) -> String {
    let server = shell_word(server);
    match step {
        None | Some(Step::Refresh) => fix.to_string(),
        Some(Step::Stop) => format!("{fix}: `reimage stop {server}`"),
        Some(Step::StopFirst) => {
            format!("{fix}: pass --stop, or run `reimage stop {server}` first")
        }
        Some(Step::StopYourself) => {
            format!("{fix}: drop --stop and run `reimage stop {server}` first")
        }
        Some(Step::ForceRoute) => {
            format!("{fix}: `reimage list images` lists them; --route v1|v2 forces the route")
        }
    }
}
