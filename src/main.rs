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
enum Command {}

fn main() -> color_eyre::Result<()> {
    color_eyre::install()?;
    let cli = Cli::parse();
    match cli.command {
        None => println!("reimage: nothing to run yet"),
    }
    Ok(())
}
