//! PKCS#12 (RFC 7292) key stores as NCA RK issues them: a private key in a
//! pkcs8ShroudedKeyBag encrypted with pbeWithSHAAnd3-KeyTripleDES-CBC, the certificate in an
//! EncryptedData with pbeWithSHAAnd40BitRC2-CBC, and an HMAC-SHA1 MAC over the whole, all
//! keyed from the password by the PKCS#12 KDF (RFC 7292 Appendix B). BER with indefinite
//! lengths (what Kalkan writes) is read as well as DER. Writing produces the same form, except
//! that the certificate bag is encrypted with 3DES too (40-bit RC2 is weak, and OpenSSL 3 reads
//! it only with `-legacy`).
//!
//! Why not a PKCS#12 crate: RustCrypto `pkcs12` 0.2.0-pre.0 (and `p12-keystore`, built on it)
//! pins `cms = 0.3.0-pre.1`, which cannot live beside the `cms 0.3.0-rc.0` this crate uses;
//! `p12` 0.6 brings a second, older RustCrypto tree. The primitives (SHA-1, HMAC, 3DES, RC2,
//! CBC) are RustCrypto's; this module is the container format and the KDF written from the RFC.
//! Tested against NCA's test stores and against OpenSSL in both directions.
//!
//! Not supported: PBES2 (OpenSSL 3's default `-export`; re-export with `-legacy`), public-key
//! privacy mode (EnvelopedData), several keys in one store.

use std::path::Path;

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use der::asn1::{Any, BmpString, ObjectIdentifier, OctetString, SetOfVec};
use der::{Decode, Encode, Sequence};
use hmac::{KeyInit, Mac};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;

use super::{KeyError, PrivateKey};
use crate::oids;

const ID_ENCRYPTED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.6");
const PBE_SHA1_3DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.3");
const PBE_SHA1_RC2_40: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.6");
const PBE_SHA1_RC2_128: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.5");
const PBE_SHA1_2DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.4");
const BAG_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.1");
const BAG_SHROUDED_KEY: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.2");
const BAG_CERT: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.3");
const CERT_X509: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.22.1");
const FRIENDLY_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.20");
const LOCAL_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.21");
const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const PBES2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");

/// Iterations of the KDF and MAC when writing (OpenSSL's default; NCA uses 1024).
const WRITE_ITERATIONS: u32 = 2048;
/// A store asking for more iterations than this is refused rather than spun on.
const MAX_ITERATIONS: u32 = 10_000_000;

/// A PKCS#8 key with its localKeyId and friendlyName.
type KeyEntry = (Vec<u8>, Option<Vec<u8>>, Option<String>);

#[derive(Clone, Debug, Sequence)]
struct Pfx {
    version: u8,
    auth_safe: cms::content_info::ContentInfo,
    #[asn1(optional = "true")]
    mac_data: Option<MacData>,
}

#[derive(Clone, Debug, Sequence)]
struct MacData {
    mac: DigestInfo,
    mac_salt: OctetString,
    // DEFAULT 1 in the RFC; every writer we know states it.
    #[asn1(optional = "true")]
    iterations: Option<u32>,
}

#[derive(Clone, Debug, Sequence)]
struct DigestInfo {
    algorithm: AlgorithmIdentifierOwned,
    digest: OctetString,
}

#[derive(Clone, Debug, Sequence)]
struct SafeBag {
    bag_id: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    bag_value: Any,
    #[asn1(optional = "true")]
    attributes: Option<SetOfVec<Attribute>>,
}

#[derive(Clone, Debug, Sequence)]
struct CertBag {
    cert_id: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    cert_value: OctetString,
}

#[derive(Clone, Debug, Sequence)]
struct EncryptedPrivateKeyInfo {
    algorithm: AlgorithmIdentifierOwned,
    data: OctetString,
}

#[derive(Clone, Debug, Sequence)]
struct PbeParams {
    salt: OctetString,
    iterations: u32,
}

#[derive(Clone, Debug, Sequence)]
struct EncryptedData {
    version: u8,
    info: EncryptedContentInfo,
}

#[derive(Clone, Debug, Sequence)]
struct EncryptedContentInfo {
    content_type: ObjectIdentifier,
    algorithm: AlgorithmIdentifierOwned,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    content: Option<OctetString>,
}

/// A PKCS#12 store opened with its password: one private key, the certificate that goes
/// with it, and any other certificates (its chain).
#[derive(Clone)]
pub struct Pkcs12 {
    key: Vec<u8>,
    certificate: Certificate,
    chain: Vec<Certificate>,
    friendly_name: Option<String>,
}

impl std::fmt::Debug for Pkcs12 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkcs12")
            .field("key_algorithm", &self.key_algorithm())
            .field(
                "certificate",
                &self.certificate.tbs_certificate().subject().to_string(),
            )
            .field("chain", &self.chain.len())
            .field("friendly_name", &self.friendly_name)
            .finish()
    }
}

impl Pkcs12 {
    /// Opens a store. `what` names it in errors (a file name). A wrong password is
    /// [`KeyError::WrongPassword`], told apart from a damaged file by the MAC.
    pub fn from_der(bytes: &[u8], password: &str, what: &str) -> Result<Pkcs12, KeyError> {
        let parse = |e: &dyn std::fmt::Display| KeyError::Parse(format!("{what}: {e}"));
        let pfx = Pfx::from_ber(bytes).map_err(|e| parse(&format!("not a PKCS#12 file ({e})")))?;
        if pfx.version != 3 {
            return Err(parse(&format!(
                "PKCS#12 version {} (3 expected)",
                pfx.version
            )));
        }
        if pfx.auth_safe.content_type != oids::ID_DATA {
            return Err(KeyError::Unsupported(format!(
                "{what}: public-key integrity mode ({}); only password-protected stores are read",
                pfx.auth_safe.content_type
            )));
        }
        let auth_safe = octets(&pfx.auth_safe.content).map_err(|e| parse(&e))?;
        let password = bmp_password(password);
        // Without a MAC a wrong password shows as bad padding when decrypting.
        if let Some(mac) = &pfx.mac_data {
            check_mac(mac, &auth_safe, &password, what)?;
        }
        let infos: Vec<cms::content_info::ContentInfo> =
            Vec::from_ber(&auth_safe).map_err(|e| parse(&format!("AuthenticatedSafe: {e}")))?;
        let mut bags = Vec::new();
        for info in infos {
            let contents = if info.content_type == oids::ID_DATA {
                octets(&info.content).map_err(|e| parse(&e))?
            } else if info.content_type == ID_ENCRYPTED_DATA {
                let ed = EncryptedData::from_ber(&info.content.to_der().map_err(|e| parse(&e))?)
                    .map_err(|e| parse(&format!("EncryptedData: {e}")))?;
                let data = ed
                    .info
                    .content
                    .ok_or_else(|| parse(&"EncryptedData is empty"))?;
                decrypt(&ed.info.algorithm, data.as_bytes(), &password, what)?
            } else {
                return Err(KeyError::Unsupported(format!(
                    "{what}: content of type {} (only data and encryptedData are read)",
                    info.content_type
                )));
            };
            bags.extend(
                Vec::<SafeBag>::from_ber(&contents)
                    .map_err(|e| parse(&format!("SafeContents: {e}")))?,
            );
        }
        Self::from_bags(bags, &password, what)
    }

    /// Reads a `.p12`/`.pfx` file.
    pub fn read_file(path: &Path, password: &str) -> Result<Pkcs12, KeyError> {
        let bytes = std::fs::read(path).map_err(|source| KeyError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_der(&bytes, password, &path.display().to_string())
    }

    fn from_bags(bags: Vec<SafeBag>, password: &[u8], what: &str) -> Result<Pkcs12, KeyError> {
        let parse = |e: &dyn std::fmt::Display| KeyError::Parse(format!("{what}: {e}"));
        let mut keys: Vec<KeyEntry> = Vec::new();
        let mut certs: Vec<(Certificate, Option<Vec<u8>>)> = Vec::new();
        for bag in bags {
            let (id, name) = bag_attributes(&bag);
            let value = bag.bag_value.to_der().map_err(|e| parse(&e))?;
            if bag.bag_id == BAG_SHROUDED_KEY {
                let epki = EncryptedPrivateKeyInfo::from_ber(&value)
                    .map_err(|e| parse(&format!("shrouded key bag: {e}")))?;
                let key = decrypt(&epki.algorithm, epki.data.as_bytes(), password, what)?;
                keys.push((key, id, name));
            } else if bag.bag_id == BAG_KEY {
                keys.push((value, id, name));
            } else if bag.bag_id == BAG_CERT {
                let cb = CertBag::from_ber(&value)
                    .map_err(|e| parse(&format!("certificate bag: {e}")))?;
                if cb.cert_id != CERT_X509 {
                    continue; // SDSI certificates: none in practice.
                }
                let cert = Certificate::from_der(cb.cert_value.as_bytes())
                    .map_err(|e| parse(&format!("certificate: {e}")))?;
                certs.push((cert, id));
            }
            // CRL and secret bags carry nothing a signer needs.
        }
        let (key, key_id, friendly_name) = match keys.len() {
            0 => return Err(parse(&"the store holds no private key")),
            1 => keys.remove(0),
            n => {
                return Err(KeyError::Unsupported(format!(
                    "{what}: {n} private keys in one store (one is expected)"
                )));
            }
        };
        let index = find_certificate(&key, key_id.as_deref(), &certs).ok_or_else(|| {
            parse(&"no certificate in the store matches the private key (by localKeyId or public key)")
        })?;
        let (certificate, _) = certs.remove(index);
        Ok(Pkcs12 {
            key,
            certificate,
            chain: certs.into_iter().map(|(c, _)| c).collect(),
            friendly_name,
        })
    }

    /// The private key as PKCS#8 DER, whatever its algorithm (GOST keys included).
    pub fn private_key_der(&self) -> &[u8] {
        &self.key
    }

    /// The algorithm OID of the private key (from its PKCS#8 structure).
    pub fn key_algorithm(&self) -> Option<ObjectIdentifier> {
        super::pkcs8_algorithm(&self.key).ok()
    }

    /// The private key for signing (RSA and P-256 now; other algorithms give
    /// [`KeyError::Unsupported`] naming the OID, from [`PrivateKey::from_pkcs8_der`]).
    pub fn private_key(&self) -> Result<PrivateKey, KeyError> {
        PrivateKey::from_pkcs8_der(&self.key)
    }

    /// The certificate of the private key.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The other certificates of the store (CA certificates of the chain, if any; NCA's
    /// stores hold none).
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// The key's friendly name (NCA writes the key id in hex).
    pub fn friendly_name(&self) -> Option<&str> {
        self.friendly_name.as_deref()
    }

    /// A store of this key and these certificates (the first is the key's).
    pub fn new(
        key: &PrivateKey,
        certificate: Certificate,
        chain: Vec<Certificate>,
        friendly_name: Option<String>,
    ) -> Result<Pkcs12, KeyError> {
        let pem = key.to_pkcs8_pem()?;
        let (_, der) =
            der::pem::decode_vec(pem.as_bytes()).map_err(|e| KeyError::Crypto(e.to_string()))?;
        let ours = key.public_key_info()?;
        if certificate.tbs_certificate().subject_public_key_info() != &ours {
            return Err(KeyError::Crypto(
                "the certificate is not the key's (public keys differ)".into(),
            ));
        }
        Ok(Pkcs12 {
            key: der,
            certificate,
            chain,
            friendly_name,
        })
    }

    /// Writes the store to a file readable by its owner only (Unix), as [`Pkcs12::to_der`].
    pub fn write_file(&self, path: &Path, password: &str) -> Result<(), KeyError> {
        super::write_private(path, self.to_der(password)?).map_err(|source| KeyError::Io {
            path: path.display().to_string(),
            source,
        })
    }

    /// Writes the store as DER: key bag and certificate bag under pbeWithSHAAnd3-KeyTripleDES-CBC,
    /// HMAC-SHA1 MAC, 2048 iterations, fresh random salts. `openssl pkcs12` reads it without
    /// `-legacy`.
    pub fn to_der(&self, password: &str) -> Result<Vec<u8>, KeyError> {
        let crypto = |e: &dyn std::fmt::Display| KeyError::Crypto(e.to_string());
        let password = bmp_password(password);
        let key_id = {
            use sha1::Digest;
            let spki = self.certificate.tbs_certificate().subject_public_key_info();
            sha1::Sha1::digest(spki.subject_public_key.raw_bytes()).to_vec()
        };
        let mut attrs = vec![attribute(
            LOCAL_KEY_ID,
            Any::encode_from(&OctetString::new(key_id.clone()).map_err(|e| crypto(&e))?)
                .map_err(|e| crypto(&e))?,
        )?];
        if let Some(name) = &self.friendly_name {
            let bmp = BmpString::from_utf8(name).map_err(|e| crypto(&e))?;
            attrs.push(attribute(
                FRIENDLY_NAME,
                Any::encode_from(&bmp).map_err(|e| crypto(&e))?,
            )?);
        }
        let attrs = SetOfVec::try_from(attrs).map_err(|e| crypto(&e))?;

        let (alg, data) = encrypt_3des(&self.key, &password)?;
        let epki = EncryptedPrivateKeyInfo {
            algorithm: alg,
            data: OctetString::new(data).map_err(|e| crypto(&e))?,
        };
        let key_bag = SafeBag {
            bag_id: BAG_SHROUDED_KEY,
            bag_value: Any::encode_from(&epki).map_err(|e| crypto(&e))?,
            attributes: Some(attrs.clone()),
        };
        let mut cert_bags = Vec::new();
        for (i, cert) in std::iter::once(&self.certificate)
            .chain(self.chain.iter())
            .enumerate()
        {
            let cb = CertBag {
                cert_id: CERT_X509,
                cert_value: OctetString::new(cert.to_der().map_err(|e| crypto(&e))?)
                    .map_err(|e| crypto(&e))?,
            };
            cert_bags.push(SafeBag {
                bag_id: BAG_CERT,
                bag_value: Any::encode_from(&cb).map_err(|e| crypto(&e))?,
                attributes: (i == 0).then(|| attrs.clone()),
            });
        }
        let key_contents = vec![key_bag].to_der().map_err(|e| crypto(&e))?;
        let cert_contents = cert_bags.to_der().map_err(|e| crypto(&e))?;
        let (alg, data) = encrypt_3des(&cert_contents, &password)?;
        let encrypted = EncryptedData {
            version: 0,
            info: EncryptedContentInfo {
                content_type: oids::ID_DATA,
                algorithm: alg,
                content: Some(OctetString::new(data).map_err(|e| crypto(&e))?),
            },
        };
        let auth_safe = vec![
            cms::content_info::ContentInfo {
                content_type: oids::ID_DATA,
                content: Any::encode_from(&OctetString::new(key_contents).map_err(|e| crypto(&e))?)
                    .map_err(|e| crypto(&e))?,
            },
            cms::content_info::ContentInfo {
                content_type: ID_ENCRYPTED_DATA,
                content: Any::encode_from(&encrypted).map_err(|e| crypto(&e))?,
            },
        ]
        .to_der()
        .map_err(|e| crypto(&e))?;

        let salt = random(20)?;
        let mac_key = kdf_sha1(&password, &salt, WRITE_ITERATIONS, 3, 20);
        let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(&mac_key).map_err(|e| crypto(&e))?;
        mac.update(&auth_safe);
        let pfx = Pfx {
            version: 3,
            auth_safe: cms::content_info::ContentInfo {
                content_type: oids::ID_DATA,
                content: Any::encode_from(&OctetString::new(auth_safe).map_err(|e| crypto(&e))?)
                    .map_err(|e| crypto(&e))?,
            },
            mac_data: Some(MacData {
                mac: DigestInfo {
                    algorithm: AlgorithmIdentifierOwned {
                        oid: SHA1,
                        parameters: Some(Any::null()),
                    },
                    digest: OctetString::new(mac.finalize().into_bytes().to_vec())
                        .map_err(|e| crypto(&e))?,
                },
                mac_salt: OctetString::new(salt).map_err(|e| crypto(&e))?,
                iterations: Some(WRITE_ITERATIONS),
            }),
        };
        pfx.to_der().map_err(|e| crypto(&e))
    }
}

/// The content octets of an `[0] EXPLICIT OCTET STRING` (BER chunks reassembled).
fn octets(content: &Any) -> Result<Vec<u8>, String> {
    let der = content.to_der().map_err(|e| e.to_string())?;
    OctetString::from_ber(&der)
        .map(|o| o.as_bytes().to_vec())
        .map_err(|e| format!("data content: {e}"))
}

/// localKeyId and friendlyName of a bag.
fn bag_attributes(bag: &SafeBag) -> (Option<Vec<u8>>, Option<String>) {
    let mut id = None;
    let mut name = None;
    for attr in bag.attributes.iter().flat_map(|a| a.iter()) {
        let Some(value) = attr.values.iter().next() else {
            continue;
        };
        if attr.oid == LOCAL_KEY_ID {
            id = value
                .decode_as::<OctetString>()
                .ok()
                .map(|o| o.as_bytes().to_vec());
        } else if attr.oid == FRIENDLY_NAME {
            name = value.decode_as::<BmpString>().ok().map(|s| s.to_string());
        }
    }
    (id, name)
}

/// The certificate of the key: same localKeyId, else same public key (RSA, P-256), else
/// the only end-entity certificate.
fn find_certificate(
    key: &[u8],
    key_id: Option<&[u8]>,
    certs: &[(Certificate, Option<Vec<u8>>)],
) -> Option<usize> {
    if let Some(id) = key_id
        && let Some(i) = certs.iter().position(|(_, cid)| cid.as_deref() == Some(id))
    {
        return Some(i);
    }
    if let Ok(spki) = PrivateKey::from_pkcs8_der(key).and_then(|k| k.public_key_info()) {
        return certs
            .iter()
            .position(|(c, _)| c.tbs_certificate().subject_public_key_info() == &spki);
    }
    let leaves: Vec<usize> = certs
        .iter()
        .enumerate()
        .filter(|(_, (c, _))| crate::cert::ca_constraints(c).is_none())
        .map(|(i, _)| i)
        .collect();
    match leaves.as_slice() {
        [i] => Some(*i),
        _ => None,
    }
}

fn check_mac(mac: &MacData, data: &[u8], password: &[u8], what: &str) -> Result<(), KeyError> {
    let iterations = mac.iterations.unwrap_or(1);
    if iterations == 0 || iterations > MAX_ITERATIONS {
        return Err(KeyError::Parse(format!(
            "{what}: MAC iteration count {iterations} out of range"
        )));
    }
    if mac.mac.algorithm.oid != SHA1 {
        return Err(KeyError::Unsupported(format!(
            "{what}: MAC algorithm {} (HMAC-SHA1 is read; re-export with `openssl pkcs12 -export -legacy`)",
            mac.mac.algorithm.oid
        )));
    }
    let key = kdf_sha1(password, mac.mac_salt.as_bytes(), iterations, 3, 20);
    let mut hmac = hmac::Hmac::<sha1::Sha1>::new_from_slice(&key)
        .map_err(|e| KeyError::Crypto(e.to_string()))?;
    hmac.update(data);
    hmac.verify_slice(mac.mac.digest.as_bytes())
        .map_err(|_| KeyError::WrongPassword {
            what: what.to_string(),
            why: "MAC check failed".into(),
        })
}

fn decrypt(
    alg: &AlgorithmIdentifierOwned,
    data: &[u8],
    password: &[u8],
    what: &str,
) -> Result<Vec<u8>, KeyError> {
    if alg.oid == PBES2 {
        return Err(KeyError::Unsupported(format!(
            "{what}: PBES2 encryption (OpenSSL 3's default); re-export with `openssl pkcs12 -export -legacy`"
        )));
    }
    let params: PbeParams = alg
        .parameters
        .as_ref()
        .ok_or_else(|| KeyError::Parse(format!("{what}: PBE parameters missing")))?
        .decode_as()
        .map_err(|e| KeyError::Parse(format!("{what}: PBE parameters: {e}")))?;
    if params.iterations == 0 || params.iterations > MAX_ITERATIONS {
        return Err(KeyError::Parse(format!(
            "{what}: PBE iteration count {} out of range",
            params.iterations
        )));
    }
    let salt = params.salt.as_bytes();
    let derive = |id, n| kdf_sha1(password, salt, params.iterations, id, n);
    let iv = derive(2, 8);
    let plain = if alg.oid == PBE_SHA1_3DES {
        cbc::Decryptor::<des::TdesEde3>::new_from_slices(&derive(1, 24), &iv)
            .map_err(|e| KeyError::Crypto(e.to_string()))?
            .decrypt_padded_vec::<Pkcs7>(data)
    } else if alg.oid == PBE_SHA1_2DES {
        cbc::Decryptor::<des::TdesEde2>::new_from_slices(&derive(1, 16), &iv)
            .map_err(|e| KeyError::Crypto(e.to_string()))?
            .decrypt_padded_vec::<Pkcs7>(data)
    } else if alg.oid == PBE_SHA1_RC2_40 || alg.oid == PBE_SHA1_RC2_128 {
        let bits = if alg.oid == PBE_SHA1_RC2_40 { 40 } else { 128 };
        let rc2 = rc2::Rc2::new_with_eff_key_len(&derive(1, bits / 8), bits);
        use cbc::cipher::InnerIvInit;
        cbc::Decryptor::<rc2::Rc2>::inner_iv_slice_init(rc2, &iv)
            .map_err(|e| KeyError::Crypto(e.to_string()))?
            .decrypt_padded_vec::<Pkcs7>(data)
    } else {
        return Err(KeyError::Unsupported(format!(
            "{what}: encryption {} (PKCS#12 PBE with SHA-1 and 3DES or RC2 is read)",
            alg.oid
        )));
    };
    plain.map_err(|_| KeyError::WrongPassword {
        what: what.to_string(),
        why: "decryption failed".into(),
    })
}

fn encrypt_3des(
    plain: &[u8],
    password: &[u8],
) -> Result<(AlgorithmIdentifierOwned, Vec<u8>), KeyError> {
    let crypto = |e: &dyn std::fmt::Display| KeyError::Crypto(e.to_string());
    let salt = random(8)?;
    let key = kdf_sha1(password, &salt, WRITE_ITERATIONS, 1, 24);
    let iv = kdf_sha1(password, &salt, WRITE_ITERATIONS, 2, 8);
    let data = cbc::Encryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
        .map_err(|e| crypto(&e))?
        .encrypt_padded_vec::<Pkcs7>(plain);
    let params = PbeParams {
        salt: OctetString::new(salt).map_err(|e| crypto(&e))?,
        iterations: WRITE_ITERATIONS,
    };
    Ok((
        AlgorithmIdentifierOwned {
            oid: PBE_SHA1_3DES,
            parameters: Some(Any::encode_from(&params).map_err(|e| crypto(&e))?),
        },
        data,
    ))
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, KeyError> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value]).map_err(|e| KeyError::Crypto(e.to_string()))?,
    })
}

fn random(n: usize) -> Result<Vec<u8>, KeyError> {
    let mut out = vec![0u8; n];
    getrandom::fill(&mut out).map_err(|e| KeyError::Crypto(e.to_string()))?;
    Ok(out)
}

/// The password as PKCS#12 wants it: BMPString (UTF-16 big-endian) with a two-byte NUL
/// terminator (RFC 7292 Appendix B.1).
fn bmp_password(password: &str) -> Vec<u8> {
    let mut out: Vec<u8> = password.encode_utf16().flat_map(u16::to_be_bytes).collect();
    out.extend([0, 0]);
    out
}

/// The PKCS#12 key derivation (RFC 7292 Appendix B.2) with SHA-1 (u = 20, v = 64 bytes).
/// `id` is 1 for a key, 2 for an IV, 3 for a MAC key.
fn kdf_sha1(password: &[u8], salt: &[u8], iterations: u32, id: u8, n: usize) -> Vec<u8> {
    use sha1::Digest;
    const U: usize = 20;
    const V: usize = 64;
    // Salt and password each repeated to a multiple of v bytes (empty stays empty).
    let fill = |s: &[u8]| -> Vec<u8> {
        let len = s.len().div_ceil(V) * V;
        s.iter().copied().cycle().take(len).collect()
    };
    let mut i_block: Vec<u8> = fill(salt);
    i_block.extend(fill(password));
    let d = [id; V];
    let mut out = Vec::with_capacity(n.div_ceil(U) * U);
    while out.len() < n {
        let mut a = sha1::Sha1::new()
            .chain_update(d)
            .chain_update(&i_block)
            .finalize();
        for _ in 1..iterations {
            a = sha1::Sha1::digest(a);
        }
        out.extend_from_slice(&a);
        if out.len() >= n {
            break;
        }
        // B = A repeated to v bytes; every v-byte block of I becomes (I_j + B + 1) mod 2^(8v).
        let b: Vec<u8> = a.iter().copied().cycle().take(V).collect();
        for chunk in i_block.chunks_mut(V) {
            let mut carry = 1u16;
            for k in (0..V).rev() {
                let sum = u16::from(chunk[k]) + u16::from(b[k]) + carry;
                chunk[k] = sum as u8;
                carry = sum >> 8;
            }
        }
    }
    out.truncate(n);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bmp_password_is_utf16_be_with_terminator() {
        assert_eq!(bmp_password("Ab"), vec![0, b'A', 0, b'b', 0, 0]);
        assert_eq!(bmp_password("Ә"), vec![0x04, 0xD8, 0, 0]);
    }

    /// The KDF's output depends on id, salt, password and iterations, and extends past one
    /// hash length consistently.
    #[test]
    fn kdf_separates_its_inputs() {
        let p = bmp_password("Qwerty12");
        let base = kdf_sha1(&p, b"saltsalt", 2, 1, 24);
        assert_eq!(base.len(), 24);
        assert_ne!(base, kdf_sha1(&p, b"saltsalt", 2, 2, 24));
        assert_ne!(base, kdf_sha1(&p, b"saltsalX", 2, 1, 24));
        assert_ne!(base, kdf_sha1(&p, b"saltsalt", 3, 1, 24));
        assert_eq!(base[..20], kdf_sha1(&p, b"saltsalt", 2, 1, 20)[..]);
    }
}
