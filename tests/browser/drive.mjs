// Drives Debian's headless Chromium (through playwright-core) for kefu's browser tests.
//
//   node drive.mjs '{"fakeAudio": "/path/caller.wav", "denyMic": false}'
//
// Then one JSON command per stdin line; one JSON answer per stdout line: {"ok": true, ...} or
// {"ok": false, "error": "..."}. The Rust test (tests/webrtc_browser.rs) sends the steps and asserts on the
// answers. Commands: open, click, type, select_lang, wait_state, wait_line, wait_notice, lines, stats,
// wait_bot_audio, screenshot, corrupt_offer, reload, close.
import { launch, serve, timeout, waitEnergy } from './harness.mjs';

const options = JSON.parse(process.argv[2] || '{}');
// Phone-sized, like the app's web view.
const session = await launch(options, { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
const { browser, page } = session;

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
    return waitEnergy(() => page.evaluate(() => window.kefuDebug.stats()), 'botAudioEnergy', c, 'bot audio');
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

await serve(commands, session);
