// SPDX-License-Identifier: MIT
// The tiny GPT shape the model, generation and evaluation tests share: small enough that every test runs in
// milliseconds, big enough to have two layers and two heads.
#pragma once

#include "core/model/gpt_config.h"

namespace tb::test {

inline core::GptConfig tinyConfig(bool bias = true)
{
    core::GptConfig c;
    c.vocabSize = 11;
    c.blockSize = 8;
    c.nLayer = 2;
    c.nHead = 2;
    c.nEmbd = 16;
    c.dropout = 0.0;
    c.bias = bias;
    return c;
}

} // namespace tb::test
