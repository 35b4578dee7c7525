//! A stand-in for NCALayer, the NCA RK's signing application that runs on the signer's
//! computer: a WebSocket server over TLS (a self-signed certificate made at start; browsers in
//! tests run with `--ignore-certificate-errors`) that speaks the subset of NCALayer's
//! protocol the pages use (kz-facts §3.5) and signs with one configured key.
//!
//! * On connect it greets with its version, `{"result": {"version": "…"}}`, as NCALayer does.
//! * `{"module": "kz.gov.pki.knca.basics", "method": "sign", "args": {format: "cms", data,
//!   signingParams: {decode, encapsulate, digested}, signerParams, locale, allowedStorages}}`
//!   answers `{"status": true, "body": {"result": [<base64 CMS>]}}` (one per datum when `data`
//!   is a list), a detached or attached CMS SignedData with signingTime made by
//!   `identity::ecp::sign_cms`; a malformed request answers `{"status": false, "code": "500",
//!   "message": …}`.
//! * `kz.gov.pki.knca.commonUtils` `getActiveTokens` answers `[]` (only the file store), and
//!   `getKeyInfo` the certificate's subject, as `{code: "200", responseObject}`.
//! * It may hold several keys; `qyzmet.double` `choose` (its own, not NCALayer's) picks the
//!   one the signer would pick in NCALayer's dialog, or makes the signer cancel
//!   ([`Behaviour`]).
//!
//! It does not enforce `signerParams` (IIN, BIN, key usage filters): the server is the one
//! that must refuse a wrong key, and the tests show it does.
//!
//! Not for: production (the key sits in memory and signs whatever is asked, without a PIN).

use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use identity::keys::PrivateKey;
use identity::x509_cert::Certificate;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

/// The version the double reports.
pub const VERSION: &str = "1.4-qyzmet-double";

/// Why the double cannot start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read the key {path}: {source}")]
    Key {
        path: String,
        source: identity::keys::KeyError,
    },
    #[error("cannot read the certificate {path}: {detail}")]
    Certificate { path: String, detail: String },
    #[error("the PKCS#12 file {path}: {detail}")]
    Pkcs12 { path: String, detail: String },
    #[error("the TLS certificate: {0}")]
    Tls(String),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// How the double answers a `sign`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Behaviour {
    /// Signs, as a signer who chose the key and typed the password.
    #[default]
    Sign,
    /// Answers as NCALayer does when the signer closes its dialog: an empty body.
    Cancel,
}

/// The keys in NCALayer's store and which one the signer picks in its dialog.
pub struct Signer {
    keys: Vec<(String, PrivateKey, Certificate)>,
    chosen: std::sync::Mutex<(usize, Behaviour)>,
}

impl Signer {
    /// A key and its certificate (PKCS#8 and X.509 PEM, as the development CA writes them).
    pub fn from_pem_files(key: &Path, certificate: &Path) -> Result<Signer, Error> {
        let k = PrivateKey::read_pem_file(key).map_err(|source| Error::Key {
            path: key.display().to_string(),
            source,
        })?;
        let certs =
            identity::cert::read_certificates(certificate).map_err(|e| Error::Certificate {
                path: certificate.display().to_string(),
                detail: e.to_string(),
            })?;
        let cert = certs.into_iter().next().ok_or_else(|| Error::Certificate {
            path: certificate.display().to_string(),
            detail: "no certificate in the file".into(),
        })?;
        Ok(Signer::new(k, cert))
    }

    /// The signing key of a PKCS#12 file (`.p12`, as NCA RK issues them) with its password.
    pub fn from_p12(path: &Path, password: &str) -> Result<Signer, Error> {
        let err = |detail: String| Error::Pkcs12 {
            path: path.display().to_string(),
            detail,
        };
        let p12 =
            identity::keys::Pkcs12::read_file(path, password).map_err(|e| err(e.to_string()))?;
        let key = p12.private_key().map_err(|e| err(e.to_string()))?;
        Ok(Signer::new(key, p12.certificate().clone()))
    }

    /// One key, named `default`, which the signer picks.
    pub fn new(key: PrivateKey, certificate: Certificate) -> Signer {
        Signer::named("default", key, certificate)
    }

    /// One key under `name`, which the signer picks.
    pub fn named(name: &str, key: PrivateKey, certificate: Certificate) -> Signer {
        Signer {
            keys: vec![(name.into(), key, certificate)],
            chosen: std::sync::Mutex::new((0, Behaviour::Sign)),
        }
    }

    /// Another key in the store, under `name` (the signer picks the first until told).
    pub fn with_key(mut self, name: &str, key: PrivateKey, certificate: Certificate) -> Signer {
        self.keys.push((name.into(), key, certificate));
        self
    }

    pub fn with_behaviour(self, behaviour: Behaviour) -> Signer {
        self.chosen.lock().unwrap_or_else(|e| e.into_inner()).1 = behaviour;
        self
    }

    fn current(&self) -> (usize, Behaviour) {
        *self.chosen.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The double's own control, standing for what a signer does in NCALayer's dialog:
    /// `{"module": "qyzmet.double", "method": "choose", "args": {"key": NAME}}` picks a key,
    /// `{"args": {"cancel": true}}` closes the dialog at every later `sign`.
    fn choose(&self, args: &Value) -> Value {
        let mut chosen = self.chosen.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(name) = args["key"].as_str() {
            match self.keys.iter().position(|(n, _, _)| n == name) {
                Some(i) => chosen.0 = i,
                None => return failure("404", &format!("no key `{name}` in the double")),
            }
        }
        chosen.1 = if args["cancel"].as_bool() == Some(true) {
            Behaviour::Cancel
        } else {
            Behaviour::Sign
        };
        json!({"status": true, "body": {"result": self.keys[chosen.0].0}})
    }

    /// The answer to one request (a text frame), or `None` for a frame it ignores.
    pub fn answer(&self, request: &str, now: jiff::Timestamp) -> Option<Value> {
        let Ok(r) = serde_json::from_str::<Value>(request) else {
            return Some(failure("500", "the request is not JSON"));
        };
        let module = r["module"].as_str().unwrap_or_default();
        let method = r["method"].as_str().unwrap_or_default();
        Some(match (module, method) {
            ("kz.gov.pki.knca.basics", "sign") => self.sign(&r["args"], now),
            ("qyzmet.double", "choose") => self.choose(&r["args"]),
            ("kz.gov.pki.knca.commonUtils", "getActiveTokens") => {
                json!({"code": "200", "responseObject": []})
            }
            ("kz.gov.pki.knca.commonUtils", "getKeyInfo") => {
                let cert = &self.keys[self.current().0].2;
                json!({
                    "code": "200",
                    "responseObject": {
                        "subjectDn": cert.tbs_certificate().subject().to_string(),
                        "issuerDn": cert.tbs_certificate().issuer().to_string(),
                    }
                })
            }
            _ => failure(
                "500",
                &format!("unknown module or method `{module}.{method}`"),
            ),
        })
    }

    fn sign(&self, args: &Value, now: jiff::Timestamp) -> Value {
        let (i, behaviour) = self.current();
        if behaviour == Behaviour::Cancel {
            return json!({"status": true, "body": {}});
        }
        let (_, key, certificate) = &self.keys[i];
        if args["format"].as_str().unwrap_or("cms") != "cms" {
            return failure("500", "only format `cms` is supported by the double");
        }
        let params = &args["signingParams"];
        if params["digested"].as_bool() == Some(true) {
            return failure("500", "signing a digest is not supported by the double");
        }
        let decode = params["decode"].as_bool().unwrap_or(false);
        let attached = params["encapsulate"].as_bool().unwrap_or(false);
        let data: Vec<&str> = match &args["data"] {
            Value::String(s) => vec![s.as_str()],
            Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
            _ => return failure("500", "`data` must be a string or a list of strings"),
        };
        if data.is_empty() {
            return failure("500", "`data` is empty");
        }
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut out = vec![];
        for d in data {
            let bytes = if decode {
                match b64.decode(d.trim()) {
                    Ok(b) => b,
                    Err(e) => return failure("500", &format!("`data` is not base64: {e}")),
                }
            } else {
                d.as_bytes().to_vec()
            };
            let options = identity::ecp::SignOptions {
                attached,
                signed_attributes: true,
                signing_time: Some(now),
                chain: vec![],
            };
            match identity::ecp::sign_cms(&bytes, key, certificate, &options) {
                Ok(cms) => out.push(Value::from(b64.encode(cms))),
                Err(e) => return failure("500", &format!("signing failed: {e}")),
            }
        }
        json!({"status": true, "body": {"result": out}})
    }
}

fn failure(code: &str, message: &str) -> Value {
    json!({"status": false, "code": code, "message": message})
}

/// A running double: its address, and a handle that stops it when dropped.
pub struct Running {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// `wss://ADDR`: the URL pages are given.
    pub fn url(&self) -> String {
        format!("wss://{}", self.addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn tls_acceptor() -> Result<tokio_rustls::TlsAcceptor, Error> {
    let tls = |e: &dyn std::fmt::Display| Error::Tls(e.to_string());
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
        .map_err(|e| tls(&e))?;
    let der = cert.cert.der().clone();
    let key = tokio_rustls::rustls::pki_types::PrivateKeyDer::Pkcs8(
        cert.signing_key.serialize_der().into(),
    );
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls(&e))?
        .with_no_client_auth()
        .with_single_cert(vec![der], key)
        .map_err(|e| tls(&e))?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// Starts the double on `addr` (port 0: a free one) on the current tokio runtime.
pub async fn start(addr: SocketAddr, signer: Signer) -> Result<Running, Error> {
    let acceptor = tls_acceptor()?;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| Error::Listen { addr, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| Error::Listen { addr, source })?;
    let signer = Arc::new(signer);
    let task = tokio::spawn(async move {
        loop {
            let Ok((tcp, peer)) = listener.accept().await else {
                continue;
            };
            let (acceptor, signer) = (acceptor.clone(), signer.clone());
            tokio::spawn(async move {
                if let Err(e) = serve(acceptor, tcp, &signer).await {
                    tracing::debug!(%peer, "ncalayer double: {e}");
                }
            });
        }
    });
    Ok(Running { addr, task })
}

async fn serve(
    acceptor: tokio_rustls::TlsAcceptor,
    tcp: tokio::net::TcpStream,
    signer: &Signer,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let tls = acceptor.accept(tcp).await?;
    let mut ws = tokio_tungstenite::accept_async(tls).await?;
    ws.send(Message::text(
        json!({"result": {"version": VERSION}}).to_string(),
    ))
    .await?;
    while let Some(msg) = ws.next().await {
        match msg? {
            Message::Text(t) => {
                if let Some(reply) = signer.answer(t.as_str(), jiff::Timestamp::now()) {
                    ws.send(Message::text(reply.to_string())).await?;
                }
            }
            Message::Close(_) => break,
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use identity::ecp::{CrlStore, Purpose, TrustStore, Verifier, VerifyOptions};
    use identity::pki::{CaOptions, CertificateRequest, DevCa, Holder};

    fn t(s: &str) -> jiff::Timestamp {
        s.parse().unwrap()
    }

    /// NCA's GOST 2015 test keys (`../shared/ecp-test/gost2015`), read from their `.p12`:
    /// the individual's signature is an applicant's, the head's a provider's result.
    #[test]
    fn it_signs_with_nca_gost_p12_keys_and_nca_chain_accepts_them() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/ecp-test/gost2015");
        let now = t("2026-12-02T10:00:00Z");
        let mut trust = TrustStore::for_tests();
        trust
            .load_file(&dir.join("root_test_gost_2022.cer"))
            .unwrap();
        trust.load_file(&dir.join("nca_gost2022_test.cer")).unwrap();
        let mut crls = CrlStore::new();
        crls.load_file(&dir.join("nca_gost2022_test.crl")).unwrap();
        let verifier = Verifier::new(trust, crls);
        let b64 = base64::engine::general_purpose::STANDARD;
        let content = br#"{"purpose":"qyzmet/portal-application/v1"}"#;
        let sign = |file: &str| {
            let signer = Signer::from_p12(&dir.join(file), "Qwerty12").unwrap();
            let request = json!({
                "module": "kz.gov.pki.knca.basics", "method": "sign",
                "args": {"allowedStorages": ["PKCS12"], "format": "cms", "data": b64.encode(content),
                    "signingParams": {"decode": true, "encapsulate": false, "digested": false},
                    "signerParams": {}, "locale": "ru"}
            });
            let reply = signer.answer(&request.to_string(), now).unwrap();
            reply["body"]["result"][0].as_str().unwrap().to_string()
        };
        let iin = identity::Iin::parse_test_identity("123456789011").unwrap();
        let bin = identity::Bin::parse_test_identity("123456789021").unwrap();
        let citizen = sign("individual_valid.p12");
        verifier
            .check(
                citizen.as_bytes(),
                Some(content),
                Purpose::Applicant(&iin),
                now,
            )
            .unwrap();
        let revoked = sign("individual_revoked.p12");
        let refusal = verifier
            .check(
                revoked.as_bytes(),
                Some(content),
                Purpose::Applicant(&iin),
                now,
            )
            .unwrap_err();
        assert_eq!(refusal.code(), "ecp.revoked");
        let head = sign("legal_head.p12");
        verifier
            .check(
                head.as_bytes(),
                Some(content),
                Purpose::Organisation(&bin),
                now,
            )
            .unwrap();
        // An individual's key is not a provider's.
        assert!(
            verifier
                .check(
                    citizen.as_bytes(),
                    Some(content),
                    Purpose::Organisation(&bin),
                    now
                )
                .is_err()
        );
        // Signing with a wrong password says so.
        assert!(Signer::from_p12(&dir.join("legal_head.p12"), "wrong").is_err());
    }

    #[test]
    fn it_signs_what_the_page_sends_and_the_signature_verifies() {
        let dir = std::env::temp_dir().join(format!("ncalayer-double-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let now = t("2024-03-01T10:00:00Z");
        let mut ca = DevCa::init(
            &dir,
            &CaOptions::development(t("2024-01-01T00:00:00Z"), t("2030-01-01T00:00:00Z")),
        )
        .unwrap();
        let iin = identity::Iin::parse("100515500003").unwrap();
        let person = ca
            .issue(&CertificateRequest::signing(
                Holder::Citizen {
                    iin,
                    surname: "ТЕСТ".into(),
                    given_name: "ТЕСТ".into(),
                    patronymic: None,
                },
                t("2024-01-01T00:00:00Z"),
                t("2029-01-01T00:00:00Z"),
            ))
            .unwrap();
        ca.publish_crl(now, t("2025-01-01T00:00:00Z")).unwrap();
        let signer = Signer::from_pem_files(&person.key_path, &person.certificate_path).unwrap();
        let content = br#"{"purpose":"x"}"#;
        let b64 = base64::engine::general_purpose::STANDARD;
        let request = json!({
            "module": "kz.gov.pki.knca.basics", "method": "sign",
            "args": {"allowedStorages": ["PKCS12"], "format": "cms", "data": b64.encode(content),
                "signingParams": {"decode": true, "encapsulate": false, "digested": false},
                "signerParams": {"extKeyUsageOids": ["1.3.6.1.5.5.7.3.4"], "iin": "999999999999"},
                "locale": "kk"}
        });
        let reply = signer.answer(&request.to_string(), now).unwrap();
        assert_eq!(reply["status"], true, "{reply}");
        let cms = reply["body"]["result"][0].as_str().unwrap();
        let verifier = Verifier::new(TrustStore::from_file(&ca.certificate_path()).unwrap(), {
            let mut c = CrlStore::new();
            c.load_file(&dir.join("crl.der")).unwrap();
            c
        })
        .with_options(VerifyOptions::default());
        // Detached over exactly the bytes; any other bytes are refused.
        verifier
            .check(cms.as_bytes(), Some(content), Purpose::Applicant(&iin), now)
            .unwrap();
        assert!(
            verifier
                .check(
                    cms.as_bytes(),
                    Some(b"other"),
                    Purpose::Applicant(&iin),
                    now
                )
                .is_err()
        );
        // signerParams are not enforced: the IIN asked for is not the key's.
        // A list of data gives one CMS each.
        let mut two = request.clone();
        two["args"]["data"] = json!([b64.encode(b"a"), b64.encode(b"b")]);
        let reply = signer.answer(&two.to_string(), now).unwrap();
        assert_eq!(reply["body"]["result"].as_array().unwrap().len(), 2);
        // The signer who cancels: an empty body. Unknown methods and bad data: status false.
        let cancel = Signer::from_pem_files(&person.key_path, &person.certificate_path)
            .unwrap()
            .with_behaviour(Behaviour::Cancel);
        assert_eq!(
            cancel.answer(&request.to_string(), now).unwrap(),
            json!({"status": true, "body": {}})
        );
        // The signer picks another key in the store: its certificate signs.
        let other = ca
            .issue(&CertificateRequest::signing(
                Holder::Other {
                    common_name: "другой".into(),
                },
                t("2024-01-01T00:00:00Z"),
                t("2029-01-01T00:00:00Z"),
            ))
            .unwrap();
        let two_keys = Signer::from_pem_files(&person.key_path, &person.certificate_path)
            .unwrap()
            .with_key("other", other.key, other.certificate);
        let choose = |args: Value| {
            two_keys
                .answer(
                    &json!({"module": "qyzmet.double", "method": "choose", "args": args})
                        .to_string(),
                    now,
                )
                .unwrap()
        };
        assert_eq!(choose(json!({"key": "other"}))["status"], true);
        assert_eq!(choose(json!({"key": "nobody"}))["status"], false);
        let cms = two_keys.answer(&request.to_string(), now).unwrap()["body"]["result"][0]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            verifier
                .check(cms.as_bytes(), Some(content), Purpose::Applicant(&iin), now)
                .is_err(),
            "the other key has no IIN"
        );
        choose(json!({"cancel": true}));
        assert_eq!(
            two_keys.answer(&request.to_string(), now).unwrap()["body"],
            json!({})
        );
        let bad = signer
            .answer(
                r#"{"module":"kz.gov.pki.knca.basics","method":"nope"}"#,
                now,
            )
            .unwrap();
        assert_eq!(bad["status"], false);
        let mut not_b64 = request.clone();
        not_b64["args"]["data"] = json!("***");
        assert_eq!(
            signer.answer(&not_b64.to_string(), now).unwrap()["status"],
            false
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn it_listens_with_tls() {
        let dir = std::env::temp_dir().join(format!("ncalayer-double-tls-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut ca = DevCa::init(
            &dir,
            &CaOptions::development(t("2024-01-01T00:00:00Z"), t("2030-01-01T00:00:00Z")),
        )
        .unwrap();
        let other = ca
            .issue(&CertificateRequest::signing(
                Holder::Other {
                    common_name: "x".into(),
                },
                t("2024-01-01T00:00:00Z"),
                t("2029-01-01T00:00:00Z"),
            ))
            .unwrap();
        let running = start(
            "127.0.0.1:0".parse().unwrap(),
            Signer::new(other.key, other.certificate),
        )
        .await
        .unwrap();
        assert!(running.url().starts_with("wss://127.0.0.1:"));
        // A plain TCP client gets a TLS handshake, not a WebSocket greeting in clear text.
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut tcp = tokio::net::TcpStream::connect(running.addr).await.unwrap();
        tcp.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 5];
        let n = tcp.read(&mut buf).await.unwrap_or(0);
        // A TLS alert record (0x15) or a closed connection: never an HTTP answer.
        assert!(n == 0 || buf[0] == 0x15, "{:?}", &buf[..n]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
