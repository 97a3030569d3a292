//! `multichain-cli NAME [options] COMMAND ARGS…`: see [`mcnode::cli`].

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(mcnode::cli::run(args));
}
