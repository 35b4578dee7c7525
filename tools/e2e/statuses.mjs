// Browser scenarios of what a citizen sees, against a running qyzmet server with the demo data
// ($QYZMET_BASE_URL; `crates/server/tests/statuses_e2e.rs` serves the code under test and
// prepares $QYZMET_LATE_APPLICATION: an office application whose result was issued three
// working days after its term, with an official's internal note and a comment to the
// applicant), in Kazakh and Russian, at desktop width and at 390 px:
//   the application's page shows statuses, their dates and the comment — no step texts
//   ("ЭҮАШ", "3-шарт"), no journal JSON, no internal note — and the late result marked late;
//   the cabinet lists it as late and shows the notifications; applying twice on the portal for
//   the same student shows the duplicate warning with a link, and goes on once confirmed.
// No page is wider than the viewport. Exit code 0 when every scenario passed.

import { chromium } from "playwright-core";

const base = (process.env.QYZMET_BASE_URL || "").replace(/\/$/, "");
const late = process.env.QYZMET_LATE_APPLICATION || "";
const CITIZEN = "100515500003";
const CITIZEN_PW = "citizen-demo-2019";
const REG = "ekr-free-meals-tvet";
const PROVIDER = "tvet_organisation-1";
const TEXTS = {
  kk: { issued: "Нәтиже берілді", late: "3 жұмыс күнге кешікті", accepted: "Қабылданды", duplicate: "Бұл қызметке ашық өтініш бар", notices: "Хабарламалар" },
  ru: { issued: "Результат выдан", late: "с опозданием на 3 рабочих дня", accepted: "Принято", duplicate: "По этой услуге уже есть открытое заявление", notices: "Уведомления" },
};
// What only staff may see: the regulation's step texts, the journal, an internal note.
const STAFF_ONLY = ["ЭҮАШ", "3-шарт", '"event"', "step_completed", "Айгерим"];
let failures = 0;
let passed = 0;

function expect(cond, what) {
  if (!cond) throw new Error(`expected: ${what}`);
}

async function citizen(browser, lang, width) {
  const ctx = await browser.newContext({ bypassCSP: true, viewport: { width, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(`${base}/login?lang=${lang}`);
  await page.fill("#f-login", CITIZEN);
  await page.fill("#f-password", CITIZEN_PW);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button[type=submit]')]);
  expect(!page.url().includes("/login"), "the citizen logged in");
  return { ctx, page };
}

async function fits(page, what, width) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(w <= width, `${what} fits ${width} px (${w} px)`);
}

async function visit(page, path, lang, width) {
  await page.goto(`${base}${path}${path.includes("?") ? "&" : "?"}lang=${lang}`);
  await fits(page, path, width);
}

function staffOnly(html, what) {
  for (const s of STAFF_ONLY) expect(!html.includes(s), `no ${JSON.stringify(s)} on ${what}`);
}

async function fillData(page) {
  await page.fill('[name="data.student_name"]', "Иванова Мария Петровна");
  await page.fill('[name="data.student_birth_date"]', "15.05.2001");
  await page.fill('[name="data.student_iin"]', "010515600010");
  await page.selectOption('[name="data.course"]', "2");
  await page.selectOption('[name="data.category"]', "orphan");
  await page.fill('[name="data.phone"]', "+7 701 222 33 44");
}

// Fills and sends the portal form's first stage; true when the duplicate warning came back.
async function applyFirstStage(page, lang, width) {
  await visit(page, `/services/${REG}`, lang, width);
  await page.selectOption("#f-provider", PROVIDER);
  await fillData(page);
  await page.check("#f-confirm");
  await Promise.all([page.waitForNavigation(), page.click(`form[action="/services/${REG}/apply"] button[type=submit]`)]);
  await fits(page, "the form's answer", width);
  return (await page.locator("#f-confirm_duplicate").count()) > 0;
}

async function scenario(browser, lang, width) {
  const T = TEXTS[lang];
  const { ctx, page } = await citizen(browser, lang, width);

  // The late result: statuses only, marked late, the comment but not the note.
  await visit(page, `/applications/${late}`, lang, width);
  let html = await page.content();
  expect(html.includes(T.issued), `"${T.issued}" on the page`);
  expect(html.includes(T.late), `"${T.late}" on the page`);
  expect(html.includes("Ваше заявление передано исполнителю"), "the comment to the applicant");
  staffOnly(html, "the application's page");
  expect((await page.locator("details pre").count()) === 0, "no journal");

  // The cabinet: the same late mark, the notifications.
  await visit(page, "/cabinet", lang, width);
  html = await page.content();
  expect(html.includes(T.late), "late in the cabinet");
  expect(html.includes(T.notices), "the notifications");
  staffOnly(html, "the cabinet");

  // Applying for the same student twice: warned, with a link; confirmed, it goes on.
  if (await applyFirstStage(page, lang, width)) {
    await page.check("#f-confirm_duplicate");
    await Promise.all([page.waitForNavigation(), page.click(`form[action="/services/${REG}/apply"] button[type=submit]`)]);
  }
  expect((await page.content()).includes("qyzmet/portal-application/v1"), "the signing step");
  await Promise.all([page.waitForNavigation(), page.click("button[name=sign][value=demo]")]);
  expect(page.url().includes("done=submitted"), `submitted (${page.url()})`);
  const id = decodeURIComponent(new URL(page.url()).pathname.split("/").pop());
  await fits(page, "the new application", width);
  html = await page.content();
  expect(html.includes(T.accepted), `"${T.accepted}" on the new application`);
  staffOnly(html, "the new application");

  expect(await applyFirstStage(page, lang, width), "the duplicate warning");
  html = await page.content();
  expect(html.includes(T.duplicate), `"${T.duplicate}"`);
  expect((await page.locator(`.duplicate a[href="/applications/${id}"]`).count()) === 1, "a link to the open application");
  await ctx.close();
}

async function main() {
  expect(base, "QYZMET_BASE_URL");
  expect(late, "QYZMET_LATE_APPLICATION");
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
  });
  try {
    for (const lang of ["kk", "ru"]) {
      for (const width of [1280, 390]) {
        try {
          await scenario(browser, lang, width);
          passed++;
          console.log(`ok   citizen's statuses (${lang}, ${width} px)`);
        } catch (e) {
          failures++;
          console.log(`FAIL citizen's statuses (${lang}, ${width} px): ${e.stack || e}`);
        }
      }
    }
  } finally {
    await browser.close();
  }
  console.log(`statuses: ${passed} passed, ${failures} failed`);
  process.exit(failures ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
