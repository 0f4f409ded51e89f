// SPDX-License-Identifier: MIT
// Checks run on a loaded dataset: exact duplicate records, train/val overlap by word n-grams, and a histogram of
// record lengths (data only; the GUI plots it). Thread-safe (pure functions).
#pragma once

#include "core/data/formats/dataset_record.h"

#include <cstdint>
#include <vector>

namespace tb::core {

/// A record whose content equals an earlier one's (DatasetRecord::sameContent).
struct DuplicateRecord {
    int64_t record = 0;      // index of the repeat
    int64_t line = 0;
    int64_t firstRecord = 0; // index of the first occurrence
    int64_t firstLine = 0;
};

/// Every repeat of an earlier record, in file order.
std::vector<DuplicateRecord> findDuplicates(const std::vector<DatasetRecord>& records);

/// Which of n records are held out for validation: `valCount` of them, picked by a seeded shuffle that depends on
/// n only, so every run on the same file holds out the same records, whatever its training seed. Not the last
/// records: data sets are often sorted (LLaMA-Factory's identity.json has its 16 English records first and 75
/// Chinese ones after), and a tail split would then validate on a different language than it trains on.
std::vector<bool> heldOutRecords(int64_t n, int64_t valCount);

/// Splits records like fine-tuning does (heldOutRecords, round(valFraction * n) of them), keeping file order
/// within each side.
struct RecordSplit {
    std::vector<DatasetRecord> train;
    std::vector<DatasetRecord> val;
};
RecordSplit splitRecords(const std::vector<DatasetRecord>& records, double valFraction);

/// Validation records that share at least one word n-gram with the training records (contamination, as in
/// GPT-3's 13-gram check). Words are runs of letters, digits and non-ASCII characters, ASCII lower-cased;
/// punctuation and whitespace separate them. A record shorter than n words counts as one n-gram of all its words.
struct OverlapReport {
    int n = 13;
    int64_t valRecords = 0;
    int64_t overlappingRecords = 0;
    std::vector<int64_t> overlapping; // DatasetRecord::index of each overlapping val record
    int64_t valNgrams = 0;            // distinct n-grams in val
    int64_t sharedNgrams = 0;         // distinct n-grams of val also in train
};
OverlapReport ngramOverlap(const std::vector<DatasetRecord>& train, const std::vector<DatasetRecord>& val,
                           int n = 13);

/// The words of a text as the overlap check sees them.
std::vector<std::string> overlapWords(std::string_view text);

/// Counts per bucket of equal width: bucket i holds lengths in [i * bucketWidth, (i + 1) * bucketWidth). The width
/// is the smallest integer that fits the longest length into at most `maxBuckets` buckets.
struct LengthHistogram {
    int64_t bucketWidth = 1;
    std::vector<int64_t> counts;
    int64_t count = 0;
    int64_t min = 0;
    int64_t max = 0;
    double mean = 0;
};
LengthHistogram lengthHistogram(const std::vector<int64_t>& lengths, int maxBuckets = 20);

/// Length of each record's text (recordText) in Unicode code points.
std::vector<int64_t> recordLengths(const std::vector<DatasetRecord>& records);

} // namespace tb::core
