//! TUI hot paths at 11,000 servers (`SCALE_SERVERS=100000`: 101,000): one frame, one
//! navigation step, one filter keystroke; and a rollout of 1,000 servers: one progress
//! message, one of its jobs moving, one frame of the Jobs pane.
//! `cargo bench --bench tui`; figures and how to read them in docs/performance.md.

mod support;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use reimage::cloud::model::JobStatus;
use reimage::config::FilterMode;
use reimage::tui::{
    App, JobView, Msg, RolloutServer, RolloutState, RolloutView, Screen, ServerStage,
};
use std::hint::black_box;
use std::time::{Duration, Instant};
use support::{Inventory, counting_terminal, loaded_app, loaded_app_with};

fn key(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn sized(inv: &Inventory, servers: usize) -> Inventory {
    Inventory {
        ecs: inv.ecs.iter().take(servers).cloned().collect(),
        bms: Vec::new(),
        images: inv.images.clone(),
        keypairs: inv.keypairs.clone(),
    }
}

/// Rendering the whole screen into the frame buffer and diffing it (nothing changed, so
/// nothing is written): the cost of the widgets alone, at 1,000 and 11,000 rows.
fn frame(c: &mut Criterion, inv: &Inventory) {
    let total = inv.ecs.len() + inv.bms.len();
    let mut g = c.benchmark_group("frame");
    g.sample_size(30).measurement_time(Duration::from_secs(3));
    for (w, h) in [(80u16, 24u16), (200, 60)] {
        for rows in [1_000usize, total] {
            let data = if rows >= inv.ecs.len() + inv.bms.len() {
                inv.clone()
            } else {
                sized(inv, rows)
            };
            let app = loaded_app(&data, w, h);
            let (mut term, _) = counting_terminal(w, h);
            term.draw(|f| reimage::tui::draw(f, &app)).expect("draw");
            g.bench_with_input(
                BenchmarkId::new(format!("{w}x{h}"), rows),
                &app,
                |b, app| {
                    b.iter(|| {
                        term.draw(|f| reimage::tui::draw(f, black_box(app)))
                            .expect("draw")
                            .area
                    })
                },
            );
        }
    }
    g.finish();
}

/// One `j`/`k` key handled and its frame drawn as the run loop does (synchronized output).
fn navigate(c: &mut Criterion, inv: &Inventory) {
    let mut g = c.benchmark_group("navigate");
    g.sample_size(30).measurement_time(Duration::from_secs(3));
    for (w, h) in [(80u16, 24u16), (200, 60)] {
        let mut app = loaded_app(inv, w, h);
        let (mut term, _) = counting_terminal(w, h);
        Screen::draw(&mut term, &app).expect("draw");
        let mut down = true;
        g.bench_function(format!("{w}x{h}"), |b| {
            b.iter(|| {
                let k = if down { 'j' } else { 'k' };
                down = !down;
                app.update(key(KeyCode::Char(k)));
                Screen::draw(&mut term, &app).expect("draw");
                app.mark_drawn();
            })
        });
    }
    g.finish();
}

type Term = ratatui::Terminal<
    reimage::tui::scroll_backend::ScrollBackend<
        ratatui::backend::CrosstermBackend<support::CountingWriter>,
    >,
>;

/// Clears the filter, opens it, types the first `upto` chars of `query`, each handled and
/// drawn; returns the time spent on the keys from index `time_from` on.
fn typed(app: &mut App, term: &mut Term, query: &str, upto: usize, time_from: usize) -> Duration {
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Char('/')));
    let mut spent = Duration::ZERO;
    for (i, ch) in query.chars().take(upto).enumerate() {
        let t = Instant::now();
        app.update(key(KeyCode::Char(ch)));
        Screen::draw(term, app).expect("draw");
        app.mark_drawn();
        if i >= time_from {
            spent += t.elapsed();
        }
    }
    spent
}

/// Typing `web-00` into the filter over 11,000 servers: each keystroke handled and drawn.
/// The first key filters all rows; each later one extends the query. `filter` is the
/// default (literal) filter, `filter_fuzzy` the one `[ui] filter = "fuzzy"` selects.
fn filter(c: &mut Criterion, inv: &Inventory, mode: FilterMode) {
    let name = match mode {
        FilterMode::Literal => "filter",
        FilterMode::Fuzzy => "filter_fuzzy",
    };
    let mut g = c.benchmark_group(name);
    g.sample_size(20).measurement_time(Duration::from_secs(4));
    let query = "web-00";
    let options = reimage::tui::UiOptions {
        filter: mode,
        ..support::options()
    };
    let mut app = loaded_app_with(inv, 200, 60, &options);
    let (mut term, _) = counting_terminal(200, 60);
    Screen::draw(&mut term, &app).expect("draw");
    g.bench_function("first_key", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| typed(&mut app, &mut term, query, 1, 0))
                .sum()
        })
    });
    g.bench_function("extend_key_avg", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    typed(&mut app, &mut term, query, query.len(), 1) / (query.len() as u32 - 1)
                })
                .sum()
        })
    });
    g.bench_function("backspace", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    typed(&mut app, &mut term, query, query.len(), usize::MAX);
                    let t = Instant::now();
                    app.update(key(KeyCode::Backspace));
                    Screen::draw(&mut term, &app).expect("draw");
                    app.mark_drawn();
                    t.elapsed()
                })
                .sum()
        })
    });
    g.finish();
}

/// A rollout of `n` servers, every one sent, half of them done; its jobs as rows.
fn rollout_app(inv: &Inventory, n: usize) -> (App, RolloutView, Vec<JobView>) {
    let mut app = loaded_app(inv, 200, 60);
    let servers: Vec<RolloutServer> = inv
        .ecs
        .iter()
        .take(n)
        .enumerate()
        .map(|(i, s)| RolloutServer {
            server_id: s.id.clone(),
            name: s.name.clone(),
            wave: 1 + usize::from(i > 0),
            job_id: Some(format!("job-{i:06}")),
            stage: if i % 2 == 0 {
                ServerStage::Ok
            } else {
                ServerStage::Running
            },
        })
        .collect();
    let jobs: Vec<JobView> = servers
        .iter()
        .enumerate()
        .map(|(i, s)| JobView {
            key: format!("job-{i:06}"),
            job_id: Some(format!("job-{i:06}")),
            server_id: s.server_id.clone(),
            server_name: s.name.clone(),
            kind: reimage::cloud::model::ServerKind::Ecs,
            operation: "reinstall OS v2".into(),
            submitting: false,
            status: if i % 2 == 0 {
                JobStatus::Success
            } else {
                JobStatus::Running
            },
            gave_up: None,
            elapsed: Duration::from_secs(40),
            detail: String::new(),
            error_code: None,
        })
        .collect();
    app.update(Msg::JobsReplaced(jobs.clone()));
    let view = RolloutView {
        key: "rollout-1".into(),
        id: "r20261202-170000-0001".into(),
        operation: "reinstall OS".into(),
        wave: 2,
        waves: 2,
        state: RolloutState::Running,
        servers,
    };
    app.update(Msg::RolloutUpdated(view.clone()));
    app.update(key(KeyCode::Char('4')));
    (app, view, jobs)
}

/// A rollout's messages and its row: what each costs the UI task with 1,000 servers.
fn rollout(c: &mut Criterion, inv: &Inventory) {
    let mut g = c.benchmark_group("rollout");
    g.sample_size(30).measurement_time(Duration::from_secs(3));
    let n = 1_000.min(inv.ecs.len());
    let (mut app, view, jobs) = rollout_app(inv, n);
    g.bench_function("progress_msg", |b| {
        b.iter_batched(
            || view.clone(),
            |v| app.update(Msg::RolloutUpdated(v)),
            criterion::BatchSize::SmallInput,
        )
    });
    g.bench_function("job_msg", |b| {
        b.iter_batched(
            || jobs[1].clone(),
            |j| app.update(Msg::JobUpdated(j)),
            criterion::BatchSize::SmallInput,
        )
    });
    let (mut term, _) = counting_terminal(80, 24);
    app.update(Msg::Resize(80, 24));
    g.bench_function("frame_80x24", |b| {
        b.iter(|| {
            term.draw(|f| reimage::tui::draw(f, black_box(&app)))
                .expect("draw")
                .area
        })
    });
    g.finish();
}

fn all(c: &mut Criterion) {
    let inv = support::inventory();
    assert_eq!(
        inv.ecs.len() + inv.bms.len(),
        support::scale_servers() + 1_000,
        "the sandbox lists every server"
    );
    frame(c, &inv);
    navigate(c, &inv);
    filter(c, &inv, FilterMode::Literal);
    filter(c, &inv, FilterMode::Fuzzy);
    rollout(c, &inv);
}

criterion_group!(benches, all);
criterion_main!(benches);
