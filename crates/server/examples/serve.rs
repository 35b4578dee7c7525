//! A tiny launcher for `server::run` until `qyzmet serve` is wired:
//! `cargo run -p server --example serve -- --data qyzmet-data --listen 127.0.0.1:8080
//!  --regulations regulations --as-of 2019-12-02T09:00:00+06:00 --demo`.

use std::path::PathBuf;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut config = server::Config {
        data_dir: PathBuf::from("qyzmet-data"),
        database: server::Database::Embedded,
        listen: "127.0.0.1:8080".parse()?,
        regulations_dir: None,
        as_of: None,
        demo: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || {
            args.next()
                .ok_or_else(|| anyhow::anyhow!("{a} needs a value"))
        };
        match a.as_str() {
            "--data" => config.data_dir = val()?.into(),
            "--listen" => config.listen = val()?.parse()?,
            "--regulations" => config.regulations_dir = Some(val()?.into()),
            "--as-of" => config.as_of = Some(val()?.parse()?),
            "--demo" => config.demo = true,
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    server::run(config).await
}
