//! The router in-process, through the library: plain requests with `tower::ServiceExt::oneshot`,
//! no socket, no binary.

use axum::body::{to_bytes, Body};
use axum::http::{header, Request, Response, StatusCode};
use axum::Router;
use duplex_server::ops::origin::AllowedOrigin;
use duplex_server::{DuplexServer, ServerConfig};
use tower::ServiceExt;

fn server(test_hooks: bool) -> DuplexServer {
    DuplexServer::new(ServerConfig {
        test_hooks,
        ..ServerConfig::default()
    })
}

async fn get(router: &Router, request: Request<Body>) -> (StatusCode, String) {
    let response: Response<Body> = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn plain(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

/// A WebSocket handshake as a browser on `origin` sends it. The upgrade itself cannot happen
/// (there is no connection), but every check before it does.
fn handshake(uri: &str, origin: Option<&str>) -> Request<Body> {
    let mut request = Request::get(uri)
        .header(header::HOST, "127.0.0.1:9900")
        .header(header::CONNECTION, "upgrade")
        .header(header::UPGRADE, "websocket")
        .header(header::SEC_WEBSOCKET_VERSION, "13")
        .header(header::SEC_WEBSOCKET_KEY, "dGhlIHNhbXBsZSBub25jZQ==");
    if let Some(origin) = origin {
        request = request.header(header::ORIGIN, origin);
    }
    let mut request = request.body(Body::empty()).unwrap();
    let upgrade = hyper::upgrade::on(&mut request);
    request.extensions_mut().insert(upgrade);
    request
}

#[tokio::test]
async fn healthz_answers_ok() {
    let router = server(false).router();
    assert_eq!(
        get(&router, plain("/healthz")).await,
        (StatusCode::OK, "ok\n".to_owned())
    );
}

#[tokio::test]
async fn metrics_are_in_the_prometheus_text_format() {
    let router = server(false).router();
    let response = router.clone().oneshot(plain("/metrics")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/plain; version=0.0.4"
    );
    let (_, text) = get(&router, plain("/metrics")).await;
    assert!(text.contains("duplex_relay_rooms 0"), "{text}");
    assert!(text.contains("duplex_relay_members 0"), "{text}");
}

#[tokio::test]
async fn a_room_name_too_long_is_refused_with_400_and_counted() {
    let router = server(false).router();
    let long = "r".repeat(129);
    let (status, body) = get(&router, plain(&format!("/relay/{long}"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("1 to 128 bytes"), "{body}");
    let (_, metrics) = get(&router, plain("/metrics")).await;
    assert!(
        metrics.contains("duplex_handshakes_refused_total{endpoint=\"/relay\",reason=\"room\"} 1"),
        "{metrics}"
    );
    // A name of 128 bytes is a room: a plain GET says how many peers it has.
    let name = "r".repeat(128);
    let (status, body) = get(&router, plain(&format!("/relay/{name}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, format!("{{\"room\":\"{name}\",\"peers\":0}}\n"));
}

#[tokio::test]
async fn hooks_are_404_without_test_hooks() {
    let router = server(false).router();
    let (status, body) = get(&router, handshake("/hooks", None)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("--test-hooks"), "{body}");
    // With them, a plain GET gets the upgrade's 400, as every WebSocket endpoint.
    let router = server(true).router();
    assert_eq!(
        get(&router, plain("/hooks")).await.0,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn a_foreign_origin_is_refused_with_403() {
    let router = server(false).router();
    for endpoint in ["/", "/echo", "/relay/lobby", "/relay"] {
        let request = handshake(endpoint, Some("https://evil.example"));
        let (status, body) = get(&router, request).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{endpoint}: {body}");
        assert!(body.contains("evil.example"), "{endpoint}: {body}");
    }
    // The same handshake from an allowed origin passes the check (and is upgraded).
    let allowed = DuplexServer::new(ServerConfig {
        allowed_origins: vec![AllowedOrigin::parse("https://evil.example").unwrap()],
        ..ServerConfig::default()
    });
    let request = handshake("/echo", Some("https://evil.example"));
    let (status, _) = get(&allowed.router(), request).await;
    assert_eq!(status, StatusCode::SWITCHING_PROTOCOLS);
}

#[tokio::test]
async fn after_shutdown_handshakes_get_503() {
    let duplex = server(false);
    let router = duplex.router();
    assert_eq!(
        get(&router, handshake("/echo", None)).await.0,
        StatusCode::SWITCHING_PROTOCOLS
    );
    duplex.shutdown();
    let (status, body) = get(&router, handshake("/echo", None)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("shutting down"), "{body}");
}

#[tokio::test]
async fn the_router_nests_under_a_prefix() {
    let duplex = server(false);
    let app = Router::new().nest("/duplex", duplex.router());
    assert_eq!(
        get(&app, plain("/duplex/healthz")).await,
        (StatusCode::OK, "ok\n".to_owned())
    );
    assert_eq!(
        get(&app, handshake("/duplex/echo", None)).await.0,
        StatusCode::SWITCHING_PROTOCOLS
    );
    assert_eq!(get(&app, plain("/healthz")).await.0, StatusCode::NOT_FOUND);
}
