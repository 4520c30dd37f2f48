//! The call queue (ACD) as a sans-IO state machine: fed calls, agents' presence and answers, and the time;
//! emits [`QueueAction`]s (offer this call to that agent, tell a caller their place, offer a callback).
//!
//! Routing: upset and VIP callers (higher [`Priority`]) go first, then the longest-waiting; a call that lost its
//! agent goes back in front of everyone. A call is offered only to an available agent with its skills
//! (language, department); among those the longest idle gets it. An offer not answered in time puts that agent
//! away and goes to the next one. A caller who waited `callback_after` is offered a callback instead.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::dialogue::Priority;
use crate::lang::Lang;

/// An agent (the user id of their account).
pub type AgentId = i64;

/// A call in the queue (the door's call id).
pub type CallId = String;

/// Which team a call needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Department {
    Sales,
    AfterSales,
}

/// What an agent can take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skills {
    pub langs: Vec<Lang>,
    pub departments: Vec<Department>,
}

impl Skills {
    /// True when this agent can take a call needing `need`.
    pub fn covers(&self, need: &Need) -> bool {
        self.langs.contains(&need.lang)
            && need
                .department
                .is_none_or(|d| self.departments.contains(&d))
    }
}

/// What a waiting call needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub lang: Lang,
    /// `None`: any team.
    pub department: Option<Department>,
    pub priority: Priority,
}

/// An agent's state as the console shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Available,
    /// On a call (set by the queue, not by the agent).
    Busy,
    Away,
    /// After a call, writing notes; no calls until the agent is available again.
    WrapUp,
}

/// Timing of the queue.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueConfig {
    /// How long an offer rings on an agent's console before it goes to the next agent.
    pub offer_timeout: Duration,
    /// After this long in the queue a caller is offered a callback instead of waiting on.
    pub callback_after: Duration,
    /// How often a waiting caller hears their place again.
    pub announce_every: Duration,
    /// The expected length of a call before any has been measured (a running average takes over).
    pub handle_time: Duration,
}

/// What the queue asks its driver to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueAction {
    /// Ring `agent`'s console with `call`.
    Offer { call: CallId, agent: AgentId },
    /// The offer is off (not answered in time, or the caller left).
    Withdraw { call: CallId, agent: AgentId },
    /// Tell the caller their place (1 = next) and the expected wait.
    Position {
        call: CallId,
        position: usize,
        expected_wait: Duration,
    },
    /// The caller waited too long: offer a callback; the call has left the queue.
    Callback { call: CallId },
    /// The queue changed an agent's presence (missed offer → away, call over → wrap-up, accepted → busy).
    Presence { agent: AgentId, presence: Presence },
}

/// A request the queue cannot carry out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    #[error("agent {0} is not signed in to the queue")]
    UnknownAgent(AgentId),
    #[error("call {0} is not waiting in the queue (it ended or went to another agent)")]
    NotWaiting(CallId),
    #[error("call {call} is not offered to agent {agent}")]
    NotOffered { call: CallId, agent: AgentId },
    #[error("call {0} is already queued")]
    AlreadyQueued(CallId),
    #[error("presence busy is set by taking a call")]
    BusyBySelf,
}

#[derive(Debug)]
struct Waiting {
    call: CallId,
    need: Need,
    since: Instant,
    /// Came back after its agent was lost: goes before everyone.
    returned: bool,
    offer: Option<(AgentId, Instant)>,
    announced: Option<usize>,
    next_announce: Instant,
    callback_at: Instant,
}

#[derive(Debug)]
struct Agent {
    skills: Skills,
    presence: Presence,
    /// Since when the agent has been free (the longest idle gets the next call).
    idle_since: Instant,
    offer: Option<CallId>,
    call: Option<(CallId, Instant, Need)>,
}

/// The queue. Feed it with the methods, then drain [`Queue::poll_action`]; call
/// [`Queue::handle_timeout`] at [`Queue::poll_timeout`].
#[derive(Debug)]
pub struct Queue {
    config: QueueConfig,
    waiting: Vec<Waiting>,
    agents: BTreeMap<AgentId, Agent>,
    actions: VecDeque<QueueAction>,
    /// Running average of measured call lengths.
    handle_time: Duration,
}

impl Queue {
    pub fn new(config: QueueConfig) -> Self {
        Self {
            handle_time: config.handle_time,
            config,
            waiting: Vec::new(),
            agents: BTreeMap::new(),
            actions: VecDeque::new(),
        }
    }

    /// A caller wants a person.
    pub fn enqueue(&mut self, call: CallId, need: Need, now: Instant) -> Result<(), QueueError> {
        if self.waiting.iter().any(|w| w.call == call) || self.bridged_agent(&call).is_some() {
            return Err(QueueError::AlreadyQueued(call));
        }
        self.waiting.push(Waiting {
            call,
            need,
            since: now,
            returned: false,
            offer: None,
            announced: None,
            next_announce: now,
            callback_at: now + self.config.callback_after,
        });
        self.route(now);
        Ok(())
    }

    /// The caller left the queue or the call ended (hung up either side, handed back to the bot).
    pub fn end(&mut self, call: &str, now: Instant) {
        if let Some(i) = self.waiting.iter().position(|w| w.call == call) {
            let w = self.waiting.remove(i);
            if let Some((agent, _)) = w.offer {
                self.withdraw_offer(agent, call);
            }
        } else if let Some(id) = self.bridged_agent(call) {
            let agent = self.agents.get_mut(&id).expect("bridged agent exists");
            if let Some((_, started, _)) = agent.call.take() {
                // Running average over roughly the last ten calls.
                let took = now.saturating_duration_since(started);
                self.handle_time = (self.handle_time * 9 + took) / 10;
            }
            agent.presence = Presence::WrapUp;
            self.actions.push_back(QueueAction::Presence {
                agent: id,
                presence: Presence::WrapUp,
            });
        }
        self.route(now);
    }

    /// An agent signs in (or reconnects) with their skills; they start away until they say they are available.
    pub fn sign_in(&mut self, agent: AgentId, skills: Skills, now: Instant) {
        match self.agents.get_mut(&agent) {
            Some(a) => a.skills = skills,
            None => {
                self.agents.insert(
                    agent,
                    Agent {
                        skills,
                        presence: Presence::Away,
                        idle_since: now,
                        offer: None,
                        call: None,
                    },
                );
            }
        }
    }

    /// The agent is gone (signed out, console closed, connection lost). A call they were on goes back to the
    /// front of the queue; an offer to them goes to someone else.
    pub fn sign_out(&mut self, agent: AgentId, now: Instant) {
        let Some(a) = self.agents.remove(&agent) else {
            return;
        };
        if let Some(call) = a.offer {
            self.clear_offer(&call);
            self.actions
                .push_back(QueueAction::Withdraw { call, agent });
        }
        if let Some((call, _, need)) = a.call {
            self.requeue_front(call, need, now);
        }
        self.route(now);
    }

    /// The agent's media dropped mid-call while their console stays: the caller goes back in front, the agent
    /// is put away until they say they are available again.
    pub fn agent_lost_call(&mut self, agent: AgentId, now: Instant) {
        let Some(a) = self.agents.get_mut(&agent) else {
            return;
        };
        if let Some((call, _, need)) = a.call.take() {
            a.presence = Presence::Away;
            self.actions.push_back(QueueAction::Presence {
                agent,
                presence: Presence::Away,
            });
            self.requeue_front(call, need, now);
        }
        self.route(now);
    }

    /// The agent sets available, away or wrap-up.
    pub fn set_presence(
        &mut self,
        agent: AgentId,
        presence: Presence,
        now: Instant,
    ) -> Result<(), QueueError> {
        if presence == Presence::Busy {
            return Err(QueueError::BusyBySelf);
        }
        let a = self
            .agents
            .get_mut(&agent)
            .ok_or(QueueError::UnknownAgent(agent))?;
        if a.call.is_some() {
            // On a call the agent stays busy; the choice applies when it ends.
            return Ok(());
        }
        if presence == Presence::Available && a.presence != Presence::Available {
            a.idle_since = now;
        }
        a.presence = presence;
        if presence != Presence::Available
            && let Some(call) = a.offer.take()
        {
            self.clear_offer(&call);
            self.actions
                .push_back(QueueAction::Withdraw { call, agent });
        }
        self.route(now);
        Ok(())
    }

    /// The agent, if `call` is what they are being offered.
    fn offered_to(&mut self, agent: AgentId, call: &str) -> Result<&mut Agent, QueueError> {
        let a = self
            .agents
            .get_mut(&agent)
            .ok_or(QueueError::UnknownAgent(agent))?;
        if a.offer.as_deref() != Some(call) {
            return Err(QueueError::NotOffered {
                call: call.to_string(),
                agent,
            });
        }
        Ok(a)
    }

    /// The agent takes the call offered to them: it leaves the queue and they are busy.
    pub fn accept(&mut self, agent: AgentId, call: &str, now: Instant) -> Result<(), QueueError> {
        self.offered_to(agent, call)?;
        let i = self
            .waiting
            .iter()
            .position(|w| w.call == call)
            .ok_or_else(|| QueueError::NotWaiting(call.to_string()))?;
        let w = self.waiting.remove(i);
        let a = self.agents.get_mut(&agent).expect("checked above");
        a.offer = None;
        a.call = Some((w.call, now, w.need));
        a.presence = Presence::Busy;
        self.actions.push_back(QueueAction::Presence {
            agent,
            presence: Presence::Busy,
        });
        self.route(now);
        Ok(())
    }

    /// The agent turns the offer down: it goes to someone else (the agent stays available).
    pub fn decline(&mut self, agent: AgentId, call: &str, now: Instant) -> Result<(), QueueError> {
        let a = self.offered_to(agent, call)?;
        a.offer = None;
        a.idle_since = now;
        self.clear_offer(call);
        self.route_excluding(now, Some((call, agent)));
        Ok(())
    }

    /// An agent's presence, if signed in.
    pub fn presence(&self, agent: AgentId) -> Option<Presence> {
        self.agents.get(&agent).map(|a| a.presence)
    }

    /// The call ringing on an agent's console, if any.
    pub fn offer_of(&self, agent: AgentId) -> Option<&str> {
        self.agents.get(&agent).and_then(|a| a.offer.as_deref())
    }

    /// The agent a call is bridged to.
    pub fn bridged_agent(&self, call: &str) -> Option<AgentId> {
        self.agents
            .iter()
            .find(|(_, a)| a.call.as_ref().is_some_and(|(c, _, _)| c == call))
            .map(|(id, _)| *id)
    }

    /// Calls waiting, in the order they will be served.
    pub fn waiting(&self) -> Vec<CallId> {
        let mut order: Vec<&Waiting> = self.waiting.iter().collect();
        order.sort_by(|a, b| rank(a, b));
        order.into_iter().map(|w| w.call.clone()).collect()
    }

    /// The next action.
    pub fn poll_action(&mut self) -> Option<QueueAction> {
        self.actions.pop_front()
    }

    /// When [`Queue::handle_timeout`] is next due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.waiting
            .iter()
            .flat_map(|w| {
                let callback = w.offer.is_none().then_some(w.callback_at);
                [w.offer.map(|(_, at)| at), callback, Some(w.next_announce)]
            })
            .flatten()
            .min()
    }

    /// Fires what is due: unanswered offers, callback offers, place announcements.
    pub fn handle_timeout(&mut self, now: Instant) {
        let expired: Vec<(CallId, AgentId)> = self
            .waiting
            .iter()
            .filter_map(|w| match w.offer {
                Some((agent, at)) if now >= at => Some((w.call.clone(), agent)),
                _ => None,
            })
            .collect();
        for (call, agent) in &expired {
            self.clear_offer(call);
            if let Some(a) = self.agents.get_mut(agent) {
                a.offer = None;
                a.presence = Presence::Away;
            }
            self.actions.push_back(QueueAction::Withdraw {
                call: call.clone(),
                agent: *agent,
            });
            self.actions.push_back(QueueAction::Presence {
                agent: *agent,
                presence: Presence::Away,
            });
        }
        let (gone, stay): (Vec<Waiting>, Vec<Waiting>) = std::mem::take(&mut self.waiting)
            .into_iter()
            .partition(|w| w.offer.is_none() && now >= w.callback_at);
        self.waiting = stay;
        for w in gone {
            self.actions
                .push_back(QueueAction::Callback { call: w.call });
        }
        self.route(now);
    }

    fn requeue_front(&mut self, call: CallId, need: Need, now: Instant) {
        self.waiting.push(Waiting {
            call,
            need,
            since: now,
            returned: true,
            offer: None,
            announced: None,
            next_announce: now,
            callback_at: now + self.config.callback_after,
        });
    }

    fn clear_offer(&mut self, call: &str) {
        if let Some(w) = self.waiting.iter_mut().find(|w| w.call == call) {
            w.offer = None;
        }
    }

    fn withdraw_offer(&mut self, agent: AgentId, call: &str) {
        if let Some(a) = self.agents.get_mut(&agent) {
            a.offer = None;
        }
        self.actions.push_back(QueueAction::Withdraw {
            call: call.to_string(),
            agent,
        });
    }

    fn route(&mut self, now: Instant) {
        self.route_excluding(now, None);
    }

    /// Offers waiting calls to free agents, then tells callers their place. `skip` keeps a just-declined call
    /// away from the agent who declined it.
    fn route_excluding(&mut self, now: Instant, skip: Option<(&str, AgentId)>) {
        self.waiting.sort_by(rank);
        for w in self.waiting.iter_mut().filter(|w| w.offer.is_none()) {
            let best = self
                .agents
                .iter()
                .filter(|(id, a)| {
                    a.presence == Presence::Available
                        && a.offer.is_none()
                        && a.call.is_none()
                        && a.skills.covers(&w.need)
                        && skip.is_none_or(|(c, s)| c != w.call || s != **id)
                })
                .min_by_key(|(id, a)| (a.idle_since, **id))
                .map(|(id, _)| *id);
            if let Some(agent) = best {
                w.offer = Some((agent, now + self.config.offer_timeout));
                if let Some(a) = self.agents.get_mut(&agent) {
                    a.offer = Some(w.call.clone());
                }
                self.actions.push_back(QueueAction::Offer {
                    call: w.call.clone(),
                    agent,
                });
            }
        }
        self.announce(now);
    }

    fn announce(&mut self, now: Instant) {
        let every = self.config.announce_every;
        let handle = self.handle_time;
        for i in 0..self.waiting.len() {
            let position = i + 1;
            let w = &self.waiting[i];
            let moved_up = w.announced.is_none_or(|a| position < a);
            if !(moved_up || now >= w.next_announce) {
                continue;
            }
            let staff = self
                .agents
                .values()
                .filter(|a| a.presence != Presence::Away && a.skills.covers(&w.need))
                .count()
                .max(1);
            let expected_wait = handle * u32::try_from(position).unwrap_or(u32::MAX) / staff as u32;
            let call = w.call.clone();
            let w = &mut self.waiting[i];
            w.announced = Some(position);
            w.next_announce = now + every;
            self.actions.push_back(QueueAction::Position {
                call,
                position,
                expected_wait,
            });
        }
    }
}

/// Serving order: returned calls first, then higher priority, then the longest waiting.
fn rank(a: &Waiting, b: &Waiting) -> std::cmp::Ordering {
    b.returned
        .cmp(&a.returned)
        .then(b.need.priority.cmp(&a.need.priority))
        .then(a.since.cmp(&b.since))
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    fn config() -> QueueConfig {
        QueueConfig {
            offer_timeout: 20 * S,
            callback_after: 120 * S,
            announce_every: 30 * S,
            handle_time: 180 * S,
        }
    }

    fn need(lang: Lang, priority: Priority) -> Need {
        Need {
            lang,
            department: None,
            priority,
        }
    }

    fn skills(langs: &[Lang]) -> Skills {
        Skills {
            langs: langs.to_vec(),
            departments: vec![Department::Sales, Department::AfterSales],
        }
    }

    /// Signs `agent` in with `langs` (both departments) and makes them available at `at`.
    fn available(q: &mut Queue, agent: AgentId, langs: &[Lang], at: Instant) {
        q.sign_in(agent, skills(langs), at);
        q.set_presence(agent, Presence::Available, at).unwrap();
    }

    fn drain(q: &mut Queue) -> Vec<QueueAction> {
        std::iter::from_fn(|| q.poll_action()).collect()
    }

    fn offers(actions: &[QueueAction]) -> Vec<(String, AgentId)> {
        actions
            .iter()
            .filter_map(|a| match a {
                QueueAction::Offer { call, agent } => Some((call.clone(), *agent)),
                _ => None,
            })
            .collect()
    }

    /// Runs the queue's timers up to `until` in order, as a driver would, collecting what it did.
    fn run_until(q: &mut Queue, until: Instant) -> Vec<QueueAction> {
        let mut out = drain(q);
        while let Some(at) = q.poll_timeout().filter(|&at| at <= until) {
            q.handle_timeout(at);
            out.extend(drain(q));
        }
        out
    }

    #[test]
    fn upset_and_vip_callers_are_served_before_earlier_normal_ones() {
        let t0 = Instant::now();
        let mut q = Queue::new(config());
        q.enqueue("calm".into(), need(Lang::En, Priority::Normal), t0)
            .unwrap();
        q.enqueue("upset".into(), need(Lang::En, Priority::High), t0 + S)
            .unwrap();
        q.enqueue("vip".into(), need(Lang::En, Priority::Urgent), t0 + 2 * S)
            .unwrap();
        assert_eq!(q.waiting(), vec!["vip", "upset", "calm"]);
        drain(&mut q);
        available(&mut q, 1, &[Lang::En], t0 + 3 * S);
        assert_eq!(offers(&drain(&mut q)), vec![("vip".to_string(), 1)]);
    }

    #[test]
    fn a_call_goes_only_to_an_agent_with_its_language_and_department() {
        let t0 = Instant::now();
        let mut q = Queue::new(config());
        available(&mut q, 1, &[Lang::En], t0);
        q.sign_in(
            2,
            Skills {
                langs: vec![Lang::Zh],
                departments: vec![Department::Sales],
            },
            t0,
        );
        q.set_presence(2, Presence::Available, t0).unwrap();
        let after_sales = Need {
            lang: Lang::Zh,
            department: Some(Department::AfterSales),
            priority: Priority::Normal,
        };
        q.enqueue("zh-repair".into(), after_sales, t0 + S).unwrap();
        assert!(
            offers(&drain(&mut q)).is_empty(),
            "nobody speaks Chinese in after-sales"
        );
        q.enqueue("zh-buy".into(), need(Lang::Zh, Priority::Normal), t0 + S)
            .unwrap();
        assert_eq!(offers(&drain(&mut q)), vec![("zh-buy".to_string(), 2)]);
        available(&mut q, 3, &[Lang::Zh, Lang::En], t0 + 2 * S);
        assert_eq!(offers(&drain(&mut q)), vec![("zh-repair".to_string(), 3)]);
    }

    #[test]
    fn the_longest_idle_agent_gets_the_next_call() {
        let t0 = Instant::now();
        let mut q = Queue::new(config());
        for (agent, at) in [(1, 5), (2, 0), (3, 9)] {
            q.sign_in(agent, skills(&[Lang::En]), t0);
            q.set_presence(agent, Presence::Available, t0 + at * S)
                .unwrap();
        }
        q.enqueue("a".into(), need(Lang::En, Priority::Normal), t0 + 10 * S)
            .unwrap();
        q.accept(2, "a", t0 + 11 * S).unwrap();
        q.enqueue("b".into(), need(Lang::En, Priority::Normal), t0 + 12 * S)
            .unwrap();
        q.accept(1, "b", t0 + 13 * S).unwrap();
        // Agent 2 finishes and becomes available again: now agent 3 (idle since 9 s) has waited longest.
        q.end("a", t0 + 60 * S);
        q.set_presence(2, Presence::Available, t0 + 70 * S).unwrap();
        drain(&mut q);
        q.enqueue("c".into(), need(Lang::En, Priority::Normal), t0 + 80 * S)
            .unwrap();
        assert_eq!(offers(&drain(&mut q)), vec![("c".to_string(), 3)]);
    }

    #[test]
    fn an_unanswered_offer_puts_the_agent_away_and_rings_the_next() {
        let t0 = Instant::now();
        let mut q = Queue::new(config());
        available(&mut q, 1, &[Lang::En], t0);
        q.sign_in(2, skills(&[Lang::En]), t0);
        q.set_presence(2, Presence::Available, t0 + S).unwrap();
        q.enqueue("a".into(), need(Lang::En, Priority::Normal), t0 + 2 * S)
            .unwrap();
        assert_eq!(offers(&drain(&mut q)), vec![("a".to_string(), 1)]);
        let actions = run_until(&mut q, t0 + 22 * S);
        assert!(actions.contains(&QueueAction::Withdraw {
            call: "a".into(),
            agent: 1
        }));
        assert!(actions.contains(&QueueAction::Presence {
            agent: 1,
            presence: Presence::Away
        }));
        assert_eq!(offers(&actions), vec![("a".to_string(), 2)]);
        assert_eq!(q.presence(1), Some(Presence::Away));
        assert!(
            q.accept(1, "a", t0 + 23 * S).is_err(),
            "a withdrawn offer cannot be taken"
        );
        q.accept(2, "a", t0 + 23 * S).unwrap();
        assert_eq!(q.bridged_agent("a"), Some(2));
    }

    #[test]
    fn a_declined_offer_goes_to_another_agent() {
        let t0 = Instant::now();
        let mut q = Queue::new(config());
        for agent in [1, 2] {
            q.sign_in(agent, skills(&[Lang::En]), t0);
            q.set_presence(agent, Presence::Available, t0 + agent as u32 * S)
                .unwrap();
        }
        q.enqueue("a".into(), need(Lang::En, Priority::Normal), t0 + 3 * S)
            .unwrap();
        drain(&mut q);
        q.decline(1, "a", t0 + 4 * S).unwrap();
        assert_eq!(offers(&drain(&mut q)), vec![("a".to_string(), 2)]);
        assert_eq!(q.presence(1), Some(Presence::Available));
    }

    #[test]
    fn a_caller_kept_waiting_too_long_is_offered_a_callback() {
        let t0 = Instant::now();
        let mut q = Queue::new(config());
        q.enqueue("a".into(), need(Lang::En, Priority::Normal), t0)
            .unwrap();
        let early = run_until(&mut q, t0 + 119 * S);
        assert!(
            !early
                .iter()
                .any(|a| matches!(a, QueueAction::Callback { .. }))
        );
        let late = run_until(&mut q, t0 + 121 * S);
        assert_eq!(
            late.iter()
                .filter(|a| matches!(a, QueueAction::Callback { .. }))
                .count(),
            1
        );
        assert!(q.waiting().is_empty());
        assert_eq!(q.poll_timeout(), None);
    }

    #[test]
    fn callers_hear_their_place_and_wait_when_it_changes_and_every_half_minute() {
        let t0 = Instant::now();
        let mut q = Queue::new(config());
        q.sign_in(1, skills(&[Lang::En]), t0);
        q.set_presence(1, Presence::Away, t0).unwrap();
        q.sign_in(2, skills(&[Lang::En]), t0);
        q.set_presence(2, Presence::WrapUp, t0).unwrap();
        q.enqueue("a".into(), need(Lang::En, Priority::Normal), t0)
            .unwrap();
        q.enqueue("b".into(), need(Lang::En, Priority::Normal), t0 + S)
            .unwrap();
        let actions = drain(&mut q);
        // One agent in wrap-up counts as staff; 180 s per call.
        assert_eq!(
            actions,
            vec![
                QueueAction::Position {
                    call: "a".into(),
                    position: 1,
                    expected_wait: 180 * S
                },
                QueueAction::Position {
                    call: "b".into(),
                    position: 2,
                    expected_wait: 360 * S
                },
            ]
        );
        let repeats = run_until(&mut q, t0 + 31 * S);
        assert_eq!(
            repeats
                .iter()
                .filter(|a| matches!(a, QueueAction::Position { .. }))
                .count(),
            2,
            "{repeats:?}"
        );
        q.end("a", t0 + 32 * S);
        assert_eq!(
            drain(&mut q),
            vec![QueueAction::Position {
                call: "b".into(),
                position: 1,
                expected_wait: 180 * S
            }]
        );
    }

    #[test]
    fn a_call_whose_agent_vanished_goes_back_in_front_of_the_queue() {
        let t0 = Instant::now();
        let mut q = Queue::new(config());
        available(&mut q, 1, &[Lang::En], t0);
        q.enqueue("first".into(), need(Lang::En, Priority::Normal), t0)
            .unwrap();
        q.accept(1, "first", t0 + S).unwrap();
        q.enqueue("vip".into(), need(Lang::En, Priority::Urgent), t0 + 2 * S)
            .unwrap();
        drain(&mut q);
        q.sign_out(1, t0 + 3 * S);
        assert_eq!(
            q.waiting(),
            vec!["first", "vip"],
            "the dropped caller is not sent to the back"
        );
        assert!(drain(&mut q).contains(&QueueAction::Position {
            call: "first".into(),
            position: 1,
            expected_wait: 180 * S
        }));
        available(&mut q, 2, &[Lang::En], t0 + 4 * S);
        assert_eq!(offers(&drain(&mut q)), vec![("first".to_string(), 2)]);
    }

    #[test]
    fn an_agent_whose_audio_dropped_is_put_away_and_the_caller_requeued() {
        let t0 = Instant::now();
        let mut q = Queue::new(config());
        available(&mut q, 1, &[Lang::En], t0);
        q.enqueue("a".into(), need(Lang::En, Priority::Normal), t0)
            .unwrap();
        q.accept(1, "a", t0 + S).unwrap();
        drain(&mut q);
        q.agent_lost_call(1, t0 + 5 * S);
        assert_eq!(q.presence(1), Some(Presence::Away));
        assert_eq!(q.waiting(), vec!["a"]);
        assert!(offers(&drain(&mut q)).is_empty());
    }

    #[test]
    fn a_caller_hanging_up_withdraws_the_offer_and_an_ended_call_means_wrap_up() {
        let t0 = Instant::now();
        let mut q = Queue::new(config());
        available(&mut q, 1, &[Lang::En], t0);
        q.enqueue("a".into(), need(Lang::En, Priority::Normal), t0)
            .unwrap();
        drain(&mut q);
        q.end("a", t0 + S);
        assert_eq!(
            drain(&mut q),
            vec![QueueAction::Withdraw {
                call: "a".into(),
                agent: 1
            }]
        );
        q.enqueue("b".into(), need(Lang::En, Priority::Normal), t0 + 2 * S)
            .unwrap();
        q.accept(1, "b", t0 + 3 * S).unwrap();
        assert_eq!(q.presence(1), Some(Presence::Busy));
        assert_eq!(
            q.set_presence(1, Presence::Busy, t0),
            Err(QueueError::BusyBySelf)
        );
        drain(&mut q);
        q.end("b", t0 + 63 * S);
        assert_eq!(q.presence(1), Some(Presence::WrapUp));
        assert!(
            q.enqueue("b".into(), need(Lang::En, Priority::Normal), t0 + 64 * S)
                .is_ok()
        );
        assert!(offers(&drain(&mut q)).is_empty(), "no calls in wrap-up");
    }
}
