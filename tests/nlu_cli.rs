//! `kefu nlu train | eval | parse` end to end, on small data sets written to a temporary folder.

use std::path::Path;
use std::process::{Command, Output};

fn kefu(args: &[&str], models_dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args(args)
        .env("KEFU_MODELS_DIR", models_dir)
        .env_remove("KEFU_CONFIG")
        .output()
        .expect("run kefu")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A two-intent data set; with `swap` the training labels are exchanged (a deliberately bad model).
fn write_data(dir: &Path, swap: bool) {
    let (cancel, greet) = if swap {
        ("greeting", "cancel_order")
    } else {
        ("cancel_order", "greeting")
    };
    std::fs::create_dir_all(dir.join("en")).unwrap();
    std::fs::create_dir_all(dir.join("zh")).unwrap();
    std::fs::create_dir_all(dir.join("eval")).unwrap();
    std::fs::write(
        dir.join(format!("en/{cancel}.txt")),
        "cancel my order\nplease cancel the order\ni want to cancel\n",
    )
    .unwrap();
    std::fs::write(
        dir.join(format!("en/{greet}.txt")),
        "hello\nhi there\ngood morning\n",
    )
    .unwrap();
    std::fs::write(
        dir.join(format!("zh/{cancel}.txt")),
        "取消订单\n我要取消订单\n",
    )
    .unwrap();
    std::fs::write(dir.join(format!("zh/{greet}.txt")), "你好\n您好\n").unwrap();
    std::fs::write(
        dir.join("eval/all.jsonl"),
        concat!(
            "{\"text\": \"cancel it please\", \"lang\": \"en\", \"intent\": \"cancel_order\"}\n",
            "{\"text\": \"hello there\", \"lang\": \"en\", \"intent\": \"greeting\"}\n",
            "{\"text\": \"帮我取消订单\", \"lang\": \"zh\", \"intent\": \"cancel_order\"}\n",
        ),
    )
    .unwrap();
}

#[test]
fn train_keeps_the_better_model_unless_forced() {
    let tmp = tempfile::tempdir().unwrap();
    let (good, bad) = (tmp.path().join("good"), tmp.path().join("bad"));
    write_data(&good, false);
    write_data(&bad, true);
    let models = tmp.path().join("models");
    let model = models.join("nlu/intent-model.json");

    let first = kefu(&["nlu", "train", "--data", good.to_str().unwrap()], &models);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stdout(&first).contains("AFTER") && model.is_file(),
        "{}",
        stdout(&first)
    );
    let saved = std::fs::read(&model).unwrap();

    let worse = kefu(&["nlu", "train", "--data", bad.to_str().unwrap()], &models);
    assert!(worse.status.success(), "{}", stderr(&worse));
    let out = stdout(&worse);
    assert!(
        out.contains("BEFORE") && out.contains("kept the previous model"),
        "{out}"
    );
    assert_eq!(
        std::fs::read(&model).unwrap(),
        saved,
        "the better model stays"
    );

    let forced = kefu(
        &["nlu", "train", "--data", bad.to_str().unwrap(), "--force"],
        &models,
    );
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_ne!(std::fs::read(&model).unwrap(), saved, "--force replaces it");
}

#[test]
fn parse_trains_a_missing_model_and_prints_json() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    write_data(&data, false);
    let models = tmp.path().join("models");
    let out = kefu(
        &[
            "nlu",
            "parse",
            "cancel order 12345678 tomorrow",
            "--data",
            data.to_str().unwrap(),
            "--today",
            "2026-11-24",
        ],
        &models,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("training"),
        "logs that it trains: {}",
        stderr(&out)
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON on stdout");
    assert_eq!(json["intent"], "cancel_order");
    assert_eq!(json["lang"], "en");
    assert_eq!(json["entities"][0]["value"]["kind"], "order_number");
    assert_eq!(json["entities"][1]["value"]["value"], "2026-11-25");
    assert!(models.join("nlu/intent-model.json").is_file());
}

#[test]
fn eval_prints_scores_and_fails_on_a_bad_line() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    write_data(&data, false);
    let models = tmp.path().join("models");
    let eval = data.join("eval/all.jsonl");
    let ok = kefu(
        &[
            "nlu",
            "eval",
            eval.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
        ],
        &models,
    );
    assert!(ok.status.success(), "{}", stderr(&ok));
    let report = stdout(&ok);
    assert!(
        report.contains("accuracy") && report.contains("en:") && report.contains("zh:"),
        "{report}"
    );
    assert!(
        report.contains("precision") && report.contains("cancel_order"),
        "{report}"
    );

    let csv = tmp.path().join("bad.csv");
    std::fs::write(
        &csv,
        "text,lang,intent\n\"hi\",en,greeting\n\"bye\",en,farewell\n",
    )
    .unwrap();
    let bad = kefu(
        &[
            "nlu",
            "eval",
            csv.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
        ],
        &models,
    );
    assert!(!bad.status.success());
    let err = stderr(&bad);
    assert!(
        err.contains("bad.csv:3") && err.contains("farewell"),
        "{err}"
    );

    let missing = kefu(&["nlu", "eval", "/nonexistent/eval.jsonl"], &models);
    assert!(!missing.status.success());
    assert!(
        stderr(&missing).contains("/nonexistent/eval.jsonl"),
        "{}",
        stderr(&missing)
    );
}
