//! `kefu nlu train | eval | parse`: train, score and try the intent classifier and entity extraction.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Subcommand, ValueEnum};
use kefu::config::Config;
use kefu::dialogue::nlu::{
    Evaluation, Example, Expecting, Nlu, ParseContext, ProductGazetteer, TrainOptions,
    default_model_path, load_labelled, load_labelled_dir, load_training_dir,
};
use kefu::lang::Lang;

#[derive(Subcommand)]
pub enum NluCommand {
    /// Train the intent classifier on DATA/{en,zh}/*.txt + DATA/reviewed/*.jsonl, compare it with the
    /// current model on DATA/eval/*.jsonl, and keep whichever is better.
    Train {
        /// NLU data folder (default: `nlu.data_dir` of the config, `data/nlu`).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Where to write the model (default: <models dir>/nlu/intent-model.json).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace the existing model even if the new one scores lower.
        #[arg(long)]
        force: bool,
    },
    /// Score the model on labelled files (JSONL or CSV with text,lang,intent).
    Eval {
        /// Labelled files to score.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Model file (default: <models dir>/nlu/intent-model.json, trained from the data dir if missing).
        #[arg(long)]
        model: Option<PathBuf>,
        /// NLU data folder used if the model has to be trained first.
        #[arg(long)]
        data: Option<PathBuf>,
        /// How many of the most frequent confusions to list.
        #[arg(long, default_value_t = 15)]
        confusions: usize,
        /// Also list every misclassified utterance.
        #[arg(long)]
        errors: bool,
    },
    /// Understand one utterance and print the result as JSON.
    Parse {
        text: String,
        /// Language of the text (detected if omitted).
        #[arg(long)]
        lang: Option<Lang>,
        /// What the dialogue just asked for (biases entity extraction).
        #[arg(long, value_enum)]
        expecting: Option<ExpectingArg>,
        /// Resolve relative dates against this day (YYYY-MM-DD; default: today).
        #[arg(long)]
        today: Option<chrono::NaiveDate>,
        /// Model file (default: <models dir>/nlu/intent-model.json, trained from the data dir if missing).
        #[arg(long)]
        model: Option<PathBuf>,
        /// NLU data folder used if the model has to be trained first.
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Export low-confidence or escalated turns from the turn log as JSONL for review.
    Review(super::nlu_review::ReviewArgs),
}

/// [`Expecting`] on the command line.
#[derive(Clone, Copy, ValueEnum)]
pub enum ExpectingArg {
    OrderNumber,
    Phone,
    Address,
    Date,
    YesNo,
}

impl From<ExpectingArg> for Expecting {
    fn from(e: ExpectingArg) -> Self {
        match e {
            ExpectingArg::OrderNumber => Expecting::OrderNumber,
            ExpectingArg::Phone => Expecting::Phone,
            ExpectingArg::Address => Expecting::Address,
            ExpectingArg::Date => Expecting::Date,
            ExpectingArg::YesNo => Expecting::YesNo,
        }
    }
}

pub fn run(config: &Config, command: NluCommand) -> Result<()> {
    match command {
        NluCommand::Review(args) => super::nlu_review::run(config, args),
        NluCommand::Train { data, out, force } => {
            let data = data.unwrap_or_else(|| config.nlu.data_dir.clone());
            let out = out.unwrap_or_else(|| default_model_path(&config.models.dir));
            train(&data, &out, force)
        }
        NluCommand::Eval {
            files,
            model,
            data,
            confusions,
            errors,
        } => {
            let mut examples = Vec::new();
            for file in &files {
                examples.extend(
                    load_labelled(file)
                        .with_context(|| format!("cannot use {}", file.display()))?,
                );
            }
            if examples.is_empty() {
                bail!("no labelled utterances in {}", display_list(&files));
            }
            let nlu = load_model(config, model, data)?;
            let evaluation = nlu.evaluate(&examples);
            print_evaluation(&evaluation, confusions);
            if errors {
                print_errors(&evaluation);
            }
            Ok(())
        }
        NluCommand::Parse {
            text,
            lang,
            expecting,
            today,
            model,
            data,
        } => {
            let nlu = load_model(config, model, data)?;
            let products = ProductGazetteer::default();
            let ctx = ParseContext {
                lang_hint: lang,
                expecting: expecting.map(Expecting::from),
                ..ParseContext::new(
                    &products,
                    today.unwrap_or_else(|| chrono::Local::now().date_naive()),
                )
            };
            println!("{}", serde_json::to_string_pretty(&nlu.parse(&text, &ctx))?);
            Ok(())
        }
    }
}

/// The model for `eval`/`parse`: an explicit file must exist; the default one is trained if missing.
fn load_model(config: &Config, model: Option<PathBuf>, data: Option<PathBuf>) -> Result<Nlu> {
    match model {
        Some(path) => Nlu::load(&path)
            .with_context(|| format!("cannot load the NLU model {}", path.display())),
        None => {
            let path = default_model_path(&config.models.dir);
            let data = data.unwrap_or_else(|| config.nlu.data_dir.clone());
            Nlu::load_or_train(&path, &data).context("no usable NLU model")
        }
    }
}

fn train(data: &Path, out: &Path, force: bool) -> Result<()> {
    let examples = load_training_dir(data).context("cannot load the NLU training data")?;
    let eval_dir = data.join("eval");
    let eval: Vec<Example> = if eval_dir.is_dir() {
        load_labelled_dir(&eval_dir).context("cannot load the NLU evaluation data")?
    } else {
        tracing::warn!(
            "no evaluation set at {}: the threshold keeps its default",
            eval_dir.display()
        );
        Vec::new()
    };
    let before = if out.is_file() {
        match Nlu::load(out) {
            Ok(old) => Some(old.evaluate(&eval)),
            Err(e) => {
                println!("existing model is unusable ({e}); it will be replaced");
                None
            }
        }
    } else {
        None
    };
    let started = Instant::now();
    let mut nlu = Nlu::train(&examples, &TrainOptions::default())?;
    let seconds = started.elapsed().as_secs_f32();
    let after = nlu.calibrate(&eval);
    println!(
        "trained on {} utterances ({} features) in {seconds:.2} s; uncertain below {:.3}",
        nlu.trained_on(),
        nlu.features(),
        nlu.threshold()
    );
    if let Some(before) = &before {
        println!("\nBEFORE (current model {}):", out.display());
        print_summary(before);
    }
    if let Some(after) = &after {
        println!("\nAFTER (new model):");
        print_summary(after);
    }
    let worse = match (&before, &after) {
        (Some(b), Some(a)) if !eval.is_empty() => a.overall.accuracy < b.overall.accuracy,
        _ => false,
    };
    if worse && !force {
        println!(
            "\nkept the previous model {}: the new one scores lower (use --force to replace it)",
            out.display()
        );
        return Ok(());
    }
    nlu.save(out)?;
    println!("\nsaved {}", out.display());
    Ok(())
}

fn print_summary(e: &Evaluation) {
    println!(
        "  accuracy {:.4} ({}/{})",
        e.overall.accuracy, e.overall.correct, e.overall.total
    );
    for (lang, score) in &e.by_lang {
        println!(
            "    {lang}: {:.4} ({}/{})",
            score.accuracy, score.correct, score.total
        );
    }
}

fn print_evaluation(e: &Evaluation, confusions: usize) {
    print_summary(e);
    println!(
        "\n{:<18} {:>9} {:>7} {:>7} {:>7}",
        "intent", "precision", "recall", "f1", "support"
    );
    for s in &e.by_intent {
        println!(
            "{:<18} {:>9.3} {:>7.3} {:>7.3} {:>7}",
            s.intent.name(),
            s.precision,
            s.recall,
            s.f1,
            s.support
        );
    }
    if e.confusions.is_empty() {
        println!("\nno confusions");
        return;
    }
    println!("\nmost frequent confusions (true → predicted):");
    for c in e.confusions.iter().take(confusions) {
        println!("  {:>4}  {} → {}", c.count, c.truth, c.predicted);
    }
}

fn print_errors(e: &Evaluation) {
    println!("\nmisclassified:");
    for p in e.predictions.iter().filter(|p| !p.is_correct()) {
        println!(
            "  [{}] {} → {} ({:.2}): {}",
            p.lang, p.truth, p.predicted, p.confidence, p.text
        );
    }
}

fn display_list(files: &[PathBuf]) -> String {
    files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
