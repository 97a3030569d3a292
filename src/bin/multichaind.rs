//! `multichaind NAME [options]`: see [`mcnode::daemon`].

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(mcnode::daemon::run(args));
}

/// Many small allocations freed on other threads (requests, transactions, block work):
/// mimalloc handles them with less CPU than glibc malloc (see README, Dependencies).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
