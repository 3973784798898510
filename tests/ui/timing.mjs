// Keystroke-to-results timing of the search box against any server (for BENCHMARKS.md):
//   BASE=http://127.0.0.1:8080 QUERIES="diab mell,fract femur" node tests/ui/timing.mjs
// Types each query a key at a time (80 ms apart, a brisk typist) and reports the p50 and p90
// of the time from each keystroke to its results being rendered, as the page measures it.
import { chromium } from 'playwright-core';

const BASE = process.env.BASE || 'http://127.0.0.1:8080';
const queries = (process.env.QUERIES || 'diabetes mellitus,myocardial infarction,fracture of femur,asthma,hypertension').split(',');
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage();
await page.goto(`${BASE}/ui/`);
await page.waitForSelector('#q');
await page.waitForTimeout(300);
for (const q of queries) {
  await page.fill('#q', '');
  await page.keyboard.type(q, { delay: 80 });
  await page.waitForTimeout(200);
}
const t = (await page.evaluate(() => window.__concord.timings)).sort((a, b) => a - b);
const at = (f) => t[Math.min(t.length - 1, Math.floor(t.length * f))].toFixed(1);
console.log(`system ${await page.inputValue('#system')}: ${t.length} renders, keystroke to results p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${t[t.length - 1].toFixed(1)} ms`);
await browser.close();
