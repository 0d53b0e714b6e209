//! TUI hot paths at 11,000 servers (`SCALE_SERVERS=100000`: 101,000): one frame, one
//! navigation step, one filter keystroke.
//! `cargo bench --bench tui`; figures and how to read them in docs/performance.md.

mod support;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use reimage::config::FilterMode;
use reimage::tui::{App, Msg, Screen};
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
}

criterion_group!(benches, all);
criterion_main!(benches);
