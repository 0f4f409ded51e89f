#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generation benchmark: tokens/s for N new tokens (default 500) from TuneBench's C++ core with the KV cache, without
it, and from a plain PyTorch reference's naive generate loop (nanoGPT's: a full forward of the cropped context for
every token), same weights, same machine, same thread count, in one run.

    /usr/bin/python3 bench/generate_bench.py                         # both models
    /usr/bin/python3 bench/generate_bench.py --model a --threads 1   # the nanoGPT CPU-recipe model only

Models (random-init weights are fine for speed; each is made by one 1-step `tunebench-cli pretrain` on a slice of
the corpus, so both sides load the same checkpoint):
  (a) nanoGPT's CPU recipe for Shakespeare-char: 4 layers, 4 heads, 128 wide, context 64
  (b) nanoGPT's "baby GPT": 6 layers, 6 heads, 384 wide, context 256
The reference is bench/reference/gpt_reference.py's GPT with the checkpoint's weights (safetensors read here, no
extra package). A greedy run of both sides checks that they compute the same model (token for token).
See docs/performance.md ("Generation") for what limits the speed and the numbers measured.
"""

import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = os.path.join(REPO, "bench", "configs")
DEFAULT_CLI = os.path.join(REPO, "build", "release", "app", "tunebench-cli")
DEFAULT_CORPUS = os.path.normpath(os.path.join(REPO, "..", "shared", "data", "corpus", "tinyshakespeare.txt"))
TARGET_SPEEDUP = 5.0

MODELS = {
    "a": ("nanoGPT CPU recipe (4x128, ctx 64)", "shakespeare-char-nanogpt.yaml"),
    "b": ("baby GPT (6x384, ctx 256)", "baby.yaml"),
}

SAFETENSORS_DTYPES = {"F32": "float32", "F64": "float64", "I64": "int64", "I32": "int32", "U8": "uint8",
                      "F16": "float16", "BF16": None}


def read_safetensors(path, prefix):
    """{name without prefix: torch tensor} for the tensors whose name starts with prefix (no safetensors package)."""
    import numpy as np
    import torch
    with open(path, "rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(size))
        base = 8 + size
        out = {}
        for name, info in header.items():
            if name == "__metadata__" or not name.startswith(prefix):
                continue
            dtype = SAFETENSORS_DTYPES.get(info["dtype"])
            if dtype is None:
                raise SystemExit(f"{path}: {name}: dtype {info['dtype']} not supported by this reader")
            begin, end = info["data_offsets"]
            f.seek(base + begin)
            array = np.frombuffer(f.read(end - begin), dtype=dtype).reshape(info["shape"])
            out[name[len(prefix):]] = torch.from_numpy(array.copy())
        return out, header.get("__metadata__", {})


def make_run(cli, config, corpus_slice, out_dir, threads):
    """A run directory whose checkpoint holds (almost) random-init weights: one training step of batch 1."""
    cmd = [cli, "pretrain", "--config", config, "--out", out_dir,
           "--set", f"data.corpus={corpus_slice}", "--set", "train.max_steps=1", "--set", "train.lr_decay_steps=1",
           "--set", "train.warmup_steps=0", "--set", "train.batch_size=1", "--set", "train.eval_iters=1",
           "--set", f"train.threads={threads}"]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise SystemExit(f"creating the benchmark model failed:\n{' '.join(cmd)}\n{r.stdout}")
    return os.path.join(out_dir, "checkpoints", "latest.safetensors")


def run_cpp(cli, run_dir, prompt, new_tokens, threads, env, extra):
    cmd = [cli, "compare", run_dir, "--prompt", prompt, "--max-new-tokens", str(new_tokens), "--json",
           "--threads", str(threads), "--checkpoint", "latest"] + extra
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stderr}")
    return json.loads(r.stdout.splitlines()[0])


def load_reference(checkpoint):
    sys.path.insert(0, os.path.join(REPO, "bench", "reference"))
    import gpt_reference
    import torch
    import yaml
    weights, meta = read_safetensors(checkpoint, "model.")
    config = yaml.safe_load(meta["config"])["model"]
    config = dict(config, vocab_size=int(weights["transformer.wte.weight"].shape[0]))
    model = gpt_reference.GPT(config)
    missing, unexpected = model.load_state_dict(weights, strict=False)
    if set(missing) - {"lm_head.weight"} or unexpected:
        raise SystemExit(f"{checkpoint}: weights do not match the reference (missing {missing}, extra {unexpected})")
    model.lm_head.weight = model.transformer.wte.weight  # keep the tie after loading
    model.eval()
    return model, config


def reference_generate(model, prompt_ids, new_tokens, greedy, seed):
    """nanoGPT's naive loop (GPT.generate): the whole cropped context through the model for every token."""
    import torch
    torch.manual_seed(seed)
    idx = torch.tensor([prompt_ids], dtype=torch.long)
    with torch.no_grad():
        if greedy:
            for _ in range(new_tokens):
                logits, _ = model(idx[:, -model.config["block_size"]:])
                idx = torch.cat((idx, logits[:, -1, :].argmax(-1, keepdim=True)), dim=1)
        else:
            idx = model.generate(idx, new_tokens, temperature=0.8)
    return idx[0, len(prompt_ids):].tolist()


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def bench_model(key, args, env, work):
    import torch
    name, config_file = MODELS[key]
    run_dir = os.path.join(work, f"run-{key}")
    checkpoint = make_run(args.cli, os.path.join(CONFIGS, config_file), args.corpus_slice, run_dir, args.threads)
    model, config = load_reference(checkpoint)
    block = config["block_size"]
    prompt = args.prompt

    # Same model on both sides: greedy continuations must agree token for token.
    check = run_cpp(args.cli, run_dir, prompt, args.check_tokens, args.threads, env, ["--greedy"])
    ref_greedy = reference_generate(model, check["prompt_tokens"], args.check_tokens, True, 0)
    agree = sum(1 for a, b in zip(check["tokens"], ref_greedy) if a == b)
    first_diff = next((i for i, (a, b) in enumerate(zip(check["tokens"], ref_greedy)) if a != b), None)

    # Interleaved: each repeat runs every variant once, so a change in machine load hits all of them alike.
    variants = [("C++ KV cache (sliding)", []), ("C++ no cache", ["--no-cache"]),
                ("C++ KV cache (chunked)", ["--window", "chunked"])]
    inside = block - len(check["prompt_tokens"])
    samples, within_samples = {}, {}
    for i in range(args.repeat):
        seed = ["--seed", str(i + 1)]
        for label, extra in variants:
            samples.setdefault(label, []).append(
                run_cpp(args.cli, run_dir, prompt, args.tokens, args.threads, env, extra + seed)["tokens_per_second"])
        start = time.perf_counter()
        out = reference_generate(model, check["prompt_tokens"], args.tokens, False, i + 1)
        samples.setdefault("Python reference (naive loop)", []).append(len(out) / (time.perf_counter() - start))
        # Within the block size only (the context never slides): what the cache alone buys.
        if inside > 0:
            for label, extra in [("C++ KV cache", []), ("C++ no cache", ["--no-cache"])]:
                within_samples.setdefault(label, []).append(
                    run_cpp(args.cli, run_dir, prompt, inside, args.threads, env, extra + seed)["tokens_per_second"])
            start = time.perf_counter()
            out = reference_generate(model, check["prompt_tokens"], inside, False, i + 1)
            within_samples.setdefault("Python reference (naive loop)", []).append(
                len(out) / (time.perf_counter() - start))
    rows = {label: median(v) for label, v in samples.items()}
    within = {label: median(v) for label, v in within_samples.items()}

    n_prompt = len(check["prompt_tokens"])
    past = max(0, n_prompt + args.tokens - block) - max(0, n_prompt - block)
    return {"model": name, "block_size": block, "prompt_tokens": n_prompt, "new_tokens": args.tokens,
            "past_block": min(args.tokens, past), "threads": args.threads, "tokens_per_second": rows,
            "within_block": {"new_tokens": inside, "tokens_per_second": within},
            "greedy_check": {"tokens": args.check_tokens, "agree": agree, "first_difference": first_diff},
            "torch_threads_reference": torch.get_num_threads()}


def report(res):
    ref = res["tokens_per_second"]["Python reference (naive loop)"]
    print(f"\n{res['model']}: {res['new_tokens']} new tokens after a {res['prompt_tokens']}-token prompt "
          f"({res['past_block']} of them past the block size {res['block_size']}), {res['threads']} thread(s)")
    print(f"  {'':34s} {'tokens/s':>10s} {'vs reference':>13s}")
    for label, tps in res["tokens_per_second"].items():
        print(f"  {label:34s} {tps:10.1f} {tps / ref:12.2f}x")
    w = res["within_block"]
    if w["tokens_per_second"]:
        wref = w["tokens_per_second"]["Python reference (naive loop)"]
        print(f"  within the block only ({w['new_tokens']} new tokens, the context never slides):")
        for label, tps in w["tokens_per_second"].items():
            print(f"    {label:32s} {tps:10.1f} {tps / wref:12.2f}x")
    g = res["greedy_check"]
    same = "same" if g["agree"] == g["tokens"] else f"differ from token {g['first_difference']}"
    print(f"  greedy check, {g['tokens']} tokens C++ vs reference: {same}")
    sliding = res["tokens_per_second"]["C++ KV cache (sliding)"] / ref
    chunked = res["tokens_per_second"]["C++ KV cache (chunked)"] / ref
    print(f"  target >= {TARGET_SPEEDUP:.0f}x the reference: sliding window (exact nanoGPT context) "
          f"{'PASS' if sliding >= TARGET_SPEEDUP else 'FAIL'} ({sliding:.2f}x); chunked window "
          f"{'PASS' if chunked >= TARGET_SPEEDUP else 'FAIL'} ({chunked:.2f}x)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", choices=["a", "b", "all"], default="all")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="threads for both sides (default: all)")
    ap.add_argument("--tokens", type=int, default=500, help="new tokens per run (default 500)")
    ap.add_argument("--check-tokens", type=int, default=100, help="greedy tokens compared between the sides")
    ap.add_argument("--repeat", type=int, default=1, help="runs per variant; the median is reported")
    ap.add_argument("--prompt", default="First Citizen:\n")
    ap.add_argument("--corpus", default=DEFAULT_CORPUS, help=f"default: {DEFAULT_CORPUS}")
    ap.add_argument("--cli", default=DEFAULT_CLI, help=f"tunebench-cli binary (default: {DEFAULT_CLI})")
    ap.add_argument("--omp-passive", action="store_true", help="OMP_WAIT_POLICY=PASSIVE for both sides")
    ap.add_argument("--json", metavar="OUT", help="also write the results to this JSON file")
    args = ap.parse_args()
    if not os.path.exists(args.cli):
        print(f"tunebench-cli not found at {args.cli} (build it, or pass --cli)", file=sys.stderr)
        return 2
    if not os.path.exists(args.corpus):
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2

    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    if args.omp_passive:
        env["OMP_WAIT_POLICY"] = "PASSIVE"
    os.environ.update({k: env[k] for k in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY") if k in env})
    import torch  # after OMP_* are set
    torch.set_num_threads(args.threads)

    results = []
    with tempfile.TemporaryDirectory(prefix="tb-generate-bench-") as work:
        # A slice of the corpus keeps the 1-step training and its final validation short; it still holds every
        # character of the prompt.
        with open(args.corpus, "r", encoding="utf-8") as f:
            text = f.read(200_000)
        args.corpus_slice = os.path.join(work, "corpus.txt")
        with open(args.corpus_slice, "w", encoding="utf-8") as f:
            f.write(text)
        for key in (["a", "b"] if args.model == "all" else [args.model]):
            res = bench_model(key, args, env, work)
            report(res)
            results.append(res)
    print("\nTimings are noisy on a shared machine; the ratios come from runs in this one process, back to back.")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
