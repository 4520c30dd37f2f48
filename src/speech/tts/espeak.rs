//! espeak-ng voices (robotic but always available): Mandarin `cmn-latn-pinyin`, English `en-us`.
//!
//! Linked in-process (libespeak-ng, synchronous mode) rather than spawning the `espeak-ng` binary: a spawn costs a
//! process start plus loading the phoneme data for every sentence, the library loads them once. espeak-ng keeps
//! global state and is not thread-safe, so every use goes through one process-wide lock.
//!
//! `cmn-latn-pinyin` takes Chinese characters (it converts them to pinyin itself); plain `cmn` would read
//! tone digits as English words.
//!
//! The same library phonemizes text for neural voices trained on espeak-ng IPA ([`ipa_clauses`]).

use std::cell::RefCell;
use std::ffi::{CString, c_int, c_uint, c_void};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

use super::{TtsError, Voice};
use crate::lang::Lang;

/// espeak-ng's default speaking rate in words per minute (its `speed = 1.0`).
const DEFAULT_RATE_WPM: f32 = 175.0;

mod ffi {
    use std::ffi::{c_char, c_int, c_short, c_uint, c_void};

    pub const AUDIO_OUTPUT_SYNCHRONOUS: c_int = 2;
    /// Return an error from `espeak_Initialize` instead of calling `exit()`.
    pub const INITIALIZE_DONT_EXIT: c_int = 0x8000;
    pub const POS_CHARACTER: c_int = 1;
    pub const CHARS_UTF8: c_uint = 1;
    pub const ENDPAUSE: c_uint = 0x1000;
    pub const PARAM_RATE: c_int = 1;
    pub const EE_OK: c_int = 0;
    pub const CHARS_UTF8_MODE: c_int = 1;
    /// `espeak_TextToPhonemes` phoneme mode: IPA, no separator between phonemes.
    pub const PHONEMES_IPA: c_int = 0x02;

    pub type SynthCallback = unsafe extern "C" fn(*mut c_short, c_int, *mut c_void) -> c_int;

    #[link(name = "espeak-ng")]
    unsafe extern "C" {
        pub fn espeak_Initialize(
            output: c_int,
            buflength: c_int,
            path: *const c_char,
            options: c_int,
        ) -> c_int;
        pub fn espeak_SetSynthCallback(callback: SynthCallback);
        pub fn espeak_SetVoiceByName(name: *const c_char) -> c_int;
        pub fn espeak_SetParameter(parameter: c_int, value: c_int, relative: c_int) -> c_int;
        pub fn espeak_TextToPhonemes(
            textptr: *mut *const c_void,
            textmode: c_int,
            phonememode: c_int,
        ) -> *const c_char;
        pub fn espeak_Synth(
            text: *const c_void,
            size: usize,
            position: c_uint,
            position_type: c_int,
            end_position: c_uint,
            flags: c_uint,
            unique_identifier: *mut c_uint,
            user_data: *mut c_void,
        ) -> c_int;
    }
}

thread_local! {
    /// Samples of the synthesis running on this thread (synchronous mode calls back on the caller's thread).
    static SINK: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

unsafe extern "C" fn collect_samples(wav: *mut i16, count: c_int, _events: *mut c_void) -> c_int {
    if !wav.is_null() && count > 0 {
        // SAFETY: espeak-ng passes `count` valid samples at `wav` for the duration of the callback.
        let samples = unsafe { std::slice::from_raw_parts(wav, count as usize) };
        SINK.with(|sink| {
            sink.borrow_mut()
                .extend(samples.iter().map(|&s| f32::from(s) / 32768.0))
        });
    }
    0
}

/// The process's espeak-ng library state, behind [`library`]'s lock.
struct Library {
    sample_rate: u32,
    data_dir: PathBuf,
    voice: Option<String>,
}

impl Library {
    /// Makes `voice` (an espeak-ng voice name such as `en-us`) the current one.
    fn select(&mut self, voice: &str) -> Result<(), TtsError> {
        if self.voice.as_deref() == Some(voice) {
            return Ok(());
        }
        let name = CString::new(voice).map_err(|e| TtsError::Espeak(e.to_string()))?;
        // SAFETY: espeak-ng is initialised and the caller holds its lock (`self` is behind it).
        let status = unsafe { ffi::espeak_SetVoiceByName(name.as_ptr()) };
        if status != ffi::EE_OK {
            self.voice = None;
            return Err(TtsError::Espeak(format!(
                "voice {voice} not found in {} (install the espeak-ng-data package)",
                self.data_dir.display()
            )));
        }
        self.voice = Some(voice.to_string());
        Ok(())
    }
}

static LIBRARY: OnceLock<Result<Mutex<Library>, String>> = OnceLock::new();

/// Initialises espeak-ng once per process with `data_dir` (the `espeak-ng-data` folder).
fn library(data_dir: &Path) -> Result<&'static Mutex<Library>, TtsError> {
    let init = || -> Result<Mutex<Library>, String> {
        if !data_dir.join("phontab").is_file() {
            return Err(format!(
                "{} is not an espeak-ng data folder",
                data_dir.display()
            ));
        }
        let path = CString::new(data_dir.as_os_str().as_encoded_bytes())
            .map_err(|_| "data path contains a NUL byte".to_string())?;
        // SAFETY: called once (OnceLock), with a valid NUL-terminated path that outlives the call.
        let rate = unsafe {
            ffi::espeak_Initialize(
                ffi::AUDIO_OUTPUT_SYNCHRONOUS,
                0,
                path.as_ptr(),
                ffi::INITIALIZE_DONT_EXIT,
            )
        };
        let sample_rate = u32::try_from(rate)
            .ok()
            .filter(|&r| r > 0)
            .ok_or_else(|| format!("espeak_Initialize failed ({rate})"))?;
        // SAFETY: the callback is a plain function valid for the whole process.
        unsafe { ffi::espeak_SetSynthCallback(collect_samples) };
        Ok(Mutex::new(Library {
            sample_rate,
            data_dir: data_dir.to_path_buf(),
            voice: None,
        }))
    };
    let library = LIBRARY
        .get_or_init(init)
        .as_ref()
        .map_err(|reason| TtsError::Espeak(reason.clone()))?;
    let current = library.lock().unwrap_or_else(PoisonError::into_inner);
    if current.data_dir != data_dir {
        return Err(TtsError::Espeak(format!(
            "espeak-ng already runs with data {}, cannot switch to {}",
            current.data_dir.display(),
            data_dir.display()
        )));
    }
    Ok(library)
}

/// An espeak-ng voice for one language.
pub struct EspeakVoice {
    name: String,
    lang: Lang,
    espeak_voice: &'static str,
    library: &'static Mutex<Library>,
    sample_rate: u32,
}

impl EspeakVoice {
    /// The espeak-ng voice for `lang`, reading phoneme data from `data_dir` (Debian:
    /// `/usr/lib/x86_64-linux-gnu/espeak-ng-data`).
    pub fn new(lang: Lang, data_dir: &Path) -> Result<Self, TtsError> {
        if !data_dir.join("phontab").is_file() {
            return Err(TtsError::MissingEspeakData {
                path: data_dir.to_path_buf(),
            });
        }
        let library = library(data_dir)?;
        let espeak_voice = match lang {
            Lang::Zh => "cmn-latn-pinyin",
            Lang::En => "en-us",
        };
        let sample_rate = library
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .sample_rate;
        Ok(Self {
            name: format!("espeak:{espeak_voice}"),
            lang,
            espeak_voice,
            library,
            sample_rate,
        })
    }
}

impl Voice for EspeakVoice {
    fn name(&self) -> &str {
        &self.name
    }

    fn lang(&self) -> Lang {
        self.lang
    }

    fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    fn synthesize(&self, sentence: &str, speed: f32) -> Result<Vec<f32>, TtsError> {
        let Some(text) = super::clean_sentence(sentence) else {
            return Ok(Vec::new());
        };
        let text = CString::new(text).map_err(|e| TtsError::Espeak(e.to_string()))?;
        let speed = if speed.is_finite() && speed > 0.0 {
            speed
        } else {
            1.0
        };
        let rate = (DEFAULT_RATE_WPM * speed).clamp(80.0, 450.0) as c_int;
        let mut library = self.library.lock().unwrap_or_else(PoisonError::into_inner);
        library.select(self.espeak_voice)?;
        // Set on every sentence: whether selecting a voice resets the rate differs between espeak-ng versions, and
        // a cached value went stale when voices of different speeds interleaved.
        // SAFETY: as above.
        unsafe { ffi::espeak_SetParameter(ffi::PARAM_RATE, rate, 0) };
        SINK.with(|sink| sink.borrow_mut().clear());
        let bytes = text.as_bytes_with_nul();
        // SAFETY: `text` is NUL-terminated UTF-8 that outlives this synchronous call; we hold the lock.
        let status = unsafe {
            ffi::espeak_Synth(
                bytes.as_ptr().cast::<c_void>(),
                bytes.len(),
                0,
                ffi::POS_CHARACTER,
                0,
                ffi::CHARS_UTF8 | ffi::ENDPAUSE,
                std::ptr::null_mut::<c_uint>(),
                std::ptr::null_mut(),
            )
        };
        drop(library);
        let samples = SINK.with(|sink| std::mem::take(&mut *sink.borrow_mut()));
        if status != ffi::EE_OK {
            return Err(TtsError::Synthesis {
                voice: self.name.clone(),
                message: format!("espeak_Synth failed ({status})"),
            });
        }
        Ok(samples)
    }
}

/// One clause of text as espeak-ng IPA, with the punctuation that ended it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpaClause {
    /// IPA phonemes, words separated by spaces, with stress marks (`ʃˈɪpt`).
    pub phonemes: String,
    /// The clause's closing punctuation (`.` `,` `?` `!` `:` `;`, full-width forms mapped to these), if any.
    pub punctuation: Option<char>,
}

/// Phonemizes `text` with the espeak-ng voice `voice` (e.g. `en-us`), clause by clause, the way Piper voices were
/// trained (espeak-ng's `TextToPhonemes` in IPA mode). `data_dir` is the `espeak-ng-data` folder.
pub fn ipa_clauses(data_dir: &Path, voice: &str, text: &str) -> Result<Vec<IpaClause>, TtsError> {
    if !data_dir.join("phontab").is_file() {
        return Err(TtsError::MissingEspeakData {
            path: data_dir.to_path_buf(),
        });
    }
    let Some(text) = super::clean_sentence(text) else {
        return Ok(Vec::new());
    };
    let text = CString::new(text).map_err(|e| TtsError::Espeak(e.to_string()))?;
    let bytes = text.as_bytes();
    let mut library = library(data_dir)?
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    library.select(voice)?;
    let mut clauses = Vec::new();
    let start = text.as_ptr().cast::<c_void>();
    let mut cursor = start;
    let mut consumed = 0usize;
    while !cursor.is_null() {
        // SAFETY: `cursor` points into `text` (NUL-terminated, alive for the loop); espeak-ng advances it past the
        // clause it translated or sets it to NULL at the end, and returns a NUL-terminated string it owns until the
        // next call, which we copy at once. We hold the library lock.
        let phonemes = unsafe {
            let out =
                ffi::espeak_TextToPhonemes(&mut cursor, ffi::CHARS_UTF8_MODE, ffi::PHONEMES_IPA);
            if out.is_null() {
                String::new()
            } else {
                std::ffi::CStr::from_ptr(out).to_string_lossy().into_owned()
            }
        };
        let end = if cursor.is_null() {
            bytes.len()
        } else {
            // SAFETY: both pointers are into the same allocation (`text`), `cursor` at or after `start`.
            let offset = unsafe { cursor.cast::<u8>().offset_from(start.cast::<u8>()) };
            usize::try_from(offset)
                .unwrap_or(bytes.len())
                .min(bytes.len())
        };
        let mut piece = String::from_utf8_lossy(&bytes[consumed.min(end)..end]).into_owned();
        consumed = end;
        if !cursor.is_null() {
            // espeak-ng reads one character past a clause before it stops: that character opens the next one.
            piece.pop();
        }
        let phonemes = phonemes.trim().to_string();
        if phonemes.is_empty() {
            continue;
        }
        clauses.push(IpaClause {
            phonemes,
            punctuation: closing_punctuation(&piece),
        });
    }
    Ok(clauses)
}

/// The punctuation mark a clause of text ends with, as Piper's phoneme symbol.
fn closing_punctuation(piece: &str) -> Option<char> {
    let last = piece
        .trim_end()
        .trim_end_matches(['"', '\'', ')', ']', '”', '’', '）', '」', '』'])
        .chars()
        .next_back()?;
    match last {
        '.' | '。' | '…' => Some('.'),
        ',' | '，' | '、' => Some(','),
        '?' | '？' => Some('?'),
        '!' | '！' => Some('!'),
        ':' | '：' => Some(':'),
        ';' | '；' => Some(';'),
        _ => None,
    }
}
