//! `kefu serve`: the HTTP server (voice-chat page and WebRTC door, chat API) and the phone line (SIP).

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use kefu::agents::AgentHub;
use kefu::config::Config;
use kefu::doors::sip::desk_agents::serve_desk_phones;
use kefu::doors::sip::{EngineCalls, SipServer};
use kefu::doors::webrtc::WebRtcDoor;
use kefu::pipeline::Engines;
use kefu::web::{self, AppState};

/// Serves until Ctrl-C or SIGTERM.
pub fn run(config: &Config) -> Result<()> {
    // Voice calls (browser or phone) need the speech engines; the chat API shares their dialogue engine.
    let engines = if config.webrtc.enabled || config.sip.enabled {
        Some(Engines::load(config).context(
            "loading the speech engines for voice calls (or set [webrtc] and [sip] enabled = false for text only)",
        )?)
    } else {
        None
    };
    let engine = match &engines {
        Some(engines) => engines.dialogue().clone(),
        None => Arc::new(super::chat::open_engine(config)?),
    };
    // Escalated voice calls wait for a person at the agent desk (console at /agent).
    let agents = engines
        .as_ref()
        .filter(|_| config.agents.enabled)
        .map(|engines| {
            AgentHub::new(
                &config.agents,
                Some(engines.dialogue().store().clone()),
                Some(engines.clone()),
            )
        });
    let door = engines
        .as_ref()
        .filter(|_| config.webrtc.enabled)
        .map(|engines| match &agents {
            Some(hub) => {
                WebRtcDoor::with_agents(engines.clone(), config.webrtc.clone(), hub.clone())
            }
            None => WebRtcDoor::new(engines.clone(), config.webrtc.clone()),
        });
    let mut state = AppState::new(
        engine,
        Duration::from_secs(config.server.session_idle_secs),
        config.server.max_sessions,
    )
    .with_auth_config(&config.auth);
    if let Some(door) = door {
        state = state.with_webrtc(door);
    }
    if let Some(hub) = &agents {
        state = state.with_agents(hub.clone());
    }
    let shared = engines.clone();
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let served = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&config.server.http_bind)
            .await
            .with_context(|| format!("cannot listen on {} (set [server] http_bind)", config.server.http_bind))?;
        tracing::info!(addr = %listener.local_addr()?, "kefu is serving: voice page at /, POST /api/chat, GET /healthz");
        if let Some(hub) = &agents {
            tokio::spawn(hub.clone().run());
        }
        let phone = match engines.filter(|_| config.sip.enabled) {
            Some(engines) => {
                let mut calls = EngineCalls::new(engines, config.sip.call_log_dir.clone());
                // A SIP desk phone or a REFER target, when configured, takes the phone line's escalations instead.
                let sip_routes = !config.sip.agent.is_empty() || !config.sip.transfer_to.is_empty();
                if let Some(hub) = agents.as_ref().filter(|_| !sip_routes) {
                    calls = calls.with_agents(hub.clone());
                }
                let server = SipServer::start(config.sip.clone(), Arc::new(calls)).await?;
                if let Some(hub) = &agents {
                    // `[sip.agents]` desk phones take queued calls from either door.
                    tokio::spawn(serve_desk_phones(hub.clone(), server.agent_desk()));
                }
                Some(server)
            }
            None => None,
        };
        let sessions = state.sessions.clone();
        let housekeeping = tokio::spawn(kefu::analytics::housekeeping::every_hour(
            state.engine.store().clone(),
            config.clone(),
        ));
        let sweeper = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                let dropped = sessions.expire();
                if dropped > 0 {
                    tracing::info!(dropped, "forgot idle chat sessions");
                }
            }
        });
        axum::serve(listener, web::router(state)).with_graceful_shutdown(shutdown_signal()).await?;
        sweeper.abort();
        housekeeping.abort();
        if let Some(phone) = phone {
            phone.shutdown().await;
        }
        tracing::info!("server stopped");
        Ok(())
    });
    // Speech still being made for calls that just ended must finish before native libraries unload.
    if let Some(engines) = shared
        && !engines.wait_idle(Duration::from_secs(10))
    {
        tracing::warn!("engine jobs still running at exit");
    }
    served
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
