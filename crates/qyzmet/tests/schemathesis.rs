//! The live server against its own OpenAPI document: schemathesis (PyPI) generates requests for
//! every operation and checks that no response is a 5xx and every response matches the schema.
//! On the embedded store and on PostgreSQL (`--database`, a fresh schema).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use testkit::repo_root as root;

fn unavailable(why: &str) {
    testkit::skip(format_args!("schemathesis: {why}"));
}

#[test]
fn schemathesis_finds_no_server_errors_and_no_schema_violations() {
    schemathesis(&[]);
}

#[test]
fn schemathesis_finds_no_server_errors_and_no_schema_violations_on_postgres() {
    if !testkit::pg::available() {
        return;
    }
    let schema = testkit::pg::Schema::fresh();
    schemathesis(&[
        "--database",
        &testkit::pg::uri(),
        "--database-schema",
        schema.name(),
    ]);
}

/// schemathesis's bin directory, set up once for both tests (two at once would race in one
/// venv), or why not.
fn tool() -> &'static Result<PathBuf, String> {
    static BIN: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        let setup = Command::new("bash")
            .arg(root().join("tools/schemathesis/setup.sh"))
            .output();
        match setup {
            Ok(o) if o.status.success() => Ok(PathBuf::from(
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .last()
                    .unwrap_or("")
                    .trim(),
            )),
            Ok(o) => Err(format!(
                "setup failed: {}",
                String::from_utf8_lossy(&o.stderr)
            )),
            Err(e) => Err(format!("bash: {e}")),
        }
    })
}

/// The server given `database` (flags) besides its data directory.
fn schemathesis(database: &[&str]) {
    let bin = match tool() {
        Ok(bin) => bin.clone(),
        Err(why) => return unavailable(why),
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let data = testkit::tempdir("st");
    // The server logs every request: to a file, since an unread pipe would fill and stall it.
    let log = data.path().join("server.log");
    let mut server = Command::new(env!("CARGO_BIN_EXE_qyzmet"))
        .arg("serve")
        .arg("--data")
        .arg(data.path())
        .args(database)
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--as-of",
            "2019-12-03T10:00",
            "--demo",
        ])
        .arg("--regulations")
        .arg(root().join("regulations"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server did not start"
        );
        if let Ok(Some(status)) = server.try_wait() {
            let err = std::fs::read_to_string(&log).unwrap_or_default();
            panic!("the server exited ({status}): {err}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let run = Command::new(bin.join("schemathesis"))
        .args(["run", &format!("{base}/openapi.json")])
        .args(["--checks", "not_a_server_error,response_schema_conformance"])
        .args(["--max-examples", "10", "--seed", "20191203", "--no-color"])
        // Its body is a PDF, which schemathesis cannot generate; the server's signing tests
        // upload real and altered PDFs to it.
        .args(["--exclude-name", "POST /verify"])
        .current_dir(&data)
        .output()
        .unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    let out = String::from_utf8_lossy(&run.stdout);
    let errors: Vec<String> = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("ERROR"))
        .map(String::from)
        .collect();
    drop(data);
    let summary: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("generated") || l.contains("Tested:"))
        .collect();
    println!("{}", summary.join("\n"));
    assert!(
        run.status.success(),
        "schemathesis found problems:\n{out}\n{}\nserver errors:\n{}",
        String::from_utf8_lossy(&run.stderr),
        errors.join("\n")
    );
    assert!(out.contains("passed"), "{out}");
}
