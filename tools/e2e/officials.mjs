// Browser scenarios of the officials' desk against a running qyzmet server with the demo data
// ($QYZMET_BASE_URL; `crates/server/tests/officials_e2e.rs` serves the code under test), in
// Kazakh and Russian, at desktop width and at 390 px:
//   the head assigns a named executor; the other executor sees it read-only and cannot act;
//   the assigned executor refuses with empty grounds → the error keeps the refusal chosen;
//   with grounds ticked the refusal is recorded with them; the inbox's search and "assigned to
//   me" find it; the State Corporation desk finds an application by IIN and by receipt number.
// No page is wider than the viewport. Exit code 0 when every scenario passed.

import { chromium } from "playwright-core";

const base = (process.env.QYZMET_BASE_URL || "").replace(/\/$/, "");
const STAFF = "staff-demo-2019";
const REG = "ekr-free-meals-tvet";
const PROVIDER = "tvet_organisation-1";
let failures = 0;
let passed = 0;

function expect(cond, what) {
  if (!cond) throw new Error(`expected: ${what}`);
}

async function session(browser, login, lang, width) {
  const ctx = await browser.newContext({ bypassCSP: true, viewport: { width, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(`${base}/login?lang=${lang}`);
  await page.fill("#f-login", login);
  await page.fill("#f-password", STAFF);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button[type=submit]')]);
  expect(!page.url().includes("/login"), `${login} logged in`);
  return { ctx, page };
}

async function visit(page, path, lang, width) {
  await page.goto(`${base}${path}${path.includes("?") ? "&" : "?"}lang=${lang}`);
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(w <= width, `${path} fits ${width} px (${w} px)`);
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

async function submit(page, form) {
  await Promise.all([page.waitForNavigation(), form.locator("button[type=submit]").first().click()]);
}

// A repeated application for the same person comes back with a warning: confirm it and send
// the form again.
async function confirmDuplicate(page, form) {
  if ((await page.locator("#f-confirm_duplicate").count()) === 0) return;
  await page.check("#f-confirm_duplicate");
  await submit(page, form);
}

async function scenario(browser, lang, width) {
  // The office clerk registers a paper application.
  const clerk = await session(browser, `${PROVIDER}.office_clerk`, lang, width);
  await visit(clerk.page, `/work?regulation=${REG}`, lang, width);
  await clerk.page.fill("#f-applicant_iin", "000229600004");
  await clerk.page.fill("#f-applicant_name", "Айгүл Нұрланқызы Омарова");
  await fillData(clerk.page);
  await submit(clerk.page, clerk.page.locator('form[action="/work/intake"]'));
  await confirmDuplicate(clerk.page, clerk.page.locator('form[action="/work/intake"]'));
  expect(clerk.page.url().includes("done=intake"), "registered");
  const id = decodeURIComponent(new URL(clerk.page.url()).pathname.split("/").pop());
  await clerk.ctx.close();

  // The head names the second executor.
  const head = await session(browser, `${PROVIDER}.head`, lang, width);
  await visit(head.page, `/applications/${id}`, lang, width);
  let form = head.page.locator(`form[action="/applications/${id}/act"]`);
  const options = await form.locator("select[name=executor] option").allTextContents();
  expect(options.length >= 3, `two executors offered (${options})`);
  await form.locator("select[name=executor]").selectOption(`${PROVIDER}.executor-2`);
  const name = (await form.locator("select[name=executor] option:checked").textContent()).trim();
  await submit(head.page, form);
  expect(head.page.url().includes("done=acted"), `assigned (${head.page.url()})`);
  expect((await head.page.content()).includes(name), `the application names ${name}`);
  await head.ctx.close();

  // The other executor sees whose it is and has no form.
  const other = await session(browser, `${PROVIDER}.executor`, lang, width);
  await visit(other.page, `/applications/${id}`, lang, width);
  expect((await other.page.locator(`form[action="/applications/${id}/act"]`).count()) === 0, "no form for the other executor");
  expect((await other.page.locator(".panel[role=status]").allTextContents()).some((t) => t.includes(name)), "read-only with the assignee's name");
  await other.ctx.close();

  // The assigned executor: the inbox finds it; the decision is explicit.
  const exec = await session(browser, `${PROVIDER}.executor-2`, lang, width);
  await visit(exec.page, "/work?mine=1", lang, width);
  expect((await exec.page.content()).includes(id), "assigned to me");
  await visit(exec.page, `/work?q=${encodeURIComponent(id)}`, lang, width);
  expect((await exec.page.content()).includes(id), "found by number");
  await visit(exec.page, "/work?print=1", lang, width);
  expect((await exec.page.content()).includes(id), "the print version");
  await visit(exec.page, `/applications/${id}`, lang, width);
  form = exec.page.locator(`form[action="/applications/${id}/act"]`);
  expect((await form.locator("input[name=outcome]:checked").count()) === 0, "no outcome preselected");
  await form.locator("input[name=outcome][value=motivated_refusal]").check();
  await form.locator("textarea[name=grounds]").fill("e2e");
  await submit(exec.page, form);
  expect(!exec.page.url().includes("done=acted"), "refused without grounds");
  form = exec.page.locator(`form[action="/applications/${id}/act"]`);
  expect(await form.locator("input[name=outcome][value=motivated_refusal]").isChecked(), "the refusal is still chosen");
  expect((await form.locator("textarea[name=grounds]").inputValue()) === "e2e", "the comment is kept");
  expect((await exec.page.locator(".error-summary").count()) === 1, "an error summary");
  const w = await exec.page.evaluate(() => document.documentElement.scrollWidth);
  expect(w <= width, `the error page fits (${w} px)`);
  await form.locator("input[name=refusal_grounds]").first().check();
  const ground = (await form.locator("input[name=refusal_grounds] + label").first().textContent()).trim();
  await submit(exec.page, form);
  expect(exec.page.url().includes("done=acted"), `refusal recorded (${exec.page.url()})`);
  expect((await exec.page.content()).includes(ground), "the grounds are shown");
  expect(!/[A-Za-z]{4,} of the Standard/.test(ground), `no English ground (${ground})`);
  await exec.ctx.close();

  // The State Corporation desk finds an application by receipt number and by IIN.
  const op = await session(browser, "state_corporation.state_corporation_operator", lang, width);
  await visit(op.page, `/sc?regulation=${REG}`, lang, width);
  await op.page.selectOption("#f-provider", PROVIDER);
  await op.page.fill("#f-applicant_iin", "851231400001");
  await op.page.fill("#f-applicant_name", "Гүлнар Серікқызы Ахметова");
  await fillData(op.page);
  await submit(op.page, op.page.locator('form[action="/sc/intake"]'));
  await confirmDuplicate(op.page, op.page.locator('form[action="/sc/intake"]'));
  const scId = decodeURIComponent(new URL(op.page.url()).pathname.split("/").pop());
  const receipt = (await op.page.locator(".receipt").first().textContent()).trim();
  for (const key of [receipt, "851231400001"]) {
    await visit(op.page, "/sc", lang, width);
    await op.page.fill("#f-key", key);
    await submit(op.page, op.page.locator('form[action="/sc/lookup"]'));
    expect((await op.page.content()).includes(scId), `found by ${key}`);
    const w = await op.page.evaluate(() => document.documentElement.scrollWidth);
    expect(w <= width, `the lookup fits (${w} px)`);
  }
  await op.ctx.close();
}

async function main() {
  expect(base, "QYZMET_BASE_URL");
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
          console.log(`ok   officials' desk (${lang}, ${width} px)`);
        } catch (e) {
          failures++;
          console.log(`FAIL officials' desk (${lang}, ${width} px): ${e.stack || e}`);
        }
      }
    }
  } finally {
    await browser.close();
  }
  console.log(`officials: ${passed} passed, ${failures} failed`);
  process.exit(failures ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
