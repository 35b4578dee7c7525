import { chromium } from "playwright-core";
const base = "http://127.0.0.1:18080";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
for (const lang of ["ru", "kk"]) {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 800 } });
  const page = await ctx.newPage();
  await page.goto(`${base}/services/ekr-free-meals-tvet?lang=${lang}`);
  console.log(lang, "width", await page.evaluate(() => document.documentElement.scrollWidth));
  const box = await page.locator("#passport").boundingBox();
  console.log(lang, "passport height", box && box.height);
  if (box) for (let i = 0; i * 1300 < box.height && i < 4; i++) {
    await page.screenshot({ path: `/tmp/shots/pass-${lang}-${i}.png`, fullPage: true, clip: { x: 0, y: box.y + i * 1300, width: 390, height: Math.min(1300, box.height - i * 1300) } });
  }
  await ctx.close();
}
await browser.close();
