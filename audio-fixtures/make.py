#!/usr/bin/env python3
"""Regenerates the caller recordings (<name>.wav) and expectations (<name>.yaml) from recipes/<name>.toml.

    audio-fixtures/make.py                 # every fixture
    audio-fixtures/make.py en-cancel zh-*  # some (shell-style patterns)
    audio-fixtures/make.py --check         # regenerate into a temp dir and compare with the committed files
    audio-fixtures/make.py --verify        # transcribe every utterance with `kefu transcribe` + `kefu nlu parse`

Needs python3 (stdlib only), espeak-ng, sox, and for real clips Debian's pocketsphinx-testdata (plus pip for the
pysptk sdist that carries the CMU ARCTIC clip; it is cached in ~/.cache/kefu/pip). Output is deterministic: the same
tools give the same bytes (sox runs with -R, noise comes from sox's seeded generator).

Which synthesiser speaks a language is one setting, TTS below (or KEFU_FIXTURE_TTS_ZH / KEFU_FIXTURE_TTS_EN):
"espeak" (espeak-ng; English callers) or "kefu" (`kefu say`, the project's own voices; Mandarin callers, with Kokoro:
needs the fetched models and a kefu binary, KEFU_BIN).
"""

import argparse
import fnmatch
import glob
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
import wave
from array import array

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
RATE = 16000

# Synthesiser per language: "espeak" or "kefu" (`kefu say --lang <lang>`).
TTS = {
    "en": os.environ.get("KEFU_FIXTURE_TTS_EN", "espeak"),
    "zh": os.environ.get("KEFU_FIXTURE_TTS_ZH", "kefu"),
}
# espeak-ng defaults per language (a recipe or a segment may override voice/rate/pitch).
ESPEAK = {
    "en": {"voice": "en-us", "rate": 150, "pitch": 50},
    "zh": {"voice": "cmn-latn-pinyin", "rate": 130, "pitch": 50},
}
# Every spoken segment is levelled to this RMS (dBFS, over its voiced part), peaks kept below PEAK_DBFS.
SPEECH_DBFS = -22.0
PEAK_DBFS = -1.0

POCKETSPHINX = "/usr/share/pocketsphinx/test/data"
PIP_CACHE = os.path.join(
    os.environ.get("KEFU_CACHE_DIR", os.path.expanduser("~/.cache/kefu")), "pip"
)
# Real human speech: name → (how to get it, path, what is said).
CLIPS = {
    **{
        f"librivox-{n}": (
            "debian:pocketsphinx-testdata",
            f"{POCKETSPHINX}/librivox/sense_and_sensibility_01_austen_64kb-{n}.wav",
            text,
        )
        for n, text in [
            ("0870", "and mister john dashwood had then leisure to consider how much there might be prudently in his power to do for them"),
            ("0880", "he was not an ill disposed young man"),
            ("0890", "unless to be rather cold hearted and rather selfish is to be ill disposed"),
            ("0920", "had he married a more amiable woman he might have been made still more respectable than he was"),
            ("0930", "he might even have been made amiable himself"),
        ]
    },
    "arctic-a0007": (
        "pypi:pysptk==1.0.1",
        "pysptk-1.0.1/pysptk/example_audio_data/arctic_a0007.wav",
        "and you always want to see it in the superlative degree",
    ),
}


CLIP_SHA256 = {"arctic-a0007": "1b850392f8c87ee2efe5a686523f1bab61d2a38d59bc43d1127e17e406f9e57d"}


class RecipeError(Exception):
    pass


def run(cmd, **kw):
    try:
        return subprocess.run(cmd, check=True, capture_output=True, **kw)
    except FileNotFoundError:
        raise RecipeError(f"{cmd[0]} not found: install it (apt-get install espeak-ng sox)")
    except subprocess.CalledProcessError as e:
        raise RecipeError(f"{' '.join(cmd)} failed: {e.stderr.decode(errors='replace').strip()}")


def to_samples(path):
    """Any audio file → 16 kHz mono int16 samples (sox, no dither, repeatable)."""
    out = run(["sox", "-R", "-D", "-V1", path, "-t", "raw", "-r", str(RATE), "-c", "1",
               "-b", "16", "-e", "signed-integer", "-L", "-"]).stdout
    a = array("h")
    a.frombytes(out)
    if sys.byteorder != "little":
        a.byteswap()
    return a


def kefu_bin():
    for candidate in [os.environ.get("KEFU_BIN"), shutil.which("kefu"),
                      os.path.join(REPO, "target/release/kefu"), os.path.join(REPO, "target/debug/kefu")]:
        if candidate and os.path.exists(candidate):
            return candidate
    raise RecipeError("no kefu binary: build it (cargo build) or set KEFU_BIN")


def synthesize(text, lang, opts, tmp):
    path = os.path.join(tmp, "tts.wav")
    engine = TTS[lang]
    if engine == "espeak":
        o = {**ESPEAK[lang], **opts}
        run(["espeak-ng", "-v", o["voice"], "-s", str(o["rate"]), "-p", str(o["pitch"]), "-w", path, text])
    elif engine == "kefu":
        run([kefu_bin(), "say", "--lang", lang, "-o", path, text])
    else:
        raise RecipeError(f"unknown synthesiser {engine!r} for {lang} (espeak or kefu)")
    return trim(to_samples(path))


def clip_path(name):
    if name not in CLIPS:
        raise RecipeError(f"unknown clip {name!r}; known: {', '.join(sorted(CLIPS))}")
    source, path, _ = CLIPS[name]
    if source.startswith("debian:"):
        if not os.path.exists(path):
            raise RecipeError(f"{path} missing: apt-get install {source.split(':', 1)[1]}")
        return path
    spec, sha = source.split(":", 1)[1], CLIP_SHA256[name]
    cached = os.path.join(PIP_CACHE, "clips", os.path.basename(path))
    if not os.path.exists(cached) or sha256(cached) != sha:
        fetch_from_sdist(spec, path, cached)
        if sha256(cached) != sha:
            raise RecipeError(f"{cached}: sha256 differs from the pinned {sha}")
    return cached


def fetch_from_sdist(spec, member, dest):
    """Takes one file out of a PyPI sdist. The pysptk sdist cannot build its metadata, so `pip download` fails
    after unpacking it; --no-clean keeps the unpacked tree, which is all we need."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "TMPDIR": tmp}
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-clean", "--no-build-isolation",
                        "--disable-pip-version-check", "-d", os.path.join(tmp, "dl"), spec],
                       capture_output=True, env=env)
        inside = member.split("/", 1)[1]
        found = [os.path.join(root, f) for root, _, files in os.walk(tmp) for f in files
                 if os.path.join(root, f).endswith("/" + inside)]
        if not found:
            raise RecipeError(f"pip download {spec} did not yield {inside}: is PyPI reachable?")
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copyfile(found[0], dest)


def trim(s, threshold=200):
    """Cuts the synthesiser's leading/trailing silence so the recipe's silences are what the caller leaves."""
    first = next((i for i, v in enumerate(s) if abs(v) > threshold), None)
    if first is None:
        return array("h")
    last = len(s) - next(i for i, v in enumerate(reversed(s)) if abs(v) > threshold)
    return s[max(0, first - 160):min(len(s), last + 160)]


def rms(s):
    return math.sqrt(sum(v * v for v in s) / len(s)) if s else 0.0


def voiced_rms(s):
    """RMS over the 20 ms frames that carry speech (within 30 dB of the loudest frame)."""
    frames = [s[i:i + 320] for i in range(0, len(s) - 319, 320)]
    levels = [rms(f) for f in frames]
    if not levels or max(levels) == 0:
        return 0.0
    floor = max(levels) / 31.6
    loud = [l for l in levels if l >= floor]
    return math.sqrt(sum(l * l for l in loud) / len(loud))


def scale(s, gain):
    return array("h", (max(-32768, min(32767, round(v * gain))) for v in s))


def level(s, gain_db=0.0):
    """Levels speech to SPEECH_DBFS (+gain_db), limiting the peak."""
    r = voiced_rms(s)
    if r == 0:
        return s
    gain = 32768 * 10 ** ((SPEECH_DBFS + gain_db) / 20) / r
    peak = max(abs(v) for v in s)
    gain = min(gain, 32768 * 10 ** (PEAK_DBFS / 20) / peak)
    return scale(s, gain)


def noise(kind, seconds, tmp):
    if kind not in ("white", "pink", "brown"):
        raise RecipeError(f"noise {kind!r}: white, pink or brown")
    path = os.path.join(tmp, "noise.wav")
    run(["sox", "-R", "-n", "-r", str(RATE), "-c", "1", "-b", "16", path,
         "synth", f"{seconds:.3f}", kind + "noise"])
    return to_samples(path)


def mix_under(track, bed, gain):
    out = array("h", track)
    for i in range(min(len(out), len(bed))):
        out[i] = max(-32768, min(32767, out[i] + round(bed[i] * gain)))
    return out


def render(recipe, tmp):
    """Builds the recording; returns (samples, timeline rows, dtmf entries)."""
    track = array("h")
    timeline, dtmf, speech, spans = [], [], array("h"), []
    defaults = recipe.get("voice", {})
    for seg in recipe.get("segments", []):
        at = len(track) / RATE
        if "silence" in seg:
            track.extend(array("h", bytes(2 * round(seg["silence"] * RATE))))
            timeline.append((at, len(track) / RATE, f"silence {seg['silence']:g} s"))
        elif "say" in seg:
            lang = seg.get("lang", recipe.get("lang"))
            if lang not in TTS:
                raise RecipeError(f"segment {seg}: lang must be en or zh")
            opts = {**defaults.get(lang, {}), **{k: seg[k] for k in ("voice", "rate", "pitch") if k in seg}}
            s = level(synthesize(seg["say"], lang, opts, tmp), seg.get("gain_db", 0.0))
            spans.append((lang, seg["say"], len(track), len(track) + len(s)))
            track.extend(s)
            speech.extend(s)
            who = TTS[lang] if TTS[lang] != "espeak" else f"espeak {opts.get('voice', ESPEAK[lang]['voice'])}"
            timeline.append((at, len(track) / RATE, f"say {lang} ({who}): {seg['say']}"))
        elif "clip" in seg:
            s = level(to_samples(clip_path(seg["clip"])), seg.get("gain_db", 0.0))
            spans.append(("en", CLIPS[seg["clip"]][2], len(track), len(track) + len(s)))
            track.extend(s)
            speech.extend(s)
            timeline.append((at, len(track) / RATE, f"clip {seg['clip']}: \"{CLIPS[seg['clip']][2]}\""))
        elif "keys" in seg:
            # The recording stays silent while the keys are pressed (200 ms apart; the replay sends them).
            dtmf.append({"at": round(at, 2), "digits": seg["keys"]})
            seconds = 0.2 * len(seg["keys"])
            track.extend(array("h", bytes(2 * round(seconds * RATE))))
            timeline.append((at, len(track) / RATE, f"keys {seg['keys']} (DTMF, not in the audio)"))
        else:
            raise RecipeError(f"segment {seg}: expected silence, say, clip or keys")
    if "noise" in recipe:
        n = recipe["noise"]
        bed = noise(n["kind"], len(track) / RATE + 0.1, tmp)
        if "snr_db" in n:
            target, what = voiced_rms(speech) / 10 ** (n["snr_db"] / 20), f"{n['snr_db']} dB SNR"
        elif "dbfs" in n:
            target, what = 32768 * 10 ** (n["dbfs"] / 20), f"{n['dbfs']} dBFS"
        else:
            raise RecipeError("noise needs snr_db (relative to the speech) or dbfs (absolute level)")
        track = mix_under(track, bed, target / max(rms(bed), 1e-9))
        timeline.append((0.0, len(track) / RATE, f"{n['kind']} noise under everything at {what}"))
    if "background" in recipe:
        b = recipe["background"]
        clip = to_samples(clip_path(b["clip"]))
        at = b.get("at", 0.0)
        bed = array("h", bytes(2 * round(at * RATE)))
        bed.extend(clip)
        while b.get("loop", False) and len(bed) < len(track):
            bed.extend(array("h", bytes(2 * RATE // 2)))
            bed.extend(clip)
        gain = voiced_rms(speech) / 10 ** (b["snr_db"] / 20) / max(voiced_rms(clip), 1e-9)
        track = mix_under(track, bed, gain)
        until = min(len(bed), len(track)) / RATE
        looped = " (looped)" if b.get("loop", False) else ""
        timeline.append((at, until, f"background voice {b['clip']}{looped} at {b['snr_db']} dB SNR: \"{CLIPS[b['clip']][2]}\""))
    return track, timeline, dtmf, spans


def yaml_scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return json.dumps(v, ensure_ascii=False)


def yaml_flow(v):
    if isinstance(v, list):
        return "[" + ", ".join(yaml_flow(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {yaml_flow(x)}" for k, x in v.items()) + "}"
    return yaml_scalar(v)


def yaml_block(d, indent=0):
    pad = " " * indent
    lines = []
    for k, v in d.items():
        if isinstance(v, dict) and any(isinstance(x, (dict, list)) for x in v.values()):
            lines.append(f"{pad}{k}:")
            lines.extend(yaml_block(v, indent + 2))
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            lines.append(f"{pad}{k}:")
            for item in v:
                lines.append(f"{pad}  - {yaml_flow(item)}")
        else:
            lines.append(f"{pad}{k}: {yaml_flow(v)}")
    return lines


def expectation_yaml(name, recipe, timeline, dtmf):
    doc = {"description": recipe["description"], "audio": f"{name}.wav"}
    for key in ("lang", "caller"):
        if key in recipe:
            doc[key] = recipe[key]
    if dtmf:
        doc["dtmf"] = dtmf
    if "hangup" in recipe:
        doc["hangup"] = recipe["hangup"]
    doc["expect"] = recipe.get("expect", {})
    head = [f"# Generated by make.py from recipes/{name}.toml: edit the recipe, then run audio-fixtures/make.py.",
            "# Recording:"]
    head += [f"#   {a:6.2f}-{b:6.2f}  {what}" for a, b, what in timeline]
    return "\n".join(head + yaml_block(doc)) + "\n"


def write_wav(path, samples, fmt="pcm16k"):
    """16 kHz 16-bit PCM, or `ulaw8k`: 8 kHz G.711 µ-law as a phone line delivers it."""
    if fmt == "ulaw8k":
        pcm = path + ".pcm.wav"
        write_wav(pcm, samples)
        run(["sox", "-R", "-D", "-V1", pcm, "-r", "8000", "-e", "u-law", "-b", "8", path])
        os.remove(pcm)
        return
    if fmt != "pcm16k":
        raise RecipeError(f"format {fmt!r}: pcm16k (default) or ulaw8k")
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        data = array("h", samples)
        if sys.byteorder != "little":
            data.byteswap()
        w.writeframes(data.tobytes())


def load(name):
    path = os.path.join(HERE, "recipes", name + ".toml")
    with open(path, "rb") as f:
        try:
            recipe = tomllib.load(f)
        except tomllib.TOMLDecodeError as e:
            raise RecipeError(f"{path}: {e}")
    for key in ("description", "segments"):
        if key not in recipe:
            raise RecipeError(f"{path}: missing `{key}`")
    return recipe


def build(name, out_dir, tmp):
    recipe = load(name)
    track, timeline, dtmf, _ = render(recipe, tmp)
    write_wav(os.path.join(out_dir, name + ".wav"), track, recipe.get("format", "pcm16k"))
    with open(os.path.join(out_dir, name + ".yaml"), "w", encoding="utf-8") as f:
        f.write(expectation_yaml(name, recipe, timeline, dtmf))
    return len(track) / RATE


TABLE_MARK = "<!-- fixtures-table: generated by make.py from the recipes -->"


def fixture_table():
    """The README's list of fixtures, one row per recipe."""
    rows = ["| fixture | lang | what it checks | caller's side |", "|---|---|---|---|"]
    for name in names([]):
        r = load(name)
        e = r.get("expect", {})
        checks = []
        for i, t in enumerate(e.get("turns", []), 1):
            bits = [t.get("input", "")] + ([t["intent"]] if "intent" in t else [])
            bits += [f"{k}={v}" for k, v in t.get("entities", {}).items()]
            bits += [f"reply∋{x}" for x in t.get("reply", [])]
            checks.append(f"turn {i}: " + " ".join(b for b in bits if b))
        checks += [f"events: {', '.join(e['events'])}"] if e.get("events") else []
        checks += [f"not: {', '.join(e['not_events'])}"] if e.get("not_events") else []
        checks += [f"end: {e['end']}"] if "end" in e else []
        said = []
        for seg in r["segments"]:
            if "say" in seg:
                said.append(f"“{seg['say']}”")
            elif "clip" in seg:
                said.append(f"[{seg['clip']}]")
            elif "keys" in seg:
                said.append(f"[keys {seg['keys']}]")
        extras = [f"{r['noise']['kind']} noise" for _ in [0] if "noise" in r]
        extras += [f"background {r['background']['clip']}" for _ in [0] if "background" in r]
        extras += [f"caller {r['caller']}" for _ in [0] if "caller" in r]
        who = " ".join(said) or "(silence)"
        if extras:
            who += " (" + ", ".join(extras) + ")"
        rows.append(f"| `{name}` | {r.get('lang', 'auto')} | {r['description']}. " + "; ".join(checks)
                    + f" | {who} |")
    return "\n".join(rows) + "\n"


def update_readme():
    path = os.path.join(HERE, "README.md")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if TABLE_MARK not in text:
        raise RecipeError(f"{path} lacks the line {TABLE_MARK}")
    head = text.split(TABLE_MARK)[0]
    with open(path, "w", encoding="utf-8") as f:
        f.write(head + TABLE_MARK + "\n\n" + fixture_table())


def names(patterns):
    all_names = sorted(os.path.basename(p)[:-5] for p in glob.glob(os.path.join(HERE, "recipes", "*.toml")))
    if not patterns:
        return all_names
    chosen = [n for n in all_names if any(fnmatch.fnmatch(n, p) for p in patterns)]
    if not chosen:
        raise RecipeError(f"no recipe matches {patterns}; recipes: {', '.join(all_names)}")
    return chosen


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def first_line(text):
    return next((l for l in text.splitlines() if l.strip()), "")


def verify(chosen, tmp, model_en):
    """Cuts each utterance out of the finished recording (noise and all) and prints what Whisper hears in it and
    what the NLU makes of that."""
    kefu = kefu_bin()
    env = {**os.environ, "KEFU_LOG": "error,kefu::speech::asr=debug"}
    for name in chosen:
        track, _, _, spans = render(load(name), tmp)
        for lang, said, start, end in spans:
            margin = RATE * 3 // 10
            path = os.path.join(tmp, "utterance.wav")
            write_wav(path, track[max(0, start - margin):end + margin])
            models = [model_en, "base"] if lang == "en" else ["base"]
            heard = {}
            for model in dict.fromkeys(models):
                out = subprocess.run([kefu, "transcribe", path, "--lang", lang, "--model", model],
                                     capture_output=True, text=True, env=env)
                heard[model] = out.stdout.strip() if out.returncode == 0 else "ERROR " + first_line(out.stderr)
                if "guard tripped" in out.stderr:
                    # The fast, utterance-sized decode looped and was redone on a wider window: slower in a call.
                    heard[model] += "   [slow: sized-context decode looped, retried]"
            nlu = subprocess.run([kefu, "nlu", "parse", heard["base"] or "-"], capture_output=True, text=True,
                                 env=env, cwd=REPO)
            try:
                parsed = json.loads(nlu.stdout)
                understood = parsed["intent"] + ("?" if parsed.get("uncertain") else "")
                ents = " ".join(f"{e['value']['kind']}={json.dumps(e['value']['value'], ensure_ascii=False)}"
                                for e in parsed.get("entities", []))
            except (json.JSONDecodeError, KeyError):
                understood, ents = "ERROR", first_line(nlu.stderr)
            print(f"{name} [{lang}] {said}")
            for model, text in heard.items():
                print(f"    {model:8} {text}")
            print(f"    nlu      {understood} {ents}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("patterns", nargs="*", help="fixture names or shell patterns (default: all)")
    ap.add_argument("--check", action="store_true", help="regenerate in a temp dir and compare byte for byte")
    ap.add_argument("--verify", action="store_true", help="transcribe each utterance and parse it (needs kefu)")
    ap.add_argument("--model-en", default="tiny.en", help="second English model for --verify (default tiny.en)")
    args = ap.parse_args()
    try:
        chosen = names(args.patterns)
        with tempfile.TemporaryDirectory() as tmp:
            if args.verify:
                verify(chosen, tmp, args.model_en)
                return 0
            out_dir = os.path.join(tmp, "out") if args.check else HERE
            os.makedirs(out_dir, exist_ok=True)
            different = []
            for name in chosen:
                seconds = build(name, out_dir, tmp)
                if args.check:
                    for ext in (".wav", ".yaml"):
                        mine, theirs = os.path.join(out_dir, name + ext), os.path.join(HERE, name + ext)
                        if not os.path.exists(theirs) or sha256(mine) != sha256(theirs):
                            different.append(name + ext)
                else:
                    size = os.path.getsize(os.path.join(HERE, name + ".wav"))
                    print(f"{name}: {seconds:.1f} s, {size / 1e6:.2f} MB")
            if not args.check and not args.patterns:
                update_readme()
            if args.check:
                if different:
                    print("differs from the committed files: " + ", ".join(different))
                    return 1
                print(f"all {len(chosen)} fixtures regenerate byte for byte")
    except RecipeError as e:
        print(f"make.py: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
