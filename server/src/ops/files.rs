//! Static files (`--www`, `--pkg`): tower-http's `ServeDir`, which refuses paths that climb
//! out of its folder, behind a check that no symbolic link inside the folder leads out of it
//! either (such a request gets 404), and TypeScript (`.ts`, the package's declarations) served
//! as text. Operations layer: imports nothing of the crate.

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::{service_fn, ServiceExt};
use tower_http::services::ServeDir;

/// The files of `root`, as a router to nest or to fall back to.
pub fn files(root: PathBuf) -> Router {
    let real_root = Arc::new(std::fs::canonicalize(&root).unwrap_or_else(|_| root.clone()));
    let serve = ServeDir::new(&root);
    let root = Arc::new(root);
    Router::new().fallback_service(service_fn(move |request: Request| {
        let (serve, root, real_root) = (serve.clone(), root.clone(), real_root.clone());
        async move {
            if leads_out(&root, &real_root, request.uri().path()) {
                return Ok::<Response, Infallible>(
                    (StatusCode::NOT_FOUND, "not found\n").into_response(),
                );
            }
            let typescript = request.uri().path().ends_with(".ts");
            match serve.oneshot(request).await {
                Ok(response) => {
                    let mut response = response.into_response();
                    if typescript && response.status().is_success() {
                        // The package's index.d.ts: TypeScript to read, not the MPEG stream
                        // (video/mp2t) that the .ts extension names in the MIME table.
                        response.headers_mut().insert(
                            header::CONTENT_TYPE,
                            HeaderValue::from_static("text/plain; charset=utf-8"),
                        );
                    }
                    Ok(response)
                }
                Err(never) => match never {},
            }
        }
    }))
}

/// Whether the file `path` names under `root` (or the `index.html` of that folder) is,
/// once symbolic links are followed, outside `real_root` (the canonical `root`). Paths with
/// `..` or backslashes are left to `ServeDir`, which refuses them.
fn leads_out(root: &Path, real_root: &Path, path: &str) -> bool {
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let mut candidate = root.to_path_buf();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => return false,
            _ if segment.contains('\\') => return false,
            _ => candidate.push(segment),
        }
    }
    let outside =
        |path: &Path| std::fs::canonicalize(path).is_ok_and(|real| !real.starts_with(real_root));
    outside(&candidate) || (candidate.is_dir() && outside(&candidate.join("index.html")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_that_lead_out_are_found() {
        let base = std::env::temp_dir().join(format!("duplex-files-{}", std::process::id()));
        let root = base.join("www");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(base.join("secret.txt"), "secret").unwrap();
        std::fs::write(root.join("page.html"), "page").unwrap();
        let _ = std::os::unix::fs::symlink(base.join("secret.txt"), root.join("out.txt"));
        let _ = std::os::unix::fs::symlink(root.join("page.html"), root.join("in.html"));
        let real = std::fs::canonicalize(&root).unwrap();
        assert!(leads_out(&root, &real, "/out.txt"));
        assert!(leads_out(&root, &real, "/%6fut.txt"));
        assert!(!leads_out(&root, &real, "/in.html"));
        assert!(!leads_out(&root, &real, "/page.html"));
        assert!(!leads_out(&root, &real, "/missing.html"));
        let _ = std::fs::remove_dir_all(&base);
    }

    #[tokio::test]
    async fn typescript_is_served_as_text_and_javascript_as_javascript() {
        let root = std::env::temp_dir().join(format!("duplex-files-ts-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("index.d.ts"), "export {};").unwrap();
        std::fs::write(root.join("index.js"), "export {};").unwrap();
        let router = files(root.clone());
        for (path, expected) in [
            ("/index.d.ts", "text/plain; charset=utf-8"),
            ("/index.js", "text/javascript"),
        ] {
            let request = Request::get(path).body(axum::body::Body::empty()).unwrap();
            let response = router.clone().oneshot(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            assert_eq!(response.headers()[header::CONTENT_TYPE], expected, "{path}");
        }
        let _ = std::fs::remove_dir_all(&root);
    }
}
