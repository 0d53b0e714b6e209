//! The TUI state and [`App::update`]: the only place state changes. `update` never blocks
//! and never does I/O; what must happen outside comes back as [`Command`]s.

use super::command::Command;
use super::keymap::Keymap;
use super::layers::Layer;
use super::layout;
use super::msg::{Msg, Resource};
pub use super::panes::Pane;
use super::panes::images::ImagesPane;
use super::panes::jobs::JobsPane;
use super::panes::keypairs::KeypairsPane;
use super::panes::servers::ServersPane;
use super::table::layout_columns;
use super::theme::{Glyphs, Theme};
use super::toast::{Level, Toasts};
use super::{HeaderInfo, UiOptions};
use crate::cloud::model::ServerKind;
use ratatui::layout::Rect;
use std::time::Instant;

/// What the header's INSECURE stands for, kept in the message history.
pub(crate) const INSECURE_WARNING: &str = "INSECURE: TLS certificates are NOT checked; anyone on the network path can read and change your requests";
const INSECURE_HINT: &str =
    "drop --insecure (or insecure = true in the profile); for a corporate CA use --ca-file PEM";

pub struct App {
    pub(crate) header: HeaderInfo,
    pub(crate) theme: Theme,
    pub(crate) glyphs: Glyphs,
    /// The bindings in force: the configured ones, less the dangerous actions in
    /// read-only mode ([`Keymap::for_mode`]).
    pub(crate) keymap: Keymap,
    pub(crate) size: Rect,
    pub(crate) pane: Pane,
    pub(crate) servers: ServersPane,
    pub(crate) images: ImagesPane,
    pub(crate) keypairs: KeypairsPane,
    pub(crate) jobs: JobsPane,
    /// Everything over the panes, bottom to top; the top one takes the keys.
    pub(crate) layers: Vec<Layer>,
    pub(crate) toasts: Toasts,
    /// What the change/reinstall form needs to know about the caller.
    pub(crate) changes: super::form::Changes,
    /// Narrow screens: details shown instead of the table.
    pub(crate) zoom: bool,
    pub(crate) spin: usize,
    /// How `/` matches rows without a `~` (for the help text; each table keeps its own).
    pub(crate) filter_mode: crate::config::FilterMode,
    next_generation: u64,
    dirty: bool,
    quitting: bool,
}

impl App {
    pub fn new(header: HeaderInfo, options: &UiOptions) -> Self {
        let mut app = App {
            header: header.clone(),
            theme: Theme::new(options.color.use_color()),
            glyphs: Glyphs::new(options.glyphs),
            keymap: options.keymap.for_mode(header.read_only),
            size: Rect::new(0, 0, 80, 24),
            pane: Pane::Servers,
            servers: ServersPane::default(),
            images: ImagesPane::default(),
            keypairs: KeypairsPane::default(),
            jobs: JobsPane::default(),
            layers: Vec::new(),
            toasts: Toasts::default(),
            changes: Default::default(),
            zoom: false,
            spin: 0,
            filter_mode: options.filter,
            next_generation: 0,
            dirty: true,
            quitting: false,
        };
        app.servers.table.set_filter_mode(options.filter);
        app.images.table.set_filter_mode(options.filter);
        app.keypairs.table.set_filter_mode(options.filter);
        app.jobs.table.set_filter_mode(options.filter);
        app.apply_layout();
        app.warn_insecure(false);
        app
    }

    /// With TLS checks off, the warning stays in the message history (`M`): the one
    /// printed at start is behind the alternate screen. Said again when a profile switch
    /// turns them off.
    fn warn_insecure(&mut self, was: bool) {
        if self.header.insecure && !was {
            self.note(Level::Warn, INSECURE_WARNING, Some(INSECURE_HINT.into()));
        }
    }

    /// Takes a new header (connected, or another profile or region).
    fn set_header(&mut self, header: HeaderInfo) {
        let was = self.header.insecure;
        self.keymap = self.keymap.for_mode(header.read_only);
        self.header = header;
        self.warn_insecure(was);
    }

    /// The first commands: load every listing.
    pub fn start(&mut self) -> Vec<Command> {
        self.refresh_all()
    }

    /// Something changed since the last draw.
    pub fn needs_redraw(&self) -> bool {
        self.dirty
    }

    /// Called by the run loop after drawing.
    pub fn mark_drawn(&mut self) {
        self.dirty = false;
    }

    /// A timer is needed (spinner, toast expiry); when false the loop sleeps until input.
    pub fn wants_tick(&self) -> bool {
        self.loading() || !self.toasts.is_empty() || self.sending()
    }

    pub fn should_quit(&self) -> bool {
        self.quitting
    }

    pub fn pane(&self) -> Pane {
        self.pane
    }

    pub fn header(&self) -> &HeaderInfo {
        &self.header
    }

    /// Id of the row under the cursor in the current pane.
    pub fn selected_id(&self) -> Option<String> {
        use super::table::TableRow;
        match self.pane {
            Pane::Servers => self.servers.table.selected().map(|r| r.id().to_string()),
            Pane::Images => self.images.table.selected().map(|r| r.id().to_string()),
            Pane::Keypairs => self.keypairs.table.selected().map(|r| r.id().to_string()),
            Pane::Jobs => self.jobs.table.selected().map(|r| r.id().to_string()),
        }
    }

    /// Ids of the rows the current pane shows (after filters and sort), in order.
    pub fn shown_ids(&self) -> Vec<String> {
        use super::table::{Table, TableRow};
        fn ids<T: TableRow + Clone>(t: &Table<T>) -> Vec<String> {
            let mut t = t.clone();
            t.set_height(usize::MAX / 2);
            t.visible().map(|(_, r)| r.id().to_string()).collect()
        }
        match self.pane {
            Pane::Servers => ids(&self.servers.table),
            Pane::Images => ids(&self.images.table),
            Pane::Keypairs => ids(&self.keypairs.table),
            Pane::Jobs => ids(&self.jobs.table),
        }
    }

    /// Ids of the marked servers.
    pub fn marked_servers(&self) -> Vec<String> {
        self.servers.table.marks().iter().cloned().collect()
    }

    /// The note on the status line, if any.
    pub fn toast(&self) -> Option<String> {
        self.toasts.current().map(|(t, _)| t.text.clone())
    }

    pub fn help_open(&self) -> bool {
        self.layers.iter().any(|l| matches!(l, Layer::Help(_)))
    }

    /// The form's requests are being sent (the spinner runs).
    pub(crate) fn sending(&self) -> bool {
        self.layers
            .iter()
            .any(|l| matches!(l, Layer::Form(form) if form.sending()))
    }

    /// Change/reinstall/stop requests sent and not answered yet.
    pub fn requests_in_flight(&self) -> usize {
        self.jobs.submitting()
    }

    pub fn confirm_quit_open(&self) -> bool {
        self.layers.iter().any(|l| matches!(l, Layer::ConfirmQuit))
    }

    pub(crate) fn loading(&self) -> bool {
        self.servers.load.loading || self.images.load.loading || self.keypairs.load.loading
    }

    fn generation(&mut self) -> u64 {
        self.next_generation += 1;
        self.next_generation
    }

    /// Reloads every listing; replies to earlier requests become stale.
    pub(crate) fn refresh_all(&mut self) -> Vec<Command> {
        let g = self.generation();
        self.servers.start(g);
        let gi = self.generation();
        self.images.load.start(gi);
        let gk = self.generation();
        self.keypairs.load.start(gk);
        self.dirty = true;
        vec![
            Command::LoadServers {
                kind: ServerKind::Ecs,
                generation: g,
            },
            Command::LoadServers {
                kind: ServerKind::Bms,
                generation: g,
            },
            Command::LoadImages { generation: gi },
            Command::LoadKeypairs { generation: gk },
        ]
    }

    /// Drops whatever is in flight (before a region or profile switch).
    pub(crate) fn invalidate(&mut self) {
        let g = self.generation();
        for load in [
            &mut self.servers.load,
            &mut self.images.load,
            &mut self.keypairs.load,
        ] {
            load.generation = g;
            load.loading = false;
        }
    }

    pub(crate) fn dirty_key(&mut self) {
        self.dirty = true;
    }

    pub(crate) fn note(&mut self, level: Level, text: impl Into<String>, hint: Option<String>) {
        self.toasts.push(level, text, hint);
        self.dirty = true;
    }

    /// Recomputes page heights and searchable columns from the terminal size.
    pub(crate) fn apply_layout(&mut self) {
        if !layout::details_toggle(self.size.width, self.size.height) {
            self.zoom = false;
        }
        let Some(a) = layout::areas(self.size, self.zoom) else {
            return;
        };
        let table = a.table.unwrap_or(a.body);
        let h = layout::page_height(table);
        let w = layout::cells_width(table);
        let cols = |p: Pane| -> Vec<usize> {
            layout_columns(p.columns(), w)
                .into_iter()
                .map(|(c, _)| c)
                .collect()
        };
        self.servers.table.set_height(h);
        self.servers.table.set_search_cols(cols(Pane::Servers));
        self.images.table.set_height(h);
        self.images.table.set_search_cols(cols(Pane::Images));
        self.keypairs.table.set_height(h);
        self.keypairs.table.set_search_cols(cols(Pane::Keypairs));
        self.jobs.table.set_height(h);
        self.jobs.table.set_search_cols(cols(Pane::Jobs));
        self.rebuild_all();
    }

    pub(crate) fn rebuild_all(&mut self) {
        self.servers.rebuild();
        self.images.rebuild();
        self.keypairs.rebuild();
        self.jobs.rebuild();
    }

    pub(crate) fn rebuild_current(&mut self) {
        match self.pane {
            Pane::Servers => self.servers.rebuild(),
            Pane::Images => self.images.rebuild(),
            Pane::Keypairs => self.keypairs.rebuild(),
            Pane::Jobs => self.jobs.rebuild(),
        }
    }

    pub(crate) fn quit(&mut self) -> Vec<Command> {
        self.quitting = true;
        self.dirty = true;
        vec![Command::Quit]
    }

    /// Applies one message; returns what must happen outside.
    pub fn update(&mut self, msg: Msg) -> Vec<Command> {
        match msg {
            Msg::Key(key) => super::keys::handle_key(self, key),
            Msg::Paste(mut text) => {
                super::keys::paste(self, &text);
                // It may have been a password.
                zeroize::Zeroize::zeroize(&mut text);
                Vec::new()
            }
            Msg::Mouse(m) => {
                super::keys::mouse(self, m);
                Vec::new()
            }
            Msg::Resize(w, h) => {
                self.size = Rect::new(0, 0, w, h);
                self.apply_layout();
                self.dirty = true;
                vec![Command::RepaintAll]
            }
            Msg::Tick => {
                if self.loading() || self.sending() {
                    self.spin = self.spin.wrapping_add(1);
                    self.dirty = true;
                }
                if self.toasts.expire(Instant::now()) {
                    self.dirty = true;
                }
                Vec::new()
            }
            Msg::QuitSignal => self.quit(),
            Msg::ServersLoaded {
                kind,
                generation,
                page,
                done,
            } => {
                if self.servers.page(kind, generation, page, done) {
                    self.servers.rebuild();
                    self.dirty = true;
                } else {
                    tracing::debug!(generation, ?kind, "stale server page dropped");
                }
                Vec::new()
            }
            Msg::ImagesLoaded { generation, images } => {
                if generation == self.images.load.generation && self.images.load.loading {
                    self.images.load.received = images.len();
                    self.images.table.set_rows(images);
                    self.images.load.succeed();
                    self.images.rebuild();
                    self.dirty = true;
                } else {
                    tracing::debug!(generation, "stale image listing dropped");
                }
                Vec::new()
            }
            Msg::KeypairsLoaded {
                generation,
                keypairs,
            } => {
                if generation == self.keypairs.load.generation && self.keypairs.load.loading {
                    self.keypairs.load.received = keypairs.len();
                    self.keypairs.table.set_rows(keypairs);
                    self.keypairs.load.succeed();
                    self.keypairs.rebuild();
                    self.dirty = true;
                } else {
                    tracing::debug!(generation, "stale key pair listing dropped");
                }
                Vec::new()
            }
            Msg::LoadFailed {
                what,
                generation,
                error,
                hint,
            } => {
                let applied = match what {
                    Resource::Servers(kind) => self.servers.fail(kind, generation, &error),
                    Resource::Images => fail_one(&mut self.images.load, generation, &error),
                    Resource::Keypairs => fail_one(&mut self.keypairs.load, generation, &error),
                };
                if applied {
                    self.note(Level::Error, format!("{}: {error}", what.label()), hint);
                } else {
                    tracing::debug!(generation, ?what, "stale failure dropped");
                }
                Vec::new()
            }
            Msg::JobsReplaced(list) => {
                self.jobs.table.set_rows(list);
                self.jobs.rebuild();
                self.dirty = true;
                Vec::new()
            }
            Msg::JobUpdated(job) => {
                self.jobs.table.upsert(job);
                self.jobs.rebuild();
                self.dirty = true;
                Vec::new()
            }
            Msg::JobProgress(p) => {
                self.jobs.note_progress(p);
                self.dirty = true;
                Vec::new()
            }
            Msg::JobEnded { key, bell } => super::job_msgs::job_ended(self, &key, bell),
            Msg::ServerUpdated(server) => super::job_msgs::server_updated(self, *server),
            Msg::Connected(header) => {
                self.set_header(header);
                self.dirty = true;
                Vec::new()
            }
            Msg::ContextChanged(header) => {
                self.set_header(header);
                // Another project: the form's servers and the user id no longer apply.
                self.changes = Default::default();
                self.layers
                    .retain(|l| !matches!(l, Layer::Form(_) | Layer::Stop(_)));
                self.servers.table.set_rows(Vec::new());
                self.images.table.set_rows(Vec::new());
                self.keypairs.table.set_rows(Vec::new());
                self.rebuild_all();
                self.note(
                    Level::Info,
                    format!(
                        "now on profile {} {} region {}",
                        self.header.profile, self.glyphs.sep, self.header.region
                    ),
                    None,
                );
                self.refresh_all()
            }
            Msg::Error { error, hint } => {
                self.note(Level::Error, error, hint);
                Vec::new()
            }
            Msg::Info(text) => {
                self.note(Level::Info, text, None);
                Vec::new()
            }
            Msg::UserIdLoaded(result) => {
                super::form::glue::user_id_loaded(self, result);
                self.dirty = true;
                Vec::new()
            }
            Msg::Submitted { key, outcome } => {
                super::form::glue::submitted(self, &key, outcome);
                self.dirty = true;
                Vec::new()
            }
        }
    }
}

fn fail_one(load: &mut super::panes::Load, generation: u64, error: &str) -> bool {
    if generation != load.generation || !load.loading {
        return false;
    }
    load.fail(error);
    true
}
