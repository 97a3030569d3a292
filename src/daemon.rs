//! `multichaind`: start-up, console messages, `-daemon`, RPC server and miner, clean stop.

use crate::node::{miner, Node, NodeError};
use crate::params::runtime::{self, Options};
use crate::params::{ChainParams, LATEST_PROTOCOL};
use crate::rpc::connections::ConnectionThreads;
use crate::rpc::dispatch::{build_module, RpcContext};
use crate::rpc::help::HelpTexts;
use crate::rpc::server::{serve, AllowedNet, RpcServer, ServerConfig};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;

pub const BANNER: &str = "MultiChain 2.3 Daemon (Community Edition, latest protocol 20013)";
/// Set in the environment of the background process `-daemon` starts.
const CHILD_ENV: &str = "MCNODE_DAEMON_CHILD";

fn usage() -> String {
    format!(
        "\n{BANNER}\n\nUsage:\n  multichaind <blockchain-name> [options]                     Start MultiChain Core Daemon\n  multichaind <blockchain-name>@<seed-node-ip>[:<seed-node-port>] [options]\n\nOptions (a selection; MultiChain's names and defaults):\n  -daemon              Run in the background\n  -datadir=<dir>       Data directory (default ~/.multichain)\n  -port=<port>         Peer-to-peer port (default: the chain's default-network-port)\n  -rpcport=<port>      JSON-RPC port (default: the chain's default-rpc-port)\n  -rpcuser=<user>      JSON-RPC user\n  -rpcpassword=<pw>    JSON-RPC password\n  -rpcallowip=<ip>     Allow JSON-RPC from this address or network (repeatable)\n  -rpcbind=<addr>      Bind JSON-RPC to this address (with -rpcallowip)\n  -rpcallowmethod=<m>  Only allow these methods (comma list, repeatable)\n  -gen=0               Do not mine\n  -printtoconsole      Log to the console instead of debug.log\n"
    )
}

/// Entry point; returns the process exit code.
pub fn run(args: Vec<String>) -> i32 {
    limit_malloc_arenas();
    let (cmdline, words) = Options::from_args(args.clone());
    if cmdline.has("?") || cmdline.has("help") || words.is_empty() {
        print!("{}", usage());
        return if words.is_empty() && !cmdline.has("help") && !cmdline.has("?") {
            1
        } else {
            0
        };
    }
    let target = words[0].clone();
    let is_child = std::env::var_os(CHILD_ENV).is_some();
    if cmdline.flag("daemon", false) && !is_child {
        println!("\n{BANNER}\n");
        println!("Starting up node...\n");
        let _ = std::io::stdout().flush();
        return run_parent(&args);
    }
    if !is_child {
        println!("\n{BANNER}\n");
        let _ = std::io::stdout().flush();
    }
    let (chain, seed) = match target.split_once('@') {
        Some((c, s)) => (c.to_string(), Some(s.to_string())),
        None => (target.clone(), None),
    };
    if chain.len() > crate::params::chain_params::MAX_CHAIN_NAME_LEN || chain.is_empty() {
        eprintln!("ERROR: invalid chain name: {chain}");
        return 1;
    }
    match start(&chain, seed, cmdline, is_child) {
        Ok(()) => 0,
        Err(msg) => {
            eprintln!("{msg}");
            1
        }
    }
}

/// Re-runs this program in the background and relays its start-up messages until
/// "Node ready." (or its exit), as MultiChain's `-daemon` does.
fn run_parent(args: &[String]) -> i32 {
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("Error: cannot find own executable: {e}");
            return 1;
        }
    };
    let mut cmd = std::process::Command::new(exe);
    cmd.args(args)
        .env(CHILD_ENV, "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Own process group: the node survives the shell that started it.
        cmd.process_group(0);
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("Error: cannot start the node: {e}");
            return 1;
        }
    };
    let mut err = child.stderr.take().expect("piped stderr");
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let out = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut ready = false;
    for line in out.lines() {
        let Ok(line) = line else { break };
        println!("{line}");
        if line == "Node ready." {
            println!();
            ready = true;
            break;
        }
    }
    let _ = std::io::stdout().flush();
    if ready {
        return 0;
    }
    let status = child.wait().map(|s| s.code().unwrap_or(1)).unwrap_or(1);
    let err = err_thread.join().unwrap_or_default();
    eprint!("{err}");
    if status == 0 {
        1
    } else {
        status
    }
}

fn start(
    chain: &str,
    seed: Option<String>,
    cmdline: Options,
    background: bool,
) -> Result<(), String> {
    let datadir = runtime::data_dir(&cmdline);
    let chain_dir = datadir.join(chain);
    let params_path = chain_dir.join("params.dat");
    if seed.is_some() && !params_path.exists() {
        return Err(format!(
            "ERROR: Joining an existing network ({chain}@…) is not supported by this node yet; create the chain with multichain-util create {chain}"
        ));
    }
    let text = std::fs::read_to_string(&params_path).map_err(|_| incomplete(chain))?;
    let params = ChainParams::parse(&text).map_err(|e| format!("{e}\n{}", incomplete(chain)))?;
    if params.chain_name() != chain {
        return Err(format!(
            "chain-name parameter ({}) doesn't match <network-name> ({chain})",
            params.chain_name()
        ));
    }
    if params.protocol_version() > LATEST_PROTOCOL {
        return Err(format!(
            "Blockchain was created by multichaind with newer protocol version ({})",
            params.protocol_version()
        ));
    }
    runtime::ensure_rpc_credentials(&datadir, chain).map_err(|e| format!("Error: {e}"))?;
    let options = runtime::load_chain_options(cmdline, chain);
    init_logging(&chain_dir, &options);

    let building_genesis = params.status() != crate::params::ParamsStatus::Valid;
    if building_genesis {
        println!("Looking for genesis block...");
    }
    let (node, startup) = Node::open(&chain_dir, params, options.clone()).map_err(open_error)?;
    if startup.created_genesis {
        println!("Genesis block found\n");
    }
    let node = Arc::new(node);

    let p2p_port = options.int("port", node.params.network_port() as i64) as u16;
    let rpc_port = options.int("rpcport", node.params.rpc_port() as i64) as u16;
    let local_addresses = local_addresses();
    let ip = local_addresses
        .iter()
        .find(|a| a.is_ipv4())
        .map(|a| a.to_string())
        .unwrap_or_else(|| "<server-ip-address>".to_string());
    let node_address = format!("{chain}@{ip}:{p2p_port}");

    let allow_ips = options.all("rpcallowip");
    let mut allowed = Vec::new();
    for a in &allow_ips {
        allowed.push(
            AllowedNet::parse(a)
                .ok_or_else(|| format!("Error: Invalid -rpcallowip subnet specification: {a}"))?,
        );
    }
    let bind_addrs: Vec<SocketAddr> = if allow_ips.is_empty() {
        vec![
            SocketAddr::from(([127, 0, 0, 1], rpc_port)),
            SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, rpc_port)),
        ]
    } else {
        let binds = options.all("rpcbind");
        if binds.is_empty() {
            vec![
                SocketAddr::from(([0, 0, 0, 0], rpc_port)),
                SocketAddr::from((std::net::Ipv6Addr::UNSPECIFIED, rpc_port)),
            ]
        } else {
            binds
                .iter()
                .map(|b| {
                    b.parse::<SocketAddr>()
                        .or_else(|_| b.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, rpc_port)))
                        .map_err(|_| format!("Error: Invalid -rpcbind address: {b}"))
                })
                .collect::<Result<_, _>>()?
        }
    };
    let user = options.get("rpcuser").unwrap_or("").to_string();
    let password = options.get("rpcpassword").unwrap_or("").to_string();
    if password.is_empty() {
        return Err(format!(
            "Error: To use multichaind, you must set an rpcpassword in the configuration file:\n{}",
            chain_dir.join("multichain.conf").display()
        ));
    }
    let allowed_methods = crate::rpc::server::allowed_methods(&options);

    // This runtime accepts connections and waits for signals; connection threads serve the
    // connections, each with its share of `-rpcthreads` call threads, and publishes run on
    // their own thread (rpc::connections, rpc::dispatch).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("Error: {e}"))?;
    let (shutdown_tx, shutdown_rx) = tokio::sync::watch::channel(false);
    let listeners = runtime.block_on(async {
        let mut ls = Vec::new();
        let mut errors = Vec::new();
        for a in &bind_addrs {
            match tokio::net::TcpListener::bind(a).await {
                Ok(l) => ls.push(l),
                Err(e) => errors.push(format!("{a}: {e}")),
            }
        }
        (ls, errors)
    });
    let (listeners, bind_errors) = listeners;
    if listeners.is_empty() {
        return Err(format!(
            "Error: Unable to bind to RPC port {rpc_port} on this computer ({}). MultiChain is probably already running.",
            bind_errors.join("; ")
        ));
    }
    let ctx = RpcContext {
        node: node.clone(),
        help: HelpTexts::new(chain, node.params.rpc_port()),
        rpc_port,
        p2p_port,
        node_address: node_address.clone(),
        local_addresses,
        shutdown: shutdown_tx.clone(),
        allowed_methods: allowed_methods.clone(),
    };
    let server = Arc::new(RpcServer::new(
        ServerConfig {
            chain_name: chain.to_string(),
            credentials: format!("{user}:{password}"),
            allowed,
            allowed_methods,
            // As bitcoind reads it: whole seconds, at least one.
            idle_limit: std::time::Duration::from_secs(
                options.int("rpcservertimeout", 30).max(1) as u64
            ),
        },
        build_module(Arc::new(ctx)),
    ));

    println!("Other nodes can connect to this node using:");
    println!("multichaind {node_address}\n");
    if allow_ips.is_empty() {
        println!(
            "Listening for API requests on port {rpc_port} (local only - see rpcallowip setting)\n"
        );
    }
    println!("Node ready.\n");
    let _ = std::io::stdout().flush();
    if background {
        detach_console();
    }
    tracing::info!("node ready: rpc port {rpc_port}");

    let pid_file = chain_dir.join("multichain.pid");
    let _ = std::fs::write(&pid_file, format!("{}\n", std::process::id()));
    let miner = miner::spawn(node.clone());
    let signal_tx = shutdown_tx.clone();
    runtime.spawn(async move {
        wait_for_signal().await;
        let _ = signal_tx.send(true);
    });
    let connection_threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let connections = ConnectionThreads::spawn(
        connection_threads,
        rpc_call_threads(options.int("rpcthreads", 4)),
        server,
    )
    .map_err(|e| format!("Error: {e}"))?;
    runtime.block_on(serve(listeners, &connections, shutdown_rx));
    node.request_stop();
    let _ = miner.join();
    connections.stop();
    // Dropping the runtime drops every task still holding the node, so the ledger closes here.
    drop(runtime);
    drop(node);
    let _ = std::fs::remove_file(&pid_file);
    tracing::info!("stopped");
    Ok(())
}

/// The `-daemon` parent stops reading after "Node ready."; point stdout and stderr at
/// /dev/null so later writes cannot fail.
fn detach_console() {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        if let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") {
            // SAFETY: dup2 on valid descriptors; 1 and 2 stay open (now on /dev/null).
            unsafe {
                libc::dup2(null.as_raw_fd(), 1);
                libc::dup2(null.as_raw_fd(), 2);
            }
        }
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn incomplete(chain: &str) -> String {
    format!(
        "ERROR: Parameter set for blockchain {chain} is not complete. \n\n\nIf you want to create new blockchain please run one of the following:\n\n  multichain-util create {chain}\n  multichain-util clone <old-blockchain-name> {chain}\n\nAnd rerun multichaind {chain}\n\n\nIf you want to connect to existing blockchain please specify seed node:\n\n  multichaind {chain}@<seed-node-ip>\n  multichaind {chain}@<seed-node-ip>:<seed-node-port>\n\n"
    )
}

fn open_error(e: NodeError) -> String {
    let text = e.to_string();
    if text.contains("lock") {
        format!("Error: Cannot obtain a lock on the data directory. MultiChain is probably already running. ({text})")
    } else {
        format!("Error: {text}")
    }
}

/// Logs go to `<chain>/debug.log`, or the console with `-printtoconsole`.
fn init_logging(chain_dir: &Path, options: &Options) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("MCNODE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    if options.flag("printtoconsole", false) {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .try_init();
        return;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(chain_dir.join("debug.log"));
    if let Ok(file) = file {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(file))
            .try_init();
    }
}

/// This host's addresses other than loopback (IPv4 first).
pub fn local_addresses() -> Vec<IpAddr> {
    let mut v: Vec<IpAddr> = if_addrs::get_if_addrs()
        .map(|list| {
            list.into_iter()
                .map(|i| i.ip())
                .filter(|ip| !ip.is_loopback())
                .collect()
        })
        .unwrap_or_default();
    v.sort_by_key(|ip| !ip.is_ipv4());
    v.dedup();
    v
}

/// glibc gives each busy thread its own heap arena; RocksDB's C++ allocations (Rust's go to
/// mimalloc in `multichaind`) would stay spread over many arenas. Two arenas keep the
/// resident size close to what is really in use.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes the allocator; called before any other thread starts.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// Threads running RPC calls besides the connection threads, split between them:
/// `-rpcthreads` (MultiChain's default 4). Calls that wait on a lock sleep, so more threads
/// than cores is harmless.
fn rpc_call_threads(rpcthreads: i64) -> usize {
    rpcthreads.clamp(1, 64) as usize
}
