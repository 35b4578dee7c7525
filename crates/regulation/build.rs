//! Embeds the seed catalogue (`regulations/` at the workspace root): see [`Catalogue::embedded`].
include!("build/embed.rs");

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    embed_toml(&root.join("regulations"), "regulations.rs");
}
