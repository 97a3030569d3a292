//! `bench`: starts a node on a fresh chain and prints throughput, latency and memory
//! figures for the issue #4 speed targets. It asserts nothing; the figures go in README.md.
//!
//! The load generator runs on the same machine: N client threads, each with one keep-alive
//! HTTP connection, as a MultiChain client library would use.

use clap::Parser;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "Benchmark a node: publish rate, stream queries, getinfo rate, memory")]
struct Args {
    /// Items to publish into the benchmark stream.
    #[arg(long, default_value_t = 1_000_000)]
    items: u64,
    /// Concurrent keep-alive clients.
    #[arg(long, default_value_t = 4)]
    clients: usize,
    /// Bytes of data per item.
    #[arg(long, default_value_t = 100)]
    item_size: usize,
    /// Distinct keys the items are spread over.
    #[arg(long, default_value_t = 1000)]
    keys: u64,
    /// Queries per query benchmark.
    #[arg(long, default_value_t = 20_000)]
    queries: u64,
    /// Seconds of the getinfo benchmark.
    #[arg(long, default_value_t = 3)]
    getinfo_seconds: u64,
    /// Extra multichaind option, e.g. `--node-arg=-rpcthreads=8` (repeatable).
    #[arg(long = "node-arg", allow_hyphen_values = true)]
    node_args: Vec<String>,
    /// Keep the data directory (printed) instead of deleting it.
    #[arg(long)]
    keep: bool,
    /// Run the stream queries again after restarting the node.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    restart_queries: bool,
    /// Reuse a data directory a `--keep` run left (with as many `--items`): no publishing,
    /// only the query, getinfo and memory figures. The directory is kept.
    #[arg(long)]
    reuse: Option<PathBuf>,
    /// Time slice, in µs, each client thread asks the kernel for (Linux 6.12 and later; 0
    /// leaves the kernel's, 1.4 ms on the project's 2-core VM). A client woken by its reply
    /// then runs at once instead of waiting behind a busy node thread until the slice ends.
    #[arg(long, default_value_t = 100)]
    client_slice_us: u64,
    /// Also print where the time went: every 5 s of publishing, the rate and the node's CPU
    /// per item by thread; in each call phase, when the calls over 1 ms began.
    #[arg(long)]
    timeline: bool,
    /// Rounds of the ratio measured in pairs after the other figures (a fresh node's first
    /// 10,000 items beside 100,000 more on the bench node, which a `--keep` run then keeps);
    /// 0 skips it.
    #[arg(long, default_value_t = 8)]
    paired_rounds: usize,
}

const CHAIN: &str = "benchchain";

fn main() {
    let args = Args::parse();
    let bin_dir = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    let datadir = args.reuse.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("mcnode-bench-{}", std::process::id()))
    });
    std::fs::create_dir_all(&datadir).unwrap();
    let mut node = BenchNode::start(&bin_dir, &datadir, &args.node_args);
    println!(
        "node pid {} on 127.0.0.1:{}, chain {CHAIN} in {}",
        node.child.id(),
        node.port,
        datadir.display()
    );
    if args.client_slice_us > 0 {
        let slice = args.client_slice_us;
        let granted = std::thread::spawn(move || ask_for_slice(slice))
            .join()
            .unwrap();
        println!(
            "client threads ask for {slice} µs time slices: {}",
            if granted {
                "granted"
            } else {
                "refused by the kernel"
            }
        );
    }

    // A VM's speed drifts with what its host runs: measured before and after publishing (the
    // node idle), it shows when the machine itself got slower between the windows.
    let mut machine_speed_before = None;
    if args.reuse.is_none() {
        let client = node.client();
        client.call("create", r#"["stream","bench",true]"#);
        client.call("subscribe", r#"["bench"]"#);
        node.wait_mined(&client);
        println!(
            "\n== publish: {} items of {} bytes, {} keys, {} clients ==",
            args.items, args.item_size, args.keys, args.clients
        );
        machine_speed_before = Some(machine_speed());
        let cpu_before = (node.cpu_seconds(), process_cpu_seconds());
        let threads_before = node.cpu_seconds_by_thread();
        let switches_before = node.switches_by_thread();
        let started = Instant::now();
        publish_phase(&node, &args);
        let wall = started.elapsed().as_secs_f64();
        println!(
            "CPU during publishing: node {:.2} cores ({:.0} µs per item), load generator {:.2} cores",
            (node.cpu_seconds() - cpu_before.0) / wall,
            (node.cpu_seconds() - cpu_before.0) * 1e6 / args.items as f64,
            (process_cpu_seconds() - cpu_before.1) / wall
        );
        println!(
            "  µs per item by node thread: {}",
            per_thread(&threads_before, &node.cpu_seconds_by_thread(), args.items)
        );
        // The publishing thread polls for work rather than sleep, so its involuntary switches
        // are preemptions, each of which holds up every client (over 20,000 items, the fastest
        // runs had 0.14–0.15 per item, the slowest 0.43–0.50).
        let mut sw: Vec<String> = node
            .switches_by_thread()
            .iter()
            .map(|(name, (v, n))| {
                let (v0, n0) = switches_before.get(name).copied().unwrap_or((0, 0));
                (
                    name,
                    (v - v0) as f64 / args.items as f64,
                    (n - n0) as f64 / args.items as f64,
                )
            })
            .filter(|(_, v, n)| v + n >= 0.01)
            .map(|(name, v, n)| format!("{name} {v:.2}/{n:.2}"))
            .collect();
        sw.sort();
        println!(
            "  context switches per item by node thread (voluntary/involuntary): {}",
            sw.join(", ")
        );
    }
    // The first connection sat idle through the publishing and may have been closed.
    let client = node.client();
    node.wait_mined(&client);
    if let Some(before) = machine_speed_before {
        let after = machine_speed();
        println!(
            "machine speed, node idle: ECDSA signatures on one thread {:.0}/s before publishing, {:.0}/s after ({:.0} %); on each of two threads at once {:.0}/s before, {:.0}/s after; a read at a random place in 64 MB {:.0} ns before, {:.0} ns after",
            before.signatures_per_s,
            after.signatures_per_s,
            100.0 * after.signatures_per_s / before.signatures_per_s,
            before.signatures_per_s_two,
            after.signatures_per_s_two,
            before.memory_read_ns,
            after.memory_read_ns
        );
        println!(
            "RocksDB compactions finished so far, by table: {}",
            compactions_by_table(&datadir.join(CHAIN).join("ledger").join("LOG"))
        );
    }
    let rss_after_publish = node.rss_mb();
    let peak_rss_publishing = node.peak_rss_mb();

    println!("\n== stream queries on a {}-item stream ==", args.items);
    let items = args.items;
    let keys = args.keys;
    let key_query = move |i: u64| format!(r#"["bench","key-{}",false,10]"#, (i * 7919) % keys);
    let position_query = move |i: u64| {
        let start = (i * 104_729) % items.saturating_sub(10).max(1);
        format!(r#"["bench",false,10,{start}]"#)
    };
    let query_phases = |node: &BenchNode| {
        for clients in [1, args.clients] {
            let label = format!("liststreamkeyitems (last 10 of a key), {clients} client(s)");
            query_phase(node, &args, clients, &label, key_query);
            let label = format!("liststreamitems (10 from any position), {clients} client(s)");
            query_phase(node, &args, clients, &label, position_query);
        }
    };
    query_phases(&node);

    println!(
        "\n== getinfo for {} s, {} clients ==",
        args.getinfo_seconds, args.clients
    );
    getinfo_phase(&node, &args);

    println!("\n== memory ==");
    if args.reuse.is_some() {
        println!("node RSS before the queries: {rss_after_publish:.1} MB");
    } else {
        println!("node RSS after publishing {items} items: {rss_after_publish:.1} MB");
        println!("node RSS at its highest while publishing: {peak_rss_publishing:.1} MB");
    }
    println!("node RSS at the end: {:.1} MB", node.rss_mb());
    let disk = dir_size(&datadir.join(CHAIN));
    println!("data directory: {:.1} MB", disk as f64 / 1e6);
    if args.restart_queries {
        // A node that has been restarted reads the stream from table files that compactions
        // have merged, with empty caches: the state every long-running node reaches.
        println!("\n== stream queries after a restart ==");
        node.stop(&node.client());
        node = BenchNode::start(&bin_dir, &datadir, &args.node_args);
        node.wait_mined(&node.client());
        query_phases(&node);
    }
    // Last, since it makes the stream longer.
    if args.reuse.is_none() && args.paired_rounds > 0 {
        paired_ratio_phase(&bin_dir, &datadir, &node, &args);
    }
    node.stop(&node.client());
    if args.keep || args.reuse.is_some() {
        println!("kept {}", datadir.display());
    } else {
        let _ = std::fs::remove_dir_all(&datadir);
    }
}

// ----------------------------------------------------------------------------------------
// Phases

fn publish_phase(node: &BenchNode, args: &Args) {
    let mut edges = vec![(0, node.cpu_seconds_by_thread())];
    let start = Instant::now();
    let (next, handles) = spawn_publishers(node, args, 0, args.items, start);
    // The windows the ratio compares: the node's CPU per item by thread is taken at their
    // edges too (looked at every 5 ms: to within about 100 calls, 1 % of the first window), so
    // a run's ratio can be told apart from the machine's speed and from the blocks and
    // compactions the later window paid for.
    let windows = publish_windows(args.items);
    let last_from = windows.last().map_or(0, |w| w.0);
    let mut edge_at = [windows[0].1, last_from]
        .into_iter()
        .filter(|at| *at > 0)
        .peekable();
    // Every 5 s with `--timeline`: how fast, and where the node's CPU went per item meanwhile.
    let mut before = (node.cpu_seconds_by_thread(), 0, Instant::now());
    let mut machine_before = (
        MachineTicks::now(),
        node.cpu_seconds(),
        process_cpu_seconds(),
    );
    let mut slice_end = Instant::now() + Duration::from_secs(5);
    let finished = || handles.iter().all(|h| h.is_finished());
    let mut beside = BesidePublishing::new(node, windows[0].1);
    while !finished() {
        std::thread::sleep(Duration::from_millis(5));
        let done = next.load(Ordering::Relaxed).min(args.items);
        beside.look(node, done);
        while edge_at.peek().is_some_and(|at| done >= *at) {
            edges.push((edge_at.next().unwrap(), node.cpu_seconds_by_thread()));
        }
        if !args.timeline || (Instant::now() < slice_end && !finished()) {
            continue;
        }
        slice_end = Instant::now() + Duration::from_secs(5);
        let now = (node.cpu_seconds_by_thread(), done, Instant::now());
        let items = done - before.1;
        let wall = now.2.duration_since(before.2).as_secs_f64();
        let machine_now = (
            MachineTicks::now(),
            node.cpu_seconds(),
            process_cpu_seconds(),
        );
        let machine = machine_now.0.since(&machine_before.0);
        let others =
            machine.busy - (machine_now.1 - machine_before.1) - (machine_now.2 - machine_before.2);
        println!(
            "  at {done} items: {:.0}/s; µs per item by node thread: {}; machine: idle {:.2}, other work {:.2}, steal {:.2} cores",
            items as f64 / wall,
            per_thread(&before.0, &now.0, items),
            machine.idle / wall,
            (others / wall).max(0.0),
            machine.steal / wall
        );
        before = now;
        machine_before = machine_now;
    }
    edges.push((args.items, node.cpu_seconds_by_thread()));
    let mut samples: Vec<(u64, u32, u32)> = Vec::new();
    for h in handles {
        samples.extend(h.join().unwrap());
    }
    samples.sort_by_key(|s| s.1);
    // Up to the last reply: not the timeline's wait after it.
    let total = Duration::from_micros(samples.last().map_or(0, |s| s.1 as u64));
    println!(
        "{:>21}  {:>9}  {:>9}  {:>9}  {:>9}",
        "items", "items/s", "p50 ms", "p99 ms", "max ms"
    );
    let mut first_rate = 0.0;
    let mut last_rate = 0.0;
    for (a, b) in &windows {
        let w = &samples[*a as usize..*b as usize];
        if w.is_empty() {
            continue;
        }
        let t0 = if *a == 0 {
            0
        } else {
            samples[*a as usize - 1].1
        };
        let t1 = w.last().unwrap().1;
        let rate = w.len() as f64 / ((t1 - t0).max(1) as f64 / 1e6);
        let mut lat: Vec<u32> = w.iter().map(|s| s.2).collect();
        lat.sort_unstable();
        println!(
            "{:>9} – {:>9}  {:>9.0}  {:>9.3}  {:>9.3}  {:>9.3}",
            a,
            b,
            rate,
            pct(&lat, 0.50),
            pct(&lat, 0.99),
            *lat.last().unwrap() as f64 / 1e6
        );
        if *a == 0 {
            first_rate = rate;
        }
        last_rate = rate;
    }
    let mut lat: Vec<u32> = samples.iter().map(|s| s.2).collect();
    lat.sort_unstable();
    println!(
        "overall: {:.0} items/s over {:.1} s, p99 {:.3} ms; last window at {:.0} % of the first",
        samples.len() as f64 / total.as_secs_f64(),
        total.as_secs_f64(),
        pct(&lat, 0.99),
        100.0 * last_rate / first_rate.max(1.0)
    );
    let cpu_between = |from: u64, to: u64| {
        let at = |n: u64| edges.iter().find(|(at, _)| *at == n).map(|(_, cpu)| cpu);
        match (at(from), at(to)) {
            (Some(a), Some(b)) if to > from => per_thread(a, b, to - from),
            _ => "not measured".to_string(),
        }
    };
    println!(
        "  µs per item by node thread, first window: {}",
        cpu_between(0, windows[0].1)
    );
    if last_from > 0 {
        println!(
            "  µs per item by node thread, last window: {}",
            cpu_between(last_from, args.items)
        );
    }
    beside.print();
}

/// Publishing measured in 20-ms looks, each put in a class by what else ran in it: the block
/// writer, RocksDB's flushes and compactions, or neither; the first window is a class of its
/// own. Shows what the later windows lose to the work the first does not have yet.
struct BesidePublishing {
    first_window: u64,
    /// The node's threads (/proc directory, name), listed again every second: a look reads
    /// one file per thread instead of two.
    threads: Vec<(PathBuf, String)>,
    threads_listed: Instant,
    last: (std::collections::HashMap<String, f64>, u64, Instant),
    next_look: Instant,
    /// Per class: CPU seconds by thread (the node's, and the load generator's), items, wall
    /// seconds.
    classes: [(std::collections::HashMap<String, f64>, u64, f64); 4],
}

impl BesidePublishing {
    const EVERY: Duration = Duration::from_millis(20);
    const LOAD_GENERATOR: &'static str = "load generator";
    /// A thread ran in a look if it used a tenth of it.
    const RAN: f64 = 0.002;
    const NAMES: [&'static str; 4] = [
        "first window",
        "block writer ran",
        "RocksDB ran (no block writer)",
        "neither ran",
    ];

    fn new(node: &BenchNode, first_window: u64) -> Self {
        let threads = node.threads();
        let last = (Self::cpu(&threads), 0, Instant::now());
        BesidePublishing {
            first_window,
            threads,
            threads_listed: Instant::now(),
            last,
            next_look: Instant::now() + Self::EVERY,
            classes: Default::default(),
        }
    }

    fn cpu(threads: &[(PathBuf, String)]) -> std::collections::HashMap<String, f64> {
        let mut cpu = cpu_seconds_by_name(threads);
        cpu.insert(Self::LOAD_GENERATOR.into(), process_cpu_seconds());
        cpu
    }

    fn look(&mut self, node: &BenchNode, done: u64) {
        if Instant::now() < self.next_look {
            return;
        }
        self.next_look = Instant::now() + Self::EVERY;
        if self.threads_listed.elapsed() >= Duration::from_secs(1) {
            // A thread that ended takes its count out of its name's sum: the look after
            // counts no negative time for that name (see `used`).
            self.threads = node.threads();
            self.threads_listed = Instant::now();
        }
        let now = (Self::cpu(&self.threads), done, Instant::now());
        let used = |name: &str| {
            let was = self.last.0.get(name).copied().unwrap_or(0.0);
            (now.0.get(name).copied().unwrap_or(0.0) - was).max(0.0)
        };
        let rocksdb = used("rocksdb:high") + used("rocksdb:low");
        let class = if done <= self.first_window {
            0
        } else if self.last.1 < self.first_window {
            // Straddles the first window's end: in neither class.
            usize::MAX
        } else if used("miner") >= Self::RAN {
            1
        } else if rocksdb >= Self::RAN {
            2
        } else {
            3
        };
        if let Some((cpu, items, wall)) = self.classes.get_mut(class) {
            for name in now.0.keys() {
                *cpu.entry(name.clone()).or_insert(0.0) += used(name);
            }
            *items += now.1 - self.last.1;
            *wall += now.2.duration_since(self.last.2).as_secs_f64();
        }
        self.last = now;
    }

    fn print(&self) {
        let later: f64 = self.classes[1..].iter().map(|c| c.2).sum();
        println!("  by what ran beside publishing (20-ms looks; µs per item by thread):");
        let none = std::collections::HashMap::new();
        for (name, (cpu, items, wall)) in Self::NAMES.iter().zip(&self.classes) {
            if *wall == 0.0 {
                continue;
            }
            let share = if *name == Self::NAMES[0] {
                String::new()
            } else {
                format!(
                    ", {:.0} % of the later time",
                    100.0 * wall / later.max(1e-9)
                )
            };
            println!(
                "    {name}: {:.0} items/s{share}; {}",
                *items as f64 / wall,
                per_thread(&none, cpu, *items)
            );
        }
    }
}

/// Per item published: (number, completion time since `start` in µs, latency in ns).
type PublishSample = (u64, u32, u32);

/// Starts `args.clients` threads publishing items `from..from + count` of the bench stream
/// (item `i` under key `i % keys`); returns the counter of items taken and the threads, each
/// giving back its samples.
fn spawn_publishers(
    node: &BenchNode,
    args: &Args,
    from: u64,
    count: u64,
    start: Instant,
) -> (
    Arc<AtomicU64>,
    Vec<std::thread::JoinHandle<Vec<PublishSample>>>,
) {
    let next = Arc::new(AtomicU64::new(0));
    let handles = (0..args.clients)
        .map(|_| {
            let client = node.client();
            let next = next.clone();
            let keys = args.keys;
            let data = "ab".repeat(args.item_size);
            let slice = args.client_slice_us;
            std::thread::spawn(move || {
                ask_for_slice(slice);
                let mut samples = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        return samples;
                    }
                    let params = format!(r#"["bench","key-{}","{data}"]"#, (from + i) % keys);
                    let t = Instant::now();
                    client.call("publish", &params);
                    let done = start.elapsed();
                    samples.push((
                        i,
                        done.as_micros() as u32,
                        t.elapsed().as_nanos().min(u32::MAX as u128) as u32,
                    ));
                }
            })
        })
        .collect();
    (next, handles)
}

/// Publishes items `from..from + count` and returns their rate, items per second from the
/// first call to the last reply.
fn publish_rate(node: &BenchNode, args: &Args, from: u64, count: u64) -> f64 {
    let start = Instant::now();
    let (_, handles) = spawn_publishers(node, args, from, count, start);
    let last = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .map(|s| s.1)
        .max()
        .unwrap_or(0);
    count as f64 / (last.max(1) as f64 / 1e6)
}

/// The ratio measured in pairs close in time, so that the VM's speed, which drifts within a
/// run (ECDSA on one idle thread has gone from 16,000 to 33,000 signatures/s in one run), does
/// not decide it: a fresh node's first 10,000 items, then `PAIRED_LATER` more on this node,
/// and so on, ending with a fresh node. Each later run is set against the mean of the fresh
/// runs either side of it, and all of them against all the fresh runs.
fn paired_ratio_phase(bin_dir: &Path, datadir: &Path, node: &BenchNode, args: &Args) {
    const FIRST: u64 = 10_000;
    const PAIRED_LATER: u64 = 100_000;
    println!(
        "\n== ratio in pairs: a fresh node's first {FIRST} items, then {PAIRED_LATER} more on this node, {} rounds ==",
        args.paired_rounds
    );
    let fresh_run = |round: usize| {
        // The bench node's last block and the flushes and compactions after it are done
        // first: they would take CPU from the fresh node's window.
        node.wait_mined(&node.client());
        node.wait_quiet();
        let dir = PathBuf::from(format!("{}-fresh-{round}", datadir.display()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut fresh = BenchNode::start(bin_dir, &dir, &args.node_args);
        let client = fresh.client();
        client.call("create", r#"["stream","bench",true]"#);
        client.call("subscribe", r#"["bench"]"#);
        fresh.wait_mined(&client);
        let rate = publish_rate(&fresh, args, 0, FIRST);
        fresh.stop(&fresh.client());
        let _ = std::fs::remove_dir_all(&dir);
        rate
    };
    let mut items = args.items;
    let mut fresh = vec![fresh_run(0)];
    let mut later = Vec::new();
    let mut ratios = Vec::new();
    for round in 1..=args.paired_rounds {
        let rate = publish_rate(node, args, items, PAIRED_LATER);
        fresh.push(fresh_run(round));
        let (before, after) = (fresh[round - 1], fresh[round]);
        let ratio = 100.0 * rate / ((before + after) / 2.0);
        println!(
            "round {round}: fresh node {before:.0}/s and {after:.0}/s; this node, items {items} – {}: {rate:.0}/s, {ratio:.0} % of their mean",
            items + PAIRED_LATER
        );
        later.push(rate);
        ratios.push(ratio);
        items += PAIRED_LATER;
    }
    // A fresh node's first 10,000 items take well under a second, and their rate moves by a
    // tenth or more from one fresh node to the next with where the kernel puts the threads;
    // the means over every round weigh that less than any one pair.
    let mean = |rates: &[f64]| rates.iter().sum::<f64>() / rates.len().max(1) as f64;
    ratios.sort_by(f64::total_cmp);
    let mut fresh_sorted = fresh.clone();
    fresh_sorted.sort_by(f64::total_cmp);
    if !ratios.is_empty() {
        println!(
            "ratio in pairs: {:.0} % of the means ({:.0}/s against {:.0}/s); by round {:.0} – {:.0} %, median {:.0} %; fresh runs {:.0} – {:.0}/s",
            100.0 * mean(&later) / mean(&fresh),
            mean(&later),
            mean(&fresh),
            ratios[0],
            ratios[ratios.len() - 1],
            median(&ratios),
            fresh_sorted[0],
            fresh_sorted[fresh_sorted.len() - 1],
        );
    }
}

/// The middle of sorted values (the mean of the two middle ones for an even count).
fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Windows by completion order: the first 10,000, then every tenth of the run.
fn publish_windows(items: u64) -> Vec<(u64, u64)> {
    let mut windows: Vec<(u64, u64)> = vec![(0, 10_000.min(items))];
    let step = (items / 10).max(10_000);
    let mut from = 10_000;
    while from < items {
        let to = (from + step).min(items);
        windows.push((from, to));
        from = to;
    }
    windows
}

fn query_phase(
    node: &BenchNode,
    args: &Args,
    clients: usize,
    label: &str,
    params: impl Fn(u64) -> String + Sync,
) {
    let method = label.split_whitespace().next().unwrap();
    let next = AtomicU64::new(0);
    timed_calls(node, clients, args, label, |client| {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= args.queries {
            return false;
        }
        let reply = client.call(method, &params(i));
        if i == 0 {
            assert!(reply.contains("\"txid\""), "no items in {reply}");
        }
        true
    });
}

fn getinfo_phase(node: &BenchNode, args: &Args) {
    let stop = Instant::now() + Duration::from_secs(args.getinfo_seconds);
    timed_calls(node, args.clients, args, "getinfo", |client| {
        if Instant::now() >= stop {
            return false;
        }
        client.call("getinfo", "[]");
        true
    });
}

/// Runs `call` from `clients` connections until it returns false; prints the rate and the
/// latency percentiles of the calls made.
fn timed_calls(
    node: &BenchNode,
    clients: usize,
    args: &Args,
    label: &str,
    call: impl Fn(&Client) -> bool + Sync,
) {
    let start = Instant::now();
    let node_cpu = node.cpu_seconds();
    let threads_before = node.cpu_seconds_by_thread();
    let machine_before = MachineTicks::now();
    let own_before = process_cpu_seconds();
    // Per client: every call's latency, and when the slow ones (over 1 ms) began.
    let per_client: Vec<(Vec<u32>, Vec<Duration>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|_| {
                let client = node.client();
                let call = &call;
                s.spawn(move || {
                    ask_for_slice(args.client_slice_us);
                    let (mut lat, mut slow) = (Vec::new(), Vec::new());
                    loop {
                        let t = Instant::now();
                        if !call(&client) {
                            return (lat, slow);
                        }
                        let ns = t.elapsed().as_nanos().min(u32::MAX as u128) as u32;
                        if ns > 1_000_000 {
                            slow.push(t - start);
                        }
                        lat.push(ns);
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let wall = start.elapsed().as_secs_f64();
    let node_cpu = node.cpu_seconds() - node_cpu;
    let machine = MachineTicks::now().since(&machine_before);
    let own_cpu = process_cpu_seconds() - own_before;
    let mut lat: Vec<u32> = per_client
        .iter()
        .flat_map(|c| c.0.iter().copied())
        .collect();
    lat.sort_unstable();
    println!(
        "{label}: {:.0}/s, p50 {:.3} ms, p99 {:.3} ms, node CPU {:.0} µs per call",
        lat.len() as f64 / wall,
        pct(&lat, 0.50),
        pct(&lat, 0.99),
        node_cpu * 1e6 / lat.len().max(1) as f64
    );
    // What else ran meanwhile: a slow phase can be the node's background work, other work on
    // the machine, or the VM's host taking the CPU (steal).
    println!(
        "  µs per call by node thread: {}; max {:.3} ms; machine: other work {:.2} cores, steal {:.2} cores",
        per_thread(&threads_before, &node.cpu_seconds_by_thread(), lat.len() as u64),
        lat.last().map_or(0.0, |&ns| ns as f64 / 1e6),
        ((machine.busy - node_cpu - own_cpu) / wall).max(0.0),
        machine.steal / wall
    );
    if args.timeline {
        // Slow calls come in bursts; when they began, by tenth of a second of the phase.
        let mut by_tenth = std::collections::BTreeMap::<u64, usize>::new();
        for at in per_client.iter().flat_map(|c| &c.1) {
            *by_tenth.entry(at.as_millis() as u64 / 100).or_default() += 1;
        }
        let shown: Vec<String> = by_tenth
            .iter()
            .map(|(tenth, n)| format!("{:.1} s ×{n}", *tenth as f64 / 10.0))
            .collect();
        let shown = if shown.is_empty() {
            "none".to_string()
        } else {
            shown.join(", ")
        };
        println!("  calls over 1 ms, by when they began: {shown}");
    }
}

/// Asks the kernel to give the calling thread time slices of `us` µs (0: leave the default);
/// whether it took them. On 2 cores a client and a node thread answering other clients often
/// share a core: with the default slice the client, woken by its reply, waited 1–3 ms for
/// the node thread's slice to end, and a phase where the kernel kept one client so placed
/// measured a p99 of 1.0–1.5 ms with a p50 below the usual (perf sched: the waits were the
/// client's). The node is not changed by this.
fn ask_for_slice(us: u64) -> bool {
    if us == 0 {
        return true;
    }
    #[cfg(target_os = "linux")]
    {
        // SAFETY: sched_attr is plain data, zeroed is a valid value; the call reads it only.
        let mut attr: libc::sched_attr = unsafe { std::mem::zeroed() };
        attr.size = std::mem::size_of::<libc::sched_attr>() as u32;
        attr.sched_policy = libc::SCHED_OTHER as u32;
        attr.sched_runtime = us * 1000;
        // SAFETY: pid 0 is this thread; attr outlives the call; flags 0.
        let done = unsafe { libc::syscall(libc::SYS_sched_setattr, 0, &attr, 0) };
        if done != 0 {
            return false;
        }
        // Kernels before 6.12 accept the call but keep their own slice.
        std::fs::read_to_string("/proc/thread-self/sched").is_ok_and(|sched| {
            sched.lines().any(|l| {
                l.starts_with("se.slice")
                    && l.rsplit(':').next().map(str::trim) == Some(&(us * 1000).to_string())
            })
        })
    }
    #[cfg(not(target_os = "linux"))]
    false
}

/// Node CPU from `before` to `now` (thread CPU by name) per unit of work, largest first.
fn per_thread(
    before: &std::collections::HashMap<String, f64>,
    now: &std::collections::HashMap<String, f64>,
    units: u64,
) -> String {
    let mut by_thread: Vec<(&String, f64)> = now
        .iter()
        .map(|(name, secs)| {
            let was = before.get(name).copied().unwrap_or(0.0);
            (name, (secs - was) * 1e6 / units.max(1) as f64)
        })
        .filter(|(_, us)| *us >= 0.5)
        .collect();
    by_thread.sort_by(|a, b| b.1.total_cmp(&a.1));
    let shown: Vec<String> = by_thread
        .iter()
        .map(|(name, us)| format!("{name} {us:.1}"))
        .collect();
    shown.join(", ")
}

/// Machine-wide CPU seconds from /proc/stat (Linux): busy (not idle or waiting), idle, and stolen
/// by the VM's host.
struct MachineTicks {
    busy: f64,
    idle: f64,
    steal: f64,
}

impl MachineTicks {
    fn now() -> MachineTicks {
        let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let ticks: Vec<f64> = stat
            .lines()
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .skip(1)
            .map(|t| t.parse().unwrap_or(0.0) / 100.0)
            .collect();
        let at = |i: usize| ticks.get(i).copied().unwrap_or(0.0);
        // user nice system idle iowait irq softirq steal
        MachineTicks {
            busy: at(0) + at(1) + at(2) + at(5) + at(6),
            idle: at(3) + at(4),
            steal: at(7),
        }
    }

    fn since(&self, before: &MachineTicks) -> MachineTicks {
        MachineTicks {
            busy: self.busy - before.busy,
            idle: self.idle - before.idle,
            steal: self.steal - before.steal,
        }
    }
}

/// How fast the machine is with the node idle: ECDSA signatures per second on one thread
/// (what the node spends most of its CPU on; it stays in the core's own caches), and the
/// nanoseconds a read at a random place in 64 MB takes (which shared caches and memory
/// decide, and other tenants of the host can slow). Each the best of a few rounds.
struct MachineSpeed {
    signatures_per_s: f64,
    /// Per thread, with two threads signing at once: below the one-thread rate when the VM's
    /// two cores share a physical one, or its host makes them take turns.
    signatures_per_s_two: f64,
    memory_read_ns: f64,
}

/// ECDSA signatures per second on each of `threads` threads signing at once (the best of five
/// rounds of 500, the mean over the threads).
fn signing_rate(threads: usize) -> f64 {
    use bitcoin::secp256k1::{Message, Secp256k1, SecretKey};
    let per_thread: Vec<f64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let secp = Secp256k1::signing_only();
                    let key = SecretKey::from_slice(&[0x42; 32]).expect("a valid key");
                    let mut best = f64::MAX;
                    for round in 0..5u8 {
                        let started = Instant::now();
                        for i in 0..500u16 {
                            let mut digest = [round; 32];
                            digest[..2].copy_from_slice(&i.to_le_bytes());
                            let message = Message::from_digest(digest);
                            std::hint::black_box(secp.sign_ecdsa(&message, &key));
                        }
                        best = best.min(started.elapsed().as_secs_f64());
                    }
                    500.0 / best
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    per_thread.iter().sum::<f64>() / threads as f64
}

fn machine_speed() -> MachineSpeed {
    let signatures_per_s = signing_rate(1);
    let signatures_per_s_two = signing_rate(2);
    // One cycle through all the slots in random order (Sattolo's shuffle), so each read
    // depends on the one before and none is predictable.
    const SLOTS: usize = 16 << 20;
    let mut next: Vec<u32> = (0..SLOTS as u32).collect();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for i in (1..SLOTS).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        next.swap(i, (state % i as u64) as usize);
    }
    const READS: usize = 1 << 20;
    let mut fastest = f64::MAX;
    let mut at = 0u32;
    for _ in 0..3 {
        let started = Instant::now();
        for _ in 0..READS {
            at = next[at as usize];
        }
        fastest = fastest.min(started.elapsed().as_secs_f64());
    }
    std::hint::black_box(at);
    MachineSpeed {
        signatures_per_s,
        signatures_per_s_two,
        memory_read_ns: fastest * 1e9 / READS as f64,
    }
}

/// From RocksDB's event log: per table, the compactions that read rows, their CPU and rows.
/// Tables keyed in chain order only move files down, which reads none.
fn compactions_by_table(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut table_of_job = std::collections::HashMap::new();
    let mut by_table = std::collections::BTreeMap::<String, (u32, f64, u64)>::new();
    for line in text.lines() {
        let Some((_, json)) = line.split_once("EVENT_LOG_v1 ") else {
            continue;
        };
        let Ok(event) = serde_json::from_str::<serde_json::Value>(json) else {
            continue;
        };
        let job = event["job"].as_u64();
        match event["event"].as_str() {
            Some("compaction_started") => {
                table_of_job.insert(job, event["cf_name"].as_str().unwrap_or("?").to_string());
            }
            Some("compaction_finished") => {
                let rows = event["num_input_records"].as_u64().unwrap_or(0);
                if rows == 0 {
                    continue;
                }
                let table = table_of_job.get(&job).cloned().unwrap_or_default();
                let entry = by_table.entry(table).or_default();
                entry.0 += 1;
                entry.1 += event["compaction_time_cpu_micros"].as_f64().unwrap_or(0.0) / 1e6;
                entry.2 += rows;
            }
            _ => {}
        }
    }
    if by_table.is_empty() {
        return "none".to_string();
    }
    let total: f64 = by_table.values().map(|v| v.1).sum();
    let shown: Vec<String> = by_table
        .iter()
        .map(|(t, (n, cpu, rows))| format!("{t} {n}× ({cpu:.2} s CPU, {rows} rows)"))
        .collect();
    format!("{}; {total:.2} s CPU in all", shown.join(", "))
}

/// Percentile of sorted nanosecond latencies, in milliseconds.
fn pct(sorted: &[u32], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i] as f64 / 1e6
}

fn dir_size(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .map(|rd| {
            rd.flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_size(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

// ----------------------------------------------------------------------------------------
// The node under test

struct BenchNode {
    child: Child,
    port: u16,
    auth: String,
}

impl BenchNode {
    fn start(bin_dir: &Path, datadir: &Path, node_args: &[String]) -> BenchNode {
        let port = free_port();
        let p2p = free_port();
        if !datadir.join(CHAIN).exists() {
            let util = Command::new(bin_dir.join("multichain-util"))
                .args(["create", CHAIN])
                .arg(format!("-datadir={}", datadir.display()))
                // Two-second blocks keep the mempool short; room for a block of items.
                .arg("-target-block-time=2")
                .arg("-maximum-block-size=100000000")
                .output()
                .expect("multichain-util next to bench");
            assert!(util.status.success(), "{util:?}");
        }
        let child = Command::new(bin_dir.join("multichaind"))
            .arg(CHAIN)
            .arg(format!("-datadir={}", datadir.display()))
            .arg(format!("-rpcport={port}"))
            .arg(format!("-port={p2p}"))
            .args(node_args)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(datadir.join("node-stderr.log")).unwrap())
            .spawn()
            .expect("multichaind next to bench");
        let conf = PathBuf::from(datadir).join(CHAIN).join("multichain.conf");
        let deadline = Instant::now() + Duration::from_secs(60);
        let auth = loop {
            if let Ok(text) = std::fs::read_to_string(&conf) {
                let get = |k: &str| {
                    text.lines()
                        .find_map(|l| l.strip_prefix(&format!("{k}=")))
                        .map(str::to_string)
                };
                if let (Some(u), Some(p)) = (get("rpcuser"), get("rpcpassword")) {
                    use base64::Engine;
                    break base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
                }
            }
            assert!(Instant::now() < deadline, "no multichain.conf");
            std::thread::sleep(Duration::from_millis(50));
        };
        let node = BenchNode { child, port, auth };
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "node did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        node
    }

    fn client(&self) -> Client {
        Client::connect(self.port, &self.auth)
    }

    fn wait_mined(&self, client: &Client) {
        loop {
            let r = client.call("getmempoolinfo", "[]");
            if r.contains("\"size\":0,") {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// User + system CPU seconds the node has used (Linux).
    fn cpu_seconds(&self) -> f64 {
        cpu_seconds_of(&format!("/proc/{}/stat", self.child.id()))
    }

    /// The node's threads: each one's /proc directory and name (Linux).
    fn threads(&self) -> Vec<(PathBuf, String)> {
        let tasks = format!("/proc/{}/task", self.child.id());
        std::fs::read_dir(tasks)
            .into_iter()
            .flatten()
            .flatten()
            .map(|task| {
                let name = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
                (task.path(), name.trim().to_string())
            })
            .collect()
    }

    /// CPU seconds of the node's threads, summed by thread name (Linux).
    fn cpu_seconds_by_thread(&self) -> std::collections::HashMap<String, f64> {
        cpu_seconds_by_name(&self.threads())
    }

    /// Context switches of the node's threads (voluntary, involuntary), summed by thread name
    /// (Linux).
    fn switches_by_thread(&self) -> std::collections::HashMap<String, (u64, u64)> {
        let mut out = std::collections::HashMap::new();
        let tasks = format!("/proc/{}/task", self.child.id());
        for task in std::fs::read_dir(tasks).into_iter().flatten().flatten() {
            let name = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
            let status = std::fs::read_to_string(task.path().join("status")).unwrap_or_default();
            let field = |f: &str| {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix(f))
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .unwrap_or(0)
            };
            let e = out.entry(name.trim().to_string()).or_insert((0, 0));
            e.0 += field("voluntary_ctxt_switches:");
            e.1 += field("nonvoluntary_ctxt_switches:");
        }
        out
    }

    /// Resident set size of the node process (Linux).
    fn rss_mb(&self) -> f64 {
        self.status_mb("VmRSS:")
    }

    /// The largest resident set size the node process has had so far (Linux).
    fn peak_rss_mb(&self) -> f64 {
        self.status_mb("VmHWM:")
    }

    /// A size in /proc/PID/status, in MB.
    fn status_mb(&self, field: &str) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(f64::NAN)
    }

    /// Waits until the node has used under 2 % of a core for half a second (at most 60 s):
    /// its background work (RocksDB's flushes and compactions after a block) is done.
    fn wait_quiet(&self) {
        const SPAN: Duration = Duration::from_millis(500);
        let give_up = Instant::now() + Duration::from_secs(60);
        let mut before = self.cpu_seconds();
        while Instant::now() < give_up {
            std::thread::sleep(SPAN);
            let now = self.cpu_seconds();
            if now - before < 0.02 * SPAN.as_secs_f64() {
                return;
            }
            before = now;
        }
    }

    fn stop(&mut self, client: &Client) {
        client.call("stop", "[]");
        let _ = self.child.wait();
    }
}

/// CPU seconds of these threads (/proc directory, name), summed by name (Linux).
fn cpu_seconds_by_name(threads: &[(PathBuf, String)]) -> std::collections::HashMap<String, f64> {
    let mut out = std::collections::HashMap::new();
    for (task, name) in threads {
        // Nanoseconds on a CPU, from the scheduler: `stat`'s 10-ms ticks are too coarse for
        // the 0.5 s of the first window.
        let precise = std::fs::read_to_string(task.join("schedstat"))
            .ok()
            .and_then(|t| t.split_whitespace().next()?.parse::<f64>().ok());
        let secs = precise.map_or_else(
            || cpu_seconds_of(&task.join("stat").to_string_lossy()),
            |ns| ns / 1e9,
        );
        *out.entry(name.clone()).or_insert(0.0) += secs;
    }
    out
}

fn process_cpu_seconds() -> f64 {
    cpu_seconds_of("/proc/self/stat")
}

/// utime + stime from a /proc stat file, in seconds (clock ticks are 1/100 s on Linux).
fn cpu_seconds_of(path: &str) -> f64 {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = text.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (tick(11) + tick(12)) / 100.0
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One keep-alive HTTP/1.1 connection speaking MultiChain's JSON-RPC.
struct Client {
    reader: std::cell::RefCell<BufReader<TcpStream>>,
    writer: std::cell::RefCell<TcpStream>,
    auth: String,
}

impl Client {
    fn connect(port: u16, auth: &str) -> Client {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_nodelay(true).unwrap();
        Client {
            reader: std::cell::RefCell::new(BufReader::new(stream.try_clone().unwrap())),
            writer: std::cell::RefCell::new(stream),
            auth: auth.to_string(),
        }
    }

    /// The reply body of one call; panics on an error reply, which the figures must not hide.
    fn call(&self, method: &str, params: &str) -> String {
        let body = format!(r#"{{"method":"{method}","params":{params},"id":1}}"#);
        let request = format!(
            "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.auth,
            body.len()
        );
        self.writer
            .borrow_mut()
            .write_all(request.as_bytes())
            .unwrap();
        let mut reader = self.reader.borrow_mut();
        let mut length = 0usize;
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap();
                }
            }
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body).unwrap();
        let body = String::from_utf8(body).unwrap();
        assert!(
            status.contains(" 200 "),
            "{method} {params}: {status} {body}"
        );
        body
    }
}
