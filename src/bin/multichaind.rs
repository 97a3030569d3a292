//! `multichaind NAME [options]`: see [`mcnode::daemon`].

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(mcnode::daemon::run(args));
}
