//! TLS for https and wss: the certificate chain and key from PEM files (rustls, ring).

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;

use crate::error::StartError;

/// Reads `--tls-cert` and `--tls-key` into a server configuration that speaks HTTP/1.1 (what
/// browsers use for WebSockets).
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, StartError> {
    let cert_error = |reason: String| StartError::TlsCert {
        path: cert.display().to_string(),
        reason,
    };
    let chain = CertificateDer::pem_file_iter(cert)
        .map_err(|error| cert_error(error.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| cert_error(error.to_string()))?;
    if chain.is_empty() {
        return Err(cert_error(
            "no CERTIFICATE block in it (a PEM certificate chain is expected)".to_owned(),
        ));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|error| StartError::TlsKey {
        path: key.display().to_string(),
        reason: format!("{error} (a PEM private key, PKCS#8, PKCS#1 or SEC1, is expected)"),
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| StartError::Tls(error.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|error| StartError::Tls(error.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
