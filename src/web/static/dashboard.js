// kefu dashboard: signs in, loads /api/dashboard/summary for the filter and draws it (uPlot charts + tables).
'use strict';

const $ = (id) => document.getElementById(id);
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777'];
let charts = [];

function filterQuery(extra) {
  const q = new URLSearchParams();
  for (const k of ['from', 'to', 'door', 'lang']) if ($(k).value) q.set(k, $(k).value);
  for (const [k, v] of Object.entries(extra || {})) q.set(k, v);
  return q.toString();
}

async function signIn(event) {
  event.preventDefault();
  const response = await fetch('/api/auth/login', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: $('username').value, password: $('password').value }),
  });
  if (!response.ok) {
    $('signin-error').textContent = (await response.json().catch(() => ({}))).error || 'sign-in failed';
    return;
  }
  await load();
}

async function load() {
  const response = await fetch('/api/dashboard/summary?' + filterQuery());
  if (response.status === 401) { $('signin').hidden = false; $('dashboard').hidden = true; return; }
  if (response.status === 403) {
    $('signin').hidden = false; $('dashboard').hidden = true;
    $('signin-error').textContent = 'This page needs a manager account.';
    return;
  }
  const body = await response.json();
  if (!response.ok) { $('error').textContent = body.error || 'cannot load'; return; }
  $('error').textContent = '';
  $('signin').hidden = true;
  $('dashboard').hidden = false;
  const me = await fetch('/api/auth/me').then((r) => (r.ok ? r.json() : null)).catch(() => null);
  if (me && me.user) $('who').textContent = `${me.user.display_name} (${me.user.role})`;
  render(body);
  $('dashboard').dataset.ready = String(Date.now());
}

const pct = (v) => (v == null ? '–' : (v * 100).toFixed(1) + '%');
const num = (v, digits) => (v == null ? '–' : Number(v).toFixed(digits ?? 0));

function setMetric(name, text) {
  document.querySelector(`[data-metric="${name}"]`).textContent = text;
}

function table(id, head, rows) {
  const t = $(id);
  t.replaceChildren();
  const tr = t.insertRow();
  for (const h of head) { const th = document.createElement('th'); th.textContent = h; tr.appendChild(th); }
  if (!rows.length) {
    const cell = t.insertRow().insertCell();
    cell.colSpan = head.length; cell.className = 'empty'; cell.textContent = 'nothing in this range';
  }
  for (const row of rows) {
    const r = t.insertRow();
    row.forEach((v, i) => {
      const c = r.insertCell();
      c.textContent = v == null ? '–' : String(v);
      if (i > 0 && typeof v === 'number') c.className = 'n';
    });
  }
}

function days(filter) {
  const out = [];
  for (let d = new Date(filter.from + 'T00:00:00Z'); d <= new Date(filter.to + 'T00:00:00Z'); d.setUTCDate(d.getUTCDate() + 1)) {
    out.push(d.toISOString().slice(0, 10));
  }
  return out;
}

function chart(id, xs, series, opts) {
  const el = $(id);
  el.replaceChildren();
  const width = Math.max(300, el.clientWidth - 4);
  const plot = new uPlot({
    width, height: 220,
    scales: { x: { time: opts.time !== false } },
    series: [{}, ...series.map((s, i) => ({
      label: s.label, stroke: COLORS[i % COLORS.length], width: 2,
      fill: opts.bars ? COLORS[i % COLORS.length] + '88' : undefined,
      paths: opts.bars ? uPlot.paths.bars({ size: [0.7, 40] }) : undefined,
      points: { show: true },
    }))],
    axes: [{}, { size: 44 }],
  }, [xs, ...series.map((s) => s.values)], el);
  charts.push(plot);
}

function render(s) {
  charts.forEach((c) => c.destroy());
  charts = [];
  const results = s.results || {};
  setMetric('interactions', s.interactions);
  setMetric('caller_turns', s.caller_turns);
  setMetric('containment', pct(s.containment_rate));
  setMetric('escalated', results.escalated || 0);
  setMetric('csat', num(s.csat.average, 2));
  setMetric('csat_responses', `${s.csat.responses} responses`);
  const v = s.voice_to_voice_ms;
  setMetric('v2v', v.count ? `${v.p50} / ${v.p90} ms` : '–');
  setMetric('v2v_count', `${v.count} turns`);

  const dayList = days(s.filter);
  const xs = dayList.map((d) => Date.parse(d + 'T00:00:00Z') / 1000);
  const doors = Object.keys(s.by_door);
  chart('chart-volume', xs, doors.map((door) => ({
    label: door, values: dayList.map((d) => (s.volume[d] || {})[door] || 0),
  })), {});
  chart('chart-hours', [...Array(24).keys()], [{ label: 'interactions', values: s.busiest_hours }],
    { time: false, bars: true });
  chart('chart-intents', xs, s.top_intents.slice(0, 5).map((t) => ({
    label: t.intent, values: dayList.map((d) => t.by_day[d] || 0),
  })), {});
  chart('chart-sentiment', xs, [{
    label: 'sentiment', values: dayList.map((d) => (d in s.sentiment_by_day ? s.sentiment_by_day[d] : null)),
  }], {});

  table('t-doors', ['door / language', 'interactions'], [
    ...Object.entries(s.by_door).map(([k, n]) => [k, n]),
    ...Object.entries(s.by_lang).map(([k, n]) => [`lang ${k}`, n]),
  ]);
  table('t-results', ['outcome', 'interactions'], Object.entries(results));
  table('t-reasons', ['reason', 'escalations'], Object.entries(s.escalation_reasons));
  table('t-intents', ['intent', 'turns'], s.top_intents.map((t) => [t.intent, t.count]));
  table('t-latency', ['stage', 'turns', 'p50', 'p90', 'p99'], [
    ['voice to voice', s.voice_to_voice_ms], ['ASR', s.asr_ms], ['dialogue', s.dialogue_ms],
    ['TTS first audio', s.tts_first_audio_ms], ['agent wait', s.agents.wait_ms],
  ].map(([name, p]) => [name, p.count, p.p50, p.p90, p.p99]));
  table('t-csat', ['score', 'responses'], s.csat.distribution.map((n, i) => [String(i + 1), n]));
  table('t-products', ['product', 'turns'], s.top_products.map((c) => [c.key, c.count]));
  table('t-orders', ['order', 'turns'], s.top_orders.map((c) => [c.key, c.count]));
  table('t-least', ['when', 'door', 'text', 'intent', 'confidence'], s.least_understood.map((t) => [
    t.at, t.channel, t.text, t.intent, t.confidence == null ? null : Number(t.confidence.toFixed(3)),
  ]));
}

function download(event) {
  const format = event.target.dataset.format;
  if (format) window.location.href = '/api/dashboard/report?' + filterQuery({ format });
}

function init() {
  const params = new URLSearchParams(window.location.search);
  const today = new Date().toISOString().slice(0, 10);
  const weekAgo = new Date(Date.now() - 6 * 86400000).toISOString().slice(0, 10);
  $('from').value = params.get('from') || weekAgo;
  $('to').value = params.get('to') || today;
  $('door').value = params.get('door') || '';
  $('lang').value = params.get('lang') || '';
  $('signin-form').addEventListener('submit', signIn);
  $('filters').addEventListener('submit', (e) => { e.preventDefault(); load(); });
  document.querySelector('.downloads').addEventListener('click', download);
  load();
}

init();
