//! The form for several servers is a rollout: its Waves and Max failures fields, and the
//! same request as `reimage apply` flags (what the review's `y` copies and what the
//! rollout journals for a resume).

use super::{Ctx, FileNote, FormState, Stage};
use crate::ops::{self, ApplyLine, Field, LoginMode, OpKind};
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
