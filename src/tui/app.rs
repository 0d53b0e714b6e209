//! The TUI state and [`App::update`]: the only place state changes. `update` never blocks
//! and never does I/O; what must happen outside comes back as [`Command`]s.

use super::command::Command;
use super::key_bindings::Keymap;
use super::layers::Layer;
use super::layout;
use super::msg::{Msg, Resource};
pub use super::panes::Pane;
use super::panes::images::ImagesPane;
use super::panes::jobs::JobsPane;
use super::panes::keypairs::KeypairsPane;
use super::panes::servers::ServersPane;
use super::panes::view::PaneView;
use super::table::layout_columns;
use super::theme::{Glyphs, Theme};
use super::toast::{Level, Toasts};
use super::{HeaderInfo, UiOptions};
use crate::cloud::model::ServerKind;
use crossterm::event::KeyEventKind;
use ratatui::layout::Rect;
use std::time::Duration;

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
    /// The last `/` query typed, which Up recalls in an empty `/` line.
    pub(crate) last_filter: String,
    pub(crate) spin: usize,
    /// How `/` matches rows without a `~` (for the help text; each table keeps its own).
    pub(crate) filter_mode: crate::config::FilterMode,
    /// The profiles `:profile` completes.
    pub(crate) profiles: Vec<String>,
    /// The time since the TUI started, as the run loop last told it ([`App::set_time`]):
    /// `update` reads no clock, so the same messages at the same times give the same state.
    pub(crate) now: Duration,
    next_generation: u64,
    /// Numbers the requests the app follows (user-data reads, submissions, stops).
    next_request: u64,
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
            last_filter: String::new(),
            spin: 0,
            filter_mode: options.filter,
            profiles: options.profiles.clone(),
            now: Duration::ZERO,
            next_generation: 0,
            next_request: 0,
            dirty: true,
            quitting: false,
        };
        for p in Pane::ALL {
            app.view_mut(p).set_filter_mode(options.filter);
        }
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

    /// The time since the TUI started, told before each message (it never goes back).
    pub fn set_time(&mut self, since_start: Duration) {
        self.now = self.now.max(since_start);
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

    /// A pane, whichever it is: the one place that tells the panes apart.
    pub(crate) fn view(&self, pane: Pane) -> &dyn PaneView {
        match pane {
            Pane::Servers => &self.servers,
            Pane::Images => &self.images,
            Pane::Keypairs => &self.keypairs,
            Pane::Jobs => &self.jobs,
        }
    }

    pub(crate) fn view_mut(&mut self, pane: Pane) -> &mut dyn PaneView {
        match pane {
            Pane::Servers => &mut self.servers,
            Pane::Images => &mut self.images,
            Pane::Keypairs => &mut self.keypairs,
            Pane::Jobs => &mut self.jobs,
        }
    }

    /// Id of the row under the cursor in the current pane.
    pub fn selected_id(&self) -> Option<String> {
        self.view(self.pane).selected_id()
    }

    /// Ids of the rows the current pane shows (after filters and sort), in order.
    pub fn shown_ids(&self) -> Vec<String> {
        self.view(self.pane).shown_ids()
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
        Pane::ALL
            .into_iter()
            .any(|p| self.view(p).load().is_some_and(|l| l.loading))
    }

    fn generation(&mut self) -> u64 {
        self.next_generation += 1;
        self.next_generation
    }

    /// A number no other request of this app has, to match its answer by.
    pub(crate) fn request_id(&mut self) -> u64 {
        self.next_request += 1;
        self.next_request
    }

    /// A key no other request of this app has, to follow it until its job id is known.
    pub(crate) fn request_key(&mut self, what: &str) -> String {
        format!("{what}-{}", self.request_id())
    }

    /// Reloads every listing; replies to earlier requests become stale.
    pub(crate) fn refresh_all(&mut self) -> Vec<Command> {
        let g = self.generation();
        self.servers.start(g);
        let gi = self.generation();
        self.images.load.start(gi);
        let gk = self.generation();
        self.keypairs.load.start(gk);
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

    pub(crate) fn note(&mut self, level: Level, text: impl Into<String>, hint: Option<String>) {
        self.toasts.push(level, text, hint, self.now);
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
        for p in Pane::ALL {
            self.view_mut(p).layout(h, cols(p));
        }
    }

    pub(crate) fn quit(&mut self) -> Vec<Command> {
        self.quitting = true;
        vec![Command::Quit]
    }

    /// Applies one message; returns what must happen outside. The screen is marked for a
    /// redraw here, once, for every message that changed something.
    pub fn update(&mut self, msg: Msg) -> Vec<Command> {
        match self.apply(msg) {
            Some(cmds) => {
                self.dirty = true;
                cmds
            }
            None => Vec::new(),
        }
    }

    /// `None` when the message changed nothing: a key release, a stale reply, a tick with
    /// nothing moving.
    fn apply(&mut self, msg: Msg) -> Option<Vec<Command>> {
        let none = Vec::new;
        Some(match msg {
            // Releases and repeats would double every key on terminals that report them.
            Msg::Key(key) if key.kind != KeyEventKind::Press => return None,
            Msg::Key(key) => super::key_routing::handle_key(self, key),
            Msg::Paste(mut text) => {
                super::key_routing::paste(self, &text);
                // It may have been a password.
                zeroize::Zeroize::zeroize(&mut text);
                none()
            }
            Msg::Mouse(m) => {
                if !super::key_routing::mouse(self, m) {
                    return None;
                }
                none()
            }
            Msg::Resize(w, h) => {
                self.size = Rect::new(0, 0, w, h);
                self.apply_layout();
                vec![Command::RepaintAll]
            }
            Msg::Tick => {
                let spins = self.loading() || self.sending();
                if spins {
                    self.spin = self.spin.wrapping_add(1);
                }
                if !self.toasts.expire(self.now) && !spins {
                    return None;
                }
                none()
            }
            Msg::QuitSignal => self.quit(),
            Msg::ServersLoaded {
                kind,
                generation,
                page,
                done,
            } => {
                if !self.servers.page(kind, generation, page, done, self.now) {
                    tracing::debug!(generation, ?kind, "stale server page dropped");
                    return None;
                }
                none()
            }
            Msg::ImagesLoaded { generation, images } => {
                if !self.images.loaded(generation, images, self.now) {
                    tracing::debug!(generation, "stale image listing dropped");
                    return None;
                }
                none()
            }
            Msg::KeypairsLoaded {
                generation,
                keypairs,
            } => {
                if !self.keypairs.loaded(generation, keypairs, self.now) {
                    tracing::debug!(generation, "stale key pair listing dropped");
                    return None;
                }
                none()
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
                if !applied {
                    tracing::debug!(generation, ?what, "stale failure dropped");
                    return None;
                }
                self.note(Level::Error, format!("{}: {error}", what.label()), hint);
                none()
            }
            Msg::JobsReplaced(list) => {
                self.jobs.set_jobs(list);
                none()
            }
            Msg::JobUpdated(job) => {
                self.jobs.upsert(job);
                none()
            }
            Msg::JobProgress(p) => {
                self.jobs.note_progress(p);
                none()
            }
            Msg::JobEnded { key, bell } => super::job_msgs::job_ended(self, &key, bell),
            Msg::ServerUpdated(server) => {
                if !self.servers.replace(*server) {
                    return None;
                }
                none()
            }
            Msg::Connected(header) => {
                self.set_header(header);
                none()
            }
            Msg::ContextChanged(header) => {
                self.set_header(header);
                // Another project: the form's servers and the user id no longer apply.
                self.changes = Default::default();
                self.layers
                    .retain(|l| !matches!(l, Layer::Form(_) | Layer::Stop(_)));
                for p in [Pane::Servers, Pane::Images, Pane::Keypairs] {
                    self.view_mut(p).clear();
                }
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
                none()
            }
            Msg::Info(text) => {
                self.note(Level::Info, text, None);
                none()
            }
            Msg::UserIdLoaded(result) => super::form::host::user_id_loaded(self, result),
            Msg::UserDataRead { id, result } => super::form::host::user_data_read(self, id, result),
            Msg::Submitted { key, outcome } => super::form::host::submitted(self, &key, outcome),
            Msg::RolloutUpdated(view) => super::job_msgs::rollout_updated(self, view),
        })
    }
}

fn fail_one(load: &mut super::panes::Load, generation: u64, error: &str) -> bool {
    if generation != load.generation || !load.loading {
        return false;
    }
    load.fail(error);
    true
}
