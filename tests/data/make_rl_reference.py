#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes tests/data/rl_reference.safetensors, the reference values of tests/core/test_rl_math.cpp.

An independent re-implementation, in plain PyTorch (float64) and written the way TRL writes it (PPOTrainer's reward
layout, its GAE loop, masked_whiten, the clipped losses; GRPOTrainer's group advantages and loss), of the formulas
in core/rl/ppo_math.h and core/rl/grpo_math.h, on seeded random inputs. Where TuneBench deliberately differs from
TRL (docs/rlhf.md: the score sits on the last real token, the statistics are masked means), this script follows
TuneBench. It writes the inputs, the outputs and the gradients of the losses.

    /usr/bin/python3 tests/data/make_rl_reference.py
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_golden_gpt  # noqa: E402  (its hand-written safetensors writer)

make_golden_gpt.DTYPES[torch.float64] = ("F64", "d")

B, T, V = 4, 6, 5
LENGTHS = [6, 3, 1, 5]
KL_COEF, GAMMA, LAM, CLIP, VF_CLIP = 0.1, 0.99, 0.95, 0.2, 0.2
GROUP, BETA, EPS_LOW, EPS_HIGH = 4, 0.04, 0.2, 0.28


def masked_mean(values, mask, axis=None):
    if axis is not None:
        return (values * mask).sum(axis=axis) / mask.sum(axis=axis)
    return (values * mask).sum() / mask.sum()


def masked_var(values, mask):
    mean = masked_mean(values, mask)
    variance = masked_mean((values - mean) ** 2, mask)
    n = mask.sum()
    return variance * n / (n - 1)


def masked_whiten(values, mask, shift_mean=True):
    mean, var = masked_mean(values, mask), masked_var(values, mask)
    whitened = (values - mean) * torch.rsqrt(var + 1e-8)
    if not shift_mean:
        whitened += mean
    return whitened


def main():
    gen = torch.Generator().manual_seed(20261207)
    d = torch.float64
    mask = (torch.arange(T).unsqueeze(0) < torch.tensor(LENGTHS).unsqueeze(1)).to(d)
    logprobs = -torch.rand(B, T, generator=gen, dtype=d) * 3
    ref_logprobs = logprobs + 0.4 * torch.randn(B, T, generator=gen, dtype=d)
    new_logprobs = logprobs + 0.25 * torch.randn(B, T, generator=gen, dtype=d)
    values = torch.randn(B, T, generator=gen, dtype=d)
    new_values = values + 0.3 * torch.randn(B, T, generator=gen, dtype=d)
    scores = torch.randn(B, generator=gen, dtype=d)
    logits = 2 * torch.randn(B, T, V, generator=gen, dtype=d)
    out = {"in.mask": mask, "in.logprobs": logprobs, "in.ref_logprobs": ref_logprobs,
           "in.new_logprobs": new_logprobs, "in.values": values, "in.new_values": new_values, "in.scores": scores,
           "in.logits": logits}

    # KL estimators (logr = ref - logprob), zero under the mask.
    logr = (ref_logprobs - logprobs) * mask
    out["out.kl_k1"] = -logr
    out["out.kl_k2"] = 0.5 * logr ** 2
    out["out.kl_k3"] = (logr.exp() - 1) - logr

    # Rewards: -kl_coef * k1 everywhere, the score added at each row's last real token.
    non_score = -KL_COEF * out["out.kl_k1"]
    rewards = non_score.clone()
    rewards[torch.arange(B), torch.tensor(LENGTHS) - 1] += scores
    out["out.rewards"] = rewards

    # GAE, TRL's loop, with values and rewards zero past each row's end.
    v = values * mask
    r = rewards * mask
    lastgaelam = 0
    advantages_reversed = []
    for t in reversed(range(T)):
        nextvalues = v[:, t + 1] if t < T - 1 else 0.0
        delta = r[:, t] + GAMMA * nextvalues - v[:, t]
        lastgaelam = delta + GAMMA * LAM * lastgaelam
        advantages_reversed.append(lastgaelam)
    raw = torch.stack(advantages_reversed[::-1], axis=1) * mask
    out["out.advantages_raw"] = raw
    out["out.returns"] = (raw + v) * mask
    advantages = masked_whiten(raw, mask) * mask
    out["out.advantages"] = advantages
    out["out.whiten_noshift"] = masked_whiten(raw, mask, shift_mean=False) * mask

    # Clipped policy loss and its statistics.
    lp = new_logprobs.clone().requires_grad_(True)
    diff = (lp - logprobs) * mask
    ratio = diff.exp()
    pg1 = -advantages * ratio
    pg2 = -advantages * torch.clamp(ratio, 1 - CLIP, 1 + CLIP)
    pg_loss = masked_mean(torch.max(pg1, pg2), mask)
    pg_loss.backward()
    out["out.pg_loss"] = pg_loss.detach()
    out["out.pg_grad"] = lp.grad
    out["out.pg_clipfrac"] = masked_mean((pg2 > pg1).to(d), mask).detach()
    out["out.approxkl"] = (0.5 * masked_mean(diff ** 2, mask)).detach()
    out["out.ratio"] = masked_mean(ratio, mask).detach()

    # Clipped value loss.
    vp = new_values.clone().requires_grad_(True)
    returns = out["out.returns"]
    vclipped = torch.clamp(vp, values - VF_CLIP, values + VF_CLIP)
    vf1 = (vp - returns) ** 2
    vf2 = (vclipped - returns) ** 2
    vf_loss = 0.5 * masked_mean(torch.max(vf1, vf2), mask)
    vf_loss.backward()
    out["out.vf_loss"] = vf_loss.detach()
    out["out.vf_grad"] = vp.grad
    out["out.vf_clipfrac"] = masked_mean((vf2 > vf1).to(d), mask).detach()

    # Entropy from logits.
    p = torch.softmax(logits, -1)
    out["out.entropy"] = torch.logsumexp(logits, -1) - (p * logits).sum(-1)

    # GRPO: two groups of four answers, then the loss of the four answers of the first group.
    grpo_rewards = torch.tensor([1.0, 0.0, 0.5, 0.5, 2.0, 2.0, 1.0, -1.0], dtype=d)
    grouped = grpo_rewards.view(-1, GROUP)
    mean = grouped.mean(dim=1).repeat_interleave(GROUP)
    std = grouped.std(dim=1).repeat_interleave(GROUP)
    out["grpo.rewards"] = grpo_rewards
    out["grpo.advantages"] = (grpo_rewards - mean) / (std + 1e-4)
    out["grpo.advantages_unscaled"] = grpo_rewards - mean
    grpo_adv = out["grpo.advantages"][:B]
    for name in ("grpo", "bnpo", "dr_grpo"):
        lp = new_logprobs.clone().requires_grad_(True)
        per_token_kl = torch.exp((ref_logprobs - lp) * mask) - (ref_logprobs - lp) * mask - 1
        coef_1 = torch.exp((lp - logprobs) * mask)
        coef_2 = torch.clamp(coef_1, 1 - EPS_LOW, 1 + EPS_HIGH)
        per_token_loss = -torch.min(coef_1 * grpo_adv.unsqueeze(1), coef_2 * grpo_adv.unsqueeze(1))
        per_token_loss = per_token_loss + BETA * per_token_kl
        if name == "grpo":
            loss = ((per_token_loss * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)).mean()
        elif name == "bnpo":
            loss = (per_token_loss * mask).sum() / mask.sum().clamp(min=1.0)
        else:
            loss = (per_token_loss * mask).sum() / (B * T)
        loss.backward()
        out["grpo.loss_" + name] = loss.detach()
        out["grpo.grad_" + name] = lp.grad
        if name == "grpo":
            out["grpo.kl"] = masked_mean(per_token_kl, mask).detach()
            a = grpo_adv.unsqueeze(1)
            low = (coef_1 < 1 - EPS_LOW) & (a < 0)
            high = (coef_1 > 1 + EPS_HIGH) & (a > 0)
            out["grpo.clip_low"] = masked_mean(low.to(d), mask).detach()
            out["grpo.clip_high"] = masked_mean(high.to(d), mask).detach()

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rl_reference.safetensors")
    make_golden_gpt.write_safetensors(path, {k: t.detach().to(d) for k, t in out.items()})
    print("%s: %d tensors, pg_loss %.6f, vf_loss %.6f" % (path, len(out), out["out.pg_loss"], out["out.vf_loss"]))


if __name__ == "__main__":
    main()
