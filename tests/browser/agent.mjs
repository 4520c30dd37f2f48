// Drives Debian's headless Chromium (through playwright-core) as a human agent on kefu's agent console.
//
//   node agent.mjs '{"fakeAudio": "/path/agent-voice.wav"}'
//
// Then one JSON command per stdin line; one JSON answer per stdout line: {"ok": true, ...} or
// {"ok": false, "error": "..."}. The Rust test (tests/agents_console.rs) sends the steps. Commands: open,
// sign_in, click, wait_visible, wait_text, text, wait_caller_audio, stats, screenshot, close.
import { launch, serve, timeout, waitEnergy } from './harness.mjs';

const options = JSON.parse(process.argv[2] || '{}');
const session = await launch(options, { viewport: { width: 1100, height: 900 } });
const { browser, page } = session;

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
    return waitEnergy(() => page.evaluate(() => window.kefuAgentDebug.stats()), 'callerAudioEnergy', c, 'caller audio');
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

await serve(commands, session);
