// SPDX-License-Identifier: MIT
// Reading and writing the safetensors format (an 8-byte little-endian header length, a JSON header of
// {name: {dtype, shape, data_offsets}} plus an optional "__metadata__" string map, then raw little-endian tensor
// bytes). Used for checkpoints and exports: no pickle anywhere. Writes are atomic. Thread-safe (pure functions).
#pragma once

#include <torch/types.h>

#include <filesystem>
#include <map>
#include <string>

namespace tb::core {

struct SafetensorsData {
    std::map<std::string, torch::Tensor> tensors;   // contiguous CPU tensors
    std::map<std::string, std::string> metadata;    // the "__metadata__" map
};

/// Writes tensors (F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL) atomically. Tensor names are sorted, data is
/// laid out in that order. Throws Error on I/O failure or an unsupported dtype.
void writeSafetensors(const std::filesystem::path& file, const std::map<std::string, torch::Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

/// Reads a whole file. Throws InputError naming the file and the problem for anything malformed (truncated file,
/// bad header JSON, offsets outside the data, unknown dtype).
SafetensorsData readSafetensors(const std::filesystem::path& file);

/// "F32", "BF16", ... for a torch dtype; throws Error for unsupported types.
std::string safetensorsDtypeName(torch::ScalarType type);

} // namespace tb::core
