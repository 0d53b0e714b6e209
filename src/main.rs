//! The `reimage` binary: parses the command line and hands over to the library.

use clap::{CommandFactory, Parser, Subcommand};
use reimage::config::{Env, GlobalArgs, LogArgs};

#[derive(Debug, Parser)]
#[command(
    name = "reimage",
    version,
    about = "Change or reinstall the OS of Huawei Cloud ECS and BMS servers from the terminal"
)]
struct Cli {
    /// The TUI's client flags; the commands that use the client take them after their
    /// name too.
    #[command(flatten)]
    client: GlobalArgs,
    #[command(flatten)]
    log: LogArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

/// A command of the client: its own flags, then the client's.
macro_rules! with_client {
    ($name:ident, $args:ty) => {
        #[derive(Debug, clap::Args)]
        struct $name {
            #[command(flatten)]
            args: $args,
            #[command(flatten)]
            client: GlobalArgs,
        }
    };
}

with_client!(ListCmd, reimage::cli::ListArgs);
with_client!(PlanCmd, reimage::cli::PlanCommand);
with_client!(ApplyCmd, reimage::cli::ApplyArgs);
with_client!(JobsCmd, reimage::cli::JobsArgs);
with_client!(StopCmd, reimage::cli::StopArgs);

#[derive(Debug, clap::Args)]
struct DoctorCmd {
    #[command(flatten)]
    client: GlobalArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print servers, bare-metal servers, images or key pairs (table or JSON).
    List(ListCmd),
    /// Check credentials, region, project, endpoints, clock and each service.
    Doctor(DoctorCmd),
    /// Show the exact change/reinstall request (password masked) or every field error; sends nothing.
    Plan(PlanCmd),
    /// Send the change/reinstall request after a typed confirmation (or --yes); prints the job id.
    Apply(ApplyCmd),
    /// Stop servers (ECS SOFT unless --hard, BMS HARD) after a typed confirmation (or --yes);
    /// prints one job id per server.
    Stop(StopCmd),
    /// Print the job journal, or follow the open jobs with --watch (exit 1 if any fails).
    Jobs(JobsCmd),
    /// Serve the sandbox cloud (a simulated Huawei Cloud) on an address, for scripts, SDKs
    /// and tests.
    Sandbox(reimage::sandbox::SandboxArgs),
    /// Print the shell completion script (see docs/install.md for where to put it).
    Completions(reimage::docs_gen::CompletionsArgs),
    /// Print the man page (roff) of reimage and every command: `reimage man | man -l -`.
    Man,
}

impl Command {
    /// The client flags written after the command, if it takes them.
    fn client(&self) -> Option<&GlobalArgs> {
        match self {
            Command::List(c) => Some(&c.client),
            Command::Doctor(c) => Some(&c.client),
            Command::Plan(c) => Some(&c.client),
            Command::Apply(c) => Some(&c.client),
            Command::Stop(c) => Some(&c.client),
            Command::Jobs(c) => Some(&c.client),
            Command::Sandbox(_) | Command::Completions(_) | Command::Man => None,
        }
    }
}

/// The client flags before and after the command as one set, or why they cannot be.
fn client_flags(cli: &Cli) -> Result<GlobalArgs, String> {
    let after = match &cli.command {
        None => &GlobalArgs::default(),
        Some(cmd) => match cmd.client() {
            Some(after) => after,
            None => {
                let given = cli.client.given();
                if !given.is_empty() {
                    return Err(format!(
                        "{} configure the client, which this command does not use: drop {}",
                        given.join(", "),
                        if given.len() == 1 { "it" } else { "them" }
                    ));
                }
                &GlobalArgs::default()
            }
        },
    };
    cli.client.merged(after, &cli.log)
}

fn main() -> color_eyre::Result<()> {
    // Secrets live in this process's memory: keep them out of core files.
    if let Err(e) = reimage::hardening::forbid_core_dumps() {
        eprintln!("reimage: warning: cannot disable core dumps: {e}");
    }
    color_eyre::install()?;
    let cli = Cli::parse();
    let global = match client_flags(&cli) {
        Ok(g) => g,
        Err(e) => exit_with(&e),
    };
    // A bad --log-level must be said, not silently replaced by the default.
    if let Some(level) = global.log_level.as_deref()
        && cli.command.is_some()
        && let Err(e) = tracing_subscriber::EnvFilter::try_new(level)
    {
        eprintln!(
            "reimage: bad --log-level {level:?} ({e}): using the default; use error, warn, info, debug or trace"
        );
    }
    match cli.command {
        None => {
            let env = Env::from_process();
            let runtime = tokio::runtime::Runtime::new()?;
            if let Err(e) = runtime.block_on(reimage::cli::run_tui(&global, &env)) {
                exit_with(&e);
            }
        }
        Some(Command::List(c)) => cli_command(&global, |g, env, out| {
            Box::pin(async move { reimage::cli::run_list(g, &c.args, env, out).await })
        }),
        Some(Command::Doctor(_)) => cli_command(&global, |g, env, out| {
            Box::pin(reimage::cli::run_doctor(g, env, out))
        }),
        Some(Command::Plan(c)) => cli_command(&global, |g, env, out| {
            Box::pin(async move {
                let mut stdin = reimage::cli::Console::stdin()?;
                reimage::cli::run_plan(g, &c.args, env, &mut stdin, out).await
            })
        }),
        Some(Command::Apply(c)) => cli_command(&global, |g, env, out| {
            Box::pin(async move {
                let mut stdin = reimage::cli::Console::stdin()?;
                reimage::cli::run_apply(g, &c.args, env, &mut stdin, out).await
            })
        }),
        Some(Command::Stop(c)) => cli_command(&global, |g, env, out| {
            Box::pin(async move {
                let mut stdin = reimage::cli::Console::stdin()?;
                reimage::cli::run_stop(g, &c.args, env, &mut stdin, out).await
            })
        }),
        Some(Command::Jobs(c)) => cli_command(&global, |g, env, out| {
            Box::pin(async move { reimage::cli::run_jobs(g, &c.args, env, out).await })
        }),
        Some(Command::Sandbox(args)) => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            // A bad flag or a busy port is a plain message, as for every other command.
            let env = Env::from_process();
            if let Err(e) = runtime.block_on(reimage::cli::run_sandbox(args, &env)) {
                exit_with(&e);
            }
        }
        Some(Command::Completions(args)) => print_generated(Ok(reimage::docs_gen::completions(
            Cli::command(),
            args.shell,
        ))),
        Some(Command::Man) => print_generated(reimage::docs_gen::man_page(Cli::command())),
    }
    Ok(())
}

/// Print a generated text; a reader that stops early (`| head`) ends it quietly.
fn print_generated(text: std::io::Result<Vec<u8>>) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match text.and_then(|t| stdout.write_all(&t).and_then(|()| stdout.flush())) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => exit_with(&e),
    }
}

type CliFuture<'a> =
    std::pin::Pin<Box<dyn Future<Output = Result<(), reimage::cli::CliError>> + Send + 'a>>;

/// Run a scriptable command on a runtime; print its error and exit 1 on failure.
fn cli_command<F>(global: &GlobalArgs, run: F)
where
    F: for<'a> FnOnce(
        &'a GlobalArgs,
        &'a Env,
        &'a mut (dyn std::io::Write + Send),
    ) -> CliFuture<'a>,
{
    reimage::logging::init_stderr(global.log_level.as_deref());
    let env = Env::from_process();
    let mut stdout = std::io::stdout();
    let result = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt.block_on(run(global, &env, &mut stdout)),
        Err(e) => Err(reimage::cli::CliError::Io(e)),
    };
    match result {
        Ok(()) => {}
        // The reader stopped early (`reimage list servers | head`): what it wanted was
        // written, and anything that must not be lost (a job id) is journaled and on stderr.
        Err(reimage::cli::CliError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            std::process::exit(0)
        }
        Err(e) => exit_with(&e),
    }
}

/// Print the error and exit 1. Errors quote the cloud and files (names, messages, config
/// lines): every control in them is escaped, only their own line breaks are kept.
fn exit_with(e: &dyn std::fmt::Display) -> ! {
    // Not `eprintln!`: after a hang-up the terminal is gone, and a failed write there would
    // panic (and abort) instead of exiting.
    use std::io::Write;
    let text = e.to_string();
    let _ = writeln!(
        std::io::stderr(),
        "reimage: {}",
        reimage::safe_text::escape_lines(&text)
    );
    std::process::exit(1);
}
