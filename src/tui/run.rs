//! The event loop: crossterm events, the `Msg` channel and a tick timer (only while
//! something animates) in one `select!`; every queued message is handled before one draw,
//! and nothing is drawn when nothing changed, so an idle TUI writes zero bytes.

use super::app::App;
use super::clipboard::{in_tmux, osc52};
use super::command::Command;
use super::msg::Msg;
use super::scroll_backend::ScrollBackend;
use super::terminal::TerminalGuard;
use super::{HeaderInfo, TuiError, UiOptions};
use crossterm::event::{Event, EventStream};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use crossterm::{execute, queue};
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend};
use std::io::{self, IsTerminal, Write};
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::time::Instant;

/// Spinner and toast-expiry rate while something is in flight.
const TICK: Duration = Duration::from_millis(250);

/// Runs the commands the TUI cannot run itself (network calls, profile switches): each
/// must return at once, spawn its work, and report back by sending `Msg`s on `tx`.
pub trait Effects: Send + Sync + 'static {
    fn run(&self, cmd: Command, tx: UnboundedSender<Msg>);
}

impl<F> Effects for F
where
    F: Fn(Command, UnboundedSender<Msg>) + Send + Sync + 'static,
{
    fn run(&self, cmd: Command, tx: UnboundedSender<Msg>) {
        self(cmd, tx)
    }
}

/// Where frames go: the real terminal, or a test backend that counts what is written.
pub trait Screen {
    /// Draws one frame of `app`.
    fn draw(&mut self, app: &App) -> io::Result<()>;
    /// Forgets what is on screen so the next frame repaints everything.
    fn repaint_all(&mut self) -> io::Result<()>;
    /// Writes an escape sequence as is (OSC 52).
    fn write_raw(&mut self, s: &str) -> io::Result<()>;
}

impl<W: Write> Screen for Terminal<ScrollBackend<CrosstermBackend<W>>> {
    fn draw(&mut self, app: &App) -> io::Result<()> {
        // Synchronized output: a slow link never shows half a frame.
        queue!(self.backend_mut(), BeginSynchronizedUpdate)?;
        let drawn = Terminal::draw(self, |f| super::draw(f, app)).map(|_| ());
        execute!(self.backend_mut(), EndSynchronizedUpdate)?;
        drawn
    }

    fn repaint_all(&mut self) -> io::Result<()> {
        full_repaint(self)
    }

    fn write_raw(&mut self, s: &str) -> io::Result<()> {
        let b = self.backend_mut();
        b.write_all(s.as_bytes())?;
        Backend::flush(b)
    }
}

/// Clears the screen and forgets what was on it, so the next frame is drawn in full.
/// Not `Terminal::clear`: that first asks the terminal where its cursor is and waits for the
/// answer, one round trip over SSH before the first frame (and a 2 s stall, then an error,
/// on a terminal that does not answer).
fn full_repaint<B: Backend>(terminal: &mut Terminal<B>) -> Result<(), B::Error> {
    let size = terminal.size()?;
    terminal.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))
}

/// Runs the full-screen TUI until the user quits, a signal arrives, or the terminal goes
/// away. The terminal is restored on every path, panics included.
pub async fn run<E: Effects>(
    header: HeaderInfo,
    options: UiOptions,
    effects: E,
) -> Result<(), TuiError> {
    if !io::stdout().is_terminal() || !io::stdin().is_terminal() {
        return Err(TuiError::NotATerminal(
            "stdin and stdout must be a terminal; use `reimage sandbox` or the CLI for scripts"
                .into(),
        ));
    }
    let guard = TerminalGuard::enter(options.mouse)?;
    // Never dropped: ratatui's drop shows the cursor and, when that fails (the terminal hung
    // up with the SSH link), reports it with `eprintln!`, which panics on the dead terminal
    // and aborts. The guard restores the cursor and ignores such failures.
    let mut terminal = std::mem::ManuallyDrop::new(Terminal::new(ScrollBackend::new(
        CrosstermBackend::new(io::stdout()),
    ))?);
    full_repaint(&mut terminal)?;
    let (tx, rx) = unbounded_channel();
    let signals = tokio::spawn(forward_signals(tx.clone()));
    let mut app = App::new(header, &options);
    let size = terminal.size()?;
    app.update(Msg::Resize(size.width, size.height));
    let result = run_on(&mut *terminal, EventStream::new(), tx, rx, app, &effects)
        .await
        .map(|_| ());
    signals.abort();
    drop(guard);
    result
}

/// Turns SIGHUP/SIGTERM/SIGINT/SIGQUIT into `Msg::QuitSignal`.
async fn forward_signals(tx: UnboundedSender<Msg>) {
    use tokio::signal::unix::{SignalKind, signal};
    let kinds = [
        SignalKind::hangup(),
        SignalKind::terminate(),
        SignalKind::interrupt(),
        SignalKind::quit(),
    ];
    let mut streams = Vec::new();
    for k in kinds {
        match signal(k) {
            Ok(s) => streams.push(s),
            Err(e) => tracing::warn!(error = %e, "cannot watch a signal"),
        }
    }
    if streams.is_empty() {
        return;
    }
    futures::future::select_all(streams.iter_mut().map(|s| Box::pin(s.recv()))).await;
    tracing::info!("signal received, quitting");
    let _ = tx.send(Msg::QuitSignal);
}

/// A terminal read as a message. A hung-up tty reads as an error or the end of input:
/// leave, never spin.
fn input_msg(ev: Option<io::Result<Event>>) -> Result<Option<Msg>, TuiError> {
    match ev {
        Some(Ok(ev)) => Ok(event_msg(ev)),
        Some(Err(e)) => {
            tracing::warn!(error = %e, "terminal input failed, quitting");
            Err(TuiError::Io(e))
        }
        None => {
            tracing::info!("terminal input closed, quitting");
            Ok(Some(Msg::QuitSignal))
        }
    }
}

fn event_msg(ev: Event) -> Option<Msg> {
    match ev {
        Event::Key(k) => Some(Msg::Key(k)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        Event::Paste(s) => Some(Msg::Paste(s)),
        Event::Mouse(m) => Some(Msg::Mouse(m)),
        Event::FocusGained | Event::FocusLost => None,
    }
}

/// The loop itself, over any screen and event stream (tests drive it with a test backend
/// and a channel of events). Returns the final state.
pub async fn run_on<S, St, E>(
    screen: &mut S,
    mut events: St,
    tx: UnboundedSender<Msg>,
    mut rx: UnboundedReceiver<Msg>,
    mut app: App,
    effects: &E,
) -> Result<App, TuiError>
where
    S: Screen,
    St: Stream<Item = io::Result<Event>> + Unpin,
    E: Effects,
{
    // The app's clock: the time since here, told before each message.
    let started = Instant::now();
    let start = app.start();
    execute_all(screen, &tx, effects, start)?;
    let mut next_tick = Instant::now() + TICK;
    loop {
        if app.should_quit() {
            return Ok(app);
        }
        if app.needs_redraw() {
            screen.draw(&app)?;
            app.mark_drawn();
        }
        let ticking = app.wants_tick();
        if !ticking {
            next_tick = Instant::now() + TICK;
        }
        let msg = tokio::select! {
            ev = events.next() => input_msg(ev)?,
            m = rx.recv() => m,
            _ = tokio::time::sleep_until(next_tick), if ticking => {
                next_tick = Instant::now() + TICK;
                Some(Msg::Tick)
            }
        };
        let Some(msg) = msg else { continue };
        app.set_time(started.elapsed());
        let cmds = app.update(msg);
        execute_all(screen, &tx, effects, cmds)?;
        // Every message already queued is handled before the next draw. (Terminal events
        // are not drained the same way: polling crossterm's stream with a no-op waker would
        // leave it without a waker to wake the loop on the next key.)
        while let Ok(m) = rx.try_recv() {
            if app.should_quit() {
                break;
            }
            app.set_time(started.elapsed());
            let cmds = app.update(m);
            execute_all(screen, &tx, effects, cmds)?;
        }
    }
}

fn execute_all<S: Screen, E: Effects>(
    screen: &mut S,
    tx: &UnboundedSender<Msg>,
    effects: &E,
    cmds: Vec<Command>,
) -> Result<(), TuiError> {
    for cmd in cmds {
        match cmd {
            Command::Quit => {}
            Command::RepaintAll => screen.repaint_all()?,
            Command::Bell => screen.write_raw("\x07")?,
            Command::CopyToClipboard(text) => screen.write_raw(&osc52(&text, in_tmux()))?,
            other => {
                tracing::debug!(?other, "command");
                effects.run(other, tx.clone());
            }
        }
    }
    Ok(())
}
