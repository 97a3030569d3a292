//! Closing RPC connections that stay idle, as MultiChain's HTTP server does after
//! `-rpcservertimeout` (30 s by default) without a request.
//!
//! hyper's own `header_read_timeout` arms a fresh timer for every request (allocated,
//! registered in the timer wheel, cancelled when the headers are in): on the bench that was
//! 2–3 µs of a connection thread's CPU per publish. Here each connection has one periodic
//! check instead, reading counters the requests and the socket bump: a connection with no
//! request started or running and no bytes moved for the whole limit is closed, after
//! between the limit and a third more. A client trickling its headers never starts a
//! request, but the bytes it sends keep it open, as MultiChain's libevent server counts any
//! socket activity; a client that stops reading a long answer is closed once nothing moves.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The checks within one limit: a connection idle for this many checks in a row is closed.
const CHECKS_PER_LIMIT: u32 = 3;

/// What a connection's requests and socket report to its check.
#[derive(Default)]
pub struct Activity {
    started: AtomicU64,
    finished: AtomicU64,
    /// Reads and writes that moved bytes.
    moved: AtomicU64,
}

/// A request under way; finishing (or being dropped) reports it.
pub struct Running(Arc<Activity>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.finished.fetch_add(1, Ordering::Relaxed);
    }
}

impl Activity {
    /// Reports a request whose headers have arrived; it runs until the guard is dropped.
    pub fn begin(self: &Arc<Self>) -> Running {
        self.started.fetch_add(1, Ordering::Relaxed);
        Running(self.clone())
    }

    /// A count that moves with every request started and every read or write, and whether a
    /// request is still running.
    fn state(&self) -> (u64, bool) {
        // `finished` first: a request finishing in between cannot look unfinished-and-new.
        let finished = self.finished.load(Ordering::Relaxed);
        let started = self.started.load(Ordering::Relaxed);
        let moved = self.moved.load(Ordering::Relaxed);
        (started.wrapping_add(moved), started > finished)
    }

    fn note(&self, progress: bool) {
        if progress {
            self.moved.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// A socket whose reads and writes are reported to the connection's [`Activity`].
pub struct Watched<T> {
    io: T,
    activity: Arc<Activity>,
}

impl<T> Watched<T> {
    pub fn new(io: T, activity: Arc<Activity>) -> Self {
        Watched { io, activity }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.io).poll_read(cx, buf);
        let moved = buf.filled().len() > before;
        self.activity.note(moved);
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write(cx, data);
        self.activity
            .note(matches!(polled, Poll::Ready(Ok(n)) if n > 0));
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.activity
            .note(matches!(polled, Poll::Ready(Ok(n)) if n > 0));
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// Runs `connection` as a task of its own until it ends, or until no request has started
/// or run and no bytes have moved for `limit` (then the task is aborted, which drops the
/// connection and closes the socket). The check is a separate task so that the connection's many wake-ups never poll
/// its timer.
pub async fn close_when_idle<F>(connection: F, activity: &Activity, limit: Duration)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let period = limit / CHECKS_PER_LIMIT;
    let mut checks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    checks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut task = tokio::spawn(connection);
    let (mut seen, _) = activity.state();
    let mut idle_checks = 0;
    loop {
        tokio::select! {
            biased;
            _ = &mut task => return,
            _ = checks.tick() => {
                let (started, running) = activity.state();
                if started != seen || running {
                    seen = started;
                    idle_checks = 0;
                } else {
                    idle_checks += 1;
                    if idle_checks >= CHECKS_PER_LIMIT {
                        task.abort();
                        return;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    const LIMIT: Duration = Duration::from_millis(150);

    #[tokio::test]
    async fn an_idle_connection_is_closed_after_the_limit() {
        let activity = Arc::new(Activity::default());
        // The connection holds the sender: dropping the connection closes the channel.
        let (held, dropped) = tokio::sync::oneshot::channel::<()>();
        let connection = async move {
            let _held = held;
            std::future::pending::<()>().await
        };
        let began = Instant::now();
        close_when_idle(connection, &activity, LIMIT).await;
        let took = began.elapsed();
        assert!(took >= LIMIT, "closed after {took:?}");
        assert!(took < LIMIT * 3, "closed after {took:?}");
        assert!(dropped.await.is_err(), "the connection was dropped");
    }

    #[tokio::test]
    async fn requests_keep_a_connection_open_and_a_finished_connection_ends_at_once() {
        let activity = Arc::new(Activity::default());
        let done = Arc::new(tokio::sync::Notify::new());
        // A client sending a request every half limit, for three limits, then closing.
        let client = {
            let activity = activity.clone();
            let done = done.clone();
            tokio::spawn(async move {
                for _ in 0..6 {
                    tokio::time::sleep(LIMIT / 2).await;
                    drop(activity.begin());
                }
                done.notify_one();
            })
        };
        let began = Instant::now();
        let closed = async move { done.notified().await };
        close_when_idle(closed, &activity, LIMIT).await;
        let took = began.elapsed();
        assert!(took >= LIMIT * 3, "closed while in use");
        assert!(
            took < LIMIT * 4,
            "ended {took:?} after it began, not when the client left"
        );
        client.await.unwrap();
    }

    #[tokio::test]
    async fn bytes_moving_keep_a_connection_open() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let activity = Arc::new(Activity::default());
        let (ours, mut theirs) = tokio::io::duplex(64);
        let mut watched = Watched::new(ours, activity.clone());
        // A byte each way every half limit for three limits, with no request ever started.
        let connection = async move {
            let mut byte = [0u8; 1];
            for _ in 0..6 {
                watched.read_exact(&mut byte).await.unwrap();
                watched.write_all(&byte).await.unwrap();
            }
        };
        let peer = tokio::spawn(async move {
            let mut byte = [7u8; 1];
            for _ in 0..6 {
                tokio::time::sleep(LIMIT / 2).await;
                theirs.write_all(&byte).await.unwrap();
                theirs.read_exact(&mut byte).await.unwrap();
            }
        });
        let began = Instant::now();
        close_when_idle(connection, &activity, LIMIT).await;
        assert!(began.elapsed() >= LIMIT * 3, "closed while bytes moved");
        peer.await.unwrap();
    }

    #[tokio::test]
    async fn a_long_request_is_not_cut() {
        let activity = Arc::new(Activity::default());
        let running = activity.begin();
        let finished = async move {
            tokio::time::sleep(LIMIT * 3).await;
            drop(running);
        };
        let began = Instant::now();
        close_when_idle(finished, &activity, LIMIT).await;
        assert!(began.elapsed() >= LIMIT * 3, "closed during a request");
    }
}
