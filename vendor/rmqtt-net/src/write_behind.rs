//! Write-behind for a TCP connection (mqscope's patch, see `vendor/README.md`): a session's
//! writes are copied into a buffer that a task of its own writes to the socket, so the packets
//! a session sends while that task waits to run leave in one system call, not one each.
//!
//! Upstream, every packet is flushed alone: a broker delivering one message to ten subscribers
//! spends most of its time in ten `writev` calls per message. Here, under load, a session
//! delivers until its task yields, and the writer then sends all of it at once; with nothing
//! else to do, the writer runs as soon as the session waits, so a lone packet is not delayed.
//!
//! Back-pressure is kept: above [`LIMIT`] bytes waiting for the writer (which may hold as much
//! again, being written), writes wait, so the session's send time-out still catches a client
//! that stops reading. Bytes written before the session ends are still sent (for [`LINGER`]
//! at most), then the socket is shut down.
//!
//! Its tests are mqscope's `tests/write_behind.rs`.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf, ReadHalf, WriteHalf};

/// Bytes waiting for the writer above which the session's writes wait.
pub const LIMIT: usize = 256 * 1024;
/// How long what is left is still sent after the session has ended or shut down.
pub const LINGER: Duration = Duration::from_secs(5);
/// The writer's own buffer is given back above this size when there is nothing to write.
const KEEP: usize = 64 * 1024;

#[derive(Default)]
struct Shared {
    /// Written by the session, not yet taken by the writer.
    buf: Vec<u8>,
    /// The writer failed: later writes fail the same way.
    failed: Option<(io::ErrorKind, String)>,
    /// The session shut down or dropped its end: the writer finishes and shuts the socket.
    closing: bool,
    /// The writer has finished (everything sent and the socket shut, or failed).
    done: bool,
    writer: Option<Waker>,
    session: Option<Waker>,
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn wake(waker: Option<Waker>) {
    if let Some(w) = waker {
        w.wake();
    }
}

fn failure(s: &Shared) -> Option<io::Error> {
    s.failed.as_ref().map(|(kind, msg)| io::Error::new(*kind, msg.clone()))
}

/// A connection whose reads go straight to the socket and whose writes go through a writer
/// task (spawned on the current Tokio runtime by [`WriteBehind::new`]).
pub struct WriteBehind<S> {
    read: ReadHalf<S>,
    shared: Arc<Mutex<Shared>>,
}

impl<S> WriteBehind<S>
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    /// Splits `io` and starts its writer. Must be called within a Tokio runtime.
    pub fn new(io: S) -> Self {
        let (read, write) = tokio::io::split(io);
        let shared = Arc::new(Mutex::new(Shared::default()));
        tokio::spawn(Writer { io: write, shared: shared.clone(), out: Vec::new(), at: 0, linger: None });
        WriteBehind { read, shared }
    }
}

impl<S> Drop for WriteBehind<S> {
    fn drop(&mut self) {
        let mut s = lock(&self.shared);
        s.closing = true;
        let writer = s.writer.take();
        drop(s);
        wake(writer);
    }
}

impl<S: AsyncRead> AsyncRead for WriteBehind<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.read).poll_read(cx, buf)
    }
}

impl<S> AsyncWrite for WriteBehind<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let mut s = lock(&self.shared);
        if let Some(e) = failure(&s) {
            return Poll::Ready(Err(e));
        }
        if s.closing {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the connection is shutting down",
            )));
        }
        if data.is_empty() {
            return Poll::Ready(Ok(0));
        }
        if s.buf.len() >= LIMIT {
            s.session = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let n = data.len().min(LIMIT - s.buf.len());
        s.buf.extend_from_slice(&data[..n]);
        let writer = s.writer.take();
        drop(s);
        wake(writer);
        Poll::Ready(Ok(n))
    }

    /// Everything written is the writer's to send: only its failure is reported here.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(failure(&lock(&self.shared)).map_or(Ok(()), Err))
    }

    /// Waits for the writer to send what is left and shut the socket down.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut s = lock(&self.shared);
        if s.done {
            return Poll::Ready(failure(&s).map_or(Ok(()), Err));
        }
        s.closing = true;
        s.session = Some(cx.waker().clone());
        let writer = s.writer.take();
        drop(s);
        wake(writer);
        Poll::Pending
    }
}

/// The task that owns the socket's write half.
struct Writer<S> {
    io: WriteHalf<S>,
    shared: Arc<Mutex<Shared>>,
    /// Taken from the shared buffer, being written from `at`.
    out: Vec<u8>,
    at: usize,
    /// Started once the session is closing and the socket does not take what is left.
    linger: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<S> Writer<S> {
    fn finish(&mut self, failed: Option<io::Error>) -> Poll<()> {
        let mut s = lock(&self.shared);
        if let Some(e) = failed {
            s.failed = Some((e.kind(), e.to_string()));
        }
        s.done = true;
        s.buf = Vec::new();
        let session = s.session.take();
        drop(s);
        wake(session);
        Poll::Ready(())
    }
}

impl<S: AsyncWrite> Future for Writer<S> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        loop {
            if this.at == this.out.len() {
                let mut s = lock(&this.shared);
                if s.buf.is_empty() {
                    if !s.closing {
                        s.writer = Some(cx.waker().clone());
                        drop(s);
                        // An idle connection does not keep a burst's buffer.
                        if this.out.capacity() > KEEP {
                            this.out = Vec::new();
                            this.at = 0;
                        }
                        return Poll::Pending;
                    }
                    drop(s);
                    return match Pin::new(&mut this.io).poll_shutdown(cx) {
                        Poll::Pending => Poll::Pending,
                        Poll::Ready(r) => this.finish(r.err()),
                    };
                }
                this.out.clear();
                this.at = 0;
                if this.out.capacity() > KEEP {
                    this.out = Vec::new();
                }
                std::mem::swap(&mut this.out, &mut s.buf);
                let session = s.session.take();
                drop(s);
                wake(session);
            }
            match Pin::new(&mut this.io).poll_write(cx, &this.out[this.at..]) {
                Poll::Ready(Ok(0)) => return this.finish(Some(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => this.at += n,
                Poll::Ready(Err(e)) => return this.finish(Some(e)),
                Poll::Pending => {
                    // Woken by the socket, and by the session closing (to start the linger).
                    let mut s = lock(&this.shared);
                    let closing = s.closing;
                    if !closing {
                        s.writer = Some(cx.waker().clone());
                    }
                    drop(s);
                    if closing {
                        let linger = this.linger.get_or_insert_with(|| Box::pin(tokio::time::sleep(LINGER)));
                        if linger.as_mut().poll(cx).is_ready() {
                            let e = io::Error::new(io::ErrorKind::TimedOut, "the client stopped reading");
                            return this.finish(Some(e));
                        }
                    }
                    return Poll::Pending;
                }
            }
        }
    }
}
