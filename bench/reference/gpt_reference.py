#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""PyTorch reference for TuneBench's pretraining: the same GPT and recipe as the C++ core, written the nanoGPT way.

It reads the same run config (YAML, the keys of core/io/run_config.h) and writes the same summary.json and
metrics.jsonl as `tunebench-cli pretrain`, so bench/pretrain_bench.py can compare the two runs directly.
It is a yardstick, not a product: plain eager PyTorch, one process, CPU (CUDA if asked for with --device).

    /usr/bin/python3 bench/reference/gpt_reference.py --config bench/configs/shakespeare-char-nanogpt.yaml \
        --corpus ../shared/data/corpus/tinyshakespeare.txt --threads 2 --out runs/ref-a --set train.max_steps=50
"""

import argparse
import contextlib
import json
import math
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import yaml

# --------------------------------------------------------------------------------------------------------------------
# Config: the documented keys and their defaults (mirrors core/model/gpt_config.h, core/train/train_config.h,
# core/data/data_config.h and core/tokenizer/tokenizer_config.h).

DEFAULTS = {
    "method": "pretrain",
    "model": {"n_layer": 4, "n_head": 4, "n_embd": 128, "block_size": 64, "dropout": 0.0, "bias": True},
    "train": {
        "batch_size": 12, "grad_accum": 1, "max_steps": 2000, "learning_rate": 1e-3, "min_lr": 1e-4,
        "warmup_steps": 100, "lr_decay_steps": 0, "weight_decay": 0.1, "beta1": 0.9, "beta2": 0.99,
        "grad_clip": 1.0, "eval_interval": 250, "eval_iters": 20, "seed": 1337, "threads": 0,
        "precision": "fp32", "log_interval": 1,
    },
    "data": {"corpus": "", "val_fraction": 0.1, "cache_dir": ""},
    "tokenizer": {"kind": "char", "unknown": "unk"},
}


def _coerce(key, value, default):
    """Gives `value` the type of the key's default (YAML may read 1e-3 as a string, 2000.0 as a float)."""
    if isinstance(default, bool):
        if isinstance(value, str):
            if value.lower() in ("true", "yes", "on", "1"):
                return True
            if value.lower() in ("false", "no", "off", "0"):
                return False
            raise ValueError(f"{key}: expected true/false, got {value!r}")
        return bool(value)
    if isinstance(default, int):
        f = float(value)
        if f != int(f):
            raise ValueError(f"{key}: expected an integer, got {value!r}")
        return int(f)
    if isinstance(default, float):
        return float(value)
    return str(value)


def load_config(path, overrides):
    """Reads a run config and applies "section.key=value" overrides. Unknown keys are errors, as in the C++ core."""
    with open(path, "r", encoding="utf-8") as f:
        raw = yaml.safe_load(f) or {}
    cfg = json.loads(json.dumps(DEFAULTS))  # deep copy

    def put(section, key, value, origin):
        if section == "method" and key is None:
            cfg["method"] = str(value)
            return
        if section not in DEFAULTS or not isinstance(DEFAULTS[section], dict) or key not in DEFAULTS[section]:
            name = section if key is None else f"{section}.{key}"
            raise SystemExit(f"{origin}: unknown config key '{name}'")
        cfg[section][key] = _coerce(f"{section}.{key}", value, DEFAULTS[section][key])

    for section, body in raw.items():
        if isinstance(body, dict):
            for key, value in body.items():
                put(section, key, value, path)
        else:
            put(section, None, body, path)
    for assignment in overrides:
        if "=" not in assignment:
            raise SystemExit(f"--set {assignment!r}: expected key=value")
        name, text = assignment.split("=", 1)
        section, _, key = name.partition(".")
        put(section, key or None, yaml.safe_load(text) if text else "", "--set")
    # Relative corpus paths in the file are relative to the file's folder (overrides are resolved by the caller).
    corpus = cfg["data"]["corpus"]
    if corpus and not os.path.isabs(corpus) and not any(o.startswith("data.corpus=") for o in overrides):
        cfg["data"]["corpus"] = os.path.join(os.path.dirname(os.path.abspath(path)), corpus)
    if cfg["method"] != "pretrain":
        raise SystemExit(f"{path}: the reference only implements method 'pretrain', not {cfg['method']!r}")
    if cfg["train"]["precision"] not in ("fp32", "bf16"):
        raise SystemExit(f"{path}: train.precision must be fp32 or bf16")
    if cfg["model"]["n_embd"] % cfg["model"]["n_head"] != 0:
        raise SystemExit(f"{path}: model.n_embd must be a multiple of model.n_head")
    return cfg


# --------------------------------------------------------------------------------------------------------------------
# Model: nanoGPT's GPT. Parameter names equal nanoGPT's, so state dicts can be compared with the C++ core.

class LayerNorm(nn.Module):
    """LayerNorm with an optional bias (torch 1.13's nn.LayerNorm cannot drop only the bias)."""

    def __init__(self, ndim, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(ndim))
        self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


class CausalSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n_head, self.n_embd = c["n_head"], c["n_embd"]
        self.c_attn = nn.Linear(c["n_embd"], 3 * c["n_embd"], bias=c["bias"])
        self.c_proj = nn.Linear(c["n_embd"], c["n_embd"], bias=c["bias"])
        self.attn_dropout = nn.Dropout(c["dropout"])
        self.resid_dropout = nn.Dropout(c["dropout"])
        t = c["block_size"]
        self.register_buffer("mask", torch.tril(torch.ones(t, t, dtype=torch.bool)).view(1, 1, t, t),
                             persistent=False)

    def forward(self, x):
        b, t, c = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        hs = c // self.n_head
        k = k.view(b, t, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        q = q.view(b, t, self.n_head, hs).transpose(1, 2)
        v = v.view(b, t, self.n_head, hs).transpose(1, 2)
        # Manual attention: torch 1.13 has no scaled_dot_product_attention.
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))
        att = att.masked_fill(~self.mask[:, :, :t, :t], float("-inf"))
        att = F.softmax(att, dim=-1)
        att = self.attn_dropout(att)
        y = att @ v
        y = y.transpose(1, 2).contiguous().view(b, t, c)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_fc = nn.Linear(c["n_embd"], 4 * c["n_embd"], bias=c["bias"])
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * c["n_embd"], c["n_embd"], bias=c["bias"])
        self.dropout = nn.Dropout(c["dropout"])

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln_1 = LayerNorm(c["n_embd"], c["bias"])
        self.attn = CausalSelfAttention(c)
        self.ln_2 = LayerNorm(c["n_embd"], c["bias"])
        self.mlp = MLP(c)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = dict(c)
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(c["vocab_size"], c["n_embd"]),
            wpe=nn.Embedding(c["block_size"], c["n_embd"]),
            drop=nn.Dropout(c["dropout"]),
            h=nn.ModuleList([Block(c) for _ in range(c["n_layer"])]),
            ln_f=LayerNorm(c["n_embd"], c["bias"]),
        ))
        self.lm_head = nn.Linear(c["n_embd"], c["vocab_size"], bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # weight tying
        self.apply(self._init_weights)
        # GPT-2's scaled init of the residual projections.
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * c["n_layer"]))

    @staticmethod
    def _init_weights(module):
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def num_params(self, non_embedding=True):
        """Parameters (the tied lm_head once); without the position embedding by default, as nanoGPT reports."""
        n = sum(p.numel() for p in self.parameters())
        return n - self.transformer.wpe.weight.numel() if non_embedding else n

    def forward(self, idx, targets=None):
        _, t = idx.size()
        pos = torch.arange(0, t, dtype=torch.long, device=idx.device)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))
        if targets is None:
            return logits, None
        loss = F.cross_entropy(logits.float().view(-1, logits.size(-1)), targets.view(-1))
        return logits, loss

    @torch.no_grad()
    def generate(self, idx, max_new_tokens, temperature=0.8, top_k=None):
        for _ in range(max_new_tokens):
            cond = idx[:, -self.config["block_size"]:]
            logits, _ = self(cond)
            logits = logits[:, -1, :].float() / temperature
            if top_k is not None:
                v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                logits[logits < v[:, [-1]]] = -float("inf")
            idx = torch.cat((idx, torch.multinomial(F.softmax(logits, dim=-1), num_samples=1)), dim=1)
        return idx


# --------------------------------------------------------------------------------------------------------------------
# Recipe helpers

def get_lr(it, t):
    """nanoGPT's schedule: linear warmup, cosine decay to min_lr at lr_decay_steps (default max_steps), then flat."""
    decay_steps = t["lr_decay_steps"] or t["max_steps"]
    if it < t["warmup_steps"]:
        return t["learning_rate"] * (it + 1) / (t["warmup_steps"] + 1)
    if it > decay_steps:
        return t["min_lr"]
    ratio = (it - t["warmup_steps"]) / max(1, decay_steps - t["warmup_steps"])
    coeff = 0.5 * (1.0 + math.cos(math.pi * min(1.0, ratio)))
    return t["min_lr"] + coeff * (t["learning_rate"] - t["min_lr"])


def make_optimizer(model, t):
    """AdamW; weight decay only on >= 2-D tensors (matmul weights, embeddings), not on biases and LayerNorm gains."""
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": t["weight_decay"]}, {"params": no_decay, "weight_decay": 0.0}]
    kwargs = {}
    if "fused" in torch.optim.AdamW.__init__.__code__.co_varnames:
        kwargs["fused"] = False  # torch >= 2.0; 1.13 has no fused AdamW at all
    return torch.optim.AdamW(groups, lr=t["learning_rate"], betas=(t["beta1"], t["beta2"]), **kwargs)


def get_batch(data, batch_size, block_size, generator=None):
    """nanoGPT's get_batch: random windows; y is x shifted by one token."""
    ix = torch.randint(len(data) - block_size, (batch_size,), generator=generator)
    x = torch.stack([data[i:i + block_size] for i in ix.tolist()])
    y = torch.stack([data[i + 1:i + 1 + block_size] for i in ix.tolist()])
    return x, y


@torch.no_grad()
def estimate_loss(model, splits, t, block_size, autocast):
    """Mean loss over eval_iters fixed random batches per split (the same batches at every evaluation)."""
    model.eval()
    out = {}
    for name, data in splits.items():
        g = torch.Generator().manual_seed(t["seed"] + (1 if name == "train" else 2))
        losses = []
        for _ in range(t["eval_iters"]):
            x, y = get_batch(data, t["batch_size"], block_size, g)
            with autocast():
                _, loss = model(x, y)
            losses.append(loss.item())
        out[name] = float(np.mean(losses))
    model.train()
    return out


@torch.no_grad()
def full_split_loss(model, data, block_size, batch_size, autocast):
    """Per-token loss over a whole split: non-overlapping windows at 0, T, 2T, ...; every target counted once."""
    model.eval()
    n = len(data)
    total, count = 0.0, 0
    starts = list(range(0, n - 1, block_size))
    full = [s for s in starts if s + block_size + 1 <= n]
    tail = [s for s in starts if s + block_size + 1 > n]
    for i in range(0, len(full), batch_size):
        chunk = full[i:i + batch_size]
        x = torch.stack([data[s:s + block_size] for s in chunk])
        y = torch.stack([data[s + 1:s + block_size + 1] for s in chunk])
        with autocast():
            logits, _ = model(x)
        total += F.cross_entropy(logits.float().reshape(-1, logits.size(-1)), y.reshape(-1), reduction="sum").item()
        count += y.numel()
    for s in tail:  # the last, shorter window
        length = min(block_size, n - 1 - s)
        x = data[s:s + length].unsqueeze(0)
        y = data[s + 1:s + length + 1].unsqueeze(0)
        with autocast():
            logits, _ = model(x)
        total += F.cross_entropy(logits.float().reshape(-1, logits.size(-1)), y.reshape(-1), reduction="sum").item()
        count += y.numel()
    model.train()
    return total / max(1, count)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


# --------------------------------------------------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", required=True, help="run config (YAML)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a config key")
    ap.add_argument("--corpus", help="corpus path (overrides data.corpus)")
    ap.add_argument("--threads", type=int, help="intra-op threads (overrides train.threads; 0 = all cores)")
    ap.add_argument("--out", default="runs/reference", help="output folder for summary.json and metrics.jsonl")
    ap.add_argument("--sample", type=int, default=0, metavar="N", help="generate N tokens after training")
    ap.add_argument("--temperature", type=float, default=0.8)
    ap.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    ap.add_argument("--quiet", action="store_true", help="print evaluations and the summary only")
    args = ap.parse_args(argv)

    overrides = list(args.set)
    if args.corpus:
        overrides.append(f"data.corpus={args.corpus}")
    if args.threads is not None:
        overrides.append(f"train.threads={args.threads}")
    cfg = load_config(args.config, overrides)
    m, t, d = cfg["model"], cfg["train"], cfg["data"]

    threads = t["threads"] or os.cpu_count() or 1
    torch.set_num_threads(threads)
    torch.manual_seed(t["seed"])
    device = torch.device(args.device)

    # Data: char vocabulary = sorted set of the corpus characters; the first (1 - val_fraction) is train.
    if not d["corpus"] or not os.path.isfile(d["corpus"]):
        raise SystemExit(f"corpus not found: {d['corpus']!r}")
    with open(d["corpus"], "r", encoding="utf-8") as f:
        text = f.read()
    if cfg["tokenizer"]["kind"] == "char":
        chars = sorted(set(text))
        stoi = {ch: i for i, ch in enumerate(chars)}
        ids = np.fromiter((stoi[ch] for ch in text), dtype=np.int64, count=len(text))
        decode = lambda seq: "".join(chars[i] for i in seq)  # noqa: E731
    elif cfg["tokenizer"]["kind"] == "byte":
        raw = text.encode("utf-8")
        chars = None
        ids = np.frombuffer(raw, dtype=np.uint8).astype(np.int64)
        decode = lambda seq: bytes(seq).decode("utf-8", errors="replace")  # noqa: E731
    else:
        raise SystemExit(f"tokenizer.kind {cfg['tokenizer']['kind']!r} is not supported by the reference")
    vocab_size = len(chars) if chars is not None else 256
    n = len(ids)
    n_train = int(n * (1 - d["val_fraction"]))
    train_data = torch.from_numpy(ids[:n_train].copy())
    val_data = torch.from_numpy(ids[n_train:].copy())
    block = m["block_size"]
    if len(train_data) <= block or len(val_data) <= block:
        raise SystemExit(f"corpus too small for block_size {block}: train {len(train_data)}, val {len(val_data)}")

    model = GPT(dict(m, vocab_size=vocab_size)).to(device)
    optimizer = make_optimizer(model, t)
    if t["precision"] == "bf16":
        autocast = lambda: torch.autocast(device_type=device.type, dtype=torch.bfloat16)  # noqa: E731
    else:
        autocast = contextlib.nullcontext
    tokens_per_step = t["batch_size"] * t["grad_accum"] * block

    os.makedirs(args.out, exist_ok=True)
    metrics = open(os.path.join(args.out, "metrics.jsonl"), "w", encoding="utf-8")

    def emit(record):
        metrics.write(json.dumps(record) + "\n")
        metrics.flush()

    print(f"reference: {n:,} tokens (train {n_train:,}, val {n - n_train:,}), vocab {vocab_size}, "
          f"{model.num_params() / 1e6:.3f}M params (non-embedding), {threads} threads, {t['precision']}, "
          f"torch {torch.__version__}", flush=True)
    splits = {"train": train_data, "val": val_data}
    if device.type != "cpu":
        splits = {k: v.to(device) for k, v in splits.items()}

    best_val = float("inf")
    log_every = max(1, t["log_interval"])
    print_every = log_every if log_every > 1 else max(1, t["max_steps"] // 100)
    model.train()
    t0 = time.perf_counter()
    last_log_time, last_log_step = t0, 0
    step = 0
    for step in range(1, t["max_steps"] + 1):
        it = step - 1
        lr = get_lr(it, t)
        for group in optimizer.param_groups:
            group["lr"] = lr
        for _ in range(t["grad_accum"]):
            x, y = get_batch(train_data, t["batch_size"], block)
            if device.type != "cpu":
                x, y = x.to(device), y.to(device)
            with autocast():
                _, loss = model(x, y)
            (loss / t["grad_accum"]).backward()
        if t["grad_clip"] > 0:
            grad_norm = float(torch.nn.utils.clip_grad_norm_(model.parameters(), t["grad_clip"]))
        else:
            grad_norm = float(torch.norm(torch.stack([p.grad.norm() for p in model.parameters() if p.grad is not None])))
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

        if step % log_every == 0 or step == t["max_steps"]:
            now = time.perf_counter()
            tps = (step - last_log_step) * tokens_per_step / max(1e-9, now - last_log_time)
            elapsed = now - t0
            last_log_time, last_log_step = now, step
            loss_value = loss.item()  # the last micro-batch's loss
            emit({"step": step, "loss": loss_value, "learning_rate": lr, "grad_norm": grad_norm,
                  "tokens_per_second": tps, "elapsed_s": elapsed,
                  "eta_s": elapsed / step * (t["max_steps"] - step)})
            if not args.quiet and (step % print_every == 0 or step == 1):
                print(f"step {step:5d}/{t['max_steps']}  loss {loss_value:.4f}  lr {lr:.2e}  "
                      f"norm {grad_norm:.3f}  {tps:,.0f} tok/s  {elapsed:.1f}s", flush=True)
        if step % t["eval_interval"] == 0 or step == t["max_steps"]:
            losses = estimate_loss(model, splits, t, block, autocast)
            best_val = min(best_val, losses["val"])
            emit({"step": step, "eval_loss": losses["val"], "train_loss": losses["train"],
                  "elapsed_s": time.perf_counter() - t0})
            print(f"eval {step:5d}  train {losses['train']:.4f}  val {losses['val']:.4f}  "
                  f"{time.perf_counter() - t0:.1f}s", flush=True)
    wall = time.perf_counter() - t0

    final_val = full_split_loss(model, splits["val"], block, t["batch_size"], autocast)
    summary = {
        "status": "completed",
        "steps": step,
        "best_val_loss": best_val,
        "final_val_loss": final_val,
        "wall_seconds": wall,
        "tokens_per_second": step * tokens_per_step / wall if wall > 0 else 0.0,
        "peak_rss_mb": peak_rss_mb(),
        "threads": threads,
        "precision": t["precision"],
        "vocab_size": vocab_size,
        "n_params": model.num_params(non_embedding=False),
        "n_params_non_embedding": model.num_params(),
        "torch_version": torch.__version__,
    }
    if args.sample > 0:
        start = torch.tensor([[ids[n_train]]], dtype=torch.long, device=device)  # first val token as the prompt
        g_state = torch.random.get_rng_state()
        torch.manual_seed(t["seed"])
        model.eval()
        with autocast():
            out = model.generate(start, args.sample, temperature=args.temperature)
        torch.random.set_rng_state(g_state)
        summary["sample"] = decode(out[0].tolist())
        print("--- sample ---\n" + summary["sample"] + "\n--------------", flush=True)
    metrics.close()
    with open(os.path.join(args.out, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    print(f"done: {step} steps in {wall:.1f}s, {summary['tokens_per_second']:,.0f} tok/s, "
          f"best val {best_val:.4f}, final val (full split) {final_val:.4f}, peak RSS {summary['peak_rss_mb']:.0f} MB",
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
