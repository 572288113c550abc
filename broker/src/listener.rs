//! The sockets: accepts connections, caps them per client address at accept time, serves each
//! with hyper's HTTP/1 on the tokio runtime, and drains on shutdown. Layer: broker (exercised
//! over real TCP by the integration tests in `broker/tests/`). An idle or slow connection is a
//! parked task, not a thread: it costs a few KiB and never blocks anyone else.

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

/// The whole request head must arrive within this from the moment the connection is open (or
/// the previous answer was sent, on a kept-alive connection); otherwise the connection is
/// closed. A client that opens a socket and sends nothing holds it this long at most.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);
/// hyper's own ceiling on a head: past it hyper answers a bare 431. Our JSON 431 comes at
/// `server::MAX_HEAD_BYTES`, well below.
pub const HARD_HEAD_BYTES: usize = 64 * 1024;
const HARD_HEADERS: usize = 100;
/// How long in-flight requests get to finish after SIGTERM/SIGINT before the broker exits
/// anyway: over the request deadline, so an answer in progress is never cut.
pub const DRAIN_DEADLINE: Duration = Duration::from_secs(25);

/// Open connections per client address. A slot is taken at accept and given back when the
/// connection's task ends (the guard's drop), whatever way it ends.
#[derive(Clone)]
struct Slots {
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
    cap: usize,
}

struct Slot {
    slots: Slots,
    ip: IpAddr,
}

impl Slots {
    fn take(&self, ip: IpAddr) -> Option<Slot> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(ip).or_insert(0);
        if *count >= self.cap {
            return None;
        }
        *count += 1;
        Some(Slot { slots: self.clone(), ip })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.slots.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.ip) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// What an over-cap connection is told before it is closed, without reading anything from it.
const OVER_CAP: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nCache-Control: no-store\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: 115\r\n\r\n{\"error\":\"too_many_connections\",\"error_description\":\"this address has too many open connections\",\"source\":\"broker\"}";

/// Serves `router` on `listener` until `shutdown` resolves, then stops accepting, lets the
/// requests in flight finish (at most `DRAIN_DEADLINE`) and returns.
pub async fn serve(listener: TcpListener, router: Router, per_peer_cap: usize, shutdown: impl Future<Output = ()>) {
    let slots = Slots { open: Arc::new(Mutex::new(HashMap::new())), cap: per_peer_cap };
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_headers(HARD_HEADERS)
        .max_buf_size(HARD_HEAD_BYTES);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(_) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let Some(slot) = slots.take(peer.ip()) else {
            refuse_over_cap(stream);
            continue;
        };
        // Latency only: without it the small answers may wait for Nagle; the connection works.
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(crate::server::Peer(peer));
            router.clone().oneshot(request.map(axum::body::Body::new))
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A connection's error (a reset, a timed-out head) ends that connection only; its
            // request, if any, was already answered or logged. The slot is freed either way.
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    // Past the deadline the process exits anyway: a client that never finishes must not hold
    // a rolling deploy; whoever was still connected gets a closed connection and retries.
    let _ = tokio::time::timeout(DRAIN_DEADLINE, graceful.shutdown()).await;
}

/// One non-blocking write of a fixed 503 and close: costs no task and never waits on the
/// client, so a flood of over-cap connections from one address cannot slow anyone else.
fn refuse_over_cap(stream: TcpStream) {
    // Best effort by design: the connection is refused either way, and waiting to write
    // would hand the over-cap client a task.
    let _ = stream.try_write(OVER_CAP);
    drop(stream);
}

/// Resolves on the first SIGTERM or SIGINT. If the handlers cannot be installed it never
/// resolves (the process then stops the default way, on the signal itself).
pub async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {},
        _ = int.recv() => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_per_address_and_come_back_when_dropped() {
        let slots = Slots { open: Arc::new(Mutex::new(HashMap::new())), cap: 2 };
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let first = slots.take(a).unwrap();
        let _second = slots.take(a).unwrap();
        assert!(slots.take(a).is_none());
        assert!(slots.take(b).is_some(), "another address is unaffected");
        drop(first);
        assert!(slots.take(a).is_some());
    }

    #[test]
    fn the_over_cap_answer_is_well_formed() {
        let text = std::str::from_utf8(OVER_CAP).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("Content-Length: {}", body.len())), "{head}");
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["source"], "broker");
        assert_eq!(json["error"], "too_many_connections");
    }
}
