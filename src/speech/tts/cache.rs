//! Caches of synthesised speech: fixed prompts (greetings, hold messages) in memory and on disk, so a restart
//! does not re-synthesise them, and recently spoken sentences in a small in-memory LRU ([`SentenceCache`]):
//! replies repeat sentences ("请问还有什么可以帮您？") that a neural voice would otherwise make again every call.
//!
//! Prompt entries are keyed by a hash of voice name, sample rate, speed and text, so changing any of them makes a new
//! entry. A file is `KEFUTTS1`, the sample rate (u32 LE), then the samples (f32 LE): exact, unlike 16-bit WAV.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use sha2::{Digest, Sha256};

use super::TtsChunk;

const MAGIC: &[u8; 8] = b"KEFUTTS1";

/// Synthesised prompts by content hash.
pub struct PromptCache {
    dir: PathBuf,
    memory: Mutex<HashMap<String, Arc<TtsChunk>>>,
}

/// What identifies a cached prompt.
pub struct PromptId<'a> {
    /// Operator-facing name, used in the file name ("greeting", "hold").
    pub key: &'a str,
    pub voice: &'a str,
    pub sample_rate: u32,
    pub speed: f32,
    pub text: &'a str,
}

impl PromptId<'_> {
    fn hash(&self) -> String {
        let mut h = Sha256::new();
        for part in [self.voice.as_bytes(), self.text.as_bytes()] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part);
        }
        h.update(self.sample_rate.to_le_bytes());
        h.update(self.speed.to_bits().to_le_bytes());
        hex::encode(&h.finalize()[..8])
    }

    fn file_name(&self, hash: &str) -> String {
        let key: String = self
            .key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .take(40)
            .collect();
        format!("{key}-{hash}.f32")
    }
}

impl PromptCache {
    /// A cache storing its files in `dir` (created on first store).
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
            memory: Mutex::new(HashMap::new()),
        }
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The cached prompt, from memory or disk, or `None`.
    pub fn get(&self, id: &PromptId<'_>) -> Option<Arc<TtsChunk>> {
        let hash = id.hash();
        if let Some(hit) = self.lock().get(&hash) {
            return Some(Arc::clone(hit));
        }
        let path = self.dir.join(id.file_name(&hash));
        let bytes = std::fs::read(&path).ok()?;
        match decode(&bytes, id.sample_rate) {
            Some(samples) => {
                let chunk = Arc::new(TtsChunk {
                    text: id.text.to_string(),
                    samples,
                    sample_rate: id.sample_rate,
                });
                self.lock().insert(hash, Arc::clone(&chunk));
                Some(chunk)
            }
            None => {
                tracing::warn!(path = %path.display(), "ignoring corrupt prompt cache file");
                None
            }
        }
    }

    /// Stores a prompt in memory and on disk (a disk failure is logged: the prompt still works from memory).
    pub fn put(&self, id: &PromptId<'_>, samples: Vec<f32>) -> Arc<TtsChunk> {
        let hash = id.hash();
        let path = self.dir.join(id.file_name(&hash));
        if let Err(e) = write(&path, id.sample_rate, &samples) {
            tracing::warn!(path = %path.display(), error = %e, "cannot store prompt in the TTS cache");
        }
        let chunk = Arc::new(TtsChunk {
            text: id.text.to_string(),
            samples,
            sample_rate: id.sample_rate,
        });
        self.lock().insert(hash, Arc::clone(&chunk));
        chunk
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<TtsChunk>>> {
        self.memory.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Recently spoken sentences by (voice, speed, text), bounded by their total size; the least recently used go
/// first.
pub struct SentenceCache {
    budget_bytes: usize,
    lru: Mutex<Lru>,
}

/// Voice name, speed (as bits), text.
type SentenceKey = (String, u32, String);

#[derive(Default)]
struct Lru {
    /// Samples and the tick of their last use.
    entries: HashMap<SentenceKey, (Arc<[f32]>, u64)>,
    tick: u64,
    bytes: usize,
}

impl SentenceCache {
    /// A cache holding at most `budget_bytes` of samples (0 turns it off).
    pub fn new(budget_bytes: usize) -> Self {
        Self {
            budget_bytes,
            lru: Mutex::new(Lru::default()),
        }
    }

    /// The samples of `text` spoken by `voice` at `speed`, if cached.
    pub fn get(&self, voice: &str, speed: f32, text: &str) -> Option<Arc<[f32]>> {
        let mut lru = self.lock();
        lru.tick += 1;
        let tick = lru.tick;
        let key = (voice.to_string(), speed.to_bits(), text.to_string());
        let (samples, used) = lru.entries.get_mut(&key)?;
        *used = tick;
        Some(Arc::clone(samples))
    }

    /// Keeps `samples`, dropping the least recently used sentences to stay within the budget.
    pub fn put(&self, voice: &str, speed: f32, text: &str, samples: &[f32]) {
        let size = std::mem::size_of_val(samples);
        if size > self.budget_bytes {
            return;
        }
        let mut lru = self.lock();
        lru.tick += 1;
        let tick = lru.tick;
        let key = (voice.to_string(), speed.to_bits(), text.to_string());
        if let Some((old, _)) = lru.entries.insert(key, (Arc::from(samples), tick)) {
            lru.bytes -= std::mem::size_of_val(&*old);
        }
        lru.bytes += size;
        while lru.bytes > self.budget_bytes {
            let Some(oldest) = lru
                .entries
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some((gone, _)) = lru.entries.remove(&oldest) {
                lru.bytes -= std::mem::size_of_val(&*gone);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lru> {
        self.lru.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn decode(bytes: &[u8], sample_rate: u32) -> Option<Vec<f32>> {
    let rest = bytes.strip_prefix(MAGIC)?;
    let (rate, data) = rest.split_first_chunk::<4>()?;
    if u32::from_le_bytes(*rate) != sample_rate || data.len() % 4 != 0 {
        return None;
    }
    Some(
        data.chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
    )
}

fn write(path: &Path, sample_rate: u32, samples: &[f32]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut bytes = Vec::with_capacity(12 + samples.len() * 4);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&sample_rate.to_le_bytes());
    for s in samples {
        bytes.extend_from_slice(&s.to_le_bytes());
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id<'a>(text: &'a str, voice: &'a str) -> PromptId<'a> {
        PromptId {
            key: "greeting/zh",
            voice,
            sample_rate: 22_050,
            speed: 1.0,
            text,
        }
    }

    #[test]
    fn disk_entries_survive_a_new_cache_and_are_exact() {
        let dir = tempfile::tempdir().unwrap();
        let samples = vec![0.1, -0.25, 1.0 / 3.0];
        PromptCache::new(dir.path()).put(&id("您好", "espeak"), samples.clone());
        let fresh = PromptCache::new(dir.path());
        assert_eq!(fresh.get(&id("您好", "espeak")).unwrap().samples, samples);
        assert!(fresh.get(&id("您好", "piper-joe")).is_none());
        assert!(fresh.get(&id("你好", "espeak")).is_none());
        let name = id("您好", "espeak").file_name("x");
        assert_eq!(name, "greeting_zh-x.f32");
    }

    #[test]
    fn sentences_are_kept_within_the_budget_least_recently_used_first() {
        let cache = SentenceCache::new(3 * 400);
        for text in ["a", "b", "c"] {
            cache.put("kokoro", 1.0, text, &[0.5; 100]);
        }
        assert!(cache.get("kokoro", 1.0, "a").is_some());
        cache.put("kokoro", 1.0, "d", &[0.25; 100]);
        assert!(
            cache.get("kokoro", 1.0, "b").is_none(),
            "b was the least recently used"
        );
        assert_eq!(&*cache.get("kokoro", 1.0, "d").unwrap(), &[0.25; 100][..]);
        assert!(cache.get("kokoro", 1.0, "a").is_some());
        assert!(cache.get("espeak", 1.0, "a").is_none());
        assert!(cache.get("kokoro", 1.2, "a").is_none());
        cache.put("kokoro", 1.0, "huge", &[0.0; 1000]);
        assert!(cache.get("kokoro", 1.0, "huge").is_none());
        assert!(
            cache.get("kokoro", 1.0, "c").is_some(),
            "a too-large entry evicts nothing"
        );
        let off = SentenceCache::new(0);
        off.put("kokoro", 1.0, "a", &[0.5; 10]);
        assert!(off.get("kokoro", 1.0, "a").is_none());
    }

    #[test]
    fn corrupt_files_are_misses() {
        let dir = tempfile::tempdir().unwrap();
        let prompt = id("hello", "espeak");
        let path = dir.path().join(prompt.file_name(&prompt.hash()));
        std::fs::write(&path, b"KEFUTTS1\x22\x56\0\0abc").unwrap();
        assert!(PromptCache::new(dir.path()).get(&prompt).is_none());
    }
}
