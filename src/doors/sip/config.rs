//! The `[sip]` section of `kefu.toml`: where the phone line listens and how it treats calls.

use std::net::IpAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::codec::Codec;
use crate::agents::{Department, Skills};
use crate::lang::Lang;

/// Settings of the SIP/RTP door. Every field has a default; see `kefu.toml` for a commented example.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SipConfig {
    /// Start the SIP listener with `kefu serve`.
    pub enabled: bool,
    /// Address to listen on for SIP (UDP and TCP) and RTP. `0.0.0.0` for every interface.
    pub bind: IpAddr,
    /// SIP port, for both UDP and TCP.
    pub port: u16,
    /// Listen on UDP.
    pub udp: bool,
    /// Listen on TCP.
    pub tcp: bool,
    /// Address written into SDP and Contact (the one callers reach us at, e.g. behind NAT). Default: `bind`,
    /// or when `bind` is `0.0.0.0` the local address that routes to the caller.
    pub public_address: Option<IpAddr>,
    /// Lowest RTP port (even; RTCP uses the next odd port).
    pub rtp_port_min: u16,
    /// Highest RTP port.
    pub rtp_port_max: u16,
    /// Audio codecs in our order of preference: `PCMU`, `PCMA`. An offer with none of them gets 488.
    pub codecs: Vec<Codec>,
    /// Payload type we offer for RFC 4733 telephone-events (the caller's own number is used when it offers).
    pub dtmf_payload_type: u8,
    /// Calls handled at once (ringing or answered); more INVITEs get 503 with `Retry-After`.
    pub max_calls: usize,
    /// Seconds sent in `Retry-After` with a 503.
    pub retry_after_secs: u32,
    /// Ring this long (180 Ringing) before answering; 0 answers at once.
    pub ring_ms: u64,
    /// Hang up (BYE) when no RTP arrives from a sending caller for this many seconds.
    pub rtp_timeout_secs: u64,
    /// Caller audio held back to absorb network jitter, in milliseconds (rounded to 20 ms frames).
    pub jitter_ms: u32,
    /// On shutdown, let calls finish on their own for this long before ending them with BYE.
    pub shutdown_grace_secs: u64,
    /// `User-Agent` / `Server` header value.
    pub user_agent: String,
    /// Write each finished call's log here as `<Call-ID>.json` (transcripts, intents, digits, timings). Unset:
    /// the log is only kept in the store.
    pub call_log_dir: Option<PathBuf>,
    /// Where a caller who asks for a person is sent by blind transfer (SIP REFER), e.g. the shop's own PBX
    /// queue `sip:support@pbx.example.com`. Empty: no transfer (the bot keeps the call).
    pub transfer_to: String,
    /// A transfer with no final report from the caller's phone within this many seconds has failed: the bot
    /// takes the caller back.
    pub transfer_timeout_secs: u64,
    /// Send escalated callers straight to this SIP agent: a `[sip.agents]` account or endpoint name, or a SIP
    /// URI. kefu calls the agent's phone and bridges the two calls. Empty: no SIP agent (a transfer, if
    /// `transfer_to` is set).
    pub agent: String,
    /// How long an agent's phone may ring before the call goes back to the bot.
    pub agent_ring_secs: u64,
    /// Agents' desk phones: digest accounts they REGISTER with, and fixed endpoints.
    pub agents: SipAgentsConfig,
}

/// `[sip.agents]`: the desk phones human agents take calls on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SipAgentsConfig {
    /// Digest realm of the registrar (what phones show when they ask for a password).
    pub realm: String,
    /// Longest registration accepted, in seconds (phones asking for more get this).
    pub max_expires_secs: u32,
    /// Accounts phones REGISTER with (`[[sip.agents.accounts]]`).
    pub accounts: Vec<SipAccount>,
    /// Phones at fixed addresses that do not register (`[[sip.agents.endpoints]]`).
    pub endpoints: Vec<SipEndpoint>,
}

impl Default for SipAgentsConfig {
    fn default() -> Self {
        Self {
            realm: "kefu".into(),
            max_expires_secs: 3600,
            accounts: Vec::new(),
            endpoints: Vec::new(),
        }
    }
}

/// One agent's registration account. Give `ha1` = MD5(`user:realm:password`) in hex, or `password`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SipAccount {
    pub user: String,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub ha1: Option<String>,
    /// Languages its agent speaks (`en`, `zh`) when the agent queue offers it calls. Default: both.
    #[serde(default = "all_languages")]
    pub languages: Vec<Lang>,
    /// Teams its agent works in (`sales`, `after_sales`). Default: both.
    #[serde(default = "all_departments")]
    pub departments: Vec<Department>,
}

/// A desk phone at a fixed SIP URI. With `[agents] enabled`, accounts and endpoints are agents of the queue:
/// a registered account (or an endpoint) is available and is rung for calls its skills cover.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SipEndpoint {
    pub name: String,
    pub uri: String,
    /// Languages its agent speaks (`en`, `zh`) when the agent queue offers it calls. Default: both.
    #[serde(default = "all_languages")]
    pub languages: Vec<Lang>,
    /// Teams its agent works in (`sales`, `after_sales`). Default: both.
    #[serde(default = "all_departments")]
    pub departments: Vec<Department>,
}

/// The queue skills of a desk phone's agent.
fn desk_skills(languages: &[Lang], departments: &[Department]) -> Skills {
    Skills {
        langs: languages.to_vec(),
        departments: departments.to_vec(),
    }
}

impl SipAccount {
    /// What the agent at this phone takes from the agent queue.
    pub fn skills(&self) -> Skills {
        desk_skills(&self.languages, &self.departments)
    }
}

impl SipEndpoint {
    /// What the agent at this phone takes from the agent queue.
    pub fn skills(&self) -> Skills {
        desk_skills(&self.languages, &self.departments)
    }
}

fn all_languages() -> Vec<Lang> {
    vec![Lang::En, Lang::Zh]
}

fn all_departments() -> Vec<Department> {
    vec![Department::Sales, Department::AfterSales]
}

impl Default for SipConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            bind: IpAddr::from([127, 0, 0, 1]),
            port: 5060,
            udp: true,
            tcp: true,
            public_address: None,
            rtp_port_min: 10_000,
            rtp_port_max: 20_000,
            codecs: vec![Codec::Pcmu, Codec::Pcma],
            dtmf_payload_type: 101,
            max_calls: 32,
            retry_after_secs: 30,
            ring_ms: 0,
            rtp_timeout_secs: 30,
            jitter_ms: 60,
            shutdown_grace_secs: 5,
            user_agent: concat!("kefu/", env!("CARGO_PKG_VERSION")).into(),
            call_log_dir: None,
            transfer_to: String::new(),
            transfer_timeout_secs: 30,
            agent: String::new(),
            agent_ring_secs: 30,
            agents: SipAgentsConfig::default(),
        }
    }
}

/// A `[sip]` setting that cannot work, with the fix in the message.
#[derive(Debug, thiserror::Error)]
pub enum SipConfigError {
    #[error(
        "[sip] rtp_port_min ({min}) must be below rtp_port_max ({max}) and leave room for one RTP/RTCP pair"
    )]
    PortRange { min: u16, max: u16 },
    #[error("[sip] codecs is empty: list at least one of \"PCMU\", \"PCMA\"")]
    NoCodecs,
    #[error("[sip] dtmf_payload_type {0} is not a dynamic payload type (96..=127)")]
    DtmfPayloadType(u8),
    #[error("[sip] max_calls must be at least 1")]
    MaxCalls,
    #[error("[sip] neither udp nor tcp is enabled: enable one, or set enabled = false")]
    NoTransport,
    #[error(
        "[sip] transfer_to {0:?} is not a SIP URI: write it like \"sip:support@pbx.example.com\", or leave it empty"
    )]
    TransferTo(String),
    #[error(
        "[[sip.agents.accounts]] {0:?} needs a password or ha1 (32 hex digits of MD5(user:realm:password))"
    )]
    AccountSecret(String),
    #[error(
        "[[sip.agents.endpoints]] {name:?}: uri {uri:?} is not a SIP URI (e.g. \"sip:desk1@192.0.2.10:5060\")"
    )]
    EndpointUri { name: String, uri: String },
    #[error("[sip] agent {0:?} is neither a SIP URI nor a [sip.agents] account or endpoint name")]
    Agent(String),
    #[error(
        "[sip.agents] desk phone {0:?} has an empty languages list: give at least one of \"en\", \"zh\""
    )]
    NoLanguages(String),
}

impl SipConfig {
    /// Checks the settings that would only fail later, at the first call.
    pub fn validate(&self) -> Result<(), SipConfigError> {
        let (min, max) = (self.rtp_port_min, self.rtp_port_max);
        // One pair needs an even port and the odd one after it.
        let first_even = u32::from(min) + u32::from(min % 2);
        if first_even + 1 > u32::from(max) {
            return Err(SipConfigError::PortRange { min, max });
        }
        if self.codecs.is_empty() {
            return Err(SipConfigError::NoCodecs);
        }
        if !(96..=127).contains(&self.dtmf_payload_type) {
            return Err(SipConfigError::DtmfPayloadType(self.dtmf_payload_type));
        }
        if self.max_calls == 0 {
            return Err(SipConfigError::MaxCalls);
        }
        if self.enabled && !self.udp && !self.tcp {
            return Err(SipConfigError::NoTransport);
        }
        if !self.transfer_to.is_empty() && !is_sip_uri(&self.transfer_to) {
            return Err(SipConfigError::TransferTo(self.transfer_to.clone()));
        }
        for account in &self.agents.accounts {
            let ha1_ok = account
                .ha1
                .as_ref()
                .is_some_and(|h| h.len() == 32 && h.chars().all(|c| c.is_ascii_hexdigit()));
            if !ha1_ok && account.password.is_none() {
                return Err(SipConfigError::AccountSecret(account.user.clone()));
            }
            if account.languages.is_empty() {
                return Err(SipConfigError::NoLanguages(account.user.clone()));
            }
        }
        for endpoint in &self.agents.endpoints {
            if !is_sip_uri(&endpoint.uri) {
                return Err(SipConfigError::EndpointUri {
                    name: endpoint.name.clone(),
                    uri: endpoint.uri.clone(),
                });
            }
            if endpoint.languages.is_empty() {
                return Err(SipConfigError::NoLanguages(endpoint.name.clone()));
            }
        }
        let agent = &self.agent;
        let known = self.agents.accounts.iter().any(|a| &a.user == agent)
            || self.agents.endpoints.iter().any(|e| &e.name == agent);
        if !agent.is_empty() && !known && !is_sip_uri(agent) {
            return Err(SipConfigError::Agent(agent.clone()));
        }
        Ok(())
    }
}

/// A `sip:`/`sips:` URI with a host that the SIP parser reads.
pub fn is_sip_uri(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    (lower.starts_with("sip:") || lower.starts_with("sips:"))
        && rsipstack::sip::Uri::try_from(text).is_ok_and(|uri| !uri.host().to_string().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        SipConfig::default().validate().unwrap();
    }

    #[test]
    fn bad_settings_name_the_field() {
        let mut c = SipConfig {
            rtp_port_min: 20_000,
            rtp_port_max: 10_000,
            ..SipConfig::default()
        };
        assert!(
            c.validate()
                .unwrap_err()
                .to_string()
                .contains("rtp_port_min")
        );
        c.rtp_port_min = 10_000;
        c.rtp_port_max = 10_001;
        c.validate().unwrap();
        c.rtp_port_min = 10_001;
        c.rtp_port_max = 10_002;
        assert!(
            c.validate().is_err(),
            "odd start: the only even port has no RTCP port"
        );
        c.rtp_port_max = 10_003;
        c.validate().unwrap();
        c.codecs.clear();
        assert!(c.validate().unwrap_err().to_string().contains("PCMU"));
        c.codecs = vec![Codec::Pcmu];
        c.transfer_to = "support desk".into();
        assert!(
            c.validate()
                .unwrap_err()
                .to_string()
                .contains("transfer_to")
        );
        c.transfer_to = "sip:support@127.0.0.1:5070".into();
        c.validate().unwrap();
    }

    #[test]
    fn example_file_documents_the_defaults() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("kefu.toml");
        let config = crate::config::Config::from_file(&path).unwrap();
        assert_eq!(config.sip, SipConfig::default());
    }

    #[test]
    fn codecs_parse_from_toml() {
        let c: SipConfig = toml::from_str("codecs = [\"PCMA\", \"pcmu\"]\nport = 5070").unwrap();
        assert_eq!(c.codecs, vec![Codec::Pcma, Codec::Pcmu]);
        assert_eq!(c.port, 5070);
        assert!(toml::from_str::<SipConfig>("codecs = [\"opus\"]").is_err());
    }
}
