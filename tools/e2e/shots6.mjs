import { chromium } from "playwright-core";
const base = "http://127.0.0.1:18080";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
const ctx = await browser.newContext({ viewport: { width: 390, height: 800 } });
const page = await ctx.newPage();
await page.goto(`${base}/login`);
await page.fill("#f-login", "100515500003");
await page.fill("#f-password", "citizen-demo-2019");
await Promise.all([page.waitForNavigation(), page.click("form[action='/login'] button[type=submit]")]);
await page.goto(`${base}/services/ekr-preschool-queue?lang=ru#apply`);
await page.fill('[name="data.child_birth_date"]', "31.02.2019");
await page.fill('[name="data.child_iin"]', "123");
await page.check("#f-confirm");
await Promise.all([page.waitForNavigation(), page.click(`form[action="/services/ekr-preschool-queue/apply"] button[type=submit]`)]);
const box = await page.locator(`form[action="/services/ekr-preschool-queue/apply"]`).boundingBox();
for (let i = 0; i * 1300 < box.height; i++) {
  await page.screenshot({ path: `/tmp/shots/err-ru-${i}.png`, fullPage: true, clip: { x: 0, y: box.y + i * 1300, width: 390, height: Math.min(1300, box.height - i * 1300) } });
}
console.log(box.height);
await browser.close();
