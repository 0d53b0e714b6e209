//! The run loop over a test screen and a scripted event stream: an idle app draws nothing,
//! the timer runs only while something loads, and a closed terminal ends the loop.

use crate::support::tui::*;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::channel::mpsc;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use reimage::tui::{App, Command, Msg, Screen, TuiError, draw, run_on};
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

/// Draws into a `TestBackend` and counts frames and raw writes.
struct Counting {
    term: Terminal<TestBackend>,
    frames: Arc<AtomicUsize>,
    raw: Arc<Mutex<Vec<String>>>,
}

impl Screen for Counting {
    fn draw(&mut self, app: &App) -> io::Result<()> {
        self.frames.fetch_add(1, Ordering::SeqCst);
        self.term
            .draw(|f| draw(f, app))
            .map(|_| ())
            .map_err(|e| match e {})
    }
    fn repaint_all(&mut self) -> io::Result<()> {
        self.term.clear().map_err(|e| match e {})
    }
    fn write_raw(&mut self, s: &str) -> io::Result<()> {
        self.raw.lock().expect("lock").push(s.to_string());
        Ok(())
    }
}

type Events = mpsc::UnboundedSender<io::Result<Event>>;

struct Harness {
    events: Events,
    frames: Arc<AtomicUsize>,
    raw: Arc<Mutex<Vec<String>>>,
    commands: Arc<Mutex<Vec<Command>>>,
    task: tokio::task::JoinHandle<Result<App, TuiError>>,
}

/// Starts the loop; `answer_loads` makes the effects reply at once with the fixture.
fn start(answer_loads: bool) -> Harness {
    let (ev_tx, ev_rx) = mpsc::unbounded::<io::Result<Event>>();
    let (tx, rx) = unbounded_channel();
    let frames = Arc::new(AtomicUsize::new(0));
    let raw = Arc::new(Mutex::new(Vec::new()));
    let commands = Arc::new(Mutex::new(Vec::new()));
    let fx = Arc::new(fixture());
    let seen = commands.clone();
    let effects = move |cmd: Command, tx: UnboundedSender<Msg>| {
        seen.lock().expect("lock").push(cmd.clone());
        if !answer_loads {
            return;
        }
        let Some(msg) = load_reply(&fx, &cmd) else {
            return;
        };
        let _ = tx.send(msg);
    };
    let mut screen = Counting {
        term: Terminal::new(TestBackend::new(80, 24)).expect("terminal"),
        frames: frames.clone(),
        raw: raw.clone(),
    };
    let mut app = App::new(header(false), &options(true));
    app.update(Msg::Resize(80, 24));
    let task = tokio::spawn(async move { run_on(&mut screen, ev_rx, tx, rx, app, &effects).await });
    Harness {
        events: ev_tx,
        frames,
        raw,
        commands,
        task,
    }
}

fn press(events: &Events, c: char) {
    let ev = Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    events.unbounded_send(Ok(ev)).expect("loop alive");
}

#[tokio::test(start_paused = true)]
async fn an_idle_app_draws_nothing() {
    let h = start(true);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let settled = h.frames.load(Ordering::SeqCst);
    assert!(settled >= 1, "the first frame is drawn");
    // A minute of idleness: no tick, no frame.
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(
        h.frames.load(Ordering::SeqCst),
        settled,
        "idle means zero frames"
    );
    press(&h.events, 'j');
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(
        h.frames.load(Ordering::SeqCst),
        settled + 1,
        "one key, one frame"
    );
    press(&h.events, 'q');
    let app = h.task.await.expect("join").expect("clean exit");
    assert!(app.should_quit());
    assert_eq!(
        h.commands.lock().expect("lock").len(),
        4,
        "one load per listing, nothing on a timer"
    );
}

#[tokio::test(start_paused = true)]
async fn the_spinner_ticks_only_while_loading() {
    let h = start(false);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let a = h.frames.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let b = h.frames.load(Ordering::SeqCst);
    assert!(b >= a + 6, "spinner frames while loading: {a} -> {b}");
    press(&h.events, 'q');
    h.task.await.expect("join").expect("clean exit");
}

#[tokio::test(start_paused = true)]
async fn copy_writes_osc52_to_the_terminal() {
    let h = start(true);
    tokio::time::sleep(Duration::from_millis(10)).await;
    press(&h.events, 'y');
    tokio::time::sleep(Duration::from_millis(10)).await;
    let raw = h.raw.lock().expect("lock").clone();
    assert_eq!(raw.len(), 1);
    assert!(raw[0].contains("]52;c;"), "{raw:?}");
    press(&h.events, 'q');
    h.task.await.expect("join").expect("clean exit");
}

#[tokio::test(start_paused = true)]
async fn closed_input_ends_the_loop() {
    let h = start(true);
    tokio::time::sleep(Duration::from_millis(10)).await;
    drop(h.events);
    let app = tokio::time::timeout(Duration::from_secs(5), h.task)
        .await
        .expect("loop ended")
        .expect("join")
        .expect("EOF is a clean exit");
    assert!(app.should_quit());
}

#[tokio::test(start_paused = true)]
async fn input_error_ends_the_loop_with_an_error() {
    let h = start(true);
    tokio::time::sleep(Duration::from_millis(10)).await;
    h.events
        .unbounded_send(Err(io::Error::from_raw_os_error(5)))
        .expect("loop alive");
    let res = tokio::time::timeout(Duration::from_secs(5), h.task)
        .await
        .expect("loop ended, not spinning")
        .expect("join");
    assert!(matches!(res, Err(TuiError::Io(_))));
}

#[tokio::test(start_paused = true)]
async fn a_quit_signal_message_ends_the_loop() {
    // The loop's own sender is used by the signal task; a test sends through effects.
    let (ev_tx, ev_rx) = mpsc::unbounded::<io::Result<Event>>();
    let (tx, rx) = unbounded_channel();
    let frames = Arc::new(AtomicUsize::new(0));
    let mut screen = Counting {
        term: Terminal::new(TestBackend::new(80, 24)).expect("terminal"),
        frames,
        raw: Arc::new(Mutex::new(Vec::new())),
    };
    let effects = |cmd: Command, tx: UnboundedSender<Msg>| {
        if matches!(cmd, Command::LoadImages { .. }) {
            let _ = tx.send(Msg::QuitSignal);
        }
    };
    let mut app = App::new(header(false), &options(true));
    app.update(Msg::Resize(80, 24));
    let app = tokio::time::timeout(
        Duration::from_secs(5),
        run_on(&mut screen, ev_rx, tx, rx, app, &effects),
    )
    .await
    .expect("ended")
    .expect("clean");
    assert!(app.should_quit());
    drop(ev_tx);
}
