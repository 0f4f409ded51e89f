// SPDX-License-Identifier: MIT
#include "core/data/formats/dataset_checks.h"

#include "core/common/hash.h"
#include "core/common/rng.h"
#include "core/data/corpus.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace tb::core {
namespace {

uint64_t contentHash(const DatasetRecord& record)
{
    Fnv1a64 hash;
    auto add = [&](std::string_view text) {
        const uint64_t size = text.size(); // length-prefixed so that ("ab","c") and ("a","bc") differ
        hash.update(&size, sizeof size);
        hash.update(text);
    };
    auto addTurns = [&](char tag, const std::vector<Turn>& turns) {
        hash.update(&tag, 1);
        for (const Turn& turn : turns) {
            const auto role = static_cast<char>(turn.role);
            hash.update(&role, 1);
            add(turn.content);
        }
    };
    const char header[3] = {static_cast<char>(record.kind), record.label ? '1' : '0', record.plain ? '1' : '0'};
    hash.update(header, sizeof header);
    add(record.text);
    addTurns('t', record.turns);
    addTurns('c', record.chosen);
    addTurns('r', record.rejected);
    addTurns('k', record.completion);
    return hash.digest();
}

bool isWordByte(unsigned char c) { return std::isalnum(c) != 0 || c >= 0x80; }

/// Distinct hashes of the record's n-grams (or of all its words when it has fewer than n).
std::vector<uint64_t> ngramHashes(const DatasetRecord& record, int n)
{
    const std::vector<std::string> words = overlapWords(recordText(record));
    std::vector<uint64_t> out;
    if (words.empty())
        return out;
    const size_t size = std::min(words.size(), static_cast<size_t>(n));
    for (size_t i = 0; i + size <= words.size(); ++i) {
        Fnv1a64 hash;
        for (size_t j = i; j < i + size; ++j) {
            hash.update(words[j]);
            hash.update(" ", 1);
        }
        out.push_back(hash.digest());
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

} // namespace

std::vector<DuplicateRecord> findDuplicates(const std::vector<DatasetRecord>& records)
{
    std::vector<DuplicateRecord> out;
    std::unordered_multimap<uint64_t, size_t> seen; // hash -> position of a first occurrence
    seen.reserve(records.size());
    for (size_t i = 0; i < records.size(); ++i) {
        const uint64_t hash = contentHash(records[i]);
        bool repeat = false;
        const auto [begin, end] = seen.equal_range(hash);
        for (auto it = begin; it != end; ++it) {
            const DatasetRecord& first = records[it->second];
            if (first.sameContent(records[i])) {
                out.push_back({records[i].index, records[i].line, first.index, first.line});
                repeat = true;
                break;
            }
        }
        if (!repeat)
            seen.emplace(hash, i);
    }
    return out;
}

std::vector<bool> heldOutRecords(int64_t n, int64_t valCount)
{
    n = std::max<int64_t>(n, 0);
    valCount = std::clamp<int64_t>(valCount, 0, n);
    std::vector<int64_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), int64_t{0});
    SplitMix64 rng(0x5eed5b1170000000ULL ^ static_cast<uint64_t>(n));
    for (int64_t i = n - 1; i > 0; --i) // Fisher-Yates; the first valCount of the permutation are held out
        std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(rng.below(static_cast<uint64_t>(i + 1)))]);
    std::vector<bool> held(static_cast<size_t>(n), false);
    for (int64_t i = 0; i < valCount; ++i)
        held[static_cast<size_t>(order[static_cast<size_t>(i)])] = true;
    return held;
}

RecordSplit splitRecords(const std::vector<DatasetRecord>& records, double valFraction)
{
    const double fraction = std::clamp(valFraction, 0.0, 1.0);
    const auto n = static_cast<int64_t>(records.size());
    const std::vector<bool> held = heldOutRecords(n, std::llround(fraction * static_cast<double>(n)));
    RecordSplit split;
    for (size_t i = 0; i < records.size(); ++i)
        (held[i] ? split.val : split.train).push_back(records[i]);
    return split;
}

std::vector<std::string> overlapWords(std::string_view text)
{
    std::vector<std::string> words;
    std::string word;
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (isWordByte(c)) {
            word.push_back(static_cast<char>(c < 0x80 ? std::tolower(c) : c));
        } else if (!word.empty()) {
            words.push_back(std::move(word));
            word.clear();
        }
    }
    if (!word.empty())
        words.push_back(std::move(word));
    return words;
}

OverlapReport ngramOverlap(const std::vector<DatasetRecord>& train, const std::vector<DatasetRecord>& val, int n)
{
    OverlapReport report;
    report.n = std::max(1, n);
    std::unordered_set<uint64_t> trainGrams;
    for (const DatasetRecord& record : train)
        for (const uint64_t h : ngramHashes(record, report.n))
            trainGrams.insert(h);
    std::unordered_set<uint64_t> valGrams;
    std::unordered_set<uint64_t> shared;
    for (const DatasetRecord& record : val) {
        ++report.valRecords;
        bool overlaps = false;
        for (const uint64_t h : ngramHashes(record, report.n)) {
            valGrams.insert(h);
            if (trainGrams.count(h) != 0) {
                shared.insert(h);
                overlaps = true;
            }
        }
        if (overlaps) {
            ++report.overlappingRecords;
            report.overlapping.push_back(record.index);
        }
    }
    report.valNgrams = static_cast<int64_t>(valGrams.size());
    report.sharedNgrams = static_cast<int64_t>(shared.size());
    return report;
}

LengthHistogram lengthHistogram(const std::vector<int64_t>& lengths, int maxBuckets)
{
    LengthHistogram histogram;
    if (lengths.empty())
        return histogram;
    const int64_t buckets = std::max(1, maxBuckets);
    histogram.count = static_cast<int64_t>(lengths.size());
    histogram.min = *std::min_element(lengths.begin(), lengths.end());
    histogram.max = *std::max_element(lengths.begin(), lengths.end());
    histogram.bucketWidth = std::max<int64_t>(1, (histogram.max + buckets) / buckets); // ceil((max + 1) / buckets)
    histogram.counts.assign(static_cast<size_t>(histogram.max / histogram.bucketWidth + 1), 0);
    double sum = 0;
    for (const int64_t length : lengths) {
        ++histogram.counts[static_cast<size_t>(std::max<int64_t>(0, length) / histogram.bucketWidth)];
        sum += static_cast<double>(length);
    }
    histogram.mean = sum / static_cast<double>(lengths.size());
    return histogram;
}

std::vector<int64_t> recordLengths(const std::vector<DatasetRecord>& records)
{
    std::vector<int64_t> out;
    out.reserve(records.size());
    for (const DatasetRecord& record : records)
        out.push_back(countCodePoints(recordText(record)));
    return out;
}

} // namespace tb::core
