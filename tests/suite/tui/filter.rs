//! What `/` keeps is what the text names: a literal, case-insensitive filter by default
//! (what `A` then marks), fuzzy only when asked (`~`, or `[ui] filter = "fuzzy"`); and the
//! image picker takes the image whose words were typed. Run on the sandbox's default
//! inventory, whose names (k8s-master-01, win-sql-01, erp-prod) a fuzzy "web" matches.

use crate::support::tui::live::Live;
use crate::support::tui::*;
use crossterm::event::KeyCode;
use reimage::cloud::model::ServerKind;
use reimage::config::FilterMode;
use reimage::tui::{App, Msg};
use std::collections::BTreeSet;

/// Names of the marked servers.
async fn marked_names(live: &Live) -> BTreeSet<String> {
    let marked = live.app.marked_servers();
    let mut names = BTreeSet::new();
    for kind in [ServerKind::Ecs, ServerKind::Bms] {
        let servers = live.client.list_servers(kind).await.expect("listing");
        names.extend(
            servers
                .into_iter()
                .filter(|s| marked.contains(&s.id))
                .map(|s| s.name),
        );
    }
    names
}

fn mark_filtered(app: &mut App, query: &str) {
    typing(app, "u/");
    ctrl(app, 'u');
    typing(app, query);
    key(app, KeyCode::Enter);
    typing(app, "A");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mark_all_after_a_filter_marks_only_the_rows_that_contain_it() {
    let mut live = Live::start(3.0).await;
    mark_filtered(&mut live.app, "web");
    let names = marked_names(&live).await;
    let want: BTreeSet<String> = ["web-01", "web-02", "web-03", "web-staging"]
        .map(String::from)
        .into();
    assert_eq!(names, want, "{}", screen(&live.app, 100, 30));
    let note = live.app.toast().unwrap_or_default();
    assert!(note.starts_with("marked 4 shown server(s)"), "{note}");
    for other in ["k8s-master-01", "win-sql-01", "erp-prod"] {
        assert!(!names.contains(other), "{other} marked by /web");
    }
    // Case is ignored; the text may be anywhere in the visible columns (IMAGE here).
    mark_filtered(&mut live.app, "WEB-GOLDEN");
    assert_eq!(
        marked_names(&live).await,
        ["web-staging".to_string()].into()
    );
    // `~` asks for fuzzy matching: then w..e..b matches more than "web".
    mark_filtered(&mut live.app, "~web");
    let fuzzy = marked_names(&live).await;
    assert!(fuzzy.len() > 4 && fuzzy.contains("win-sql-01"), "{fuzzy:?}");
    let note = live.app.toast().unwrap_or_default();
    assert!(note.contains("the filter is fuzzy"), "{note}");
}

#[test]
fn the_configured_fuzzy_mode_applies_without_a_tilde() {
    let fx = fixture();
    let name = |app: &App| -> Vec<String> {
        app.shown_ids()
            .iter()
            .filter_map(|id| fx.ecs.iter().find(|s| &s.id == id))
            .map(|s| s.name.clone())
            .collect()
    };
    let mut literal = loaded(100, 30);
    typing(&mut literal, "/wb05");
    assert!(name(&literal).is_empty(), "{:?}", name(&literal));
    let mut options = options(false);
    options.filter = FilterMode::Fuzzy;
    let mut fuzzy = App::new(header(false), &options);
    fuzzy.update(Msg::Resize(100, 30));
    let cmds = fuzzy.start();
    answer(&mut fuzzy, cmds);
    typing(&mut fuzzy, "/wb05");
    assert_eq!(name(&fuzzy), ["web-05"]);
    key(&mut fuzzy, KeyCode::Enter);
    typing(&mut fuzzy, "?");
    assert!(screen(&fuzzy, 100, 30).contains("fuzzy filter ([ui] filter"));
}

/// Opens the change form on `server`, types `query` in the image picker and picks with Enter.
async fn pick(live: &mut Live, server: &str, query: &str) -> String {
    live.keys(|a| {
        key(a, KeyCode::Esc);
        key(a, KeyCode::Esc);
        select(a, server);
        key(a, KeyCode::Char('c'))
    });
    live.settle().await;
    live.keys(|a| {
        key(a, KeyCode::Enter);
        typing(a, query);
        key(a, KeyCode::Enter)
    });
    let text = screen(&live.app, 100, 30);
    let row = text
        .lines()
        .find(|l| l.contains("Image"))
        .unwrap_or_default()
        .to_string();
    live.keys(|a| {
        key(a, KeyCode::Esc);
        key(a, KeyCode::Esc)
    });
    row
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_image_picker_takes_the_image_whose_words_were_typed() {
    let mut live = Live::start(3.0).await;
    // web-03 is x86: CentOS 7.6 exists only for ARM; a fuzzy "7.6" also matches "7.8 64bit".
    let row = pick(&mut live, "web-03", "CentOS 7.6").await;
    assert!(row.contains("[ CentOS 7.6 64bit with ARM"), "{row}");
    let row = pick(&mut live, "web-03", "centos 7.8").await;
    assert!(row.contains("[ CentOS 7.8 64bit "), "{row}");
    let row = pick(&mut live, "build-arm-01", "CentOS 7.6").await;
    assert!(row.contains("[ CentOS 7.6 64bit with ARM"), "{row}");
    // Word starts rank above fuzzy matches.
    let row = pick(&mut live, "web-03", "ubu 24").await;
    assert!(row.contains("[ Ubuntu 24.04 server 64bit "), "{row}");
}
