//! IIN and BIN parsing on arbitrary text: never panics; a valid number re-serialises to the
//! same text (as_str, Display, serde), and an IIN is rebuilt from its parts.
#![no_main]

use identity::iin::{self, Bin, Iin};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let form = iin::check_form(s);
    match Iin::parse(s) {
        Ok(i) => {
            assert_eq!(i.as_str(), s);
            assert_eq!(i.to_string(), s);
            assert_eq!(s.parse::<Iin>().as_ref(), Ok(&i));
            let json = serde_json::to_string(&i).unwrap();
            assert_eq!(json, format!("\"{s}\""));
            assert_eq!(serde_json::from_str::<Iin>(&json).unwrap(), i);
            assert!(form.is_ok(), "{s}: parses but fails the common form");
            let rebuilt = Iin::from_parts(i.birth_date(), i.sex(), i.serial()).unwrap();
            assert_eq!(rebuilt, i);
            let _ = i.check_born_by(i.birth_date());
        }
        Err(e) => {
            // Every refusal names its rule and has words in each language.
            assert!(!e.rule().is_empty());
            for lang in [
                regulation::Lang::Kk,
                regulation::Lang::Ru,
                regulation::Lang::En,
            ] {
                assert!(!e.message(lang).is_empty());
            }
            assert!(serde_json::from_str::<Iin>(&serde_json::to_string(s).unwrap()).is_err());
        }
    }
    match Bin::parse(s) {
        Ok(b) => {
            assert_eq!(b.as_str(), s);
            assert_eq!(b.to_string(), s);
            assert!(form.is_ok());
            let json = serde_json::to_string(&b).unwrap();
            assert_eq!(serde_json::from_str::<Bin>(&json).unwrap(), b);
        }
        Err(e) => assert!(!e.rule().is_empty()),
    }
});
