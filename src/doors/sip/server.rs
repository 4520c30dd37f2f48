//! The SIP listener: owns the rsipstack endpoint (UDP and TCP transports, transactions, dialogs), answers
//! out-of-dialog requests, admits calls up to `max_calls`, negotiates their media and starts a
//! [`CallTask`] for each. Stops gracefully: new calls are refused, running calls get a grace period, then BYE.

use std::net::{IpAddr, SocketAddr, TcpListener as StdTcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rsipstack::EndpointBuilder;
use rsipstack::dialog::dialog::{Dialog, DialogState, DialogStateReceiver};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::platform::CancellationToken;
use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Header, Method, Param, Scheme, StatusCode, Transport, Uri};
use rsipstack::transaction::transaction::Transaction;
use rsipstack::transport::TransportLayer;
use rsipstack::transport::tcp_listener::TcpListenerConnection;
use rsipstack::transport::udp::UdpConnection;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use super::agent_leg::{AgentDesk, local_address};
use super::call::{CallTask, EndReason};
use super::config::SipConfig;
use super::media::MediaSession;
use super::ports::PortRange;
use super::registrar::{RegisterReply, RegisterRequest, Registrar};
use super::sdp::{self, LocalDescription, Negotiated, SdpError, SessionDescription};
use super::validate::RequestValidator;
use super::{CallHandler, CallerId, IncomingCall, SipError};

/// Methods we answer (sent in `Allow`).
const ALLOWED: [Method; 9] = [
    Method::Invite,
    Method::Ack,
    Method::Bye,
    Method::Cancel,
    Method::Options,
    Method::Info,
    Method::Update,
    Method::Notify,
    Method::Register,
];

/// Counters of what the door did, for logs and load reports.
#[derive(Debug, Default)]
pub struct SipStats {
    pub invites: AtomicU64,
    pub answered: AtomicU64,
    pub busy: AtomicU64,
    pub refused: AtomicU64,
    pub cancelled: AtomicU64,
    pub ended_by_caller: AtomicU64,
    pub ended_by_bot: AtomicU64,
    pub rtp_timeouts: AtomicU64,
    pub ended_other: AtomicU64,
    /// Calls handed to `[sip] transfer_to` whose transfer succeeded.
    pub transferred: AtomicU64,
    /// Transfers that failed (the caller went back to the bot).
    pub transfers_failed: AtomicU64,
}

impl SipStats {
    pub(super) fn ended(&self, reason: EndReason) {
        let counter = match reason {
            EndReason::CallerHungUp => &self.ended_by_caller,
            EndReason::BotHungUp => &self.ended_by_bot,
            EndReason::RtpTimeout => &self.rtp_timeouts,
            EndReason::Transferred => &self.transferred,
            EndReason::NoAck | EndReason::Shutdown | EndReason::BadAnswer => &self.ended_other,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn count(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    /// One line for the log.
    pub fn summary(&self) -> String {
        format!(
            "{} INVITEs, {} answered, {} busy (503), {} refused (400, 415, 420, 488), {} cancelled; ended by caller {}, by bot {}, RTP timeout {}, transferred {} ({} transfers failed), other {}",
            Self::count(&self.invites),
            Self::count(&self.answered),
            Self::count(&self.busy),
            Self::count(&self.refused),
            Self::count(&self.cancelled),
            Self::count(&self.ended_by_caller),
            Self::count(&self.ended_by_bot),
            Self::count(&self.rtp_timeouts),
            Self::count(&self.transferred),
            Self::count(&self.transfers_failed),
            Self::count(&self.ended_other),
        )
    }
}

/// State shared by the listener and every call.
struct Door {
    config: Arc<SipConfig>,
    dialogs: Arc<DialogLayer>,
    ports: Arc<PortRange>,
    registrar: Arc<Registrar>,
    calls: Arc<Semaphore>,
    handler: Arc<dyn CallHandler>,
    stats: Arc<SipStats>,
    shutdown: CancellationToken,
    /// The SIP port actually bound (for Contact).
    port: u16,
}

/// A running SIP door.
pub struct SipServer {
    door: Arc<Door>,
    stack: CancellationToken,
    udp: Option<SocketAddr>,
    tcp: Option<SocketAddr>,
    listener: JoinHandle<()>,
}

impl SipServer {
    /// Binds the configured transports and starts answering. Call handling needs a tokio runtime.
    pub async fn start(config: SipConfig, handler: Arc<dyn CallHandler>) -> Result<Self, SipError> {
        config.validate()?;
        let stack = CancellationToken::new();
        let transport = TransportLayer::new(stack.child_token());
        let mut port = config.port;
        let mut udp = None;
        if config.udp {
            let addr = SocketAddr::new(config.bind, port);
            let conn = UdpConnection::create_connection(addr, None, Some(stack.child_token()))
                .await
                .map_err(|e| listen_error("UDP", addr, e))?;
            let bound = conn
                .get_addr()
                .get_socketaddr()
                .map_err(|e| listen_error("UDP", addr, e))?;
            // With port 0 the system picked one: TCP takes the same number.
            port = bound.port();
            udp = Some(SocketAddr::new(config.bind, port));
            transport.add_transport(conn.into());
        }
        let mut tcp = None;
        if config.tcp {
            let addr = SocketAddr::new(config.bind, port);
            // rsipstack binds TCP listeners lazily and drops bind errors: probe first for a clear message.
            let probe = StdTcpListener::bind(addr).map_err(|e| listen_error("TCP", addr, e))?;
            let addr = probe
                .local_addr()
                .map_err(|e| listen_error("TCP", addr, e))?;
            drop(probe);
            port = addr.port();
            let conn = TcpListenerConnection::new(addr, None)
                .await
                .map_err(|e| listen_error("TCP", addr, e))?;
            transport.add_transport(conn.into());
            tcp = Some(addr);
        }
        let endpoint = EndpointBuilder::new()
            .with_user_agent(&config.user_agent)
            .with_transport_layer(transport)
            .with_cancel_token(stack.child_token())
            .with_allows(ALLOWED.to_vec())
            .with_transport_inspector(Box::new(RequestValidator {
                user_agent: config.user_agent.clone(),
            }))
            .build();
        let mut incoming = endpoint
            .incoming_transactions()
            .map_err(|e| SipError::Listen {
                transport: "SIP",
                addr: SocketAddr::new(config.bind, port),
                reason: e.to_string(),
            })?;
        let inner = endpoint.inner.clone();
        tokio::spawn(async move {
            if let Err(e) = inner.serve().await {
                tracing::error!(error = %e, "SIP endpoint stopped");
            }
        });
        let door = Arc::new(Door {
            ports: Arc::new(PortRange::new(
                config.bind,
                config.rtp_port_min,
                config.rtp_port_max,
            )),
            registrar: Arc::new(Registrar::new(&config.agents)),
            calls: Arc::new(Semaphore::new(config.max_calls)),
            dialogs: Arc::new(DialogLayer::new(endpoint.inner.clone())),
            config: Arc::new(config),
            handler,
            stats: Arc::new(SipStats::default()),
            shutdown: CancellationToken::new(),
            port,
        });
        let listener_door = door.clone();
        let listener = tokio::spawn(async move {
            while let Some(tx) = incoming.recv().await {
                listener_door.clone().dispatch(tx);
            }
        });
        tracing::info!(udp = ?udp, tcp = ?tcp, "SIP door listening");
        Ok(Self {
            door,
            stack,
            udp,
            tcp,
            listener,
        })
    }

    /// The UDP address SIP listens on, if enabled.
    pub fn udp_addr(&self) -> Option<SocketAddr> {
        self.udp
    }

    /// The TCP address SIP listens on, if enabled.
    pub fn tcp_addr(&self) -> Option<SocketAddr> {
        self.tcp
    }

    pub fn stats(&self) -> Arc<SipStats> {
        self.door.stats.clone()
    }

    /// Calls agents' desk phones ([`AgentDesk::ring_agent`]) through this door.
    pub fn agent_desk(&self) -> AgentDesk {
        self.door.desk()
    }

    /// Calls in progress (ringing or answered).
    pub fn active_calls(&self) -> usize {
        self.door.config.max_calls - self.door.calls.available_permits()
    }

    /// Refuses new calls, lets running calls finish within the grace period, ends the rest with BYE, and
    /// stops the stack.
    pub async fn shutdown(self) {
        let active = self.active_calls();
        tracing::info!(active, "SIP door shutting down");
        self.door.shutdown.cancel();
        // Every call returns its permit when its task ends; the grace period plus the BYE wait bounds this.
        let limit = Duration::from_secs(self.door.config.shutdown_grace_secs + 10);
        let all = u32::try_from(self.door.config.max_calls).unwrap_or(u32::MAX);
        if tokio::time::timeout(limit, self.door.calls.acquire_many(all))
            .await
            .is_err()
        {
            tracing::warn!("calls still running after the shutdown grace period");
        }
        self.stack.cancel();
        self.listener.abort();
        tracing::info!("SIP door stopped: {}", self.door.stats.summary());
    }
}

fn listen_error(transport: &'static str, addr: SocketAddr, e: impl std::fmt::Display) -> SipError {
    SipError::Listen {
        transport,
        addr,
        reason: e.to_string(),
    }
}

impl Door {
    fn desk(&self) -> AgentDesk {
        AgentDesk {
            dialogs: self.dialogs.clone(),
            ports: self.ports.clone(),
            config: self.config.clone(),
            registrar: self.registrar.clone(),
            sip_port: self.port,
        }
    }

    /// REGISTER from an agent's desk phone: digest challenge, then the binding.
    async fn register(self: Arc<Self>, mut tx: Transaction) {
        let request = read_register(&tx.original);
        let (status, headers) = match self.registrar.register(&request, Instant::now()) {
            RegisterReply::Challenge(value) => (
                StatusCode::Unauthorized,
                vec![Header::WwwAuthenticate(value.into())],
            ),
            RegisterReply::Registered(contacts) => (
                StatusCode::OK,
                contacts
                    .into_iter()
                    .map(|c| Header::Contact(c.into()))
                    .collect(),
            ),
            RegisterReply::Forbidden(why) => {
                tracing::info!(user = request.user, why, "REGISTER refused");
                (StatusCode::Forbidden, Vec::new())
            }
            RegisterReply::BadRequest(why) => {
                tracing::info!(user = request.user, why, "unreadable REGISTER");
                (StatusCode::BadRequest, Vec::new())
            }
        };
        let _ = tx.reply_with(status, headers, None).await;
    }

    /// Routes one new server transaction.
    fn dispatch(self: Arc<Self>, mut tx: Transaction) {
        let in_dialog = tx
            .original
            .to_header()
            .ok()
            .and_then(|to| to.tag().ok().flatten())
            .is_some();
        if in_dialog {
            match self.dialogs.match_dialog(&tx) {
                Some(mut dialog) => {
                    tokio::spawn(async move {
                        if let Err(e) = dialog.handle(&mut tx).await {
                            tracing::debug!(error = %e, "in-dialog request failed");
                        }
                    });
                }
                None if tx.original.method == Method::Ack => {}
                None => {
                    tokio::spawn(async move {
                        let _ = tx.reply(StatusCode::CallTransactionDoesNotExist).await;
                    });
                }
            }
            return;
        }
        match tx.original.method {
            Method::Invite => {
                tokio::spawn(self.answer(tx));
            }
            Method::Register => {
                tokio::spawn(self.register(tx));
            }
            Method::Options => {
                let status = if self.shutdown.is_cancelled() {
                    StatusCode::ServiceUnavailable
                } else {
                    StatusCode::OK
                };
                let headers = self.capabilities();
                tokio::spawn(async move {
                    let _ = tx.reply_with(status, headers, None).await;
                });
            }
            Method::Ack => {}
            Method::Bye | Method::Info | Method::Update | Method::Cancel | Method::PRack => {
                tokio::spawn(async move {
                    let _ = tx.reply(StatusCode::CallTransactionDoesNotExist).await;
                });
            }
            _ => {
                let headers = self.capabilities();
                tokio::spawn(async move {
                    let _ = tx
                        .reply_with(StatusCode::MethodNotAllowed, headers, None)
                        .await;
                });
            }
        }
    }

    fn capabilities(&self) -> Vec<Header> {
        let allow: Vec<String> = ALLOWED.iter().map(ToString::to_string).collect();
        vec![
            Header::Allow(allow.join(", ").into()),
            Header::Accept("application/sdp, application/dtmf-relay, application/dtmf".into()),
        ]
    }

    /// Takes an INVITE to the end: refuse it, or answer it and run the call.
    async fn answer(self: Arc<Self>, mut tx: Transaction) {
        self.stats.invites.fetch_add(1, Ordering::Relaxed);
        let call_id = tx
            .original
            .call_id_header()
            .map(|c| c.value().to_string())
            .unwrap_or_default();
        let permit = if self.shutdown.is_cancelled() {
            None
        } else {
            self.calls.clone().try_acquire_owned().ok()
        };
        let Some(permit) = permit else {
            self.stats.busy.fetch_add(1, Ordering::Relaxed);
            tracing::info!(%call_id, max_calls = self.config.max_calls, "busy: 503");
            let retry = Header::RetryAfter(self.config.retry_after_secs.to_string().into());
            refuse(tx, StatusCode::ServiceUnavailable, vec![retry]).await;
            return;
        };
        let offer = match read_offer(&tx.original, &self.config) {
            Ok(offer) => offer,
            Err(refusal) => {
                self.stats.refused.fetch_add(1, Ordering::Relaxed);
                tracing::info!(%call_id, status = %refusal.status, why = %refusal.why, "INVITE refused");
                // The refusal's transaction lingers for its ACK: the place is free at once.
                drop(permit);
                refuse(tx, refusal.status, refusal.headers).await;
                return;
            }
        };
        let sockets = match self.ports.bind().await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(%call_id, error = %e, "no RTP port for the call: 503");
                drop(permit);
                refuse(tx, StatusCode::ServiceUnavailable, Vec::new()).await;
                return;
            }
        };
        let remote = tx
            .connection
            .as_ref()
            .and_then(|c| c.get_remote_addr())
            .and_then(|a| a.get_socketaddr().ok());
        let transport = tx.connection.as_ref().map(|c| c.transport());
        let local_ip = local_address(&self.config, remote);
        let caller = caller_id(&tx.original);
        let (state_sender, mut states) = self.dialogs.new_dialog_state_channel();
        let contact = self.contact(local_ip, transport);
        let dialog =
            match self
                .dialogs
                .get_or_create_server_invite(&tx, state_sender, None, Some(contact))
            {
                Ok(d) => d,
                Err(e) => {
                    tracing::warn!(%call_id, error = %e, "cannot create the dialog: 500");
                    drop(permit);
                    refuse(tx, StatusCode::ServerInternalError, Vec::new()).await;
                    return;
                }
            };
        // The dialog drives the INVITE transaction from here: 100 Trying, 200 retransmissions until the
        // ACK, CANCEL → 487.
        let mut driver = Dialog::Invite(dialog.clone());
        tokio::spawn(async move {
            if let Err(e) = driver.handle(&mut tx).await {
                tracing::debug!(error = %e, "INVITE transaction ended with an error");
            }
        });

        if self.config.ring_ms > 0 {
            let _ = dialog.ringing(None, None);
            let ring = Duration::from_millis(self.config.ring_ms);
            if !ring_out(&mut states, ring).await {
                self.stats.cancelled.fetch_add(1, Ordering::Relaxed);
                tracing::info!(%call_id, "caller gave up before the answer");
                self.dialogs.remove_dialog(&dialog.id());
                return;
            }
        }

        let incoming = IncomingCall {
            call_id: call_id.clone(),
            caller: caller.clone(),
        };
        let conversation = self.handler.start(&incoming, Instant::now());

        let mut local_sdp = LocalDescription::new(rand::random::<u32>().into(), local_ip);
        let port = sockets.port();
        let (body, negotiated) = match &offer {
            Some((offer, negotiated)) => (
                local_sdp.answer(offer, negotiated, port),
                Some(negotiated.clone()),
            ),
            None => (
                local_sdp.offer(&self.config.codecs, self.config.dtmf_payload_type, port),
                None,
            ),
        };
        let headers = vec![Header::ContentType("application/sdp".into())];
        if let Err(e) = dialog.accept(Some(headers), Some(body.into_bytes())) {
            tracing::warn!(%call_id, error = %e, "could not send 200 OK");
            conversation.finish();
            self.dialogs.remove_dialog(&dialog.id());
            return;
        }
        self.stats.answered.fetch_add(1, Ordering::Relaxed);
        tracing::info!(
            %call_id,
            caller = caller.as_ref().map(|c| c.uri.as_str()).unwrap_or("?"),
            number = caller.as_ref().and_then(|c| c.number.as_deref()).unwrap_or("-"),
            ?transport,
            rtp_port = port,
            codec = negotiated.as_ref().map(|n| n.codec.name()).unwrap_or("(offer sent)"),
            "call answered"
        );
        let negotiated = match negotiated {
            Some(n) => n,
            // No SDP in the INVITE: our offer went in the 200, the answer comes in the ACK.
            None => match answer_in_ack(&dialog, &mut states).await {
                Some(n) => n,
                None => {
                    super::call::bye(&dialog, &call_id).await;
                    conversation.finish();
                    self.stats.ended(EndReason::BadAnswer);
                    self.dialogs.remove_dialog(&dialog.id());
                    return;
                }
            },
        };
        let cname = format!("kefu@{local_ip}");
        let media =
            match MediaSession::new(negotiated, self.config.jitter_ms, cname, Instant::now()) {
                Ok(m) => m,
                Err(e) => {
                    tracing::error!(%call_id, error = %e, "cannot set up the call's audio");
                    super::call::bye(&dialog, &call_id).await;
                    conversation.finish();
                    self.dialogs.remove_dialog(&dialog.id());
                    return;
                }
            };
        CallTask {
            call_id,
            dialog,
            dialogs: self.dialogs.clone(),
            states,
            media,
            sockets,
            conversation,
            local_sdp,
            config: self.config.clone(),
            shutdown: self.shutdown.clone(),
            stats: self.stats.clone(),
            permit,
            transfer: None,
            refer_answer: None,
            desk: self.desk(),
            bridge: None,
        }
        .run()
        .await;
    }

    fn contact(&self, ip: IpAddr, transport: Option<Transport>) -> Uri {
        let mut params = Vec::new();
        if let Some(t @ Transport::Tcp) = transport {
            params.push(Param::Transport(t));
        }
        Uri {
            scheme: Some(Scheme::Sip),
            auth: Some(rsipstack::sip::Auth {
                user: "kefu".into(),
                password: None,
            }),
            host_with_port: SocketAddr::new(ip, self.port).into(),
            params,
            headers: Vec::new(),
        }
    }
}

/// Why an INVITE is refused before any dialog exists.
struct Refusal {
    status: StatusCode,
    headers: Vec<Header>,
    why: String,
}

/// The INVITE's offer and what we make of it; `None` for an INVITE without SDP.
fn read_offer(
    request: &rsipstack::sip::Request,
    config: &SipConfig,
) -> Result<Option<(SessionDescription, Negotiated)>, Refusal> {
    // We implement no SIP extension a caller could insist on (100rel, timer…): RFC 3261 §8.2.2.3.
    let required: Vec<String> = request
        .headers
        .iter()
        .filter(|h| h.name().eq_ignore_ascii_case("Require"))
        .flat_map(|h| h.value().split(','))
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    if !required.is_empty() {
        return Err(Refusal {
            status: StatusCode::BadExtension,
            headers: vec![Header::Unsupported(required.join(", ").into())],
            why: format!("requires {}", required.join(", ")),
        });
    }
    if request.body.is_empty() {
        return Ok(None);
    }
    let content_type = request.header_value("Content-Type").unwrap_or_default();
    let mime = content_type.split(';').next().unwrap_or("").trim();
    if !mime.eq_ignore_ascii_case("application/sdp") {
        return Err(Refusal {
            status: StatusCode::UnsupportedMediaType,
            headers: vec![Header::Accept("application/sdp".into())],
            why: format!("body of type {content_type:?}"),
        });
    }
    let text = String::from_utf8_lossy(&request.body);
    let parsed = SessionDescription::parse(&text)
        .and_then(|offer| sdp::negotiate_offer(&offer, &config.codecs).map(|n| (offer, n)));
    match parsed {
        Ok(pair) => Ok(Some(pair)),
        Err(SdpError::Malformed(why)) => Err(Refusal {
            status: StatusCode::BadRequest,
            headers: Vec::new(),
            why,
        }),
        Err(SdpError::NotAcceptable(why)) => Err(Refusal {
            status: StatusCode::NotAcceptableHere,
            headers: vec![Header::Warning(format!("304 kefu \"{why}\"").into())],
            why,
        }),
    }
}

/// Sends a final error response and keeps the transaction alive until it ends (retransmissions, ACK).
async fn refuse(mut tx: Transaction, status: StatusCode, headers: Vec<Header>) {
    if let Err(e) = tx.reply_with(status, headers, None).await {
        tracing::debug!(error = %e, "could not send the refusal");
        return;
    }
    while tx.receive().await.is_some() {}
}

/// Rings for `ring`; false if the caller cancelled meanwhile.
async fn ring_out(states: &mut DialogStateReceiver, ring: Duration) -> bool {
    let wait = async {
        while let Some(state) = states.recv().await {
            if matches!(state, DialogState::Terminated(..)) {
                return false;
            }
        }
        false
    };
    tokio::time::timeout(ring, wait).await.unwrap_or(true)
}

/// Waits for the ACK confirming our offer and negotiates the answer it carries.
async fn answer_in_ack(
    dialog: &InviteDialog,
    states: &mut DialogStateReceiver,
) -> Option<Negotiated> {
    while let Some(state) = states.recv().await {
        match state {
            DialogState::Confirmed(..) => {
                let ack = dialog.last_remote_ack()?;
                let text = String::from_utf8_lossy(&ack.body);
                return match SessionDescription::parse(&text)
                    .and_then(|a| sdp::negotiate_answer(&a))
                {
                    Ok(n) => Some(n),
                    Err(e) => {
                        tracing::warn!(error = %e, "no usable answer in the ACK");
                        None
                    }
                };
            }
            DialogState::Terminated(..) => return None,
            _ => {}
        }
    }
    None
}

/// What the registrar needs from a REGISTER.
fn read_register(request: &rsipstack::sip::Request) -> RegisterRequest {
    let user = request
        .to_header()
        .ok()
        .and_then(|to| to.uri().ok())
        .and_then(|uri| uri.auth.map(|a| a.user))
        .unwrap_or_default();
    let header = |name: &'static str| {
        request
            .headers
            .iter()
            .filter(move |h| h.name().eq_ignore_ascii_case(name))
            .map(|h| h.value().to_string())
    };
    let mut expires = header("Expires").next().and_then(|v| v.trim().parse().ok());
    let mut contacts = Vec::new();
    for value in header("Contact") {
        for (uri, contact_expires) in contact_values(&value) {
            expires = contact_expires.or(expires);
            contacts.push(uri);
        }
    }
    RegisterRequest {
        user,
        authorization: header("Authorization").next(),
        contacts,
        expires,
    }
}

/// The URIs and `expires` parameters of a Contact header value (`<uri>;expires=60, <uri2>` or `*`).
fn contact_values(value: &str) -> Vec<(String, Option<u32>)> {
    let mut out = Vec::new();
    let mut rest = value.trim();
    while !rest.is_empty() {
        let (uri, params) = if let Some(inner) = rest.strip_prefix('<') {
            let Some(close) = inner.find('>') else { break };
            let after = &inner[close + 1..];
            let end = after.find(',').unwrap_or(after.len());
            let next = after.get(end + 1..).unwrap_or("");
            let params = &after[..end];
            let uri = inner[..close].to_string();
            rest = next.trim();
            (uri, params)
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            let item = &rest[..end];
            let (uri, params) = item.split_once(';').unwrap_or((item, ""));
            let uri = uri.trim().to_string();
            rest = rest.get(end + 1..).unwrap_or("").trim();
            (uri, params)
        };
        let expires = params
            .split(';')
            .filter_map(|p| p.trim().split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("expires"))
            .and_then(|(_, v)| v.trim().parse().ok());
        out.push((uri, expires));
    }
    out
}

/// Who is calling: P-Asserted-Identity, else From.
pub(super) fn caller_id(request: &rsipstack::sip::Request) -> Option<CallerId> {
    let asserted: Vec<&str> = request
        .headers
        .iter()
        .filter(|h| h.name().eq_ignore_ascii_case("P-Asserted-Identity"))
        .map(Header::value)
        .collect();
    let from = request.from_header().map(|f| f.value()).unwrap_or_default();
    CallerId::from_headers(&asserted, from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_contacts_and_their_expiry() {
        assert_eq!(
            contact_values(
                "<sip:alice@127.0.0.1:5080;transport=udp>;expires=60;+sip.instance=\"<urn:x>\""
            ),
            vec![(
                "sip:alice@127.0.0.1:5080;transport=udp".to_string(),
                Some(60)
            )]
        );
        assert_eq!(
            contact_values("<sip:a@h1>, sip:b@h2;expires=0"),
            vec![
                ("sip:a@h1".to_string(), None),
                ("sip:b@h2".to_string(), Some(0))
            ]
        );
        assert_eq!(contact_values("*"), vec![("*".to_string(), None)]);
        assert!(contact_values("").is_empty());
        assert!(contact_values("<sip:unclosed").is_empty());
    }

    #[test]
    fn a_register_request_names_its_user_credentials_and_lifetime() {
        let text = "REGISTER sip:127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK1\r\n\
                    From: <sip:alice@127.0.0.1>;tag=1\r\nTo: <sip:alice@127.0.0.1>\r\nCall-ID: r1\r\n\
                    CSeq: 2 REGISTER\r\nContact: <sip:alice@127.0.0.1:5080>\r\nExpires: 120\r\n\
                    Authorization: Digest username=\"alice\", nonce=\"n\"\r\nContent-Length: 0\r\n\r\n";
        let request = rsipstack::sip::Request::try_from(text).unwrap();
        let read = read_register(&request);
        assert_eq!(read.user, "alice");
        assert_eq!(read.contacts, vec!["sip:alice@127.0.0.1:5080".to_string()]);
        assert_eq!(read.expires, Some(120));
        assert!(read.authorization.unwrap().starts_with("Digest"));
    }
}
