//! spotdial-broker: the stateless token broker that holds HubSpot's client secret and makes
//! the OAuth code exchange, refresh, introspect and revoke calls for the Spotdial extension.
//! Layer: broker. This file only wires the parts: configuration, HubSpot client, listener.
//! Exit codes: 2 for bad configuration, 1 when the address cannot be bound.

mod config;
mod form;
mod forward;
mod http;
mod limit;
mod policy;
mod server;

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

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
                return refuse_to_start(&format!(
                    "{} {} cannot be read: {e}",
                    config::ENV_EXTRA_CA,
                    path.display()
                ))
            }
        },
    };
    let hubspot = match forward::HubSpot::new(&config, extra_ca.as_deref()) {
        Ok(hubspot) => hubspot,
        Err(problem) => return refuse_to_start(&format!("{} {problem}", config::ENV_EXTRA_CA)),
    };
    let listener = match std::net::TcpListener::bind(config.listen) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("spotdial-broker: cannot listen on {}: {e}", config.listen);
            return ExitCode::from(1);
        }
    };
    let address = listener.local_addr().unwrap_or(config.listen);
    println!("spotdial-broker listening on http://{address}");
    let _ = std::io::stdout().flush();

    let app = Arc::new(server::App::new(&config, hubspot));
    match server::serve(listener, app) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("spotdial-broker: listener failed: {e}");
            ExitCode::from(1)
        }
    }
}

fn refuse_to_start(problem: &str) -> ExitCode {
    eprintln!("spotdial-broker: not starting: {problem}");
    ExitCode::from(2)
}
