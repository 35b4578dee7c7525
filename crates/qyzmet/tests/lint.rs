//! `qyzmet lint` against deliberately broken copies of a valid regulation: each break must give
//! a non-zero exit, the file and the line of the break, and the rule it violates — never a panic.

use std::path::{Path, PathBuf};
use std::process::Command;

use testkit::repo_root as root;

fn good() -> String {
    std::fs::read_to_string(root().join("crates/qyzmet/tests/fixtures/lint-good.v1.toml")).unwrap()
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn lint(path: &Path) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_qyzmet"))
        .arg("lint")
        .arg(path)
        .env("QYZMET_SEEDS", root().join("../shared/seeds"))
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn write(dir: impl AsRef<Path>, name: &str, text: &str) -> PathBuf {
    let p = dir.as_ref().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn tmpdir(tag: &str) -> testkit::TempDir {
    testkit::tempdir(&format!("lint-{tag}"))
}

/// 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    let exact = text.lines().position(|l| l.trim() == needle.trim());
    exact
        .or_else(|| text.lines().position(|l| l.contains(needle)))
        .unwrap_or_else(|| panic!("`{needle}` not in text"))
        + 1
}

/// Replace `from` (must occur) and lint; expect failure naming `rule` on the line of `to`
/// (or of `line_hint` when the error points at the enclosing table).
fn broken(tag: &str, from: &str, to: &str, rule: &str, line_hint: Option<&str>) -> Run {
    let g = good();
    assert!(g.contains(from), "fixture lacks `{from}`");
    let text = g.replacen(from, to, 1);
    let dir = tmpdir(tag);
    let p = write(&dir, "lint-good.v1.toml", &text);
    let r = lint(&p);
    assert_eq!(r.code, 1, "{tag}: lint must fail\n{}{}", r.stdout, r.stderr);
    assert!(!r.stderr.contains("panicked"), "{tag}: panic\n{}", r.stderr);
    let mut line = line_of(
        &text,
        line_hint.unwrap_or_else(|| to.lines().next().unwrap()),
    );
    if rule != "schema" {
        // Semantic errors point at the table that holds the fault.
        let lines: Vec<&str> = text.lines().collect();
        while line > 1 && !lines[line - 1].trim_start().starts_with('[') {
            line -= 1;
        }
    }
    let expect = format!("lint-good.v1.toml:{line}:");
    let found = r
        .stdout
        .lines()
        .any(|l| l.contains(&expect) && l.contains(&format!("error[{rule}]")));
    assert!(
        found,
        "{tag}: expected `{expect}` with error[{rule}] in:\n{}",
        r.stdout
    );
    r
}

#[test]
fn the_fixture_is_clean() {
    let r = lint(&root().join("crates/qyzmet/tests/fixtures/lint-good.v1.toml"));
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout.contains("0 error(s), 0 warning(s)"),
        "{}",
        r.stdout
    );
}

#[test]
fn unknown_unit_is_a_schema_error_on_its_line() {
    let r = broken(
        "unit",
        "value = 15, unit = \"minutes\"",
        "value = 15, unit = \"fortnights\"",
        "schema",
        None,
    );
    assert!(r.stdout.contains("fortnights"), "{}", r.stdout);
}

#[test]
fn undeclared_role() {
    let r = broken(
        "role",
        "role = \"head\"",
        "role = \"janitor\"",
        "role-declared",
        Some("n = 2"),
    );
    assert!(r.stdout.contains("`janitor`"), "{}", r.stdout);
}

#[test]
fn output_must_feed_the_next_action() {
    broken(
        "chain",
        "input = \"registered documents\"",
        "input = \"something else\"",
        "output-feeds-next",
        Some("n = 2"),
    );
}

#[test]
fn missing_required_field() {
    let r = broken(
        "missing",
        "en = \"provision of free meals\"\n",
        "",
        "schema",
        Some("[title]"),
    );
    assert!(r.stdout.contains("missing field `en`"), "{}", r.stdout);
}

#[test]
fn unknown_field_is_rejected() {
    broken(
        "unknown",
        "n = 2\n",
        "n = 2\ncolour = \"red\"\n",
        "schema",
        Some("colour"),
    );
}

#[test]
fn source_past_the_end_of_the_seed() {
    let r = broken(
        "past",
        "source = \"L141-L143\"",
        "source = \"L141-L9999\"",
        "source-line",
        Some("n = 2"),
    );
    assert!(
        r.stdout.contains("points past the end of seed"),
        "{}",
        r.stdout
    );
}

#[test]
fn malformed_source_reference() {
    broken(
        "srcfmt",
        "source = \"L148-L150\"",
        "source = \"lines 148 to 150\"",
        "schema",
        None,
    );
}

#[test]
fn seed_must_exist() {
    broken(
        "seed",
        "seed = \"000_cd611684e69fb158.txt\"",
        "seed = \"nope.txt\"",
        "seed-exists",
        Some("[source]"),
    );
}

#[test]
fn steps_in_increasing_order() {
    broken(
        "order",
        "n = 2\n",
        "n = 1\n",
        "step-order",
        Some("role = \"head\""),
    );
}

#[test]
fn zero_duration() {
    broken(
        "zero",
        "value = 20, unit = \"minutes\"",
        "value = 0, unit = \"minutes\"",
        "duration-positive",
        Some("n = 1"),
    );
}

#[test]
fn implausible_unit() {
    let r = broken(
        "implausible",
        "value = 20, unit = \"minutes\"",
        "value = 20, unit = \"months\"",
        "unit-plausible",
        Some("n = 1"),
    );
    assert!(r.stdout.contains("check the unit"), "{}", r.stdout);
}

#[test]
fn actions_must_fit_the_term() {
    let r = broken(
        "term",
        "value = 10\nunit = \"working_days\"",
        "value = 10\nunit = \"minutes\"",
        "term-fits",
        Some("[terms.office]"),
    );
    assert!(r.stdout.contains("annotations"), "{}", r.stdout);
}

#[test]
fn produced_result_must_exist() {
    broken(
        "produces",
        "produces = [\"notification\"]",
        "produces = [\"certificate\"]",
        "result-declared",
        Some("n = 2"),
    );
}

#[test]
fn results_must_be_reachable() {
    // Nothing produces the result any more: the flow reaches no result and the result is orphaned.
    let r = broken(
        "reach",
        "produces = [\"notification\"]\n",
        "",
        "result-reachable",
        Some("id = \"notification\""),
    );
    assert!(
        r.stdout.contains("error[result-reachable]: flow `office`"),
        "{}",
        r.stdout
    );
}

#[test]
fn accepting_channel_needs_a_flow() {
    broken(
        "chanflow",
        "channel = \"office\"\nsource = \"L119-L155\"",
        "channel = \"portal\"\nsource = \"L119-L155\"",
        "channel-flow",
        Some("id = \"office\""),
    );
}

#[test]
fn bad_date() {
    broken(
        "date",
        "date = \"2019-07-11\"",
        "date = \"11.07.2019\"",
        "date-format",
        Some("[act]"),
    );
}

#[test]
fn file_name_must_match_id_and_version() {
    let dir = tmpdir("name");
    let p = write(&dir, "something.toml", &good());
    let r = lint(&p);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("something.toml:1:1: error[file-name]"),
        "{}",
        r.stdout
    );
}

#[test]
fn not_toml_at_all_is_an_error_not_a_panic() {
    let g = good();
    let cut = &g[..g.find("[[flows.office.steps]]").unwrap() + 10];
    for (i, text) in ["\u{0}\u{1}binary\u{ff}", "schema = = 1", cut]
        .iter()
        .enumerate()
    {
        let dir = tmpdir(&format!("garbage{i}"));
        let p = write(&dir, "lint-good.v1.toml", text);
        let r = lint(&p);
        assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
        assert!(
            r.stdout.contains("lint-good.v1.toml:") && r.stdout.contains("error[schema]"),
            "{}",
            r.stdout
        );
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
}

#[test]
fn duplicate_versions_in_a_catalogue() {
    let dir = tmpdir("dup");
    write(&dir, "lint-good.v1.toml", &good());
    std::fs::create_dir_all(dir.path().join("copy")).unwrap();
    write(dir.path().join("copy"), "lint-good.v1.toml", &good());
    let r = lint(dir.path());
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("error[version-unique]"), "{}", r.stdout);
}

#[test]
fn annotated_contradiction_is_a_warning_not_an_error() {
    let g = good().replace(
        "value = 10\nunit = \"working_days\"",
        "value = 10\nunit = \"minutes\"",
    ) + "\n[[annotations]]\nkind = \"contradiction\"\nabout = \"term\"\ntext_en = \"the steps exceed the term\"\nsource = \"L148\"\n";
    let dir = tmpdir("annot");
    let p = write(&dir, "lint-good.v1.toml", &g);
    let r = lint(&p);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("warning[term-fits]"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("warning[annotation]: contradiction about term (L148)"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_motivated_refusal_says_where_it_is_signed() {
    let r = broken(
        "refusal-goto",
        "kind = \"refuse_acceptance\"",
        "kind = \"motivated_refusal\"",
        "branch-goto",
        Some("kind = \"motivated_refusal\""),
    );
    assert!(r.stdout.contains("needs `goto`"), "{}", r.stdout);
    // Going back is no better than going nowhere.
    broken(
        "refusal-goto-back",
        "kind = \"refuse_acceptance\"",
        "kind = \"motivated_refusal\"\ngoto = 1",
        "branch-goto",
        Some("kind = \"motivated_refusal\""),
    );
}

#[test]
fn the_retired_e_queue_flag_names_its_replacements() {
    let sc = "[state_corporation]\ne_queue = true\nsource = \"L223-L226\"\n\n[[results]]\nid = \"notification\"";
    let r = broken(
        "e-queue",
        "[[results]]\nid = \"notification\"",
        sc,
        "schema",
        Some("e_queue = true"),
    );
    assert!(
        r.stdout.contains("e_queue_acceptance") && r.stdout.contains("e_queue_issue"),
        "{}",
        r.stdout
    );
}

#[test]
fn booking_needs_an_electronic_queue() {
    let sc = "[state_corporation]\ne_queue_bookable_via_portal = true\nsource = \"L223-L226\"\n\n[[results]]\nid = \"notification\"";
    broken(
        "e-queue-booking",
        "[[results]]\nid = \"notification\"",
        sc,
        "sc-e-queue",
        Some("[state_corporation]"),
    );
    let ok = "[state_corporation]\ne_queue_issue = true\ne_queue_bookable_via_portal = true\nsource = \"L223-L226\"\n\n[[results]]\nid = \"notification\"";
    let text = good().replacen("[[results]]\nid = \"notification\"", ok, 1);
    let dir = tmpdir("e-queue-issue");
    let r = lint(&write(&dir, "lint-good.v1.toml", &text));
    assert!(!r.stdout.contains("sc-e-queue"), "{}", r.stdout);
}

#[test]
fn every_visible_text_has_kazakh_and_russian() {
    let r = broken(
        "step-ru",
        "text_ru = \"подписывает результат\"\n",
        "",
        "text-languages",
        Some("n = 2"),
    );
    assert!(
        r.stdout.contains("step office.2 needs text_ru"),
        "{}",
        r.stdout
    );
    let r = broken(
        "role-ru",
        "ru = \"руководитель\"\n",
        "",
        "text-languages",
        Some("id = \"head\""),
    );
    assert!(r.stdout.contains("role `head` needs ru"), "{}", r.stdout);
    let r = broken(
        "result-kk",
        "name_kk = \"тегін тамақтану туралы хабарлама\"\n",
        "",
        "text-languages",
        Some("id = \"notification\""),
    );
    assert!(
        r.stdout.contains("result `notification` needs name_kk"),
        "{}",
        r.stdout
    );
}

#[test]
fn every_passport_entry_cites_its_source() {
    let r = broken(
        "passport-appeal-source",
        "source = \"L120-L121\"\n",
        "",
        "passport-source",
        Some("to = \"provider\""),
    );
    assert!(
        r.stdout
            .contains("passport appeal 1: give `source` (seed lines) or `standard`"),
        "{}",
        r.stdout
    );
    let r = broken(
        "passport-cost-ru",
        "ru = \"бесплатно\"\n",
        "ru = \" \"\n",
        "passport-text",
        Some("free = true"),
    );
    assert!(
        r.stdout.contains("passport cost: `kk` and `ru`"),
        "{}",
        r.stdout
    );
    let r = broken(
        "passport-waiting-channel",
        "channel = \"office\"\nmax = ",
        "channel = \"portal\"\nmax = ",
        "passport-waiting-channel",
        Some("what = \"submission\""),
    );
    assert!(r.stdout.contains("passport waiting 1"), "{}", r.stdout);
}
