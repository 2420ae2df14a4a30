//! Opening many WebSocket connections over loopback, a bounded number at a time.

use std::sync::Arc;

use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{client_async_with_config, MaybeTlsStream, WebSocketStream};

use super::LoadError;

/// An open client connection (plain TCP: the benchmarks run over loopback).
pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Handshakes in flight at once: enough to open 10,000 connections in seconds, few enough
/// that no listen backlog overflows.
const CONNECTING_AT_ONCE: usize = 128;

/// Buffers for a connection: `small` for idle connections held in thousands (their memory is
/// the client's, not the server's, but the machine has only so much).
pub fn config(small: bool) -> WebSocketConfig {
    let config = WebSocketConfig::default();
    if small {
        config.read_buffer_size(4096).write_buffer_size(0)
    } else {
        // Writes are batched by the caller (feed, then one flush), so no write buffer limit.
        config.write_buffer_size(0)
    }
}

/// Opens one connection to `url` (`ws://host:port/path`), with TCP_NODELAY as a browser has.
pub async fn open(url: &str, index: usize, small: bool) -> Result<Socket, LoadError> {
    let fail = |why: String| LoadError::Connect {
        url: url.to_owned(),
        index,
        why,
    };
    let authority = url
        .strip_prefix("ws://")
        .and_then(|rest| rest.split('/').next())
        .ok_or_else(|| fail("the URL must be ws://HOST:PORT/PATH".to_owned()))?;
    let tcp = TcpStream::connect(authority)
        .await
        .map_err(|error| fail(error.to_string()))?;
    tcp.set_nodelay(true)
        .map_err(|error| fail(error.to_string()))?;
    let (socket, _) =
        client_async_with_config(url, MaybeTlsStream::Plain(tcp), Some(config(small)))
            .await
            .map_err(|error| fail(error.to_string()))?;
    Ok(socket)
}

/// Opens `count` connections to `url`, at most [`CONNECTING_AT_ONCE`] handshakes at a time;
/// fails with the first connection that could not open.
pub async fn open_many(url: &str, count: usize, small: bool) -> Result<Vec<Socket>, LoadError> {
    let permits = Arc::new(Semaphore::new(CONNECTING_AT_ONCE));
    let mut handshakes = Vec::with_capacity(count);
    for index in 0..count {
        let permits = Arc::clone(&permits);
        let url = url.to_owned();
        handshakes.push(tokio::spawn(async move {
            let _permit = permits.acquire_owned().await;
            open(&url, index, small).await
        }));
    }
    let mut sockets = Vec::with_capacity(count);
    for handshake in handshakes {
        let socket = handshake.await.map_err(|error| LoadError::Io {
            what: "a connecting task".to_owned(),
            why: error.to_string(),
        })??;
        sockets.push(socket);
    }
    Ok(sockets)
}
