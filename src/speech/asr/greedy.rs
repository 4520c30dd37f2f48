//! Whisper's greedy decoder, driven token by token over whisper.cpp's encoder and decoder.
//!
//! Why not `whisper_full`: with automatic language choice it encodes the audio twice (once to detect the
//! language, once to transcribe), which doubles the cost of a short utterance; and a looping decoder can only be
//! stopped by the token cap. Here the audio is encoded once, the language is read from the same encoder output,
//! and a loop stops decoding as soon as it appears. The logit filters are whisper.cpp's for these settings
//! (no timestamps, temperature 0, blank and non-speech tokens suppressed).

use std::collections::HashMap;

use whisper_rs::{FullParams, SamplingStrategy, WhisperContext, WhisperState};

use super::{AsrError, has_loop, may_loop, whisper_err};
use crate::lang::Lang;

/// Symbols whisper.cpp never lets the decoder emit (`non_speech_tokens` in whisper.cpp), alone or after a space.
const NON_SPEECH: &[&str] = &[
    "\"",
    "#",
    "(",
    ")",
    "*",
    "+",
    "/",
    ":",
    ";",
    "<",
    "=",
    ">",
    "@",
    "[",
    "\\",
    "]",
    "^",
    "_",
    "`",
    "{",
    "|",
    "}",
    "~",
    "「",
    "」",
    "『",
    "』",
    "<<",
    ">>",
    "<<<",
    ">>>",
    "--",
    "---",
    "-(",
    "-[",
    "('",
    "(\"",
    "((",
    "))",
    "(((",
    ")))",
    "[[",
    "]]",
    "{{",
    "}}",
    "♪♪",
    "♪♪♪",
    "♩",
    "♪",
    "♫",
    "♬",
    "♭",
    "♮",
    "♯",
];

/// Special tokens and the fixed logit filter of one model.
pub(super) struct Vocab {
    n_vocab: usize,
    eot: i32,
    sot: i32,
    prev: i32,
    nosp: i32,
    not: i32,
    transcribe: i32,
    /// First timestamp token: it and everything after are never emitted without timestamps.
    beg: usize,
    zh: i32,
    en: i32,
    multilingual: bool,
    /// Always suppressed: task, language and other special tokens, non-speech symbols.
    suppressed: Vec<usize>,
    /// The lone space, suppressed as the first token (with end-of-text).
    blank: Option<usize>,
}

impl Vocab {
    pub(super) fn new(ctx: &WhisperContext) -> Self {
        let n_vocab = usize::try_from(ctx.n_vocab()).unwrap_or(0);
        let id = |t: i32| usize::try_from(t).ok().filter(|&i| i < n_vocab);
        let multilingual = ctx.is_multilingual();
        // Invariant: "zh" and "en" are in whisper.cpp's fixed language table.
        let lang_token = |code: &str| {
            ctx.token_lang(whisper_rs::get_lang_id(code).expect("whisper.cpp knows zh and en"))
        };
        let mut suppressed: Vec<usize> = [
            ctx.token_not(),
            ctx.token_sot(),
            ctx.token_nosp(),
            ctx.token_solm(),
            ctx.token_translate(),
            ctx.token_transcribe(),
            ctx.token_prev(),
        ]
        .into_iter()
        .filter_map(id)
        .collect();
        suppressed
            .extend((0..=whisper_rs::get_lang_max_id()).filter_map(|l| id(ctx.token_lang(l))));

        // whisper.cpp matches whole token strings; build that map once.
        let eot = ctx.token_eot();
        let by_text: HashMap<&[u8], usize> = (0..eot)
            .filter_map(|t| Some((ctx.token_to_bytes(t).ok()?, usize::try_from(t).ok()?)))
            .collect();
        for sym in NON_SPEECH {
            for s in [sym.to_string(), format!(" {sym}")] {
                suppressed.extend(by_text.get(s.as_bytes()));
            }
        }
        // Hyphens and apostrophes are fine inside words, not at their start.
        suppressed.extend(by_text.get(&b" -"[..]));
        suppressed.extend(by_text.get(&b" '"[..]));

        Self {
            n_vocab,
            eot,
            sot: ctx.token_sot(),
            prev: ctx.token_prev(),
            nosp: ctx.token_nosp(),
            not: ctx.token_not(),
            transcribe: ctx.token_transcribe(),
            beg: id(ctx.token_beg()).unwrap_or(n_vocab),
            zh: lang_token("zh"),
            en: lang_token("en"),
            multilingual,
            blank: by_text.get(&b" "[..]).copied(),
            suppressed,
        }
    }
}

/// An inference state of the pool, and the audio context whisper.cpp last applied to it.
pub(super) struct Slot {
    state: WhisperState,
    audio_ctx: Option<usize>,
}

impl Slot {
    pub(super) fn new(state: WhisperState) -> Self {
        Self {
            state,
            audio_ctx: None,
        }
    }
}

/// What to decode.
pub(super) struct Request<'a> {
    pub samples: &'a [f32],
    /// `None`: choose between Mandarin and English from the encoder output.
    pub lang: Option<Lang>,
    /// Chooses the prompt once the language is known.
    pub prompt: &'a dyn Fn(Lang) -> Option<String>,
    /// Encoder frames (1500 = the model's full window).
    pub audio_ctx: usize,
    pub max_tokens: usize,
    /// Stop at the first sign of a loop ([`may_loop`]) rather than an unmistakable one ([`has_loop`]): for a
    /// pass whose text a wider one replaces when it stops short.
    pub eager_loop_guard: bool,
    pub threads: usize,
}

/// The result of one decoding pass.
pub(super) struct Pass {
    pub lang: Lang,
    pub text: String,
    pub tokens: Vec<i32>,
    pub logprob_sum: f32,
    pub no_speech_prob: f32,
    /// The decoder stopped on the token cap or on a loop rather than at end-of-text.
    pub cut_short: bool,
}

/// Encodes the audio once and decodes greedily.
pub(super) fn decode(
    ctx: &WhisperContext,
    vocab: &Vocab,
    slot: &mut Slot,
    req: &Request,
) -> Result<Pass, AsrError> {
    if slot.audio_ctx != Some(req.audio_ctx) {
        slot.audio_ctx = None;
        set_audio_ctx(&mut slot.state, req.audio_ctx, req.threads)?;
        slot.audio_ctx = Some(req.audio_ctx);
    }
    let state = &mut slot.state;
    state
        .pcm_to_mel(req.samples, req.threads)
        .map_err(whisper_err("computing the mel spectrogram"))?;
    state
        .encode(0, req.threads)
        .map_err(whisper_err("encoding"))?;

    // Language and no-speech probability are read at the start-of-transcript token, as in OpenAI's Whisper.
    let mut at_sot = None;
    let lang = match (req.lang, vocab.multilingual) {
        (Some(lang), _) => lang,
        (None, false) => Lang::En,
        (None, true) => {
            let logits = decode_one(state, vocab.sot, 0, req.threads)?;
            let logit = |t: i32| usize::try_from(t).ok().and_then(|i| logits.get(i)).copied();
            let lang = match (logit(vocab.zh), logit(vocab.en)) {
                (Some(zh), Some(en)) if zh > en => Lang::Zh,
                _ => Lang::En,
            };
            at_sot = Some(softmax_at(logits, vocab.nosp));
            lang
        }
    };

    let mut prefix = Vec::new();
    if let Some(text) = (req.prompt)(lang) {
        let text = text.replace('\0', "");
        // whisper_tokenize needs room for every token: never more tokens than bytes.
        let tokens = ctx
            .tokenize(&text, text.len() + 8)
            .map_err(whisper_err("tokenizing the prompt"))?;
        // Keep the prompt well inside the 448-token text context.
        let keep = tokens.len().saturating_sub(128);
        prefix.push(vocab.prev);
        prefix.extend_from_slice(&tokens[keep..]);
    }
    // whisper.cpp stores a batch's logits at the row of its last token while `get_logits` reads row 0, so every
    // token whose logits we need goes in on its own.
    if !prefix.is_empty() {
        state
            .decode(&prefix, 0, req.threads)
            .map_err(whisper_err("decoding the prompt"))?;
    }
    let no_speech_prob = match at_sot {
        Some(p) if prefix.is_empty() => p,
        _ => softmax_at(
            decode_one(state, vocab.sot, prefix.len(), req.threads)?,
            vocab.nosp,
        ),
    };
    let mut n_past = prefix.len() + 1;
    if vocab.multilingual {
        let task = [
            if lang == Lang::Zh { vocab.zh } else { vocab.en },
            vocab.transcribe,
        ];
        state
            .decode(&task, n_past, req.threads)
            .map_err(whisper_err("decoding the prompt"))?;
        n_past += task.len();
    }
    decode_one(state, vocab.not, n_past, req.threads)?;
    n_past += 1;

    let mut pass = Pass {
        lang,
        text: String::new(),
        tokens: Vec::new(),
        logprob_sum: 0.0,
        no_speech_prob,
        cut_short: false,
    };
    let mut logits = Vec::with_capacity(vocab.n_vocab);
    loop {
        logits.clear();
        logits.extend_from_slice(state.get_logits().map_err(whisper_err("reading logits"))?);
        filter(&mut logits, vocab, pass.tokens.is_empty());
        let (best, logprob) = argmax_logprob(&logits);
        if best == vocab.eot {
            break;
        }
        pass.tokens.push(best);
        pass.logprob_sum += logprob;
        let looped = if req.eager_loop_guard {
            may_loop(&pass.tokens)
        } else {
            has_loop(&pass.tokens)
        };
        if pass.tokens.len() >= req.max_tokens || looped {
            pass.cut_short = true;
            break;
        }
        state
            .decode(&[best], n_past, req.threads)
            .map_err(whisper_err("decoding"))?;
        n_past += 1;
    }
    let mut bytes = Vec::new();
    for &t in &pass.tokens {
        bytes.extend_from_slice(
            ctx.token_to_bytes(t)
                .map_err(whisper_err("reading a token"))?,
        );
    }
    pass.text = String::from_utf8_lossy(&bytes).trim().to_string();
    Ok(pass)
}

/// Decodes one token at position `n_past` and returns the logits for the next one.
fn decode_one(
    state: &mut WhisperState,
    token: i32,
    n_past: usize,
    threads: usize,
) -> Result<&[f32], AsrError> {
    state
        .decode(&[token], n_past, threads)
        .map_err(whisper_err("decoding"))?;
    state.get_logits().map_err(whisper_err("reading logits"))
}

/// whisper.cpp applies an audio context to a state only inside `whisper_full`: a 0.1 s pass over silence sets
/// it, so that `encode` then runs the window we want. It costs about 1 ms (the mel of 0.2 s: whisper.cpp stops
/// before encoding anything this short), so states need not keep one window size.
fn set_audio_ctx(
    state: &mut WhisperState,
    audio_ctx: usize,
    threads: usize,
) -> Result<(), AsrError> {
    let mut p = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
    p.set_n_threads(threads as i32);
    p.set_language(Some("en"));
    p.set_no_timestamps(true);
    p.set_print_special(false);
    p.set_print_progress(false);
    p.set_print_realtime(false);
    p.set_print_timestamps(false);
    p.set_audio_ctx(if audio_ctx >= super::FULL_AUDIO_CTX {
        0
    } else {
        audio_ctx as i32
    });
    p.set_duration_ms(100);
    let silence = [0.0f32; super::SAMPLE_RATE as usize / 5];
    state
        .full(p, &silence)
        .map_err(whisper_err("setting the audio context"))
}

fn filter(logits: &mut [f32], vocab: &Vocab, first: bool) {
    for &i in &vocab.suppressed {
        logits[i] = f32::NEG_INFINITY;
    }
    for l in &mut logits[vocab.beg..vocab.n_vocab] {
        *l = f32::NEG_INFINITY;
    }
    if first {
        if let Some(blank) = vocab.blank {
            logits[blank] = f32::NEG_INFINITY;
        }
        if let Ok(eot) = usize::try_from(vocab.eot) {
            logits[eot] = f32::NEG_INFINITY;
        }
    }
}

/// The best token and its log-probability.
fn argmax_logprob(logits: &[f32]) -> (i32, f32) {
    let (mut best, mut max) = (0usize, f32::NEG_INFINITY);
    for (i, &l) in logits.iter().enumerate() {
        if l > max {
            (best, max) = (i, l);
        }
    }
    let sum: f32 = logits.iter().map(|&l| (l - max).exp()).sum();
    (best as i32, -sum.ln())
}

fn softmax_at(logits: &[f32], token: i32) -> f32 {
    let Some(&at) = usize::try_from(token).ok().and_then(|i| logits.get(i)) else {
        return 0.0;
    };
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f32 = logits.iter().map(|&l| (l - max).exp()).sum();
    (at - max).exp() / sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_gives_the_log_probability_of_the_best_token() {
        let (best, lp) = argmax_logprob(&[0.0, 2.0f32.ln(), f32::NEG_INFINITY, 0.0]);
        assert_eq!(best, 1);
        assert!((lp - 0.5f32.ln()).abs() < 1e-6, "{lp}");
        assert!((softmax_at(&[0.0, 0.0, 0.0, 0.0], 2) - 0.25).abs() < 1e-6);
    }
}
