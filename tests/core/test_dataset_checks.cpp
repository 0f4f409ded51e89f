// SPDX-License-Identifier: MIT
// Checks on a loaded dataset: exact duplicates, train/val n-gram overlap and the length histogram, on crafted data
// whose answers are counted by hand.
#include "core/data/formats/dataset_checks.h"
#include "core/data/formats/dataset_reader.h"
#include "test_support.h"

#include <QtTest/QtTest>

#include <algorithm>

using namespace tb::core;

namespace {

DatasetRecord document(std::string text, int64_t index)
{
    DatasetRecord r;
    r.kind = RecordKind::Document;
    r.text = std::move(text);
    r.index = index;
    r.line = index + 1;
    return r;
}

DatasetRecord conversation(std::string question, std::string answer, int64_t index)
{
    DatasetRecord r;
    r.kind = RecordKind::Conversation;
    r.turns = {Turn{Role::User, std::move(question)}, Turn{Role::Assistant, std::move(answer)}};
    r.index = index;
    r.line = index + 1;
    return r;
}

} // namespace

class TestDatasetChecks : public QObject {
    Q_OBJECT
private slots:
    void duplicates()
    {
        const std::vector<DatasetRecord> records = {
            conversation("hi", "hello", 0), conversation("hi", "hello", 1), // exact repeat of 0
            conversation("hi", "hello!", 2),                                // differs by one character
            conversation("hihello", "", 3),                                 // same characters, other split
            document("hi\nhello", 4),                                       // same text, other kind
            conversation("hi", "hello", 5),                                 // second repeat of 0
            conversation("hi", "hello!", 6)};                               // repeat of 2
        const std::vector<DuplicateRecord> d = findDuplicates(records);
        QCOMPARE(d.size(), size_t(3));
        QCOMPARE(d[0].record, int64_t(1));
        QCOMPARE(d[0].firstRecord, int64_t(0));
        QCOMPARE(d[1].record, int64_t(5));
        QCOMPARE(d[1].firstRecord, int64_t(0));
        QCOMPARE(d[1].firstLine, int64_t(1));
        QCOMPARE(d[2].record, int64_t(6));
        QCOMPARE(d[2].firstRecord, int64_t(2));
    }

    void duplicatesInRealSample()
    {
        // Counted with Python: 5 of dpo_en_demo.json's 300 records repeat an earlier one exactly.
        const Dataset d = loadDataset(tb::test::sharedDataDir() / "preference/dpo_en_demo.json");
        QCOMPARE(findDuplicates(d.records).size(), size_t(5));
        const Dataset identity = loadDataset(tb::test::sharedDataDir() / "sft/identity.json");
        QCOMPARE(findDuplicates(identity.records).size(), size_t(0));
    }

    void overlapWords()
    {
        QCOMPARE(tb::core::overlapWords("The cat's  hat, 3x\u00e9t\u00e9!"),
                 (std::vector<std::string>{"the", "cat", "s", "hat", "3x\u00e9t\u00e9"}));
    }

    void ngramOverlapCounts()
    {
        // With n = 3: train has "a b c d e" -> {abc, bcd, cde}.
        const std::vector<DatasetRecord> train = {document("A b, c d e", 0)};
        const std::vector<DatasetRecord> val = {
            document("x c d e y", 10),  // shares "c d e"
            document("a b x c d", 11),  // no 3-gram in common
            document("b c", 12),        // shorter than n: the gram "b c" is not a train 3-gram
            document("b c d", 13),      // shares "b c d"
            document("", 14)};          // no words
        const OverlapReport r = ngramOverlap(train, val, 3);
        QCOMPARE(r.n, 3);
        QCOMPARE(r.valRecords, int64_t(5));
        QCOMPARE(r.overlappingRecords, int64_t(2));
        QCOMPARE(r.overlapping, (std::vector<int64_t>{10, 13}));
        // val grams: {xcd, cde, dey} + {abx, bxc, xcd} + {bc} + {bcd} = 7 distinct; shared: cde, bcd.
        QCOMPARE(r.valNgrams, int64_t(7));
        QCOMPARE(r.sharedNgrams, int64_t(2));
        // Short records compare whole: "b c" is in a train record of exactly those words.
        const OverlapReport shortOnes = ngramOverlap({document("b c", 0)}, {document("B. C!", 1)}, 3);
        QCOMPARE(shortOnes.overlappingRecords, int64_t(1));
    }

    void splitAndOverlapWithinOneFile()
    {
        std::vector<DatasetRecord> records;
        for (int i = 0; i < 10; ++i)
            records.push_back(conversation("question number " + std::to_string(i), "answer", i));
        records.push_back(conversation("question number 3", "answer", 10)); // leaks record 3 into val
        const RecordSplit split = splitRecords(records, 0.2); // 11 records: round(2.2) = 2 in val
        QCOMPARE(split.train.size(), size_t(9));
        QCOMPARE(split.val.size(), size_t(2));
        // The held-out records are heldOutRecords(11, 2)'s, each side in file order.
        const std::vector<bool> held = heldOutRecords(11, 2);
        std::vector<int64_t> valIndices;
        for (const auto& r : split.val)
            valIndices.push_back(r.index);
        QVERIFY(std::is_sorted(valIndices.begin(), valIndices.end()));
        for (const int64_t i : valIndices)
            QVERIFY(held[static_cast<size_t>(i)]);
        // Record 10 repeats record 3: whichever of the two is held out, the overlap check finds it.
        const OverlapReport r = ngramOverlap(split.train, split.val, 4);
        const bool leakHeld = held[3] != held[10];
        QCOMPARE(r.overlapping.size(), size_t(leakHeld ? 1 : 0));
    }

    void heldOutRecordsAreAFixedShuffleNotTheTail()
    {
        // identity.json's shape: 16 English records, then 75 Chinese ones. A tail split would validate on Chinese
        // alone; the shuffle holds out some of each (with this n, at least one of the first 16).
        const std::vector<bool> held = heldOutRecords(91, 9);
        QCOMPARE(std::count(held.begin(), held.end(), true), std::ptrdiff_t(9));
        QCOMPARE(heldOutRecords(91, 9), held); // the same every time: every run on a file holds out the same records
        QVERIFY(std::find(held.begin(), held.begin() + 82, true) != held.begin() + 82); // not only the last 9
        QVERIFY(std::count(held.begin(), held.begin() + 16, true) >= 1);
        // Edge cases: none, all, and counts beyond n are clamped.
        const std::vector<bool> none = heldOutRecords(5, 0);
        QCOMPARE(std::count(none.begin(), none.end(), true), std::ptrdiff_t(0));
        const std::vector<bool> all = heldOutRecords(5, 9);
        QCOMPARE(std::count(all.begin(), all.end(), true), std::ptrdiff_t(5));
        QVERIFY(heldOutRecords(0, 1).empty());
    }

    void histogram()
    {
        const LengthHistogram h = lengthHistogram({0, 1, 5, 9, 10, 19, 20, 39}, 4);
        // max 39 -> width ceil(40 / 4) = 10: [0,10) [10,20) [20,30) [30,40)
        QCOMPARE(h.bucketWidth, int64_t(10));
        QCOMPARE(h.counts, (std::vector<int64_t>{4, 2, 1, 1}));
        QCOMPARE(h.count, int64_t(8));
        QCOMPARE(h.min, int64_t(0));
        QCOMPARE(h.max, int64_t(39));
        QCOMPARE(h.mean, 103.0 / 8.0);
        const LengthHistogram one = lengthHistogram({40}, 4); // width ceil(41 / 4) = 11 -> bucket 3
        QCOMPARE(one.bucketWidth, int64_t(11));
        QCOMPARE(one.counts, (std::vector<int64_t>{0, 0, 0, 1}));
        const LengthHistogram small = lengthHistogram({0, 2, 2}, 20); // width 1, 3 buckets
        QCOMPARE(small.counts, (std::vector<int64_t>{1, 0, 2}));
        QCOMPARE(lengthHistogram({}, 20).counts.size(), size_t(0));
    }

    void recordLengthsCountCharacters()
    {
        // "héllo" is 5 characters (6 bytes); turns are joined with "\n".
        const std::vector<int64_t> lengths =
            recordLengths({conversation("h\u00e9llo", "ok", 0), document("abc", 1)});
        QCOMPARE(lengths, (std::vector<int64_t>{8, 3}));
    }
};

QTEST_GUILESS_MAIN(TestDatasetChecks)
#include "test_dataset_checks.moc"
