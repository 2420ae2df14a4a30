//! [`Handshake`]: what every WebSocket route extracts from its request (the upgrade, the
//! peer's address, the headers, the URI), so that each handler is a few lines; and the
//! Origin check every handshake passes before the transport admits it. Operations layer.

use std::convert::Infallible;
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::app::AppState;
use crate::transport::session::PROTOCOL;
use crate::transport::text::within;
use crate::transport::upgrade::{accept, refuse};
use crate::transport::{Connection, PeerAddr, PeerInfo, UpgradeRejection, WebSocketUpgrade};

/// The longest path written to the logs, in bytes.
const MAX_LOGGED_PATH: usize = 256;

/// A WebSocket handshake, or a plain request to a WebSocket route (then `upgrade` is the
/// rejection, which answers 400).
pub struct Handshake {
    /// The upgrade, if the request asked for one.
    pub upgrade: Result<WebSocketUpgrade, UpgradeRejection>,
    /// The peer's address: the listener's `ConnectInfo<PeerAddr>` (the binary), else
    /// `ConnectInfo<SocketAddr>` (an application that serves with connect info), else
    /// `0.0.0.0:0` (unknown).
    pub peer: SocketAddr,
    /// The request's headers (Origin, Host, the subprotocols).
    pub headers: HeaderMap,
    /// The full URI asked for, for the logs.
    pub uri: Uri,
}

impl<S: Send + Sync> FromRequestParts<S> for Handshake {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let upgrade = WebSocketUpgrade::from_request_parts(parts, state).await;
        let peer = match ConnectInfo::<PeerAddr>::from_request_parts(parts, state).await {
            Ok(ConnectInfo(PeerAddr(peer))) => peer,
            Err(_) => match ConnectInfo::<SocketAddr>::from_request_parts(parts, state).await {
                Ok(ConnectInfo(peer)) => peer,
                Err(_) => SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)),
            },
        };
        Ok(Handshake {
            upgrade,
            peer,
            headers: parts.headers.clone(),
            uri: parts.uri.clone(),
        })
    }
}

impl Handshake {
    /// The peer as `endpoint` (a metrics label) sees it; the path at most 256 bytes long,
    /// for the logs (a longer one ends with `...`).
    pub fn info(&self, endpoint: &'static str) -> PeerInfo {
        let mut path = self.uri.to_string();
        if path.len() > MAX_LOGGED_PATH {
            path.truncate(within(&path, MAX_LOGGED_PATH).len());
            path.push_str("...");
        }
        PeerInfo {
            peer: self.peer,
            endpoint,
            path,
        }
    }

    /// Opens the connection if the handshake passes every check: an upgrade was asked for
    /// with a well-formed `Sec-WebSocket-Key` (else 400), the Origin is allowed (else 403), the transport admits it (else 503); then
    /// runs `endpoint` on it.
    pub fn open<F, Fut>(self, app: &AppState, endpoint: &'static str, run: F) -> Response
    where
        F: FnOnce(Connection) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let info = self.info(endpoint);
        let upgrade = match self.upgrade {
            // Sessions on every WebSocket endpoint, for a client that offers them; `/hooks`
            // has chosen its protocol already.
            Ok(upgrade) if endpoint != "/hooks" => upgrade.protocols([PROTOCOL]),
            Ok(upgrade) => upgrade,
            Err(rejection) => return rejection.into_response(),
        };
        let headers = &self.headers;
        if let Err(why) = check_key(headers.get(header::SEC_WEBSOCKET_KEY)) {
            let metrics = &app.connections.metrics;
            return refuse(metrics, &info, StatusCode::BAD_REQUEST, "key", why);
        }
        if let Err(why) = app
            .origins
            .check(headers.get(header::ORIGIN), headers.get(header::HOST))
        {
            let metrics = &app.connections.metrics;
            return refuse(metrics, &info, StatusCode::FORBIDDEN, "origin", why);
        }
        accept(&app.connections, upgrade, info, run)
    }
}

/// RFC 6455: `Sec-WebSocket-Key` is 16 bytes in base64, 24 characters ending in `==`.
fn check_key(key: Option<&HeaderValue>) -> Result<(), String> {
    let value = key.map(|key| key.as_bytes()).unwrap_or_default();
    let base64 = |b: &u8| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/';
    // The 22nd character carries 2 bits of the 16th byte and 4 zero bits.
    let well_formed = value.len() == 24
        && value[..22].iter().all(base64)
        && matches!(value[21], b'A' | b'Q' | b'g' | b'w')
        && &value[22..] == b"==";
    if well_formed {
        return Ok(());
    }
    let shown = String::from_utf8_lossy(&value[..value.len().min(64)]).into_owned();
    Err(format!(
        "Sec-WebSocket-Key {shown:?} is not allowed: it must be 16 bytes in base64 (24 characters ending in ==)"
    ))
}
