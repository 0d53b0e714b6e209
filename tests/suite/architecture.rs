//! The layer rules of docs/architecture.md, held against the code: every `crate::` path in
//! `src/` (in `use` or in code; comments and string literals left out; `super::` paths
//! resolved) must name a layer the table lets its file's layer import, and every file
//! stays under 500 lines before its tests. The table is read from the doc, so the doc and
//! the code cannot drift apart.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Lines a source file may have before its first `#[cfg(test)]` module.
const MAX_LINES: usize = 500;

/// What one layer may import: module paths (`cloud`, `cloud::model`), or anything.
#[derive(Debug, Clone, PartialEq)]
enum Allowed {
    Any,
    Paths(Vec<Vec<String>>),
}

/// The rules: the layer table and the known breaches, both from docs/architecture.md.
#[derive(Debug)]
struct Rules {
    layers: BTreeMap<String, Allowed>,
    /// (file under the crate, layer it may import although its own may not).
    breaches: Vec<(String, String)>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// --- the doc ------------------------------------------------------------------------------

/// The cells of the rows of the markdown table whose header row is `header`.
fn table(doc: &str, header: &[&str]) -> Vec<Vec<String>> {
    let cells = |line: &str| -> Vec<String> {
        let line = line.trim().trim_start_matches('|').trim_end_matches('|');
        line.split('|').map(|c| c.trim().to_string()).collect()
    };
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        if line.trim_start().starts_with('|') && cells(line) == header {
            lines.next(); // | --- | --- |
            return lines
                .take_while(|l| l.trim_start().starts_with('|'))
                .map(cells)
                .collect();
        }
    }
    panic!("docs/architecture.md has no table with the header {header:?}");
}

/// `` `cloud::model` `` -> `cloud::model`.
fn unquote(cell: &str) -> String {
    cell.trim().trim_matches('`').to_string()
}

fn parse_rules(doc: &str) -> Rules {
    let mut layers = BTreeMap::new();
    for row in table(doc, &["layer", "may import"]) {
        assert_eq!(row.len(), 2, "layer table row {row:?}");
        let layer = unquote(&row[0])
            .trim_end_matches('/')
            .trim_end_matches(".rs")
            .to_string();
        let allowed = match row[1].as_str() {
            "any" => Allowed::Any,
            "none" => Allowed::Paths(Vec::new()),
            list => Allowed::Paths(
                list.split(',')
                    .map(|p| unquote(p).split("::").map(str::to_string).collect())
                    .collect(),
            ),
        };
        assert!(
            layers.insert(layer.clone(), allowed).is_none(),
            "{layer} has two rows"
        );
    }
    let breaches = table(doc, &["file", "imports", "way out"])
        .into_iter()
        .map(|row| (unquote(&row[0]), unquote(&row[1])))
        .collect();
    Rules { layers, breaches }
}

// --- the code -----------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    PathSep,
    Open,
    Close,
    Comma,
    Star,
    Other(char),
}

/// The tokens of Rust source that matter for paths, with their line; comments, string,
/// byte-string, raw-string and char literals are dropped.
fn tokens(src: &str) -> Vec<(usize, Tok)> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    // Skips to the end of a quoted literal opened at `i` (the quote), counting lines.
    let skip_quoted = |i: &mut usize, line: &mut usize, quote: char| {
        *i += 1;
        while *i < c.len() && c[*i] != quote {
            if c[*i] == '\\' {
                *i += 1;
            }
            if c.get(*i) == Some(&'\n') {
                *line += 1;
            }
            *i += 1;
        }
        *i += 1;
    };
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        match ch {
            '\n' => {
                line += 1;
                i += 1;
            }
            _ if ch.is_whitespace() => i += 1,
            '/' if next == Some('/') => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            '/' if next == Some('*') => {
                let mut depth = 0;
                while i < c.len() {
                    if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                        depth += 1;
                        i += 2;
                    } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        if c[i] == '\n' {
                            line += 1;
                        }
                        i += 1;
                    }
                }
            }
            '"' => skip_quoted(&mut i, &mut line, '"'),
            '\'' => {
                // A char literal ('a', '\n', '\u{1b}') or a lifetime ('a, 'static).
                if next == Some('\\') {
                    skip_quoted(&mut i, &mut line, '\'');
                } else if c.get(i + 2) == Some(&'\'') {
                    i += 3;
                } else {
                    i += 1;
                }
            }
            _ if ch.is_alphabetic() || ch == '_' => {
                let start = i;
                while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                    i += 1;
                }
                let word: String = c[start..i].iter().collect();
                let raw = matches!(word.as_str(), "r" | "br")
                    && matches!(c.get(i), Some('"') | Some('#'));
                if raw {
                    // r"…", r#"…"#, br##"…"##
                    let mut hashes = 0;
                    while c.get(i) == Some(&'#') {
                        hashes += 1;
                        i += 1;
                    }
                    i += 1;
                    while i < c.len() {
                        if c[i] == '"' && (0..hashes).all(|h| c.get(i + 1 + h) == Some(&'#')) {
                            i += 1 + hashes;
                            break;
                        }
                        if c[i] == '\n' {
                            line += 1;
                        }
                        i += 1;
                    }
                } else if word == "b" && matches!(c.get(i), Some('"') | Some('\'')) {
                    let quote = c[i];
                    skip_quoted(&mut i, &mut line, quote);
                } else {
                    out.push((line, Tok::Ident(word)));
                }
            }
            ':' if next == Some(':') => {
                out.push((line, Tok::PathSep));
                i += 2;
            }
            '{' => {
                out.push((line, Tok::Open));
                i += 1;
            }
            '}' => {
                out.push((line, Tok::Close));
                i += 1;
            }
            ',' => {
                out.push((line, Tok::Comma));
                i += 1;
            }
            '*' => {
                out.push((line, Tok::Star));
                i += 1;
            }
            _ => {
                out.push((line, Tok::Other(ch)));
                i += 1;
            }
        }
    }
    out
}

/// The paths of a use tree (or a plain path) starting at `toks[*i]`, each prefixed with
/// `prefix`; `self` in braces names the parent; a glob names the parent.
fn use_tree(toks: &[(usize, Tok)], i: &mut usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let mut path = prefix;
    loop {
        match toks.get(*i).map(|t| &t.1) {
            Some(Tok::Ident(w)) => {
                if w != "self" {
                    path.push(w.clone());
                }
                *i += 1;
                if toks.get(*i).map(|t| &t.1) == Some(&Tok::PathSep) {
                    *i += 1;
                    continue;
                }
                out.push(path);
                return;
            }
            Some(Tok::Star) => {
                *i += 1;
                out.push(path);
                return;
            }
            Some(Tok::Open) => {
                *i += 1;
                loop {
                    match toks.get(*i).map(|t| &t.1) {
                        Some(Tok::Close) => {
                            *i += 1;
                            return;
                        }
                        Some(Tok::Comma) => *i += 1,
                        None => return,
                        _ => use_tree(toks, i, path.clone(), out),
                    }
                }
            }
            // `crate::foo::<T>`, or a path cut short: what was read so far.
            _ => {
                out.push(path);
                return;
            }
        }
    }
}

/// A path into another part of the crate, and the line it is on.
#[derive(Debug, PartialEq)]
struct Reach {
    line: usize,
    path: Vec<String>,
}

/// Every absolute path the source names through `crate::` or `super::` (resolved from
/// `module`, the file's module path, and the inline modules around it).
fn reaches(src: &str, module: &[String]) -> Result<Vec<Reach>, String> {
    let toks = tokens(src);
    let mut out = Vec::new();
    // Inline modules (`mod tests { … }`) open: their name and the brace depth inside.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < toks.len() {
        let (line, tok) = &toks[i];
        let after = |n: usize| toks.get(i + n).map(|t| &t.1);
        match tok {
            Tok::Open => depth += 1,
            Tok::Close => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(_, d)| *d > depth) {
                    inline.pop();
                }
            }
            Tok::Ident(w) if w == "mod" => {
                if let (Some(Tok::Ident(name)), Some(Tok::Open)) = (after(1), after(2)) {
                    inline.push((name.clone(), depth + 1));
                }
            }
            Tok::Ident(w)
                if (w == "crate" || w == "super")
                    && after(1) == Some(&Tok::PathSep)
                    // `foo::crate` does not occur; `x::super::y` neither.
                    && !(i > 0 && toks[i - 1].1 == Tok::PathSep) =>
            {
                let mut here: Vec<String> = module.to_vec();
                here.extend(inline.iter().map(|(n, _)| n.clone()));
                let mut j = i;
                let base = if w == "crate" {
                    j += 2;
                    Vec::new()
                } else {
                    while toks.get(j).map(|t| &t.1) == Some(&Tok::Ident("super".into()))
                        && toks.get(j + 1).map(|t| &t.1) == Some(&Tok::PathSep)
                    {
                        if here.pop().is_none() {
                            return Err(format!("line {line}: super:: above the crate root"));
                        }
                        j += 2;
                    }
                    here
                };
                let mut paths = Vec::new();
                use_tree(&toks, &mut j, base, &mut paths);
                out.extend(paths.into_iter().map(|path| Reach { line: *line, path }));
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    Ok(out)
}

/// Lines before the first `#[cfg(test)]` that opens a module (the file's tests).
fn lines_before_tests(src: &str) -> usize {
    let lines: Vec<&str> = src.lines().collect();
    for (n, line) in lines.iter().enumerate() {
        if line.trim() == "#[cfg(test)]" {
            let item = lines[n + 1..]
                .iter()
                .map(|l| l.trim())
                .find(|l| !l.starts_with("#["));
            if item.is_some_and(|l| l.starts_with("mod ") || l.starts_with("pub mod ")) {
                return n;
            }
        }
    }
    lines.len()
}

// --- the check ----------------------------------------------------------------------------

/// The layer a file under `src/` belongs to, and its module path.
fn layer_of(rel: &Path) -> (String, Vec<String>) {
    let parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let mut module: Vec<String> = parts
        .iter()
        .map(|p| p.trim_end_matches(".rs").to_string())
        .collect();
    if module.last().is_some_and(|m| m == "mod") {
        module.pop();
    }
    if module == ["lib"] || module == ["main"] {
        let layer = module[0].clone();
        return (layer, Vec::new());
    }
    (module[0].clone(), module)
}

fn allows(rules: &Rules, layer: &str, file: &str, path: &[String]) -> bool {
    let Some(target) = path.first() else {
        return true;
    };
    if target == layer {
        return true;
    }
    let prefix_ok = |allowed: &Vec<String>| path.starts_with(allowed);
    match rules.layers.get(layer) {
        Some(Allowed::Any) => true,
        Some(Allowed::Paths(list)) => {
            list.iter().any(prefix_ok)
                || rules.breaches.iter().any(|(f, l)| f == file && l == target)
        }
        None => false,
    }
}

/// Everything wrong in one file: imports the table refuses, and its length.
fn check_file(rules: &Rules, file: &str, rel: &Path, src: &str) -> Vec<String> {
    let (layer, module) = layer_of(rel);
    let mut problems = Vec::new();
    let Some(allowed) = rules.layers.get(&layer) else {
        return vec![format!(
            "{file}: layer `{layer}` has no row in the layer table of docs/architecture.md"
        )];
    };
    match reaches(src, &module) {
        Err(e) => problems.push(format!("{file}: {e}")),
        Ok(found) => {
            for r in found {
                if !allows(rules, &layer, file, &r.path) {
                    let may = match allowed {
                        Allowed::Any => "anything".to_string(),
                        Allowed::Paths(p) if p.is_empty() => "nothing".to_string(),
                        Allowed::Paths(p) => p
                            .iter()
                            .map(|p| p.join("::"))
                            .collect::<Vec<_>>()
                            .join(", "),
                    };
                    problems.push(format!(
                        "{file}:{}: crate::{} — {layer} may import only {may}",
                        r.line,
                        r.path.join("::")
                    ));
                }
            }
        }
    }
    let n = lines_before_tests(src);
    if n > MAX_LINES {
        problems.push(format!(
            "{file}: {n} lines before its tests (at most {MAX_LINES}): split it by what it does"
        ));
    }
    problems
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn rules() -> Rules {
    let doc = std::fs::read_to_string(root().join("docs/architecture.md")).expect("the doc");
    parse_rules(&doc)
}

#[test]
fn every_file_keeps_to_the_layer_table_and_the_length_limit() {
    let rules = rules();
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 50, "found only {} files", files.len());
    let mut problems = Vec::new();
    let mut breaches_seen = Vec::new();
    for path in &files {
        let rel = path.strip_prefix(&src).expect("under src");
        let file = format!("src/{}", rel.display());
        let text = std::fs::read_to_string(path).expect("source");
        problems.extend(check_file(&rules, &file, rel, &text));
        let (layer, module) = layer_of(rel);
        if let Ok(found) = reaches(&text, &module) {
            for (f, l) in &rules.breaches {
                let strict = Rules {
                    layers: rules.layers.clone(),
                    breaches: Vec::new(),
                };
                if *f == file
                    && found.iter().any(|r| {
                        r.path.first() == Some(l) && !allows(&strict, &layer, &file, &r.path)
                    })
                {
                    breaches_seen.push((f.clone(), l.clone()));
                }
            }
        }
    }
    for (f, l) in &rules.breaches {
        if !breaches_seen.contains(&(f.clone(), l.clone())) {
            problems.push(format!(
                "{f} no longer imports {l}: remove its line from the known breaches in docs/architecture.md"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "the code and docs/architecture.md disagree (fix the code; change the table only \
         when the design changes):\n{}",
        problems.join("\n")
    );
}

// --- the checker itself -------------------------------------------------------------------

fn sample_rules() -> Rules {
    parse_rules(
        "| layer | may import |\n| --- | --- |\n\
         | `main.rs` | any |\n\
         | `tui/` | `ops`, `cloud::model` |\n\
         | `sandbox/` | `cloud::signer` |\n\
         | `ops/` | none |\n\
         | `cloud/` | none |\n\
         \n| file | imports | way out |\n| --- | --- | --- |\n\
         | `src/tui/x.rs` | `fsio` | some day |\n",
    )
}

fn problems_in(file: &str, src: &str) -> Vec<String> {
    let rel = Path::new(file.strip_prefix("src/").expect("under src"));
    check_file(&sample_rules(), file, rel, src)
}

#[test]
fn the_table_is_read_as_written() {
    let r = sample_rules();
    assert_eq!(r.layers["main"], Allowed::Any);
    assert_eq!(r.layers["ops"], Allowed::Paths(Vec::new()));
    assert_eq!(
        r.layers["tui"],
        Allowed::Paths(vec![
            vec!["ops".to_string()],
            vec!["cloud".to_string(), "model".to_string()]
        ])
    );
    assert_eq!(r.breaches, vec![("src/tui/x.rs".into(), "fsio".into())]);
    // The real table has a row for the layers the code has.
    let real = rules();
    for layer in [
        "cli", "tui", "jobs", "ops", "sandbox", "cloud", "config", "fsio",
    ] {
        assert!(real.layers.contains_key(layer), "{layer}");
    }
}

#[test]
fn a_single_path_allows_that_module_only() {
    let ok = "use crate::cloud::signer::{self, verify};\nfn f() { crate::cloud::signer::sign(); }";
    assert_eq!(problems_in("src/sandbox/auth.rs", ok), Vec::<String>::new());
    for bad in [
        "use crate::cloud::model::ServerKind;",
        "use crate::cloud;",
        "use crate::cloud::{signer, Client};",
        "use crate::{cloud::signer, ops};",
        "fn f() -> crate::cloud::Client { todo!() }",
    ] {
        let p = problems_in("src/sandbox/auth.rs", bad);
        assert_eq!(p.len(), 1, "{bad}: {p:?}");
        assert!(
            p[0].contains("sandbox may import only cloud::signer"),
            "{p:?}"
        );
    }
}

#[test]
fn comments_and_strings_are_not_code() {
    let src = r####"
        //! Uses `crate::cloud::Client` — in a doc comment.
        // crate::cloud::Client
        /* crate::cloud::Client /* nested */ crate::ops */
        const A: &str = "crate::cloud::Client";
        const B: &str = r#"crate::cloud::Client "quoted" "#;
        const C: &[u8] = b"crate::cloud::Client";
        const D: char = '"';
        fn f<'a>(x: &'a str) -> &'a str { x }
        use crate::cloud::model::Server;
    "####;
    assert_eq!(problems_in("src/tui/x.rs", src), Vec::<String>::new());
    let p = problems_in("src/tui/x.rs", &format!("{src}\nuse crate::cloud::Client;"));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].starts_with("src/tui/x.rs:12:"), "line number: {p:?}");
}

#[test]
fn super_paths_are_resolved_from_the_module() {
    // src/cloud/mod.rs is `cloud`: its `super` is the crate root.
    let p = problems_in("src/cloud/mod.rs", "use super::ops::Plan;");
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].contains("crate::ops::Plan"), "{p:?}");
    // Inside the layer: fine, from a file and from its inline test module.
    let inside = "use super::reply;\nmod tests {\n    use super::super::error::X;\n}\n";
    assert_eq!(
        problems_in("src/cloud/request.rs", inside),
        Vec::<String>::new()
    );
    // One `super` too many from a test module leaves the layer.
    let out = "mod tests {\n    use super::super::super::ops::X;\n}\n";
    assert_eq!(problems_in("src/cloud/request.rs", out).len(), 1);
}

#[test]
fn a_layer_without_a_row_and_a_long_file_are_refused() {
    let p = problems_in("src/newthing/mod.rs", "fn f() {}");
    assert!(p[0].contains("no row"), "{p:?}");
    let long = "fn f() {}\n".repeat(MAX_LINES + 1);
    let p = problems_in("src/ops/x.rs", &long);
    assert!(p.iter().any(|p| p.contains("501 lines")), "{p:?}");
    // Tests do not count; a `#[cfg(test)]` helper before them does not end the count.
    let with_tests = format!(
        "{}#[cfg(test)]\nfn helper() {{}}\n{}#[cfg(test)]\nmod tests {{\n{}}}\n",
        "fn f() {}\n".repeat(10),
        "fn g() {}\n".repeat(MAX_LINES - 12),
        "fn t() {}\n".repeat(MAX_LINES)
    );
    assert_eq!(
        problems_in("src/ops/x.rs", &with_tests),
        Vec::<String>::new()
    );
    let one_more = with_tests.replacen("fn f() {}\n", "fn f() {}\nfn e() {}\n", 1);
    assert_eq!(problems_in("src/ops/x.rs", &one_more).len(), 1);
}

#[test]
fn a_listed_breach_is_allowed_for_its_file_only() {
    assert_eq!(
        problems_in("src/tui/x.rs", "use crate::fsio::read;"),
        Vec::<String>::new()
    );
    assert_eq!(
        problems_in("src/tui/y.rs", "use crate::fsio::read;").len(),
        1
    );
}

// --- one secret type ----------------------------------------------------------------------

/// The doc says every secret lives in a wiped type with a redacting `Debug`. The secret key
/// and token of the credential chain and the admin password of a request are one type
/// (they were two, and the secret key's was a plain `String`).
#[test]
fn the_secret_key_and_the_password_are_one_wiped_type() {
    fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>(_: &T) {}
    let sk: reimage::config::Secret = reimage::ops::Secret::new("the-secret-key");
    wiped_on_drop(&sk);
    let keys = reimage::config::StaticKeys {
        ak: "AK".into(),
        sk,
        security_token: Some(reimage::secret::Secret::new("the-token")),
        project_id: None,
        domain_id: None,
        region: None,
    };
    wiped_on_drop(&keys.sk);
    let shown = format!("{keys:?}");
    assert!(
        !shown.contains("the-secret-key") && !shown.contains("the-token"),
        "{shown}"
    );
}
