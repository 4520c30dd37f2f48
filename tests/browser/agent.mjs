// Drives Debian's headless Chromium (through playwright-core) as a human agent on kefu's agent console.
//
//   node agent.mjs '{"fakeAudio": "/path/agent-voice.wav"}'
//
// Then one JSON command per stdin line; one JSON answer per stdout line: {"ok": true, ...} or
// {"ok": false, "error": "..."}. The Rust test (tests/agents_console.rs) sends the steps. Commands: open,
// sign_in, click, wait_visible, wait_text, text, wait_caller_audio, stats, screenshot, close.
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const options = JSON.parse(process.argv[2] || '{}');
const args = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required',
  '--allow-loopback-in-peer-connection', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
];
if (options.fakeAudio) args.push(`--use-file-for-fake-audio-capture=${options.fakeAudio}`);

const browser = await chromium.launch({ executablePath: options.chromium || '/usr/bin/chromium', headless: true, args });
const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
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
  async sign_in(c) {
    await page.fill('#username', c.username);
    await page.fill('#password', c.password);
    await page.click('#signin-form button[type=submit]');
    await page.waitForSelector('#desk:not([hidden])', { timeout: timeout(c, 15000) });
    return {};
  },
  async click(c) {
    await page.click(c.selector, { timeout: timeout(c, 15000) });
    return {};
  },
  async wait_visible(c) {
    await page.waitForSelector(`${c.selector}:not([hidden])`, { timeout: timeout(c, 30000) });
    return {};
  },
  async wait_text(c) {
    const handle = await page.waitForFunction(
      ([selector, pattern]) => {
        const node = document.querySelector(selector);
        return node && new RegExp(pattern, 'i').test(node.textContent) ? node.textContent : null;
      },
      [c.selector, c.pattern], { timeout: timeout(c, 30000), polling: 200 },
    );
    return { text: await handle.jsonValue() };
  },
  async text(c) {
    return { text: await page.$eval(c.selector, (n) => n.textContent) };
  },
  async stats() {
    return page.evaluate(() => window.kefuAgentDebug.stats());
  },
  async wait_caller_audio(c) {
    const deadline = Date.now() + timeout(c, 30000);
    let stats;
    while (Date.now() < deadline) {
      stats = await page.evaluate(() => window.kefuAgentDebug.stats());
      if (stats.callerAudioEnergy > c.min_energy) return stats;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`no caller audio above energy ${c.min_energy}: ${JSON.stringify(stats)}`);
  },
  async screenshot(c) {
    await page.screenshot({ path: c.path, fullPage: true });
    return { path: c.path };
  },
  async close() {
    await browser.close();
    return {};
  },
};

const input = createInterface({ input: process.stdin });
for await (const line of input) {
  if (!line.trim()) continue;
  try {
    const command = JSON.parse(line);
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
