//! One answered call: a task that ticks the conversation every 20 ms, moves RTP both ways, and follows the
//! SIP dialog (BYE, re-INVITE, UPDATE, INFO, OPTIONS) until the call ends.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rsipstack::dialog::dialog::{
    DialogState, DialogStateReceiver, TerminatedReason, TransactionHandle,
};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::platform::CancellationToken;
use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Header, Method, Request, StatusCode};
use tokio::sync::{OwnedSemaphorePermit, oneshot};

use super::agent_leg::AgentDesk;
use super::bridge::{AgentBridge, BridgeEvent};
use super::config::SipConfig;
use super::dtmf;
use super::media::MediaSession;
use super::pacing::Pacer;
use super::ports::RtpSockets;
use super::sdp::{self, LocalDescription, SdpError, SessionDescription};
use super::server::SipStats;
use super::transfer::{Transfer, TransferOutcome};
use super::{Conversation, Escalation};
use crate::call::Frame;

const FRAME: Duration = Duration::from_millis(20);
/// Late frames sent back to back after a stall (up to half a second, which the caller's jitter buffer absorbs
/// better than a gap); older ones are skipped.
const MAX_BURST: u32 = 25;
/// How long to wait for the answer to our BYE before giving up on it.
const BYE_WAIT: Duration = Duration::from_secs(4);
/// Pause between answering a transfer's final NOTIFY and sending BYE.
const NOTIFY_ANSWER_GRACE: Duration = Duration::from_millis(100);

/// Why a call ended (logged, and counted in [`SipStats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    CallerHungUp,
    BotHungUp,
    RtpTimeout,
    NoAck,
    Shutdown,
    /// The caller's answer in the ACK had nothing we could use.
    BadAnswer,
    /// The caller was transferred (REFER) and the target answered: our leg was no longer needed.
    Transferred,
}

/// Everything one call's task owns.
pub struct CallTask {
    pub call_id: String,
    pub dialog: InviteDialog,
    pub dialogs: Arc<DialogLayer>,
    pub states: DialogStateReceiver,
    pub media: MediaSession,
    pub sockets: RtpSockets,
    pub conversation: Box<dyn Conversation>,
    pub local_sdp: LocalDescription,
    pub config: Arc<SipConfig>,
    pub shutdown: CancellationToken,
    pub stats: Arc<SipStats>,
    /// Held for the call's lifetime: the call's place under `max_calls`.
    pub permit: OwnedSemaphorePermit,
    /// A blind transfer in progress (`[sip] transfer_to`).
    pub transfer: Option<Transfer>,
    /// The final status of the transfer's REFER, when it comes (`None` inside: no answer).
    pub refer_answer: Option<oneshot::Receiver<Option<u16>>>,
    /// Calls SIP agents (`[sip] agent`).
    pub desk: AgentDesk,
    /// The bridge to a SIP agent, while one rings or talks.
    pub bridge: Option<AgentBridge>,
}

impl CallTask {
    /// Runs the call to its end.
    pub async fn run(mut self) {
        let started = Instant::now();
        let reason = self.drive().await;
        let now = Instant::now();
        if reason != EndReason::BotHungUp {
            self.conversation.hangup(now);
        }
        let stats = self.media.stats();
        self.stats.ended(reason);
        tracing::info!(
            call_id = %self.call_id,
            ?reason,
            secs = format!("{:.1}", started.elapsed().as_secs_f32()),
            rtp_in = stats.rtp_in,
            rtp_out = stats.rtp_out,
            lost = stats.lost,
            late = stats.jitter.late,
            duplicates = stats.jitter.duplicates,
            digits = stats.digits,
            "call ended"
        );
        self.dialogs.remove_dialog(&self.dialog.id());
        self.conversation.finish();
        drop(self.permit);
    }

    async fn drive(&mut self) -> EndReason {
        let mut pacer = Pacer::new(Instant::now(), FRAME, MAX_BURST);
        let mut rtp_buf = vec![0u8; 2048];
        let mut rtcp_buf = vec![0u8; 1500];
        let rtp_timeout = Duration::from_secs(self.config.rtp_timeout_secs);
        let mut shutdown_deadline: Option<Instant> = None;
        // Set while a re-INVITE without SDP waits for the caller's answer in its ACK.
        let mut awaiting_ack_answer = false;
        loop {
            let deadline = tokio::time::Instant::from_std(pacer.next_deadline());
            tokio::select! {
                () = tokio::time::sleep_until(deadline) => {
                    let now = Instant::now();
                    let due = pacer.due(now);
                    if due.skipped > 0 {
                        tracing::debug!(call_id = %self.call_id, skipped = due.skipped, "call clock stalled: frames skipped");
                        self.media.skip(due.skipped);
                    }
                    for late in (0..due.send).rev() {
                        // Frames caught up after a stall keep their own times, 20 ms apart.
                        let at = now.checked_sub(FRAME * late).unwrap_or(now);
                        let heard = self.media.caller_frame();
                        let ours = self.conversation.tick(heard.as_ref(), at);
                        let ours = self.bridged(heard.as_ref(), ours, at);
                        if let Some((packet, dest)) = self.media.packet_for(&ours)
                            && let Err(e) = self.sockets.rtp.send_to(&packet, dest).await
                        {
                            tracing::debug!(call_id = %self.call_id, %dest, error = %e, "RTP send failed");
                        }
                    }
                    if self.conversation.wants_hangup() {
                        bye(&self.dialog, &self.call_id).await;
                        return EndReason::BotHungUp;
                    }
                    if let Some(escalation) = self.conversation.take_escalation() {
                        self.on_escalation(&escalation, now);
                    }
                    if let Some(outcome) = self.transfer.as_ref().and_then(|t| t.timed_out(now))
                        && let Some(end) = self.transfer_ended(outcome, now).await
                    {
                        return end;
                    }
                    if let Some(silent) = self.media.silent_for(now)
                        && silent >= rtp_timeout
                    {
                        tracing::warn!(call_id = %self.call_id, secs = silent.as_secs(), "no RTP from the caller: hanging up");
                        bye(&self.dialog, &self.call_id).await;
                        return EndReason::RtpTimeout;
                    }
                    if let Some((report, dest)) = self.media.rtcp_due(now) {
                        let _ = self.sockets.rtcp.send_to(&report, dest).await;
                    }
                    if shutdown_deadline.is_some_and(|d| now >= d) {
                        bye(&self.dialog, &self.call_id).await;
                        return EndReason::Shutdown;
                    }
                }
                received = self.sockets.rtp.recv_from(&mut rtp_buf) => {
                    if let Ok((len, from)) = received {
                        let now = Instant::now();
                        if let Some(digit) = self.media.on_rtp(&rtp_buf[..len], from, now) {
                            tracing::info!(call_id = %self.call_id, %digit, "DTMF (RFC 4733)");
                            self.conversation.dtmf(digit, now);
                        }
                    }
                }
                received = self.sockets.rtcp.recv_from(&mut rtcp_buf) => {
                    if let Ok((len, from)) = received {
                        self.media.on_rtcp(&rtcp_buf[..len], from, Instant::now());
                    }
                }
                answer = async {
                    match self.refer_answer.as_mut() {
                        Some(rx) => rx.await.ok().flatten(),
                        None => std::future::pending().await,
                    }
                }, if self.refer_answer.is_some() => {
                    self.refer_answer = None;
                    let outcome = self.transfer.as_mut().and_then(|t| t.on_refer_answer(answer));
                    if let Some(outcome) = outcome
                        && let Some(end) = self.transfer_ended(outcome, Instant::now()).await
                    {
                        return end;
                    }
                }
                state = self.states.recv() => {
                    let Some(state) = state else {
                        return EndReason::CallerHungUp;
                    };
                    match state {
                        DialogState::Terminated(_, reason) => {
                            tracing::debug!(call_id = %self.call_id, ?reason, "dialog terminated");
                            if let Some(transfer) = &self.transfer {
                                tracing::info!(call_id = %self.call_id, target = transfer.target(), "the caller hung up during the transfer");
                            }
                            return match reason {
                                TerminatedReason::Timeout => EndReason::NoAck,
                                TerminatedReason::UasBye => EndReason::BotHungUp,
                                _ => EndReason::CallerHungUp,
                            };
                        }
                        DialogState::Info(_, request, handle) => self.on_info(&request, handle).await,
                        DialogState::Updated(_, request, handle) => {
                            awaiting_ack_answer = self.on_offer(&request, handle).await;
                        }
                        DialogState::Options(_, _, handle) => {
                            let _ = handle.reply(StatusCode::OK).await;
                        }
                        DialogState::Notify(_, request, handle) => {
                            if let Some(end) = self.on_notify(&request, handle).await {
                                return end;
                            }
                        }
                        DialogState::Confirmed(..) if awaiting_ack_answer => {
                            awaiting_ack_answer = false;
                            if !self.on_ack_answer() {
                                bye(&self.dialog, &self.call_id).await;
                                return EndReason::BadAnswer;
                            }
                        }
                        _ => {}
                    }
                }
                () = self.shutdown.cancelled(), if shutdown_deadline.is_none() => {
                    let grace = Duration::from_secs(self.config.shutdown_grace_secs);
                    tracing::info!(call_id = %self.call_id, grace_secs = grace.as_secs(), "shutting down: the call may finish first");
                    shutdown_deadline = Some(Instant::now() + grace);
                }
            }
        }
    }

    /// Hands the caller to a person: the SIP agent of `[sip] agent`, else a transfer to `[sip] transfer_to`.
    fn on_escalation(&mut self, escalation: &Escalation, now: Instant) {
        if self.transfer.is_some() || self.bridge.is_some() {
            return;
        }
        let agent = self.config.agent.clone();
        if !agent.is_empty() {
            // The agent's phone shows who calls and why.
            let caller = super::server::caller_id(&self.dialog.initial_request())
                .map(|c| c.number.unwrap_or(c.uri))
                .unwrap_or_else(|| "unknown caller".into());
            let summary = escalation.summary.trim();
            let subject = if summary.is_empty() {
                caller
            } else {
                format!("{caller}: {summary}")
            };
            tracing::info!(call_id = %self.call_id, %agent, subject, "ringing a SIP agent");
            let ring = Duration::from_secs(self.config.agent_ring_secs);
            self.bridge = Some(AgentBridge::ring(&self.desk, &agent, &subject, ring));
            return;
        }
        let target = self.config.transfer_to.clone();
        if target.is_empty() {
            tracing::info!(call_id = %self.call_id, reason = escalation.reason, "no [sip] agent or transfer_to: the bot keeps the caller");
            return;
        }
        tracing::info!(call_id = %self.call_id, %target, reason = escalation.reason, "transferring the caller (REFER)");
        let timeout = Duration::from_secs(self.config.transfer_timeout_secs);
        self.transfer = Some(Transfer::new(&target, now, timeout));
        let (answer, answer_rx) = oneshot::channel();
        self.refer_answer = Some(answer_rx);
        let dialog = self.dialog.clone();
        let call_id = self.call_id.clone();
        let referred_by = Header::Other("Referred-By".into(), format!("<{}>", self.local_uri()));
        tokio::spawn(async move {
            let refer_to = rsipstack::sip::ReferTo::new(format!("<{target}>"));
            let status = match dialog.refer(refer_to, Some(vec![referred_by]), None).await {
                Ok(response) => response.map(|r| u16::from(r.status_code)),
                Err(e) => {
                    tracing::info!(%call_id, error = %e, "REFER failed");
                    None
                }
            };
            let _ = answer.send(status);
        });
    }

    /// The frame the caller hears while a SIP agent is rung or bridged; follows the agent's comings and goings.
    fn bridged(&mut self, heard: Option<&Frame>, bot: Frame, now: Instant) -> Frame {
        let Some(bridge) = self.bridge.as_mut() else {
            return bot;
        };
        let (frame, event) = bridge.step(heard, bot);
        let agent = bridge.agent().to_string();
        match event {
            None => {}
            Some(BridgeEvent::Answered) => {
                tracing::info!(call_id = %self.call_id, agent, outcome = "agent_answered", "bridged to the SIP agent");
                self.conversation.agent(true, now);
            }
            Some(BridgeEvent::Failed(why)) => {
                tracing::info!(call_id = %self.call_id, agent, outcome = "agent_unreachable", why, "SIP agent not reached: back to the bot");
                self.bridge = None;
                self.conversation.agent(false, now);
            }
            Some(BridgeEvent::Left) => {
                tracing::info!(call_id = %self.call_id, agent, "the SIP agent hung up: back to the bot");
                self.bridge = None;
                self.conversation.agent(false, now);
            }
        }
        frame
    }

    /// Our own URI in this dialog (the caller's To).
    fn local_uri(&self) -> String {
        self.dialog
            .initial_request()
            .to_header()
            .ok()
            .and_then(|to| to.uri().ok())
            .map(|uri| uri.to_string())
            .unwrap_or_else(|| "sip:kefu@localhost".into())
    }

    /// A NOTIFY in the caller's dialog: the progress of our REFER (RFC 3515 §2.4.5).
    async fn on_notify(
        &mut self,
        request: &Request,
        handle: TransactionHandle,
    ) -> Option<EndReason> {
        let event = request.header_value("Event").unwrap_or_default();
        let is_refer = event
            .split(';')
            .next()
            .is_some_and(|e| e.trim().eq_ignore_ascii_case("refer"));
        let Some(transfer) = self.transfer.as_mut().filter(|_| is_refer) else {
            let _ = handle.reply(StatusCode::CallTransactionDoesNotExist).await;
            return None;
        };
        let state = request
            .header_value("Subscription-State")
            .unwrap_or_default();
        let body = String::from_utf8_lossy(&request.body);
        tracing::info!(call_id = %self.call_id, progress = body.lines().next().unwrap_or(""), subscription = state, "transfer progress");
        let outcome = transfer.on_notify(&state, &body);
        let _ = handle.reply(StatusCode::OK).await;
        self.transfer_ended(outcome?, Instant::now()).await
    }

    /// Acts on a transfer's end: our leg ends after a success, the bot takes the caller back after a failure.
    async fn transfer_ended(
        &mut self,
        outcome: TransferOutcome,
        now: Instant,
    ) -> Option<EndReason> {
        let transfer = self.transfer.take()?;
        self.refer_answer = None;
        match outcome {
            TransferOutcome::Transferred => {
                tracing::info!(call_id = %self.call_id, target = transfer.target(), outcome = "transferred", "transfer done: ending our leg");
                // The 200 to the final NOTIFY leaves through the transaction's own task: let it go first, so
                // the phone does not see our BYE before the answer to its report.
                tokio::time::sleep(NOTIFY_ANSWER_GRACE).await;
                bye(&self.dialog, &self.call_id).await;
                self.conversation.transferred();
                Some(EndReason::Transferred)
            }
            TransferOutcome::Failed(why) => {
                self.stats
                    .transfers_failed
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tracing::info!(call_id = %self.call_id, target = transfer.target(), outcome = "transfer_failed", why, "transfer failed: back to the bot");
                self.conversation.agent(false, now);
                None
            }
        }
    }

    /// SIP INFO: keypad digits (`application/dtmf-relay`, `application/dtmf`); other bodies get 415.
    async fn on_info(&mut self, request: &Request, handle: TransactionHandle) {
        let content_type = request.header_value("Content-Type").unwrap_or_default();
        let body = String::from_utf8_lossy(&request.body);
        match dtmf::info_digit(&content_type, &body) {
            Some(digit) => {
                tracing::info!(call_id = %self.call_id, %digit, "DTMF (SIP INFO)");
                self.conversation.dtmf(digit, Instant::now());
                let _ = handle.reply(StatusCode::OK).await;
            }
            None if request.body.is_empty() => {
                // An empty INFO is a keep-alive probe.
                let _ = handle.reply(StatusCode::OK).await;
            }
            None => {
                let _ = handle.reply(StatusCode::UnsupportedMediaType).await;
            }
        }
    }

    /// re-INVITE or UPDATE: hold, resume, codec or address change. Returns true when the request had no
    /// SDP and our offer went into the 200 (the answer then comes in the ACK).
    async fn on_offer(&mut self, request: &Request, handle: TransactionHandle) -> bool {
        let sdp_header = || vec![Header::ContentType("application/sdp".into())];
        let port = self.sockets.port();
        if request.body.is_empty() {
            if request.method == Method::Update {
                // UPDATE without SDP only refreshes the session.
                let _ = handle.reply(StatusCode::OK).await;
                return false;
            }
            let offer =
                self.local_sdp
                    .offer(&self.config.codecs, self.config.dtmf_payload_type, port);
            let _ = handle
                .respond(StatusCode::OK, Some(sdp_header()), Some(offer.into_bytes()))
                .await;
            return true;
        }
        let text = String::from_utf8_lossy(&request.body);
        let result = SessionDescription::parse(&text).and_then(|offer| {
            sdp::negotiate_offer(&offer, &self.config.codecs).map(|n| (offer, n))
        });
        match result {
            Ok((offer, negotiated)) => {
                let answer = self.local_sdp.answer(&offer, &negotiated, port);
                tracing::info!(
                    call_id = %self.call_id,
                    method = %request.method,
                    codec = %negotiated.codec,
                    direction = ?negotiated.direction,
                    "session modified"
                );
                self.media.update(negotiated, Instant::now());
                let _ = handle
                    .respond(
                        StatusCode::OK,
                        Some(sdp_header()),
                        Some(answer.into_bytes()),
                    )
                    .await;
            }
            Err(e) => {
                // The session stays as it was (RFC 3261 §14.2).
                tracing::info!(call_id = %self.call_id, error = %e, "refused a session change");
                let status = match e {
                    SdpError::Malformed(_) => StatusCode::BadRequest,
                    SdpError::NotAcceptable(_) => StatusCode::NotAcceptableHere,
                };
                let _ = handle.reply(status).await;
            }
        }
        false
    }

    /// Reads the caller's answer from the ACK that confirmed our offer.
    fn on_ack_answer(&mut self) -> bool {
        let Some(ack) = self.dialog.last_remote_ack() else {
            return false;
        };
        let text = String::from_utf8_lossy(&ack.body);
        match SessionDescription::parse(&text).and_then(|a| sdp::negotiate_answer(&a)) {
            Ok(negotiated) => {
                self.media.update(negotiated, Instant::now());
                true
            }
            Err(e) => {
                tracing::warn!(call_id = %self.call_id, error = %e, "unusable answer in ACK: ending the call");
                false
            }
        }
    }
}

/// Ends a dialog with BYE, waiting a little for the answer.
pub(super) async fn bye(dialog: &InviteDialog, call_id: &str) {
    match tokio::time::timeout(BYE_WAIT, dialog.bye()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::debug!(call_id, error = %e, "BYE failed"),
        Err(_) => tracing::debug!(call_id, "no answer to our BYE"),
    }
}
