//! The local GCS's HTTPS: a self-signed CA and a server certificate for `127.0.0.1` and
//! `localhost`, both made at start (rcgen), served with rustls on the aws-lc-rs provider
//! reqwest already uses. Only the CA certificate (PEM) is written, to `ca.pem` in a
//! temporary directory removed with the [`LocalTls`]; the keys stay in memory and are
//! never printed.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, pki_types::PrivateKeyDer};

/// The certificates and the acceptor of one local Globus's TLS listeners.
pub(crate) struct LocalTls {
    acceptor: TlsAcceptor,
    ca_file: PathBuf,
    _dir: tempfile::TempDir,
}

/// The keys are never shown: only the CA file's path.
impl std::fmt::Debug for LocalTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalTls").field("ca_file", &self.ca_file).finish_non_exhaustive()
    }
}

fn other(what: &str, e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(format!("{what}: {e}"))
}

impl LocalTls {
    /// A new CA and a server certificate it signs, and the CA written to a new temporary
    /// directory.
    pub fn new() -> std::io::Result<LocalTls> {
        let ca_key = KeyPair::generate().map_err(|e| other("cannot make the local CA's key", e))?;
        let mut ca_params = CertificateParams::default();
        ca_params.distinguished_name.push(DnType::CommonName, "Local Globus CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca_params.self_signed(&ca_key).map_err(|e| other("cannot make the local CA", e))?;
        let issuer = Issuer::new(ca_params, ca_key);

        let key = KeyPair::generate().map_err(|e| other("cannot make the server key", e))?;
        let mut params = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .map_err(|e| other("invalid server names", e))?;
        params.distinguished_name.push(DnType::CommonName, "127.0.0.1");
        let cert = params.signed_by(&key, &issuer).map_err(|e| other("cannot sign the server certificate", e))?;

        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| other("TLS versions", e))?
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone(), ca_cert.der().clone()],
                PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
            .map_err(|e| other("the server certificate", e))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];

        let dir = tempfile::Builder::new().prefix("globus-local-tls-").tempdir()?;
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca_cert.pem())?;
        Ok(LocalTls { acceptor: TlsAcceptor::from(Arc::new(config)), ca_file, _dir: dir })
    }

    /// The acceptor for the TLS listeners.
    pub fn acceptor(&self) -> TlsAcceptor {
        self.acceptor.clone()
    }

    /// The CA certificate (PEM) that signed the server certificate.
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_ca_certificate_is_written_and_debug_hides_the_keys() {
        let tls = LocalTls::new().unwrap();
        let pem = std::fs::read_to_string(tls.ca_file()).unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(!pem.contains("PRIVATE KEY"));
        let files: Vec<_> = std::fs::read_dir(tls.ca_file().parent().unwrap()).unwrap().collect();
        assert_eq!(files.len(), 1);
        let debug = format!("{tls:?}");
        assert!(debug.contains("ca.pem") && !debug.contains("PRIVATE"));
        let dir = tls.ca_file().parent().unwrap().to_path_buf();
        drop(tls);
        assert!(!dir.exists());
    }
}
