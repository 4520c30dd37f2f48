//! The dialogue engine: understanding, state, policy and responses (text in, text out; no audio).
//!
//! One [`DialogueEngine`] serves every conversation of every door; a [`Conversation`] holds one caller's state.

pub mod kb;
pub mod nlu;
mod policy;
pub mod responses;
pub mod speakable;
pub mod state;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::NaiveDateTime;
use serde::Serialize;

pub use kb::{KbError, KnowledgeBase};
pub use state::{Conversation, Pending, Slots, Task};

use crate::lang::Lang;
use crate::store::{Store, StoreError, TurnRecord};
use nlu::{Nlu, NluError, ProductGazetteer, Understanding};
use responses::{Msg, render};

/// Errors of the dialogue layer.
#[derive(Debug, thiserror::Error)]
pub enum DialogueError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Nlu(#[from] NluError),
    #[error(transparent)]
    Kb(#[from] KbError),
}

/// The door a conversation comes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Phone,
    WebVoice,
    Chat,
    Replay,
    Mic,
}

impl Channel {
    /// The code stored in the turn log.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Phone => "phone",
            Channel::WebVoice => "web_voice",
            Channel::Chat => "chat",
            Channel::Replay => "replay",
            Channel::Mic => "mic",
        }
    }
}

/// One turn of caller input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserInput {
    /// What the caller said (transcript) or typed.
    Text(String),
    /// Keypad digits (DTMF), e.g. `"20241234#"`; `"0"` asks for a person.
    Digits(String),
    /// The caller stayed silent.
    NoInput,
}

/// What the next caller turn is expected to be (lets a voice endpointer wait longer for digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    Open,
    YesNo,
    OrderNumber,
    Phone,
    Address,
    Choice,
}

/// Why a conversation goes to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalationReason {
    Requested,
    NegativeSentiment,
    RepeatedMisunderstanding,
    Vip,
    NeedsHuman,
}

impl EscalationReason {
    /// The snake_case code used in logs and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            EscalationReason::Requested => "requested",
            EscalationReason::NegativeSentiment => "negative_sentiment",
            EscalationReason::RepeatedMisunderstanding => "repeated_misunderstanding",
            EscalationReason::Vip => "vip",
            EscalationReason::NeedsHuman => "needs_human",
        }
    }
}

/// How urgently a person should take over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Normal,
    High,
    Urgent,
}

/// What happens after a reply.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    Continue,
    /// Hand the caller to a person; `summary` tells the agent what the caller wants.
    Escalate {
        reason: EscalationReason,
        priority: Priority,
        summary: String,
    },
    End,
}

impl Outcome {
    /// `continue`, `escalate:<reason>` or `end` (the turn log's form).
    pub fn code(&self) -> String {
        match self {
            Outcome::Continue => "continue".into(),
            Outcome::Escalate { reason, .. } => format!("escalate:{}", reason.as_str()),
            Outcome::End => "end".into(),
        }
    }
}

/// kefu's answer to one turn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reply {
    /// Short and speakable (numbers already in words where a voice needs it).
    pub text: String,
    pub lang: Lang,
    pub expect: Expect,
    pub outcome: Outcome,
    /// How the turn was understood (none for the greeting, silence and keypad input).
    pub understanding: Option<Understanding>,
}

/// Where "now" comes from (the system clock, or a fixed/virtual clock in tests and replays).
pub type Clock = Arc<dyn Fn() -> NaiveDateTime + Send + Sync>;

/// The shared dialogue engine.
pub struct DialogueEngine {
    store: Store,
    nlu: Nlu,
    kb: KnowledgeBase,
    products: ProductGazetteer,
    clock: Clock,
    started: AtomicU64,
}

impl std::fmt::Debug for DialogueEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DialogueEngine")
            .field("kb", &self.kb)
            .finish_non_exhaustive()
    }
}

impl DialogueEngine {
    /// Builds the engine (and the product gazetteer from the store's catalogue); uses the system clock.
    pub fn new(store: Store, nlu: Nlu, kb: KnowledgeBase) -> Result<Self, DialogueError> {
        let products = ProductGazetteer::new(store.products()?.into_iter().map(|p| {
            let mut names = vec![p.name_en, p.name_zh];
            names.extend(p.aliases);
            (p.id, names)
        }));
        Ok(Self {
            store,
            nlu,
            kb,
            products,
            clock: Arc::new(|| chrono::Local::now().naive_local()),
            started: AtomicU64::new(0),
        })
    }

    /// Builds the engine the way `kefu serve` runs it: the store at `config.store.path` (seeded with the demo
    /// shop as of today when empty), the NLU model (trained from the repository data when missing) and the
    /// knowledge base.
    pub fn open(config: &crate::config::Config) -> Result<Self, DialogueError> {
        let store = Store::open_seeded(&config.store.path, chrono::Local::now().date_naive())?;
        let model = nlu::default_model_path(&config.models.dir);
        let nlu = Nlu::load_or_train(&model, &config.nlu.data_dir)?;
        let kb = KnowledgeBase::load(&config.dialogue.kb_path)?;
        Self::new(store, nlu, kb)
    }

    /// Replaces the clock (tests, replays on a virtual clock).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The store the engine works on.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The engine's current time.
    pub fn now(&self) -> NaiveDateTime {
        (self.clock)()
    }

    /// True if `text` names an order the shop holds, in digits or read with digit homophones ("it's too 024,
    /// 1 2 3 4"), as the dialogue reads order numbers. A store error counts as no (logged): at worst the
    /// caller is given the full pause to finish.
    pub fn names_known_order(&self, text: &str) -> bool {
        let readings = nlu::spoken_digits::digit_runs(text)
            .into_iter()
            .chain(nlu::spoken_digits::homophone_readings(text));
        for run in readings {
            match self.store.order_by_number(&run.digits) {
                Ok(Some(_)) => return true,
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!("cannot tell whether order {} exists: {e}", run.digits);
                    return false;
                }
            }
        }
        false
    }

    /// Opens a conversation and returns the greeting (personalised when the caller's number is known).
    pub fn start(
        &self,
        channel: Channel,
        caller_phone: Option<&str>,
        lang: Option<Lang>,
    ) -> Result<(Conversation, Reply), DialogueError> {
        let now = self.now();
        let n = self.started.fetch_add(1, Ordering::Relaxed);
        let customer = match caller_phone {
            Some(raw) => policy::find_customer(self, raw)?,
            None => None,
        };
        let phone = customer
            .as_ref()
            .map(|c| c.phone.clone())
            .or_else(|| caller_phone.and_then(policy::normalize_phone));
        let lang = lang
            .or(customer.as_ref().map(|c| c.language))
            .unwrap_or(Lang::Zh);
        let seed = now.and_utc().timestamp() as u64 ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let id = format!(
            "{}-{}-{n}-{:04x}",
            channel.as_str(),
            now.format("%Y%m%d%H%M%S"),
            rand::random::<u16>()
        );
        let conv = Conversation::new(id, channel, now, phone, customer, lang, seed);
        let text = match &conv.customer {
            Some(c) => render(
                Msg::GreetKnown,
                lang,
                &[("name", &c.name)],
                conv.turn_seed(),
            ),
            None => render(Msg::GreetAnonymous, lang, &[], conv.turn_seed()),
        };
        self.store.start_conversation(
            &conv.id,
            channel.as_str(),
            conv.caller_phone.as_deref(),
            conv.customer.as_ref().map(|c| c.id),
            lang,
            now,
        )?;
        let reply = Reply {
            text,
            lang,
            expect: Expect::Open,
            outcome: Outcome::Continue,
            understanding: None,
        };
        self.log_turn(&conv, "bot", "", &reply, now)?;
        Ok((conv, reply))
    }

    /// Handles one caller turn and logs it.
    pub fn handle(
        &self,
        conv: &mut Conversation,
        input: UserInput,
    ) -> Result<Reply, DialogueError> {
        let now = self.now();
        let text = match &input {
            UserInput::Text(t) => t.clone(),
            UserInput::Digits(d) => format!("[dtmf] {d}"),
            UserInput::NoInput => String::new(),
        };
        conv.turns += 1;
        let reply = policy::Turn::new(self, conv, now).respond(input)?;
        conv.expect = reply.expect;
        if !matches!(reply.outcome, Outcome::Continue) {
            conv.finished = true;
            self.store
                .end_conversation(&conv.id, &reply.outcome.code(), now)?;
            if conv.channel == Channel::Chat {
                crate::analytics::chat_ended(&self.store, &conv.id, &reply.outcome, now)?;
            }
        }
        self.log_turn(conv, "caller", &text, &reply, now)?;
        Ok(reply)
    }

    /// Words said while a person had the call, as the conversation's next turn for the turn log (the caller
    /// stores it), so the log holds the whole conversation: speaker `agent`, or `caller_to_agent` for the
    /// caller (analytics counts `caller` turns as the bot's), outcome `agent`. The bot does not answer them.
    pub fn bridged_turn(
        conv: &mut Conversation,
        by_agent: bool,
        text: &str,
        lang: Lang,
        at: NaiveDateTime,
    ) -> TurnRecord {
        conv.turns += 1;
        TurnRecord {
            conversation_id: conv.id.clone(),
            channel: conv.channel.as_str().into(),
            seq: i64::from(conv.turns),
            at,
            speaker: if by_agent { "agent" } else { "caller_to_agent" }.into(),
            text: text.into(),
            lang,
            intent: None,
            confidence: None,
            entities: "[]".into(),
            sentiment: None,
            reply: String::new(),
            outcome: "agent".into(),
        }
    }

    fn log_turn(
        &self,
        conv: &Conversation,
        speaker: &str,
        text: &str,
        reply: &Reply,
        at: NaiveDateTime,
    ) -> Result<(), DialogueError> {
        let u = reply.understanding.as_ref();
        self.store.insert_turn(&TurnRecord {
            conversation_id: conv.id.clone(),
            channel: conv.channel.as_str().into(),
            seq: i64::from(conv.turns),
            at,
            speaker: speaker.into(),
            text: text.into(),
            lang: u.map_or(reply.lang, |u| u.lang),
            intent: u.map(|u| u.intent.name().to_string()),
            confidence: u.map(|u| u.confidence),
            entities: u
                .map(|u| serde_json::to_string(&u.entities).unwrap_or_else(|_| "[]".into()))
                .unwrap_or_else(|| "[]".into()),
            sentiment: u.map(|u| u.sentiment),
            reply: reply.text.clone(),
            outcome: reply.outcome.code(),
        })?;
        Ok(())
    }
}
