//! The two curves NCA RK signs on, as RustCrypto `primeorder` curves: the field and scalar
//! types come from `primefield`'s Montgomery macros over `crypto-bigint`, the point
//! arithmetic from `primeorder` (nothing here adds or doubles points).
//!
//! Which curve each NCA OID names was found by checking that the public keys of NCA's test
//! certificates (`shared/ecp-test/`) lie on it and that NCA's signatures verify on it; see
//! `docs/ecp.md`.

/// Defines a short-Weierstrass curve with a = −3 (both curves have it) in the current module.
macro_rules! gost_curve {
    (
        curve: $curve:ident,
        doc: $doc:expr,
        uint: $uint:ident,
        bytes: $bytes:ident,
        p: $p:expr,
        p_generator: $pg:expr,
        q: $q:expr,
        q_generator: $qg:expr,
        b: $b:expr,
        gx: $gx:expr,
        gy: $gy:expr $(,)?
    ) => {
        use elliptic_curve::bigint::{$uint, Odd};
        use elliptic_curve::consts::$bytes;
        use elliptic_curve::{CurveArithmetic, PrimeCurveArithmetic, hazmat::FieldArithmetic};
        use primeorder::{PrimeCurveParams, point_arithmetic};

        pub use field::FieldElement;
        pub use scalar::Scalar;

        #[doc = $doc]
        #[derive(Copy, Clone, Debug, Default, Eq, PartialEq, PartialOrd, Ord)]
        pub struct $curve;

        impl elliptic_curve::Curve for $curve {
            type FieldBytesSize = $bytes;
            type Uint = $uint;
            const ORDER: Odd<$uint> = Odd::<$uint>::from_be_hex($q);
        }

        impl elliptic_curve::PrimeCurve for $curve {}

        // The multiplicative generators are the smallest elements that are no r-th power for
        // any prime r below 200 000 dividing the modulus − 1 (computed when this was written);
        // they serve `ff`'s square roots and roots of unity, which GOST does not use.
        // primefield 0.14's macros call crypto-bigint's deprecated `bits`.
        #[allow(deprecated)]
        mod field {
            use elliptic_curve::bigint::$uint;
            use elliptic_curve::ff::PrimeField;
            use elliptic_curve::subtle::{Choice, ConstantTimeEq, CtOption};

            primefield::monty_field_params!(
                name: FieldParams,
                modulus: $p,
                uint: $uint,
                byte_order: primefield::ByteOrder::BigEndian,
                multiplicative_generator: $pg,
                doc: "The field modulus p."
            );
            primefield::monty_field_element!(
                name: FieldElement,
                params: FieldParams,
                uint: $uint,
                doc: "An element of the field modulo p."
            );
            primefield::monty_field_arithmetic!(
                name: FieldElement,
                params: FieldParams,
                uint: $uint
            );

            impl elliptic_curve::ops::BatchInvert for FieldElement {}
        }

        #[allow(deprecated)]
        mod scalar {
            use elliptic_curve::bigint::$uint;
            use elliptic_curve::ff::PrimeField;
            use elliptic_curve::scalar::{FromUintUnchecked, IsHigh};
            use elliptic_curve::subtle::{Choice, ConstantTimeEq, ConstantTimeGreater, CtOption};
            use primeorder::wnaf;

            primefield::monty_field_params!(
                name: ScalarParams,
                modulus: $q,
                uint: $uint,
                byte_order: primefield::ByteOrder::BigEndian,
                multiplicative_generator: $qg,
                doc: "The group order q."
            );
            primefield::monty_field_element!(
                name: Scalar,
                params: ScalarParams,
                uint: $uint,
                doc: "An integer modulo the group order q."
            );
            primefield::monty_field_arithmetic!(
                name: Scalar,
                params: ScalarParams,
                uint: $uint
            );
            primefield::monty_field_reduce!(
                name: Scalar,
                params: ScalarParams,
                uint: $uint,
            );
            elliptic_curve::scalar_impls!(super::$curve, Scalar);
            wnaf::impl_wnaf_size_for_scalar!(Scalar);

            impl AsRef<Scalar> for Scalar {
                fn as_ref(&self) -> &Scalar {
                    self
                }
            }

            impl FromUintUnchecked for Scalar {
                type Uint = $uint;
                fn from_uint_unchecked(uint: $uint) -> Self {
                    Self::from_uint_unchecked(uint)
                }
            }

            impl IsHigh for Scalar {
                fn is_high(&self) -> Choice {
                    const HALF: $uint = <super::$curve as elliptic_curve::Curve>::ORDER
                        .as_ref()
                        .shr_vartime(1);
                    self.to_canonical().ct_gt(&HALF)
                }
            }
        }

        impl CurveArithmetic for $curve {
            type AffinePoint = primeorder::AffinePoint<$curve>;
            type ProjectivePoint = primeorder::ProjectivePoint<$curve>;
            type Scalar = Scalar;
        }

        impl FieldArithmetic for $curve {
            type FieldElement = FieldElement;
        }

        impl PrimeCurveArithmetic for $curve {
            type CurveGroup = primeorder::ProjectivePoint<$curve>;
        }

        impl PrimeCurveParams for $curve {
            type PointArithmetic = point_arithmetic::EquationAIsMinusThree;
            type Backend = primeorder::mul_backend::VariableOnly;
            const EQUATION_A: FieldElement = FieldElement::from_u64(3).neg();
            const EQUATION_B: FieldElement = FieldElement::from_hex_vartime($b);
            const GENERATOR: (FieldElement, FieldElement) = (
                FieldElement::from_hex_vartime($gx),
                FieldElement::from_hex_vartime($gy),
            );
        }
    };
}

/// id-tc26-gost-3410-12-512-paramSetA (OID 1.2.643.7.1.2.1.2.1), the curve of NCA's
/// GOST 34.10-2015 512-bit keys (NCA parameter OID `1.2.398.3.10.1.1.2.2.1`).
///
/// Parameters: RFC 7836 Appendix A.1 (= GOST R 34.10-2012 / Р 1323565.1.024-2019); the
/// same numbers are in libgcrypt's `GOST2012-512-tc26-A` and BouncyCastle's
/// `ECGOST3410NamedCurves`. a = p − 3.
pub mod tc26_512a {
    gost_curve!(
        curve: Tc26Gost512A,
        doc: "The TC26 512-bit curve A (RFC 7836 A.1).",
        uint: U512,
        bytes: U64,
        p: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7",
        p_generator: 7,
        q: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF27E69532F48D89116FF22B8D4E0560609B4B38ABFAD2B85DCACDB1411F10B275",
        q_generator: 2,
        b: "E8C2505DEDFC86DDC1BD0B2B6667F1DA34B82574761CB0E879BD081CFD0B6265EE3CB090F30D27614CB4574010DA90DD862EF9D4EBEE4761503190785A71C760",
        gx: "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000003",
        gy: "7503CFE87A836AE3A61B8816E25450E6CE5E1C93ACF1ABC1778064FDCBEFA921DF1626BE4FD036E93D75E6A50E3A41E98028FE5FC235F5B889A589CB5215F2A4",
    );
}

/// id-GostR3410-2001-CryptoPro-A-ParamSet (OID 1.2.643.2.2.35.1), the curve of NCA's
/// GOST 34.310-2004 keys (NCA parameter OID `1.2.398.3.10.1.1.1.1.1`).
///
/// Parameters: RFC 4357 §11.4. a = p − 3, b = 166.
pub mod cryptopro_a {
    gost_curve!(
        curve: CryptoProA,
        doc: "The CryptoPro-A 256-bit curve (RFC 4357 §11.4).",
        uint: U256,
        bytes: U32,
        p: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97",
        p_generator: 7,
        q: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF6C611070995AD10045841B09B761B893",
        q_generator: 5,
        b: "00000000000000000000000000000000000000000000000000000000000000A6",
        gx: "0000000000000000000000000000000000000000000000000000000000000001",
        gy: "8D91E471E0989CDA27DF505A453F2B7635294F2DDF23E3B122ACC99C9E9F1E14",
    );
}
