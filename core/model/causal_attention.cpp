// SPDX-License-Identifier: MIT
#include "core/model/causal_attention.h"

#include <ATen/Parallel.h>
#include <c10/core/impl/LocalDispatchKeySet.h>
#include <torch/torch.h>

#include <limits>

namespace tb::core {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

/// Rows of [T, T] fp32 scores per chunk: about 1 MB, so a chunk's scores stay in a core's L2 cache.
constexpr int64_t kChunkScoreElements = 256 * 1024;

/// Rows (batch x head slices) per chunk: cache-sized, and small enough that every thread gets several chunks.
int64_t chunkRows(int64_t rows, int64_t t)
{
    const int64_t cacheRows = std::max<int64_t>(1, kChunkScoreElements / (t * t));
    const int64_t balancedRows = std::max<int64_t>(1, rows / (4 * int64_t(at::get_num_threads())));
    return std::min(cacheRows, balancedRows);
}

/// Guards for work inside at::parallel_for: no autograd recording and no autocast on worker threads.
struct WorkerGuards {
    torch::NoGradGuard noGrad;
    c10::impl::ExcludeDispatchKeyGuard noAutocast{c10::DispatchKey::AutocastCPU};
};

/// Scores of one chunk in fp32 with the causal mask applied: [n, T, T].
torch::Tensor maskedScores(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& mask)
{
    torch::Tensor s = torch::bmm(q, k.transpose(1, 2));
    if (s.scalar_type() != torch::kFloat)
        s = s.to(torch::kFloat);
    return s.masked_fill_(mask, -std::numeric_limits<float>::infinity());
}

class CausalAttentionFunction : public torch::autograd::Function<CausalAttentionFunction> {
public:
    static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& qIn, const torch::Tensor& kIn,
                                 const torch::Tensor& vIn)
    {
        const auto sizes = qIn.sizes().vec();
        const int64_t b = sizes[0], h = sizes[1], t = sizes[2], d = sizes[3];
        const torch::Tensor q = qIn.reshape({b * h, t, d}).contiguous();
        const torch::Tensor k = kIn.reshape({b * h, t, d}).contiguous();
        const torch::Tensor v = vIn.reshape({b * h, t, d}).contiguous();
        const torch::Tensor mask = torch::ones({t, t}, torch::kBool).triu_(1);
        torch::Tensor y = torch::empty_like(q);
        torch::Tensor lse = torch::empty({b * h, t}, q.options().dtype(torch::kFloat));
        const int64_t rows = chunkRows(b * h, t);
        const int64_t chunks = (b * h + rows - 1) / rows;
        at::parallel_for(0, chunks, 1, [&](int64_t begin, int64_t end) {
            WorkerGuards guards;
            for (int64_t c = begin; c < end; ++c) {
                const int64_t r0 = c * rows, n = std::min(rows, b * h - r0);
                torch::Tensor p = maskedScores(q.narrow(0, r0, n), k.narrow(0, r0, n), mask);
                const torch::Tensor m = std::get<0>(p.max(-1, true));
                p.sub_(m).exp_();
                const torch::Tensor sum = p.sum(-1, true);
                p.div_(sum);
                lse.narrow(0, r0, n).copy_((m + sum.log()).squeeze(-1));
                torch::Tensor yc = y.narrow(0, r0, n);
                torch::bmm_out(yc, p.to(v.scalar_type()), v.narrow(0, r0, n));
            }
        });
        ctx->save_for_backward({q, k, v, y, lse});
        ctx->saved_data["shape"] = sizes;
        return y.view({b, h, t, d});
    }

    static variable_list backward(AutogradContext* ctx, variable_list gradOutputs)
    {
        const auto saved = ctx->get_saved_variables();
        const torch::Tensor &q = saved[0], &k = saved[1], &v = saved[2], &y = saved[3], &lse = saved[4];
        const auto sizes = ctx->saved_data["shape"].toIntVector();
        const int64_t bh = q.size(0), t = q.size(1), d = q.size(2);
        const torch::Tensor dy = gradOutputs[0].reshape({bh, t, d}).to(q.scalar_type()).contiguous();
        const torch::Tensor mask = torch::ones({t, t}, torch::kBool).triu_(1);
        torch::Tensor dq = torch::empty_like(q), dk = torch::empty_like(k), dv = torch::empty_like(v);
        const int64_t rows = chunkRows(bh, t);
        const int64_t chunks = (bh + rows - 1) / rows;
        at::parallel_for(0, chunks, 1, [&](int64_t begin, int64_t end) {
            WorkerGuards guards;
            for (int64_t c = begin; c < end; ++c) {
                const int64_t r0 = c * rows, n = std::min(rows, bh - r0);
                const torch::Tensor qc = q.narrow(0, r0, n), kc = k.narrow(0, r0, n), vc = v.narrow(0, r0, n);
                const torch::Tensor dyc = dy.narrow(0, r0, n);
                // Recompute the probabilities from the saved log-sum-exp.
                torch::Tensor p = maskedScores(qc, kc, mask).sub_(lse.narrow(0, r0, n).unsqueeze(-1)).exp_();
                const torch::Tensor pLow = p.to(q.scalar_type());
                torch::Tensor dvc = dv.narrow(0, r0, n);
                torch::bmm_out(dvc, pLow.transpose(1, 2), dyc);
                torch::Tensor dp = torch::bmm(dyc, vc.transpose(1, 2));
                if (dp.scalar_type() != torch::kFloat)
                    dp = dp.to(torch::kFloat);
                // dS = P * (dP - rowsum(dY * Y)), the softmax backward written with the output instead of P.
                const torch::Tensor rowDot = (dyc.to(torch::kFloat) * y.narrow(0, r0, n).to(torch::kFloat)).sum(-1, true);
                const torch::Tensor ds = dp.sub_(rowDot).mul_(p).to(q.scalar_type());
                torch::Tensor dqc = dq.narrow(0, r0, n), dkc = dk.narrow(0, r0, n);
                torch::bmm_out(dqc, ds, kc);
                torch::bmm_out(dkc, ds.transpose(1, 2), qc);
            }
        });
        return {dq.view(sizes), dk.view(sizes), dv.view(sizes)};
    }
};

} // namespace

torch::Tensor causalAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v)
{
    TORCH_CHECK(q.dim() == 4 && k.sizes() == q.sizes() && v.sizes() == q.sizes(),
                "causalAttention expects q, k, v of the same shape [B, H, T, D]");
    // Under autocast the inputs are the projections' bf16 outputs; keep all three in one dtype.
    const auto type = q.scalar_type();
    return CausalAttentionFunction::apply(q, k.to(type), v.to(type));
}

} // namespace tb::core
