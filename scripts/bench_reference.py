#!/usr/bin/env python3
"""Reference timing for `kefu bench asr`: the same ggml model and clip through whisper.cpp via pywhispercpp.

Mirrors kefu's decoding settings (greedy, temperature 0 without fallback, one segment, no timestamps, no context,
fixed language, same thread count, audio context and token cap): load once, warm up once, then time N runs.
Prints one JSON object on stdout: {"times": [wall seconds...], "cpu": [CPU seconds...], "text": "...", "system_info": "..."}.
Run it with the interpreter installed by scripts/bench-reference.sh.
"""
import argparse
import json
import os
import sys
import time
import wave

import numpy as np
from pywhispercpp.model import Model
import _pywhispercpp as pw


def read_wav_16k(path):
    with wave.open(path, "rb") as w:
        if w.getframerate() != 16000 or w.getsampwidth() != 2:
            sys.exit(f"{path}: the reference wants 16-bit 16 kHz audio, got {w.getsampwidth() * 8}-bit "
                     f"{w.getframerate()} Hz")
        raw = w.readframes(w.getnframes())
        channels = w.getnchannels()
    samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    return np.ascontiguousarray(samples, dtype=np.float32)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", required=True)
    ap.add_argument("--clip", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--language", default="en")
    ap.add_argument("--audio-ctx", type=int, default=0, help="0 = the model's full 30 s window")
    ap.add_argument("--max-tokens", type=int, default=0)
    args = ap.parse_args()

    samples = read_wav_16k(args.clip)
    model = Model(
        args.model,
        redirect_whispercpp_logs_to=None,
        n_threads=args.threads,
        language=args.language,
        translate=False,
        no_context=True,
        no_timestamps=True,
        single_segment=True,
        suppress_blank=True,
        suppress_nst=True,
        temperature=0.0,
        temperature_inc=0.0,
        greedy={"best_of": 1},
        audio_ctx=args.audio_ctx,
        max_tokens=args.max_tokens,
        print_progress=False,
        print_realtime=False,
        print_timestamps=False,
    )

    def run():
        return "".join(s.text for s in model.transcribe(samples)).strip()

    run()  # warm-up
    times, cpu = [], []
    text = ""
    for _ in range(args.runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        text = run()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    info = pw.whisper_print_system_info() if hasattr(pw, "whisper_print_system_info") else ""
    print(json.dumps({"times": times, "cpu": cpu, "text": text, "system_info": str(info).strip(), "pid": os.getpid()}))


if __name__ == "__main__":
    main()
