//! Natural-language understanding for one caller turn (zh + en): the intent (a trained classifier),
//! entities (order and phone numbers, dates, times, amounts, products, addresses) and sentiment.
//!
//! The classifier is trained from the data files in `data/nlu` (see [`load_training_dir`]) and saved as
//! JSON at [`default_model_path`]; [`Nlu::load_or_train`] trains it in-process when no model exists yet.
//! One model serves both languages: on the held-out sets, separate en and zh models scored within one
//! utterance of the joint model, which also copes with mixed turns ("我的 iPhone 坏了").
//!
//! A turn is `uncertain` when the top intent's probability is below the model's threshold. The threshold
//! is chosen on the evaluation set when training (`kefu nlu train`, [`Nlu::calibrate`]): the cut that
//! minimises 3 × wrong answers given + 1 × right answers withheld, kept within 0.2..=0.7
//! ([`Evaluation::choose_threshold`]). Without an evaluation set it stays at 0.5.

mod classifier;
mod data;
mod entities;
mod evaluation;
mod features;
mod intent;
mod sentiment;
pub(crate) mod spoken_digits;
mod text;

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};

pub use classifier::TrainOptions;
pub use data::{Example, load_labelled, load_labelled_dir, load_training_dir};
pub use entities::{ChangeField, Entity, EntityValue, Expecting, ParseContext, ProductGazetteer};
pub use evaluation::{Confusion, Evaluation, IntentScore, Prediction, Score};
pub use intent::{Intent, UnknownIntent};
pub use sentiment::score as sentiment_score;
pub use spoken_digits::normalize_spoken_digits;
pub use text::{jieba, to_simplified};

use crate::lang::Lang;
use classifier::{IntentModel, StoredModel};

/// Errors of the NLU layer: data files, model files, training.
#[derive(Debug, thiserror::Error)]
pub enum NluError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    BadLine {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    BadFile { path: PathBuf, message: String },
    #[error("no training data in {dir}: expected {dir}/en/<intent>.txt and {dir}/zh/<intent>.txt")]
    NoTrainingData { dir: PathBuf },
    #[error("invalid NLU model {path}: {message}; retrain it with `kefu nlu train`")]
    BadModel { path: PathBuf, message: String },
}

/// What kefu understood of one turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Understanding {
    pub text: String,
    pub lang: Lang,
    pub intent: Intent,
    /// Probability of the top intent (softmax output), 0..1.
    pub confidence: f32,
    /// The three most likely intents with their probabilities, best first.
    pub ranking: Vec<(Intent, f32)>,
    /// The confidence is below the model's threshold: confirm or ask again rather than act.
    pub uncertain: bool,
    pub entities: Vec<Entity>,
    /// −1.0 (very negative) ..= 1.0 (very positive).
    pub sentiment: f32,
}

/// Where the intent model lives inside the models dir: `models/nlu/intent-model.json`.
pub fn default_model_path(models_dir: &Path) -> PathBuf {
    models_dir.join("nlu").join("intent-model.json")
}

/// Threshold used until one is chosen on an evaluation set.
const DEFAULT_THRESHOLD: f32 = 0.5;
const MODEL_FORMAT: &str = "kefu-nlu-intent-1";

/// The model file: the classifier plus what was learnt about it.
#[derive(Serialize, Deserialize)]
struct ModelFile {
    format: String,
    threshold: f32,
    trained_on: usize,
    classifier: StoredModel,
}

/// The trained understanding component.
#[derive(Debug, Clone, PartialEq)]
pub struct Nlu {
    model: IntentModel,
    threshold: f32,
    trained_on: usize,
}

impl Nlu {
    /// Trains the intent classifier on labelled utterances. Deterministic for given examples and options.
    pub fn train(examples: &[Example], opts: &TrainOptions) -> Result<Nlu, NluError> {
        if examples.is_empty() {
            return Err(NluError::NoTrainingData {
                dir: PathBuf::from("(no examples given)"),
            });
        }
        let normalized: Vec<(String, Intent)> = examples
            .iter()
            .map(|e| (text::normalize(&e.text, e.lang), e.intent))
            .collect();
        Ok(Nlu {
            model: IntentModel::train(&normalized, opts),
            threshold: DEFAULT_THRESHOLD,
            trained_on: examples.len(),
        })
    }

    /// Loads a model saved by [`Nlu::save`].
    pub fn load(path: &Path) -> Result<Nlu, NluError> {
        let bad = |message: String| NluError::BadModel {
            path: path.to_path_buf(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|source| NluError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let file: ModelFile = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        if file.format != MODEL_FORMAT {
            return Err(bad(format!(
                "format {:?}, expected {MODEL_FORMAT:?}",
                file.format
            )));
        }
        if !(0.0..=1.0).contains(&file.threshold) {
            return Err(bad(format!(
                "threshold {} is not a probability",
                file.threshold
            )));
        }
        Ok(Nlu {
            model: IntentModel::from_stored(file.classifier).map_err(bad)?,
            threshold: file.threshold,
            trained_on: file.trained_on,
        })
    }

    /// Saves the model as JSON, creating the parent folder.
    pub fn save(&self, path: &Path) -> Result<(), NluError> {
        let write_err = |source| NluError::Write {
            path: path.to_path_buf(),
            source,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(write_err)?;
        }
        let file = ModelFile {
            format: MODEL_FORMAT.to_string(),
            threshold: self.threshold,
            trained_on: self.trained_on,
            classifier: self.model.to_stored(),
        };
        let json = serde_json::to_string(&file).map_err(|e| write_err(std::io::Error::other(e)))?;
        std::fs::write(path, json).map_err(write_err)
    }

    /// Loads the model at `model_path`; if there is none, trains one from `data_dir` (calibrating the
    /// threshold on `data_dir/eval` when present), saves it there and returns it.
    pub fn load_or_train(model_path: &Path, data_dir: &Path) -> Result<Nlu, NluError> {
        if model_path.is_file() {
            return Nlu::load(model_path);
        }
        tracing::info!(model = %model_path.display(), data = %data_dir.display(), "no NLU model yet: training one");
        let started = Instant::now();
        let mut nlu = Nlu::train(&load_training_dir(data_dir)?, &TrainOptions::default())?;
        let eval_dir = data_dir.join("eval");
        if eval_dir.is_dir() {
            nlu.calibrate(&load_labelled_dir(&eval_dir)?);
        }
        tracing::info!(
            seconds = started.elapsed().as_secs_f32(),
            examples = nlu.trained_on,
            "NLU model trained"
        );
        if let Err(e) = nlu.save(model_path) {
            tracing::warn!("keeping the NLU model in memory only: {e}");
        }
        Ok(nlu)
    }

    /// Understands one turn.
    pub fn parse(&self, text: &str, ctx: &ParseContext) -> Understanding {
        let lang = ctx
            .lang_hint
            .or_else(|| Lang::detect(text))
            .unwrap_or(Lang::En);
        let normalized = text::normalize(text, lang);
        // Same byte offsets as `text`, so entity spans index the caller's text.
        let simplified = text::to_simplified(text);
        let ranking = self.ranking(&normalized);
        let (intent, confidence) = ranking[0];
        Understanding {
            text: text.to_string(),
            lang,
            intent,
            confidence,
            ranking: ranking.into_iter().take(3).collect(),
            uncertain: confidence < self.threshold || normalized.is_empty(),
            entities: entities::extract(&simplified, ctx),
            sentiment: sentiment::score(&simplified),
        }
    }

    /// All intents by probability, best first.
    fn ranking(&self, normalized: &str) -> Vec<(Intent, f32)> {
        let probabilities = self.model.probabilities(normalized);
        let mut ranking: Vec<(Intent, f32)> =
            Intent::ALL.iter().copied().zip(probabilities).collect();
        ranking.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranking
    }

    /// Classifies every example and scores the result (accuracy, per-intent P/R/F1, confusions, per language).
    pub fn evaluate(&self, examples: &[Example]) -> Evaluation {
        let predictions = examples
            .iter()
            .map(|e| {
                let (predicted, confidence) = self.ranking(&text::normalize(&e.text, e.lang))[0];
                Prediction {
                    text: e.text.clone(),
                    lang: e.lang,
                    truth: e.intent,
                    predicted,
                    confidence,
                }
            })
            .collect();
        Evaluation::from_predictions(predictions)
    }

    /// Evaluates on `examples` and sets the "not sure" threshold from the result
    /// (see [`Evaluation::choose_threshold`]). Does nothing for an empty set.
    pub fn calibrate(&mut self, examples: &[Example]) -> Option<Evaluation> {
        if examples.is_empty() {
            return None;
        }
        let evaluation = self.evaluate(examples);
        self.threshold = evaluation.choose_threshold();
        Some(evaluation)
    }

    /// Confidence below which a turn is `uncertain`.
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    /// Number of utterances the model was trained on.
    pub fn trained_on(&self) -> usize {
        self.trained_on
    }

    /// Size of the feature vocabulary.
    pub fn features(&self) -> usize {
        self.model.vocabulary_len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn examples() -> Vec<Example> {
        let mut out = Vec::new();
        for (lang, intent, texts) in [
            (
                Lang::En,
                Intent::Greeting,
                &["hello", "hi there", "good morning"][..],
            ),
            (
                Lang::En,
                Intent::CancelOrder,
                &[
                    "cancel my order",
                    "i want to cancel the order",
                    "please cancel it",
                ][..],
            ),
            (
                Lang::En,
                Intent::OrderStatus,
                &[
                    "where is my order",
                    "order status please",
                    "has my order shipped",
                ][..],
            ),
            (Lang::Zh, Intent::Greeting, &["你好", "您好", "早上好"][..]),
            (
                Lang::Zh,
                Intent::CancelOrder,
                &["取消订单", "我要取消订单", "帮我把订单取消了"][..],
            ),
            (
                Lang::Zh,
                Intent::OrderStatus,
                &["我的订单到哪了", "查一下订单", "订单发货了吗"][..],
            ),
        ] {
            for t in texts {
                out.push(Example {
                    text: t.to_string(),
                    lang,
                    intent,
                });
            }
        }
        out
    }

    #[test]
    fn parses_intent_entities_and_sentiment() {
        let nlu = Nlu::train(&examples(), &TrainOptions::default()).unwrap();
        let products = ProductGazetteer::default();
        let ctx = ParseContext::new(&products, NaiveDate::from_ymd_opt(2026, 11, 24).unwrap());
        let u = nlu.parse("please cancel order 12345678 now, this is terrible", &ctx);
        assert_eq!(u.intent, Intent::CancelOrder);
        assert_eq!(u.lang, Lang::En);
        assert_eq!(u.ranking.len(), 3);
        assert!(u.ranking[0].1 >= u.ranking[1].1 && u.ranking[1].1 >= u.ranking[2].1);
        assert_eq!(
            u.entities[0].value,
            EntityValue::OrderNumber("12345678".into())
        );
        assert!(u.sentiment < 0.0);
        let zh = nlu.parse("我要取消订单", &ctx);
        assert_eq!((zh.intent, zh.lang), (Intent::CancelOrder, Lang::Zh));
        let traditional = nlu.parse("我要取消訂單 後天", &ctx);
        assert_eq!(traditional.intent, Intent::CancelOrder);
        assert_eq!(traditional.text, "我要取消訂單 後天");
        assert_eq!(
            &traditional.text[traditional.entities[0].span.clone()],
            "後天"
        );
        assert!(nlu.parse("", &ctx).uncertain);
    }

    #[test]
    fn save_and_load_round_trip() {
        let nlu = Nlu::train(&examples(), &TrainOptions::default()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = default_model_path(dir.path());
        nlu.save(&path).unwrap();
        assert_eq!(Nlu::load(&path).unwrap(), nlu);
        std::fs::write(&path, "{\"format\": \"other\"}").unwrap();
        let err = Nlu::load(&path).unwrap_err().to_string();
        assert!(err.contains("kefu nlu train"), "{err}");
    }

    #[test]
    fn two_trainings_give_identical_model_files() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
        Nlu::train(&examples(), &TrainOptions::default())
            .unwrap()
            .save(&a)
            .unwrap();
        Nlu::train(&examples(), &TrainOptions::default())
            .unwrap()
            .save(&b)
            .unwrap();
        assert_eq!(std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    }

    #[test]
    fn load_or_train_trains_once_then_loads() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(data.join("en")).unwrap();
        std::fs::write(data.join("en/greeting.txt"), "hello\nhi\n").unwrap();
        std::fs::write(data.join("en/thanks.txt"), "thank you\nthanks a lot\n").unwrap();
        let model = default_model_path(&dir.path().join("models"));
        let trained = Nlu::load_or_train(&model, &data).unwrap();
        assert!(model.is_file());
        assert_eq!(Nlu::load_or_train(&model, &data).unwrap(), trained);
    }

    #[test]
    fn evaluation_reports_per_language() {
        let nlu = Nlu::train(&examples(), &TrainOptions::default()).unwrap();
        let eval = nlu.evaluate(&examples());
        assert_eq!(eval.overall.total, 18);
        assert_eq!(eval.accuracy(Lang::Zh), Some(1.0));
        assert_eq!(eval.accuracy(Lang::En), Some(1.0));
    }
}
