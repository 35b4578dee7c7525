//! `qyzmet render`: the real binary draws every regulation of the catalogue, and real tools
//! read what it draws.
//!
//! - BPMN: every regulation's file is imported with bpmn-moddle (the model library of the
//!   bpmn.io modelers) by `tools/bpmn-check/check.mjs`, which fails on any import error or
//!   warning, on a flow node without a lane, on unwired flows, timers that are not ISO-8601
//!   and on shapes or edges missing from the diagram interchange. The npm packages are
//!   installed here (`npm ci`) when `tools/bpmn-check/node_modules` is missing.
//! - SVG: every flow of every regulation parses as XML (roxmltree), is an `<svg>` with a
//!   `viewBox`, and shows the number of each of its steps as a text node. One diagram is
//!   rendered to PNG by headless Chromium.
//!
//! Without node/npm or Chromium these checks are skipped with a message, except under CI
//! (`CI` set), where a missing tool fails the test.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use testkit::repo_root as root;

fn qyzmet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qyzmet"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run qyzmet")
}

fn ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A tool is missing: fail under CI, else say why the check is skipped.
fn missing(tool: &str, why: &str) {
    testkit::skip(format_args!("the {tool} check: {why}"));
}

/// A fresh folder under Cargo's per-test temporary directory.
fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("render-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

struct Reg {
    id: String,
    title_en: String,
    /// Flow id and the numbers of its steps.
    flows: Vec<(String, Vec<u64>)>,
}

fn parse_catalogue(json: &str) -> Vec<Reg> {
    let v: Value = serde_json::from_str(json).expect("the export is JSON");
    v.as_array()
        .expect("the export is an array")
        .iter()
        .map(|r| Reg {
            id: r["id"].as_str().expect("id").to_string(),
            title_en: r["title"]["en"].as_str().unwrap_or_default().to_string(),
            flows: r["flows"]
                .as_object()
                .expect("flows")
                .iter()
                .map(|(k, steps)| {
                    let ns = steps
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|s| s["n"].as_u64())
                        .collect();
                    (k.clone(), ns)
                })
                .collect(),
        })
        .collect()
}

/// The catalogue as `qyzmet regulations export --format json` gives it.
fn catalogue(extra: &[&str]) -> Vec<Reg> {
    let mut args = vec!["regulations", "export", "--format", "json"];
    args.extend_from_slice(extra);
    let out = qyzmet(&args);
    ok(&out, "qyzmet regulations export");
    let regs = parse_catalogue(&String::from_utf8_lossy(&out.stdout));
    assert!(!regs.is_empty(), "the catalogue is empty");
    regs
}

/// Node with bpmn-moddle installed in tools/bpmn-check, or why not.
fn bpmn_check_ready() -> Result<PathBuf, String> {
    static READY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    READY
        .get_or_init(|| {
            let dir = root().join("tools/bpmn-check");
            for tool in ["node", "npm"] {
                let v = Command::new(tool)
                    .arg("--version")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
                if !v.is_ok_and(|s| s.success()) {
                    return Err(format!("`{tool}` is not available"));
                }
            }
            if !dir.join("node_modules/bpmn-moddle").is_dir() {
                eprintln!(
                    "installing the bpmn-check npm packages (npm ci in {})",
                    dir.display()
                );
                let out = Command::new("npm")
                    .args(["ci", "--no-audit", "--no-fund"])
                    .current_dir(&dir)
                    .output()
                    .map_err(|e| format!("npm ci: {e}"))?;
                if !out.status.success() {
                    return Err(format!(
                        "npm ci failed in {}: {}{}",
                        dir.display(),
                        String::from_utf8_lossy(&out.stdout),
                        String::from_utf8_lossy(&out.stderr)
                    ));
                }
            }
            Ok(dir.join("check.mjs"))
        })
        .clone()
}

/// Run check.mjs on `files`; it must pass every one.
fn bpmn_check(files: &[PathBuf]) {
    let check = match bpmn_check_ready() {
        Ok(c) => c,
        Err(why) => return missing("bpmn-moddle", &why),
    };
    let out = Command::new("node")
        .arg(&check)
        .args(files)
        .current_dir(root())
        .output()
        .expect("run node");
    ok(&out, "tools/bpmn-check/check.mjs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("ok ")).count(),
        files.len(),
        "every file must pass:\n{stdout}"
    );
}

/// The `<text>` contents of an SVG, each with the text of its `<tspan>`s.
fn svg_texts(doc: &roxmltree::Document) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name(("http://www.w3.org/2000/svg", "text")))
        .map(|n| {
            n.descendants()
                .filter(|d| d.is_text())
                .filter_map(|d| d.text())
                .collect::<String>()
        })
        .collect()
}

/// Check one SVG diagram; gives its (width, height).
fn check_svg(path: &Path, title_en: &str, steps: &[u64]) -> (f64, f64) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc = roxmltree::Document::parse(&text)
        .unwrap_or_else(|e| panic!("{} is not XML: {e}", path.display()));
    let svg = doc.root_element();
    assert!(
        svg.has_tag_name(("http://www.w3.org/2000/svg", "svg")),
        "{}: the root is not <svg>",
        path.display()
    );
    assert_eq!(svg.attribute("version"), Some("1.1"), "{}", path.display());
    let vb: Vec<f64> = svg
        .attribute("viewBox")
        .unwrap_or_else(|| panic!("{}: no viewBox", path.display()))
        .split_whitespace()
        .map(|x| x.parse().expect("viewBox numbers"))
        .collect();
    assert!(
        vb.len() == 4 && vb[2] > 0.0 && vb[3] > 0.0,
        "{}: viewBox {vb:?}",
        path.display()
    );
    let dim = |a: &str| {
        svg.attribute(a)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or_else(|| panic!("{}: no {a}", path.display()))
    };
    let (w, h) = (dim("width"), dim("height"));
    let texts = svg_texts(&doc);
    for n in steps {
        assert!(
            texts.iter().any(|t| t.trim() == n.to_string()),
            "{}: no text node for step {n}",
            path.display()
        );
    }
    let title = svg
        .children()
        .find(|c| c.has_tag_name(("http://www.w3.org/2000/svg", "title")))
        .and_then(|t| t.text())
        .unwrap_or_else(|| panic!("{}: no <title>", path.display()));
    assert!(
        title.contains(title_en.split_whitespace().next().unwrap_or("")),
        "{}: title `{title}`",
        path.display()
    );
    assert!(
        texts.iter().any(|t| t == "Legend"),
        "{}: no legend",
        path.display()
    );
    (w, h)
}

/// Headless Chromium, if present.
fn chromium() -> Option<PathBuf> {
    let names = [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ];
    let mut dirs: Vec<PathBuf> = vec![PathBuf::from("/usr/bin")];
    if let Some(p) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&p));
    }
    dirs.iter()
        .flat_map(|d| names.iter().map(move |n| d.join(n)))
        .find(|p| p.is_file())
}

/// Screenshot `svg` at `w`×`h` into `png` with headless Chromium.
fn screenshot(chrome: &Path, svg: &Path, png: &Path, w: u32, h: u32) {
    let profile = png.with_extension("profile");
    let mut child = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("--window-size={w},{h}"))
        .arg(format!("file://{}", svg.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            assert!(
                status.success() || png.is_file(),
                "chromium failed: {status}"
            );
            break;
        }
        if start.elapsed() > Duration::from_secs(180) {
            let _ = child.kill();
            panic!("chromium did not finish within 3 minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = std::fs::remove_dir_all(&profile);
}

#[test]
fn bpmn_of_every_regulation_imports_cleanly_into_bpmn_moddle() {
    let regs = catalogue(&[]);
    let dir = scratch("bpmn");
    let mut files = Vec::new();
    for r in &regs {
        let f = dir.join(format!("{}.bpmn", r.id));
        ok(
            &qyzmet(&[
                "render",
                &r.id,
                "--format",
                "bpmn",
                "--out",
                f.to_str().unwrap(),
            ]),
            &format!("render {} bpmn", r.id),
        );
        let x = std::fs::read_to_string(&f).unwrap();
        assert!(
            x.contains(r#"xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL""#),
            "{}",
            r.id
        );
        assert_eq!(
            x.matches("<bpmn:participant ").count(),
            r.flows.len(),
            "{}: one participant per flow",
            r.id
        );
        assert_eq!(
            x.matches("<bpmn:process ").count(),
            r.flows.len(),
            "{}: one process per flow",
            r.id
        );
        assert!(
            x.contains("<bpmndi:BPMNDiagram "),
            "{}: no diagram interchange",
            r.id
        );
        files.push(f);
    }
    bpmn_check(&files);
}

#[test]
fn every_flow_of_every_regulation_is_a_valid_svg_with_its_step_numbers() {
    let regs = catalogue(&[]);
    let dir = scratch("svg");
    for r in &regs {
        // Every flow at once into a folder, as `--out DIR` does.
        ok(
            &qyzmet(&[
                "render",
                &r.id,
                "--format",
                "svg",
                "--out",
                dir.to_str().unwrap(),
            ]),
            &format!("render {} svg", r.id),
        );
        for (flow, steps) in &r.flows {
            check_svg(
                &dir.join(format!("{}.{flow}.svg", r.id)),
                &r.title_en,
                steps,
            );
        }
        // And one flow to stdout.
        let (flow, _) = &r.flows[0];
        let out = qyzmet(&["render", &r.id, "--format", "svg", "--flow", flow]);
        ok(&out, &format!("render {} --flow {flow}", r.id));
        let text = String::from_utf8(out.stdout).expect("UTF-8");
        roxmltree::Document::parse(&text)
            .unwrap_or_else(|e| panic!("{} {flow} on stdout: {e}", r.id));
    }
}

#[test]
fn an_svg_diagram_renders_to_png_in_chromium() {
    let regs = catalogue(&[]);
    let Some(chrome) = chromium() else {
        return missing(
            "chromium",
            "no chromium/chrome binary found (apt-get install chromium)",
        );
    };
    let dir = scratch("png");
    // The flow with the most steps: the densest drawing.
    let (r, (flow, steps)) = regs
        .iter()
        .flat_map(|r| r.flows.iter().map(move |f| (r, f)))
        .max_by_key(|(_, (_, s))| s.len())
        .unwrap();
    let svg = dir.join(format!("{}.{flow}.svg", r.id));
    ok(
        &qyzmet(&[
            "render",
            &r.id,
            "--format",
            "svg",
            "--flow",
            flow,
            "--out",
            svg.to_str().unwrap(),
        ]),
        "render svg",
    );
    let (w, h) = check_svg(&svg, &r.title_en, steps);
    let png = dir.join(format!("{}.{flow}.png", r.id));
    let (w, h) = (w.ceil().min(8000.0) as u32, h.ceil().min(8000.0) as u32);
    screenshot(&chrome, &svg, &png, w, h);
    let bytes = std::fs::read(&png).unwrap_or_else(|e| panic!("no PNG from chromium: {e}"));
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    assert_eq!((be(16), be(20)), (w, h), "the PNG has the SVG's size");
    assert!(
        bytes.len() > 20_000,
        "the PNG is nearly empty ({} bytes): the SVG did not draw",
        bytes.len()
    );
}

/// A regulation with text that needs escaping, a failure-only step and a converging branch,
/// through the binary with `--dir`: it does not depend on what the catalogue holds today.
const FIXTURE: &str = r#"
schema = 1
id = "zz-render-fixture"
version = 1
region = "Test & <region>"
region_kk = "Сынақ & <өңір>"
region_ru = "Тест & <регион>"

[source]
seed = "000_cd611684e69fb158.txt"
part = 1
lines = "L1-L60"

[title]
kk = "Сынақ «регламент»"
ru = "Тест"
en = "Render test: \"quotes\" & <angle> 'brackets'"
source = "L1"

[act]
issuer = "akimat"
kind = "resolution"
number = "1"
date = "2019-07-11"
source = "L2"

[status]
state = "in_force"
source = "L3"

[[providers]]
id = "school"
kk = "мектеп"
ru = "мектеп (рус)"
en = "school"
source = "L4"

[[channels]]
id = "office"
accepts = true
issues = true
source = "L5"

[[channels]]
id = "portal"
accepts = true
issues = true
source = "L5"

[[roles]]
id = "office_clerk"
kk = "кеңсе қызметкері"
ru = "кеңсе қызметкері (рус)"
en = "office <clerk> & co"
source = "L6"

[[roles]]
id = "head"
kk = "басшы"
ru = "басшы (рус)"
en = "head"
source = "L6"

[[roles]]
id = "applicant"
kk = "алушы"
ru = "алушы (рус)"
en = "applicant"
source = "L6"

[[roles]]
id = "portal"
kk = "портал"
ru = "портал (рус)"
en = "portal"
source = "L6"

[flows.office]
channel = "office"
source = "L10-L20"

[[flows.office.steps]]
n = 1
kind = "action"
role = "office_clerk"
text_en = "Accepts & registers the <application>"
text_kk = "қадам «Accepts & registers the <application>»"
text_ru = "шаг «Accepts & registers the <application>»"
input = "application"
output = "registered application"
duration = { value = 15, unit = "minutes" }
source = "L10"

  [[flows.office.steps.branches]]
  kind = "refuse_acceptance"
  result = "receipt_refusal"
  condition_en = "documents \"incomplete\" & expired"
  source = "L11"

[[flows.office.steps]]
n = 2
kind = "action"
role = "head"
text_en = "Decides and signs"
text_kk = "қадам «Decides and signs»"
text_ru = "шаг «Decides and signs»"
input = "registered application"
output = "signed result"
duration = { value = 1, unit = "working_days" }
source = "L12"

  [[flows.office.steps.branches]]
  kind = "motivated_refusal"
  result = "motivated_refusal"
  condition_en = "grounds of para 10"
  goto = 3
  source = "L13"

[[flows.office.steps]]
n = 3
kind = "action"
role = "office_clerk"
text_en = "Issues the result"
text_kk = "қадам «Issues the result»"
text_ru = "шаг «Issues the result»"
input = "signed result"
output = "issued result"
duration = { value = 15, unit = "minutes" }
produces = ["certificate", "motivated_refusal"]
source = "L14"

[flows.portal]
channel = "portal"
source = "L30-L40"

[[flows.portal.steps]]
n = 1
kind = "process"
label = "Process 1"
role = "applicant"
text_en = "Signs in"
text_kk = "қадам «Signs in»"
text_ru = "шаг «Signs in»"
source = "L30"

[[flows.portal.steps]]
n = 2
kind = "condition"
label = "Condition 1"
role = "portal"
text_en = "Checks the credentials"
text_kk = "қадам «Checks the credentials»"
text_ru = "шаг «Checks the credentials»"
checks = ["credentials"]
source = "L31"

  [[flows.portal.steps.branches]]
  kind = "refusal_notice"
  result = "notice_auth"
  condition_en = "credentials < required"
  goto = 3
  source = "L32"

[[flows.portal.steps]]
n = 3
kind = "process"
label = "Process 2"
role = "portal"
text_en = "Forms the refusal notice"
text_kk = "қадам «Forms the refusal notice»"
text_ru = "шаг «Forms the refusal notice»"
source = "L33"

  [[flows.portal.steps.branches]]
  kind = "stop"
  condition_en = "reached only when Condition 1 fails"
  source = "L33"

[[flows.portal.steps]]
n = 4
kind = "process"
label = "Process 3"
role = "applicant"
text_en = "Receives the certificate"
text_kk = "қадам «Receives the certificate»"
text_ru = "шаг «Receives the certificate»"
produces = ["certificate"]
source = "L34"

[terms.office]
value = 5
unit = "working_days"
source = "L20"

[[results]]
id = "certificate"
kind = "result"
name_kk = "нәтиже"
name_ru = "результат"
name_en = "certificate & <stamp>"
source = "L7"

[[results]]
id = "motivated_refusal"
kind = "refusal"
name_kk = "нәтиже"
name_ru = "результат"
name_en = "motivated refusal"
source = "L7"

[[results]]
id = "receipt_refusal"
kind = "receipt"
name_kk = "нәтиже"
name_ru = "результат"
name_en = "receipt on refusal"
source = "L7"

[[results]]
id = "notice_auth"
kind = "notice"
name_kk = "нәтиже"
name_ru = "результат"
name_en = "notice: authorisation refused"
source = "L7"

[application]
beneficiary = "pupil"
source = "L7"

[[application.fields]]
id = "phone"
kind = "phone"
about = "applicant"
kk = "Байланыс телефоны"
ru = "Контактный телефон"
source = "L7"

[passport]
[passport.cost]
free = true
kk = "тегін"
ru = "бесплатно"
source = "L1"

[passport.recipients]
kk = "жеке тұлғалар"
ru = "физические лица"
source = "L1"

[[passport.appeal]]
to = "provider"
kk = "басшыға"
ru = "руководителю"
term = { value = 5, unit = "working_days" }
law_kk = "Заңның 25-бабы"
law_ru = "статья 25 Закона"
source = "L1"
"#;

#[test]
fn a_regulation_with_markup_in_its_text_renders_valid_bpmn_and_svg() {
    let dir = scratch("fixture");
    let regs_dir = dir.join("regulations");
    std::fs::create_dir_all(&regs_dir).unwrap();
    std::fs::write(regs_dir.join("zz-render-fixture.v1.toml"), FIXTURE).unwrap();
    let d = regs_dir.to_str().unwrap();
    let regs = catalogue(&["--dir", d]);
    let r = &regs[0];
    let bpmn = dir.join("fixture.bpmn");
    ok(
        &qyzmet(&[
            "render",
            &r.id,
            "--format",
            "bpmn",
            "--dir",
            d,
            "--out",
            bpmn.to_str().unwrap(),
        ]),
        "render fixture bpmn",
    );
    let x = std::fs::read_to_string(&bpmn).unwrap();
    roxmltree::Document::parse(&x).expect("the BPMN is XML");
    assert!(
        x.contains("Render test: &quot;quotes&quot; &amp; &lt;angle&gt; &apos;brackets&apos;"),
        "{x}"
    );
    assert!(
        x.contains(">PT15M</bpmn:timeDuration>") && x.contains(">P1D</bpmn:timeDuration>"),
        "{x}"
    );
    assert!(x.contains("<bpmn:text>1 working day</bpmn:text>"), "{x}");
    // The refusal notice step is off the main path: the condition passes on to step 4.
    assert!(
        x.contains(r#"sourceRef="Step_portal_2" targetRef="Step_portal_4""#),
        "{x}"
    );
    assert!(
        x.contains(r#"sourceRef="Step_portal_2" targetRef="Step_portal_3""#),
        "{x}"
    );
    bpmn_check(&[bpmn]);
    let svg_dir = dir.join("svg");
    std::fs::create_dir_all(&svg_dir).unwrap();
    ok(
        &qyzmet(&[
            "render",
            &r.id,
            "--format",
            "svg",
            "--dir",
            d,
            "--out",
            svg_dir.to_str().unwrap(),
        ]),
        "render fixture svg",
    );
    for (flow, steps) in &r.flows {
        check_svg(
            &svg_dir.join(format!("{}.{flow}.svg", r.id)),
            &r.title_en,
            steps,
        );
    }
}
