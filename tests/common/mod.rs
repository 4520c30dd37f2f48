//! Shared set-up for conversation tests: the real NLU (trained from the repository data, cached in the models
//! dir), the real knowledge base and a seeded in-memory store on a fixed clock; and, for voice tests, the
//! real engines over the fetched models.

#![allow(dead_code)]

use std::sync::{Arc, OnceLock};

use chrono::NaiveDateTime;
use kefu::config::Config;
use kefu::dialogue::nlu::{self, Nlu};
use kefu::dialogue::{Channel, Conversation, DialogueEngine, KnowledgeBase, Reply, UserInput};
use kefu::doors::replay::replay_clock;
use kefu::lang::Lang;
use kefu::pipeline::Engines;
use kefu::speech::asr::AsrEngine;
use kefu::speech::tts::TtsEngine;
use kefu::speech::vad::{self, VadModel};
use kefu::store::Store;
use kefu::store::seed::{self, DEFAULT_SEED_DAY};

/// Whether `text` gives the delivery day a live server's store seeded as "tomorrow" on `seeded`: "tomorrow", or
/// "today" once midnight has passed since (the store fixes relative dates when it creates its database).
pub fn says_seeded_tomorrow(text: &str, seeded: chrono::NaiveDate) -> bool {
    text.contains("tomorrow")
        || (text.contains("today") && chrono::Local::now().date_naive() > seeded)
}

/// "Now" in every test: 10:30 on the seed day.
pub fn now() -> NaiveDateTime {
    DEFAULT_SEED_DAY.and_hms_opt(10, 30, 0).unwrap()
}

pub fn trained_nlu() -> Nlu {
    static NLU: OnceLock<Nlu> = OnceLock::new();
    NLU.get_or_init(|| {
        let config = Config::load(None).unwrap();
        let model = nlu::default_model_path(&config.models.dir);
        Nlu::load_or_train(&model, &config.nlu.data_dir)
            .unwrap_or_else(|e| panic!("NLU model {} unavailable: {e}", model.display()))
    })
    .clone()
}

/// The repository's knowledge base.
pub fn kb() -> KnowledgeBase {
    KnowledgeBase::load(&Config::load(None).unwrap().dialogue.kb_path).unwrap()
}

/// A fresh engine over a freshly seeded store.
pub fn engine() -> Arc<DialogueEngine> {
    let store = Store::open_in_memory().unwrap();
    seed::seed(&store, DEFAULT_SEED_DAY, false).unwrap();
    Arc::new(
        DialogueEngine::new(store, trained_nlu(), kb())
            .unwrap()
            .with_clock(Arc::new(now)),
    )
}

/// The real engines for voice tests: tiny.en (these tests speak English), the configured voices and VAD, and
/// the dialogue over a freshly seeded in-memory store on the replay clock.
pub fn voice_engines(mut config: Config) -> Arc<Engines> {
    fn missing(what: &str, e: &dyn std::fmt::Display) -> ! {
        panic!("{what} unavailable ({e}): run `kefu models fetch`")
    }
    config.asr.model = "tiny.en".into();
    let dir = &config.models.dir;
    let asr = AsrEngine::load(dir, &config.asr).unwrap_or_else(|e| missing("Whisper", &e));
    let tts = TtsEngine::load(dir, &config.tts).unwrap_or_else(|e| missing("TTS", &e));
    let vad = VadModel::load(&vad::model_path(dir)).unwrap_or_else(|e| missing("VAD", &e));
    let store = Store::open_in_memory().unwrap();
    seed::seed(&store, DEFAULT_SEED_DAY, false).unwrap();
    let dialogue = DialogueEngine::new(store, trained_nlu(), kb())
        .unwrap()
        .with_clock(Arc::new(replay_clock));
    Arc::new(
        Engines::from_parts(
            Arc::new(asr),
            Arc::new(tts),
            Arc::new(vad),
            Arc::new(dialogue),
            &config,
        )
        .unwrap(),
    )
}

/// One conversation driven by a test.
pub struct Chat {
    pub engine: Arc<DialogueEngine>,
    pub conv: Conversation,
    pub greeting: Reply,
}

impl Chat {
    pub fn start(phone: Option<&str>, lang: Option<Lang>) -> Chat {
        let engine = engine();
        let (conv, greeting) = engine.start(Channel::Chat, phone, lang).unwrap();
        Chat {
            engine,
            conv,
            greeting,
        }
    }

    pub fn say(&mut self, text: &str) -> Reply {
        let reply = self
            .engine
            .handle(&mut self.conv, UserInput::Text(text.into()))
            .unwrap();
        eprintln!(
            "caller> {text}\nkefu>   {}  [{:?} {:?}]",
            reply.text, reply.expect, reply.outcome
        );
        reply
    }

    pub fn input(&mut self, input: UserInput) -> Reply {
        let reply = self.engine.handle(&mut self.conv, input).unwrap();
        eprintln!(
            "caller> (input)\nkefu>   {}  [{:?} {:?}]",
            reply.text, reply.expect, reply.outcome
        );
        reply
    }

    pub fn store(&self) -> &Store {
        self.engine.store()
    }
}
