//! The regulation loader and linter on arbitrary text: `load_str` never panics, and every
//! diagnostic it gives points inside the file (ARCHITECTURE.md: "parsing never panics").
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use regulation::lint::Seeds;

fn seeds() -> &'static Seeds {
    static SEEDS: OnceLock<Seeds> = OnceLock::new();
    // The seed texts beside the clone (`../shared/seeds`) when present, so the citation
    // checks run too; without them those checks are skipped.
    SEEDS.get_or_init(|| Seeds::discover(Path::new(env!("CARGO_MANIFEST_DIR"))))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("regulations/fuzz.v1.toml");
    let lines = text.lines().count().max(1) + 1;
    let check = |d: &regulation::lint::Diagnostic| {
        assert!(
            (1..=lines).contains(&d.line) && d.column >= 1,
            "diagnostic outside the file: {d}"
        );
        let _ = d.to_string();
    };
    match regulation::load_str(path, text, seeds()) {
        Ok(loaded) => {
            for d in &loaded.diagnostics {
                check(d);
            }
            // A regulation that parsed is exported as JSON (the export contract).
            let _ = regulation::export::regulation_json(&loaded);
        }
        Err(d) => check(&d),
    }
});
