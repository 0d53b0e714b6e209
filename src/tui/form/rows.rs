//! The value shown on each form row, from the entries and what ops decides (route,
//! login modes). Reads only.

use super::fields::Slot;
use super::{Ctx, FileNote, FormState, bulk};
use crate::ops::{self, OpKind};
use crate::tui::text::{fit, short_id, width};
use crate::tui::theme::{Glyphs, Theme};
use ratatui::text::Span;

fn check(on: bool) -> &'static str {
    if on { "[x] " } else { "[ ] " }
}

pub(super) fn value<'a>(
    form: &FormState,
    ctx: &Ctx<'_>,
    slot: Slot,
    th: &Theme,
    g: &Glyphs,
    w: usize,
) -> Vec<Span<'a>> {
    let e = &form.entries;
    let boxed =
        |text: &str, w: usize| format!("[ {} ]", fit(text, w.saturating_sub(4), g.ellipsis));
    match slot {
        Slot::Image => {
            let from = form
                .targets
                .first()
                .and_then(|s| s.image_name().map(str::to_string))
                .unwrap_or_default();
            let to = form
                .target_image(ctx)
                .map(|i| i.name.clone())
                .unwrap_or_else(|| format!("choose an image ({})", pick_key(ctx)));
            let arrow = format!(" {} ", g.arrow);
            let from = if form.is_bulk() {
                String::new()
            } else {
                fit(&from, w.saturating_sub(40).clamp(14, 34), g.ellipsis)
                    .trim_end()
                    .to_string()
                    + &arrow
            };
            let room = w.saturating_sub(width(&from));
            vec![
                Span::raw(from),
                Span::styled(boxed(&to, room.min(46)), th.base),
            ]
        }
        Slot::Route => {
            let ecs = form
                .targets
                .iter()
                .find(|s| s.kind == crate::cloud::model::ServerKind::Ecs);
            let d = ecs.map(|s| {
                bulk::decision(
                    s,
                    form.op,
                    form.target_image(ctx),
                    ctx.images,
                    e.route_override,
                )
            });
            let mut routes = form.routes(ctx);
            routes.dedup();
            let text = match d {
                _ if routes.len() > 1 => "per server group, as listed above".to_string(),
                Some(Ok(d)) => format!("{} {} {}", d.route.label(), g.sep, d.reason),
                _ if form.op == OpKind::Change && form.image_id.is_none() => {
                    "decided by the image's Cloud-Init support".into()
                }
                _ => "unknown: the image is not listed; override it".into(),
            };
            // The reason says "overridden by you" when forced.
            let how = if form.focus == Slot::Route {
                "  Left/Right forces"
            } else {
                ""
            };
            vec![
                Span::raw(
                    fit(&text, w.saturating_sub(width(how)), g.ellipsis)
                        .trim_end()
                        .to_string(),
                ),
                Span::styled(how, th.dim),
            ]
        }
        Slot::Login => {
            let mut out = Vec::new();
            let modes = form.login_modes(ctx);
            // Full labels when they fit, short ones otherwise (four modes at 80 columns).
            let full: usize = modes.iter().map(|m| m.label().len() + 6).sum();
            let label = |m: ops::LoginMode| {
                if full <= w {
                    m.label()
                } else {
                    m.short_label()
                }
            };
            for m in modes {
                let on = m == e.login;
                out.push(Span::styled(
                    format!("({}) {}  ", if on { "*" } else { " " }, label(m)),
                    if on { th.title } else { th.base },
                ));
            }
            if !form.login_modes(ctx).contains(&e.login) {
                out.push(Span::styled(
                    format!("(now: {})", e.login.label()),
                    th.error,
                ));
            }
            out
        }
        Slot::Password | Slot::Confirm => {
            let s = if slot == Slot::Password {
                &e.password
            } else {
                &e.password_confirm
            };
            let shown = if form.show_password {
                s.expose().to_string()
            } else {
                "*".repeat(s.char_count())
            };
            let tail = format!(
                "  {} chars {} {} {}",
                s.char_count(),
                g.sep,
                ctx.look
                    .keymap
                    .hint(&[crate::tui::key_bindings::Action::ShowSecret], true),
                if form.show_password { "hide" } else { "show" }
            );
            vec![Span::raw(boxed(&shown, 30)), Span::styled(tail, th.dim)]
        }
        Slot::Keypair => {
            let choose = format!("choose a key pair ({})", pick_key(ctx));
            let name = if e.keypair.is_empty() {
                choose.as_str()
            } else {
                e.keypair.as_str()
            };
            let who = if ctx.user_id.is_empty() {
                "  user id loading...".to_string()
            } else {
                format!("  user {}", short_id(ctx.user_id, g.ellipsis))
            };
            vec![Span::raw(boxed(name, 30)), Span::styled(who, th.dim)]
        }
        Slot::UserData => {
            let size = form
                .file_data
                .as_ref()
                .map_or_else(|| form.typed_user_data().len(), |u| u.content.len());
            let first = form.user_data.lines().first().cloned().unwrap_or_default();
            let summary = match (&form.file_data, size) {
                (Some(_), _) => "binary file (gzip)".to_string(),
                (None, 0) => "none".to_string(),
                (None, _) => first,
            };
            let over = size > ops::USER_DATA_MAX_BYTES;
            let tail = format!("  {size} B / 32 KB");
            vec![
                Span::raw(boxed(&summary, w.saturating_sub(width(&tail) + 1).min(40))),
                Span::styled(tail, if over { th.error } else { th.dim }),
            ]
        }
        Slot::UserDataFile => {
            let note = match &form.file_note {
                Some(FileNote::Loaded(n)) => format!("  {n}"),
                Some(FileNote::Reading { .. }) => format!("  reading{}", g.ellipsis),
                _ => "  Enter loads".into(),
            };
            vec![
                Span::raw(boxed(&form.file_path.text, 32)),
                Span::styled(note, th.dim),
            ]
        }
        Slot::Encrypt => vec![Span::raw(format!(
            "{}system disk with a KMS key",
            check(e.encrypt)
        ))],
        Slot::KmsKey => vec![Span::raw(boxed(&form.kms.text, 40))],
        Slot::Waves => {
            let sizes = form
                .rollout()
                .map(|(waves, _)| {
                    let sizes: Vec<String> = waves
                        .sizes(form.targets.len())
                        .iter()
                        .map(usize::to_string)
                        .collect();
                    format!("  servers per wave: {}", sizes.join(" + "))
                })
                .unwrap_or_default();
            vec![
                Span::raw(boxed(&form.waves.text, 20)),
                Span::styled(sizes, th.dim),
            ]
        }
        Slot::MaxFailures => {
            let allowed = form
                .rollout()
                .map(|(_, max)| {
                    format!(
                        "  halts past {} failed server(s) of {}",
                        max.allowed(form.targets.len()),
                        form.targets.len()
                    )
                })
                .unwrap_or_default();
            vec![
                Span::raw(boxed(&form.max_failures.text, 20)),
                Span::styled(allowed, th.dim),
            ]
        }
        Slot::Byol => vec![Span::raw(format!(
            "{}BYOL (bring your own license)",
            check(e.byol)
        ))],
        Slot::StopFirst => vec![Span::raw(format!(
            "{}stop the server if it is running (withStopServer)",
            check(e.stop_first)
        ))],
        Slot::AutoPay => vec![Span::raw(format!(
            "{}pay the order automatically (isAutoPay)",
            check(e.auto_pay)
        ))],
    }
}

/// The key that opens a picker.
fn pick_key(ctx: &Ctx<'_>) -> String {
    ctx.look
        .keymap
        .hint(&[crate::tui::key_bindings::Action::Advance], false)
}
