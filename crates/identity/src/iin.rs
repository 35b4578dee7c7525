//! IIN (ЖСН/ИИН, individual identification number) and BIN (БСН/БИН, business identification
//! number): parsing with the rule that failed named, and the facts an IIN carries.
//!
//! An IIN is `YY MM DD C NNNN K`: birth date, century-and-sex digit (1–6), a 4-digit serial
//! and a check digit computed by the official two-pass weighting (weights 1..11, then
//! 3..11,1,2; a number whose both passes give 10 is never issued). A BIN is
//! `YY MM T A NNNNN K` with the same check digit. Sources: `shared/spec/kz-facts.md` §1.
//!
//! Not for: whether a person with this IIN exists (that is ГБД ФЛ), nor reading an IIN out of
//! a certificate (see [`crate::ecp`]).

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Lang;

/// Weights of the first pass of the check-digit algorithm.
const W1: [u32; 11] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
/// Weights of the second pass, used when the first gives 10.
const W2: [u32; 11] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];

/// The check digit of the first 11 digits of an IIN or BIN, or `None` when both passes give
/// 10 (such a number is never issued).
pub fn check_digit(first11: &[u8; 11]) -> Option<u8> {
    for weights in [W1, W2] {
        let sum: u32 = first11
            .iter()
            .zip(weights)
            .map(|(d, w)| u32::from(*d) * w)
            .sum();
        let a = sum % 11;
        if a != 10 {
            return Some(a as u8);
        }
    }
    None
}

/// Sex encoded by the 7th digit of an IIN (odd: male, even: female).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Digits 1, 3, 5.
    Male,
    /// Digits 2, 4, 6.
    Female,
}

/// Why a string is not a valid IIN. Each variant is one rule; [`IinError::rule`] names it
/// for machine use (problem+json `rule`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IinError {
    /// Not exactly 12 characters.
    #[error("an IIN has 12 digits, this one has {found} characters")]
    Length {
        /// Number of characters found.
        found: usize,
    },
    /// A character that is not an ASCII digit.
    #[error("an IIN has only digits; position {position} is not a digit")]
    NotDigit {
        /// 1-based position of the first non-digit.
        position: usize,
    },
    /// The 7th digit (century and sex) is not 1–6.
    #[error("digit 7 of an IIN (century and sex) is 1–6, this one has {digit}")]
    CenturySex {
        /// The digit found.
        digit: u8,
    },
    /// Digits 1–6 are not a real date in the century given by digit 7.
    #[error("digits 1–6 of an IIN are the birth date YYMMDD; {yymmdd} is not a date in {year}")]
    BirthDate {
        /// The six digits.
        yymmdd: String,
        /// The full year they would mean.
        year: i16,
    },
    /// The check digit does not match.
    #[error("the check digit of this IIN is {found}, it must be {expected}")]
    CheckDigit {
        /// What the two-pass weighting gives.
        expected: u8,
        /// What the 12th digit is.
        found: u8,
    },
    /// Both weighting passes give 10: no IIN with these first 11 digits is ever issued.
    #[error("no IIN is issued with these first 11 digits (both check-digit passes give 10)")]
    NeverIssued,
    /// The birth date is after today: well-formed digits, but nobody has this IIN yet.
    /// Checked by [`Iin::check_born_by`], which takes the caller's clock.
    #[error("the birth date {birth_date} in this IIN is after today ({today})")]
    BornLater {
        /// Digits 1–7 read as a date.
        birth_date: Date,
        /// The caller's today.
        today: Date,
    },
}

impl IinError {
    /// A stable name of the rule that failed (`iin.length`, `iin.digits`, `iin.century_sex`,
    /// `iin.birth_date`, `iin.check_digit`, `iin.never_issued`).
    pub fn rule(&self) -> &'static str {
        match self {
            IinError::Length { .. } => "iin.length",
            IinError::NotDigit { .. } => "iin.digits",
            IinError::CenturySex { .. } => "iin.century_sex",
            IinError::BirthDate { .. } => "iin.birth_date",
            IinError::CheckDigit { .. } => "iin.check_digit",
            IinError::NeverIssued => "iin.never_issued",
            IinError::BornLater { .. } => "iin.birth_date_future",
        }
    }

    /// The message in the given language (English is the `Display` text).
    pub fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.to_string(),
            Lang::Kk => match self {
                IinError::Length { found } => {
                    format!("ЖСН 12 цифрдан тұрады, мұнда {found} таңба бар")
                }
                IinError::NotDigit { position } => {
                    format!("ЖСН тек цифрлардан тұрады; {position}-таңба цифр емес")
                }
                IinError::CenturySex { digit } => format!(
                    "ЖСН-нің 7-цифры (ғасыр мен жыныс) 1–6 аралығында болады, мұнда {digit}"
                ),
                IinError::BirthDate { yymmdd, year } => format!(
                    "ЖСН-нің 1–6 цифрлары — туған күн (ЖЖААКК); {yymmdd} {year} жылы болмаған күн"
                ),
                IinError::CheckDigit { expected, found } => {
                    format!("ЖСН-нің бақылау цифры {found}, ал {expected} болуы керек")
                }
                IinError::NeverIssued => "мұндай ЖСН берілмейді (бақылау цифрын есептеудің екі \
                                          кезеңі де 10 береді)"
                    .to_string(),
                IinError::BornLater { birth_date, today } => {
                    format!("ЖСН-дегі туған күн {birth_date} бүгіннен ({today}) кейін")
                }
            },
            Lang::Ru => match self {
                IinError::Length { found } => {
                    format!("ИИН состоит из 12 цифр, здесь {found} символов")
                }
                IinError::NotDigit { position } => {
                    format!("ИИН состоит только из цифр; символ {position} — не цифра")
                }
                IinError::CenturySex { digit } => {
                    format!("7-я цифра ИИН (век и пол) — от 1 до 6, здесь {digit}")
                }
                IinError::BirthDate { yymmdd, year } => format!(
                    "цифры 1–6 ИИН — дата рождения ГГММДД; {yymmdd} — не дата в {year} году"
                ),
                IinError::CheckDigit { expected, found } => {
                    format!("контрольная цифра ИИН {found}, а должна быть {expected}")
                }
                IinError::NeverIssued => "такой ИИН не выдаётся (оба прохода расчёта \
                                          контрольной цифры дают 10)"
                    .to_string(),
                IinError::BornLater { birth_date, today } => {
                    format!("дата рождения {birth_date} в ИИН позже сегодняшней ({today})")
                }
            },
        }
    }
}

/// Parses 12 ASCII digits, checking length, digits and the check digit.
fn digits12(s: &str) -> Result<[u8; 12], IinError> {
    let chars = s.chars().count();
    if chars != 12 {
        return Err(IinError::Length { found: chars });
    }
    let mut d = [0u8; 12];
    for (i, c) in s.chars().enumerate() {
        match c.to_digit(10) {
            Some(v) if c.is_ascii_digit() => d[i] = v as u8,
            _ => return Err(IinError::NotDigit { position: i + 1 }),
        }
    }
    Ok(d)
}

/// The form IINs and BINs share: 12 ASCII digits, the last the [`check_digit`] of the first
/// 11. The engine requires this of an applicant's IIN; [`Iin::parse`] also checks the
/// century-and-sex digit and the birth date.
pub fn check_form(s: &str) -> Result<(), IinError> {
    verify_check_digit(&digits12(s)?)
}

fn verify_check_digit(d: &[u8; 12]) -> Result<(), IinError> {
    let first11: &[u8; 11] = d[..11].try_into().expect("11 digits");
    match check_digit(first11) {
        None => Err(IinError::NeverIssued),
        Some(expected) if expected != d[11] => Err(IinError::CheckDigit {
            expected,
            found: d[11],
        }),
        Some(_) => Ok(()),
    }
}

/// A valid IIN: 12 digits, a real birth date, century-and-sex digit 1–6, correct check digit.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Iin([u8; 12]);

impl Iin {
    /// Parses and validates an IIN. Rules are checked in this order: length, digits,
    /// century-and-sex digit, birth date, check digit.
    pub fn parse(s: &str) -> Result<Iin, IinError> {
        let d = digits12(s)?;
        if !(1..=6).contains(&d[6]) {
            return Err(IinError::CenturySex { digit: d[6] });
        }
        let year = Self::century_start(d[6]) + i16::from(d[0] * 10 + d[1]);
        let month = (d[2] * 10 + d[3]) as i8;
        let day = (d[4] * 10 + d[5]) as i8;
        if Date::new(year, month, day).is_err() {
            return Err(IinError::BirthDate {
                yymmdd: s[..6].to_string(),
                year,
            });
        }
        verify_check_digit(&d)?;
        Ok(Iin(d.map(|x| x + b'0')))
    }

    /// An identity number of a CA's **test** certificates: 12 digits, no other rule. NCA RK's
    /// test certificates carry `IIN123456789011` and `IIN123456789012`, which break the
    /// century-and-sex, birth-date and check-digit rules. Only a verifier whose trust store
    /// accepts test identities may be given one ([`crate::ecp::TrustStore::for_tests`]); a
    /// production store refuses it with the rule [`Iin::validate`] names. Its
    /// [`Iin::birth_date`] is 1900-01-01 when the digits are no date.
    pub fn parse_test_identity(s: &str) -> Result<Iin, IinError> {
        Ok(Iin(digits12(s)?.map(|x| x + b'0')))
    }

    /// Checks every rule of [`Iin::parse`] again: fails only for a test identity.
    pub fn validate(&self) -> Result<(), IinError> {
        Iin::parse(self.as_str()).map(|_| ())
    }

    /// Builds the IIN of a person born on `birth_date` with the given sex and 4-digit
    /// `serial` (0–9999; a larger value keeps its last four digits), computing the check
    /// digit. Fails with [`IinError::NeverIssued`]
    /// when no check digit exists for this serial (take the next one), and with
    /// [`IinError::BirthDate`] outside 1800–2099.
    pub fn from_parts(birth_date: Date, sex: Sex, serial: u16) -> Result<Iin, IinError> {
        let year = birth_date.year();
        let yymmdd = format!(
            "{:02}{:02}{:02}",
            year.rem_euclid(100),
            birth_date.month(),
            birth_date.day()
        );
        let century = match year {
            1800..=1899 => 1,
            1900..=1999 => 3,
            2000..=2099 => 5,
            _ => return Err(IinError::BirthDate { yymmdd, year }),
        };
        let c = century + u8::from(sex == Sex::Female);
        let serial = serial % 10_000;
        let first11 = format!("{yymmdd}{c}{serial:04}");
        let digits: [u8; 11] = first11
            .bytes()
            .map(|b| b - b'0')
            .collect::<Vec<_>>()
            .try_into()
            .expect("11 digits");
        let k = check_digit(&digits).ok_or(IinError::NeverIssued)?;
        Iin::parse(&format!("{first11}{k}"))
    }

    fn century_start(digit: u8) -> i16 {
        match digit {
            1 | 2 => 1800,
            3 | 4 => 1900,
            _ => 2000,
        }
    }

    /// The 12 digits.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("ASCII digits")
    }

    fn digit(&self, i: usize) -> u8 {
        self.0[i] - b'0'
    }

    /// Refuses an IIN whose birth date is after `today` (the caller's clock: this crate
    /// reads none, so [`Iin::parse`] cannot tell).
    pub fn check_born_by(&self, today: Date) -> Result<(), IinError> {
        let birth_date = self.birth_date();
        if birth_date > today {
            return Err(IinError::BornLater { birth_date, today });
        }
        Ok(())
    }

    /// Date of birth (digits 1–6, century from digit 7).
    pub fn birth_date(&self) -> Date {
        let year =
            Self::century_start(self.digit(6)) + i16::from(self.digit(0) * 10 + self.digit(1));
        let month = (self.digit(2) * 10 + self.digit(3)) as i8;
        let day = (self.digit(4) * 10 + self.digit(5)) as i8;
        // Only a test identity (`parse_test_identity`) has digits that are no date.
        Date::new(year, month, day).unwrap_or(jiff::civil::date(1900, 1, 1))
    }

    /// Sex (digit 7: odd male, even female).
    pub fn sex(&self) -> Sex {
        if self.digit(6) % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// The 4-digit serial (digits 8–11).
    pub fn serial(&self) -> u16 {
        self.as_str()[7..11].parse().expect("digits")
    }
}

impl fmt::Display for Iin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Iin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Iin({})", self.as_str())
    }
}

impl FromStr for Iin {
    type Err = IinError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Iin::parse(s)
    }
}

impl TryFrom<&str> for Iin {
    type Error = IinError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Iin::parse(s)
    }
}

impl AsRef<str> for Iin {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Serialize for Iin {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Iin {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Iin::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Why a string is not a valid BIN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BinError {
    /// Length, digits, check digit or never-issued: the same rules as for an IIN.
    #[error("{0}")]
    Digits(IinError),
    /// Digits 3–4 (month of registration) are not 01–12.
    #[error("digits 3–4 of a BIN are the month of registration; {found} is not a month")]
    Month {
        /// The two digits.
        found: String,
    },
    /// Digit 5 (kind of entity) is not 4, 5 or 6.
    #[error("digit 5 of a BIN (kind of entity) is 4, 5 or 6, this one has {digit}")]
    Kind {
        /// The digit found.
        digit: u8,
    },
    /// Digit 6 (head office, branch, representative office, farm) is not 0–3.
    #[error(
        "digit 6 of a BIN (head office, branch, representative office) is 0–3, this one has {digit}"
    )]
    Unit {
        /// The digit found.
        digit: u8,
    },
}

impl BinError {
    /// A stable name of the rule that failed (`bin.month`, `bin.kind`, `bin.unit`, or the
    /// `iin.*` rule shared with IINs, renamed `bin.*`).
    pub fn rule(&self) -> &'static str {
        match self {
            BinError::Digits(e) => match e {
                IinError::Length { .. } => "bin.length",
                IinError::NotDigit { .. } => "bin.digits",
                IinError::CheckDigit { .. } => "bin.check_digit",
                _ => "bin.never_issued",
            },
            BinError::Month { .. } => "bin.month",
            BinError::Kind { .. } => "bin.kind",
            BinError::Unit { .. } => "bin.unit",
        }
    }

    /// The message in the given language (English is the `Display` text).
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (BinError::Digits(e), Lang::En) => e.to_string(),
            // The digit rules are worded for an IIN; a BIN shares them.
            (BinError::Digits(e), _) => e.message(lang).replace("ЖСН", "БСН").replace("ИИН", "БИН"),
            (_, Lang::En) => self.to_string(),
            (BinError::Month { found }, Lang::Kk) => {
                format!("БСН-нің 3–4 цифрлары — тіркелген ай; {found} ай емес")
            }
            (BinError::Month { found }, Lang::Ru) => {
                format!("цифры 3–4 БИН — месяц регистрации; {found} — не месяц")
            }
            (BinError::Kind { digit }, Lang::Kk) => {
                format!("БСН-нің 5-цифры (заңды тұлға түрі) 4, 5 не 6 болады, мұнда {digit}")
            }
            (BinError::Kind { digit }, Lang::Ru) => {
                format!("5-я цифра БИН (вид юридического лица) — 4, 5 или 6, здесь {digit}")
            }
            (BinError::Unit { digit }, Lang::Kk) => format!(
                "БСН-нің 6-цифры (бас ұйым, филиал, өкілдік) 0–3 аралығында болады, мұнда {digit}"
            ),
            (BinError::Unit { digit }, Lang::Ru) => format!(
                "6-я цифра БИН (головная организация, филиал, представительство) — от 0 до 3, здесь {digit}"
            ),
        }
    }
}

/// A valid BIN of an organisation (as put in a staff member's certificate, `OU=BIN…`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bin([u8; 12]);

impl Bin {
    /// Parses and validates a BIN: 12 digits, month 01–12, kind 4–6, unit 0–3, check digit.
    pub fn parse(s: &str) -> Result<Bin, BinError> {
        let d = digits12(s).map_err(BinError::Digits)?;
        let month = d[2] * 10 + d[3];
        if !(1..=12).contains(&month) {
            return Err(BinError::Month {
                found: s[2..4].to_string(),
            });
        }
        if !(4..=6).contains(&d[4]) {
            return Err(BinError::Kind { digit: d[4] });
        }
        if d[5] > 3 {
            return Err(BinError::Unit { digit: d[5] });
        }
        verify_check_digit(&d).map_err(BinError::Digits)?;
        Ok(Bin(d.map(|x| x + b'0')))
    }

    /// A BIN of a CA's **test** certificates: 12 digits, no other rule (NCA RK's test BIN
    /// `123456789021` has month 34 and a wrong check digit). See [`Iin::parse_test_identity`].
    pub fn parse_test_identity(s: &str) -> Result<Bin, BinError> {
        Ok(Bin(digits12(s)
            .map_err(BinError::Digits)?
            .map(|x| x + b'0')))
    }

    /// Checks every rule of [`Bin::parse`] again: fails only for a test identity.
    pub fn validate(&self) -> Result<(), BinError> {
        Bin::parse(self.as_str()).map(|_| ())
    }

    /// The 12 digits.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("ASCII digits")
    }
}

impl fmt::Display for Bin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Bin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bin({})", self.as_str())
    }
}

impl FromStr for Bin {
    type Err = BinError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Bin::parse(s)
    }
}

impl Serialize for Bin {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Bin {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Bin::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    /// kz-facts.md §1.3 (synthetic, checked with kz-iin-validator 0.7.1).
    #[test]
    fn valid_vectors() {
        let cases = [
            ("100515500003", date(2010, 5, 15), Sex::Male),
            ("100515500408", date(2010, 5, 15), Sex::Male),
            ("000229600004", date(2000, 2, 29), Sex::Female),
            ("000229600503", date(2000, 2, 29), Sex::Female),
            ("851231400001", date(1985, 12, 31), Sex::Female),
            ("851231400207", date(1985, 12, 31), Sex::Female),
            ("900101300007", date(1990, 1, 1), Sex::Male),
            ("900101300811", date(1990, 1, 1), Sex::Male),
            ("190308300001", date(1919, 3, 8), Sex::Male),
            ("190308300207", date(1919, 3, 8), Sex::Male),
            ("061211600012", date(2006, 12, 11), Sex::Female),
        ];
        for (s, born, sex) in cases {
            let iin = Iin::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(iin.birth_date(), born, "{s}");
            assert_eq!(iin.sex(), sex, "{s}");
            assert_eq!(iin.to_string(), s);
        }
    }

    /// NCA RK's test identities break more than the check digit; they parse only as test
    /// identities, and `validate` names the first rule they break.
    #[test]
    fn nca_test_identities() {
        let iin = Iin::parse_test_identity("123456789011").unwrap();
        assert_eq!(iin.as_str(), "123456789011");
        assert_eq!(
            Iin::parse("123456789011"),
            Err(IinError::CenturySex { digit: 7 })
        );
        assert_eq!(iin.validate().unwrap_err().rule(), "iin.century_sex");
        assert_eq!(iin.birth_date(), date(1900, 1, 1));
        assert_eq!(
            Iin::parse_test_identity("12345678901").unwrap_err().rule(),
            "iin.length"
        );
        let bin = Bin::parse_test_identity("123456789021").unwrap();
        assert_eq!(bin.validate().unwrap_err().rule(), "bin.month");
        assert!(bin.validate().unwrap_err().message(Lang::Kk).contains("34"));
        assert!(Iin::parse("100515500003").unwrap().validate().is_ok());
        // Check digit alone: the 12th digit of 12345678901x would be 3, of 12345678902x 5.
        assert_eq!(check_digit(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]), Some(3));
        assert_eq!(check_digit(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 2]), Some(5));
    }

    #[test]
    fn second_pass_is_used() {
        // First pass of 10051550040 gives 10, second gives 8.
        let first11 = [1, 0, 0, 5, 1, 5, 5, 0, 0, 4, 0];
        assert_eq!(check_digit(&first11), Some(8));
    }

    #[test]
    fn invalid_vectors_name_their_rule() {
        for x in 0..=9 {
            let s = format!("10051550041{x}");
            assert_eq!(Iin::parse(&s), Err(IinError::NeverIssued), "{s}");
        }
        assert_eq!(Iin::parse("821214240092"), Err(IinError::NeverIssued));
        assert_eq!(
            Iin::parse("100515500004"),
            Err(IinError::CheckDigit {
                expected: 3,
                found: 4
            })
        );
        assert_eq!(
            Iin::parse("000230600004").unwrap_err().rule(),
            "iin.birth_date"
        );
        assert_eq!(
            Iin::parse("100515700003"),
            Err(IinError::CenturySex { digit: 7 })
        );
        assert_eq!(
            Iin::parse("100515000003"),
            Err(IinError::CenturySex { digit: 0 })
        );
        assert_eq!(
            Iin::parse("10051550000"),
            Err(IinError::Length { found: 11 })
        );
        assert_eq!(
            Iin::parse("1005155000033"),
            Err(IinError::Length { found: 13 })
        );
        assert_eq!(
            Iin::parse("10051550000x"),
            Err(IinError::NotDigit { position: 12 })
        );
        assert_eq!(
            Iin::parse("１00515500003").unwrap_err().rule(),
            "iin.digits"
        );
    }

    #[test]
    fn leap_years_by_century() {
        // 29 Feb 1900 did not exist (century digit 3/4), 29 Feb 2000 did (5/6).
        let e = Iin::parse("000229300000").unwrap_err();
        assert_eq!(
            e,
            IinError::BirthDate {
                yymmdd: "000229".into(),
                year: 1900
            }
        );
        assert!(Iin::from_parts(date(1900, 3, 1), Sex::Male, 1).is_ok());
        assert_eq!(
            Iin::parse("040229300000").unwrap_err().rule(),
            "iin.check_digit",
            "1904 was a leap year: the date passes, the check digit does not"
        );
        assert_eq!(
            Iin::parse("000431500000").unwrap_err().rule(),
            "iin.birth_date"
        );
        assert_eq!(
            Iin::parse("001301500000").unwrap_err().rule(),
            "iin.birth_date"
        );
        assert_eq!(
            Iin::parse("000100500000").unwrap_err().rule(),
            "iin.birth_date"
        );
    }

    #[test]
    fn from_parts_round_trips_every_day_of_a_leap_year() {
        let mut d = date(2000, 1, 1);
        while d.year() == 2000 {
            for sex in [Sex::Male, Sex::Female] {
                let iin = (0..20)
                    .find_map(|serial| Iin::from_parts(d, sex, serial).ok())
                    .expect("some serial has a check digit");
                assert_eq!(iin.birth_date(), d);
                assert_eq!(iin.sex(), sex);
                assert_eq!(Iin::parse(iin.as_str()), Ok(iin));
            }
            d = d.tomorrow().unwrap();
        }
        assert_eq!(
            Iin::from_parts(date(2010, 5, 15), Sex::Male, 41),
            Err(IinError::NeverIssued)
        );
    }

    #[test]
    fn serde_validates() {
        let iin: Iin = serde_json::from_str("\"100515500003\"").unwrap();
        assert_eq!(serde_json::to_string(&iin).unwrap(), "\"100515500003\"");
        assert!(serde_json::from_str::<Iin>("\"100515500004\"").is_err());
    }

    #[test]
    fn messages_in_three_languages() {
        let e = Iin::parse("100515500004").unwrap_err();
        assert!(e.message(Lang::En).contains("check digit"));
        assert!(e.message(Lang::Kk).contains("бақылау цифры"));
        assert!(e.message(Lang::Ru).contains("контрольная цифра"));
    }

    #[test]
    fn a_birth_date_after_today_is_refused() {
        let iin = Iin::from_parts(jiff::civil::date(2099, 1, 1), Sex::Male, 1).unwrap();
        let today = jiff::civil::date(2026, 6, 1);
        let e = iin.check_born_by(today).unwrap_err();
        assert_eq!(e.rule(), "iin.birth_date_future");
        assert!(e.message(Lang::Ru).contains("позже"));
        let born = Iin::parse("100515500003").unwrap();
        assert!(born.check_born_by(today).is_ok());
        assert!(born.check_born_by(born.birth_date()).is_ok());
    }

    #[test]
    fn bins() {
        for s in ["940140000385", "990140004654"] {
            assert_eq!(Bin::parse(s).unwrap().as_str(), s);
        }
        assert_eq!(
            Bin::parse("940140000386").unwrap_err().rule(),
            "bin.check_digit"
        );
        assert_eq!(Bin::parse("941340000385").unwrap_err().rule(), "bin.month");
        assert_eq!(Bin::parse("940170000385").unwrap_err().rule(), "bin.kind");
        assert_eq!(Bin::parse("940148000385").unwrap_err().rule(), "bin.unit");
        // An IIN is not a BIN (digit 5 is the tens of the day, 0–3).
        assert_eq!(Bin::parse("100515500003").unwrap_err().rule(), "bin.kind");
    }
}
