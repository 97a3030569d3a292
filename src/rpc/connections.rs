//! Connection threads: each runs the HTTP connections it is given on its own single-threaded
//! tokio runtime, with its own pool of call threads.
//!
//! One connection thread cannot keep both cores busy with short reads answered in place
//! (`dispatch::Lane::InPlace`), and a work-stealing runtime with two workers wakes the idle
//! one for every reply the publishing thread hands back (measured: 8 % more CPU per publish).
//! Threads that own their connections get both: parallel reads, and a reply from another
//! thread wakes only the thread that owns its connection.

use super::server::RpcServer;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};

type Accepted = (std::net::TcpStream, SocketAddr);

pub struct ConnectionThreads {
    queues: Vec<UnboundedSender<Accepted>>,
    threads: Vec<JoinHandle<()>>,
    next: AtomicUsize,
}

impl ConnectionThreads {
    /// `count` threads sharing `call_threads` call threads between them.
    pub fn spawn(
        count: usize,
        call_threads: usize,
        server: Arc<RpcServer>,
    ) -> std::io::Result<ConnectionThreads> {
        let count = count.max(1);
        let mut queues = Vec::with_capacity(count);
        let mut threads = Vec::with_capacity(count);
        for i in 0..count {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .max_blocking_threads(call_threads.div_ceil(count).max(1))
                .thread_name("rpc-call")
                .enable_all()
                .build()?;
            let (queue, mut accepted) = unbounded_channel::<Accepted>();
            let server = server.clone();
            let thread = std::thread::Builder::new()
                .name(format!("rpc-conn-{i}"))
                .spawn(move || {
                    runtime.block_on(async move {
                        while let Some((stream, peer)) = accepted.recv().await {
                            if let Ok(stream) = tokio::net::TcpStream::from_std(stream) {
                                tokio::spawn(super::server::serve_connection(
                                    server.clone(),
                                    stream,
                                    peer,
                                ));
                            }
                        }
                    });
                    // Dropping the runtime ends its connections and waits for running calls.
                    drop(runtime);
                })?;
            queues.push(queue);
            threads.push(thread);
        }
        Ok(ConnectionThreads {
            queues,
            threads,
            next: AtomicUsize::new(0),
        })
    }

    /// Hands an accepted connection to the next thread in turn.
    pub fn take(&self, stream: tokio::net::TcpStream, peer: SocketAddr) {
        let Ok(stream) = stream.into_std() else {
            return;
        };
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.queues.len();
        let _ = self.queues[i].send((stream, peer));
    }

    /// Closes every connection and waits for the threads to end.
    pub fn stop(self) {
        drop(self.queues);
        for t in self.threads {
            let _ = t.join();
        }
    }
}
