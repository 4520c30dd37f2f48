// kefu's voice-chat page: a WebRTC call to kefu (microphone up, the bot's voice down, transcript and state on
// a data channel) and a text box that talks to the same conversation. Outside a call the text box uses the
// chat API, with the conversation id kept in localStorage so a reload continues it.
'use strict';

(() => {
  const STRINGS = {
    en: {
      title: 'Customer service',
      subtitle: 'Talk or type — we answer 24/7',
      language: 'Language',
      empty: 'Ask about an order, a return, delivery or a product.',
      placeholder: 'Type a message',
      send: 'Send',
      call: 'Call',
      hangup: 'Hang up',
      newChat: 'New conversation',
      you: 'You',
      bot: 'kefu',
      idle: 'Press Call to talk',
      connecting: 'Connecting…',
      listening: 'Listening…',
      thinking: 'Thinking…',
      speaking: 'Speaking…',
      agent: 'Connecting you to an agent…',
      ended: 'Call ended',
      reconnecting: 'Connection unstable, reconnecting…',
      micDenied: 'Microphone access was refused. To talk, allow the microphone for this site in your browser settings — or type your question below.',
      micMissing: 'No microphone was found. Connect one, or type your question below.',
      micError: (e) => `The microphone could not be started (${e}). You can type your question below.`,
      noWebrtc: 'This browser cannot make voice calls. You can type your question below.',
      voiceOff: 'Voice calls are not available right now. You can type your question below.',
      busy: 'All voice lines are busy. Please try again in a minute, or type your question below.',
      callRefused: (e) => `The call could not be started: ${e}`,
      serverDown: 'kefu cannot be reached. Check your connection and try again.',
      connFailed: 'The audio connection could not be set up (network or firewall). You can type your question below.',
      connLost: 'The connection to kefu was lost. Press Call to try again.',
      endedBy: {
        bot: 'Call ended. Thank you for calling!',
        caller: 'Call ended.',
        lost: 'The connection to kefu was lost. Press Call to try again.',
        not_connected: 'The audio connection could not be set up (network or firewall). You can type your question below.',
      },
      chatFailed: (e) => `Your message could not be sent: ${e}`,
      expired: 'The previous conversation had expired, so a new one was started.',
    },
    zh: {
      title: '在线客服',
      subtitle: '语音或文字，24 小时为您服务',
      language: '语言',
      empty: '可以咨询订单、退货、配送或商品。',
      placeholder: '输入消息',
      send: '发送',
      call: '通话',
      hangup: '挂断',
      newChat: '新对话',
      you: '我',
      bot: '客服',
      idle: '点击“通话”开始语音',
      connecting: '正在连接…',
      listening: '正在听…',
      thinking: '正在思考…',
      speaking: '正在回答…',
      agent: '正在为您转接人工客服…',
      ended: '通话已结束',
      reconnecting: '网络不稳定，正在重连…',
      micDenied: '麦克风权限被拒绝。如需通话，请在浏览器设置中允许本网站使用麦克风，或在下方输入您的问题。',
      micMissing: '没有找到麦克风。请连接麦克风，或在下方输入您的问题。',
      micError: (e) => `无法启动麦克风（${e}）。您可以在下方输入问题。`,
      noWebrtc: '此浏览器不支持语音通话。您可以在下方输入问题。',
      voiceOff: '语音通话暂不可用。您可以在下方输入问题。',
      busy: '语音线路全忙，请稍后再试，或在下方输入问题。',
      callRefused: (e) => `无法发起通话：${e}`,
      serverDown: '无法连接到客服服务器，请检查网络后重试。',
      connFailed: '无法建立语音连接（网络或防火墙）。您可以在下方输入问题。',
      connLost: '与客服的连接已中断，请点击“通话”重试。',
      endedBy: {
        bot: '通话已结束，感谢您的来电！',
        caller: '通话已结束。',
        lost: '与客服的连接已中断，请点击“通话”重试。',
        not_connected: '无法建立语音连接（网络或防火墙）。您可以在下方输入问题。',
      },
      chatFailed: (e) => `消息发送失败：${e}`,
      expired: '之前的对话已过期，已为您开始新的对话。',
    },
  };

  const STORE_KEY = 'kefu.conversation';
  const MAX_LINES = 200;
  const GATHER_TIMEOUT_MS = 3000;
  const CONNECT_TIMEOUT_MS = 15000;
  const LOST_AFTER_MS = 4000;

  const $ = (id) => document.getElementById(id);
  const ui = {
    lang: $('lang'), state: $('state'), dot: $('state-dot'), level: $('level-bar'),
    notice: $('notice'), noticeText: $('notice-text'), noticeClose: $('notice-close'),
    transcript: $('transcript'), empty: $('empty'), composer: $('composer'), text: $('text'),
    call: $('call'), callLabel: $('call-label'), newChat: $('new-chat'), audio: $('bot-audio'),
  };

  const saved = loadConversation();
  let lang = saved.lang || ((navigator.language || '').toLowerCase().startsWith('zh') ? 'zh' : 'en');
  let call = null;
  let state = 'idle';
  let settings = null;

  function t(key, ...args) {
    const value = STRINGS[lang][key];
    return typeof value === 'function' ? value(...args) : value;
  }

  // ---- conversation kept across reloads -------------------------------------------------------------

  function loadConversation() {
    try {
      const value = JSON.parse(localStorage.getItem(STORE_KEY) || '{}');
      return { lang: value.lang, chatSession: value.chatSession || null, lines: Array.isArray(value.lines) ? value.lines : [] };
    } catch (_) {
      return { lang: null, chatSession: null, lines: [] };
    }
  }

  function saveConversation() {
    saved.lang = lang;
    saved.lines = saved.lines.slice(-MAX_LINES);
    try {
      localStorage.setItem(STORE_KEY, JSON.stringify(saved));
    } catch (_) { /* private mode: the conversation lasts as long as the tab */ }
  }

  // ---- rendering -----------------------------------------------------------------------------------

  function applyLanguage() {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    ui.lang.value = lang;
    document.querySelectorAll('[data-i18n]').forEach((node) => { node.textContent = t(node.dataset.i18n); });
    document.querySelectorAll('[data-i18n-placeholder]').forEach((node) => { node.placeholder = t(node.dataset.i18nPlaceholder); });
    ui.callLabel.textContent = call ? t('hangup') : t('call');
    ui.transcript.querySelectorAll('.line').forEach((node) => {
      node.querySelector('.who').textContent = node.classList.contains('caller') ? t('you') : t('bot');
    });
    setState(state);
  }

  function renderLine(who, text) {
    ui.empty.hidden = true;
    const line = document.createElement('div');
    line.className = `line ${who}`;
    line.dataset.who = who;
    const label = document.createElement('span');
    label.className = 'who';
    label.textContent = who === 'caller' ? t('you') : t('bot');
    const body = document.createElement('span');
    body.className = 'text';
    body.textContent = text;
    line.append(label, body);
    ui.transcript.append(line);
    ui.transcript.scrollTop = ui.transcript.scrollHeight;
  }

  function addLine(who, text) {
    renderLine(who, text);
    saved.lines.push({ who, text });
    saveConversation();
  }

  function setState(next) {
    state = next;
    ui.state.dataset.state = next;
    ui.state.textContent = t(next);
    ui.dot.className = `dot ${next}`;
  }

  function showNotice(message, kind = 'error') {
    ui.noticeText.textContent = message;
    ui.notice.className = kind === 'info' ? 'notice info' : 'notice';
    ui.notice.dataset.kind = kind;
    ui.notice.hidden = false;
  }

  function hideNotice() {
    ui.notice.hidden = true;
  }

  // ---- text chat outside a call (POST /api/chat) ------------------------------------------------------

  async function chat(text) {
    const body = saved.chatSession ? { session_id: saved.chatSession, text } : { text, lang };
    let response;
    try {
      response = await fetch('/api/chat', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
      });
    } catch (_) {
      showNotice(t('serverDown'));
      return;
    }
    const data = await response.json().catch(() => ({}));
    if (response.status === 404 && saved.chatSession) {
      saved.chatSession = null;
      saveConversation();
      showNotice(t('expired'), 'info');
      return chat(text);
    }
    if (!response.ok) {
      showNotice(t('chatFailed', data.error || response.statusText));
      return;
    }
    saved.chatSession = data.outcome === 'continue' ? data.session_id : null;
    addLine('bot', data.reply);
  }

  // ---- the voice call ---------------------------------------------------------------------------------

  async function loadSettings() {
    if (settings) return settings;
    const response = await fetch('/api/webrtc/config');
    if (!response.ok) throw new Error(response.statusText);
    settings = await response.json();
    return settings;
  }

  function micMessage(error) {
    const name = error && error.name;
    if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') return t('micDenied');
    if (name === 'NotFoundError' || name === 'DevicesNotFoundError' || name === 'OverconstrainedError') return t('micMissing');
    return t('micError', (error && (error.message || name)) || 'unknown error');
  }

  function gathered(pc) {
    if (pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => { if (pc.iceGatheringState === 'complete') resolve(); };
      pc.addEventListener('icegatheringstatechange', done);
      setTimeout(resolve, GATHER_TIMEOUT_MS);
    });
  }

  async function startCall() {
    hideNotice();
    if (!window.RTCPeerConnection || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      showNotice(t('noWebrtc'));
      return;
    }
    ui.call.disabled = true;
    setState('connecting');
    const current = { pc: null, dc: null, stream: null, url: null, connected: false, ended: false, timers: [], meter: null };
    call = current;
    applyLanguage();
    try {
      try {
        current.stream = await navigator.mediaDevices.getUserMedia({
          audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
        });
      } catch (error) {
        return endCall(micMessage(error));
      }
      if (current.ended) return;
      try {
        await loadSettings();
      } catch (_) {
        return endCall(t('serverDown'));
      }
      if (!settings.enabled) return endCall(t('voiceOff'));

      const pc = new RTCPeerConnection({ iceServers: settings.ice_servers });
      current.pc = pc;
      current.stream.getAudioTracks().forEach((track) => pc.addTrack(track, current.stream));
      const dc = pc.createDataChannel('kefu');
      current.dc = dc;
      dc.onmessage = (event) => onMessage(current, event.data);
      dc.onclose = () => { if (!current.ended) endCall(t(current.connected ? 'connLost' : 'connFailed')); };
      pc.ontrack = (event) => {
        const stream = event.streams[0] || new MediaStream([event.track]);
        ui.audio.srcObject = stream;
        ui.audio.play().catch(() => {});
        startMeter(current, stream);
      };
      pc.onconnectionstatechange = () => onConnectionState(current);

      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      if (current.ended) return;
      let response;
      try {
        response = await fetch(`/api/webrtc/calls?lang=${encodeURIComponent(lang)}`, {
          method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp,
        });
      } catch (_) {
        return endCall(t('serverDown'));
      }
      if (!response.ok) {
        const data = await response.json().catch(() => ({}));
        return endCall(response.status === 503 && !/turned off/.test(data.error || '') ? t('busy')
          : t('callRefused', data.error || response.statusText));
      }
      current.url = response.headers.get('Location');
      const answer = await response.text();
      if (current.ended) return hangUpOnServer(current);
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
      current.timers.push(setTimeout(() => {
        if (!current.connected && !current.ended) endCall(t('connFailed'));
      }, CONNECT_TIMEOUT_MS));
    } catch (error) {
      endCall(t('callRefused', error.message || String(error)));
    } finally {
      ui.call.disabled = false;
    }
  }

  function onConnectionState(current) {
    if (current.ended) return;
    const s = current.pc.connectionState;
    if (s === 'connected') {
      current.connected = true;
      clearTimeout(current.lostTimer);
      if (state === 'reconnecting') setState('listening');
    } else if (s === 'disconnected') {
      setState('reconnecting');
      clearTimeout(current.lostTimer);
      current.lostTimer = setTimeout(() => {
        if (!current.ended && current.pc.connectionState !== 'connected') endCall(t('connLost'));
      }, LOST_AFTER_MS);
    } else if (s === 'failed' || s === 'closed') {
      endCall(t(current.connected ? 'connLost' : 'connFailed'));
    }
  }

  function onMessage(current, data) {
    let message;
    try { message = JSON.parse(data); } catch (_) { return; }
    switch (message.type) {
      case 'state':
        if (message.state !== 'ended' && state !== 'reconnecting') setState(message.state);
        break;
      case 'caller':
        addLine('caller', message.text);
        break;
      case 'bot':
        addLine('bot', message.text);
        break;
      case 'ended':
        endCall(STRINGS[lang].endedBy[message.reason] || t('ended'), message.reason === 'lost' || message.reason === 'not_connected' ? 'error' : 'info');
        break;
      case 'error':
        showNotice(message.message);
        break;
      default:
        break;
    }
  }

  function startMeter(current, stream) {
    try {
      const context = new AudioContext();
      const analyser = context.createAnalyser();
      analyser.fftSize = 512;
      context.createMediaStreamSource(stream).connect(analyser);
      const samples = new Float32Array(analyser.fftSize);
      const timer = setInterval(() => {
        analyser.getFloatTimeDomainData(samples);
        let sum = 0;
        for (const s of samples) sum += s * s;
        const rms = Math.sqrt(sum / samples.length);
        ui.level.style.width = `${Math.min(100, Math.round(rms * 400))}%`;
      }, 100);
      current.meter = { context, timer };
    } catch (_) { /* the meter is decoration */ }
  }

  function hangUpOnServer(current) {
    if (!current.url) return;
    const url = current.url;
    current.url = null;
    fetch(url, { method: 'DELETE', keepalive: true }).catch(() => {});
  }

  function endCall(message, kind = 'error') {
    const current = call;
    if (!current || current.ended) return;
    current.ended = true;
    current.timers.forEach(clearTimeout);
    clearTimeout(current.lostTimer);
    if (current.dc && current.dc.readyState === 'open') {
      try { current.dc.send(JSON.stringify({ type: 'hangup' })); } catch (_) { /* closing anyway */ }
    }
    hangUpOnServer(current);
    if (current.stream) current.stream.getTracks().forEach((track) => track.stop());
    if (current.pc) current.pc.close();
    if (current.meter) {
      clearInterval(current.meter.timer);
      current.meter.context.close().catch(() => {});
    }
    ui.level.style.width = '0';
    ui.audio.srcObject = null;
    call = null;
    ui.call.dataset.mode = 'call';
    setState('idle');
    applyLanguage();
    if (message) showNotice(message, kind);
  }

  // ---- wiring --------------------------------------------------------------------------------------

  ui.call.addEventListener('click', () => {
    if (call) endCall(t('endedBy').caller, 'info');
    else {
      ui.call.dataset.mode = 'hangup';
      startCall();
    }
  });

  ui.composer.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = ui.text.value.trim();
    if (!text) return;
    ui.text.value = '';
    hideNotice();
    addLine('caller', text);
    if (call && call.dc && call.dc.readyState === 'open') {
      call.dc.send(JSON.stringify({ type: 'text', text }));
    } else {
      chat(text);
    }
  });

  ui.lang.addEventListener('change', () => {
    lang = ui.lang.value === 'zh' ? 'zh' : 'en';
    saveConversation();
    applyLanguage();
  });

  ui.newChat.addEventListener('click', () => {
    if (call) endCall(null);
    saved.chatSession = null;
    saved.lines = [];
    saveConversation();
    ui.transcript.querySelectorAll('.line').forEach((node) => node.remove());
    ui.empty.hidden = false;
    hideNotice();
  });

  ui.noticeClose.addEventListener('click', hideNotice);

  // Closing or reloading the tab ends the call on the server at once (the connection would time out anyway).
  window.addEventListener('pagehide', () => { if (call) hangUpOnServer(call); });

  // For tests and support: what the call has received so far.
  window.kefuDebug = {
    async stats() {
      if (!call || !call.pc) return { connection: 'none', botAudioEnergy: 0, botPackets: 0 };
      let energy = 0;
      let packets = 0;
      (await call.pc.getStats()).forEach((report) => {
        if (report.type === 'inbound-rtp' && report.kind === 'audio') {
          energy += report.totalAudioEnergy || 0;
          packets += report.packetsReceived || 0;
        }
      });
      return { connection: call.pc.connectionState, botAudioEnergy: energy, botPackets: packets };
    },
  };

  saved.lines.forEach((line) => renderLine(line.who, line.text));
  applyLanguage();
})();
