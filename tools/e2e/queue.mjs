// The preschool queue in a browser, against a running qyzmet server with the demo data
// ($QYZMET_BASE_URL; `crates/server/tests/queue_e2e.rs` serves the code under test with two
// other families' children already waiting in the Esil district's line, Russian groups):
//   the citizen applies for the preschool queue on the portal for a three-year-old (Kazakh
//   group) and sees the queue number (3) on the application's page; the district education
//   department's executor declares one place in a Kazakh group; the citizen's child gets the
//   referral (the two ahead want Russian groups); the citizen accepts it; the public page of
//   the district shows the referral, the rule that chose the child and the line without the
//   child — and never a name or an IIN — in Russian and Kazakh, fitting 390 px.
// Screenshots go to target/e2e-artifacts/queue/ (that folder under $QYZMET_E2E_ARTIFACTS if
// set). Exit code 0 when every scenario passed.

import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const base = (process.env.QYZMET_BASE_URL || "").replace(/\/$/, "");
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const artifacts = process.env.QYZMET_E2E_ARTIFACTS || join(root, "target", "e2e-artifacts");
const shots = join(artifacts, "queue");
mkdirSync(shots, { recursive: true });
const CITIZEN = "100515500003";
const CITIZEN_PW = "citizen-demo-2019";
const REG = "ekr-preschool-queue";
const PROVIDER = "district_leb-1";
const CHILD = { name: "Сейітова Аружан Әлібекқызы", birth: "01.03.2016", iin: "160301600017" };
const SECRETS = [CHILD.name, "Аружан", CHILD.iin, CITIZEN];
let failures = 0;
let shot = 0;
let passed = 0;

function expect(cond, what) {
  if (!cond) throw new Error(`expected: ${what}`);
}

async function login(browser, who, pw, lang, width) {
  const ctx = await browser.newContext({ bypassCSP: true, viewport: { width, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(`${base}/login?lang=${lang}`);
  await page.fill("#f-login", who);
  await page.fill("#f-password", pw);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button[type=submit]')]);
  expect(!page.url().includes("/login"), `${who} logged in`);
  return { ctx, page };
}

async function fits(page, what, width) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(w <= width, `${what} fits ${width} px (${w} px)`);
}

async function publicPage(browser, lang, width) {
  const ctx = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(`${base}/queue/esil?lang=${lang}`);
  await fits(page, "the district's page", width);
  const html = await page.content();
  for (const s of SECRETS) expect(!html.includes(s), `no ${JSON.stringify(s)} on the public page`);
  await page.screenshot({ path: join(shots, `public-${lang}-${width}-${shot++}.png`), fullPage: true });
  await ctx.close();
  return html;
}

async function journey(browser) {
  const lang = "ru";
  const width = 1280;
  const before = await publicPage(browser, lang, 390);
  expect(before.includes("Направлений пока нет"), "no referrals yet");

  // The citizen applies.
  const { ctx, page } = await login(browser, CITIZEN, CITIZEN_PW, lang, width);
  await page.goto(`${base}/services/${REG}?lang=${lang}`);
  await page.selectOption("#f-provider", PROVIDER);
  await page.selectOption('[name="data.applicant_role"]', "parent");
  await page.fill('[name="data.child_name"]', CHILD.name);
  await page.fill('[name="data.child_birth_date"]', CHILD.birth);
  await page.fill('[name="data.child_iin"]', CHILD.iin);
  await page.selectOption('[name="data.category"]', "general");
  await page.selectOption('[name="data.language"]', "kk");
  await page.fill('[name="data.admission_year"]', "2020");
  await page.fill('[name="data.phone"]', "+7 701 222 33 44");
  await page.check("#f-confirm");
  await Promise.all([page.waitForNavigation(), page.click(`form[action="/services/${REG}/apply"] button[type=submit]`)]);
  const stage = await page.content();
  const errors = (await page.locator(".error-summary").allTextContents()).join(" | ");
  expect(stage.includes("qyzmet/portal-application/v1"), `the signing step (${errors})`);
  await Promise.all([page.waitForNavigation(), page.click("button[name=sign][value=demo]")]);
  expect(page.url().includes("done=submitted"), `submitted (${page.url()})`);
  const app = new URL(page.url()).pathname;
  expect((await page.textContent("#queue-number")).trim() === "3", "queue number 3 on the application's page");
  await page.screenshot({ path: join(shots, "applied-ru.png"), fullPage: true });
  // The cabinet lists it with the number.
  await page.goto(`${base}/cabinet?lang=${lang}`);
  const cabinet = await page.content();
  expect(cabinet.includes("Номер в очереди: <b>3</b>"), "the number in the cabinet");

  // The district's executor declares a place in a Kazakh group of 3-year-olds.
  const staff = await login(browser, `${PROVIDER}.executor`, "staff-demo-2019", lang, width);
  await staff.page.goto(`${base}/work/queue?lang=${lang}`);
  await staff.page.selectOption("#f-organisation", "esil-ds-1");
  await staff.page.selectOption("#f-group", "y3");
  await staff.page.selectOption("#f-language", "kk");
  await staff.page.fill("#f-count", "1");
  await Promise.all([staff.page.waitForNavigation(), staff.page.click('form[action="/work/queue/places"] button[type=submit]')]);
  expect(staff.page.url().includes("done=places_declared"), `places declared (${staff.page.url()})`);
  await staff.page.screenshot({ path: join(shots, "staff-ru.png"), fullPage: true });

  // The citizen is told in the cabinet, sees the referral and accepts it.
  await page.goto(`${base}/cabinet?lang=${lang}`);
  expect((await page.content()).includes("Выдано направление в дошкольную организацию: Детский сад № 1 (Есиль)"), "the referral's notification in the cabinet");
  await page.goto(`${base}${app}?lang=${lang}`);
  let html = await page.content();
  expect(html.includes("Выдано, ждет согласия заявителя"), "the referral, issued");
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/accept"] button')]);
  expect(page.url().includes("done=queue"), `accepted (${page.url()})`);
  html = await page.content();
  expect(html.includes("Принято, ждет зачисления"), "the referral, accepted");
  await page.screenshot({ path: join(shots, "accepted-ru.png"), fullPage: true });
  // The same page in Kazakh on a phone.
  await page.setViewportSize({ width: 390, height: 900 });
  await page.goto(`${base}${app}?lang=kk`);
  await fits(page, "the application's page", 390);
  expect((await page.content()).includes("Қабылданды, қабылдауды күтуде"), "the referral, accepted (kk)");
  await page.screenshot({ path: join(shots, "accepted-kk-390.png"), fullPage: true });

  // The public page shows the change: a referral, its rule, the line without the child.
  for (const [l, w, texts] of [
    ["ru", 390, ["Принято, ждет зачисления", "выдано категории «На общих основаниях»"]],
    ["kk", 390, ["Қабылданды, қабылдауды күтуде", "«Жалпы негізде» санатына берілді"]],
  ]) {
    const after = await publicPage(browser, l, w);
    for (const t of texts) expect(after.includes(t), `"${t}" on the public page (${l})`);
  }
  await ctx.close();
  await staff.ctx.close();
}

async function main() {
  expect(base, "QYZMET_BASE_URL");
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
  });
  try {
    try {
      await journey(browser);
      passed++;
      console.log("ok   the preschool queue: apply, number, place, referral, accept, public page");
    } catch (e) {
      failures++;
      console.log(`FAIL the preschool queue: ${e.stack || e}`);
    }
  } finally {
    await browser.close();
  }
  console.log(`queue: ${passed} passed, ${failures} failed`);
  process.exit(failures ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
