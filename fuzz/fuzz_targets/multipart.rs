//! `server::signing::parse_multipart` (multer under our limits) on an arbitrary
//! `Content-Type` and body: never panics; what it accepts is within the limits it was given.
//!
//! Input: a limits selector byte, then the `Content-Type` up to the first `\n`, then the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::signing::{MultipartLimits, parse_multipart};

thread_local! {
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let limits = match selector % 3 {
        0 => MultipartLimits::VERIFY,
        1 => MultipartLimits::FORM,
        // Small enough that the fuzzer reaches every limit.
        _ => MultipartLimits {
            parts: 3,
            part_bytes: 16,
            total_bytes: 200,
        },
    };
    let (content_type, body) = match rest.iter().position(|&b| b == b'\n') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    };
    let content_type = String::from_utf8_lossy(content_type);
    let body = bytes::Bytes::copy_from_slice(body);
    let result = RUNTIME.with(|rt| rt.block_on(parse_multipart(&content_type, body, limits)));
    match result {
        Ok(Some(parts)) => {
            assert!(parts.len() <= limits.parts);
            let mut total = 0u64;
            for p in &parts {
                assert!(p.data.len() as u64 <= limits.part_bytes);
                total += p.data.len() as u64;
            }
            assert!(total <= limits.total_bytes);
        }
        Ok(None) => {}
        Err(problem) => {
            let status = problem.status;
            assert!(
                (status == 400 || status == 413) && problem.rule == "multipart",
                "{problem:?}"
            );
        }
    }
});
