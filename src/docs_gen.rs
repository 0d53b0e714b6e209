//! Shell completion scripts and the man page, generated from the binary's own clap
//! `Command`, so they always offer exactly the commands and flags it accepts.

use std::io::{self, Write};

use clap::Command;
pub use clap_complete::Shell;

/// `reimage completions SHELL`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The completion script of `cmd` for `shell`.
pub fn completions(mut cmd: Command, shell: Shell) -> Vec<u8> {
    let name = cmd.get_name().to_owned();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, name, &mut script);
    script
}

/// One man page (roff) for the whole program: the top-level synopsis, description and
/// options, then one section per command (`REIMAGE LIST`, ...) with its own synopsis,
/// description and options. One page, so `man reimage` covers everything and a single file is
/// installed; the global options are listed once, at the top.
pub fn man_page(cmd: Command) -> io::Result<Vec<u8>> {
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    let top = clap_mangen::Man::new(cmd.clone());
    let mut part = Vec::new();
    top.render_title(&mut part)?;
    top.render_name_section(&mut part)?;
    top.render_synopsis_section(&mut part)?;
    top.render_description_section(&mut part)?;
    top.render_options_section(&mut part)?;
    let mut page = Vec::new();
    append(&mut page, &part, Level::Section);
    writeln!(
        page,
        ".SH COMMANDS\nEach command has its section below. The client options above apply to \
         every command that uses the client, written before or after its name; \\-\\-log\\-level \
         to every command."
    )?;
    // Listed once, at the top: the global options and the client options a command shares.
    let top_ids: Vec<String> = cmd
        .get_arguments()
        .filter(|a| a.get_help_heading().is_some())
        .map(|a| a.get_id().to_string())
        .collect();
    for sub in visible_subcommands(&cmd) {
        command_section(sub, &top_ids, &mut page)?;
    }
    part.clear();
    top.render_version_section(&mut part)?;
    append(&mut page, &part, Level::Section);
    Ok(page)
}

fn visible_subcommands(cmd: &Command) -> impl Iterator<Item = &Command> {
    cmd.get_subcommands().filter(|s| !s.is_hide_set())
}

/// A command's part of the page: `.SH REIMAGE LIST`, then its synopsis, description and
/// options as subsections (clap_mangen renders them as the sections of a page of their
/// own), then its own commands, if any.
fn command_section(cmd: &Command, top_ids: &[String], page: &mut Vec<u8>) -> io::Result<()> {
    let title = cmd.get_bin_name().unwrap_or(cmd.get_name()).to_uppercase();
    writeln!(page, ".SH \"{title}\"")?;
    // The global options were propagated into every command by `build`, and the client
    // options are the top's own: both are listed at the top.
    let own = cmd.clone().mut_args(|a| {
        let shared =
            a.get_help_heading().is_some() && top_ids.iter().any(|id| id == a.get_id().as_str());
        if a.is_global_set() || shared {
            a.hide(true)
        } else {
            a
        }
    });
    let man = clap_mangen::Man::new(own);
    let mut part = Vec::new();
    man.render_synopsis_section(&mut part)?;
    man.render_description_section(&mut part)?;
    man.render_options_section(&mut part)?;
    append(page, &part, Level::Subsection);
    for sub in visible_subcommands(cmd) {
        command_section(sub, top_ids, page)?;
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq)]
enum Level {
    Section,
    Subsection,
}

/// Appends a rendered part to the page. clap_mangen starts every part with the same two
/// string definitions: kept once, at the head of the page. At `Subsection` level, `.SH X`
/// lines become `.SS X` (roff escapes text lines that start with a dot, so only the section
/// macros match).
fn append(page: &mut Vec<u8>, part: &[u8], level: Level) {
    // True until the first line that is not part of the preamble.
    let mut at_head = page.is_empty();
    for line in part.split_inclusive(|&b| b == b'\n') {
        let preamble = line.starts_with(b".ie \\n(.g .ds Aq") || line.starts_with(b".el .ds Aq");
        if preamble && !at_head {
            continue;
        }
        at_head &= preamble;
        match line.strip_prefix(b".SH ") {
            Some(rest) if level == Level::Subsection => {
                page.extend_from_slice(b".SS ");
                page.extend_from_slice(rest);
            }
            _ => page.extend_from_slice(line),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_section_macros_are_demoted_and_the_preamble_kept_once() {
        let preamble = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";
        let part = format!("{preamble}.SH SYNOPSIS\n{preamble}\\&.SH not a macro\ntext .SH\n");
        let mut page = Vec::new();
        append(&mut page, part.as_bytes(), Level::Section);
        append(&mut page, part.as_bytes(), Level::Subsection);
        let expected = format!(
            "{preamble}.SH SYNOPSIS\n\\&.SH not a macro\ntext .SH\n\
             .SS SYNOPSIS\n\\&.SH not a macro\ntext .SH\n"
        );
        assert_eq!(String::from_utf8(page).unwrap(), expected);
    }
}
