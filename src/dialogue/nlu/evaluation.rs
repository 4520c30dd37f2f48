//! Scoring a classifier on labelled utterances: accuracy (overall and per language), per-intent
//! precision/recall/F1, the most frequent confusions, and the choice of the "not sure" threshold.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Intent;
use crate::lang::Lang;

/// The classifier's answer for one labelled utterance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    pub text: String,
    pub lang: Lang,
    pub truth: Intent,
    pub predicted: Intent,
    pub confidence: f32,
}

impl Prediction {
    pub fn is_correct(&self) -> bool {
        self.truth == self.predicted
    }
}

/// Accuracy over a subset.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Score {
    pub total: usize,
    pub correct: usize,
    pub accuracy: f32,
}

impl Score {
    fn of<'a>(predictions: impl Iterator<Item = &'a Prediction>) -> Score {
        let (mut total, mut correct) = (0, 0);
        for p in predictions {
            total += 1;
            correct += usize::from(p.is_correct());
        }
        Score {
            total,
            correct,
            accuracy: if total == 0 {
                0.0
            } else {
                correct as f32 / total as f32
            },
        }
    }
}

/// Precision, recall and F1 of one intent.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct IntentScore {
    pub intent: Intent,
    /// Utterances labelled with this intent.
    pub support: usize,
    /// Utterances predicted as this intent.
    pub predicted: usize,
    pub precision: f32,
    pub recall: f32,
    pub f1: f32,
}

/// How often utterances of `truth` were taken for `predicted`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Confusion {
    pub truth: Intent,
    pub predicted: Intent,
    pub count: usize,
}

/// The result of [`super::Nlu::evaluate`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub overall: Score,
    pub by_lang: Vec<(Lang, Score)>,
    /// Intents that occur in the labels or the predictions, in [`Intent::ALL`] order.
    pub by_intent: Vec<IntentScore>,
    /// Mistakes grouped by (truth, predicted), most frequent first.
    pub confusions: Vec<Confusion>,
    pub predictions: Vec<Prediction>,
}

/// Cost of answering a wrongly understood request, relative to asking a needless "did you mean…?".
const WRONG_ANSWER_COST: f32 = 3.0;
/// The threshold never goes below this: with 26 intents, a top probability under 0.2 is a guess.
pub const MIN_THRESHOLD: f32 = 0.2;
/// …nor above this, so a model that is sure of its mistakes still answers most turns.
pub const MAX_THRESHOLD: f32 = 0.7;

impl Evaluation {
    /// Scores a set of predictions.
    pub fn from_predictions(predictions: Vec<Prediction>) -> Evaluation {
        let overall = Score::of(predictions.iter());
        let by_lang = [Lang::En, Lang::Zh]
            .into_iter()
            .filter(|&l| predictions.iter().any(|p| p.lang == l))
            .map(|l| (l, Score::of(predictions.iter().filter(|p| p.lang == l))))
            .collect();
        let by_intent = Intent::ALL
            .iter()
            .filter_map(|&intent| {
                let support = predictions.iter().filter(|p| p.truth == intent).count();
                let predicted = predictions.iter().filter(|p| p.predicted == intent).count();
                if support == 0 && predicted == 0 {
                    return None;
                }
                let hits = predictions
                    .iter()
                    .filter(|p| p.truth == intent && p.is_correct())
                    .count();
                let precision = ratio(hits, predicted);
                let recall = ratio(hits, support);
                let f1 = if precision + recall > 0.0 {
                    2.0 * precision * recall / (precision + recall)
                } else {
                    0.0
                };
                Some(IntentScore {
                    intent,
                    support,
                    predicted,
                    precision,
                    recall,
                    f1,
                })
            })
            .collect();
        let mut pairs: BTreeMap<(Intent, Intent), usize> = BTreeMap::new();
        for p in predictions.iter().filter(|p| !p.is_correct()) {
            *pairs.entry((p.truth, p.predicted)).or_insert(0) += 1;
        }
        let mut confusions: Vec<Confusion> = pairs
            .into_iter()
            .map(|((truth, predicted), count)| Confusion {
                truth,
                predicted,
                count,
            })
            .collect();
        confusions.sort_by_key(|c| std::cmp::Reverse(c.count));
        Evaluation {
            overall,
            by_lang,
            by_intent,
            confusions,
            predictions,
        }
    }

    /// Accuracy on one language, if the set has any utterance in it.
    pub fn accuracy(&self, lang: Lang) -> Option<f32> {
        self.by_lang
            .iter()
            .find(|(l, _)| *l == lang)
            .map(|(_, s)| s.accuracy)
    }

    /// Picks the confidence below which kefu says "I'm not sure": the cut (midway between two observed
    /// confidences) minimising
    /// `3 × (wrong answers given) + 1 × (right answers withheld)` on this set, clamped to
    /// [`MIN_THRESHOLD`, `MAX_THRESHOLD`]. Ties go to the lower threshold (fewer questions back).
    pub fn choose_threshold(&self) -> f32 {
        let mut confidences: Vec<f32> = self.predictions.iter().map(|p| p.confidence).collect();
        confidences.sort_by(f32::total_cmp);
        confidences.dedup();
        // Midpoints between neighbouring confidences leave a margin on both sides of the cut.
        let candidates = confidences
            .windows(2)
            .map(|w| (w[0] + w[1]) / 2.0)
            .filter(|t| (MIN_THRESHOLD..=MAX_THRESHOLD).contains(t));
        let cost = |t: f32| -> f32 {
            self.predictions
                .iter()
                .map(|p| match (p.confidence >= t, p.is_correct()) {
                    (true, false) => WRONG_ANSWER_COST,
                    (false, true) => 1.0,
                    _ => 0.0,
                })
                .sum()
        };
        let mut best = (MIN_THRESHOLD, cost(MIN_THRESHOLD));
        for t in candidates {
            let c = cost(t);
            if c < best.1 {
                best = (t, c);
            }
        }
        best.0
    }
}

fn ratio(a: usize, b: usize) -> f32 {
    if b == 0 { 0.0 } else { a as f32 / b as f32 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(lang: Lang, truth: Intent, predicted: Intent, confidence: f32) -> Prediction {
        Prediction {
            text: String::new(),
            lang,
            truth,
            predicted,
            confidence,
        }
    }

    #[test]
    fn scores_accuracy_precision_recall_and_confusions() {
        use Intent::*;
        let eval = Evaluation::from_predictions(vec![
            p(Lang::En, Refund, Refund, 0.9),
            p(Lang::En, Refund, ReturnItem, 0.5),
            p(Lang::Zh, ReturnItem, ReturnItem, 0.8),
            p(Lang::Zh, Refund, ReturnItem, 0.4),
        ]);
        assert_eq!(eval.overall.correct, 2);
        assert_eq!(eval.accuracy(Lang::En), Some(0.5));
        assert_eq!(eval.accuracy(Lang::Zh), Some(0.5));
        let refund = eval.by_intent.iter().find(|s| s.intent == Refund).unwrap();
        assert_eq!((refund.support, refund.predicted), (3, 1));
        assert!((refund.precision - 1.0).abs() < 1e-6 && (refund.recall - 1.0 / 3.0).abs() < 1e-6);
        assert_eq!(
            eval.confusions,
            [Confusion {
                truth: Refund,
                predicted: ReturnItem,
                count: 2
            }]
        );
    }

    #[test]
    fn threshold_separates_confident_hits_from_unsure_mistakes() {
        use Intent::*;
        let eval = Evaluation::from_predictions(vec![
            p(Lang::En, Refund, Refund, 0.9),
            p(Lang::En, Thanks, Thanks, 0.8),
            p(Lang::En, Refund, ReturnItem, 0.35),
            p(Lang::En, Deny, Affirm, 0.3),
            p(Lang::En, Deny, Deny, 0.25),
        ]);
        // Between the unsure mistake at 0.35 and the confident hit at 0.8.
        assert!(
            (eval.choose_threshold() - 0.575).abs() < 1e-6,
            "{}",
            eval.choose_threshold()
        );
        let all_right = Evaluation::from_predictions(vec![p(Lang::En, Refund, Refund, 0.95)]);
        assert_eq!(all_right.choose_threshold(), MIN_THRESHOLD);
    }
}
