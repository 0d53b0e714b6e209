//! Fuzzy filtering (nucleo's matcher, smart case) over the text of a row's columns.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str, Utf32String};

/// Among equally good matches, the one nearer the start wins: a row's name comes first in
/// its haystack, so "ubu22" puts "Ubuntu 22.04 server" before "LAMP Stack on Ubuntu 22.04".
const PREFER_PREFIX: Config = {
    let mut c = Config::DEFAULT;
    c.prefer_prefix = true;
    c
};

/// A compiled filter; empty text matches everything.
pub struct Fuzzy {
    pattern: Option<Pattern>,
    matcher: Matcher,
    buf: Vec<char>,
}

impl Fuzzy {
    pub fn new(text: &str) -> Self {
        let text = text.trim();
        Fuzzy {
            pattern: (!text.is_empty())
                .then(|| Pattern::parse(text, CaseMatching::Smart, Normalization::Smart)),
            matcher: Matcher::new(PREFER_PREFIX),
            buf: Vec::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pattern.is_none()
    }

    /// Match quality (higher is better), `None` when it does not match.
    pub fn score(&mut self, haystack: &str) -> Option<u32> {
        match &self.pattern {
            None => Some(0),
            Some(p) => p.score(Utf32Str::new(haystack, &mut self.buf), &mut self.matcher),
        }
    }

    /// [`Self::score`] of a haystack already in the matcher's form.
    pub fn score_prepared(&mut self, haystack: &Utf32String) -> Option<u32> {
        match &self.pattern {
            None => Some(0),
            Some(p) => p.score(haystack.slice(..), &mut self.matcher),
        }
    }

    /// Char indices of `haystack` that the filter matched, sorted, for highlighting.
    pub fn indices(&mut self, haystack: &str) -> Vec<usize> {
        let Some(p) = &self.pattern else {
            return Vec::new();
        };
        let mut out = Vec::new();
        p.indices(
            Utf32Str::new(haystack, &mut self.buf),
            &mut self.matcher,
            &mut out,
        );
        let mut out: Vec<usize> = out.into_iter().map(|i| i as usize).collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Between two columns of a haystack.
pub const HAYSTACK_SEP: &str = "  ";

/// Whether every row matching `new` also matches `old`, so filtering for `new` may search
/// only the rows `old` kept. True when `new` only appends to `old`: atoms are ANDed, and a
/// longer fuzzy, substring, prefix or postfix atom matches fewer haystacks. Not after a
/// negated atom (`!x` to `!xy` matches more), an escape, or a postfix `$` (`a$` to `a$b`).
pub fn narrows(old: &str, new: &str) -> bool {
    let (old, new) = (old.trim(), new.trim());
    if old.is_empty() || new.len() <= old.len() || !new.starts_with(old) {
        return false;
    }
    let last = old.rsplit(char::is_whitespace).next().unwrap_or(old);
    !(last.starts_with('!') || old.ends_with('\\') || old.ends_with('$'))
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

    #[test]
    fn fuzzy_subsequence_smart_case() {
        let mut f = Fuzzy::new("wb02");
        assert!(f.score("web-02").is_some());
        assert!(f.score("db-01").is_none());
        let mut f = Fuzzy::new("Web");
        assert!(
            f.score("web-01").is_none(),
            "upper case in the filter is case sensitive"
        );
        assert!(Fuzzy::new("  ").is_empty());
    }

    #[test]
    fn of_equal_matches_the_one_nearer_the_start_ranks_first() {
        let mut f = Fuzzy::new("ubu22");
        let server = f.score("Ubuntu 22.04 server 64bit  Linux x86 BIOS, Cloud-Init");
        let stack = f.score("LAMP Stack on Ubuntu 22.04  Linux x86 BIOS, Cloud-Init");
        assert!(server > stack, "{server:?} vs {stack:?}");
    }

    #[test]
    fn narrows_only_when_every_new_match_was_an_old_match() {
        for (old, new, want) in [
            ("web", "web-", true),
            ("web", "web 01", true),
            ("web", "webX", true),
            ("'we", "'web", true),
            ("^we", "^web", true),
            ("", "w", false),
            ("web", "web", false),
            ("web-", "web", false),
            ("web", "wxb", false),
            ("!web", "!webs", false),
            ("web$", "web$x", false),
            ("web\\", "web\\ ", false),
        ] {
            assert_eq!(narrows(old, new), want, "{old:?} -> {new:?}");
        }
    }

    #[test]
    fn indices_point_at_matched_chars() {
        let (h, starts) = haystack(["ECS", "web-02"]);
        assert_eq!(h, "ECS  web-02");
        assert_eq!(starts, vec![0, 5]);
        let idx = Fuzzy::new("web").indices(&h);
        assert_eq!(idx, vec![5, 6, 7]);
    }
}
