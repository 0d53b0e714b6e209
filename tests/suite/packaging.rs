//! What an admin installs beside the binary: completion scripts and the man page, generated
//! by the real binary; the release profile that keeps it small; the script that checks a
//! binary before it is shipped to older servers.

use std::path::Path;
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

fn cargo_toml() -> toml::Table {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
        .expect("Cargo.toml");
    text.parse().expect("Cargo.toml parses")
}

/// The release binary (what admins copy to a bastion) carries no debug info; the line tables
/// that profilers need live in the `profiling` profile. Its size is checked by
/// scripts/check-binary.sh on a real build, not here (a release build is too slow for tests).
#[test]
fn release_is_lean_and_profiling_keeps_line_tables() {
    let toml = cargo_toml();
    let profile = |name: &str| {
        toml["profile"][name]
            .as_table()
            .unwrap_or_else(|| panic!("[profile.{name}]"))
            .clone()
    };
    let release = profile("release");
    let debug = release.get("debug").map(ToString::to_string);
    assert!(
        matches!(debug.as_deref(), None | Some("false" | "0" | "\"none\"")),
        "release debug = {debug:?}"
    );
    let strip = release.get("strip").map(ToString::to_string);
    assert!(
        matches!(
            strip.as_deref(),
            Some("\"debuginfo\"" | "\"symbols\"" | "true")
        ),
        "release strip = {strip:?}"
    );
    let profiling = profile("profiling");
    assert_eq!(profiling["inherits"].as_str(), Some("release"));
    assert_eq!(profiling["debug"].as_str(), Some("line-tables-only"));
    assert_eq!(profiling["strip"].as_str(), Some("none"));
}

fn check_binary(bin: &Path, env: &[(&str, &str)]) -> Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/check-binary.sh");
    Command::new("bash")
        .arg(script)
        .arg(bin)
        .envs(env.iter().copied())
        .output()
        .expect("bash runs")
}

/// The glibc versions a binary needs, read from its version-needs section by readelf, and
/// the highest of them compared as numbers (2.9 < 2.17).
fn highest_glibc(bin: &Path) -> Vec<u32> {
    let out = Command::new("readelf")
        .args(["-V", "--wide"])
        .arg(bin)
        .output()
        .expect("readelf runs (binutils)");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|w| w.strip_prefix("GLIBC_"))
        .filter_map(|v| v.split('.').map(|n| n.parse().ok()).collect())
        .max()
        .expect("the test binary is linked against glibc")
}

/// The binary cargo built for these tests was linked on this machine, against its own (newer)
/// glibc and with the dev profile: the check must refuse it and say why, and must accept it
/// once the limits are raised to exactly what it needs.
#[test]
fn check_binary_refuses_a_host_build_and_accepts_it_at_its_own_limits() {
    let bin = Path::new(env!("CARGO_BIN_EXE_reimage"));
    let highest = highest_glibc(bin);
    let highest_text = highest
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(".");
    assert!(
        highest > vec![2, 17],
        "this machine's glibc is older than 2.17?"
    );

    let out = check_binary(bin, &[("MAX_MB", "1")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("needs glibc newer than 2.17")
            && stderr.contains(&format!("GLIBC_{highest_text}")),
        "{stderr}"
    );
    assert!(stderr.contains("is over 1 MB"), "{stderr}");

    let size_mb = (std::fs::metadata(bin).expect("binary").len() / 1_000_000 + 1).to_string();
    // readelf's names for the machines reimage is built for.
    let (this, other) = match std::env::consts::ARCH {
        "aarch64" => ("AArch64", "X86-64"),
        _ => ("X86-64", "AArch64"),
    };
    let at_its_limits = |machine: &str| {
        check_binary(
            bin,
            &[
                ("MAX_GLIBC", &highest_text),
                ("MAX_MB", &size_mb),
                ("MACHINE", machine),
            ],
        )
    };
    let out = at_its_limits(this);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("needs GLIBC_{highest_text} at most")),
        "{stdout}"
    );

    let out = at_its_limits(other);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&format!("expected {other}")), "{stderr}");
}

/// A reader that stops early (`reimage man | head`) is not an error: the command ends
/// quietly with status 0, for the generated texts and for a listing alike.
#[test]
fn a_closed_output_pipe_ends_quietly() {
    for args in [&["man"][..], &["--sandbox", "list", "servers"][..]] {
        let home = tempfile::tempdir().expect("tempdir");
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_reimage"))
            .env_clear()
            .env("HOME", home.path())
            .env("REIMAGE_HOME", home.path().join("rh"))
            .env("REIMAGE_METADATA_URL", "off")
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .args(args)
            .stdout(writer)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
}
