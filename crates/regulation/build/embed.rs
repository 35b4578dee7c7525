// Shared by the build scripts of `regulation` and `documents` (via `include!`): writes
// `$OUT_DIR/<out>` holding `&[(relative name, include_str!(file))]` for every `*.toml` under
// `dir`, sorted, so the binary carries its data and runs from any directory.
fn embed_toml(dir: &std::path::Path, out: &str) {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let rd = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "toml") {
                out.push(p);
            }
        }
    }
    let dir = dir
        .canonicalize()
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    // A directory: cargo rescans it, so added and removed files rebuild too.
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files = Vec::new();
    walk(&dir, &mut files);
    files.sort();
    let mut code = String::from("&[\n");
    for f in &files {
        let name = f.strip_prefix(&dir).unwrap().to_string_lossy().replace('\\', "/");
        code.push_str(&format!("    ({name:?}, include_str!({:?})),\n", f.display().to_string()));
    }
    code.push(']');
    let out_dir = std::env::var_os("OUT_DIR").expect("OUT_DIR");
    std::fs::write(std::path::Path::new(&out_dir).join(out), code).unwrap();
}
