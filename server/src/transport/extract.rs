//! [`WebSocketUpgrade`]: the extractor of a WebSocket handshake (HTTP/1.1 `GET` with
//! `Upgrade: websocket`). It checks the request as axum's own extractor does, with the same
//! rejections, and keeps what the answer needs: hyper's upgrade handle, the key, the
//! subprotocols and the extensions (permessage-deflate) the client offered. axum's extractor
//! cannot be used: it hands the connection only to tungstenite, and the server runs yawc.
//! Transport layer: imports only `transport`.

use std::borrow::Cow;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Version};
use axum::response::{IntoResponse, Response};
use hyper::upgrade::OnUpgrade;

/// A WebSocket handshake that passed the protocol's checks; [`super::upgrade::accept`]
/// answers it.
pub struct WebSocketUpgrade {
    pub(super) on_upgrade: OnUpgrade,
    pub(super) key: HeaderValue,
    /// The client's first permessage-deflate offer, if it made one (yawc reads one offer;
    /// a list of them, as Autobahn's cases send, it would refuse whole).
    pub(super) extensions: Option<HeaderValue>,
    offered: Vec<HeaderValue>,
    pub(super) protocol: Option<HeaderValue>,
}

impl std::fmt::Debug for WebSocketUpgrade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocketUpgrade")
            .field("extensions", &self.extensions)
            .field("offered", &self.offered)
            .field("protocol", &self.protocol)
            .finish_non_exhaustive()
    }
}

impl WebSocketUpgrade {
    /// Selects the first of `protocols` that the client offered (none if it offered none of
    /// them); the answer names it in `Sec-WebSocket-Protocol`.
    pub fn protocols<I>(mut self, protocols: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<Cow<'static, str>>,
    {
        self.protocol = protocols.into_iter().map(Into::into).find_map(|protocol| {
            let value = HeaderValue::from_str(&protocol).ok()?;
            self.offered.contains(&value).then_some(value)
        });
        self
    }

    /// The subprotocol selected so far, if any.
    pub fn selected_protocol(&self) -> Option<&HeaderValue> {
        self.protocol.as_ref()
    }
}

/// Why a request is not a WebSocket handshake; answered with axum's statuses and texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpgradeRejection {
    /// Not `GET` (405).
    MethodNotGet,
    /// `Connection` does not include `upgrade` (400).
    InvalidConnectionHeader,
    /// `Upgrade` is not `websocket` (400).
    InvalidUpgradeHeader,
    /// `Sec-WebSocket-Version` is not 13 (400).
    InvalidWebSocketVersionHeader,
    /// No `Sec-WebSocket-Key` (400).
    WebSocketKeyHeaderMissing,
    /// Not HTTP/1.1, or hyper has no upgrade for this connection (426).
    ConnectionNotUpgradable,
}

impl UpgradeRejection {
    /// The status and the text of the answer.
    pub fn status_and_text(self) -> (StatusCode, &'static str) {
        use UpgradeRejection::*;
        match self {
            MethodNotGet => (
                StatusCode::METHOD_NOT_ALLOWED,
                "Request method must be `GET`",
            ),
            InvalidConnectionHeader => (
                StatusCode::BAD_REQUEST,
                "Connection header did not include 'upgrade'",
            ),
            InvalidUpgradeHeader => (
                StatusCode::BAD_REQUEST,
                "`Upgrade` header did not include 'websocket'",
            ),
            InvalidWebSocketVersionHeader => (
                StatusCode::BAD_REQUEST,
                "`Sec-WebSocket-Version` header did not include '13'",
            ),
            WebSocketKeyHeaderMissing => (
                StatusCode::BAD_REQUEST,
                "`Sec-WebSocket-Key` header missing",
            ),
            ConnectionNotUpgradable => (
                StatusCode::UPGRADE_REQUIRED,
                "WebSocket request couldn't be upgraded since no upgrade state was present",
            ),
        }
    }
}

impl IntoResponse for UpgradeRejection {
    fn into_response(self) -> Response {
        self.status_and_text().into_response()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for WebSocketUpgrade {
    type Rejection = UpgradeRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        use UpgradeRejection::*;
        // HTTP/2's extended CONNECT (RFC 8441) is not served: the binary speaks HTTP/1.1.
        if parts.version > Version::HTTP_11 {
            return Err(ConnectionNotUpgradable);
        }
        if parts.method != Method::GET {
            return Err(MethodNotGet);
        }
        if !header_contains(&parts.headers, header::CONNECTION, "upgrade") {
            return Err(InvalidConnectionHeader);
        }
        if !header_eq(&parts.headers, header::UPGRADE, "websocket") {
            return Err(InvalidUpgradeHeader);
        }
        let key = parts
            .headers
            .get(header::SEC_WEBSOCKET_KEY)
            .ok_or(WebSocketKeyHeaderMissing)?
            .clone();
        if !header_eq(&parts.headers, header::SEC_WEBSOCKET_VERSION, "13") {
            return Err(InvalidWebSocketVersionHeader);
        }
        let on_upgrade = parts
            .extensions
            .remove::<OnUpgrade>()
            .ok_or(ConnectionNotUpgradable)?;
        let offered = comma_separated(&parts.headers, header::SEC_WEBSOCKET_PROTOCOL)
            .filter_map(|protocol| HeaderValue::from_bytes(protocol).ok())
            .collect();
        let extensions = comma_separated(&parts.headers, header::SEC_WEBSOCKET_EXTENSIONS)
            .find(|offer| is_permessage_deflate(offer))
            .and_then(|offer| HeaderValue::from_bytes(offer).ok());
        Ok(WebSocketUpgrade {
            on_upgrade,
            key,
            extensions,
            offered,
            protocol: None,
        })
    }
}

/// The comma-separated items of every `name` header, trimmed.
fn comma_separated(headers: &HeaderMap, name: HeaderName) -> impl Iterator<Item = &[u8]> {
    headers
        .get_all(name)
        .into_iter()
        .flat_map(|value| value.as_bytes().split(|&b| b == b','))
        .map(<[u8]>::trim_ascii)
        .filter(|item| !item.is_empty())
}

/// Whether an item of `Sec-WebSocket-Extensions` is a permessage-deflate offer (the name,
/// then its parameters after `;`, if any).
fn is_permessage_deflate(offer: &[u8]) -> bool {
    let name = offer.split(|&b| b == b';').next().unwrap_or_default();
    name.trim_ascii()
        .eq_ignore_ascii_case(b"permessage-deflate")
}

fn header_eq(headers: &HeaderMap, name: HeaderName, value: &'static str) -> bool {
    headers
        .get(&name)
        .is_some_and(|header| header.as_bytes().eq_ignore_ascii_case(value.as_bytes()))
}

fn header_contains(headers: &HeaderMap, name: HeaderName, value: &'static str) -> bool {
    headers.get(&name).is_some_and(|header| {
        std::str::from_utf8(header.as_bytes())
            .is_ok_and(|header| header.to_ascii_lowercase().contains(value))
    })
}
