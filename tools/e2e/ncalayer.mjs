// Signing through NCALayer in a browser, against a running qyzmet server with the demo data
// ($QYZMET_BASE_URL) whose pages are given the NCALayer double's URL ($NCALAYER_URL;
// `crates/server/tests/ncalayer_e2e.rs` serves the code under test, starts the double with
// named keys and prepares $QYZMET_SIGN_APPLICATIONS: office applications at the head's
// signing step). The pages' own Content-Security-Policy is in force (no bypass): the script
// must be allowed to run and to reach NCALayer. At 390 px:
//   (a) a citizen signs the portal request through NCALayer (kk) and the application is
//       accepted;
//   (b) with a revoked key the portal refuses with its ЭЦП refusal (ru);
//   (c) the head's authentication key and a citizen's key are refused for a result with a
//       visible message, nothing recorded; a signer who cancels in NCALayer is told so (ru);
//   (d) the head signs a result with the head's key and the step completes (kk).
// The double's own `qyzmet.double choose` picks the key the signer would pick in NCALayer's
// dialog. Screenshots go to target/e2e-artifacts/ncalayer/ (that folder under
// $QYZMET_E2E_ARTIFACTS if set) and $QYZMET_SHOTS if set.
// Exit code 0 when every scenario passed.

import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const base = (process.env.QYZMET_BASE_URL || "").replace(/\/$/, "");
const ncalayer = process.env.NCALAYER_URL || "";
const apps = (process.env.QYZMET_SIGN_APPLICATIONS || "").split(",").filter(Boolean);
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const artifacts = process.env.QYZMET_E2E_ARTIFACTS || join(root, "target", "e2e-artifacts");
const shotDirs = [join(artifacts, "ncalayer"), process.env.QYZMET_SHOTS].filter(Boolean);
for (const d of shotDirs) mkdirSync(d, { recursive: true });

// The service, provider and citizen default to the demo data's at a 2019 clock; a test with
// NCA's own keys (`ncalayer_nca_e2e.rs`) names others and the portal form's values
// ($QYZMET_PORTAL_FORM: {"fill": {field: value}, "select": {field: value}}).
const CITIZEN = process.env.QYZMET_CITIZEN || "100515500003";
const CITIZEN_PW = process.env.QYZMET_CITIZEN_PW || "citizen-demo-2019";
const STAFF_PW = "staff-demo-2019";
const REG = process.env.QYZMET_REG || "ekr-free-meals-tvet";
const PROVIDER = process.env.QYZMET_PROVIDER || "tvet_organisation-1";
const FORM = process.env.QYZMET_PORTAL_FORM
  ? JSON.parse(process.env.QYZMET_PORTAL_FORM)
  : {
      fill: {
        student_name: "Иванова Мария Петровна",
        student_birth_date: "15.05.2001",
        student_iin: "010515600010",
        phone: "+7 701 222 33 44",
      },
      select: { course: "2", category: "orphan" },
    };
const WIDTH = 390;
const TEXTS = {
  kk: {
    portalRefusal: "ЭЦҚ түпнұсқалығы расталмауына байланысты қызмет көрсетуден бас тартылды",
    resultRefused: "Нәтижедегі қолтаңба қабылданбады",
    cancelled: "NCALayer-де қол қою тоқтатылды",
  },
  ru: {
    portalRefusal: "В оказании услуги отказано в связи с тем, что подлинность ЭЦП не подтверждена",
    resultRefused: "Подпись результата не принята",
    cancelled: "Подписание отменено в NCALayer",
  },
};

let failures = 0;
let passed = 0;

function expect(cond, what) {
  if (!cond) throw new Error(`expected: ${what}`);
}

async function shot(page, name) {
  for (const d of shotDirs) await page.screenshot({ path: join(d, `${name}.png`), fullPage: true });
}

async function session(browser, login, password, lang) {
  const ctx = await browser.newContext({ viewport: { width: WIDTH, height: 900 }, ignoreHTTPSErrors: true });
  const page = await ctx.newPage();
  page.on("pageerror", (e) => console.log(`page error (${login}): ${e}`));
  await page.goto(`${base}/login?lang=${lang}`);
  await page.fill("#f-login", login);
  await page.fill("#f-password", password);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button[type=submit]')]);
  expect(!page.url().includes("/login"), `${login} logged in`);
  return { ctx, page };
}

// What the signer does in NCALayer's dialog: picks `key`, or cancels.
async function choose(control, args) {
  const answer = await control.evaluate(
    ([url, args]) =>
      new Promise((ok, fail) => {
        const ws = new WebSocket(url);
        ws.onopen = () => ws.send(JSON.stringify({ module: "qyzmet.double", method: "choose", args }));
        ws.onmessage = (m) => {
          const r = JSON.parse(m.data);
          if (typeof r.status === "undefined") return;
          ws.close();
          ok(r);
        };
        ws.onerror = () => fail(new Error("cannot reach the NCALayer double"));
      }),
    [ncalayer, args],
  );
  expect(answer.status === true, `the double chose ${JSON.stringify(args)}`);
}

async function fits(page, what) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  const wide =
    w <= WIDTH
      ? ""
      : await page.evaluate(
          (max) =>
            [...document.querySelectorAll("body *")]
              .filter((e) => e.getBoundingClientRect().right > max || e.scrollWidth > e.clientWidth + 1)
              .filter((e) => ![...e.children].some((c) => c.getBoundingClientRect().right > max || c.scrollWidth > c.clientWidth + 1))
              .slice(0, 3)
              .map((e) => {
                const path = [];
                for (let p = e; p && p !== document.body; p = p.parentElement)
                  path.unshift(p.tagName.toLowerCase() + (p.className ? `.${String(p.className).replace(/ /g, ".")}` : ""));
                return `${path.join(" > ")}: ${(e.textContent || "").slice(0, 300)}`;
              })
              .join("; "),
          WIDTH,
        );
  expect(w <= WIDTH, `${what} fits ${WIDTH} px (${w} px${wide ? `: ${wide}` : ""})`);
}

// The portal form up to its signing step.
async function toPortalSigning(page, lang) {
  await page.goto(`${base}/services/${REG}?lang=${lang}`);
  await page.selectOption("#f-provider", PROVIDER);
  for (const [field, value] of Object.entries(FORM.fill || {})) await page.fill(`[name="data.${field}"]`, value);
  for (const [field, value] of Object.entries(FORM.select || {}))
    await page.selectOption(`[name="data.${field}"]`, value);
  await page.check("#f-confirm");
  const form = `form[action="/services/${REG}/apply"]`;
  await Promise.all([page.waitForNavigation(), page.click(`${form} button[type=submit]`)]);
  if ((await page.locator("#f-confirm_duplicate").count()) > 0) {
    await page.check("#f-confirm_duplicate");
    await Promise.all([page.waitForNavigation(), page.click(`${form} button[type=submit]`)]);
  }
  const button = page.locator("[data-ncalayer=request] [data-ncalayer-sign]");
  await button.waitFor({ state: "visible" });
  await fits(page, "the portal's signing step");
}

async function scenarioPortal(browser, control) {
  // (a) signed through NCALayer, accepted.
  let { ctx, page } = await session(browser, CITIZEN, CITIZEN_PW, "kk");
  await toPortalSigning(page, "kk");
  await shot(page, "portal-sign-kk");
  await choose(control, { key: "citizen" });
  await Promise.all([page.waitForNavigation(), page.click("[data-ncalayer=request] [data-ncalayer-sign]")]);
  const errors = async () =>
    [
      (await page.locator(".error-summary").count()) ? await page.locator(".error-summary").innerHTML() : "",
      ...(await page.locator("[aria-invalid=true]").evaluateAll((es) => es.map((e) => e.name || e.id))),
    ].join(" ");
  expect(page.url().includes("done=submitted"), `submitted through NCALayer (${page.url()}: ${await errors()})`);
  await ctx.close();
  passed++;
  console.log("ok   (a) a citizen signs and submits through NCALayer");

  // (b) a revoked key: the portal's refusal, in Russian.
  ({ ctx, page } = await session(browser, CITIZEN, CITIZEN_PW, "ru"));
  await toPortalSigning(page, "ru");
  await shot(page, "portal-sign-ru");
  await choose(control, { key: "revoked" });
  await Promise.all([page.waitForNavigation(), page.click("[data-ncalayer=request] [data-ncalayer-sign]")]);
  expect(!page.url().includes("done=submitted"), "not submitted with a revoked key");
  const html = await page.content();
  expect(html.includes(TEXTS.ru.portalRefusal), "the portal's ЭЦП refusal");
  await fits(page, "the refusal");
  await shot(page, "portal-refused-ru");
  await ctx.close();
  passed++;
  console.log("ok   (b) a revoked key: the portal refuses");
}

async function openSigning(page, id, lang) {
  await page.goto(`${base}/applications/${encodeURIComponent(id)}?lang=${lang}`);
  const form = page.locator(`form[action="/applications/${id}/act"]`);
  expect((await form.count()) === 1, `the action form on ${id}`);
  const done = form.locator("input[name=outcome][value=done]");
  if ((await done.count()) && (await done.getAttribute("type")) === "radio") await done.check();
  await page.locator("[data-ncalayer=result] [data-ncalayer-sign]").waitFor({ state: "visible" });
  await fits(page, "the head's signing step");
  return form;
}

async function scenarioResult(browser, control) {
  expect(apps.length >= 2, "QYZMET_SIGN_APPLICATIONS: two applications at the signing step");
  // (c) the wrong keys, and a cancel (ru).
  let { ctx, page } = await session(browser, `${PROVIDER}.head`, STAFF_PW, "ru");
  await openSigning(page, apps[0], "ru");
  await shot(page, "desk-sign-ru");
  for (const key of ["head-auth", "citizen"]) {
    await choose(control, { key });
    await Promise.all([page.waitForNavigation(), page.click("[data-ncalayer=result] [data-ncalayer-sign]")]);
    expect(!page.url().includes("done=acted"), `nothing recorded with the ${key} key`);
    const text = await page.locator(".error-summary").innerText();
    expect(text.includes(TEXTS.ru.resultRefused), `the refusal is shown for the ${key} key (${text})`);
    await fits(page, "the refused signature");
    if (key === "head-auth") await shot(page, "desk-refused-ru");
    await openSigning(page, apps[0], "ru");
  }
  await choose(control, { cancel: true });
  await page.click("[data-ncalayer=result] [data-ncalayer-sign]");
  await page.locator("[data-ncalayer=result] [data-ncalayer-status]", { hasText: TEXTS.ru.cancelled }).waitFor();
  expect(page.url().includes(`/applications/${apps[0]}`) && !page.url().includes("done=acted"), "still at the signing step");
  await ctx.close();
  passed++;
  console.log("ok   (c) an authentication key and a citizen's key are refused for a result; a cancel is told");

  // (d) the head's signing key (kk).
  ({ ctx, page } = await session(browser, `${PROVIDER}.head`, STAFF_PW, "kk"));
  await openSigning(page, apps[1], "kk");
  await shot(page, "desk-sign-kk");
  await choose(control, { key: "head" });
  await Promise.all([page.waitForNavigation(), page.click("[data-ncalayer=result] [data-ncalayer-sign]")]);
  expect(page.url().includes("done=acted"), `the head's signature recorded (${page.url()})`);
  expect((await page.locator("[data-ncalayer=result]").count()) === 0, "the signing step is done");
  await ctx.close();
  passed++;
  console.log("ok   (d) the head signs a result through NCALayer");
}

async function main() {
  expect(base, "QYZMET_BASE_URL");
  expect(ncalayer, "NCALAYER_URL");
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    // The double's TLS certificate is self-signed, as a test's must be.
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--ignore-certificate-errors"],
  });
  const controlCtx = await browser.newContext({ ignoreHTTPSErrors: true });
  const control = await controlCtx.newPage();
  try {
    for (const [name, scenario] of [
      ["the portal", scenarioPortal],
      ["the head's result", scenarioResult],
    ]) {
      try {
        await scenario(browser, control);
      } catch (e) {
        failures++;
        console.log(`FAIL ${name}: ${e.stack || e}`);
      }
    }
  } finally {
    await browser.close();
  }
  console.log(`ncalayer: ${passed} passed, ${failures} failed`);
  process.exit(failures ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
