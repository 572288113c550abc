//! spotdial-broker: the stateless token broker that holds HubSpot's client secret and makes
//! the OAuth code exchange, refresh, introspect and revoke calls for the Spotdial extension.
//! Layer: broker. This file only wires the parts: configuration, HubSpot client, runtime,
//! listener, signals. Exit codes: 0 after a graceful stop (SIGTERM/SIGINT), 2 for bad
//! configuration, 1 when the address cannot be bound or the runtime cannot start.

mod config;
mod form;
mod forward;
mod limit;
mod listener;
mod policy;
#[cfg(test)]
mod proptests;
mod server;

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Calls to HubSpot in flight at once (each holds a blocking-pool thread for at most
/// `forward::UPSTREAM_TIMEOUT`); more wait their turn inside the request deadline. The rate
/// limit keeps real use far below it.
const MAX_UPSTREAM_CALLS: usize = 64;

fn main() -> ExitCode {
    let config = match config::Config::from_lookup(|name| std::env::var(name).ok()) {
        Ok(config) => config,
        Err(problems) => return refuse_to_start(&problems.to_string()),
    };
    let extra_ca = match &config.extra_ca {
        None => None,
        Some(path) => match std::fs::read(path) {
            Ok(pem) => Some(pem),
            Err(e) => {
                return refuse_to_start(&format!("{} {} cannot be read: {e}", config::ENV_EXTRA_CA, path.display()))
            }
        },
    };
    let hubspot = match forward::HubSpot::new(&config, extra_ca.as_deref()) {
        Ok(hubspot) => hubspot,
        Err(problem) => return refuse_to_start(&format!("{} {problem}", config::ENV_EXTRA_CA)),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_io()
        .enable_time()
        .max_blocking_threads(MAX_UPSTREAM_CALLS)
        .thread_name("spotdial-broker")
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("spotdial-broker: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let code = runtime.block_on(run(config, hubspot));
    // Every request has been answered by now; don't wait on anything left behind.
    runtime.shutdown_timeout(Duration::from_secs(1));
    code
}

async fn run(config: config::Config, hubspot: forward::HubSpot) -> ExitCode {
    let listener = match tokio::net::TcpListener::bind(config.listen).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("spotdial-broker: cannot listen on {}: {e}", config.listen);
            return ExitCode::from(1);
        }
    };
    let address = listener.local_addr().unwrap_or(config.listen);
    println!("spotdial-broker listening on http://{address}");
    let _ = std::io::stdout().flush();

    let router = server::App::new(&config, Arc::new(hubspot)).router();
    listener::serve(listener, router, config.max_connections_per_peer, async {
        listener::shutdown_signal().await;
        eprintln!("spotdial-broker: stopping; finishing requests in flight");
    })
    .await;
    eprintln!("spotdial-broker: stopped");
    ExitCode::SUCCESS
}

fn refuse_to_start(problem: &str) -> ExitCode {
    eprintln!("spotdial-broker: not starting: {problem}");
    ExitCode::from(2)
}
