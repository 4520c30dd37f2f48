// What the command-driven browser scripts (drive.mjs, agent.mjs) share: Debian's headless Chromium with a
// fake microphone, and the loop that reads one JSON command per stdin line and writes one JSON answer per
// stdout line: {"ok": true, ...} or {"ok": false, "error": "...", "console": [...]}.
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

// `options.fakeAudio`: a WAV the fake microphone plays; `options.denyMic`: refuse the permission prompt (as a
// user would) instead of accepting it; `options.chromium`: the browser binary. `view`: the page's size.
export async function launch(options, view) {
  const args = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required',
    // WebRTC on loopback: without this Chromium gathers no candidates for 127.0.0.1.
    '--allow-loopback-in-peer-connection',
    '--use-fake-device-for-media-stream',
    options.denyMic ? '--deny-permission-prompts' : '--use-fake-ui-for-media-stream',
  ];
  if (options.fakeAudio) args.push(`--use-file-for-fake-audio-capture=${options.fakeAudio}`);
  const browser = await chromium.launch({
    executablePath: options.chromium || '/usr/bin/chromium',
    headless: true,
    args,
  });
  const context = await browser.newContext(view);
  const page = await context.newPage();
  const consoleLines = [];
  page.on('console', (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => consoleLines.push(`pageerror: ${error.message}`));
  return { browser, page, consoleLines };
}

// A command's `timeout_ms`, or `fallback`.
export const timeout = (command, fallback) => command.timeout_ms ?? fallback;

// Polls `read()` (the page's debug stats) until `stats[field]` exceeds `c.min_energy`, for `c.timeout_ms`
// (default 30 s); `what` names the audio in the error.
export async function waitEnergy(read, field, c, what) {
  const deadline = Date.now() + timeout(c, 30000);
  let stats;
  while (Date.now() < deadline) {
    stats = await read();
    if (stats[field] > c.min_energy) return stats;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no ${what} above energy ${c.min_energy}: ${JSON.stringify(stats)}`);
}

// Answers commands from stdin with `commands[cmd](command)` until `close` or the end of input, then exits.
export async function serve(commands, { browser, consoleLines }) {
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
}
