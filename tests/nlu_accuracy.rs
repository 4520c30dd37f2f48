//! Trains the intent classifier on the repository's data and checks held-out accuracy on `data/nlu/eval`.

use std::path::Path;
use std::time::Instant;

use kefu::dialogue::nlu::{Nlu, TrainOptions, load_labelled_dir, load_training_dir};
use kefu::lang::Lang;

#[test]
fn held_out_accuracy_meets_the_bar() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/nlu");
    let training = load_training_dir(&data).expect("training data in data/nlu");
    let eval = load_labelled_dir(&data.join("eval")).expect("evaluation data in data/nlu/eval");
    assert!(!eval.is_empty(), "data/nlu/eval has no utterances");

    let started = Instant::now();
    let nlu = Nlu::train(&training, &TrainOptions::default()).expect("training");
    println!(
        "trained on {} utterances, {} features, in {:.2} s (debug build)",
        training.len(),
        nlu.features(),
        started.elapsed().as_secs_f32()
    );

    let evaluation = nlu.evaluate(&eval);
    let en = evaluation.accuracy(Lang::En).expect("English eval lines");
    let zh = evaluation.accuracy(Lang::Zh).expect("Chinese eval lines");
    println!(
        "held-out accuracy: overall {:.4}, en {en:.4}, zh {zh:.4}",
        evaluation.overall.accuracy
    );
    for c in evaluation.confusions.iter().take(10) {
        println!("  {:>3}  {} → {}", c.count, c.truth, c.predicted);
    }
    for p in evaluation.predictions.iter().filter(|p| !p.is_correct()) {
        println!(
            "  [{}] {} → {} ({:.2}): {}",
            p.lang, p.truth, p.predicted, p.confidence, p.text
        );
    }
    assert!(en >= 0.95, "English held-out accuracy {en:.4} < 0.95");
    assert!(zh >= 0.93, "Chinese held-out accuracy {zh:.4} < 0.93");
}
