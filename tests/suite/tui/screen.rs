//! Rendering properties text snapshots cannot see: colours, NO_COLOR, tiny sizes, CJK.

use crate::support::tui::*;
use crossterm::event::KeyCode;
use ratatui::style::{Color, Modifier};
use reimage::tui::Msg;

#[test]
fn sandbox_badge_is_loud_and_no_color_removes_colours() {
    let app = loaded(80, 24);
    let buf = buffer(&app, 80, 24);
    let x = (0..80u16)
        .find(|&x| buf[(x, 0)].symbol() == "S" && buf[(x + 1, 0)].symbol() == "A")
        .expect("SANDBOX in the header");
    assert_eq!(buf[(x, 0)].bg, Color::Yellow);
    assert!(buf[(x, 0)].modifier.contains(Modifier::BOLD));

    let (mut plain, cmds) = app_with(80, 24, false, false);
    answer(&mut plain, cmds);
    plain.update(Msg::JobsReplaced(jobs()));
    for keys in ["", "?", "2", "4"] {
        typing(&mut plain, keys);
        let buf = buffer(&plain, 80, 24);
        for cell in buf.content() {
            assert!(
                cell.fg == Color::Reset && cell.bg == Color::Reset,
                "a coloured cell with NO_COLOR: {cell:?}"
            );
        }
        if keys == "?" {
            key(&mut plain, KeyCode::Esc);
        }
    }
    let buf = buffer(&plain, 80, 24);
    assert!(
        buf[(x, 0)].modifier.contains(Modifier::REVERSED),
        "SANDBOX stays visible without colour"
    );
}

#[test]
fn status_words_carry_their_colour() {
    let app = loaded(80, 24);
    let buf = buffer(&app, 80, 24);
    let text = screen(&app, 80, 24);
    let (y, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(" db-02 "))
        .expect("db-02 row");
    let col = line.find("ERROR").expect("status word present");
    let x = line[..col].chars().count() as u16;
    assert_eq!(buf[(x, y as u16)].fg, Color::Red);
}

#[test]
fn resizing_down_to_tiny_sizes_never_panics() {
    let mut app = loaded(160, 48);
    app.update(Msg::JobsReplaced(jobs()));
    for pane in ["1", "2", "3", "4", "?"] {
        typing(&mut app, pane);
        let mut w = 160u16;
        let mut h = 48u16;
        while w > 0 && h > 0 {
            app.update(Msg::Resize(w, h));
            let _ = screen(&app, w, h);
            typing(&mut app, "jG");
            w = w.saturating_sub(7);
            h = h.saturating_sub(2);
        }
        for (w, h) in [
            (10, 3),
            (1, 1),
            (0, 0),
            (19, 5),
            (20, 6),
            (99, 24),
            (100, 24),
        ] {
            app.update(Msg::Resize(w, h));
            let _ = screen(&app, w, h);
        }
        if pane == "?" {
            key(&mut app, KeyCode::Esc);
        }
    }
    app.update(Msg::Resize(10, 3));
    let text = screen(&app, 10, 3);
    assert!(text.contains("small"), "{text}");
}

#[test]
fn cjk_names_are_cut_by_display_width() {
    let app = loaded(80, 24);
    let text = screen(&app, 80, 24);
    let line = text
        .lines()
        .find(|l| l.contains("数据库"))
        .expect("CJK row");
    let other = text
        .lines()
        .find(|l| l.contains("web-01"))
        .expect("ASCII row");
    use unicode_width::UnicodeWidthStr;
    assert_eq!(line.width(), other.width(), "rows end at the same column");
}

#[test]
fn ascii_glyphs_leave_no_unicode_in_the_chrome() {
    use reimage::tui::theme::GlyphChoice;
    use reimage::tui::{App, UiOptions};
    let opts = UiOptions {
        glyphs: GlyphChoice::Ascii,
        ..options(true)
    };
    for (w, h) in [(80, 24), (160, 48)] {
        let mut app = App::new(header(false), &opts);
        app.update(Msg::Resize(w, h));
        let cmds = app.start();
        answer(&mut app, cmds);
        app.update(Msg::JobsReplaced(jobs()));
        for keys in ["", "/web\n", "?", "4"] {
            for c in keys.chars() {
                if c == '\n' {
                    key(&mut app, KeyCode::Enter);
                } else {
                    typing(&mut app, &c.to_string());
                }
            }
            let text = screen(&app, w, h);
            for line in text.lines().filter(|l| !l.contains("数据库")) {
                assert!(
                    line.is_ascii(),
                    "non-ASCII in ASCII mode at {w}x{h}: {line}"
                );
            }
            if keys == "?" {
                key(&mut app, KeyCode::Esc);
            }
        }
    }
}
