#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Pretraining benchmark: TuneBench's C++ core (tunebench-cli) against the PyTorch reference, same machine, same
threads, one after the other, and a PASS/FAIL line for each performance target.

    /usr/bin/python3 bench/pretrain_bench.py --config all            # full run (the reference alone takes minutes)
    /usr/bin/python3 bench/pretrain_bench.py --config a --steps 50   # quick smoke run
    /usr/bin/python3 bench/pretrain_bench.py --config a --skip-python --reuse-reference runs/bench/last.json

Configs:
  (a) Shakespeare-char, nanoGPT's CPU recipe. The reference runs shakespeare-char-nanogpt.yaml; tunebench-cli runs
      shakespeare-char-fast.yaml (the core's own recipe; --cpp-config-a to change).
  (b) the "baby GPT" (6x384, context 256, batch 64) for a few steps (baby.yaml): throughput and memory.
See bench/README.md for what is measured and why.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(REPO, "bench")
CONFIGS = os.path.join(BENCH, "configs")
REFERENCE = os.path.join(BENCH, "reference", "gpt_reference.py")
DEFAULT_CLI = os.path.join(REPO, "build", "release", "app", "tunebench-cli")
DEFAULT_CORPUS = os.path.normpath(os.path.join(REPO, "..", "shared", "data", "corpus", "tinyshakespeare.txt"))

# Targets. (a) loss target: nanoGPT's reported val loss for this CPU recipe after 2000 iterations.
TARGET_A_SPEEDUP = 1.5
TARGET_A_LOSS = 1.886
TARGET_A_TIME_FRACTION = 0.5
TARGET_B_SPEEDUP = 3.0
TARGET_B_RSS_FRACTION = 0.5


# --------------------------------------------------------------------------------------------------------------------
# Model arithmetic (nanoGPT's get_num_params / estimate_mfu)

def load_yaml(path):
    import yaml
    with open(path, "r", encoding="utf-8") as f:
        return yaml.safe_load(f)


def param_counts(model, vocab_size):
    """(total, non-embedding) parameters of nanoGPT's GPT; lm_head is tied to wte, so counted once."""
    c, t, layers, bias = model["n_embd"], model["block_size"], model["n_layer"], bool(model.get("bias", True))
    b = 1 if bias else 0
    ln = c + b * c
    block = (ln + c * 3 * c + b * 3 * c + c * c + b * c  # ln_1, attn.c_attn, attn.c_proj
             + ln + c * 4 * c + b * 4 * c + 4 * c * c + b * c)  # ln_2, mlp.c_fc, mlp.c_proj
    total = vocab_size * c + t * c + layers * block + ln
    return total, total - t * c


def flops_per_token(model, vocab_size):
    """Training FLOPs per token: 6 N (forward + backward matmuls) + 12 L C T (attention scores and mixing)."""
    _, n_non_emb = param_counts(model, vocab_size)
    return 6 * n_non_emb + 12 * model["n_layer"] * model["n_embd"] * model["block_size"]


def char_vocab_size(corpus):
    with open(corpus, "r", encoding="utf-8") as f:
        return len(set(f.read()))


# --------------------------------------------------------------------------------------------------------------------
# Measurements

# Runs in a child process: this process must stay small, because a child's ru_maxrss starts at the RSS of the
# process it was forked from (Linux records the pre-exec memory's high-water mark), which would put a floor of a few
# hundred MB under the C++ side's peak RSS if torch were loaded here.
GEMM_CODE = r"""
import json, sys, time, torch
n, threads, reps = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
out = {"torch": torch.__version__}
for name, dtype, count in (("fp32", torch.float32, reps), ("bf16", torch.bfloat16, max(2, reps // 2))):
    g = torch.Generator().manual_seed(0)
    a = torch.randn(n, n, generator=g).to(dtype)
    b = torch.randn(n, n, generator=g).to(dtype)
    torch.mm(a, b)  # warm-up: thread pool, packing buffers
    best = float("inf")
    for _ in range(count):
        t0 = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - t0)
    out[name] = 2.0 * n ** 3 / best / 1e9
print(json.dumps(out))
"""


def gemm_peaks(threads, n, env, reps=7):
    """Best-of-several GFLOP/s of an n x n torch.mm, fp32 and bf16, with `threads` intra-op threads."""
    proc = subprocess.run([sys.executable, "-c", GEMM_CODE, str(n), str(threads), str(reps)], env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"warning: matmul peak measurement failed:\n{proc.stderr.strip()}", file=sys.stderr)
        return {"fp32": None, "bf16": None, "torch": "?"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def busy_cpus(seconds=1.0):
    """CPUs' worth of work done by anyone during the next `seconds` (from /proc/stat), or None off Linux."""
    def snap():
        with open("/proc/stat", "r", encoding="ascii") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        idle = v[3] + v[4]  # idle + iowait
        return sum(v) - idle, sum(v)
    try:
        b0, t0 = snap()
        time.sleep(seconds)
        b1, t1 = snap()
    except OSError:
        return None
    return (b1 - b0) / max(1, t1 - t0) * (os.cpu_count() or 1)


def wait_until_idle(max_seconds, threshold=0.25):
    """Waits (up to max_seconds) until other processes use less than `threshold` CPUs for 3 seconds running."""
    if max_seconds <= 0:
        return
    deadline, quiet = time.monotonic() + max_seconds, 0
    waited = False
    while time.monotonic() < deadline:
        busy = busy_cpus()
        if busy is None:
            return
        quiet = quiet + 1 if busy < threshold else 0
        if quiet >= 3:
            if waited:
                print("machine is idle now", flush=True)
            return
        if not waited:
            print(f"waiting up to {max_seconds:.0f}s for the machine to go idle (busy: {busy:.2f} CPUs)", flush=True)
            waited = True
    print(f"warning: still busy after {max_seconds:.0f}s; running anyway", flush=True)


def run_child(name, cmd, env, log_path, verbose):
    """Runs one benchmark side; returns (exit code, seconds, the child's own peak RSS in MB via wait4)."""
    print(f"[{name}] $ {' '.join(cmd)}", flush=True)
    t0 = time.perf_counter()
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True,
                                bufsize=1, errors="replace")
        tail = []
        for line in proc.stdout:
            log.write(line)
            tail = (tail + [line])[-30:]
            low = line.lower()
            if verbose or any(k in low for k in ("eval", "error", "warn", "fail", "done", "summary", "val ")):
                print(f"[{name}] {line.rstrip()}", flush=True)
        proc.stdout.close()
        _, status, usage = os.wait4(proc.pid, 0)  # the child's own rusage, not the sum of all children
        proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        print(f"[{name}] FAILED with exit code {proc.returncode}; last lines of {log_path}:", flush=True)
        for line in tail:
            print(f"[{name}]   {line.rstrip()}")
    return proc.returncode, seconds, usage.ru_maxrss / 1024.0  # Linux: KiB


def read_json(path):
    try:
        with open(path, "r", encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def first_eval_reaching(metrics_path, loss):
    """The first eval line of a metrics.jsonl with eval_loss <= loss, or None."""
    try:
        with open(metrics_path, "r", encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if "eval_loss" in rec and rec["eval_loss"] is not None and rec["eval_loss"] <= loss:
                    return rec
    except OSError:
        pass
    return None


# --------------------------------------------------------------------------------------------------------------------

def side_result(name, config_path, summary, rc, seconds, rss_mb, vocab, peaks):
    cfg = load_yaml(config_path)
    precision = cfg.get("train", {}).get("precision", "fp32")
    fpt = flops_per_token(cfg["model"], vocab)
    res = {"side": name, "config": os.path.relpath(config_path, REPO), "exit_code": rc, "process_seconds": seconds,
           "peak_rss_mb": rss_mb, "precision": precision, "flops_per_token": fpt, "summary": summary}
    if summary and summary.get("tokens_per_second"):
        tps = float(summary["tokens_per_second"])
        res["tokens_per_second"] = tps
        res["gflops"] = fpt * tps / 1e9
    add_peak_fractions(res, peaks)
    return res


def add_peak_fractions(res, peaks):
    """Achieved GFLOP/s as a fraction of this run's fp32 matmul peak (and of the bf16 one for bf16 runs)."""
    for name in ("fp32", "bf16"):
        peak = peaks.get(name)
        relevant = name == "fp32" or res.get("precision") == "bf16"
        res[f"fraction_of_{name}_peak"] = res["gflops"] / peak if relevant and peak and res.get("gflops") else None


def run_config(key, args, env, out_dir, vocab, peaks, reused):
    """Runs config `key` ('a' or 'b') on both sides; returns {'cpp': ..., 'python': ...}."""
    if key == "a":
        ref_cfg, cpp_cfg = args.ref_config_a, args.cpp_config_a
    else:
        ref_cfg = cpp_cfg = os.path.join(CONFIGS, "baby.yaml")
    overrides = []
    if args.steps:
        overrides = [f"train.max_steps={args.steps}", f"train.lr_decay_steps={args.steps}"]
    results = {}
    if not args.skip_cpp:
        # The speed ratio compares the same recipe on both sides. Beside it, (a) runs the core's fast recipe for the
        # time-to-loss target and (b) its low-memory mode (activation checkpointing) for the memory target.
        if key == "a":
            variants = [("cpp", ref_cfg, []), ("cpp_fast", cpp_cfg, [])]
        else:
            variants = [("cpp", cpp_cfg, []), ("cpp_lowmem", cpp_cfg, ["train.activation_checkpointing=true"])]
        for label, cfg, extra in variants:
            run_dir = os.path.join(out_dir, f"{key}-{label}")
            cmd = [args.cli, "pretrain", "--config", cfg, "--set", f"data.corpus={args.corpus}",
                   "--set", f"train.threads={args.threads}", "--out", run_dir]
            for o in overrides + extra:
                cmd += ["--set", o]
            wait_until_idle(args.wait_idle)
            rc, secs, rss = run_child(f"{key}/{label}", cmd, env, os.path.join(out_dir, f"{key}-{label}.log"),
                                      args.verbose)
            res = side_result("cpp", cfg, read_json(os.path.join(run_dir, "summary.json")), rc, secs, rss, vocab,
                              peaks)
            res["metrics"] = os.path.join(run_dir, "metrics.jsonl")
            res["overrides"] = extra
            results[label] = res
    if not args.skip_python:
        run_dir = os.path.join(out_dir, f"{key}-python")
        cmd = [sys.executable, REFERENCE, "--config", ref_cfg, "--corpus", args.corpus, "--threads",
               str(args.threads), "--out", run_dir]
        for o in overrides:
            cmd += ["--set", o]
        wait_until_idle(args.wait_idle)
        rc, secs, rss = run_child(f"{key}/python", cmd, env, os.path.join(out_dir, f"{key}-python.log"),
                                  args.verbose)
        results["python"] = side_result("python", ref_cfg, read_json(os.path.join(run_dir, "summary.json")), rc,
                                         secs, rss, vocab, peaks)
    elif reused and key in reused:
        results["python"] = dict(reused[key], reused_from=args.reuse_reference)
        add_peak_fractions(results["python"], peaks)  # against this run's peak
    return results


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def ratio(a, b):
    return a / b if a is not None and b else None


def report(key, res, args, quick):
    cpp, py = res.get("cpp", {}), res.get("python", {})
    cs, ps = cpp.get("summary") or {}, py.get("summary") or {}
    title = {"a": "config (a): Shakespeare-char, nanoGPT CPU recipe (4x128, ctx 64, batch 12)",
             "b": "config (b): baby GPT (6x384, ctx 256, batch 64), a few steps"}[key]
    print()
    print(title)
    print(f"  c++    : {cpp.get('config', 'not run')}  ({cpp.get('precision', '-')})")
    print(f"  python : {py.get('config', 'not run')}  ({py.get('precision', '-')})"
          + (f"  [reused from {py['reused_from']}]" if py.get("reused_from") else ""))
    rows = [
        ("steps", cs.get("steps"), ps.get("steps"), None, "d"),
        ("tokens/s", cpp.get("tokens_per_second"), py.get("tokens_per_second"),
         ratio(cpp.get("tokens_per_second"), py.get("tokens_per_second")), ",.0f"),
        ("GFLOP/s achieved", cpp.get("gflops"), py.get("gflops"), ratio(cpp.get("gflops"), py.get("gflops")), ".2f"),
        ("fraction of fp32 peak", cpp.get("fraction_of_fp32_peak"), py.get("fraction_of_fp32_peak"), None, ".1%"),
        ("fraction of bf16 peak", cpp.get("fraction_of_bf16_peak"), py.get("fraction_of_bf16_peak"), None, ".1%"),
        ("peak RSS MB (wait4)", cpp.get("peak_rss_mb"), py.get("peak_rss_mb"),
         ratio(cpp.get("peak_rss_mb"), py.get("peak_rss_mb")), ",.0f"),
        ("wall seconds (train)", cs.get("wall_seconds"), ps.get("wall_seconds"),
         ratio(cs.get("wall_seconds"), ps.get("wall_seconds")), ".1f"),
        ("best val loss", cs.get("best_val_loss"), ps.get("best_val_loss"), None, ".4f"),
        ("final val loss (full)", cs.get("final_val_loss"), ps.get("final_val_loss"), None, ".4f"),
    ]
    print(f"  {'':24s}{'C++':>14s}{'Python':>14s}{'C++/Py':>10s}")
    for label, c, p, r, spec in rows:
        print(f"  {label:24s}{fmt(c, spec):>14s}{fmt(p, spec):>14s}{fmt(r, '.2f'):>10s}")
    extra = res.get("cpp_fast") or res.get("cpp_lowmem")
    if extra:
        es = extra.get("summary") or {}
        name = "fast recipe" if "cpp_fast" in res else "low-memory mode"
        print(f"  C++ {name}: {extra.get('config')} {' '.join(extra.get('overrides', []))}")
        for label, c, p, r, spec in [
            ("  tokens/s", extra.get("tokens_per_second"), py.get("tokens_per_second"),
             ratio(extra.get("tokens_per_second"), py.get("tokens_per_second")), ",.0f"),
            ("  peak RSS MB (wait4)", extra.get("peak_rss_mb"), py.get("peak_rss_mb"),
             ratio(extra.get("peak_rss_mb"), py.get("peak_rss_mb")), ",.0f"),
            ("  wall seconds (train)", es.get("wall_seconds"), ps.get("wall_seconds"),
             ratio(es.get("wall_seconds"), ps.get("wall_seconds")), ".1f"),
            ("  final val loss (full)", es.get("final_val_loss"), ps.get("final_val_loss"), None, ".4f"),
        ]:
            print(f"  {label:24s}{fmt(c, spec):>14s}{fmt(p, spec):>14s}{fmt(r, '.2f'):>10s}")

    verdicts = []

    def verdict(name, ok, detail):
        word = "n/a " if ok is None else ("PASS" if ok else "FAIL")
        verdicts.append({"target": name, "result": word.strip(), "detail": detail})
        print(f"  {word}  {name}: {detail}")

    speedup = ratio(cpp.get("tokens_per_second"), py.get("tokens_per_second"))
    if key == "a":
        verdict(f"(a) tokens/s C++ >= {TARGET_A_SPEEDUP}x reference",
                None if speedup is None else speedup >= TARGET_A_SPEEDUP,
                "missing a side" if speedup is None else f"{speedup:.2f}x")
        ref_wall = ps.get("wall_seconds")
        fast = res.get("cpp_fast", {})
        cs = fast.get("summary") or {}
        hit = first_eval_reaching(fast["metrics"], TARGET_A_LOSS) if fast.get("metrics") else None
        name = (f"(a) C++ val loss <= {TARGET_A_LOSS} within {TARGET_A_TIME_FRACTION}x the reference's "
                f"wall time")
        if quick:
            verdict(name, None, "needs the full 2000-step runs (no --steps)")
        elif ref_wall is None or not cpp:
            verdict(name, None, "missing a side")
        elif hit is None and (cs.get("final_val_loss") or 99) <= TARGET_A_LOSS:
            # The fixed eval batches are a sample; the whole-split loss of the final weights is the true val loss,
            # reached at the end of the training loop (wall_seconds).
            budget = TARGET_A_TIME_FRACTION * ref_wall
            verdict(name, cs["wall_seconds"] <= budget,
                    f"whole val split {cs['final_val_loss']:.4f} after {cs['wall_seconds']:.1f}s; "
                    f"budget {budget:.1f}s (reference {ref_wall:.1f}s)")
        elif hit is None:
            verdict(name, False, f"C++ never reached {TARGET_A_LOSS} (best {fmt(cs.get('best_val_loss'), '.4f')}, "
                                 f"whole split {fmt(cs.get('final_val_loss'), '.4f')})")
        else:
            budget = TARGET_A_TIME_FRACTION * ref_wall
            verdict(name, hit["elapsed_s"] <= budget,
                    f"reached {hit['eval_loss']:.4f} at step {hit.get('step')} after {hit['elapsed_s']:.1f}s; "
                    f"budget {budget:.1f}s (reference {ref_wall:.1f}s)")
    else:
        verdict(f"(b) tokens/s C++ >= {TARGET_B_SPEEDUP}x reference",
                None if speedup is None else speedup >= TARGET_B_SPEEDUP,
                "missing a side" if speedup is None else f"{speedup:.2f}x")
        for label, side in (("default", cpp), ("low-memory mode", res.get("cpp_lowmem", {}))):
            ss = side.get("summary") or {}
            completed = ss.get("status") == "completed" and ps.get("status") == "completed"
            rss = ratio(side.get("peak_rss_mb"), py.get("peak_rss_mb")) if completed else None
            verdict(f"(b) peak RSS C++ ({label}) <= {TARGET_B_RSS_FRACTION}x reference",
                    None if rss is None else rss <= TARGET_B_RSS_FRACTION,
                    "needs two completed runs" if rss is None else f"{rss:.2f}x")
    return verdicts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", choices=["a", "b", "all"], default="all")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="threads for both sides (default: all)")
    ap.add_argument("--steps", type=int, help="override train.max_steps (and lr_decay_steps) on both sides")
    ap.add_argument("--corpus", default=DEFAULT_CORPUS, help=f"default: {DEFAULT_CORPUS}")
    ap.add_argument("--cli", default=DEFAULT_CLI, help=f"tunebench-cli binary (default: {DEFAULT_CLI})")
    ap.add_argument("--cpp-config-a", default=os.path.join(CONFIGS, "shakespeare-char-fast.yaml"))
    ap.add_argument("--ref-config-a", default=os.path.join(CONFIGS, "shakespeare-char-nanogpt.yaml"))
    ap.add_argument("--skip-cpp", action="store_true")
    ap.add_argument("--skip-python", action="store_true")
    ap.add_argument("--reuse-reference", metavar="JSON",
                    help="with --skip-python: take the reference results from an earlier --json file")
    ap.add_argument("--gemm-n", type=int, default=1024, help="matrix size for the matmul peak (default 1024)")
    ap.add_argument("--out", default=os.path.join(REPO, "runs", "bench"), help="folder for run outputs and logs")
    ap.add_argument("--json", metavar="OUT", help="also write all results to this JSON file")
    ap.add_argument("--wait-idle", type=float, default=0, metavar="SECONDS",
                    help="before each run, wait up to SECONDS for other processes to stop using the CPUs")
    ap.add_argument("--omp-passive", action="store_true",
                    help="set OMP_WAIT_POLICY=PASSIVE for both sides (a must on a shared, busy machine: spinning "
                         "OpenMP threads collapse when another process takes a core)")
    ap.add_argument("--strict", action="store_true", help="exit 1 if any target FAILs")
    ap.add_argument("-v", "--verbose", action="store_true", help="echo every line the runs print")
    args = ap.parse_args()

    args.corpus = os.path.abspath(args.corpus)
    args.cli = os.path.abspath(args.cli)
    if not os.path.isfile(args.corpus):
        print(f"error: corpus not found: {args.corpus} (pass --corpus PATH)", file=sys.stderr)
        return 2
    if not args.skip_cpp and not (os.path.isfile(args.cli) and os.access(args.cli, os.X_OK)):
        print(f"error: tunebench-cli not found at {args.cli}\n"
              f"       build it first (cmake --preset release && cmake --build --preset release), "
              f"pass --cli PATH, or use --skip-cpp", file=sys.stderr)
        return 2
    reused = None
    if args.reuse_reference:
        old = read_json(args.reuse_reference)
        if not old:
            print(f"error: cannot read {args.reuse_reference}", file=sys.stderr)
            return 2
        reused = {k: v["python"] for k, v in old.get("results", {}).items() if "python" in v}
    if args.skip_cpp and args.skip_python:
        print("note: both sides skipped; measuring the matmul peak only")

    keys = ["a", "b"] if args.config == "all" else [args.config]
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out_dir = os.path.join(os.path.abspath(args.out), stamp)
    os.makedirs(out_dir, exist_ok=True)
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    if args.omp_passive:
        env["OMP_WAIT_POLICY"] = "PASSIVE"
    vocab = char_vocab_size(args.corpus)

    wait_until_idle(args.wait_idle)
    load = os.getloadavg()[0]
    busy = busy_cpus()
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", "r", encoding="utf-8") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), cpu)
    except OSError:
        pass
    peaks = gemm_peaks(args.threads, args.gemm_n, env)
    print(f"pretrain_bench: {cpu}, {os.cpu_count()} CPUs, threads {args.threads}, torch {peaks['torch']}, "
          f"load average {load:.2f}, busy {fmt(busy, '.2f')} CPUs, output {out_dir}")
    if busy is not None and busy > 0.25:
        print(f"warning: other processes are using {busy:.1f} CPUs; timings will be noisy and low"
              + ("" if args.omp_passive else ", and multi-threaded runs may collapse (try --omp-passive, "
                 "--wait-idle 600 or fewer --threads)"))

    print(f"matmul peak ({args.gemm_n}x{args.gemm_n}, {args.threads} threads, best of several): "
          f"fp32 {fmt(peaks['fp32'], '.1f')} GFLOP/s, bf16 {fmt(peaks['bf16'], '.1f')} GFLOP/s")

    results, verdicts = {}, {}
    failed_run = False
    for key in keys:
        results[key] = run_config(key, args, env, out_dir, vocab, peaks, reused)
        failed_run |= any(r.get("exit_code") not in (0, None) for r in results[key].values())
    quick = args.steps is not None
    print("\n" + "=" * 72)
    rss_floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"RESULTS  (threads {args.threads}; matmul peak fp32 {fmt(peaks['fp32'], '.1f')} / bf16 "
          f"{fmt(peaks['bf16'], '.1f')} GFLOP/s; flops/token = 6 N_non-emb + 12 L C T; "
          f"peak RSS floor {rss_floor:.0f} MB)")
    for key in keys:
        verdicts[key] = report(key, results[key], args, quick)
    print("=" * 72)

    if args.json:
        payload = {"date": stamp, "cpu": cpu, "cpu_count": os.cpu_count(), "threads": args.threads,
                   "load_average_at_start": load,
                   "busy_cpus_at_start": busy, "omp_passive": args.omp_passive, "torch_version": peaks.get("torch"),
                   "rss_floor_mb": rss_floor, "corpus": args.corpus,
                   "steps_override": args.steps, "matmul_n": args.gemm_n, "peak_gflops": peaks,
                   "results": results, "targets": verdicts}
        os.makedirs(os.path.dirname(os.path.abspath(args.json)) or ".", exist_ok=True)
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(payload, f, indent=2)
            f.write("\n")
        print(f"results written to {args.json}")
    if failed_run:
        return 1
    if args.strict and any(v["result"] == "FAIL" for vs in verdicts.values() for v in vs):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
