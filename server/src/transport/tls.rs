//! TLS for https and wss: the certificate chain and key from PEM files (rustls, ring).
//! Transport layer: imports nothing of the crate.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use thiserror::Error;

/// Why `--tls-cert` and `--tls-key` make no TLS configuration; each message names the flag
/// and the value.
#[derive(Debug, Error)]
pub enum TlsError {
    /// `--tls-cert` could not be read.
    #[error("--tls-cert {path}: {reason}")]
    Cert {
        /// The value of --tls-cert.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `--tls-key` could not be read.
    #[error("--tls-key {path}: {reason}")]
    Key {
        /// The value of --tls-key.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The certificate and key do not make a TLS configuration.
    #[error("--tls-cert and --tls-key do not go together: {0}")]
    Mismatch(String),
}

/// Reads `--tls-cert` and `--tls-key` into a server configuration that speaks HTTP/1.1 (what
/// browsers use for WebSockets).
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, TlsError> {
    let cert_error = |reason: String| TlsError::Cert {
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
    let key = PrivateKeyDer::from_pem_file(key).map_err(|error| TlsError::Key {
        path: key.display().to_string(),
        reason: format!("{error} (a PEM private key, PKCS#8, PKCS#1 or SEC1, is expected)"),
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| TlsError::Mismatch(error.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|error| TlsError::Mismatch(error.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
