// Drives Debian's headless Chromium (through playwright-core) for kefu's browser tests.
//
//   node drive.mjs '{"fakeAudio": "/path/caller.wav", "denyMic": false}'
//
// Then one JSON command per stdin line; one JSON answer per stdout line: {"ok": true, ...} or
// {"ok": false, "error": "..."}. The Rust test (tests/webrtc_browser.rs) sends the steps and asserts on the
// answers. Commands: open, click, type, select_lang, wait_state, wait_line, wait_notice, lines, stats,
// wait_bot_audio, screenshot, corrupt_offer, reload, close.
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const options = JSON.parse(process.argv[2] || '{}');
const args = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required',
  // WebRTC on loopback: without this Chromium gathers no candidates for 127.0.0.1.
  '--allow-loopback-in-peer-connection',
];
args.push('--use-fake-device-for-media-stream');
if (options.fakeAudio) args.push(`--use-file-for-fake-audio-capture=${options.fakeAudio}`);
// A microphone exists either way; the permission prompt is either accepted or refused (as a user would).
args.push(options.denyMic ? '--deny-permission-prompts' : '--use-fake-ui-for-media-stream');

const browser = await chromium.launch({
  executablePath: options.chromium || '/usr/bin/chromium',
  headless: true,
  args,
});
// Phone-sized, like the app's web view.
const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
const page = await context.newPage();
const consoleLines = [];
page.on('console', (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
page.on('pageerror', (error) => consoleLines.push(`pageerror: ${error.message}`));

const timeout = (command, fallback) => command.timeout_ms ?? fallback;

const commands = {
  async open(c) {
    await page.goto(c.url, { waitUntil: 'load' });
    return {};
  },
  async select_lang(c) {
    await page.selectOption('#lang', c.lang);
    return {};
  },
  async click(c) {
    await page.click(c.selector);
    return {};
  },
  async type(c) {
    await page.fill('#text', c.text);
    await page.press('#text', 'Enter');
    return {};
  },
  async wait_state(c) {
    await page.waitForFunction(
      (states) => states.includes(document.getElementById('state').dataset.state),
      c.states, { timeout: timeout(c, 30000), polling: 100 },
    );
    return { state: await page.$eval('#state', (n) => n.dataset.state) };
  },
  async wait_line(c) {
    const handle = await page.waitForFunction(
      ([who, pattern]) => {
        const re = new RegExp(pattern, 'i');
        const hit = [...document.querySelectorAll(`.line.${who} .text`)].find((n) => re.test(n.textContent));
        return hit ? hit.textContent : null;
      },
      [c.who, c.pattern], { timeout: timeout(c, 60000), polling: 200 },
    );
    return { text: await handle.jsonValue() };
  },
  async wait_notice(c) {
    await page.waitForSelector('#notice:not([hidden])', { timeout: timeout(c, 30000) });
    return {
      text: await page.$eval('#notice-text', (n) => n.textContent),
      kind: await page.$eval('#notice', (n) => n.dataset.kind),
    };
  },
  async lines() {
    return {
      lines: await page.$$eval('.line', (nodes) => nodes.map((n) => ({
        who: n.dataset.who, text: n.querySelector('.text').textContent,
      }))),
      state: await page.$eval('#state', (n) => n.dataset.state),
    };
  },
  async stats() {
    return page.evaluate(() => window.kefuDebug.stats());
  },
  async wait_bot_audio(c) {
    const deadline = Date.now() + timeout(c, 30000);
    let stats;
    while (Date.now() < deadline) {
      stats = await page.evaluate(() => window.kefuDebug.stats());
      if (stats.botAudioEnergy > c.min_energy) return stats;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`no bot audio above energy ${c.min_energy}: ${JSON.stringify(stats)}`);
  },
  async screenshot(c) {
    await page.screenshot({ path: c.path, fullPage: false });
    return { path: c.path };
  },
  async corrupt_offer() {
    // Replaces the page's SDP offer in flight, as a broken or hostile client would send it.
    await page.route('**/api/webrtc/calls*', (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      return route.continue({ postData: 'v=0\r\nthis is not an SDP offer\r\n' });
    });
    return {};
  },
  async reload() {
    await page.reload({ waitUntil: 'load' });
    return {};
  },
  async close() {
    await browser.close();
    return {};
  },
};

const input = createInterface({ input: process.stdin });
for await (const line of input) {
  if (!line.trim()) continue;
  let command;
  try {
    command = JSON.parse(line);
    const run = commands[command.cmd];
    if (!run) throw new Error(`unknown command ${command.cmd}`);
    const result = await run(command);
    process.stdout.write(`${JSON.stringify({ ok: true, ...result })}\n`);
    if (command.cmd === 'close') break;
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ ok: false, error: String(error && error.message || error), console: consoleLines.slice(-20) })}\n`);
  }
}
await browser.close().catch(() => {});
process.exit(0);
