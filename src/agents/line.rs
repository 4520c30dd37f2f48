//! A caller door's side of the agent desk: after the bot escalates, the call waits in the [`AgentHub`] queue
//! hearing hold audio, then the caller's frames go to the agent and the agent's come back instead of the bot's.
//! The [`LiveCall`] keeps running underneath: silent, still transcribing the caller for the call log and the
//! agent's live transcript. Both doors (SIP, WebRTC) drive one of these per call on their 20 ms clock.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc;

use crate::call::Frame;
use crate::dialogue::Priority;
use crate::lang::Lang;
use crate::pipeline::LiveCall;
use crate::privacy::redact;

use super::card::ContextCard;
use super::hold::{HoldLine, HoldMessage};
use super::hub::{AgentHub, CallerNotice};
use super::media::CallerMedia;
use super::transcriber::SideTranscriber;

/// Agent frames held back to absorb jitter between the agent's leg and the caller's clock; beyond this the
/// oldest are dropped (delay would build up).
const MAX_AGENT_BACKLOG: usize = 6;

enum Stage {
    /// The bot has the call.
    Bot,
    Waiting,
    Bridged {
        media: CallerMedia,
        on_hold: bool,
        backlog: VecDeque<Vec<f32>>,
        /// The agent's words, for the live transcript and the record of the call.
        agent_words: Option<Box<SideTranscriber>>,
    },
    /// A last message plays, then the call ends.
    Closing,
}

/// One call's link to the agent desk.
pub struct AgentLine {
    hub: Arc<AgentHub>,
    call: String,
    stage: Stage,
    hold: HoldLine,
    lang: Lang,
    notices: Option<mpsc::UnboundedReceiver<CallerNotice>>,
    hangup: bool,
}

impl AgentLine {
    /// The link for call `call` (the door's call id).
    pub fn new(hub: Arc<AgentHub>, call: &str) -> Self {
        let hold = HoldLine::new(hub.tts(), Lang::En);
        Self {
            hub,
            call: call.to_string(),
            stage: Stage::Bot,
            hold,
            lang: Lang::En,
            notices: None,
            hangup: false,
        }
    }

    /// The bot handed the call over: queue it for an agent with a context card from the call so far.
    pub fn escalate(&mut self, call: &LiveCall, reason: &str, priority: Priority, summary: &str) {
        if !matches!(self.stage, Stage::Bot) {
            return;
        }
        let log = call.log();
        let card = ContextCard::build(
            &self.call,
            &log,
            reason,
            priority,
            summary,
            self.hub.store(),
        );
        self.hold = HoldLine::new(self.hub.tts(), card.lang);
        self.lang = card.lang;
        match self.hub.enqueue(card) {
            Ok(notices) => {
                self.notices = Some(notices);
                self.stage = Stage::Waiting;
                self.hold.say(&HoldMessage::Connecting);
            }
            Err(e) => tracing::warn!(call = self.call, "cannot queue the call for an agent: {e}"),
        }
    }

    /// True while a person has (or is about to get) the call, so the bot's frames are not played.
    pub fn is_with_agent(&self) -> bool {
        !matches!(self.stage, Stage::Bot)
    }

    /// One 20 ms step: the caller's frame in, the frame to play to the caller out (`bot` while the bot has
    /// the call).
    pub fn tick(
        &mut self,
        caller: Option<&[f32]>,
        bot: Frame,
        call: &mut LiveCall,
        now: Instant,
    ) -> Frame {
        self.follow_notices(call, now);
        match &mut self.stage {
            Stage::Bot => bot,
            Stage::Waiting => self.hold.next_frame(),
            Stage::Closing => {
                if !self.hold.is_speaking() {
                    self.hangup = true;
                }
                self.hold.next_frame()
            }
            Stage::Bridged {
                media,
                on_hold,
                backlog,
                agent_words,
            } => {
                // A closed pipe means the agent's leg is gone; the hub tells us what comes next.
                while let Ok(frame) = media.from_agent.try_recv() {
                    backlog.push_back(frame);
                }
                while backlog.len() > MAX_AGENT_BACKLOG {
                    backlog.pop_front();
                }
                if *on_hold {
                    backlog.clear();
                    return self.hold.next_frame();
                }
                if let Some(frame) = caller {
                    let _ = media.to_agent.try_send(frame.to_vec());
                }
                let agent = backlog
                    .pop_front()
                    .map_or_else(Frame::silence, |f| Frame::from_samples(&f));
                if let Some(words) = agent_words {
                    words.push(&agent, now);
                    if let Some(text) = words.poll() {
                        tracing::info!(call = self.call, text = %redact(&text), "agent said");
                        self.hub.agent_said(&self.call, &text);
                        call.agent_said(&text, now);
                    }
                }
                agent
            }
        }
    }

    /// What the call's ASR heard the caller say.
    pub fn caller_said(&self, text: &str) {
        if self.is_with_agent() {
            self.hub.caller_said(&self.call, text);
        }
    }

    /// True once the call must end (the agent hung up, or the callback message has played).
    pub fn wants_hangup(&self) -> bool {
        self.hangup
    }

    /// The caller hung up.
    pub fn hangup(&mut self) {
        if self.is_with_agent() {
            self.hub.caller_left(&self.call);
            self.stage = Stage::Bot;
        }
    }

    fn follow_notices(&mut self, call: &mut LiveCall, now: Instant) {
        let Some(notices) = self.notices.as_mut() else {
            return;
        };
        while let Ok(notice) = notices.try_recv() {
            match notice {
                CallerNotice::Position {
                    position,
                    expected_wait,
                } => {
                    if matches!(self.stage, Stage::Waiting) {
                        self.hold.say(&HoldMessage::Position {
                            position,
                            expected_wait,
                        });
                    }
                }
                CallerNotice::Connected { media, agent } => {
                    tracing::info!(call = self.call, agent, "caller bridged to an agent");
                    self.stage = Stage::Bridged {
                        media,
                        on_hold: false,
                        backlog: VecDeque::new(),
                        agent_words: self
                            .hub
                            .engines()
                            .map(|e| Box::new(SideTranscriber::new(e, self.lang))),
                    };
                    call.agent(true, now);
                }
                CallerNotice::BackInQueue => {
                    self.stage = Stage::Waiting;
                    self.hold.say(&HoldMessage::BackInQueue);
                }
                CallerNotice::Hold(on) => {
                    if let Stage::Bridged { on_hold, .. } = &mut self.stage {
                        *on_hold = on;
                        if on {
                            self.hold.say(&HoldMessage::OnHold);
                        }
                    }
                }
                CallerNotice::HandBack => {
                    tracing::info!(
                        call = self.call,
                        "the agent handed the call back to the bot"
                    );
                    self.stage = Stage::Bot;
                    call.agent(false, now);
                }
                CallerNotice::Hangup => {
                    self.stage = Stage::Bot;
                    self.hangup = true;
                }
                CallerNotice::Callback { ticket } => {
                    self.stage = Stage::Closing;
                    self.hold.say(&HoldMessage::Callback { ticket });
                }
            }
        }
    }
}

impl Drop for AgentLine {
    fn drop(&mut self) {
        // However the door ends, the hub must not keep a call (or an agent) waiting on it.
        self.hangup();
    }
}
