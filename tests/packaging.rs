//! What an admin installs beside the binary: completion scripts and the man page, generated
//! by the real binary.

use std::process::{Command, Output};

const SUBCOMMANDS: [&str; 8] = [
    "list",
    "doctor",
    "plan",
    "apply",
    "jobs",
    "sandbox",
    "completions",
    "man",
];

fn reimage(args: &[&str]) -> Output {
    let home = tempfile::tempdir().expect("tempdir");
    Command::new(env!("CARGO_BIN_EXE_reimage"))
        .env_clear()
        .env("HOME", home.path())
        .env("REIMAGE_HOME", home.path().join("rh"))
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .args(args)
        .output()
        .expect("runs")
}

/// stdout of a command that must succeed quietly.
fn generated(args: &[&str]) -> String {
    let out = reimage(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?} failed: {stderr}");
    assert!(stderr.is_empty(), "{args:?} wrote to stderr: {stderr}");
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// What bash offers for the words typed so far (the last one is being completed), with the
/// script loaded exactly as `source` in ~/.bashrc would.
fn bash_offers(script: &str, words: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("reimage.bash");
    std::fs::write(&path, script).expect("write script");
    let cword = words.len() - 1;
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let prev = if cword > 0 { words[cword - 1] } else { "" };
    let program = format!(
        "source '{}' || exit 3\n\
         COMP_WORDS=({})\nCOMP_CWORD={cword}\n\
         _reimage reimage '{}' '{prev}'\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        path.display(),
        quoted.join(" "),
        words[cword],
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "bash: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn bash_completes_commands_flags_and_shells() {
    let script = generated(&["completions", "bash"]);
    assert!(script.contains("complete -F _reimage"), "{script}");
    assert_eq!(bash_offers(&script, &["reimage", "ap"]), ["apply"]);
    let all = bash_offers(&script, &["reimage", ""]);
    for sub in SUBCOMMANDS {
        assert!(all.iter().any(|w| w == sub), "{sub} not offered: {all:?}");
    }
    assert_eq!(
        bash_offers(&script, &["reimage", "apply", "--password-s"]),
        ["--password-stdin"]
    );
    // A global flag is offered after a command too.
    assert_eq!(
        bash_offers(&script, &["reimage", "list", "--read-o"]),
        ["--read-only"]
    );
    let shells = bash_offers(&script, &["reimage", "completions", ""]);
    for shell in ["bash", "zsh", "fish"] {
        assert!(shells.iter().any(|w| w == shell), "{shell}: {shells:?}");
    }
}

#[test]
fn zsh_script_is_a_compdef_function_with_the_commands_and_flags() {
    let script = generated(&["completions", "zsh"]);
    assert!(script.starts_with("#compdef reimage\n"), "{script}");
    assert!(script.contains("_reimage() {"), "{script}");
    assert!(script.contains("compdef _reimage reimage"), "{script}");
    for sub in SUBCOMMANDS {
        assert!(script.contains(&format!("'{sub}:")), "{sub} missing");
    }
    // --password-stdin is offered inside apply's own block.
    let apply = script
        .split("(apply)")
        .nth(1)
        .expect("an (apply) block")
        .split(";;")
        .next()
        .expect("its body");
    assert!(apply.contains("'--password-stdin["), "{apply}");
}

#[test]
fn fish_script_completes_the_commands_and_apply_flags() {
    let script = generated(&["completions", "fish"]);
    let completes: Vec<&str> = script
        .lines()
        .filter(|l| l.starts_with("complete "))
        .collect();
    assert!(
        completes
            .iter()
            .all(|l| l.starts_with("complete -c reimage ")),
        "{script}"
    );
    for sub in SUBCOMMANDS {
        assert!(
            completes
                .iter()
                .any(|l| l.contains("__fish_reimage_needs_command")
                    && l.contains(&format!("-a \"{sub}\""))),
            "{sub} missing"
        );
    }
    assert!(
        completes
            .iter()
            .any(|l| l.contains("__fish_reimage_using_subcommand apply")
                && l.contains("-l password-stdin")),
        "{script}"
    );
}

#[test]
fn an_unknown_shell_is_a_clap_error_naming_the_choices() {
    let out = reimage(&["completions", "tcsh"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(stderr.contains("invalid value 'tcsh'"), "{stderr}");
    assert!(stderr.contains("bash") && stderr.contains("zsh") && stderr.contains("fish"));
    let out = reimage(&["completions"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("<SHELL>"));
}

#[test]
fn man_page_is_one_roff_page_with_every_command() {
    let page = generated(&["man"]);
    assert!(
        page.lines().any(|l| l.starts_with(".TH reimage 1 ")),
        "{page}"
    );
    assert_eq!(page.matches(".ds Aq").count(), 2, "one preamble: {page}");
    for sub in SUBCOMMANDS {
        let heading = format!(".SH \"REIMAGE {}\"", sub.to_uppercase());
        assert!(page.contains(&heading), "{heading} missing");
    }
    // Each command's own flags are in its section; roff escapes the dashes.
    let apply = page
        .split(".SH \"REIMAGE APPLY\"")
        .nth(1)
        .expect("apply section")
        .split(".SH ")
        .next()
        .expect("its body");
    assert!(apply.contains("\\-\\-password\\-stdin"), "{apply}");
    assert!(apply.contains(".SS SYNOPSIS"), "{apply}");
    // Global options once, at the top, not repeated in every command.
    let (top, commands) = page
        .split_once(".SH \"REIMAGE LIST\"")
        .expect("list section");
    assert!(top.contains("\\-\\-read\\-only"), "{top}");
    assert!(!commands.contains("\\-\\-read\\-only"), "{commands}");

    // groff (what `man` uses) reads it without a warning.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("reimage.1");
    std::fs::write(&path, &page).expect("write page");
    let out = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(&path)
        .output()
        .expect("groff runs (groff-base)");
    let warnings = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && warnings.is_empty(), "{warnings}");
}
