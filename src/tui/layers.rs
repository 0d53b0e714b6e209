//! What sits over the panes, in one stack, bottom to top: the `/` and `:` line, the
//! change / reinstall form, the stop confirmation, help, the text viewer (a job's details,
//! the message history) and the quit confirmation. The top layer takes every key (Ctrl-C
//! excepted); drawing goes over the same stack from the bottom, so the layer drawn last is
//! the one that gets the key.
//! A new layer is one variant here with its key handler, paste and draw.

use super::app::App;
use super::cmdline::LineInput;
use super::command::Command;
use super::form::FormState;
use super::form::stop::StopConfirm;
use super::help::HelpState;
use super::key_bindings::{Action, Scope};
use super::layout::Areas;
use super::popup::{Popup, centered};
use super::toast::Level;
use super::viewer::{Para, Step, Viewer};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// A focused one-line text input on the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Input {
    Filter {
        line: LineInput,
        /// What a paste left out, shown beside the line.
        note: Option<String>,
    },
    Command {
        line: LineInput,
        /// Completion candidates or an error to show beside the line.
        note: Option<String>,
    },
}

/// One layer over the panes.
pub(crate) enum Layer {
    Input(Input),
    /// The change / reinstall form; its picker and stages are inside it
    /// ([`FormState::part`]).
    Form(Box<FormState>),
    Stop(StopConfirm),
    Help(HelpState),
    /// Long text: a job's details, the message history.
    Viewer(Box<Viewer>),
    ConfirmQuit,
}

/// What a layer's key handler did.
pub(crate) enum Outcome {
    /// The layer stays, the commands run.
    Keep(Vec<Command>),
    /// The layer goes (dropping it wipes what it held), the commands run.
    Close(Vec<Command>),
}

impl Outcome {
    fn keep() -> Self {
        Outcome::Keep(Vec::new())
    }

    fn close() -> Self {
        Outcome::Close(Vec::new())
    }
}

impl Layer {
    fn key(&mut self, app: &mut App, key: &KeyEvent) -> Outcome {
        match self {
            Layer::Input(input) => super::key_routing::input_key(app, input, key),
            Layer::Form(form) => super::form::host::form_key(app, form, key),
            Layer::Stop(stop) => super::form::host::stop_key(app, stop, key),
            Layer::Help(state) => match state.handle(&app.keymap, key) {
                true => Outcome::close(),
                false => Outcome::keep(),
            },
            Layer::Viewer(v) => match v.key(app, key) {
                Step::Keep(cmds) => Outcome::Keep(cmds),
                Step::Close => Outcome::close(),
            },
            Layer::ConfirmQuit => match app.keymap.action_in(Scope::QuitConfirm, key) {
                Some(Action::Yes) => Outcome::Keep(app.quit()),
                // Any other key stays in the app.
                _ => Outcome::close(),
            },
        }
    }

    /// A bracketed paste: into the layer's text field, if it has one on screen.
    fn paste(&mut self, app: &mut App, text: &str) {
        match self {
            Layer::Input(input) => super::key_routing::input_paste(app, input, text),
            Layer::Form(form) => form.paste(text),
            Layer::Viewer(v) => v.paste(text),
            Layer::Help(state) if state.filtering => {
                state.scroll = 0;
                if let Some(n) = state.filter.paste(text).note(false) {
                    app.note(Level::Warn, n, None);
                }
            }
            _ => {}
        }
    }

    fn draw(&self, f: &mut Frame, app: &App, a: &Areas) {
        match self {
            Layer::Input(input) => draw_input(f, a.status, app, input),
            Layer::Form(form) => super::form::host::draw_form(f, app, form),
            Layer::Stop(stop) => super::form::host::draw_stop(f, app, stop),
            Layer::Help(state) => super::help::draw(f, a.body, app, state),
            Layer::Viewer(v) => v.draw(f, app),
            Layer::ConfirmQuit => confirm_quit(f, a.body, app),
        }
    }

    /// The footer's hints while this layer is on top; `None` leaves the pane's (the form
    /// covers the footer, the stop confirmation has its own on screen).
    pub fn hints(&self, app: &App) -> Option<Vec<(String, &'static str)>> {
        let k = |actions: &[Action]| app.keymap.hint(actions, false);
        Some(match self {
            Layer::Input(Input::Filter { .. }) => {
                vec![("Enter".into(), "keep filter"), ("Esc".into(), "clear")]
            }
            Layer::Input(Input::Command { .. }) => vec![
                ("Enter".into(), "run"),
                ("Tab".into(), "complete"),
                ("Esc".into(), "cancel"),
            ],
            Layer::Help(_) => vec![
                (k(&[Action::Down, Action::Up]), "scroll"),
                (k(&[Action::Filter]), "filter"),
                (k(&[Action::Cancel]), "close"),
            ],
            Layer::Viewer(_) => vec![
                (k(&[Action::Down, Action::Up]), "scroll"),
                (k(&[Action::Filter]), "search"),
                (k(&[Action::CopyId]), "copy"),
                (k(&[Action::Cancel]), "close"),
            ],
            Layer::ConfirmQuit => vec![(k(&[Action::Yes]), "quit"), ("any key".into(), "stay")],
            Layer::Form(_) | Layer::Stop(_) => return None,
        })
    }
}

/// The top layer takes the key; `None` when no layer is open (the panes get it).
pub(crate) fn key(app: &mut App, key: &KeyEvent) -> Option<Vec<Command>> {
    let mut top = app.layers.pop()?;
    let at = app.layers.len();
    Some(match top.key(app, key) {
        Outcome::Keep(cmds) => {
            // Whatever the handler opened stays above it.
            app.layers.insert(at.min(app.layers.len()), top);
            cmds
        }
        Outcome::Close(cmds) => cmds,
    })
}

/// A paste goes to the top layer; false when no layer is open.
pub(crate) fn paste(app: &mut App, text: &str) -> bool {
    let Some(mut top) = app.layers.pop() else {
        return false;
    };
    let at = app.layers.len();
    top.paste(app, text);
    app.layers.insert(at.min(app.layers.len()), top);
    true
}

/// Draws every layer, bottom first.
pub(crate) fn draw(f: &mut Frame, app: &App, a: &Areas) {
    for layer in &app.layers {
        layer.draw(f, app, a);
    }
}

/// The form, if open.
pub(crate) fn form_mut(layers: &mut [Layer]) -> Option<&mut FormState> {
    layers.iter_mut().find_map(|l| match l {
        Layer::Form(form) => Some(&mut **form),
        _ => None,
    })
}

fn draw_input(f: &mut Frame, area: Rect, app: &App, input: &Input) {
    let t = &app.theme;
    let (prefix, l, note) = match input {
        Input::Filter { line, note } => ("/", line, note.as_deref()),
        Input::Command { line, note } => (":", line, note.as_deref()),
    };
    let w = area.width as usize;
    let mut spans = vec![
        Span::styled(format!(" {prefix}"), t.key),
        Span::raw(l.text.clone()),
    ];
    if let Some(n) = note {
        spans.push(Span::styled(format!("   {n}"), t.dim));
    }
    let before: String = l.text.chars().take(l.cursor).collect();
    let x = area.x + (2 + super::text::width(&before)).min(w.saturating_sub(1)) as u16;
    // The status line's note is under it.
    f.render_widget(Clear, area);
    f.render_widget(Paragraph::new(Line::from(spans)), area);
    f.set_cursor_position(Position::new(x, area.y));
}

/// The message history, newest first, each with its hint, in the viewer.
pub(crate) fn messages(app: &App) -> Viewer {
    let t = &app.theme;
    let mut paras = Vec::new();
    for m in app.toasts.history().rev() {
        let (word, style) = match m.level {
            Level::Info => ("info", t.info),
            Level::Warn => ("warn", t.warn),
            Level::Error => ("error", t.error),
        };
        paras.push(Para {
            label: word.into(),
            label_style: style,
            text: m.text.clone(),
            style: t.base,
        });
        if let Some(h) = &m.hint {
            paras.push(Para {
                label: String::new(),
                label_style: t.dim,
                text: h.clone(),
                style: t.dim,
            });
        }
    }
    if paras.is_empty() {
        paras.push(Para {
            label: String::new(),
            label_style: t.dim,
            text: "no messages yet".into(),
            style: t.dim,
        });
    }
    Viewer::new("Messages (newest first)", 5, paras)
}

/// The warning is wrapped, never cut: the box grows to hold it.
fn confirm_quit(f: &mut Frame, area: Rect, app: &App) {
    let (n, live) = (app.jobs.submitting(), app.jobs.live_rollouts());
    let mut warning = String::new();
    if n > 0 {
        warning +=
            &format!("{n} request(s) are being sent; quitting now leaves their outcome unknown. ");
    }
    if live > 0 {
        warning += &format!(
            "{live} rollout(s) would send more waves; quitting stops them (the jobs sent go on; \
             reimage apply --resume ID goes on with them)."
        );
    }
    let warning = warning.trim_end().to_string();
    let w = area.width.saturating_sub(4).min(64);
    let rows = super::text::wrap(&warning, w.saturating_sub(2) as usize);
    let popup = centered(area, w, rows.len() as u16 + 3);
    let inner = Popup::new(" Quit? ", &app.theme, &app.glyphs)
        .warn()
        .draw(f, popup);
    let mut text: Vec<Line> = rows.into_iter().map(Line::raw).collect();
    text.push(Line::from(vec![
        Span::styled(app.keymap.hint(&[Action::Yes], false), app.theme.key),
        Span::raw(" quit anyway   "),
        Span::styled("any other key", app.theme.key),
        Span::raw(" stay"),
    ]));
    f.render_widget(
        Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: false }),
        inner,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::model::{Server, ServerKind};
    use crate::tui::theme::GlyphChoice;
    use crate::tui::{HeaderInfo, Msg, UiOptions};
    use crossterm::event::{KeyCode, KeyModifiers};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Kind {
        Filter,
        Form,
        Stop,
        Help,
        Messages,
        ConfirmQuit,
    }

    const KINDS: [Kind; 6] = [
        Kind::Filter,
        Kind::Form,
        Kind::Stop,
        Kind::Help,
        Kind::Messages,
        Kind::ConfirmQuit,
    ];

    fn kind(l: &Layer) -> Kind {
        match l {
            Layer::Input(_) => Kind::Filter,
            Layer::Form(_) => Kind::Form,
            Layer::Stop(_) => Kind::Stop,
            Layer::Help(_) => Kind::Help,
            Layer::Viewer(_) => Kind::Messages,
            Layer::ConfirmQuit => Kind::ConfirmQuit,
        }
    }

    /// What only this layer draws, seen when nothing covers it.
    fn marker(k: Kind) -> &'static str {
        match k {
            Kind::Filter => " /zq",
            Kind::Form => "pick/toggle",
            Kind::Stop => "Stop 1 server?",
            Kind::Help => " Help ",
            Kind::Messages => "Messages (newest first)",
            Kind::ConfirmQuit => " Quit? ",
        }
    }

    fn servers() -> Vec<Server> {
        #[derive(serde::Deserialize)]
        struct List {
            servers: Vec<Server>,
        }
        #[derive(serde::Deserialize)]
        struct Inventory {
            ecs: List,
        }
        let text = include_str!("../../tests/data/tui_inventory.json");
        let inv: Inventory = serde_json::from_str(text).expect("fixture");
        inv.ecs.servers
    }

    fn layer(k: Kind, web01: &Server) -> Layer {
        match k {
            Kind::Filter => Layer::Input(Input::Filter {
                line: LineInput::with_text("zq"),
                note: None,
            }),
            Kind::Form => Layer::Form(Box::new(
                FormState::open(crate::ops::OpKind::Reinstall, vec![web01.clone()])
                    .expect("web-01 takes a reinstall"),
            )),
            Kind::Stop => Layer::Stop(StopConfirm::open(vec![web01.clone()]).expect("running")),
            Kind::Help => Layer::Help(HelpState::default()),
            Kind::Messages => Layer::Viewer(Box::new(Viewer::new(
                "Messages (newest first)",
                5,
                Vec::new(),
            ))),
            Kind::ConfirmQuit => Layer::ConfirmQuit,
        }
    }

    /// Every stack of up to three different layers.
    fn stacks() -> Vec<Vec<Kind>> {
        let mut out: Vec<Vec<Kind>> = vec![Vec::new()];
        let mut last: Vec<Vec<Kind>> = vec![Vec::new()];
        for _ in 0..3 {
            last = last
                .iter()
                .flat_map(|s| {
                    KINDS.iter().filter(|k| !s.contains(k)).map(move |k| {
                        let mut t = s.clone();
                        t.push(*k);
                        t
                    })
                })
                .collect();
            out.extend(last.iter().cloned());
        }
        out.retain(|s| !s.is_empty());
        out
    }

    fn screen(app: &App) -> String {
        let mut t = Terminal::new(TestBackend::new(100, 30)).expect("terminal");
        t.draw(|f| crate::tui::draw(f, app)).expect("draw");
        let buf = t.backend().buffer();
        (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// For every combination of open layers, the layer drawn on top is the one that takes
    /// the key: its marker is on screen, and Esc closes it and nothing else.
    #[test]
    fn the_layer_drawn_on_top_is_the_one_that_takes_the_key() {
        let web01 = servers()
            .into_iter()
            .find(|s| s.name == "web-01")
            .expect("web-01");
        let options = UiOptions {
            glyphs: GlyphChoice::Unicode,
            ..UiOptions::default()
        };
        let header = HeaderInfo {
            project_id: "p".into(),
            ..HeaderInfo::default()
        };
        let all = stacks();
        assert_eq!(all.len(), 6 + 6 * 5 + 6 * 5 * 4);
        for stack in all {
            let mut app = App::new(header.clone(), &options);
            app.update(Msg::Resize(100, 30));
            app.update(Msg::ServersLoaded {
                kind: ServerKind::Ecs,
                generation: 0,
                page: vec![web01.clone()],
                done: true,
            });
            app.layers = stack.iter().map(|&k| layer(k, &web01)).collect();
            let top = *stack.last().expect("not empty");
            let text = screen(&app);
            assert!(
                text.contains(marker(top)),
                "{stack:?}: {top:?} is not drawn on top\n{text}"
            );
            app.update(Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
            let left: Vec<Kind> = app.layers.iter().map(kind).collect();
            assert_eq!(left, stack[..stack.len() - 1], "Esc went to another layer");
        }
    }
}
