// kefu's agent console: sign in, say when you are available, take offered calls (two-way audio over WebRTC),
// read the caller's context card and live transcript, put on hold, hang up or hand back to the bot, wrap up.
// Events arrive on the desk WebSocket (/api/agent/desk); audio is negotiated with one POST of the SDP offer.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const GATHER_TIMEOUT_MS = 3000;
  const state = {
    ws: null,
    offer: null, // the offered call's card
    call: null, // { id, pc, stream, muted, held }
    record: null, // agent-call record to wrap up
    callerEnergy: 0,
    callerPackets: 0,
  };

  function showError(message) {
    $('error').textContent = message;
    $('error').hidden = !message;
  }

  async function me() {
    const response = await fetch('/api/auth/me');
    if (!response.ok) return null;
    return (await response.json()).user;
  }

  async function signIn(event) {
    event.preventDefault();
    $('signin-error').hidden = true;
    const response = await fetch('/api/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: $('username').value, password: $('password').value }),
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      $('signin-error').textContent = body.error || `sign-in failed (${response.status})`;
      $('signin-error').hidden = false;
      return;
    }
    openDesk((await response.json()).user);
  }

  function openDesk(user) {
    $('signin').hidden = true;
    $('desk').hidden = false;
    $('me').textContent = user.display_name || user.username;
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${scheme}://${location.host}/api/agent/desk${location.search}`);
    state.ws = ws;
    ws.onmessage = (message) => onEvent(JSON.parse(message.data));
    ws.onclose = () => {
      $('presence').textContent = 'offline';
      $('presence').dataset.presence = 'offline';
    };
  }

  function send(command) {
    if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(command));
  }

  function onEvent(event) {
    switch (event.type) {
      case 'presence':
        $('presence').textContent = event.presence.replace('_', '-');
        $('presence').dataset.presence = event.presence;
        break;
      case 'queue':
        $('queue').textContent = event.waiting;
        break;
      case 'offer':
        state.offer = event.card;
        showCard(event.card);
        $('offer').hidden = false;
        break;
      case 'withdrawn':
        if (state.offer && state.offer.call === event.call) {
          state.offer = null;
          $('offer').hidden = true;
          if (!state.call) $('card').hidden = true;
        }
        break;
      case 'connected':
        $('call-state').textContent = 'connected';
        break;
      case 'line':
        addLine(event.who, event.text);
        break;
      case 'ended':
        endCall(event.reason);
        state.record = event.record;
        $('wrapup').hidden = event.record == null;
        break;
      case 'wrapped_up':
        $('wrapup').hidden = true;
        $('card').hidden = true;
        send({ type: 'presence', presence: 'available' });
        break;
      case 'error':
        showError(event.message);
        break;
      default:
        break;
    }
  }

  function showCard(card) {
    $('card').hidden = false;
    $('card-caller').textContent = card.caller || 'unknown number';
    $('card-customer').textContent = card.customer
      ? `${card.customer.name} (${card.customer.tier}, ${card.customer.points} points)` : 'not a known customer';
    $('card-lang').textContent = card.lang;
    $('card-reason').textContent = `${card.reason} (${card.priority})${card.department ? `, ${card.department}` : ''}`;
    $('card-summary').textContent = card.summary || '';
    $('card-intents').textContent = card.understood
      .filter((u) => u.intent)
      .map((u) => {
        const slots = (u.entities || []).map((e) => `${e.value.kind}=${JSON.stringify(e.value.value)}`).join(', ');
        return slots ? `${u.intent} [${slots}]` : u.intent;
      })
      .join(' → ') || 'none';
    $('card-sentiment').textContent = card.sentiment.map((s) => s.toFixed(2)).join(' → ') || 'n/a';
    $('card-order').textContent = card.order
      ? `${card.order.number}: ${card.order.status}, ${(card.order.total_cents / 100).toFixed(2)}${card.order.mentioned ? '' : ' (latest order)'}`
      : 'none';
    $('transcript').replaceChildren();
    card.transcript.forEach((line) => addLine(line.who, line.text));
  }

  function addLine(who, text) {
    const item = document.createElement('li');
    item.dataset.who = who;
    const name = document.createElement('span');
    name.className = 'who';
    name.textContent = who;
    const words = document.createElement('span');
    words.className = 'text';
    words.textContent = text;
    item.append(name, words);
    $('transcript').append(item);
    item.scrollIntoView({ block: 'nearest' });
  }

  function gathered(pc) {
    if (pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => { if (pc.iceGatheringState === 'complete') resolve(); };
      pc.addEventListener('icegatheringstatechange', done);
      setTimeout(resolve, GATHER_TIMEOUT_MS);
    });
  }

  async function accept() {
    const card = state.offer;
    if (!card) return;
    $('offer').hidden = true;
    showError('');
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (error) {
      showError(`no microphone: ${error.message}`);
      send({ type: 'decline', call: card.call });
      return;
    }
    const pc = new RTCPeerConnection({ iceServers: [] });
    state.call = { id: card.call, pc, stream, muted: false, held: false };
    stream.getAudioTracks().forEach((track) => pc.addTrack(track, stream));
    pc.ontrack = (event) => {
      const remote = event.streams[0] || new MediaStream([event.track]);
      $('caller-audio').srcObject = remote;
      $('caller-audio').play().catch(() => {});
    };
    pc.onconnectionstatechange = () => { $('call-state').textContent = pc.connectionState; };
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const response = await fetch(`/api/agent/calls/${encodeURIComponent(card.call)}/accept`, {
      method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp,
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      showError(body.error || `cannot take the call (${response.status})`);
      endCall('not_taken');
      return;
    }
    await pc.setRemoteDescription({ type: 'answer', sdp: await response.text() });
    state.offer = null;
    $('call').hidden = false;
  }

  function endCall(reason) {
    const call = state.call;
    state.call = null;
    if (call) {
      call.pc.close();
      call.stream.getTracks().forEach((track) => track.stop());
    }
    $('call').hidden = true;
    $('call-state').textContent = reason || 'ended';
  }

  function bind() {
    $('signin-form').addEventListener('submit', signIn);
    document.querySelectorAll('[data-presence-set]').forEach((button) => {
      button.addEventListener('click', () => send({ type: 'presence', presence: button.dataset.presenceSet }));
    });
    $('signout').addEventListener('click', async () => {
      await fetch('/api/auth/logout', { method: 'POST' });
      location.reload();
    });
    $('accept').addEventListener('click', accept);
    $('decline').addEventListener('click', () => {
      if (state.offer) send({ type: 'decline', call: state.offer.call });
      state.offer = null;
      $('offer').hidden = true;
      $('card').hidden = true;
    });
    $('mute').addEventListener('click', () => {
      const call = state.call;
      if (!call) return;
      call.muted = !call.muted;
      call.stream.getAudioTracks().forEach((track) => { track.enabled = !call.muted; });
      $('mute').textContent = call.muted ? 'Unmute' : 'Mute';
    });
    $('hold').addEventListener('click', () => {
      const call = state.call;
      if (!call) return;
      call.held = !call.held;
      send({ type: 'hold', call: call.id, on: call.held });
      $('hold').textContent = call.held ? 'Resume' : 'Hold';
    });
    $('hangup').addEventListener('click', () => { if (state.call) send({ type: 'hangup', call: state.call.id }); });
    $('handback').addEventListener('click', () => { if (state.call) send({ type: 'hand_back', call: state.call.id }); });
    $('save-wrapup').addEventListener('click', () => {
      send({ type: 'wrap_up', record: state.record, disposition: $('disposition').value, notes: $('notes').value });
    });
  }

  // For the browser tests: what the agent's speaker received from the caller.
  window.kefuAgentDebug = {
    async stats() {
      const call = state.call;
      if (!call) return { connection: 'none', callerAudioEnergy: state.callerEnergy, callerPackets: state.callerPackets };
      (await call.pc.getStats()).forEach((report) => {
        if (report.type === 'inbound-rtp' && report.kind === 'audio') {
          state.callerEnergy = report.totalAudioEnergy || 0;
          state.callerPackets = report.packetsReceived || 0;
        }
      });
      return { connection: call.pc.connectionState, callerAudioEnergy: state.callerEnergy, callerPackets: state.callerPackets };
    },
  };

  bind();
  me().then((user) => { if (user) openDesk(user); }).catch(() => {});
})();
