// One Lighthouse run (mobile preset) of a page as a signed-in user: the session cookie is
// set in the browser's cookie jar, so the page's own requests (htmx panels) carry it too —
// `--extra-headers` reaches the document only. Called by bench/lighthouse.sh:
//   node bench/lighthouse_run.mjs URL SESSION_KEY OUTPUT.json   (LIGHTHOUSE_DIR in the env)
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const [url, session, output] = process.argv.slice(2);
const req = createRequire(`${process.env.LIGHTHOUSE_DIR}/package.json`);
const puppeteer = req("puppeteer-core");
const lighthouse = (await import(pathToFileURL(req.resolve("lighthouse/core/index.js")))).default;

const browser = await puppeteer.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu"],
});
try {
  const page = await browser.newPage();
  if (session) {
    await page.setCookie({ name: "sessionid", value: session, url: new URL(url).origin });
  }
  const flags = {
    output: "json",
    logLevel: "error",
    onlyCategories: ["performance", "accessibility", "best-practices"],
  };
  // Chromium now and then records no navigation start (NO_NAVSTART): try again, thrice.
  let result;
  for (let attempt = 0; attempt < 3; attempt++) {
    result = await lighthouse(url, flags, undefined, page);
    if (!result.lhr.runtimeError) break;
  }
  writeFileSync(output, result.report);
} finally {
  await browser.close();
}
