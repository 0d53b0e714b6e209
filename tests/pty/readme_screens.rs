//! README's pictures of the main screen and the form are the real binary's screen at
//! 80x24 on the in-process sandbox (its inventory is fixed, nothing on screen is a clock),
//! so they stay true: a change to either screen fails here until README is updated.
//! `REIMAGE_BLESS=1 cargo test --test tui_text_readme` rewrites the blocks.

use crate::support::pty::Pty;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(30);

/// The screen once it stopped changing (loading done), trailing spaces trimmed.
fn settled(pty: &Pty, ready: &str) -> String {
    pty.wait_for(ready, WAIT);
    let start = Instant::now();
    let mut last = String::new();
    loop {
        std::thread::sleep(Duration::from_millis(400));
        let now: String = pty
            .screen()
            .lines()
            .map(|l| format!("{}\n", l.trim_end()))
            .collect();
        if now == last && !now.contains("loading") {
            return now;
        }
        assert!(start.elapsed() < WAIT, "the screen never settled:\n{now}");
        last = now;
    }
}

/// README's text between `<!-- screen:NAME -->` and `<!-- /screen:NAME -->`, fenced.
fn block(readme: &str, name: &str) -> Option<(usize, usize)> {
    let open = format!("<!-- screen:{name} -->\n");
    let start = readme.find(&open)? + open.len();
    let end = start + readme[start..].find(&format!("<!-- /screen:{name} -->"))?;
    Some((start, end))
}

fn fenced(screen: &str) -> String {
    format!("```text\n{screen}```\n")
}

#[test]
fn readme_shows_the_real_main_screen_and_form_at_80x24() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut pty = Pty::isolated(
        home.path(),
        &["--sandbox"],
        &[("LANG", "C.UTF-8"), ("LC_ALL", "C.UTF-8")],
        80,
        24,
    );
    let main = settled(&pty, "Servers 47");
    pty.send("c");
    let form = settled(&pty, "Change OS");
    pty.send("\x1b");
    pty.wait_for("Servers 47", WAIT);
    pty.send("q");
    assert!(pty.wait_exit(WAIT).is_some());

    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let mut readme = std::fs::read_to_string(&path).expect("README.md");
    let bless = std::env::var_os("REIMAGE_BLESS").is_some_and(|v| v == "1");
    let mut drift = Vec::new();
    for (name, screen) in [("main", &main), ("form", &form)] {
        let (start, end) = block(&readme, name)
            .unwrap_or_else(|| panic!("README.md has no <!-- screen:{name} --> block"));
        let want = fenced(screen);
        if readme[start..end] != want {
            if bless {
                readme.replace_range(start..end, &want);
            } else {
                drift.push(format!("{name}:\n{screen}"));
            }
        }
    }
    if bless {
        std::fs::write(&path, readme).expect("write README.md");
    }
    assert!(
        drift.is_empty(),
        "README.md's screens differ from the binary's (REIMAGE_BLESS=1 rewrites them):\n{}",
        drift.join("\n")
    );
}
