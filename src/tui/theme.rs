//! Colours and glyphs. The default theme uses the 16 ANSI colours on the terminal's own
//! background (`Color::Reset`) so it follows the user's palette; with `NO_COLOR` (or
//! `--color never`) every style keeps only modifiers (bold, reverse, underline), and meaning
//! is always carried by a word as well.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;

/// Whether to use colour, as chosen on the command line or by the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorChoice {
    /// Colour unless `NO_COLOR` is set (to anything non-empty).
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Resolves `Auto` against the environment (`NO_COLOR`, <https://no-color.org>).
    pub fn use_color(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }
}

/// Whether glyphs outside ASCII may be drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GlyphChoice {
    /// Unicode when the locale says UTF-8.
    #[default]
    Auto,
    Unicode,
    Ascii,
}

impl GlyphChoice {
    pub fn use_unicode(self) -> bool {
        match self {
            GlyphChoice::Unicode => true,
            GlyphChoice::Ascii => false,
            GlyphChoice::Auto => ["LC_ALL", "LC_CTYPE", "LANG"]
                .iter()
                .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
                .is_some_and(|v| {
                    let v = v.to_ascii_lowercase();
                    v.contains("utf-8") || v.contains("utf8")
                }),
        }
    }
}

/// Symbols drawn in the chrome and tables, each with an ASCII fallback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glyphs {
    pub cursor: &'static str,
    pub mark: &'static str,
    pub lock: &'static str,
    pub job: &'static str,
    pub sep: &'static str,
    pub ellipsis: &'static str,
    pub asc: &'static str,
    pub desc: &'static str,
    pub spinner: &'static [&'static str],
    /// Marks an error beside a field.
    pub cross: &'static str,
    /// Old → new.
    pub arrow: &'static str,
    pub border: border::Set<'static>,
}

impl Glyphs {
    pub fn unicode() -> Self {
        Glyphs {
            cursor: "▶",
            mark: "●",
            lock: "[L]",
            job: "⟳",
            sep: "·",
            ellipsis: "…",
            asc: "▲",
            desc: "▼",
            spinner: &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"],
            cross: "✘",
            arrow: "→",
            border: border::PLAIN,
        }
    }

    pub fn ascii() -> Self {
        Glyphs {
            cursor: ">",
            mark: "*",
            lock: "[L]",
            job: "~",
            sep: "-",
            ellipsis: "~",
            asc: "^",
            desc: "v",
            spinner: &["|", "/", "-", "\\"],
            cross: "x",
            arrow: "->",
            border: border::Set {
                top_left: "+",
                top_right: "+",
                bottom_left: "+",
                bottom_right: "+",
                vertical_left: "|",
                vertical_right: "|",
                horizontal_top: "-",
                horizontal_bottom: "-",
            },
        }
    }

    pub fn new(choice: GlyphChoice) -> Self {
        if choice.use_unicode() {
            Self::unicode()
        } else {
            Self::ascii()
        }
    }
}

/// Every style the TUI uses, by meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    pub base: Style,
    pub dim: Style,
    pub title: Style,
    pub sandbox: Style,
    pub read_only: Style,
    pub insecure: Style,
    pub tab: Style,
    pub tab_active: Style,
    pub table_header: Style,
    pub cursor_row: Style,
    pub marked: Style,
    pub matched: Style,
    pub border: Style,
    pub label: Style,
    pub key: Style,
    pub ok: Style,
    pub off: Style,
    pub busy: Style,
    pub bad: Style,
    pub info: Style,
    pub warn: Style,
    pub error: Style,
}

impl Theme {
    pub fn new(color: bool) -> Self {
        if color {
            Self::colored()
        } else {
            Self::monochrome()
        }
    }

    fn colored() -> Self {
        let s = Style::new();
        Theme {
            color: true,
            base: s,
            dim: s.fg(Color::DarkGray),
            title: s.add_modifier(Modifier::BOLD),
            sandbox: s
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
            read_only: s
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            insecure: s
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD),
            tab: s,
            tab_active: s
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            table_header: s.add_modifier(Modifier::BOLD),
            cursor_row: s.add_modifier(Modifier::REVERSED),
            marked: s.fg(Color::Magenta).add_modifier(Modifier::BOLD),
            matched: s.fg(Color::Yellow).add_modifier(Modifier::BOLD),
            border: s.fg(Color::DarkGray),
            label: s.fg(Color::Cyan),
            key: s.fg(Color::Cyan).add_modifier(Modifier::BOLD),
            ok: s.fg(Color::Green),
            off: s.fg(Color::DarkGray),
            busy: s.fg(Color::Yellow),
            bad: s.fg(Color::Red).add_modifier(Modifier::BOLD),
            info: s.fg(Color::Green),
            warn: s.fg(Color::Yellow),
            error: s.fg(Color::Red).add_modifier(Modifier::BOLD),
        }
    }

    fn monochrome() -> Self {
        let s = Style::new();
        let bold = s.add_modifier(Modifier::BOLD);
        Theme {
            color: false,
            base: s,
            dim: s,
            title: bold,
            sandbox: s.add_modifier(Modifier::BOLD | Modifier::REVERSED),
            read_only: s.add_modifier(Modifier::BOLD | Modifier::REVERSED),
            insecure: s.add_modifier(Modifier::BOLD | Modifier::REVERSED),
            tab: s,
            tab_active: s.add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            table_header: bold,
            cursor_row: s.add_modifier(Modifier::REVERSED),
            marked: bold,
            matched: s.add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            border: s,
            label: s,
            key: bold,
            ok: s,
            off: s,
            busy: s,
            bad: bold,
            info: s,
            warn: bold,
            error: bold,
        }
    }

    /// Style of a server status word (ux.md: ACTIVE green, SHUTOFF grey, transitional
    /// yellow, ERROR red).
    pub fn server_status(&self, status: &str) -> Style {
        match status {
            "ACTIVE" => self.ok,
            "SHUTOFF" | "SHELVED" | "SHELVED_OFFLOADED" | "DELETED" => self.off,
            "ERROR" | "UNKNOWN" => self.bad,
            "BUILD" | "REBUILD" | "REBOOT" | "HARD_REBOOT" | "RESIZE" | "MIGRATING"
            | "VERIFY_RESIZE" | "REVERT_RESIZE" => self.busy,
            _ => self.base,
        }
    }
}
