//! Kazakh GOST signatures as NCA RK (and its Kalkan library) makes them: GOST 34.10-2015
//! 512-bit with GOST 34.11-2015 (Streebog-512), and GOST 34.310-2004 with GOST 34.311-95.
//!
//! The signature scheme is GOST R 34.10's (RFC 7091 §6): e = h mod q (1 if 0), C = k·G,
//! r = x_C mod q, s = (r·d + k·e) mod q; verification checks x of (s·e⁻¹)·G + (−r·e⁻¹)·Q.
//! The encodings below were read off NCA's test material (`shared/ecp-test/`, details in
//! `docs/ecp.md`):
//! * digest h: the hash's output bytes read as a little-endian integer;
//! * signature (X.509, CRL and CMS alike): r ‖ s, each half little-endian (the byte reversal
//!   of RFC 4491's s ‖ r big-endian);
//! * public key: the BIT STRING holds a DER OCTET STRING of x ‖ y, each little-endian;
//! * private key (PKCS#8 in NCA's .p12): privateKey holds, for 34.10-2015 512, a DER OCTET
//!   STRING of d little-endian; for 34.310-2004, a DER INTEGER d (big-endian, as INTEGERs
//!   are).
//!
//! Not for: the 256-bit GOST 34.10-2015 variant (`1.2.398.3.10.1.1.2.3.1`; no NCA material
//! to identify its curve), key agreement, GOST encryption of .p12 files.

pub mod curves;

use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use elliptic_curve::ops::{LinearCombination, Reduce};
use elliptic_curve::point::AffineCoordinates;
use elliptic_curve::{Field, FieldBytes, Generate, NonZeroScalar, PrimeField};
use primeorder::{AffinePoint, PrimeCurveParams, ProjectivePoint};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use crate::oids;
use curves::{cryptopro_a::CryptoProA, tc26_512a::Tc26Gost512A};

/// Errors of GOST keys and signatures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GostError {
    /// The signature does not verify (or is malformed: wrong length, r or s out of range).
    #[error("the GOST signature does not verify")]
    Invalid,
    /// A public or private key that cannot be read.
    #[error("bad GOST key: {0}")]
    BadKey(String),
    /// The operating system's random source failed.
    #[error("random source: {0}")]
    Random(String),
}

/// A GOST algorithm NCA RK issues keys for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GostAlgorithm {
    /// GOST 34.10-2015, 512 bits, curve TC26 512-A, hash Streebog-512 (NCA `…1.1.2.x`).
    Gost2015_512,
    /// GOST 34.310-2004, curve CryptoPro-A, hash GOST 34.311-95 (NCA `…1.1.1.x`).
    Gost2004,
}

impl GostAlgorithm {
    /// Both, newest first.
    pub const ALL: [GostAlgorithm; 2] = [GostAlgorithm::Gost2015_512, GostAlgorithm::Gost2004];

    /// The public key algorithm OID (SubjectPublicKeyInfo, PKCS#8).
    pub fn key_oid(self) -> ObjectIdentifier {
        match self {
            GostAlgorithm::Gost2015_512 => oids::GOST_34310_2015_512_KEY,
            GostAlgorithm::Gost2004 => oids::GOST_34310_2004_KEY,
        }
    }

    /// The curve parameter OID NCA writes beside the key algorithm.
    pub fn curve_oid(self) -> ObjectIdentifier {
        match self {
            GostAlgorithm::Gost2015_512 => oids::GOST_34310_2015_512_CURVE_A,
            GostAlgorithm::Gost2004 => oids::GOST_34310_2004_CURVE_A,
        }
    }

    /// The hash parameter OID NCA writes beside the curve in key parameters.
    pub fn key_digest_param_oid(self) -> ObjectIdentifier {
        match self {
            GostAlgorithm::Gost2015_512 => oids::GOST_34311_2015_512_DIGEST,
            GostAlgorithm::Gost2004 => oids::GOST_34311_95_PARAMS,
        }
    }

    /// The digest algorithm OID (CMS digestAlgorithm).
    pub fn digest_oid(self) -> ObjectIdentifier {
        match self {
            GostAlgorithm::Gost2015_512 => oids::GOST_34311_2015_512_DIGEST,
            GostAlgorithm::Gost2004 => oids::GOST_34311_DIGEST,
        }
    }

    /// The signature algorithm OID (certificates, CRLs, CMS signatureAlgorithm).
    pub fn signature_oid(self) -> ObjectIdentifier {
        match self {
            GostAlgorithm::Gost2015_512 => oids::GOST_34311_2015_WITH_34310_2015_512,
            GostAlgorithm::Gost2004 => oids::GOST_34311_WITH_34310,
        }
    }

    /// The algorithm whose signature OID is `oid`.
    pub fn from_signature_oid(oid: &ObjectIdentifier) -> Option<GostAlgorithm> {
        Self::ALL.into_iter().find(|a| a.signature_oid() == *oid)
    }

    /// The algorithm whose digest OID is `oid`.
    pub fn from_digest_oid(oid: &ObjectIdentifier) -> Option<GostAlgorithm> {
        Self::ALL.into_iter().find(|a| a.digest_oid() == *oid)
    }

    /// The algorithm of a key, by its algorithm OID and (if present) curve parameter.
    /// `Err` names what does not fit.
    pub fn from_key_algorithm(alg: &AlgorithmIdentifierOwned) -> Result<GostAlgorithm, String> {
        let algorithm = Self::ALL
            .into_iter()
            .find(|a| a.key_oid() == alg.oid)
            .ok_or_else(|| format!("key algorithm {} is not a GOST one", alg.oid))?;
        if let Some(params) = &alg.parameters {
            // SEQUENCE { curve OID, hash OID }; the curve must be the one we know.
            let curve = params
                .decode_as::<Vec<ObjectIdentifier>>()
                .ok()
                .and_then(|v| v.first().copied())
                .ok_or("key parameters are not SEQUENCE { curve, hash }")?;
            if curve != algorithm.curve_oid() {
                return Err(format!(
                    "curve {curve} (only {} is known for key algorithm {})",
                    algorithm.curve_oid(),
                    alg.oid
                ));
            }
        }
        Ok(algorithm)
    }

    /// Bytes of one coordinate, of r, of s and of d.
    pub fn size(self) -> usize {
        match self {
            GostAlgorithm::Gost2015_512 => 64,
            GostAlgorithm::Gost2004 => 32,
        }
    }

    /// The hash of `data` as the hash function outputs it (also the CMS messageDigest).
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        use streebog::Digest;
        match self {
            GostAlgorithm::Gost2015_512 => streebog::Streebog512::digest(data).to_vec(),
            // The 34.11-94 "test" S-box: the only one with which NCA's 2004 test signatures
            // verify (CryptoPro's and the others do not).
            GostAlgorithm::Gost2004 => gost94::Gost94Test::digest(data).to_vec(),
        }
    }

    /// The key parameters NCA writes: SEQUENCE { curve OID, hash OID }.
    pub fn key_algorithm_identifier(self) -> Result<AlgorithmIdentifierOwned, der::Error> {
        let params = vec![self.curve_oid(), self.key_digest_param_oid()];
        Ok(AlgorithmIdentifierOwned {
            oid: self.key_oid(),
            parameters: Some(der::Any::encode_from(&params)?),
        })
    }

    /// The signature AlgorithmIdentifier as NCA writes it (with a NULL parameter).
    pub fn signature_algorithm_identifier(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: self.signature_oid(),
            parameters: Some(der::Any::null()),
        }
    }

    /// The digest AlgorithmIdentifier as NCANode writes it in CMS (with a NULL parameter).
    pub fn digest_algorithm_identifier(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: self.digest_oid(),
            parameters: Some(der::Any::null()),
        }
    }

    /// Verifies `signature` (r ‖ s, little-endian halves) over `message` with the raw public
    /// key `x ‖ y` (little-endian halves, the content of the SPKI's OCTET STRING).
    pub fn verify(
        self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), GostError> {
        let digest = self.digest(message);
        match self {
            GostAlgorithm::Gost2015_512 => {
                verify_digest::<Tc26Gost512A>(public_key, &digest, signature)
            }
            GostAlgorithm::Gost2004 => verify_digest::<CryptoProA>(public_key, &digest, signature),
        }
    }
}

/// The raw public key (x ‖ y, little-endian) inside a GOST SubjectPublicKeyInfo.
pub fn public_key_bytes(spki: &SubjectPublicKeyInfoOwned) -> Result<Vec<u8>, GostError> {
    let bits = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| GostError::BadKey("public key BIT STRING has unused bits".into()))?;
    let octets = OctetString::from_der(bits).map_err(|e| {
        GostError::BadKey(format!(
            "public key is not a DER OCTET STRING of x ‖ y: {e}"
        ))
    })?;
    Ok(octets.into_bytes().into_vec())
}

/// Reverses a little-endian number of exactly the field size into field bytes.
fn le_to_repr<C: PrimeCurveParams>(le: &[u8]) -> Option<FieldBytes<C>> {
    let mut repr = FieldBytes::<C>::default();
    if le.len() != repr.len() {
        return None;
    }
    for (dst, src) in repr.iter_mut().zip(le.iter().rev()) {
        *dst = *src;
    }
    Some(repr)
}

fn repr_to_le<C: PrimeCurveParams>(repr: &FieldBytes<C>) -> Vec<u8> {
    repr.iter().rev().copied().collect()
}

/// e = h mod q, h read little-endian; 1 if that is zero (GOST R 34.10 step 2).
fn digest_scalar<C: PrimeCurveParams>(digest: &[u8]) -> Option<C::Scalar> {
    let e = <C::Scalar as Reduce<FieldBytes<C>>>::reduce(&le_to_repr::<C>(digest)?);
    Some(if bool::from(e.is_zero()) {
        C::Scalar::ONE
    } else {
        e
    })
}

fn point_from_le<C: PrimeCurveParams>(public_key: &[u8]) -> Result<AffinePoint<C>, GostError> {
    let n = FieldBytes::<C>::default().len();
    let bad = || GostError::BadKey(format!("a public key of {} bytes on the curve", 2 * n));
    if public_key.len() != 2 * n {
        return Err(bad());
    }
    let x = le_to_repr::<C>(&public_key[..n]).ok_or_else(bad)?;
    let y = le_to_repr::<C>(&public_key[n..]).ok_or_else(bad)?;
    Option::from(AffinePoint::<C>::from_coordinates(&x, &y)).ok_or_else(bad)
}

/// x of a point, reduced mod q.
fn x_mod_q<C: PrimeCurveParams>(point: &ProjectivePoint<C>) -> C::Scalar {
    let affine: AffinePoint<C> = point.into();
    <C::Scalar as Reduce<FieldBytes<C>>>::reduce(&affine.x())
}

fn verify_digest<C: PrimeCurveParams>(
    public_key: &[u8],
    digest: &[u8],
    signature: &[u8],
) -> Result<(), GostError> {
    let q_point = point_from_le::<C>(public_key)?;
    let n = FieldBytes::<C>::default().len();
    if signature.len() != 2 * n {
        return Err(GostError::Invalid);
    }
    let scalar = |le: &[u8]| -> Option<C::Scalar> {
        let s = Option::<C::Scalar>::from(C::Scalar::from_repr(le_to_repr::<C>(le)?))?;
        (!bool::from(s.is_zero())).then_some(s)
    };
    let (Some(r), Some(s)) = (scalar(&signature[..n]), scalar(&signature[n..])) else {
        return Err(GostError::Invalid);
    };
    let e = digest_scalar::<C>(digest).ok_or(GostError::Invalid)?;
    let v = Option::<C::Scalar>::from(e.invert()).ok_or(GostError::Invalid)?;
    let z1 = s * v;
    let z2 = -(r * v);
    let c = ProjectivePoint::<C>::lincomb(&[
        (ProjectivePoint::<C>::GENERATOR, z1),
        (ProjectivePoint::<C>::from(q_point), z2),
    ]);
    if bool::from(primeorder::elliptic_curve::group::Group::is_identity(&c)) {
        return Err(GostError::Invalid);
    }
    if x_mod_q::<C>(&c) == r {
        Ok(())
    } else {
        Err(GostError::Invalid)
    }
}

fn sign_digest<C: PrimeCurveParams>(d: &C::Scalar, digest: &[u8]) -> Result<Vec<u8>, GostError> {
    let e = digest_scalar::<C>(digest)
        .ok_or_else(|| GostError::BadKey("digest of the wrong length".into()))?;
    loop {
        let k = NonZeroScalar::<C>::try_generate_from_rng(&mut getrandom::SysRng)
            .map_err(|e| GostError::Random(e.to_string()))?;
        let r = x_mod_q::<C>(&(ProjectivePoint::<C>::GENERATOR * *k));
        if bool::from(r.is_zero()) {
            continue;
        }
        let s = r * d + *k * e;
        if bool::from(s.is_zero()) {
            continue;
        }
        let mut out = repr_to_le::<C>(&r.to_repr());
        out.extend(repr_to_le::<C>(&s.to_repr()));
        return Ok(out);
    }
}

fn public_from<C: PrimeCurveParams>(d: &C::Scalar) -> Vec<u8> {
    let p: AffinePoint<C> = (ProjectivePoint::<C>::GENERATOR * *d).into();
    let mut out = repr_to_le::<C>(&p.x());
    out.extend(repr_to_le::<C>(&p.y()));
    out
}

/// The secret scalar, per curve.
#[derive(Clone)]
enum Secret {
    Gost2015_512(curves::tc26_512a::Scalar),
    Gost2004(curves::cryptopro_a::Scalar),
}

/// A GOST private key (the secret d), for signing.
#[derive(Clone)]
pub struct GostPrivateKey {
    secret: Secret,
}

impl std::fmt::Debug for GostPrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GostPrivateKey({:?}, ..)", self.algorithm())
    }
}

fn scalar_from_le<C: PrimeCurveParams>(le: &[u8]) -> Result<C::Scalar, GostError> {
    let bad = || {
        GostError::BadKey(format!(
            "private key d must be {} little-endian bytes with 0 < d < q",
            FieldBytes::<C>::default().len()
        ))
    };
    let repr = le_to_repr::<C>(le).ok_or_else(bad)?;
    let d = Option::<C::Scalar>::from(C::Scalar::from_repr(repr)).ok_or_else(bad)?;
    if bool::from(d.is_zero()) {
        return Err(bad());
    }
    Ok(d)
}

impl GostPrivateKey {
    /// A new key from the operating system's random source.
    pub fn generate(algorithm: GostAlgorithm) -> Result<GostPrivateKey, GostError> {
        let random = |e: getrandom::Error| GostError::Random(e.to_string());
        let secret = match algorithm {
            GostAlgorithm::Gost2015_512 => Secret::Gost2015_512(
                *NonZeroScalar::<Tc26Gost512A>::try_generate_from_rng(&mut getrandom::SysRng)
                    .map_err(random)?,
            ),
            GostAlgorithm::Gost2004 => Secret::Gost2004(
                *NonZeroScalar::<CryptoProA>::try_generate_from_rng(&mut getrandom::SysRng)
                    .map_err(random)?,
            ),
        };
        Ok(GostPrivateKey { secret })
    }

    /// The key d from its little-endian bytes.
    pub fn from_le_bytes(algorithm: GostAlgorithm, d: &[u8]) -> Result<GostPrivateKey, GostError> {
        let secret = match algorithm {
            GostAlgorithm::Gost2015_512 => Secret::Gost2015_512(scalar_from_le::<Tc26Gost512A>(d)?),
            GostAlgorithm::Gost2004 => Secret::Gost2004(scalar_from_le::<CryptoProA>(d)?),
        };
        Ok(GostPrivateKey { secret })
    }

    /// Reads NCA's PKCS#8 PrivateKeyInfo: GOST key algorithm with SEQUENCE { curve, hash }
    /// parameters, privateKey = DER OCTET STRING of d (little-endian) or DER INTEGER d.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<GostPrivateKey, GostError> {
        let info = pkcs8::PrivateKeyInfoRef::from_der(der)
            .map_err(|e| GostError::BadKey(format!("PKCS#8: {e}")))?;
        let alg = AlgorithmIdentifierOwned {
            oid: info.algorithm.oid,
            parameters: info.algorithm.parameters.map(Into::into),
        };
        let algorithm = GostAlgorithm::from_key_algorithm(&alg).map_err(GostError::BadKey)?;
        let inner = der::Any::from_der(info.private_key.as_bytes())
            .map_err(|e| GostError::BadKey(format!("privateKey holds no DER value: {e}")))?;
        if der::Tagged::tag(&inner) == der::Tag::OctetString {
            return Self::from_le_bytes(algorithm, inner.value());
        }
        let d = inner.decode_as::<der::asn1::UintRef<'_>>().map_err(|e| {
            GostError::BadKey(format!(
                "privateKey is neither an OCTET STRING nor an INTEGER d: {e}"
            ))
        })?;
        let size = algorithm.size();
        if d.as_bytes().len() > size {
            return Err(GostError::BadKey(format!(
                "private key d is longer than {size} bytes"
            )));
        }
        let mut le: Vec<u8> = d.as_bytes().iter().rev().copied().collect();
        le.resize(size, 0);
        Self::from_le_bytes(algorithm, &le)
    }

    /// The key as PKCS#8 DER, in NCA's layout (see [`Self::from_pkcs8_der`]).
    pub fn to_pkcs8_der(&self) -> Result<Vec<u8>, der::Error> {
        let algorithm = self.algorithm().key_algorithm_identifier()?;
        let le = self.d_le();
        let d = match self.algorithm() {
            GostAlgorithm::Gost2015_512 => OctetString::new(le)?.to_der()?,
            GostAlgorithm::Gost2004 => {
                let be: Vec<u8> = le.into_iter().rev().collect();
                der::asn1::Uint::new(&be)?.to_der()?
            }
        };
        let info = pkcs8::PrivateKeyInfoOwned::new(algorithm, OctetString::new(d)?);
        info.to_der()
    }

    fn d_le(&self) -> Vec<u8> {
        match &self.secret {
            Secret::Gost2015_512(d) => repr_to_le::<Tc26Gost512A>(&d.to_repr()),
            Secret::Gost2004(d) => repr_to_le::<CryptoProA>(&d.to_repr()),
        }
    }

    /// The algorithm of this key.
    pub fn algorithm(&self) -> GostAlgorithm {
        match self.secret {
            Secret::Gost2015_512(_) => GostAlgorithm::Gost2015_512,
            Secret::Gost2004(_) => GostAlgorithm::Gost2004,
        }
    }

    /// The raw public key x ‖ y (little-endian halves).
    pub fn public_key_bytes(&self) -> Vec<u8> {
        match &self.secret {
            Secret::Gost2015_512(d) => public_from::<Tc26Gost512A>(d),
            Secret::Gost2004(d) => public_from::<CryptoProA>(d),
        }
    }

    /// The SubjectPublicKeyInfo as NCA writes it.
    pub fn public_key_info(&self) -> Result<SubjectPublicKeyInfoOwned, der::Error> {
        let key = OctetString::new(self.public_key_bytes())?.to_der()?;
        Ok(SubjectPublicKeyInfoOwned {
            algorithm: self.algorithm().key_algorithm_identifier()?,
            subject_public_key: der::asn1::BitString::from_bytes(&key)?,
        })
    }

    /// Signs `message` (hashing it with the algorithm's hash); r ‖ s, little-endian halves.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, GostError> {
        let digest = self.algorithm().digest(message);
        match &self.secret {
            Secret::Gost2015_512(d) => sign_digest::<Tc26Gost512A>(d, &digest),
            Secret::Gost2004(d) => sign_digest::<CryptoProA>(d, &digest),
        }
    }
}

#[cfg(test)]
mod tests;
