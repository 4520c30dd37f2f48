//! The call engine behind the phone line: every answered call becomes a [`LiveCall`] on the shared
//! [`Engines`], with the caller's number as its caller ID. Finished calls' logs can be written as JSON.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crate::agents::{AgentHub, AgentLine};
use crate::call::Frame;
use crate::dialogue::Channel;
use crate::pipeline::{CallSpec, Control, Engines, LiveCall, UiEvent};
use crate::privacy::{redact, redact_call_log};

use super::{CallHandler, Conversation, Escalation, IncomingCall};

/// Starts a [`LiveCall`] for each answered call.
pub struct EngineCalls {
    engines: Arc<Engines>,
    log_dir: Option<PathBuf>,
    agents: Option<Arc<AgentHub>>,
}

impl EngineCalls {
    /// Calls on `engines`; with `log_dir`, each finished call's log goes to `<log_dir>/<Call-ID>.json`.
    pub fn new(engines: Arc<Engines>, log_dir: Option<PathBuf>) -> Self {
        Self {
            engines,
            log_dir,
            agents: None,
        }
    }

    /// Escalated calls wait for a person at this agent desk (otherwise they stay with the bot).
    pub fn with_agents(mut self, hub: Arc<AgentHub>) -> Self {
        self.agents = Some(hub);
        self
    }
}

impl CallHandler for EngineCalls {
    fn start(&self, call: &IncomingCall, now: Instant) -> Box<dyn Conversation> {
        let spec = CallSpec {
            channel: Channel::Phone,
            caller: call.caller.as_ref().and_then(|c| c.number.clone()),
            lang: None,
        };
        Box::new(EngineCall {
            call: LiveCall::start(&self.engines, spec, now),
            call_id: call.call_id.clone(),
            log_dir: self.log_dir.clone(),
            hangup: false,
            line: self
                .agents
                .as_ref()
                .map(|hub| AgentLine::new(Arc::clone(hub), &call.call_id)),
            escalation: None,
        })
    }
}

struct EngineCall {
    call: LiveCall,
    call_id: String,
    log_dir: Option<PathBuf>,
    hangup: bool,
    /// The way to a person on the agent console, when `kefu serve` runs it for the phone line.
    line: Option<AgentLine>,
    /// An escalation for the phone line's own routes (SIP desk phone, REFER) when there is no console desk.
    escalation: Option<Escalation>,
}

impl Conversation for EngineCall {
    fn tick(&mut self, caller: Option<&Frame>, now: Instant) -> Frame {
        let heard = caller.map(|f| &f.samples()[..]);
        let bot = self.call.tick(heard, now);
        match &mut self.line {
            Some(line) => line.tick(heard, bot, &mut self.call, now),
            None => bot,
        }
    }

    fn dtmf(&mut self, digit: char, now: Instant) {
        self.call.dtmf(digit, now);
    }

    fn hangup(&mut self, now: Instant) {
        if let Some(line) = &mut self.line {
            line.hangup();
        }
        self.call.hangup(now);
    }

    fn wants_hangup(&mut self) -> bool {
        while let Some(control) = self.call.poll_control() {
            match control {
                Control::Hangup => self.hangup = true,
                Control::Escalate {
                    reason,
                    priority,
                    summary,
                } => {
                    tracing::info!(call_id = %self.call_id, reason, summary = %redact(&summary), "the caller asked for a person");
                    match &mut self.line {
                        Some(line) => line.escalate(&self.call, &reason, priority, &summary),
                        None => self.escalation = Some(Escalation { reason, summary }),
                    }
                }
                Control::Event(UiEvent::CallerSaid { text, .. }) => {
                    tracing::info!(call_id = %self.call_id, text = %redact(&text), "caller said");
                    if let Some(line) = &self.line {
                        line.caller_said(&text);
                    }
                }
                Control::Event(UiEvent::BotSaid { text, .. }) => {
                    tracing::info!(call_id = %self.call_id, text = %redact(&text), "bot said");
                }
                Control::Event(UiEvent::State(state)) => {
                    tracing::debug!(call_id = %self.call_id, ?state, "call state");
                }
            }
        }
        self.hangup
            || self.call.is_ended()
            || self.line.as_ref().is_some_and(AgentLine::wants_hangup)
    }

    fn take_escalation(&mut self) -> Option<Escalation> {
        self.escalation.take()
    }

    fn agent(&mut self, joined: bool, now: Instant) {
        self.call.agent(joined, now);
    }

    fn transferred(&mut self) {
        self.call.transferred();
    }

    fn finish(self: Box<Self>) {
        let EngineCall {
            call,
            call_id,
            log_dir,
            ..
        } = *self;
        let log = call.finish(Instant::now());
        tracing::info!(
            %call_id,
            end = log.end,
            turns = log.turns.len(),
            replies = log.replies.len(),
            "call log"
        );
        let Some(dir) = log_dir else {
            return;
        };
        let name: String = call_id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "._-".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = dir.join(format!("{name}.json"));
        let written = std::fs::create_dir_all(&dir)
            .map_err(|e| e.to_string())
            .and_then(|()| {
                serde_json::to_vec_pretty(&redact_call_log(&log)).map_err(|e| e.to_string())
            })
            .and_then(|json| std::fs::write(&path, json).map_err(|e| e.to_string()));
        if let Err(e) = written {
            tracing::warn!(%call_id, path = %path.display(), error = e, "cannot write the call log ([sip] call_log_dir)");
        }
    }
}
