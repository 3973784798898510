// End-to-end tests of the coders' page in headless Chromium (the Debian `chromium` package)
// driven by playwright-core, against a server on loopback (tests/ui/run.sh starts it over the
// hand-written SNOMED CT, ICD-10 and ICD-10-CM fixtures). Prints one line per test and the
// keystroke-to-results timings; exits 1 when any test fails.
//
// Env: BASE (server URL), CHROMIUM (default /usr/bin/chromium), SCREENSHOTS (a folder: write
// the search and concept pages there).
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { join } from 'node:path';

const BASE = process.env.BASE || 'http://127.0.0.1:8080';
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE });
const page = await context.newPage();
const errors = [];
page.on('pageerror', (e) => errors.push(String(e)));
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

let failed = 0;
let passed = 0;
async function test(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}\n     ${String(e.stack || e).split('\n').slice(0, 6).join('\n     ')}`);
  }
}

const text = (sel) => page.locator(sel).innerText();
const mapRows = () => page.$$eval('#map-table tbody tr', (rows) => rows.map((r) => ({
  target: r.dataset.target, outcome: r.dataset.outcome, chosen: r.classList.contains('chosen'),
  rule: r.children[2].textContent, group: r.children[0].textContent,
})));

await test('the page loads offline-clean: no errors, under 200 kB', async () => {
  const sizes = [];
  page.on('response', async (r) => {
    if (r.url().includes('/ui')) sizes.push((await r.body()).length);
  });
  await page.goto(`${BASE}/`);
  await page.waitForSelector('#q');
  assert.match(page.url(), /\/ui\/$/);
  await page.waitForTimeout(200);
  const total = sizes.reduce((a, b) => a + b, 0);
  assert.ok(total > 0 && total < 200 * 1024, `first load ${total} bytes`);
  console.log(`     first load: ${total} bytes`);
});

await test('typing a misspelt term finds the concept', async () => {
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'q', '/ focuses the search box');
  await page.keyboard.type('diabtes melitus', { delay: 60 });
  await page.waitForSelector('#results li[data-code="73211009"]');
  assert.match(await text('#status'), /concept/);
  // The search has a shareable address.
  assert.match(page.url(), /\/ui\/\?q=diabtes/);
});

await test('arrow and Enter open a result', async () => {
  await page.fill('#q', '');
  await page.keyboard.type('type 2 diab', { delay: 40 });
  await page.waitForSelector('#results li[data-code="44054006"]');
  const first = await page.getAttribute('#results li:first-child', 'data-code');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.getAttribute('#results li:first-child', 'aria-selected'), 'true');
  await page.keyboard.press('Enter');
  await page.waitForURL(`**/ui/concept/sct/${first}`);
  await page.waitForSelector('h1');
  assert.match(await text('h1'), new RegExp(first));
  if (process.env.SCREENSHOTS) {
    await page.goto(`${BASE}/ui/`);
    await page.fill('#q', 'diab mell');
    await page.waitForSelector('#results li');
    await page.screenshot({ path: join(process.env.SCREENSHOTS, 'ui-search.png') });
  }
});

await test('the concept page shows parents, children, attributes and the map with its rule', async () => {
  await page.goto(`${BASE}/ui/concept/sct/73211009`);
  await page.waitForSelector('#parents a[data-code="64572001"]');
  await page.waitForSelector('#children a[data-code="44054006"]');
  assert.match(await text('main'), /Finding site/);
  await page.waitForSelector('#map-table tbody tr');
  const rows = await mapRows();
  assert.deepEqual(rows.map((r) => r.target), ['E10.9', 'E14.9']);
  assert.match(rows[0].rule, /if age at onset < 12\.0 years/);
  assert.equal(rows[1].rule, 'otherwise');
  // The breadcrumb walks up to the root.
  await page.waitForSelector('.crumbs a[data-code="138875005"]');
  // Synonyms are grouped by dialect and acceptability.
  assert.match(await text('main'), /en-GB preferred/);
  if (process.env.SCREENSHOTS) await page.screenshot({ path: join(process.env.SCREENSHOTS, 'ui-concept.png'), fullPage: true });
});

await test('the age and sex form changes the chosen ICD-10 target', async () => {
  await page.fill('#ctx-age', '8');
  await page.waitForFunction(() => document.querySelector('#map-table tr.chosen')?.dataset.target === 'E10.9');
  await page.fill('#ctx-age', '40');
  await page.waitForFunction(() => document.querySelector('#map-table tr.chosen')?.dataset.target === 'E14.9');
  // Type 1 diabetes: group 2 depends on sex (O24.0 for a female patient).
  await page.goto(`${BASE}/ui/concept/sct/46635009`);
  await page.waitForSelector('#map-table tbody tr');
  let rows = await mapRows();
  assert.ok(!rows.some((r) => r.target === 'O24.0' && r.chosen), 'undecided without sex');
  await page.selectOption('#ctx-sex', 'female');
  await page.waitForFunction(() => [...document.querySelectorAll('#map-table tr.chosen')].some((r) => r.dataset.target === 'O24.0'));
  rows = await mapRows();
  assert.ok(rows.some((r) => r.target === 'O24.0' && r.outcome === 'fired'));
});

await test('copy as FHIR Coding gives valid JSON', async () => {
  await page.goto(`${BASE}/ui/concept/sct/44054006`);
  await page.click('button[data-copy="FHIR Coding"]');
  const copied = await page.evaluate(() => window.__concord.copied);
  const coding = JSON.parse(copied);
  assert.deepEqual(coding, { system: 'http://snomed.info/sct', code: '44054006', display: 'Type 2 diabetes mellitus' });
  const clip = await page.evaluate(() => navigator.clipboard.readText()).catch(() => copied);
  assert.equal(clip, copied);
  await page.click('button[data-copy="code |term|"]');
  assert.equal(await page.evaluate(() => window.__concord.copied), '44054006 |Type 2 diabetes mellitus|');
});

await test('an inactive concept shows its reason and replacement', async () => {
  await page.goto(`${BASE}/ui/concept/sct/3000002002`);
  await page.waitForSelector('#replacements a[data-code="44054006"]');
  assert.match(await text('#inactive-box'), /REPLACED BY/);
  assert.match(await text('#inactive-box'), /Reason: (Outdated|Duplicate)/);
  assert.match(await text('h1'), /inactive/);
  await page.click('#replacements a');
  await page.waitForURL('**/ui/concept/sct/44054006');
  await page.goBack();
  await page.waitForURL('**/ui/concept/sct/3000002002');
});

await test('a deep link to an ICD-10-CM code loads directly with its path and notes', async () => {
  const fresh = await context.newPage();
  await fresh.goto(`${BASE}/ui/concept/icd10cm/E11.9`);
  await fresh.waitForSelector('.crumbs a[data-code="E11"]');
  assert.match(await fresh.locator('h1').innerText(), /E11\.9/);
  await fresh.close();
});

await test('a pasted list is validated with canonical equivalents', async () => {
  await page.goto(`${BASE}/ui/validate`);
  await page.fill('#list', 'sct|44054006\nsct|3000002002\nsct|999999999\nicd10cm|E11.9');
  await page.click('#run-list');
  await page.waitForSelector('#list-results tbody tr');
  const states = await page.$$eval('#list-results tbody tr', (rows) => rows.map((r) => r.dataset.state));
  assert.deepEqual(states, ['valid', 'inactive', 'invalid', 'valid']);
  assert.match(await text('#list-results'), /44054006/);
});

await test('keystroke to results rendered', async () => {
  await page.goto(`${BASE}/ui/`);
  await page.evaluate(() => { window.__concord.timings.length = 0; });
  for (const q of ['diabetes', 'myocard', 'anaemia', 'type 1 diab', 'heart att', 'endocrine']) {
    await page.fill('#q', '');
    await page.keyboard.type(q, { delay: 80 });
    await page.waitForTimeout(150);
  }
  const t = (await page.evaluate(() => window.__concord.timings)).sort((a, b) => a - b);
  const p50 = t[Math.floor(t.length / 2)];
  console.log(`     keystroke to results: p50 ${p50.toFixed(1)} ms, p90 ${t[Math.floor(t.length * 0.9)].toFixed(1)} ms over ${t.length} renders`);
  assert.ok(t.length >= 10, `${t.length} renders`);
});

await test('axe finds no accessibility violations (WCAG 2 AA) on the search, concept and list pages', async () => {
  // A context that lets axe-core's script in past the page's Content-Security-Policy.
  const axeContext = await browser.newContext({ bypassCSP: true, viewport: { width: 1200, height: 900 } });
  const p = await axeContext.newPage();
  const axePath = new URL('./node_modules/axe-core/axe.min.js', import.meta.url).pathname;
  const found = [];
  for (const path of ['/ui/?q=diab', '/ui/concept/sct/73211009', '/ui/concept/sct/3000002002', '/ui/concept/icd10cm/E11.9', '/ui/validate']) {
    await p.goto(`${BASE}${path}`);
    await p.waitForSelector('main h1');
    await p.waitForTimeout(300);
    await p.addScriptTag({ path: axePath });
    const r = await p.evaluate(() => window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] } }));
    for (const v of r.violations) found.push(`${path}: ${v.id} (${v.nodes.length}): ${v.help}`);
  }
  await axeContext.close();
  assert.deepEqual(found, []);
});

await test('no script errors on any page', async () => {
  assert.deepEqual(errors.filter((e) => !/404|Not Found/.test(e)), []);
});

await browser.close();
console.log(`ui: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
