//! Binding the listening socket, with errors that name the flag and the value.

use std::io;

use tokio::net::TcpListener;

/// Binds `host:port`, or says in plain words why not.
pub async fn bind(host: &str, port: u16) -> Result<TcpListener, String> {
    TcpListener::bind((host, port))
        .await
        .map_err(|error| bind_error(host, port, &error))
}

fn bind_error(host: &str, port: u16, error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::AddrInUse => format!(
            "cannot listen on {host}:{port}: port {port} is already in use; stop what holds it, or pick another with --port (0 takes a free one)"
        ),
        io::ErrorKind::PermissionDenied => format!(
            "cannot listen on {host}:{port}: permission denied (ports below 1024 need privileges); pick another with --port"
        ),
        io::ErrorKind::AddrNotAvailable => format!(
            "cannot listen on {host}:{port}: --host {host} is not an address of this machine"
        ),
        _ => format!("cannot listen on {host}:{port} (--host {host} --port {port}): {error}"),
    }
}
