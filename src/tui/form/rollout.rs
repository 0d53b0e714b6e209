//! The form for several servers is a rollout: its Waves and Max failures fields, and the
//! same request as `reimage apply` flags (what the review's `y` copies and what the
//! rollout journals for a resume).

use super::{Ctx, FileNote, FormState, Outcome, Stage};
use crate::ops::{self, ApplyLine, Field, LoginMode, OpKind, Plan};
use crate::tui::theme::{Glyphs, Theme};
use crossterm::event::KeyEvent;
use ratatui::text::{Line, Span};
use std::collections::BTreeMap;

impl FormState {
    /// The waves and the failure budget, or what is wrong with each.
    pub fn rollout(&self) -> Result<(ops::Waves, ops::MaxFailures), BTreeMap<Field, String>> {
        let waves = self.waves.text.parse::<ops::Waves>();
        let max = self.max_failures.text.parse::<ops::MaxFailures>();
        match (waves, max) {
            (Ok(w), Ok(m)) => Ok((w, m)),
            (w, m) => Err([(Field::Waves, w.err()), (Field::MaxFailures, m.err())]
                .into_iter()
                .filter_map(|(f, e)| e.map(|e| (f, e)))
                .collect()),
        }
    }

    /// The reviewed request as `reimage apply` flags: its servers in rollout order. `None`
    /// outside the review.
    pub fn apply_line(&self, _ctx: &Ctx<'_>) -> Option<ApplyLine> {
        let Stage::Review { plans, .. } = &self.stage else {
            return None;
        };
        let e = &self.entries;
        let (waves, max_failures) = self.rollout().unwrap_or_default();
        let loaded = matches!(self.file_note, Some(FileNote::Loaded(_)));
        let typed = !self.typed_user_data().is_empty() || self.file_data.is_some();
        Some(ApplyLine {
            servers: plans.iter().map(|p| p.server_id.clone()).collect(),
            image_id: match self.op {
                OpKind::Change => self.image_id.clone(),
                OpKind::Reinstall => None,
            },
            password: e.login.takes_password(),
            hash_password: e.login == LoginMode::PasswordHash,
            keypair: (e.login == LoginMode::Keypair).then(|| e.keypair.clone()),
            user_data_file: (typed && loaded).then(|| self.file_path.text.trim().to_string()),
            user_data_typed: typed && !loaded,
            kms_key: e.encrypt.then(|| self.kms.text.trim().to_string()),
            byol: e.byol,
            stop: e.stop_first,
            auto_pay: e.auto_pay,
            route: e.route_override,
            waves,
            max_failures,
        })
    }
}

/// The rollout: its waves with their servers, and when it halts.
pub(super) fn wave_lines<'a>(
    plans: &[Plan],
    waves: &crate::ops::Waves,
    max: crate::ops::MaxFailures,
    th: &Theme,
    g: &Glyphs,
) -> Vec<Line<'a>> {
    let names: Vec<&str> = plans.iter().map(|p| p.server_name.as_str()).collect();
    let split = waves.split(&names);
    let mut out = vec![Line::styled(
        format!(
            "Rollout: {} wave(s) ({waves}) {} halts past {} failed server(s) (max failed {max})",
            split.len(),
            g.sep,
            max.allowed(names.len())
        ),
        th.label,
    )];
    for (i, wave) in split.iter().enumerate() {
        out.push(Line::from(vec![
            Span::styled(format!("  wave {}: ", i + 1), th.label),
            Span::raw(wave.join(", ")),
        ]));
    }
    if split.len() > 1 {
        out.push(Line::styled(
            "  a wave goes once each job before it ended SUCCESS and shows the image",
            th.dim,
        ));
    }
    out
}

/// A key that types a character (no Ctrl or Alt).
pub(super) fn typed_char(key: &KeyEvent) -> bool {
    use crossterm::event::{KeyCode, KeyModifiers};
    matches!(key.code, KeyCode::Char(_))
        && !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
}

/// The review's `y`: the same request as a `reimage apply` command, without a secret.
pub(super) fn copy_command(form: &mut FormState, ctx: &Ctx<'_>) -> Outcome {
    let Some(line) = form.apply_line(ctx) else {
        return Outcome::Stay;
    };
    let note = if line.user_data_typed {
        format!(
            "copied the reimage apply command; save the typed user data to a file and put its \
             path for {}",
            crate::ops::TYPED_USER_DATA_FILE
        )
    } else if line.password {
        "copied the reimage apply command; it reads the password from stdin".to_string()
    } else {
        "copied the reimage apply command".to_string()
    };
    if let Stage::Review { copied, .. } = &mut form.stage {
        *copied = Some(note);
    }
    Outcome::Copy(line.command())
}
