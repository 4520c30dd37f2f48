//! Labelled utterances on disk: training files (`<lang>/<intent>.txt`) and labelled sets (JSONL or CSV).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Intent, NluError};
use crate::lang::Lang;

/// One utterance with its language and intent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Example {
    pub text: String,
    pub lang: Lang,
    pub intent: Intent,
}

/// Languages with a training folder under the data dir.
const LANG_DIRS: [Lang; 2] = [Lang::En, Lang::Zh];

/// Loads the training set of a data dir (e.g. `data/nlu`): every `en/<intent>.txt` and `zh/<intent>.txt`
/// (one utterance per line, `#` comments and blank lines ignored), plus the person-reviewed turns in
/// `reviewed/*.jsonl` / `reviewed/*.csv`. Files are read in name order so training is reproducible.
pub fn load_training_dir(dir: &Path) -> Result<Vec<Example>, NluError> {
    let mut examples = Vec::new();
    for lang in LANG_DIRS {
        let lang_dir = dir.join(lang.code());
        if !lang_dir.is_dir() {
            continue;
        }
        for path in sorted_files(&lang_dir, &["txt"])? {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            let intent: Intent = stem.parse().map_err(|_| NluError::BadFile {
                path: path.clone(),
                message: format!("the file name must be an intent name ({stem:?} is not one)"),
            })?;
            let text = read(&path)?;
            examples.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(|l| Example {
                        text: l.to_string(),
                        lang,
                        intent,
                    }),
            );
        }
    }
    if examples.is_empty() {
        return Err(NluError::NoTrainingData {
            dir: dir.to_path_buf(),
        });
    }
    let reviewed = dir.join("reviewed");
    if reviewed.is_dir() {
        for path in sorted_files(&reviewed, &["jsonl", "csv"])? {
            examples.extend(load_labelled(&path)?);
        }
    }
    Ok(examples)
}

/// Loads every labelled file (`*.jsonl`, `*.csv`) of a folder, e.g. `data/nlu/eval`, in name order.
pub fn load_labelled_dir(dir: &Path) -> Result<Vec<Example>, NluError> {
    let mut examples = Vec::new();
    for path in sorted_files(dir, &["jsonl", "csv"])? {
        examples.extend(load_labelled(&path)?);
    }
    Ok(examples)
}

/// Loads a labelled set: JSONL lines `{"text": …, "lang": "en"|"zh", "intent": …}`, or, for a `.csv`
/// file, RFC 4180 CSV with a header naming the columns `text`, `lang`, `intent`. A missing `lang` is
/// detected from the text. Errors name the file and line.
pub fn load_labelled(path: &Path) -> Result<Vec<Example>, NluError> {
    let is_csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if is_csv {
        load_csv(path)
    } else {
        load_jsonl(path)
    }
}

#[derive(Deserialize)]
struct LabelledRecord {
    text: String,
    lang: Option<String>,
    intent: String,
}

impl LabelledRecord {
    fn into_example(self) -> Result<Example, String> {
        let intent = self.intent.parse::<Intent>().map_err(|e| e.to_string())?;
        let lang = match self
            .lang
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            Some(code) => code.parse::<Lang>().map_err(|e| e.to_string())?,
            None => Lang::detect(&self.text)
                .ok_or("no \"lang\" given and the text has no letters to detect it")?,
        };
        if self.text.trim().is_empty() {
            return Err("empty \"text\"".into());
        }
        Ok(Example {
            text: self.text,
            lang,
            intent,
        })
    }
}

fn load_jsonl(path: &Path) -> Result<Vec<Example>, NluError> {
    let text = read(path)?;
    let mut examples = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let bad = |message: String| NluError::BadLine {
            path: path.to_path_buf(),
            line: i + 1,
            message,
        };
        let record: LabelledRecord = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
        examples.push(record.into_example().map_err(bad)?);
    }
    Ok(examples)
}

fn load_csv(path: &Path) -> Result<Vec<Example>, NluError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::Headers)
        .from_path(path)
        .map_err(|e| NluError::BadFile {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    let headers = reader.headers().cloned().map_err(|e| NluError::BadFile {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut examples = Vec::new();
    for row in reader.records() {
        let bad = |line: u64, message: String| NluError::BadLine {
            path: path.to_path_buf(),
            line: line as usize,
            message,
        };
        let row = row.map_err(|e| bad(e.position().map_or(0, |p| p.line()), e.to_string()))?;
        let line = row.position().map_or(0, |p| p.line());
        let record: LabelledRecord = row
            .deserialize(Some(&headers))
            .map_err(|e| bad(line, e.to_string()))?;
        examples.push(
            record
                .into_example()
                .map_err(|message| bad(line, message))?,
        );
    }
    Ok(examples)
}

fn read(path: &Path) -> Result<String, NluError> {
    std::fs::read_to_string(path).map_err(|source| NluError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn sorted_files(dir: &Path, extensions: &[&str]) -> Result<Vec<PathBuf>, NluError> {
    let entries = std::fs::read_dir(dir).map_err(|source| NluError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| extensions.iter().any(|x| e.eq_ignore_ascii_case(x)))
        })
        .collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_training_files_and_reviewed_turns() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("en")).unwrap();
        std::fs::create_dir_all(dir.path().join("zh")).unwrap();
        std::fs::create_dir_all(dir.path().join("reviewed")).unwrap();
        std::fs::write(
            dir.path().join("en/greeting.txt"),
            "# hellos\nhello\n\n  hi there \n",
        )
        .unwrap();
        std::fs::write(dir.path().join("zh/thanks.txt"), "谢谢\n").unwrap();
        std::fs::write(
            dir.path().join("reviewed/2026-11.jsonl"),
            "{\"text\": \"cheers\", \"lang\": \"en\", \"intent\": \"thanks\"}\n",
        )
        .unwrap();
        let examples = load_training_dir(dir.path()).unwrap();
        let texts: Vec<&str> = examples.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(texts, ["hello", "hi there", "谢谢", "cheers"]);
        assert_eq!(examples[2].lang, Lang::Zh);
        assert_eq!(examples[3].intent, Intent::Thanks);
    }

    #[test]
    fn rejects_a_file_named_after_no_intent() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("en")).unwrap();
        std::fs::write(dir.path().join("en/hello.txt"), "hello\n").unwrap();
        let err = load_training_dir(dir.path()).unwrap_err().to_string();
        assert!(err.contains("hello.txt") && err.contains("intent"), "{err}");
    }

    #[test]
    fn empty_dir_says_what_is_expected() {
        let dir = tempfile::tempdir().unwrap();
        let err = load_training_dir(dir.path()).unwrap_err().to_string();
        assert!(err.contains("en/<intent>.txt"), "{err}");
    }

    #[test]
    fn jsonl_errors_carry_the_line_number() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("eval.jsonl");
        std::fs::write(
            &path,
            "{\"text\": \"hi\", \"lang\": \"en\", \"intent\": \"greeting\"}\n\n{\"text\": \"x\", \"lang\": \"en\", \"intent\": \"nope\"}\n",
        )
        .unwrap();
        let err = load_labelled(&path).unwrap_err().to_string();
        assert!(
            err.contains("eval.jsonl:3") && err.contains("nope"),
            "{err}"
        );
        std::fs::write(&path, "{not json}\n").unwrap();
        assert!(
            load_labelled(&path)
                .unwrap_err()
                .to_string()
                .contains("eval.jsonl:1")
        );
    }

    #[test]
    fn reads_quoted_csv_and_detects_missing_language() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("eval.csv");
        std::fs::write(
            &path,
            "intent,text,lang\nthanks,\"thanks,\nreally \"\"great\"\"\",en\ncancel_order,取消订单,\n",
        )
        .unwrap();
        let examples = load_labelled(&path).unwrap();
        assert_eq!(examples[0].text, "thanks,\nreally \"great\"");
        assert_eq!(examples[1].lang, Lang::Zh);
        assert_eq!(examples[1].intent, Intent::CancelOrder);
        std::fs::write(
            &path,
            "text,lang,intent\n\"two\nlines\",en,greeting\nhi,fr,greeting\n",
        )
        .unwrap();
        let err = load_labelled(&path).unwrap_err().to_string();
        assert!(err.contains("eval.csv:4") && err.contains("fr"), "{err}");
    }
}
