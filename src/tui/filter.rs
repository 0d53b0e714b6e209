//! The `/` filter over the text of a row's columns. Literal by default: a row is kept when
//! its text contains the typed text, ignoring case, so `A` (mark every filtered row) marks
//! exactly the rows that name it. Fuzzy (nucleo's matcher, smart case, best matches first)
//! when the query starts with `~`, or for every query with `[ui] filter = "fuzzy"`.

pub use crate::config::FilterMode;
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str, Utf32String};

/// A query starting with this is fuzzy, whatever the configured mode.
pub const FUZZY_PREFIX: char = '~';

/// Among equally good matches, the one nearer the start wins: a row's name comes first in
/// its haystack, so "ubu22" puts "Ubuntu 22.04 server" before "LAMP Stack on Ubuntu 22.04".
const PREFER_PREFIX: Config = {
    let mut c = Config::DEFAULT;
    c.prefer_prefix = true;
    c
};

/// The mode a query runs in and its text without the `~`.
fn parse(text: &str, mode: FilterMode) -> (FilterMode, &str) {
    let text = text.trim();
    match text.strip_prefix(FUZZY_PREFIX) {
        Some(rest) => (FilterMode::Fuzzy, rest.trim_start()),
        None => (mode, text),
    }
}

enum Kind {
    All,
    /// The lower-cased text a row must contain.
    Literal(String),
    Fuzzy {
        pattern: Pattern,
        matcher: Matcher,
        buf: Vec<char>,
    },
}

/// A compiled filter; empty text matches everything.
pub struct Filter {
    kind: Kind,
}

impl Filter {
    pub fn new(text: &str, mode: FilterMode) -> Self {
        let kind = match parse(text, mode) {
            (_, "") => Kind::All,
            (FilterMode::Literal, t) => Kind::Literal(t.to_lowercase()),
            (FilterMode::Fuzzy, t) => Kind::Fuzzy {
                pattern: Pattern::parse(t, CaseMatching::Smart, Normalization::Smart),
                matcher: Matcher::new(PREFER_PREFIX),
                buf: Vec::new(),
            },
        };
        Filter { kind }
    }

    /// A fuzzy filter whatever the text (the image and key pair pickers' fallback).
    pub fn fuzzy(text: &str) -> Self {
        Filter::new(text, FilterMode::Fuzzy)
    }

    pub fn is_empty(&self) -> bool {
        matches!(self.kind, Kind::All)
    }

    /// Rows may match without containing the text.
    pub fn is_fuzzy(&self) -> bool {
        matches!(self.kind, Kind::Fuzzy { .. })
    }

    /// The form of haystack [`Self::score_prepared`] needs (none for an empty filter).
    fn needs(&self) -> Option<FilterMode> {
        match self.kind {
            Kind::All => None,
            Kind::Literal(_) => Some(FilterMode::Literal),
            Kind::Fuzzy { .. } => Some(FilterMode::Fuzzy),
        }
    }

    /// Match quality (higher is better; 0 for every literal match), `None` when it does
    /// not match.
    pub fn score(&mut self, haystack: &str) -> Option<u32> {
        match &mut self.kind {
            Kind::All => Some(0),
            Kind::Literal(needle) => haystack.to_lowercase().contains(&*needle).then_some(0),
            Kind::Fuzzy {
                pattern,
                matcher,
                buf,
            } => pattern.score(Utf32Str::new(haystack, buf), matcher),
        }
    }

    /// Char indices of `haystack` that the filter matched, sorted, for highlighting.
    pub fn indices(&mut self, haystack: &str) -> Vec<usize> {
        match &mut self.kind {
            Kind::All => Vec::new(),
            Kind::Literal(needle) => literal_indices(haystack, needle),
            Kind::Fuzzy {
                pattern,
                matcher,
                buf,
            } => {
                let mut out = Vec::new();
                pattern.indices(Utf32Str::new(haystack, buf), matcher, &mut out);
                let mut out: Vec<usize> = out.into_iter().map(|i| i as usize).collect();
                out.sort_unstable();
                out.dedup();
                out
            }
        }
    }
}

/// The chars of every (non-overlapping) occurrence of the lower-cased `needle`.
fn literal_indices(haystack: &str, needle: &str) -> Vec<usize> {
    // Lower-casing may turn one char into several: keep where each came from.
    let mut lower: Vec<char> = Vec::new();
    let mut from: Vec<usize> = Vec::new();
    for (i, c) in haystack.chars().enumerate() {
        for l in c.to_lowercase() {
            lower.push(l);
            from.push(i);
        }
    }
    let needle: Vec<char> = needle.chars().collect();
    let mut out = Vec::new();
    let mut at = 0;
    while !needle.is_empty() && at + needle.len() <= lower.len() {
        if lower[at..at + needle.len()] == needle[..] {
            out.extend(&from[at..at + needle.len()]);
            at += needle.len();
        } else {
            at += 1;
        }
    }
    out.dedup();
    out
}

/// Per row, its searchable text in the form a filter needs, built the first time a filter
/// of that kind runs: a keystroke then neither formats cells nor lower-cases names.
#[derive(Debug, Clone, Default)]
pub struct Haystacks {
    /// For fuzzy filters, already in the matcher's form (no encoding check per key).
    fuzzy: Vec<Utf32String>,
    /// For literal filters, lower-cased.
    lower: Vec<Box<str>>,
}

impl Haystacks {
    pub fn clear(&mut self) {
        self.fuzzy.clear();
        self.lower.clear();
    }

    /// Whether `filter` can score all `rows` rows without building anything.
    pub fn ready(&self, filter: &Filter, rows: usize) -> bool {
        match filter.needs() {
            None => true,
            Some(FilterMode::Literal) => self.lower.len() == rows,
            Some(FilterMode::Fuzzy) => self.fuzzy.len() == rows,
        }
    }

    /// Builds what `filter` needs for `rows` rows, from each row's joined text.
    pub fn prepare(&mut self, filter: &Filter, rows: usize, text: impl Fn(usize) -> String) {
        if self.ready(filter, rows) {
            return;
        }
        self.build(filter.needs(), rows, text);
    }

    /// Builds what a query of `mode` needs, before any is typed.
    pub fn prepare_mode(&mut self, mode: FilterMode, rows: usize, text: impl Fn(usize) -> String) {
        let built = match mode {
            FilterMode::Literal => self.lower.len(),
            FilterMode::Fuzzy => self.fuzzy.len(),
        };
        if built != rows {
            self.build(Some(mode), rows, text);
        }
    }

    fn build(&mut self, needs: Option<FilterMode>, rows: usize, text: impl Fn(usize) -> String) {
        match needs {
            Some(FilterMode::Literal) => {
                self.lower = (0..rows).map(|i| text(i).to_lowercase().into()).collect();
            }
            Some(FilterMode::Fuzzy) => {
                self.fuzzy = (0..rows).map(|i| Utf32String::from(text(i))).collect();
            }
            None => {}
        }
    }

    /// Row `i` of `rows` has a new text: every form already built follows it.
    pub fn replace(&mut self, i: usize, rows: usize, text: String) {
        if self.lower.len() == rows {
            self.lower[i] = text.to_lowercase().into();
        }
        if self.fuzzy.len() == rows {
            self.fuzzy[i] = Utf32String::from(text);
        }
    }

    /// [`Filter::score`] of row `i`, whose haystack [`Self::prepare`] built.
    pub fn score(&self, filter: &mut Filter, i: usize) -> Option<u32> {
        match &mut filter.kind {
            Kind::All => Some(0),
            Kind::Literal(needle) => self.lower[i].contains(&**needle).then_some(0),
            Kind::Fuzzy {
                pattern, matcher, ..
            } => pattern.score(self.fuzzy[i].slice(..), matcher),
        }
    }
}

/// Between two columns of a haystack.
pub const HAYSTACK_SEP: &str = "  ";

/// Whether every row matching `new` also matches `old` (both read in `mode`), so
/// filtering for `new` may search only the rows `old` kept. Literal: `new` contains `old`.
/// Fuzzy: `new` only appends to `old`: atoms are ANDed, and a longer fuzzy, substring,
/// prefix or postfix atom matches fewer haystacks. Not after a negated atom (`!x` to `!xy`
/// matches more), an escape, or a postfix `$` (`a$` to `a$b`).
pub fn narrows(old: &str, new: &str, mode: FilterMode) -> bool {
    let ((old_mode, old), (new_mode, new)) = (parse(old, mode), parse(new, mode));
    if old_mode != new_mode || old.is_empty() {
        return false;
    }
    match new_mode {
        FilterMode::Literal => new.to_lowercase().contains(&old.to_lowercase()),
        FilterMode::Fuzzy => {
            if new.len() <= old.len() || !new.starts_with(old) {
                return false;
            }
            let last = old.rsplit(char::is_whitespace).next().unwrap_or(old);
            !(last.starts_with('!') || old.ends_with('\\') || old.ends_with('$'))
        }
    }
}

/// Joins column texts into one haystack; returns it and each column's starting char index.
/// Columns are separated by two spaces so a match cannot span a boundary by accident.
pub fn haystack<'a>(cols: impl IntoIterator<Item = &'a str>) -> (String, Vec<usize>) {
    let mut s = String::new();
    let mut starts = Vec::new();
    let mut pos = 0;
    for (i, c) in cols.into_iter().enumerate() {
        if i > 0 {
            s.push_str(HAYSTACK_SEP);
            pos += HAYSTACK_SEP.len();
        }
        starts.push(pos);
        s.push_str(c);
        pos += c.chars().count();
    }
    (s, starts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use FilterMode::{Fuzzy, Literal};

    #[test]
    fn literal_keeps_what_contains_the_text_ignoring_case() {
        let mut f = Filter::new("web", Literal);
        assert!(f.score("web-02  ACTIVE").is_some());
        assert!(f.score("WEB-02").is_some(), "case is ignored");
        assert!(
            f.score("win-sql-01  Windows Server 2022 Datacenter 64bit")
                .is_none(),
            "w..e..b is not web"
        );
        let mut f = Filter::new("  数据库 ", Literal);
        assert!(f.score("数据库-主节点").is_some());
        assert!(Filter::new("  ", Literal).is_empty());
    }

    #[test]
    fn a_tilde_asks_for_fuzzy_in_either_mode() {
        for mode in [Literal, Fuzzy] {
            let mut f = Filter::new("~wb02", mode);
            assert!(f.score("web-02").is_some(), "{mode:?}");
            assert!(f.score("db-01").is_none(), "{mode:?}");
        }
        assert!(Filter::new("wb02", Literal).score("web-02").is_none());
        assert!(Filter::new("~ ", Literal).is_empty());
    }

    #[test]
    fn fuzzy_subsequence_smart_case() {
        let mut f = Filter::new("wb02", Fuzzy);
        assert!(f.score("web-02").is_some());
        assert!(f.score("db-01").is_none());
        let mut f = Filter::new("Web", Fuzzy);
        assert!(
            f.score("web-01").is_none(),
            "upper case in the filter is case sensitive"
        );
        assert!(Filter::new("  ", Fuzzy).is_empty());
    }

    #[test]
    fn of_equal_matches_the_one_nearer_the_start_ranks_first() {
        let mut f = Filter::fuzzy("ubu22");
        let server = f.score("Ubuntu 22.04 server 64bit  Linux x86 BIOS, Cloud-Init");
        let stack = f.score("LAMP Stack on Ubuntu 22.04  Linux x86 BIOS, Cloud-Init");
        assert!(server > stack, "{server:?} vs {stack:?}");
    }

    #[test]
    fn prepared_haystacks_score_as_the_text_does() {
        let texts = [
            "web-01  ACTIVE",
            "Win-SQL-01  Windows",
            "数据库-主节点  SHUTOFF",
        ];
        for (query, mode) in [("web", Literal), ("WIN", Literal), ("~wsql", Literal)] {
            let mut f = Filter::new(query, mode);
            let mut h = Haystacks::default();
            h.prepare(&f, texts.len(), |i| texts[i].to_string());
            assert!(h.ready(&f, texts.len()));
            for (i, t) in texts.iter().enumerate() {
                let want = f.score(t);
                assert_eq!(h.score(&mut f, i), want, "{query} on {t}");
            }
            h.replace(0, texts.len(), "WIN-02".into());
            assert_eq!(
                h.score(&mut f, 0),
                f.score("WIN-02"),
                "{query} after replace"
            );
        }
    }

    #[test]
    fn narrows_only_when_every_new_match_was_an_old_match() {
        for (old, new, mode, want) in [
            ("web", "web-", Fuzzy, true),
            ("web", "web 01", Fuzzy, true),
            ("web", "webX", Fuzzy, true),
            ("'we", "'web", Fuzzy, true),
            ("^we", "^web", Fuzzy, true),
            ("", "w", Fuzzy, false),
            ("web", "web", Fuzzy, false),
            ("web-", "web", Fuzzy, false),
            ("web", "wxb", Fuzzy, false),
            ("!web", "!webs", Fuzzy, false),
            ("web$", "web$x", Fuzzy, false),
            ("web\\", "web\\ ", Fuzzy, false),
            ("web", "web-", Literal, true),
            ("eb", "web", Literal, true),
            ("web", "WEB-0", Literal, true),
            ("web", "wb", Literal, false),
            ("", "w", Literal, false),
            ("~we", "~web", Literal, true),
            ("web", "~web", Literal, false),
            ("~web", "web", Fuzzy, false),
        ] {
            assert_eq!(narrows(old, new, mode), want, "{old:?} -> {new:?} {mode:?}");
        }
    }

    #[test]
    fn indices_point_at_matched_chars() {
        let (h, starts) = haystack(["ECS", "web-02"]);
        assert_eq!(h, "ECS  web-02");
        assert_eq!(starts, vec![0, 5]);
        assert_eq!(Filter::fuzzy("web").indices(&h), vec![5, 6, 7]);
        assert_eq!(Filter::new("WEB", Literal).indices(&h), vec![5, 6, 7]);
        assert_eq!(
            Filter::new("-0", Literal).indices("web-01 web-02"),
            vec![3, 4, 10, 11],
            "every occurrence"
        );
    }
}
