#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fine-tuning benchmark: the same base model and the same data tuned three ways — full SFT, LoRA (r = 8) and prompt
tuning — each by `tunebench-cli train` in its own process, and one table of what each costs and gives:

  final task loss (validation loss on held-out SFT examples), trainable parameters, step time, peak RSS of the
  process, and forgetting (perplexity on the parent's held-out text, before -> after, and the increase).

Every method runs once per seed (--seeds); the table shows the mean over seeds, and the per-seed losses below it.
The held-out records are the same for every seed and method (core heldOutRecords: a fixed shuffle of the file's
records), so the comparison is paired. Examples the base's tokenizer cannot spell are left out
(sft.skip_unspellable, the default): identity.json's 75 Chinese records are all <unk> to a char model of an English
corpus, and a task loss measured on them says how well a model predicts <unk>, not how well it learned the task.

    /usr/bin/python3 bench/finetune_bench.py                     # base: the built-in demo, data: identity.json
    /usr/bin/python3 bench/finetune_bench.py --base-steps 300 --base-set model.n_layer=2 --json out.json

Target (issue 5): LoRA's final task loss within 10% of full fine-tuning's, with at most 10% of its trainable
parameters. Peak RSS comes from os.wait4 on each child (ru_maxrss), so it is that process's own peak.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE_CLI = os.path.join(REPO, "build", "release", "app", "tunebench-cli")
CI_CLI = os.path.join(REPO, "build", "ci", "app", "tunebench-cli")  # also a Release build
DEFAULT_CLI = RELEASE_CLI if os.path.exists(RELEASE_CLI) or not os.path.exists(CI_CLI) else CI_CLI
DEMO_CONFIG = os.path.join(REPO, "resources", "demo", "demo.yaml")
DEFAULT_DATA = os.path.normpath(os.path.join(REPO, "..", "shared", "data", "sft", "identity.json"))
REPLACE = "{{name}}=TuneBench|{{author}}=the TuneBench team"
LOSS_TOLERANCE = 1.10
PARAM_SHARE = 0.10


def run_measured(cmd):
    """Runs cmd, returns (exit code, output, wall seconds, peak RSS in MiB) of that child alone."""
    start = time.monotonic()
    with tempfile.TemporaryFile(mode="w+") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    return proc.returncode, text, time.monotonic() - start, usage.ru_maxrss / 1024.0


def train(cli, config, out_dir, sets):
    cmd = [cli, "train", "--config", config, "--out", out_dir]
    for s in sets:
        cmd += ["--set", s]
    code, text, wall, rss = run_measured(cmd)
    if code != 0:
        sys.stderr.write(text[-4000:])
        raise SystemExit(f"{' '.join(cmd)} failed with exit code {code}")
    with open(os.path.join(out_dir, "summary.json")) as f:
        summary = json.load(f)
    return summary, wall, rss


def pick(summary, *names):
    for n in names:
        if summary.get(n) is not None:
            return summary[n]
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cli", default=DEFAULT_CLI)
    p.add_argument("--base-config", default=DEMO_CONFIG)
    p.add_argument("--base-steps", type=int, default=800)
    p.add_argument("--base-set", action="append", default=[], metavar="KEY=VALUE",
                   help="extra --set for the base run, e.g. model.n_layer=2 (repeatable)")
    p.add_argument("--base-run", help="reuse this pretrained run directory instead of pretraining a base")
    p.add_argument("--data", default=DEFAULT_DATA)
    p.add_argument("--steps", type=int, default=120,
                   help="fine-tuning steps of every method (120: full SFT overfits 10 examples beyond that)")
    p.add_argument("--seeds", default="1337,1,2", help="comma-separated train.seed values; the table shows means")
    p.add_argument("--val-fraction", type=float, default=0.25,
                   help="data.val_fraction of the fine-tuning runs (0.25: 3 of identity.json's 13 spellable records)")
    p.add_argument("--lr-full", type=float, default=1e-3)
    p.add_argument("--lr-lora", type=float, default=1e-2, help="LoRA (adapters need more than full SFT)")
    p.add_argument("--lr-prompt", type=float, default=1e-2, help="prompt tuning")
    p.add_argument("--lora-r", type=int, default=8)
    p.add_argument("--lora-alpha", type=float, default=16)
    p.add_argument("--lora-targets", default="q,k,v,attn_out,mlp_in,mlp_out",
                   help="comma-separated LoRA targets (default: all six)")
    p.add_argument("--virtual-tokens", type=int, default=8)
    p.add_argument("--methods", default="full,lora,prompt", help="which of full,lora,prompt to run")
    p.add_argument("--threads", type=int, default=1,
                   help="train.threads of every run (default 1: on a busy 2-core machine 0 = all cores is ~40x slower)")
    p.add_argument("--json", help="also write the numbers to this file")
    p.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    args = p.parse_args()
    for path in (args.cli, args.base_config, args.data) + ((args.base_run,) if args.base_run else ()):
        if not os.path.exists(path):
            print(f"missing: {path}", file=sys.stderr)
            return 2

    work = tempfile.mkdtemp(prefix="tb-finetune-bench-")
    base_rss = None
    if args.base_run:
        base = os.path.abspath(args.base_run)
        print(f"base: {base}", flush=True)
    else:
        base = os.path.join(work, "base")
        print(f"pretraining the base ({args.base_steps} steps of {os.path.basename(args.base_config)}) ...", flush=True)
        _, _, base_rss = train(args.cli, args.base_config, base,
                               [f"train.max_steps={args.base_steps}", f"train.threads={args.threads}"] + args.base_set)

    ft_config = os.path.join(work, "finetune.yaml")
    with open(ft_config, "w") as f:
        json.dump({"method": "sft", "init_from": base,
                   "data": {"train": os.path.abspath(args.data), "val_fraction": args.val_fraction},
                   "train": {"max_steps": args.steps, "eval_interval": max(1, args.steps // 5), "eval_iters": 10,
                             "batch_size": 16, "warmup_steps": 10, "threads": args.threads, "seed": 1337}}, f)
    seeds = [int(x) for x in args.seeds.split(",") if x.strip()]
    if not seeds:
        print("--seeds names no seed", file=sys.stderr)
        return 2

    methods = {
        "full": ("full SFT", ["method=sft"], args.lr_full),
        "lora": (f"LoRA r={args.lora_r}",
                 ["method=lora", f"lora.r={args.lora_r}", f"lora.alpha={args.lora_alpha}",
                  "lora.targets=" + args.lora_targets.replace(",", "|")], args.lr_lora),
        "prompt": ("prompt tuning", ["method=prompt_tuning", f"prompt_tuning.num_virtual_tokens={args.virtual_tokens}"],
                   args.lr_prompt),
    }
    rows = []
    for key in [m.strip() for m in args.methods.split(",") if m.strip()]:
        if key not in methods:
            print(f"unknown method {key!r} (full, lora, prompt)", file=sys.stderr)
            return 2
        label, sets, lr = methods[key]
        runs = []
        for seed in seeds:
            out = os.path.join(work, f"{key}-seed{seed}")
            print(f"{label}, seed {seed} ...", flush=True)
            summary, wall, rss = train(args.cli, ft_config, out,
                                       sets + [f"train.learning_rate={lr}", f"train.min_lr={lr / 10}",
                                               f"train.seed={seed}", "data.replace=" + REPLACE])
            steps = max(1, summary.get("steps", args.steps))
            before = pick(summary, "forgetting_before")
            after = pick(summary, "forgetting_after")
            runs.append({
                "seed": seed,
                "final_task_loss": pick(summary, "final_val_loss"),
                "best_eval_task_loss": pick(summary, "best_val_loss"),
                "trainable_parameters": pick(summary, "trainable_parameters"),
                "parameters": pick(summary, "parameters"),
                "step_ms": 1000.0 * pick(summary, "wall_seconds") / steps,
                "peak_rss_mib": rss,
                "forgetting_before": before,
                "forgetting_after": after,
                "process_seconds": wall,
            })

        def mean(name):
            values = [r[name] for r in runs if r[name] is not None]
            return sum(values) / len(values) if values else None

        before, after = mean("forgetting_before"), mean("forgetting_after")
        rows.append({
            "method": label,
            "key": key,
            "learning_rate": lr,
            "final_task_loss": mean("final_task_loss"),
            "best_eval_task_loss": mean("best_eval_task_loss"),
            "trainable_parameters": runs[0]["trainable_parameters"],
            "parameters": runs[0]["parameters"],
            "step_ms": mean("step_ms"),
            "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
            "forgetting_before": before,
            "forgetting_after": after,
            "forgetting_increase": (after - before) if before is not None and after is not None else None,
            "process_seconds": sum(r["process_seconds"] for r in runs),
            "seeds": runs,
        })

    def fmt(v, spec):
        return "-" if v is None else format(v, spec)

    print()
    print(f"{'method':<15}{'task loss':>10}{'best eval':>10}{'trainable':>12}{'share':>8}{'step ms':>9}{'peak RSS':>10}"
          f"  {'forgetting (ppl before -> after)'}")
    for r in rows:
        share = (r["trainable_parameters"] / r["parameters"]) if r["trainable_parameters"] and r["parameters"] else None
        forgetting = (f"{fmt(r['forgetting_before'], '.3f')} -> {fmt(r['forgetting_after'], '.3f')}"
                      f" (+{fmt(r['forgetting_increase'], '.3f')})")
        print(f"{r['method']:<15}{fmt(r['final_task_loss'], '.4f'):>10}{fmt(r['best_eval_task_loss'], '.4f'):>10}{fmt(r['trainable_parameters'], ','):>12}"
              f"{fmt(share * 100 if share is not None else None, '.1f') + '%':>8}{r['step_ms']:>9.1f}"
              f"{r['peak_rss_mib']:>8.0f} M  {forgetting}")

    print(f"\nfinal task loss per seed ({', '.join(str(s) for s in seeds)}):")
    for r in rows:
        print(f"  {r['method']:<15}" + "  ".join(fmt(x["final_task_loss"], ".4f") for x in r["seeds"]))

    by_key = {r["key"]: r for r in rows}
    full, lora = by_key.get("full", {}), by_key.get("lora", {})
    ok = True
    if full.get("final_task_loss") and lora.get("final_task_loss"):
        ratio = lora["final_task_loss"] / full["final_task_loss"]
        passed = ratio <= LOSS_TOLERANCE
        ok &= passed
        print(f"\nLoRA task loss / full: {ratio:.3f} (target <= {LOSS_TOLERANCE:.2f}): {'PASS' if passed else 'FAIL'}")
    if full.get("trainable_parameters") and lora.get("trainable_parameters"):
        share = lora["trainable_parameters"] / full["trainable_parameters"]
        passed = share <= PARAM_SHARE
        ok &= passed
        print(f"LoRA trainable / full: {share:.3f} (target <= {PARAM_SHARE:.2f}): {'PASS' if passed else 'FAIL'}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows, "base": base, "base_steps": None if args.base_run else args.base_steps,
                       "base_peak_rss_mib": base_rss, "steps": args.steps, "seeds": seeds,
                       "val_fraction": args.val_fraction, "ok": ok,
                       "load_average": os.getloadavg()}, f, indent=2)
    print(f"(runs kept in {work})")
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
