//! Named threads that own a tokio runtime each: a connection's worker ("mqtt-N") and the
//! demo devices ("demo").

use std::future::Future;
use std::thread::JoinHandle;

/// Starts a thread called `name` running `future` to completion on its own
/// single-threaded tokio runtime (timers and sockets enabled).
pub fn spawn_runtime_thread<F>(name: &str, future: F) -> std::io::Result<JoinHandle<()>>
where
    F: Future<Output = ()> + Send + 'static,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || runtime.block_on(future))
}
