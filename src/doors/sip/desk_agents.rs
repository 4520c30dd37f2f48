//! `[sip.agents]` desk phones as agents of the queue: the SIP door rings them for the
//! [`AgentHub`] ([`DeskPhones`] on [`AgentDesk`]) and keeps the hub told which phones can be reached — a
//! registered account while its registration lasts (each refresh also brings a phone set away after a missed
//! call back), a fixed endpoint always (re-offered every [`ENDPOINT_RETRY`] after a miss).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::agents::phones::PhoneFuture;
use crate::agents::{AgentHub, AgentId, AgentMedia, DeskPhone, DeskPhones, PhoneCall};

use super::agent_leg::{AgentDesk, AgentLegHandle};
use super::config::SipAgentsConfig;

/// How often registrations are checked for expiry.
const CHECK_EVERY: Duration = Duration::from_secs(1);
/// A fixed endpoint set away after a missed call is offered calls again after this long.
pub const ENDPOINT_RETRY: Duration = Duration::from_secs(60);

impl DeskPhones for AgentDesk {
    fn ring(
        &self,
        phone: &str,
        subject: &str,
        media: AgentMedia,
        ring: Duration,
        cancel: CancellationToken,
    ) -> PhoneFuture<Result<Box<dyn PhoneCall>, String>> {
        let desk = self.clone();
        let (phone, subject) = (phone.to_string(), subject.to_string());
        // The queue's offer timeout or `[sip] agent_ring_secs`, whichever is shorter.
        let ring = ring.min(Duration::from_secs(self.config.agent_ring_secs.max(1)));
        Box::pin(async move {
            desk.ring_agent(&phone, &subject, media, ring, cancel)
                .await
                .map(|leg| Box::new(leg) as Box<dyn PhoneCall>)
                .map_err(|e| e.to_string())
        })
    }
}

impl PhoneCall for AgentLegHandle {
    fn hang_up(&self) {
        AgentLegHandle::hang_up(self);
    }

    fn ended(self: Box<Self>) -> PhoneFuture<()> {
        Box::pin(AgentLegHandle::ended(*self))
    }
}

/// A desk phone of the configuration and how it is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfiguredPhone {
    pub phone: DeskPhone,
    /// True for a registering account, false for a fixed endpoint.
    pub registers: bool,
}

/// The `[sip.agents]` accounts then endpoints as queue agents, with ids -1, -2, … in that order (console
/// agents' ids are positive user ids).
pub fn configured_phones(config: &SipAgentsConfig) -> Vec<ConfiguredPhone> {
    let accounts = config.accounts.iter().map(|a| (&a.user, a.skills(), true));
    let endpoints = config
        .endpoints
        .iter()
        .map(|e| (&e.name, e.skills(), false));
    accounts
        .chain(endpoints)
        .zip(1..)
        .map(
            |((name, skills, registers), n): (_, AgentId)| ConfiguredPhone {
                phone: DeskPhone {
                    agent: -n,
                    name: name.clone(),
                    address: name.clone(),
                    skills,
                },
                registers,
            },
        )
        .collect()
}

/// Makes the configured desk phones agents of `hub`, rung through `desk`, for as long as the door runs.
pub async fn serve_desk_phones(hub: Arc<AgentHub>, desk: AgentDesk) {
    hub.attach_phones(Arc::new(desk.clone()));
    let phones = configured_phones(&desk.config.agents);
    // Per phone: the registration seen last (accounts) or when it was last offered (endpoints).
    let mut seen: HashMap<AgentId, Instant> = HashMap::new();
    let mut tick = tokio::time::interval(CHECK_EVERY);
    loop {
        tick.tick().await;
        let now = Instant::now();
        for configured in &phones {
            let phone = &configured.phone;
            let last = seen.get(&phone.agent).copied();
            if configured.registers {
                match desk.registrar.registered_until(&phone.name) {
                    Some(until) if last != Some(until) => {
                        seen.insert(phone.agent, until);
                        hub.phone_online(phone);
                    }
                    Some(_) => {}
                    None => {
                        if seen.remove(&phone.agent).is_some() {
                            hub.phone_offline(phone.agent);
                        }
                    }
                }
            } else if last.is_none_or(|at| now.saturating_duration_since(at) >= ENDPOINT_RETRY) {
                seen.insert(phone.agent, now);
                hub.phone_online(phone);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::Department;
    use crate::doors::sip::config::SipConfig;
    use crate::lang::Lang;

    #[test]
    fn accounts_and_endpoints_become_agents_with_their_skills() {
        let config: SipConfig = toml::from_str(
            "[agents]\n[[agents.accounts]]\nuser = \"alice\"\npassword = \"x\"\nlanguages = [\"zh\"]\n\
             departments = [\"after_sales\"]\n[[agents.accounts]]\nuser = \"bob\"\npassword = \"y\"\n\
             [[agents.endpoints]]\nname = \"desk1\"\nuri = \"sip:desk1@127.0.0.1:5070\"\n",
        )
        .unwrap();
        config.validate().unwrap();
        let phones = configured_phones(&config.agents);
        let names: Vec<_> = phones
            .iter()
            .map(|p| (p.phone.agent, p.phone.name.as_str(), p.registers))
            .collect();
        assert_eq!(
            names,
            vec![(-1, "alice", true), (-2, "bob", true), (-3, "desk1", false)]
        );
        assert_eq!(phones[0].phone.skills.langs, vec![Lang::Zh]);
        assert_eq!(
            phones[0].phone.skills.departments,
            vec![Department::AfterSales]
        );
        // Defaults: both languages, both teams.
        assert_eq!(phones[1].phone.skills.langs, vec![Lang::En, Lang::Zh]);
        assert_eq!(phones[2].phone.skills.departments.len(), 2);
        let empty: SipConfig = toml::from_str(
            "[agents]\n[[agents.endpoints]]\nname = \"d\"\nuri = \"sip:d@127.0.0.1\"\nlanguages = []\n",
        )
        .unwrap();
        assert!(
            empty
                .validate()
                .unwrap_err()
                .to_string()
                .contains("languages")
        );
    }
}
