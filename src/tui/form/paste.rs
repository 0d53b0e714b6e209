//! Bracketed paste into the form: it goes into the text field of the stage on screen (the
//! typed confirmation in the review, never a field behind it) and is never read as keys. A
//! one-line field takes the first line: a line break never moves on or submits. A password
//! is masked, so the note says how many characters arrived. The user-data editor takes
//! every line.

use super::fields::push_secret;
use super::{FormState, Slot, Stage};
use crate::ops::Secret;
use crate::tui::cmdline::{Pasted, first_line};
use ratatui_textarea::TextArea;
use zeroize::Zeroize;

impl FormState {
    /// Applies one paste; what the user should know about it lands in a note.
    pub fn paste(&mut self, text: &str) {
        // Like any key, a paste disarms the second Esc that would discard the form.
        self.discard_armed = false;
        match &mut self.stage {
            Stage::Edit => self.paste_in_edit(text),
            Stage::Review { confirm, note, .. } => *note = confirm.paste(text).note(false),
            Stage::Sending { .. } => {}
        }
    }

    fn paste_in_edit(&mut self, text: &str) {
        if let Some(p) = self.picker.as_mut() {
            let pasted = p.filter.paste(text);
            p.cursor = 0;
            p.refresh();
            self.note = pasted.note(false);
            return;
        }
        let slot = self.focus;
        self.note = match slot {
            Slot::Password | Slot::Confirm => {
                let secret = if slot == Slot::Password {
                    &mut self.entries.password
                } else {
                    &mut self.entries.password_confirm
                };
                let pasted = paste_secret(secret, text);
                pasted
                    .note(true)
                    .map(|n| format!("{n} into {}", slot.label().to_lowercase()))
            }
            Slot::UserData => {
                paste_lines(&mut self.user_data, text);
                self.user_data_edited();
                None
            }
            Slot::UserDataFile => {
                self.file_note = None;
                self.file_path.paste(text).note(false)
            }
            Slot::KmsKey => self.kms.paste(text).note(false),
            Slot::Waves => self.waves.paste(text).note(false),
            Slot::MaxFailures => self.max_failures.paste(text).note(false),
            _ => Some("nothing pasted: this row takes no text (Tab to a text field)".into()),
        };
        self.touched.insert(slot);
    }
}

/// The first line of `text` into a password buffer, char by char (no copy of it is made).
fn paste_secret(secret: &mut Secret, text: &str) -> Pasted {
    let (line, cut) = first_line(text);
    let mut chars = 0;
    for c in line.chars().filter(|c| !c.is_control()) {
        if !push_secret(secret, c) {
            break;
        }
        chars += 1;
    }
    Pasted { chars, cut }
}

/// Every line of `text` into the editor: `\r\n` and `\r` (what terminals send for a line
/// break) become `\n`, tabs stay, other control characters are dropped.
fn paste_lines(editor: &mut TextArea<'static>, text: &str) {
    // Never longer than `text`: it does not grow, so no unwiped copy is left behind.
    let mut clean = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                chars.next_if_eq(&'\n');
                clean.push('\n');
            }
            '\n' | '\t' => clean.push(c),
            c if c.is_control() => {}
            c => clean.push(c),
        }
    }
    editor.insert_str(&clean);
    clean.zeroize();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_takes_the_first_line_only() {
        let mut s = super::super::fields::secret_buffer();
        let p = paste_secret(&mut s, "Kx9@mQ2$vLp7w\r\nrm -rf /\n");
        assert_eq!(
            p,
            Pasted {
                chars: 13,
                cut: true
            }
        );
        assert_eq!(s.expose(), "Kx9@mQ2$vLp7w");
    }

    #[test]
    fn the_editor_takes_every_line_with_any_line_break() {
        let mut e = TextArea::default();
        paste_lines(&mut e, "#cloud-config\r\nruncmd:\r  - echo\x1b[31m hi\n");
        assert_eq!(
            e.lines(),
            ["#cloud-config", "runcmd:", "  - echo[31m hi", ""]
        );
    }
}
