//! The details pane: every field a user checks before a change, for the selected row.

use super::app::{App, Pane};
use super::panes::{images, jobs, keypairs, servers};
use super::text::{duration, fit, short_id, truncate, wrap};
use crate::cloud::model::{Image, Keypair, Server};
use crate::tui::msg::JobView;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

/// Rows one wrapped value may take in the details pane.
const MAX_ROWS: usize = 6;

/// (label, value, style of the value)
pub(crate) type Field = (&'static str, String, Style);

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let (title, fields) = app
        .view(app.pane)
        .details(app)
        .unwrap_or_else(|| ("details".into(), Vec::new()));
    // The title carries a server name straight from the cloud.
    let title = crate::safe_text::escape(&title).into_owned();
    let title = if app.zoom {
        format!(" {title} {} Esc back ", app.glyphs.sep)
    } else {
        format!(" {title} ")
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(app.glyphs.border)
        .border_style(t.border)
        .title(Span::styled(title, t.title));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let label_w = 11usize;
    let value_w = (inner.width as usize).saturating_sub(label_w);
    let mut lines = Vec::new();
    let mut last = "";
    for (label, value, style) in fields {
        let shown = if label == last { "" } else { label };
        last = label;
        // A job's texts (failure reason, hint, sub jobs) and a server's fault are wrapped,
        // read whole; other values keep one row each, so every field stays on screen.
        let max = match app.pane == Pane::Jobs || label == "fault" {
            true => MAX_ROWS,
            false => 1,
        };
        let mut rows = match max {
            1 => vec![truncate(&value, value_w, app.glyphs.ellipsis).0],
            _ => wrap(&value, value_w.max(1)),
        };
        if rows.len() > max {
            rows.truncate(max);
            let last = format!("{}{}", rows[max - 1], app.glyphs.ellipsis);
            rows[max - 1] = truncate(&last, value_w, app.glyphs.ellipsis).0;
        }
        for (i, v) in rows.into_iter().enumerate() {
            let shown = if i == 0 { shown } else { "" };
            lines.push(Line::from(vec![
                Span::styled(fit(shown, label_w, app.glyphs.ellipsis), t.label),
                Span::styled(v, style),
            ]));
        }
    }
    if lines.is_empty() {
        lines.push(Line::styled("nothing selected", t.dim));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

pub(crate) fn server_fields(app: &App, s: &Server) -> Vec<Field> {
    let t = &app.theme;
    let base = t.base;
    let sep = app.glyphs.sep;
    let mut v: Vec<Field> = vec![
        ("id", s.id.clone(), base),
        ("status", s.status.to_string(), t.server_status(&s.status)),
    ];
    let mut state = Vec::new();
    if let Some(vm) = s.vm_state.as_deref().filter(|x| !x.is_empty()) {
        state.push(format!("vm {vm}"));
    }
    match s.power_state {
        Some(1) => state.push("power on".into()),
        Some(4) => state.push("power off".into()),
        _ => {}
    }
    if !state.is_empty() {
        v.push(("state", state.join(&format!(" {sep} ")), t.dim));
    }
    match s.task() {
        Some(task) => v.push(("task", task.to_string(), t.busy)),
        None => v.push(("task", "none".into(), t.dim)),
    }
    if let Some(j) = app.jobs.running_on(&s.id) {
        v.push((
            "job",
            format!("{} {}", j.operation, jobs::status_word(j)),
            t.busy,
        ));
    }
    if s.locked {
        v.push((
            "lock",
            "locked: changes are refused (Ecs.0605)".into(),
            t.warn,
        ));
    } else {
        v.push(("lock", "unlocked".into(), base));
    }
    let mut flavor = s.flavor.name.to_string();
    if let (Some(c), Some(r)) = (s.flavor.vcpus, s.flavor.ram) {
        flavor.push_str(&format!(" {sep} {c} vCPU {sep} {} GiB", r / 1024));
    }
    v.push(("flavor", flavor, base));
    let image = app.images.table.get(&s.image.id);
    let name = s
        .image_name()
        .map(str::to_string)
        .or(image.map(|i| i.name.clone()))
        .unwrap_or_else(|| "unknown".into());
    v.push(("image", name, base));
    v.push(("", short_id(&s.image.id, app.glyphs.ellipsis), t.dim));
    let os = match (s.os_type(), s.metadata.get("os_bit")) {
        (Some(os), Some(bit)) => format!("{os} {bit}-bit"),
        (Some(os), None) => os.to_string(),
        _ => image
            .and_then(|i| i.os_type.as_ref().map(|o| o.to_string()))
            .unwrap_or_else(|| "unknown".into()),
    };
    v.push(("os", os, base));
    match image {
        Some(i) => {
            v.push(("arch", images::arch(i).into(), base));
            v.push(("firmware", images::firmware(i).into(), base));
            let (ci, style) = if i.has_cloud_init() {
                ("yes (v2 APIs)", base)
            } else {
                ("no (v1 APIs, no key injection)", t.warn)
            };
            v.push(("cloud-init", ci.into(), style));
        }
        // Kunpeng (arm) flavors are named k*: kc1, km1, kai1...
        None if s.flavor.name.starts_with('k') => v.push((
            "arch",
            "arm (Kunpeng flavor; image not listed)".into(),
            t.dim,
        )),
        None => v.push(("arch", "unknown (image not listed)".into(), t.dim)),
    }
    match s.system_disk() {
        Some(d) => {
            let dev = d.device.clone().unwrap_or_else(|| "system".into());
            let data = s.volumes.len() - 1;
            v.push(("disk", format!("{dev} {sep} {data} data disk(s)"), base));
        }
        None => v.push(("disk", "no system disk: cannot change OS".into(), t.warn)),
    }
    v.push(("billing", servers::charging(s.charging_mode()).into(), base));
    v.push((
        "key pair",
        s.key_name
            .as_deref()
            .filter(|k| !k.is_empty())
            .unwrap_or("none")
            .to_string(),
        base,
    ));
    for a in s.addresses.values().flatten() {
        let kind = a.ip_type.as_deref().unwrap_or("fixed");
        v.push(("ip", format!("{} ({kind})", a.addr), base));
    }
    if let Some(az) = &s.availability_zone {
        v.push(("zone", az.to_string(), base));
    }
    v.push(("created", s.created.clone(), base));
    for tag in &s.tags {
        v.push(("tags", tag.to_string(), t.dim));
    }
    v.push(("updated", s.updated.clone(), t.dim));
    if let Some(fault) = &s.fault {
        let msg = fault
            .get("message")
            .and_then(|m| m.as_str())
            .unwrap_or("fault")
            .to_string();
        v.push(("fault", msg, t.bad));
    }
    v
}

pub(crate) fn image_fields(app: &App, i: &Image) -> Vec<Field> {
    let t = &app.theme;
    let b = t.base;
    let mut v: Vec<Field> = vec![
        ("id", i.id.clone(), b),
        (
            "status",
            i.status.to_string(),
            if i.status == "active" { t.ok } else { t.bad },
        ),
        ("type", images::image_type(i).into(), b),
        ("for", images::target(i).into(), b),
        ("os", images::os_label(i).into(), b),
    ];
    if let Some(p) = &i.platform {
        v.push(("platform", p.to_string(), b));
    }
    v.push(("arch", images::arch(i).into(), b));
    v.push(("firmware", images::firmware(i).into(), b));
    let (ci, style) = if i.has_cloud_init() {
        ("yes (v2 APIs)", b)
    } else {
        ("no (__support_fc_inject: v1 APIs)", t.warn)
    };
    v.push(("cloud-init", ci.into(), style));
    if let Some(d) = i.min_disk {
        v.push(("min disk", format!("{d} GB"), b));
    }
    if let Some(r) = i.min_ram.filter(|r| *r > 0) {
        v.push(("min ram", format!("{r} MB"), b));
    }
    if let Some(s) = i.image_size {
        v.push(("size", super::text::bytes(s), b));
    }
    if let Some(fmt) = &i.disk_format {
        v.push(("format", fmt.to_string(), t.dim));
    }
    if i.system_cmkid.is_some() {
        v.push(("encrypted", "yes (KMS key)".into(), b));
    }
    if let Some(code) = &i.product_code {
        v.push(("market", code.to_string(), b));
    }
    if i.is_registered.as_deref() == Some("false") {
        v.push(("registered", "no: not usable".into(), t.bad));
    }
    v.push(("created", i.created_at.clone(), t.dim));
    v
}

pub(crate) fn keypair_fields(app: &App, k: &Keypair) -> Vec<Field> {
    let t = &app.theme;
    let b = t.base;
    let mut v: Vec<Field> = vec![
        ("name", k.name.clone(), b),
        (
            "type",
            k.key_type.as_deref().unwrap_or("ssh").to_string(),
            b,
        ),
        ("scope", keypairs::scope(k).into(), b),
        ("listed by", keypairs::source(k).into(), b),
        ("finger", k.fingerprint.clone(), b),
    ];
    if let Some(u) = &k.user_id {
        v.push(("user", u.to_string(), t.dim));
    }
    let pk = k.public_key.trim();
    if !pk.is_empty() {
        v.push(("public", pk.to_string(), t.dim));
    }
    v
}

pub(crate) fn job_fields(app: &App, j: &JobView) -> Vec<Field> {
    let t = &app.theme;
    let b = t.base;
    let mut v: Vec<Field> = vec![
        (
            "job",
            j.job_id.clone().unwrap_or_else(|| "not sent yet".into()),
            b,
        ),
        (
            "server",
            format!("{} ({})", j.server_name, j.kind.label()),
            b,
        ),
        ("", j.server_id.clone(), t.dim),
        ("operation", j.operation.clone(), b),
        (
            "status",
            jobs::status_word(j).into(),
            jobs::status_style(j, t),
        ),
        ("elapsed", duration(j.elapsed), b),
    ];
    if let Some(code) = &j.error_code {
        v.push(("error", code.clone(), t.bad));
    }
    if !j.detail.is_empty() {
        v.push(("detail", j.detail.clone(), b));
    }
    if let Some(p) = app.jobs.progress.get(&j.key) {
        if let Some(reason) = p
            .fail_reason
            .as_ref()
            .filter(|r| !j.detail.contains(r.as_str()))
        {
            v.push(("reason", reason.clone(), t.bad));
        }
        if let Some(h) = &p.hint {
            v.push(("hint", h.clone(), t.warn));
        }
        for (i, line) in p.sub_jobs.iter().enumerate() {
            let style = if line.starts_with("FAIL") { t.bad } else { b };
            v.push((if i == 0 { "sub jobs" } else { "" }, line.clone(), style));
        }
        if let Some(at) = &p.last_poll {
            v.push(("polled", at.clone(), t.dim));
        }
        if let Some(e) = &p.poll_error {
            v.push(("poll", e.clone(), t.warn));
        }
    }
    v
}
