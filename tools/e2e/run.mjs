// Browser scenarios against a real qyzmet server, with Debian's Chromium and playwright-core.
//
// Starts the server on a free port over a fresh data directory (demo data, clock at
// 2019-12-03 09:00 Almaty), then runs:
//   (a) a citizen registers, applies on the portal (signing with the demo key), the executor
//       processes it, the head signs it, the citizen sees the result in the cabinet;
//   (b) an office clerk refuses to accept a paper application (receipt with grounds);
//   (c) a State Corporation application goes through the collection sector and the courier to
//       the provider and back, and is issued at the desk after the identity check;
//   (d) after a simulated clock jump, monitoring shows the overdue step; once the executor
//       issues that result past its term, monitoring marks it late by its working days;
//   (e) the portal form works with JavaScript disabled.
// Screenshots in kk and ru go to target/e2e-artifacts/ ($QYZMET_E2E_ARTIFACTS); axe-core runs on every page visited
// and any serious or critical violation fails the run.
//
// The server: $QYZMET_BASE_URL when one is already running with the demo data at that clock
// (the Rust test `crates/server/tests/e2e.rs` serves the code under test in-process), else
// started here: $QYZMET_SERVE (a command taking `--data --listen --regulations --as-of --demo`,
// e.g. `target/debug/qyzmet serve`), else `cargo run -q -p server --example serve --`.
// Chromium: $CHROMIUM or /usr/bin/chromium. Exit code 0 when every scenario passed.

import { chromium } from "playwright-core";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
// $QYZMET_E2E_ARTIFACTS: another place (the Rust tests put a PostgreSQL run's apart).
const artifacts = process.env.QYZMET_E2E_ARTIFACTS || join(root, "target", "e2e-artifacts");
mkdirSync(artifacts, { recursive: true });
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const STAFF = "staff-demo-2019";
const CITIZEN_PW = "citizen-demo-2019";
const ADMIN_PW = "admin-demo-2019";
const MONITOR_PW = "monitor-demo-2019";
const REG = "ekr-free-meals-tvet";
const PROVIDER = "tvet_organisation-1";

let failures = 0;
let passed = 0;
const log = (...a) => console.log(...a);

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
    s.on("error", fail);
  });
}

// The free-meals application's data (the service's own fields, from its regulation).
async function fillData(page) {
  await page.fill('[name="data.student_name"]', "Иванова Мария Петровна");
  await page.fill('[name="data.student_birth_date"]', "15.05.2001");
  await page.fill('[name="data.student_iin"]', "010515600010");
  await page.selectOption('[name="data.course"]', "2");
  await page.selectOption('[name="data.category"]', "orphan");
  await page.fill('[name="data.phone"]', "+7 701 222 33 44");
}

// A repeated application for the same person comes back with a warning: confirm it and send
// the form again (the duplicate check itself is tools/e2e/statuses.mjs's).
async function confirmDuplicate(page, form) {
  if ((await page.locator("#f-confirm_duplicate").count()) === 0) return;
  await page.check("#f-confirm_duplicate");
  await Promise.all([page.waitForNavigation(), page.click(`${form} button[type=submit]`)]);
}

async function startServer() {
  if (process.env.QYZMET_BASE_URL) {
    return { base: process.env.QYZMET_BASE_URL.replace(/\/$/, ""), child: null, data: null };
  }
  const port = await freePort();
  const data = mkdtempSync(join(tmpdir(), "qyzmet-e2e-"));
  const args = ["--data", data, "--listen", `127.0.0.1:${port}`, "--regulations", join(root, "regulations"),
    "--as-of", "2019-12-03T09:00:00+06:00", "--demo"];
  const [cmd, ...pre] = process.env.QYZMET_SERVE
    ? process.env.QYZMET_SERVE.trim().split(/\s+/)
    : ["cargo", "run", "-q", "-p", "server", "--example", "serve", "--"];
  const child = spawn(cmd, [...pre, ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const ready = new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`the server did not start in time:\n${out}`)), 300_000);
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("serving on")) {
        clearTimeout(timer);
        ok();
      }
    });
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => fail(new Error(`the server exited (${code}):\n${out}`)));
  });
  await ready;
  return { base: `http://127.0.0.1:${port}`, child, data };
}

async function step(name, fn) {
  const t = Date.now();
  try {
    await fn();
    passed++;
    log(`ok   ${name} (${Date.now() - t} ms)`);
  } catch (e) {
    failures++;
    log(`FAIL ${name}: ${e.stack || e}`);
  }
}

function expect(cond, what) {
  if (!cond) throw new Error(`expected: ${what}`);
}

const axeFindings = [];

/** Runs axe-core on the page; records serious and critical violations. */
async function axe(page, label) {
  if (!(await page.evaluate(() => typeof window.axe !== "undefined").catch(() => false))) {
    await page.addScriptTag({ content: axeSource });
  }
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
  const bad = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  for (const v of bad) axeFindings.push({ page: label, ...v });
  writeFileSync(join(artifacts, `axe-${label}.json`), JSON.stringify(result, null, 2));
}

async function shot(page, name) {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

/** A fresh browser context logged in as `login`. */
async function session(browser, base, login, password, { lang = "kk", js = true } = {}) {
  const ctx = await browser.newContext({ bypassCSP: true, javaScriptEnabled: js, locale: lang === "ru" ? "ru-RU" : "kk-KZ", viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(`${base}/login?lang=${lang}`);
  await page.fill("#f-login", login);
  await page.fill("#f-password", password);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button[type=submit]')]);
  expect(!page.url().includes("/login"), `${login} logged in (at ${page.url()})`);
  return { ctx, page };
}

/** Completes the current step on the application page as the logged-in staff. */
async function actOn(page, base, id, { outcome = "done", presented, note } = {}) {
  await page.goto(`${base}/applications/${id}`);
  const form = page.locator(`form[action="/applications/${id}/act"]`);
  expect((await form.count()) === 1, `an action form on ${id} for ${page.url()}`);
  await form.locator(`input[name=outcome][value=${outcome}]`).check();
  if (note) await form.locator("textarea[name=note]").fill(note);
  // The head hands the file to a named executor: the first one offered (`<org>.executor`).
  const executor = form.locator("select[name=executor]");
  if (await executor.count()) await executor.selectOption({ index: 1 });
  if (presented) await form.locator("select[name=presented]").selectOption(presented);
  // The head's signing step: on the demo server, the labelled demo key signs (NCALayer's
  // own scenarios are tools/e2e/ncalayer.mjs's).
  const demo = form.locator("button[name=sign][value=demo]");
  const button = (await demo.count()) ? demo : form.locator("button[type=submit]:not([formaction]):not([name=sign])");
  await Promise.all([page.waitForNavigation(), button.click()]);
  expect(page.url().includes("done=acted"), `the step was recorded (${page.url()})`);
}

/** The (role, org) holding the current step, read from the JSON API as admin. */
async function holder(api, base, id) {
  const r = await api.get(`${base}/api/applications/${id}`);
  const d = await r.json();
  return d.current ? [d.current.role, d.current.holder, d.current.needs_presented] : null;
}

async function main() {
  const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
  const { base, child, data } = await startServer();
  log(`server at ${base}`);
  const browser = await chromium.launch({
    executablePath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
  // An API client logged in as admin (to read who holds a step).
  const adminApi = await (await browser.newContext()).request;
  const login = await adminApi.post(`${base}/api/auth/login`, { data: { login: "admin", password: ADMIN_PW } });
  expect(login.ok(), "admin API login");

  let portalId, openId, scId;
  try {
    await step("(a) citizen registers, applies on the portal; staff process; result in the cabinet", async () => {
      for (const lang of ["kk", "ru"]) {
        const ctx = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
        const page = await ctx.newPage();
        await page.goto(`${base}/register?lang=${lang}`);
        await axe(page, `register-${lang}`);
        await shot(page, `register-${lang}`);
        await ctx.close();
      }
      const ctx = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
      const page = await ctx.newPage();
      await page.goto(`${base}/register?lang=kk`);
      await page.fill("#f-iin", "900101300811");
      await page.fill("#f-name", "Бауыржан Серікұлы Тест");
      await page.fill("#f-phone", "+7 701 222 33 44");
      await page.fill("#f-password", "e2e password");
      await Promise.all([page.waitForNavigation(), page.click('form[action="/register"] button[type=submit]')]);
      expect(page.url().includes("/login"), `registered, asked to log in (${page.url()})`);
      await page.fill("#f-login", "900101300811");
      await page.fill("#f-password", "e2e password");
      await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button[type=submit]')]);
      expect(page.url().includes("/cabinet"), `logged in after registering (${page.url()})`);
      await page.goto(`${base}/services?lang=kk&q=тамақ`);
      await axe(page, "services-kk");
      await shot(page, "services-kk");
      await page.goto(`${base}/services/${REG}`);
      await axe(page, "service-kk");
      await shot(page, "service-kk");
      for (const target of ["portal", "open"]) {
        await page.goto(`${base}/services/${REG}#apply`);
        await page.selectOption("#f-provider", PROVIDER);
        await fillData(page);
        await page.check("#f-confirm");
        await Promise.all([page.waitForNavigation(), page.click(`form[action="/services/${REG}/apply"] button[type=submit]`)]);
        await confirmDuplicate(page, `form[action="/services/${REG}/apply"]`);
        // The signing step: the exact bytes to sign; on the demo server, the demo key signs.
        expect((await page.content()).includes("qyzmet/portal-application/v1"), "the bytes to sign");
        if (target === "portal") {
          await axe(page, "sign-kk");
          await shot(page, "sign-kk");
        }
        await Promise.all([page.waitForNavigation(), page.click('button[name=sign][value=demo]')]);
        expect(page.url().includes("done=submitted"), `submitted (${page.url()})`);
        const id = decodeURIComponent(new URL(page.url()).pathname.split("/").pop());
        if (target === "portal") portalId = id;
        else openId = id;
      }
      await axe(page, "application-kk");
      await shot(page, "application-submitted-kk");
      // The executor takes the first one.
      const exec = await session(browser, base, `${PROVIDER}.executor`, STAFF);
      await exec.page.goto(`${base}/work`);
      expect((await exec.page.content()).includes(portalId), "in the executor's inbox");
      await axe(exec.page, "work-kk");
      await shot(exec.page, "work-inbox-kk");
      await actOn(exec.page, base, portalId, { note: "Құжаттар толық" });
      await exec.ctx.close();
      // The head, the provider's authorised person, signs the result.
      const head = await session(browser, base, `${PROVIDER}.head`, STAFF);
      await head.page.goto(`${base}/work`);
      expect((await head.page.content()).includes(portalId), "in the head's inbox to sign");
      await actOn(head.page, base, portalId, { note: "Қол қойылды" });
      await head.ctx.close();
      for (const lang of ["kk", "ru"]) {
        await page.goto(`${base}/cabinet?lang=${lang}`);
        const html = await page.content();
        expect(html.includes(`/api/documents/${portalId}/result.pdf`), `a result link in the cabinet (${lang})`);
        await axe(page, `cabinet-${lang}`);
        await shot(page, `cabinet-${lang}`);
        await page.goto(`${base}/applications/${portalId}?lang=${lang}`);
        await shot(page, `application-issued-${lang}`);
      }
      const pdf = await page.request.get(`${base}/api/documents/${portalId}/result.pdf?lang=kk`);
      expect(pdf.ok() && (await pdf.body()).subarray(0, 4).toString() === "%PDF", "the result PDF");
      await ctx.close();
    });

    await step("(b) office refusal to accept", async () => {
      const { ctx, page } = await session(browser, base, `${PROVIDER}.office_clerk`, STAFF, { lang: "ru" });
      await page.goto(`${base}/work?lang=ru&regulation=${REG}`);
      await page.fill("#f-applicant_iin", "000229600004");
      await fillData(page);
      await page.fill("#f-applicant_name", "Айгүл Нұрланқызы Омарова");
      await page.check('input[name=decision][value=refuse]');
      await page.fill("#f-grounds", "Нет справки о составе семьи");
      await shot(page, "office-intake-ru");
      await Promise.all([page.waitForNavigation(), page.click('form[action="/work/intake"] button[type=submit]')]);
      await confirmDuplicate(page, 'form[action="/work/intake"]');
      expect(page.url().includes("done=intake"), `registered (${page.url()})`);
      const html = await page.content();
      expect(html.includes("/receipt.pdf"), "a receipt link");
      expect(html.includes("в приеме документов отказано"), "closed as not accepted");
      await axe(page, "office-refused-ru");
      await shot(page, "office-refused-ru");
      await page.goto(page.url().replace("lang=ru", "") + "&lang=kk");
      await shot(page, "office-refused-kk");
      await ctx.close();
    });

    await step("(c) State Corporation: intake, collection sector, courier, provider, issue at the desk", async () => {
      const op = await session(browser, base, "state_corporation.state_corporation_operator", STAFF);
      await op.page.goto(`${base}/sc?regulation=${REG}`);
      await op.page.selectOption("#f-provider", PROVIDER);
      await op.page.fill("#f-applicant_iin", "851231400001");
      await op.page.fill("#f-applicant_name", "Гүлнар Серікқызы Ахметова");
      await fillData(op.page);
      await axe(op.page, "sc-desk-kk");
      await shot(op.page, "sc-desk-kk");
      await Promise.all([op.page.waitForNavigation(), op.page.click('form[action="/sc/intake"] button[type=submit]')]);
      await confirmDuplicate(op.page, 'form[action="/sc/intake"]');
      expect(op.page.url().includes("done=intake"), "taken in");
      scId = decodeURIComponent(new URL(op.page.url()).pathname.split("/").pop());
      const receipt = await op.page.locator(".receipt").first().textContent();
      expect(/^\d{12}$/.test(receipt.trim()), `a 12-digit receipt number (${receipt})`);
      await shot(op.page, "sc-receipt-kk");
      const seen = [];
      for (let guard = 0; guard < 20; guard++) {
        const h = await holder(adminApi, base, scId);
        if (!h) break;
        const [role, org, needsPresented] = h;
        seen.push(role);
        const s = await session(browser, base, `${org}.${role}`, STAFF, { lang: seen.length % 2 ? "ru" : "kk" });
        if (needsPresented) {
          await s.page.goto(`${base}/applications/${scId}?lang=ru`);
          await shot(s.page, "sc-issue-ru");
          await axe(s.page, "sc-issue-ru");
          await actOn(s.page, base, scId, { presented: "identity_document" });
        } else {
          await actOn(s.page, base, scId);
        }
        await s.ctx.close();
      }
      expect(seen.includes("collection_sector") && seen.includes("courier"), `through the collection sector and courier (${seen})`);
      expect(seen.at(-1) === "state_corporation_operator", "issued at the desk");
      await op.page.goto(`${base}/applications/${scId}?lang=kk`);
      expect((await op.page.content()).includes("нәтиже берілді"), "issued");
      await shot(op.page, "sc-issued-kk");
      await op.ctx.close();
    });

    await step("(d) monitoring shows the overdue step after a clock jump, then the late result", async () => {
      const admin = await session(browser, base, "admin", ADMIN_PW, { lang: "ru" });
      await admin.page.goto(`${base}/admin?lang=ru`);
      await axe(admin.page, "admin-ru");
      await admin.page.fill("#f-advance_minutes", String(60 * 24 * 20));
      await Promise.all([admin.page.waitForNavigation(), admin.page.click('form[action="/admin/clock/form"] button[type=submit]')]);
      expect(admin.page.url().includes("done=clock"), "clock moved");
      await admin.ctx.close();
      for (const lang of ["kk", "ru"]) {
        const m = await session(browser, base, "monitor", MONITOR_PW, { lang });
        await m.page.goto(`${base}/monitoring?lang=${lang}`);
        const html = await m.page.content();
        expect(html.includes(openId), "the open application is listed");
        expect(html.includes('class="tag overdue"'), "marked overdue");
        expect(html.includes("<svg"), "charts");
        await axe(m.page, `monitoring-${lang}`);
        await shot(m.page, `monitoring-${lang}`);
        await m.ctx.close();
      }
      // The executor checks the overdue application now, 20 days on, and the head signs the
      // result: past the term of 10 working days, so it is late.
      const exec = await session(browser, base, `${PROVIDER}.executor`, STAFF);
      await actOn(exec.page, base, openId);
      await exec.ctx.close();
      const head = await session(browser, base, `${PROVIDER}.head`, STAFF);
      await actOn(head.page, base, openId);
      await head.ctx.close();
      const d = await (await adminApi.get(`${base}/api/applications/${openId}`)).json();
      expect(d.closure === "issued", `issued (${d.status}, ${d.closure})`);
      const days = d.late && d.late.working_days;
      expect(days > 0 && !d.late.same_day, `late by working days in the API (${JSON.stringify(d.late)})`);
      const words = {
        kk: `${days} жұмыс күнге кешікті`,
        ru: `с опозданием на ${days} рабоч`,
      };
      for (const lang of ["kk", "ru"]) {
        const m = await session(browser, base, "monitor", MONITOR_PW, { lang });
        await m.page.goto(`${base}/monitoring?lang=${lang}`);
        // The late results' section: its row for the application, with the visible mark.
        const row = m.page.locator("#late tr", { hasText: openId });
        expect((await row.count()) === 1, `the late result is listed (${lang})`);
        const mark = row.locator(".tag.late");
        expect(await mark.isVisible(), `the late mark is visible (${lang})`);
        const text = (await mark.textContent()).trim();
        expect(text.startsWith(words[lang]), `late by ${days} working days: "${text}" (${lang})`);
        const summary = m.page.locator("main p .tag.late").first();
        expect(await summary.isVisible(), `the count of late results is visible (${lang})`);
        expect(/[1-9]/.test(await summary.textContent()), "a count of late results");
        await axe(m.page, `monitoring-late-${lang}`);
        await shot(m.page, `monitoring-late-${lang}`);
        await m.ctx.close();
      }
    });

    await step("(e) the portal form works with JavaScript disabled", async () => {
      const { ctx, page } = await session(browser, base, "100515500003", CITIZEN_PW, { js: false, lang: "ru" });
      await page.goto(`${base}/services/${REG}?lang=ru`);
      await page.selectOption("#f-provider", PROVIDER);
      // Without the declaration: the form comes back with the error, in Russian.
      await Promise.all([page.waitForNavigation(), page.click(`form[action="/services/${REG}/apply"] button[type=submit]`)]);
      await confirmDuplicate(page, `form[action="/services/${REG}/apply"]`);
      expect((await page.content()).includes("error-summary"), "an error summary");
      await shot(page, "nojs-error-ru");
      await fillData(page);
      await page.check("#f-confirm");
      await Promise.all([page.waitForNavigation(), page.click(`form[action="/services/${REG}/apply"] button[type=submit]`)]);
      await confirmDuplicate(page, `form[action="/services/${REG}/apply"]`);
      await Promise.all([page.waitForNavigation(), page.click('button[name=sign][value=demo]')]);
      expect(page.url().includes("done=submitted"), `submitted without JavaScript (${page.url()})`);
      await shot(page, "nojs-submitted-ru");
      await ctx.close();
    });

    await step("(f) at 390 px no page scrolls sideways (kk, ru)", async () => {
      // Every service's page (its passport and form), every kind of user's lists and forms.
      const services = await (await fetch(`${base}/api/services`)).json();
      const servicePages = (services.items || services).map((s) => `/services/${s.id}`);
      expect(servicePages.length === 11, `11 services (${servicePages.length})`);
      const who = [
        ["100515500003", CITIZEN_PW, ["/cabinet", "/services", ...servicePages]],
        [`${PROVIDER}.office_clerk`, STAFF, ["/work", "/work?scope=all", `/work?regulation=${REG}`, "/work?print=1"]],
        [`${PROVIDER}.head`, STAFF, ["/work", "/work?scope=all&late=1"]],
        ["state_corporation.state_corporation_operator", STAFF, ["/sc", `/sc?regulation=${REG}`, "/sc/lookup?key=100515500003"]],
        ["monitor", MONITOR_PW, ["/monitoring"]],
      ];
      const wide = [];
      for (const [login, pw, paths] of who) {
        for (const lang of ["kk", "ru"]) {
          const { ctx, page } = await session(browser, base, login, pw, { lang });
          await page.setViewportSize({ width: 390, height: 844 });
          // The first application on the list, as its owner or the staff see it.
          await page.goto(`${base}${paths[0]}?lang=${lang}`);
          const first = await page.locator('a[href^="/applications/"]').first().getAttribute("href").catch(() => null);
          for (const path of first ? [...paths, first.split("?")[0]] : paths) {
            await page.goto(`${base}${path}${path.includes("?") ? "&" : "?"}lang=${lang}`);
            const w = await page.evaluate(() => document.documentElement.scrollWidth);
            if (w > 390) wide.push(`${login} ${path} ${lang}: ${w} px`);
          }
          await shot(page, `narrow-${login.replace(/\W/g, "_")}-${lang}`);
          await ctx.close();
        }
      }
      expect(wide.length === 0, `no sideways scroll at 390 px, but ${wide.join("; ")}`);
    });

    await step("axe-core: no serious or critical violations", async () => {
      if (axeFindings.length) {
        throw new Error(axeFindings.map((f) => `${f.page}: ${f.impact} ${f.id} — ${f.help} (${f.nodes.join(", ")})`).join("\n"));
      }
    });
  } finally {
    await browser.close();
    if (child) {
      child.kill("SIGINT");
      await new Promise((ok) => setTimeout(ok, 500));
      if (child.exitCode === null) child.kill("SIGKILL");
      rmSync(data, { recursive: true, force: true });
    }
  }
  log(`screenshots and axe reports in ${artifacts}`);
  log(`e2e: ${passed} passed, ${failures} failed`);
  process.exit(failures ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
