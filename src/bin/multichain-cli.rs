//! `multichain-cli NAME [options] COMMAND ARGS…`: see [`mcnode::cli`].

fn main() {
    restore_default_sigpipe();
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(mcnode::cli::run(args));
}

/// Rust ignores SIGPIPE, so `multichain-cli … | head` would end in a panic message once the
/// reader goes; restored, the CLI ends quietly as MultiChain's (a C++ program) does.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: resetting a signal's disposition to its default before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
