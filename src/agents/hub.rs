//! The agent desk on real time: one shared [`AgentHub`] holds the [`Queue`], the signed-in agents' consoles and
//! the waiting calls, and carries the queue's actions out (ring a console, tell a caller their place, book a
//! callback ticket). Caller doors and agent consoles talk to it through plain method calls; each side hears back
//! on its own channel ([`CallerNotice`], [`DeskEvent`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;

use crate::analytics::metrics;
use crate::pipeline::Engines;
use crate::speech::tts::TtsEngine;
use crate::store::{AgentHandling, NewAgentCall, NewTicket, Store, TicketKind};

use super::card::{ContextCard, Line};
use super::config::AgentsConfig;
use super::media::{AgentMedia, CallerMedia, media_link};
use super::phones::{DeskPhone, DeskPhones};
use super::queue::{AgentId, Presence, Queue, QueueAction, QueueError, Skills};

/// Frames buffered each way between a caller and an agent (200 ms).
const MEDIA_DEPTH: usize = 10;

/// Disposition codes an agent can close a call with.
pub const DISPOSITIONS: &[&str] = &[
    "resolved",
    "follow_up",
    "refund_issued",
    "order_changed",
    "complaint_logged",
    "not_resolved",
    "wrong_number",
];

/// What the hub tells a caller's door.
#[derive(Debug)]
pub enum CallerNotice {
    Position {
        position: usize,
        expected_wait: Duration,
    },
    /// An agent took the call: bridge the caller to these ends.
    Connected { media: CallerMedia, agent: String },
    /// The agent's line dropped: back to waiting, first in line.
    BackInQueue,
    /// The agent put the caller on hold (`true`) or took them off it.
    Hold(bool),
    /// The agent gave the call back to the bot.
    HandBack,
    /// The agent ended the call.
    Hangup,
    /// Waited too long: a callback ticket was booked (if the store took it); the call leaves the queue.
    Callback { ticket: Option<i64> },
}

/// What the hub tells an agent's console (sent as JSON, `type` says which).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DeskEvent {
    Presence {
        presence: Presence,
    },
    /// A call rings on this console.
    Offer {
        card: Box<ContextCard>,
    },
    /// The offer is off (not answered in time, the caller left, or another agent took it).
    Withdrawn {
        call: String,
    },
    /// The caller is connected to this agent.
    Connected {
        call: String,
    },
    /// A line of the live transcript.
    Line {
        call: String,
        who: String,
        text: String,
    },
    /// The call left this agent; `record` is the id the wrap-up is written to.
    Ended {
        call: String,
        reason: String,
        record: Option<i64>,
    },
    /// Calls waiting in the queue.
    Queue {
        waiting: usize,
    },
}

/// A request the hub refuses.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error("call {0} is not connected to you")]
    NotYourCall(String),
    #[error("unknown disposition {0:?}: expected one of {list}", list = DISPOSITIONS.join(", "))]
    Disposition(String),
    #[error("no call of yours to wrap up with record {0}")]
    NoRecord(i64),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

struct WaitingCall {
    card: ContextCard,
    notices: mpsc::UnboundedSender<CallerNotice>,
    /// Set while bridged: the agent and the store record of their part of the call.
    agent: Option<(AgentId, Option<i64>)>,
    /// When the call joined the queue, and when its current agent took it (wait and talk times).
    queued_at: Instant,
    answered_at: Option<Instant>,
    /// Both sides' words while bridged.
    bridged_lines: Vec<Line>,
}

struct Desk {
    name: String,
    connection: u64,
    events: mpsc::UnboundedSender<DeskEvent>,
}

/// A desk phone taking queued calls.
struct Phone {
    phone: DeskPhone,
    /// Reachable now (registered, or a fixed endpoint).
    online: bool,
    /// The call ringing on it, and how to stop the ringing.
    ringing: Option<(String, CancellationToken)>,
}

struct HubState {
    queue: Queue,
    calls: HashMap<String, WaitingCall>,
    desks: HashMap<AgentId, Desk>,
    phones: HashMap<AgentId, Phone>,
    /// The door that rings desk phones, once attached.
    dialer: Option<Arc<dyn DeskPhones>>,
    next_connection: u64,
}

/// The shared agent desk. Create with [`AgentHub::new`] and keep [`AgentHub::run`] running.
pub struct AgentHub {
    state: Mutex<HubState>,
    wake: Notify,
    store: Option<Store>,
    engines: Option<Arc<Engines>>,
    /// How long an offer rings (a desk phone is rung no longer).
    offer_timeout: Duration,
    /// The hub itself, for the tasks that ring desk phones.
    me: Weak<AgentHub>,
}

impl AgentHub {
    /// A hub with the queue timing of `config`; `store` records agent calls and callback tickets, `engines`
    /// speak hold messages and transcribe agents.
    pub fn new(
        config: &AgentsConfig,
        store: Option<Store>,
        engines: Option<Arc<Engines>>,
    ) -> Arc<Self> {
        let queue = config.queue();
        Arc::new_cyclic(|me| Self {
            offer_timeout: queue.offer_timeout,
            state: Mutex::new(HubState {
                queue: Queue::new(queue),
                calls: HashMap::new(),
                desks: HashMap::new(),
                phones: HashMap::new(),
                dialer: None,
                next_connection: 0,
            }),
            wake: Notify::new(),
            store,
            engines,
            me: me.clone(),
        })
    }

    /// The store agent calls and callback tickets go to.
    pub fn store(&self) -> Option<&Store> {
        self.store.as_ref()
    }

    /// The voice for hold messages.
    pub fn tts(&self) -> Option<Arc<TtsEngine>> {
        self.engines.as_ref().map(|e| Arc::clone(e.tts()))
    }

    /// The engines (for transcribing agents).
    pub fn engines(&self) -> Option<&Arc<Engines>> {
        self.engines.as_ref()
    }

    /// Runs the queue's timers (offers ringing out, callbacks, place announcements) until the process ends.
    pub async fn run(self: Arc<Self>) {
        loop {
            let next = {
                let mut state = self.lock();
                let now = Instant::now();
                state.queue.handle_timeout(now);
                self.dispatch(&mut state);
                state.queue.poll_timeout()
            };
            let sleep = match next {
                Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)),
                None => tokio::time::sleep(Duration::from_secs(3600)),
            };
            tokio::select! {
                () = sleep => {}
                () = self.wake.notified() => {}
            }
        }
    }

    /// Puts a call in the queue; the door hears what happens on the returned channel.
    pub fn enqueue(
        &self,
        card: ContextCard,
    ) -> Result<mpsc::UnboundedReceiver<CallerNotice>, HubError> {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut state = self.lock();
        let call = card.call.clone();
        let need = card.need();
        tracing::info!(call, reason = card.reason, priority = ?card.priority, lang = ?card.lang, "call queued for an agent");
        state.calls.insert(
            call.clone(),
            WaitingCall {
                card,
                notices: tx,
                agent: None,
                bridged_lines: Vec::new(),
                queued_at: Instant::now(),
                answered_at: None,
            },
        );
        if let Err(e) = state.queue.enqueue(call.clone(), need, Instant::now()) {
            state.calls.remove(&call);
            return Err(e.into());
        }
        self.settle(&mut state);
        Ok(rx)
    }

    /// The caller's words (transcribed by the call's own ASR): on the card while waiting, live to the agent
    /// while bridged.
    pub fn caller_said(&self, call: &str, text: &str) {
        self.line(call, "caller", text);
    }

    /// The agent's words (transcribed on the agent's leg).
    pub fn agent_said(&self, call: &str, text: &str) {
        self.line(call, "agent", text);
    }

    /// The caller hung up (or the call ended otherwise on the caller's side).
    pub fn caller_left(&self, call: &str) {
        let mut state = self.lock();
        if let Some(entry) = state.calls.get(call)
            && let Some((agent, record)) = entry.agent
        {
            self.close_record(&state, call, record, "hangup_caller");
            self.tell_desk(
                &state,
                agent,
                DeskEvent::Ended {
                    call: call.to_string(),
                    reason: "caller_hung_up".into(),
                    record,
                },
            );
        }
        state.calls.remove(call);
        state.queue.end(call, Instant::now());
        self.settle(&mut state);
    }

    /// An agent's console connected; earlier connections of the same agent are replaced. Returns the
    /// connection number (for [`AgentHub::disconnect`]) and the console's events.
    pub fn connect(
        &self,
        agent: AgentId,
        name: &str,
        skills: Skills,
    ) -> (u64, mpsc::UnboundedReceiver<DeskEvent>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut state = self.lock();
        state.next_connection += 1;
        let connection = state.next_connection;
        state.queue.sign_in(agent, skills, Instant::now());
        let presence = state.queue.presence(agent).unwrap_or(Presence::Away);
        let _ = tx.send(DeskEvent::Presence { presence });
        let _ = tx.send(DeskEvent::Queue {
            waiting: state.queue.waiting().len(),
        });
        // A reloaded console sees the call still ringing on it.
        if let Some(entry) = state
            .queue
            .offer_of(agent)
            .and_then(|call| state.calls.get(call))
        {
            let _ = tx.send(DeskEvent::Offer {
                card: Box::new(entry.card.clone()),
            });
        }
        state.desks.insert(
            agent,
            Desk {
                name: name.to_string(),
                connection,
                events: tx,
            },
        );
        tracing::info!(agent, name, "agent console connected");
        self.settle(&mut state);
        (connection, rx)
    }

    /// The console closed. If it was the agent's latest connection they are signed out of the queue, and a
    /// caller they were talking to goes back to the front of the queue.
    pub fn disconnect(&self, agent: AgentId, connection: u64) {
        let mut state = self.lock();
        if state
            .desks
            .get(&agent)
            .is_none_or(|d| d.connection != connection)
        {
            return;
        }
        state.desks.remove(&agent);
        if let Some(call) = bridged_call(&state, agent) {
            self.requeue(&mut state, &call, "agent_lost");
        }
        state.queue.sign_out(agent, Instant::now());
        tracing::info!(agent, "agent console disconnected");
        self.settle(&mut state);
    }

    /// The agent sets their presence.
    pub fn set_presence(&self, agent: AgentId, presence: Presence) -> Result<(), HubError> {
        let mut state = self.lock();
        state.queue.set_presence(agent, presence, Instant::now())?;
        let now = state.queue.presence(agent).unwrap_or(presence);
        self.tell_desk(&state, agent, DeskEvent::Presence { presence: now });
        self.settle(&mut state);
        Ok(())
    }

    /// The agent takes the call offered to them. Returns their media ends and the card; the caller's door is
    /// handed the other ends.
    pub fn accept(
        &self,
        agent: AgentId,
        call: &str,
    ) -> Result<(AgentMedia, ContextCard), HubError> {
        let (caller_media, agent_media) = media_link(MEDIA_DEPTH);
        let card = self.take_call(agent, call, caller_media)?;
        Ok((agent_media, card))
    }

    /// `agent` takes `call`; the caller's door is handed `caller_media`.
    fn take_call(
        &self,
        agent: AgentId,
        call: &str,
        caller_media: CallerMedia,
    ) -> Result<ContextCard, HubError> {
        let mut state = self.lock();
        state.queue.accept(agent, call, Instant::now())?;
        if let Some(phone) = state.phones.get_mut(&agent) {
            phone.ringing = None;
        }
        let name = name_of(&state, agent);
        let record = self.open_record(&state, agent, call);
        let Some(entry) = state.calls.get_mut(call) else {
            return Err(QueueError::NotWaiting(call.to_string()).into());
        };
        entry.agent = Some((agent, record));
        entry.bridged_lines.clear();
        let now = Instant::now();
        entry.answered_at = Some(now);
        metrics()
            .queue_wait
            .observe(now.saturating_duration_since(entry.queued_at));
        let _ = entry.notices.send(CallerNotice::Connected {
            media: caller_media,
            agent: name,
        });
        let card = entry.card.clone();
        tracing::info!(agent, call, "agent took the call");
        self.tell_desk(
            &state,
            agent,
            DeskEvent::Connected {
                call: call.to_string(),
            },
        );
        self.settle(&mut state);
        Ok(card)
    }

    /// The agent turns the offer down.
    pub fn decline(&self, agent: AgentId, call: &str) -> Result<(), HubError> {
        let mut state = self.lock();
        state.queue.decline(agent, call, Instant::now())?;
        self.settle(&mut state);
        Ok(())
    }

    /// The agent's audio leg ended while the call was still theirs (browser tab gone, network lost): the
    /// caller goes back to the front of the queue.
    pub fn agent_media_lost(&self, agent: AgentId, call: &str) {
        let mut state = self.lock();
        if bridged_call(&state, agent).as_deref() != Some(call) {
            return;
        }
        self.requeue(&mut state, call, "agent_lost");
        state.queue.agent_lost_call(agent, Instant::now());
        self.settle(&mut state);
    }

    /// The agent puts the caller on hold or takes them off it.
    pub fn hold(&self, agent: AgentId, call: &str, on: bool) -> Result<(), HubError> {
        let state = self.lock();
        let entry = own_call(&state, agent, call)?;
        let _ = entry.notices.send(CallerNotice::Hold(on));
        Ok(())
    }

    /// The agent hangs up on the caller (`hand_back = false`) or gives the call back to the bot.
    pub fn release(&self, agent: AgentId, call: &str, hand_back: bool) -> Result<(), HubError> {
        let mut state = self.lock();
        own_call(&state, agent, call)?;
        let (notice, reason) = if hand_back {
            (CallerNotice::HandBack, "handed_back")
        } else {
            (CallerNotice::Hangup, "hangup_agent")
        };
        self.end_bridge(&mut state, agent, call, notice, reason);
        self.settle(&mut state);
        Ok(())
    }

    /// Ends `agent`'s part of `call`: the record is closed with `reason` and the caller's door hears `notice`.
    fn end_bridge(
        &self,
        state: &mut HubState,
        agent: AgentId,
        call: &str,
        notice: CallerNotice,
        reason: &str,
    ) {
        let record = state
            .calls
            .get(call)
            .and_then(|e| e.agent)
            .and_then(|(_, r)| r);
        self.close_record(state, call, record, reason);
        if let Some(entry) = state.calls.remove(call) {
            let _ = entry.notices.send(notice);
        }
        state.queue.end(call, Instant::now());
        self.tell_desk(
            state,
            agent,
            DeskEvent::Ended {
                call: call.to_string(),
                reason: reason.into(),
                record,
            },
        );
    }

    /// Desk phones can be rung through `dialer` (the SIP door, at start-up).
    pub fn attach_phones(&self, dialer: Arc<dyn DeskPhones>) {
        self.lock().dialer = Some(dialer);
    }

    /// A desk phone can be reached (it registered or refreshed its registration, or is a fixed endpoint): it
    /// takes queued calls its skills cover. A phone set away after a missed call is available again.
    pub fn phone_online(&self, phone: &DeskPhone) {
        let mut state = self.lock();
        let now = Instant::now();
        let agent = phone.agent;
        state.queue.sign_in(agent, phone.skills.clone(), now);
        let entry = state.phones.entry(agent).or_insert_with(|| Phone {
            phone: phone.clone(),
            online: false,
            ringing: None,
        });
        entry.phone = phone.clone();
        if !entry.online {
            tracing::info!(agent, name = phone.name, "desk phone takes queued calls");
        }
        entry.online = true;
        if !matches!(
            state.queue.presence(agent),
            Some(Presence::Available | Presence::Busy)
        ) {
            let _ = state.queue.set_presence(agent, Presence::Available, now);
        }
        self.settle(&mut state);
    }

    /// A desk phone can no longer be reached (its registration expired or was removed): away. A call it is
    /// on goes on.
    pub fn phone_offline(&self, agent: AgentId) {
        let mut state = self.lock();
        let Some(phone) = state.phones.get_mut(&agent).filter(|p| p.online) else {
            return;
        };
        phone.online = false;
        tracing::info!(
            agent,
            name = phone.phone.name,
            "desk phone unreachable: away"
        );
        let _ = state
            .queue
            .set_presence(agent, Presence::Away, Instant::now());
        self.settle(&mut state);
    }

    /// Rings a desk phone the queue offered `call` to, on a task of its own.
    fn ring_phone(&self, state: &mut HubState, agent: AgentId, call: &str) {
        let (Some(dialer), Some(hub), Ok(runtime)) = (
            state.dialer.clone(),
            self.me.upgrade(),
            tokio::runtime::Handle::try_current(),
        ) else {
            tracing::warn!(
                agent,
                call,
                "no door to ring the desk phone through: the offer rings out"
            );
            return;
        };
        let Some(card) = state.calls.get(call).map(|e| &e.card) else {
            return;
        };
        // Phones show the caller and why they called.
        let caller = card.caller.as_deref().unwrap_or("unknown caller");
        let why = Some(card.summary.trim())
            .filter(|s| !s.is_empty())
            .unwrap_or(&card.reason);
        let subject = format!("{caller}: {why}");
        let Some(phone) = state.phones.get_mut(&agent) else {
            return;
        };
        let cancel = CancellationToken::new();
        phone.ringing = Some((call.to_string(), cancel.clone()));
        let ring = PhoneRing {
            agent,
            call: call.to_string(),
            address: phone.phone.address.clone(),
            subject,
            cancel,
        };
        let timeout = self.offer_timeout;
        runtime.spawn(hub.phone_leg(dialer, ring, timeout));
    }

    /// One offer to a desk phone: rings it; on an answer the caller is connected, and when the phone's call
    /// ends the phone is free again.
    async fn phone_leg(
        self: Arc<Self>,
        dialer: Arc<dyn DeskPhones>,
        ring: PhoneRing,
        timeout: Duration,
    ) {
        let PhoneRing {
            agent,
            call,
            address,
            subject,
            cancel,
        } = ring;
        let (caller_media, agent_media) = media_link(MEDIA_DEPTH);
        let leg = match dialer
            .ring(&address, &subject, agent_media, timeout, cancel)
            .await
        {
            Ok(leg) => leg,
            Err(why) => return self.phone_missed(agent, &call, &why),
        };
        match self.take_call(agent, &call, caller_media) {
            Ok(_) => {
                leg.ended().await;
                self.phone_hung_up(agent, &call);
            }
            Err(e) => {
                tracing::info!(agent, call, "the desk phone answered too late: {e}");
                leg.hang_up();
                leg.ended().await;
                let mut state = self.lock();
                self.free_phone(&mut state, agent);
                self.settle(&mut state);
            }
        }
    }

    /// The desk phone did not take the call it was offered: like a console that lets an offer ring out, it
    /// is away (until it registers again) and the call goes to the next agent.
    fn phone_missed(&self, agent: AgentId, call: &str, why: &str) {
        let mut state = self.lock();
        if let Some(phone) = state.phones.get_mut(&agent)
            && phone.ringing.as_ref().is_some_and(|(c, _)| c == call)
        {
            phone.ringing = None;
        }
        tracing::info!(agent, call, why, "the desk phone did not take the call");
        if state.queue.offer_of(agent) != Some(call) {
            // Withdrawn meanwhile: the caller left, or the offer rang out in the queue (which set it away).
            return;
        }
        let _ = state
            .queue
            .set_presence(agent, Presence::Away, Instant::now());
        self.settle(&mut state);
    }

    /// The desk phone's call ended. If the phone hung up on the caller, the caller goes back to the bot (a
    /// desk phone has no console to hand back or wrap up from).
    fn phone_hung_up(&self, agent: AgentId, call: &str) {
        let mut state = self.lock();
        if bridged_call(&state, agent).as_deref() == Some(call) {
            tracing::info!(
                agent,
                call,
                "the desk phone hung up: the caller goes back to the bot"
            );
            self.end_bridge(
                &mut state,
                agent,
                call,
                CallerNotice::HandBack,
                "hangup_agent",
            );
        }
        self.free_phone(&mut state, agent);
        self.settle(&mut state);
    }

    /// A desk phone whose call is over takes the next one (no wrap-up without a console), if still reachable.
    fn free_phone(&self, state: &mut HubState, agent: AgentId) {
        let Some(phone) = state.phones.get(&agent) else {
            return;
        };
        let presence = if phone.online {
            Presence::Available
        } else {
            Presence::Away
        };
        let _ = state.queue.set_presence(agent, presence, Instant::now());
    }

    /// The agent's wrap-up for a call they took: disposition code and notes, saved with the call.
    pub fn wrap_up(
        &self,
        agent: AgentId,
        record: i64,
        disposition: &str,
        notes: &str,
    ) -> Result<(), HubError> {
        if !DISPOSITIONS.contains(&disposition) {
            return Err(HubError::Disposition(disposition.to_string()));
        }
        let Some(store) = &self.store else {
            return Err(HubError::NoRecord(record));
        };
        store
            .wrap_up_agent_call(record, agent, disposition, notes)
            .map_err(|e| match e {
                crate::store::StoreError::NotFound(_) => HubError::NoRecord(record),
                e => HubError::Store(e),
            })?;
        tracing::info!(agent, record, disposition, "wrap-up saved");
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, HubState> {
        // Plain data: a panic elsewhere cannot leave it half-updated in a way later calls trip over.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Carries out the queue's actions and wakes the timer loop (deadlines may have moved).
    fn settle(&self, state: &mut HubState) {
        self.dispatch(state);
        self.wake.notify_one();
    }

    fn dispatch(&self, state: &mut HubState) {
        metrics().set_queue_length(state.queue.waiting().len());
        let mut queue_changed = false;
        while let Some(action) = state.queue.poll_action() {
            match action {
                QueueAction::Offer { call, agent } => {
                    queue_changed = true;
                    if let Some(entry) = state.calls.get(&call) {
                        tracing::info!(call, agent, "offering the call");
                        let card = Box::new(entry.card.clone());
                        self.tell_desk(state, agent, DeskEvent::Offer { card });
                        if state.phones.contains_key(&agent) {
                            self.ring_phone(state, agent, &call);
                        }
                    }
                }
                QueueAction::Withdraw { call, agent } => {
                    if let Some(phone) = state.phones.get_mut(&agent)
                        && phone.ringing.as_ref().is_some_and(|(c, _)| *c == call)
                        && let Some((_, cancel)) = phone.ringing.take()
                    {
                        cancel.cancel();
                    }
                    self.tell_desk(state, agent, DeskEvent::Withdrawn { call });
                }
                QueueAction::Position {
                    call,
                    position,
                    expected_wait,
                } => {
                    queue_changed = true;
                    if let Some(entry) = state.calls.get(&call) {
                        let _ = entry.notices.send(CallerNotice::Position {
                            position,
                            expected_wait,
                        });
                    }
                }
                QueueAction::Callback { call } => {
                    queue_changed = true;
                    if let Some(entry) = state.calls.remove(&call) {
                        let ticket = self.book_callback(&entry.card);
                        tracing::info!(call, ?ticket, "waited too long: callback booked");
                        let _ = entry.notices.send(CallerNotice::Callback { ticket });
                    }
                }
                QueueAction::Presence { agent, presence } => {
                    self.tell_desk(state, agent, DeskEvent::Presence { presence });
                }
            }
        }
        if queue_changed {
            let waiting = state.queue.waiting().len();
            for desk in state.desks.values() {
                let _ = desk.events.send(DeskEvent::Queue { waiting });
            }
        }
    }

    fn line(&self, call: &str, who: &str, text: &str) {
        let mut state = self.lock();
        let Some(entry) = state.calls.get_mut(call) else {
            return;
        };
        let line = Line {
            who: who.to_string(),
            text: text.to_string(),
        };
        match entry.agent {
            Some((agent, _)) => {
                entry.bridged_lines.push(line);
                self.tell_desk(
                    &state,
                    agent,
                    DeskEvent::Line {
                        call: call.to_string(),
                        who: who.to_string(),
                        text: text.to_string(),
                    },
                );
            }
            None => entry.card.transcript.push(line),
        }
    }

    /// Takes a bridged call back from its agent and puts it in front of the queue.
    fn requeue(&self, state: &mut HubState, call: &str, reason: &str) {
        let Some(entry) = state.calls.get_mut(call) else {
            return;
        };
        let agent = entry.agent.take();
        let record = agent.and_then(|(_, r)| r);
        let lines = std::mem::take(&mut entry.bridged_lines);
        let _ = entry.notices.send(CallerNotice::BackInQueue);
        tracing::warn!(
            call,
            reason,
            "the agent's line dropped: the caller goes back to the front of the queue"
        );
        if let (Some(store), Some(record)) = (&self.store, record) {
            let transcript = serde_json::to_string(&lines).unwrap_or_default();
            if let Err(e) = store.close_agent_call(record, now_utc(), reason, &transcript) {
                tracing::warn!("agent call record not closed: {e}");
            }
        }
        entry.card.transcript.extend(lines);
        if let (Some(store), Some((agent, _))) = (&self.store, agent) {
            let name = name_of(state, agent);
            if let Some(entry) = state.calls.get(call) {
                record_handling(store, entry, &name);
            }
        }
    }

    fn tell_desk(&self, state: &HubState, agent: AgentId, event: DeskEvent) {
        if let Some(desk) = state.desks.get(&agent) {
            let _ = desk.events.send(event);
        }
    }

    fn open_record(&self, state: &HubState, agent: AgentId, call: &str) -> Option<i64> {
        let store = self.store.as_ref()?;
        let card = &state.calls.get(call)?.card;
        let lang = card.lang.code();
        let priority = format!("{:?}", card.priority).to_lowercase();
        store
            .open_agent_call(&NewAgentCall {
                call_id: call,
                conversation_id: card.conversation.as_deref(),
                agent_id: agent,
                channel: &card.channel,
                caller: card.caller.as_deref(),
                customer_id: card.customer.as_ref().map(|c| c.id),
                lang,
                reason: &card.reason,
                priority: &priority,
                answered_at: now_utc(),
            })
            .map_err(|e| tracing::warn!("agent call not recorded: {e}"))
            .ok()
    }

    fn close_record(&self, state: &HubState, call: &str, record: Option<i64>, reason: &str) {
        let (Some(store), Some(record)) = (&self.store, record) else {
            return;
        };
        let lines = state
            .calls
            .get(call)
            .map(|e| serde_json::to_string(&e.bridged_lines).unwrap_or_default())
            .unwrap_or_else(|| "[]".into());
        if let Err(e) = store.close_agent_call(record, now_utc(), reason, &lines) {
            tracing::warn!("agent call record not closed: {e}");
        }
        if let Some(entry) = state.calls.get(call)
            && let Some((agent, _)) = entry.agent
        {
            let name = name_of(state, agent);
            record_handling(store, entry, &name);
        }
    }

    fn book_callback(&self, card: &ContextCard) -> Option<i64> {
        let store = self.store.as_ref()?;
        let number = card.caller.as_deref().unwrap_or("unknown number");
        let details = format!(
            "Call back {number} ({}, {}): waited for an agent, escalated for {}. {}",
            card.lang.code(),
            card.channel,
            card.reason,
            card.summary
        );
        store
            .create_ticket(&NewTicket {
                kind: TicketKind::Callback,
                order_id: None,
                customer_id: card.customer.as_ref().map(|c| c.id),
                details,
                appointment: None,
                created_at: now_utc(),
            })
            .map(|t| t.id)
            .map_err(|e| tracing::warn!("callback ticket not booked: {e}"))
            .ok()
    }
}

fn now_utc() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

/// An agent's name: the console's signed-in name or the desk phone's.
fn name_of(state: &HubState, agent: AgentId) -> String {
    state
        .desks
        .get(&agent)
        .map(|d| d.name.clone())
        .or_else(|| state.phones.get(&agent).map(|p| p.phone.name.clone()))
        .unwrap_or_default()
}

/// What one desk-phone offer needs.
struct PhoneRing {
    agent: AgentId,
    call: String,
    address: String,
    subject: String,
    cancel: CancellationToken,
}

fn bridged_call(state: &HubState, agent: AgentId) -> Option<String> {
    state
        .calls
        .iter()
        .find(|(_, e)| e.agent.is_some_and(|(a, _)| a == agent))
        .map(|(c, _)| c.clone())
}

fn own_call<'a>(
    state: &'a HubState,
    agent: AgentId,
    call: &str,
) -> Result<&'a WaitingCall, HubError> {
    state
        .calls
        .get(call)
        .filter(|e| e.agent.is_some_and(|(a, _)| a == agent))
        .ok_or_else(|| HubError::NotYourCall(call.to_string()))
}

/// Puts the agent's part (who, wait, talk) on the conversation's interaction record; the disposition follows
/// with the wrap-up.
fn record_handling(store: &Store, entry: &WaitingCall, agent: &str) {
    let (Some(conversation), Some(answered)) = (&entry.card.conversation, entry.answered_at) else {
        return;
    };
    let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    let handling = AgentHandling {
        agent: agent.to_string(),
        wait_ms: ms(answered.saturating_duration_since(entry.queued_at)),
        talk_ms: ms(answered.elapsed()),
        disposition: String::new(),
    };
    if let Err(e) = store.record_agent_handling(conversation, &handling) {
        tracing::warn!(conversation, "agent handling not recorded: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::phones::{PhoneCall, PhoneFuture};
    use crate::dialogue::Priority;
    use crate::lang::Lang;
    use crate::pipeline::CallLog;
    use crate::store::TicketKind;

    fn card(call: &str) -> ContextCard {
        let log = CallLog {
            channel: "phone".into(),
            caller: Some("+14155550100".into()),
            lang: Some(Lang::En),
            ..CallLog::default()
        };
        ContextCard::build(
            call,
            &log,
            "requested",
            Priority::Normal,
            "wants a person",
            None,
        )
    }

    fn all_skills() -> Skills {
        Skills {
            langs: vec![Lang::En, Lang::Zh],
            departments: Vec::new(),
        }
    }

    fn events(rx: &mut mpsc::UnboundedReceiver<DeskEvent>) -> Vec<DeskEvent> {
        std::iter::from_fn(|| rx.try_recv().ok()).collect()
    }

    fn hub(callback_after_secs: u64) -> (Arc<AgentHub>, Store) {
        let store = Store::open_in_memory().unwrap();
        let config = AgentsConfig {
            callback_after_secs,
            ..AgentsConfig::default()
        };
        (AgentHub::new(&config, Some(store.clone()), None), store)
    }

    #[test]
    fn an_agent_whose_console_drops_mid_call_puts_the_caller_back_in_front() {
        let (hub, store) = hub(600);
        let mut first = hub.enqueue(card("first")).unwrap();
        let _second = hub.enqueue(card("second")).unwrap();
        let (_first_conn, mut desk) = hub.connect(7, "Alice", all_skills());
        hub.set_presence(7, Presence::Available).unwrap();
        assert!(
            events(&mut desk)
                .iter()
                .any(|e| matches!(e, DeskEvent::Offer { card } if card.call == "first"))
        );
        // A reloaded console is shown the call still ringing on it.
        let (conn, mut desk) = hub.connect(7, "Alice", all_skills());
        assert!(
            events(&mut desk)
                .iter()
                .any(|e| matches!(e, DeskEvent::Offer { card } if card.call == "first"))
        );
        let (mut agent_media, card) = hub.accept(7, "first").unwrap();
        assert_eq!(card.caller.as_deref(), Some("+14155550100"));
        let caller_media = loop {
            match first.try_recv().unwrap() {
                CallerNotice::Connected { media, agent } => {
                    assert_eq!(agent, "Alice");
                    break media;
                }
                CallerNotice::Position { .. } => {}
                other => panic!("unexpected {other:?}"),
            }
        };
        caller_media.to_agent.try_send(vec![0.5; 320]).unwrap();
        assert_eq!(agent_media.from_caller.try_recv().unwrap()[0], 0.5);
        hub.caller_said("first", "my parcel is damaged");
        assert!(events(&mut desk).iter().any(
            |e| matches!(e, DeskEvent::Line { who, text, .. } if who == "caller" && text.contains("damaged"))
        ));

        // A second connection of the same agent replaces the first; closing the stale one changes nothing.
        let (newer, _newer_desk) = hub.connect(7, "Alice", all_skills());
        hub.disconnect(7, conn);
        assert_eq!(hub.lock().queue.bridged_agent("first"), Some(7));
        let conn = newer;
        assert_eq!(hub.lock().queue.bridged_agent("first"), Some(7));
        hub.disconnect(7, conn);
        let notices: Vec<_> = std::iter::from_fn(|| first.try_recv().ok()).collect();
        assert!(
            notices
                .iter()
                .any(|n| matches!(n, CallerNotice::BackInQueue)),
            "{notices:?}"
        );
        assert_eq!(
            hub.lock().queue.waiting(),
            vec!["first", "second"],
            "back in front"
        );
        let records = store.agent_calls_for("first").unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].end_reason.as_deref(), Some("agent_lost"));
        assert!(records[0].transcript.contains("damaged"));
    }

    #[test]
    fn hold_hang_up_and_wrap_up_are_only_for_the_agent_on_the_call() {
        let (hub, store) = hub(600);
        let started = chrono::NaiveDate::from_ymd_opt(2024, 12, 10)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .unwrap();
        store
            .start_conversation("conv-c1", "phone", None, None, Lang::En, started)
            .unwrap();
        let mut c1 = card("c1");
        c1.conversation = Some("conv-c1".into());
        let mut caller = hub.enqueue(c1).unwrap();
        let (_, mut desk) = hub.connect(1, "Alice", all_skills());
        let (_, _other_desk) = hub.connect(2, "Bob", all_skills());
        hub.set_presence(1, Presence::Available).unwrap();
        let (_media, _) = hub.accept(1, "c1").unwrap();
        assert!(matches!(
            hub.hold(2, "c1", true),
            Err(HubError::NotYourCall(_))
        ));
        hub.hold(1, "c1", true).unwrap();
        hub.release(1, "c1", false).unwrap();
        let notices: Vec<_> = std::iter::from_fn(|| caller.try_recv().ok()).collect();
        assert!(
            notices
                .iter()
                .any(|n| matches!(n, CallerNotice::Hold(true)))
        );
        assert!(matches!(notices.last(), Some(CallerNotice::Hangup)));
        let record = events(&mut desk)
            .into_iter()
            .find_map(|e| match e {
                DeskEvent::Ended { record, reason, .. } => {
                    assert_eq!(reason, "hangup_agent");
                    record
                }
                _ => None,
            })
            .expect("an ended event with the record to wrap up");
        assert_eq!(hub.lock().queue.presence(1), Some(Presence::WrapUp));
        assert!(matches!(
            hub.wrap_up(1, record, "made_up", ""),
            Err(HubError::Disposition(_))
        ));
        assert!(matches!(
            hub.wrap_up(2, record, "resolved", ""),
            Err(HubError::NoRecord(_))
        ));
        hub.wrap_up(1, record, "refund_issued", "refund of 59.00 approved")
            .unwrap();
        let saved = store.agent_call(record).unwrap().unwrap();
        assert_eq!(saved.disposition.as_deref(), Some("refund_issued"));
        assert_eq!(saved.notes, "refund of 59.00 approved");
        assert_eq!(saved.end_reason.as_deref(), Some("hangup_agent"));
        // The interaction record analytics reads carries the agent's part.
        let interaction = store.interaction("conv-c1").unwrap().unwrap();
        assert_eq!(interaction.agent.as_deref(), Some("Alice"));
        assert!(interaction.agent_wait_ms.is_some() && interaction.agent_talk_ms.is_some());
        assert_eq!(
            interaction.agent_disposition.as_deref(),
            Some("refund_issued")
        );
    }

    /// Desk phones as a door would ring them: each either answers (its call then lasts until the test hangs
    /// it up) or refuses.
    struct Phones {
        answers: Vec<&'static str>,
        rung: Mutex<Vec<String>>,
        media: Mutex<Vec<AgentMedia>>,
        hang_ups: Mutex<Vec<tokio::sync::oneshot::Sender<()>>>,
    }

    struct Answered(tokio::sync::oneshot::Receiver<()>);

    impl PhoneCall for Answered {
        fn hang_up(&self) {}
        fn ended(self: Box<Self>) -> PhoneFuture<()> {
            Box::pin(async move {
                let _ = self.0.await;
            })
        }
    }

    impl DeskPhones for Phones {
        fn ring(
            &self,
            phone: &str,
            _subject: &str,
            media: AgentMedia,
            _ring: Duration,
            _cancel: CancellationToken,
        ) -> PhoneFuture<Result<Box<dyn PhoneCall>, String>> {
            self.rung.lock().unwrap().push(phone.to_string());
            let answer = if self.answers.contains(&phone) {
                let (tx, rx) = tokio::sync::oneshot::channel();
                self.hang_ups.lock().unwrap().push(tx);
                self.media.lock().unwrap().push(media);
                Ok(Box::new(Answered(rx)) as Box<dyn PhoneCall>)
            } else {
                Err("busy (486)".to_string())
            };
            Box::pin(async move { answer })
        }
    }

    fn desk_phone(agent: AgentId, name: &str) -> DeskPhone {
        DeskPhone {
            agent,
            name: name.into(),
            address: name.into(),
            skills: all_skills(),
        }
    }

    async fn notice(
        caller: &mut mpsc::UnboundedReceiver<CallerNotice>,
        wanted: fn(&CallerNotice) -> bool,
    ) -> CallerNotice {
        tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                match caller.recv().await {
                    Some(n) if wanted(&n) => break n,
                    Some(_) => {}
                    None => panic!("the hub dropped the call"),
                }
            }
        })
        .await
        .expect("the notice in time")
    }

    #[tokio::test]
    async fn a_desk_phone_that_refuses_is_away_and_the_next_phone_takes_the_call() {
        let (hub, store) = hub(600);
        let phones = Arc::new(Phones {
            answers: vec!["alice"],
            rung: Mutex::new(Vec::new()),
            media: Mutex::new(Vec::new()),
            hang_ups: Mutex::new(Vec::new()),
        });
        hub.attach_phones(phones.clone());
        // Bob has been free longest: he is rung first.
        hub.phone_online(&desk_phone(-2, "bob"));
        std::thread::sleep(Duration::from_millis(5));
        hub.phone_online(&desk_phone(-1, "alice"));
        let mut caller = hub.enqueue(card("c")).unwrap();
        let CallerNotice::Connected { media, agent } =
            notice(&mut caller, |n| matches!(n, CallerNotice::Connected { .. })).await
        else {
            unreachable!()
        };
        assert_eq!(agent, "alice");
        assert_eq!(*phones.rung.lock().unwrap(), vec!["bob", "alice"]);
        assert_eq!(hub.lock().queue.presence(-2), Some(Presence::Away));
        assert_eq!(hub.lock().queue.presence(-1), Some(Presence::Busy));
        media.to_agent.try_send(vec![0.5; 320]).unwrap();
        let mut agent_media = phones.media.lock().unwrap().pop().unwrap();
        assert_eq!(agent_media.from_caller.try_recv().unwrap()[0], 0.5);
        hub.agent_said("c", "this is alice from support");

        // Alice hangs up her phone: the caller is back with the bot, her phone free for the next call.
        let hang_up = phones.hang_ups.lock().unwrap().pop().unwrap();
        hang_up.send(()).unwrap();
        notice(&mut caller, |n| matches!(n, CallerNotice::HandBack)).await;
        let records = store.agent_calls_for("c").unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].agent_id, -1);
        assert_eq!(records[0].end_reason.as_deref(), Some("hangup_agent"));
        assert!(records[0].transcript.contains("alice from support"));
        assert_eq!(hub.lock().queue.presence(-1), Some(Presence::Available));
        // Bob's phone registers again: available again.
        hub.phone_online(&desk_phone(-2, "bob"));
        assert_eq!(hub.lock().queue.presence(-2), Some(Presence::Available));
        // Its registration expires: away.
        hub.phone_offline(-2);
        assert_eq!(hub.lock().queue.presence(-2), Some(Presence::Away));
    }

    #[tokio::test]
    async fn a_caller_nobody_answers_gets_a_callback_ticket_in_the_store() {
        let (hub, store) = hub(1);
        tokio::spawn(Arc::clone(&hub).run());
        let mut caller = hub.enqueue(card("lonely")).unwrap();
        let ticket = tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                match caller.recv().await {
                    Some(CallerNotice::Callback { ticket }) => break ticket,
                    Some(_) => {}
                    None => panic!("the hub dropped the call"),
                }
            }
        })
        .await
        .expect("a callback offer");
        let ticket = store
            .ticket(ticket.expect("a ticket number"))
            .unwrap()
            .unwrap();
        assert_eq!(ticket.kind, TicketKind::Callback);
        assert!(
            ticket.details.contains("+14155550100"),
            "{}",
            ticket.details
        );
        assert!(hub.lock().queue.waiting().is_empty());
    }
}
