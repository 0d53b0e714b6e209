//! What is wrong with the entries, and what the service may refuse, by field: ops's
//! words for every target, once each, and the rollout's fields for several servers.

use super::{Ctx, FormState, key_hint};
use crate::ops::{self, Field};
use std::collections::BTreeMap;

impl FormState {
    /// What the service may refuse, per field (ops's warnings with a field), once each.
    pub fn warnings(&self, ctx: &Ctx<'_>) -> BTreeMap<Field, Vec<String>> {
        let mut out: BTreeMap<Field, Vec<String>> = BTreeMap::new();
        let entries = self.entries();
        for s in &self.targets {
            for w in self
                .with_input(ctx, &entries, s, ops::warnings)
                .into_iter()
                .filter(ops::Warning::is_refusal_risk)
            {
                let (Some(field), text) = (w.field(), w.message()) else {
                    continue;
                };
                let list = out.entry(field).or_default();
                if !list.contains(&text) {
                    list.push(text);
                }
            }
        }
        out
    }

    /// Errors by field, as ops words them (and the rollout's fields); in bulk, an error
    /// that holds for only some servers names them.
    pub fn errors(&self, ctx: &Ctx<'_>) -> BTreeMap<Field, Vec<String>> {
        let entries = self.entries();
        let per: Vec<Vec<ops::FieldError>> = self
            .targets
            .iter()
            .map(|s| self.with_input(ctx, &entries, s, ops::validate))
            .collect();
        let mut out: BTreeMap<Field, Vec<String>> = BTreeMap::new();
        for (i, errs) in per.iter().enumerate() {
            for e in errs {
                let mut text = if e.field == Field::Image && self.image_id.is_none() {
                    "no image chosen; press Enter to pick one".to_string()
                } else {
                    format!("{}; {}{}", e.message, e.fix, key_hint(e.step))
                };
                let everywhere = per.iter().all(|o| o.contains(e));
                if self.is_bulk() && !everywhere {
                    text.push_str(&format!(" ({})", self.targets[i].name));
                }
                let list = out.entry(e.field).or_default();
                if !list.contains(&text) {
                    list.push(text);
                }
            }
        }
        if self.is_bulk()
            && let Err(wrong) = self.rollout()
        {
            for (field, text) in wrong {
                out.entry(field).or_default().push(text);
            }
        }
        out
    }
}
