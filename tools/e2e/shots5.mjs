import { chromium } from "playwright-core";
const base = "http://127.0.0.1:18080";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
async function login(ctx, login, pw) {
  const page = await ctx.newPage();
  await page.goto(`${base}/login`);
  await page.fill("#f-login", login);
  await page.fill("#f-password", pw);
  await Promise.all([page.waitForNavigation(), page.click("form[action='/login'] button[type=submit]")]);
  return page;
}
for (const lang of ["ru", "kk"]) {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 800 } });
  const page = await login(ctx, "100515500003", "citizen-demo-2019");
  await page.goto(`${base}/services/ekr-preschool-queue?lang=${lang}#apply`);
  console.log(lang, "service width", await page.evaluate(() => document.documentElement.scrollWidth));
  await page.locator(`form[action="/services/ekr-preschool-queue/apply"]`).screenshot({ path: `/tmp/shots/apply-${lang}.png` });
  // submit with bad data
  await page.fill('[name="data.child_birth_date"]', "31.02.2019").catch(() => {});
  await page.check("#f-confirm");
  await Promise.all([page.waitForNavigation(), page.click(`form[action="/services/ekr-preschool-queue/apply"] button[type=submit]`)]);
  await page.locator(`form[action="/services/ekr-preschool-queue/apply"]`).screenshot({ path: `/tmp/shots/apply-err-${lang}.png` });
  await ctx.close();
  const c2 = await browser.newContext({ viewport: { width: 390, height: 800 } });
  const p2 = await login(c2, "state_corporation.state_corporation_operator", "staff-demo-2019");
  await p2.goto(`${base}/sc?regulation=ekr-guardianship&lang=${lang}`);
  console.log(lang, "sc width", await p2.evaluate(() => document.documentElement.scrollWidth));
  await p2.locator(`form[action="/sc/intake"]`).screenshot({ path: `/tmp/shots/sc-${lang}.png` });
  await c2.close();
}
await browser.close();
