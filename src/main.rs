//! The `reimage` binary: parses the command line and hands over to the library.

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "reimage",
    version,
    about = "Change or reinstall the OS of Huawei Cloud ECS and BMS servers from the terminal"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the sandbox cloud (a simulated Huawei Cloud) on an address, for scripts, SDKs
    /// and tests.
    Sandbox(reimage::sandbox::SandboxArgs),
}

fn main() -> color_eyre::Result<()> {
    color_eyre::install()?;
    let cli = Cli::parse();
    match cli.command {
        None => println!("reimage: nothing to run yet"),
        Some(Command::Sandbox(args)) => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            runtime.block_on(reimage::sandbox::serve_cli(args))?;
        }
    }
    Ok(())
}
