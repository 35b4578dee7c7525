//! Embeds the document templates (`templates/` at the workspace root): see
//! [`TemplateSet::embedded`].
include!("../regulation/build/embed.rs");

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    embed_toml(&root.join("templates"), "templates.rs");
}
