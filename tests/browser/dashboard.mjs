// Opens kefu's dashboard in Debian's headless Chromium (playwright-core), signs in, applies a filter and
// prints what the page shows as one JSON line; saves a screenshot. Used by tests/analytics_dashboard.rs.
//
//   node dashboard.mjs '{"url": "http://127.0.0.1:8080", "username": "...", "password": "...",
//                        "from": "2024-12-01", "to": "2024-12-31", "door": "", "lang": "",
//                        "screenshot": "/path/dashboard.png"}'
import { chromium } from 'playwright-core';

const o = JSON.parse(process.argv[2] || '{}');
const browser = await chromium.launch({
  executablePath: o.chromium || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const result = { console: [] };
try {
  // A laptop screen.
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  page.on('console', (m) => result.console.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => result.console.push(`pageerror: ${e.message}`));
  // External requests would mean a CDN: there must be none.
  result.external = [];
  page.on('request', (r) => { if (!r.url().startsWith(o.url) && !r.url().startsWith('data:')) result.external.push(r.url()); });

  const query = new URLSearchParams({ from: o.from, to: o.to, door: o.door || '', lang: o.lang || '' });
  await page.goto(`${o.url}/dashboard?${query}`, { waitUntil: 'load' });
  await page.waitForSelector('#signin:not([hidden])', { timeout: 15000 });
  result.signin_shown = true;
  await page.fill('#username', o.username);
  await page.fill('#password', o.password);
  await page.click('#signin-form button');
  await page.waitForSelector('#dashboard[data-ready]', { timeout: 30000 });
  await page.waitForTimeout(300);
  result.metrics = await page.$$eval('[data-metric]', (els) => Object.fromEntries(els.map((e) => [e.dataset.metric, e.textContent])));
  const tableRows = (id) => page.$$eval(`#${id} tr`, (rows) => rows.slice(1).map((r) => [...r.cells].map((c) => c.textContent)));
  result.tables = {};
  for (const id of ['t-doors', 't-results', 't-reasons', 't-intents', 't-latency', 't-csat', 't-products', 't-orders', 't-least']) {
    result.tables[id] = await tableRows(id);
  }
  result.charts = await page.$$eval('.chart', (els) => els.map((e) => ({ id: e.id, canvas: !!e.querySelector('canvas'), series: e.querySelectorAll('.u-legend .u-series').length })));
  const download = await page.evaluate(async (q) => {
    const r = await fetch('/api/dashboard/report?' + q + '&format=csv');
    return { status: r.status, type: r.headers.get('content-type'), disposition: r.headers.get('content-disposition'), body: await r.text() };
  }, query.toString());
  result.download = download;
  await page.screenshot({ path: o.screenshot, fullPage: true });
  result.ok = true;
} catch (e) {
  result.ok = false;
  result.error = String(e && e.stack || e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
