// SPDX-License-Identifier: MIT
#include "core/io/safetensors.h"

#include "core/common/atomic_file.h"
#include "core/common/error.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <cstring>

namespace tb::core {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr size_t kMaxRank = 8;

struct DtypeEntry {
    const char* name;
    torch::ScalarType type;
};

constexpr DtypeEntry kDtypes[] = {
    {"F32", torch::kFloat32}, {"F16", torch::kFloat16}, {"BF16", torch::kBFloat16}, {"F64", torch::kFloat64},
    {"I64", torch::kInt64},   {"I32", torch::kInt32},   {"I16", torch::kInt16},     {"I8", torch::kInt8},
    {"U8", torch::kUInt8},    {"BOOL", torch::kBool},
};

bool dtypeFromName(const std::string& name, torch::ScalarType& out)
{
    for (const auto& e : kDtypes)
        if (name == e.name) {
            out = e.type;
            return true;
        }
    return false;
}

} // namespace

std::string safetensorsDtypeName(torch::ScalarType type)
{
    for (const auto& e : kDtypes)
        if (e.type == type)
            return e.name;
    throw Error(std::string("safetensors: unsupported dtype ") + c10::toString(type));
}

void writeSafetensors(const fs::path& file, const std::map<std::string, torch::Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata)
{
    json header = json::object();
    if (!metadata.empty())
        header["__metadata__"] = metadata;
    std::vector<torch::Tensor> ordered;
    ordered.reserve(tensors.size());
    uint64_t offset = 0;
    for (const auto& [name, t] : tensors) {
        if (name == "__metadata__")
            throw Error("safetensors: a tensor may not be named __metadata__");
        torch::Tensor c = t.detach().to(torch::kCPU).contiguous();
        const uint64_t bytes = static_cast<uint64_t>(c.numel()) * c.element_size();
        header[name] = {{"dtype", safetensorsDtypeName(c.scalar_type())},
                        {"shape", c.sizes().vec()},
                        {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
        ordered.push_back(std::move(c));
    }
    std::string headerText = header.dump();
    // Pad the header with spaces so the data starts 8-byte aligned, as the reference implementation does.
    while ((headerText.size() % 8) != 0)
        headerText.push_back(' ');
    const uint64_t headerSize = headerText.size();
    writeFileAtomically(file, [&](int fd) {
        unsigned char len[8];
        for (int i = 0; i < 8; ++i)
            len[i] = static_cast<unsigned char>((headerSize >> (8 * i)) & 0xff);
        writeAll(fd, len, 8, file);
        writeAll(fd, headerText.data(), headerText.size(), file);
        for (const auto& t : ordered)
            writeAll(fd, t.data_ptr(), static_cast<size_t>(t.numel()) * t.element_size(), file);
    });
}

SafetensorsData readSafetensors(const fs::path& file)
{
    const std::string bytes = readFile(file);
    const std::string name = file.string();
    if (bytes.size() < 8)
        throw InputError(name, "", "is not a safetensors file: shorter than its 8-byte header length");
    uint64_t headerSize = 0;
    for (int i = 7; i >= 0; --i)
        headerSize = (headerSize << 8) | static_cast<unsigned char>(bytes[static_cast<size_t>(i)]);
    if (headerSize > bytes.size() - 8)
        throw InputError(name, "", "is truncated or not a safetensors file: header length " + std::to_string(headerSize) +
                                       " exceeds the file size " + std::to_string(bytes.size()));
    json header;
    try {
        header = json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(headerSize));
    } catch (const json::exception& e) {
        throw InputError(name, "header", std::string("is not valid JSON: ") + e.what());
    }
    if (!header.is_object())
        throw InputError(name, "header", "must be a JSON object");
    const uint64_t dataSize = bytes.size() - 8 - headerSize;
    const char* data = bytes.data() + 8 + headerSize;
    SafetensorsData out;
    for (auto it = header.begin(); it != header.end(); ++it) {
        const std::string& key = it.key();
        if (key == "__metadata__") {
            if (!it->is_object())
                throw InputError(name, "__metadata__", "must be an object of strings");
            for (auto m = it->begin(); m != it->end(); ++m) {
                if (!m->is_string())
                    throw InputError(name, "__metadata__." + m.key(), "must be a string");
                out.metadata[m.key()] = m->get<std::string>();
            }
            continue;
        }
        const json& entry = *it;
        if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") || !entry.contains("data_offsets"))
            throw InputError(name, key, "needs dtype, shape and data_offsets");
        torch::ScalarType type{};
        if (!entry["dtype"].is_string() || !dtypeFromName(entry["dtype"].get<std::string>(), type))
            throw InputError(name, key + ".dtype", "unsupported dtype " + entry["dtype"].dump());
        std::vector<int64_t> shape;
        int64_t numel = 1;
        if (!entry["shape"].is_array() || entry["shape"].size() > kMaxRank)
            throw InputError(name, key + ".shape",
                             "must be a list of at most " + std::to_string(kMaxRank) + " non-negative integers");
        for (const auto& d : entry["shape"]) {
            if (!d.is_number_integer() || d.get<int64_t>() < 0)
                throw InputError(name, key + ".shape", "must be a list of non-negative integers");
            shape.push_back(d.get<int64_t>());
            // Checked before anything is allocated: the product must not overflow, and the data must be there.
            if (__builtin_mul_overflow(numel, shape.back(), &numel) ||
                static_cast<uint64_t>(numel) > dataSize / std::max<uint64_t>(c10::elementSize(type), 1))
                throw InputError(name, key + ".shape",
                                 entry["shape"].dump() + " does not fit the file's " + std::to_string(dataSize) +
                                     " data bytes (a corrupt or crafted header)");
        }
        const auto& offs = entry["data_offsets"];
        if (!offs.is_array() || offs.size() != 2 || !offs[0].is_number_unsigned() || !offs[1].is_number_unsigned())
            throw InputError(name, key + ".data_offsets", "must be two non-negative integers");
        const uint64_t begin = offs[0].get<uint64_t>();
        const uint64_t end = offs[1].get<uint64_t>();
        const uint64_t expected = static_cast<uint64_t>(numel) * c10::elementSize(type);
        if (begin > end || end > dataSize || end - begin != expected)
            throw InputError(name, key + ".data_offsets",
                             "[" + std::to_string(begin) + ", " + std::to_string(end) + ") does not fit the shape and the " +
                                 std::to_string(dataSize) + " data bytes (file truncated?)");
        torch::Tensor t = torch::empty(shape, torch::TensorOptions().dtype(type));
        if (expected > 0)
            std::memcpy(t.data_ptr(), data + begin, expected);
        out.tensors.emplace(key, std::move(t));
    }
    return out;
}

} // namespace tb::core
