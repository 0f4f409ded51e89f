// SPDX-License-Identifier: MIT
// rollouts.jsonl (RunDirectory::appendRollouts / readRollouts / truncateRolloutsAfter): rollout samples round-trip
// field for field (gold absent when there is none, non-ASCII text, a torn byte sequence replaced), the line has
// exactly the documented keys, malformed lines and samples are skipped, and truncation keeps the steps up to N.
#include "core/store/run_dir.h"
#include "tests/core/test_support.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

using namespace tb::core;

namespace {

RolloutSampleSet stepSet(int64_t step)
{
    RolloutSampleSet set;
    set.step = step;
    set.samples.push_back({"User: where is the lamp?\nAssistant:", " By the sea, café \"lit\".", 0.75, 0.125, 0.5, true});
    set.samples.push_back({"Tell me", " lamp lamp lamp", -1.5, -0.03125, std::nullopt, false});
    return set;
}

std::string readAll(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

class TestRolloutsFile : public QObject {
    Q_OBJECT
private slots:
    void roundTrip()
    {
        tb::test::TempDir dir;
        const RunDirectory run(dir.path());
        QCOMPARE(run.rolloutsFile(), dir.path() / "rollouts.jsonl");
        QVERIFY(run.readRollouts().empty()); // no file yet
        run.appendRollouts(stepSet(1));
        run.appendRollouts(stepSet(2));
        const auto sets = run.readRollouts();
        QCOMPARE(sets.size(), size_t{2});
        for (size_t i = 0; i < 2; ++i) {
            const RolloutSampleSet want = stepSet(static_cast<int64_t>(i) + 1);
            QCOMPARE(sets[i].step, want.step);
            QCOMPARE(sets[i].samples.size(), want.samples.size());
            for (size_t k = 0; k < want.samples.size(); ++k) {
                const RolloutSample& a = sets[i].samples[k];
                const RolloutSample& b = want.samples[k];
                QCOMPARE(a.prompt, b.prompt);
                QCOMPARE(a.response, b.response);
                QCOMPARE(a.reward, b.reward);
                QCOMPARE(a.kl, b.kl);
                QCOMPARE(a.gold.has_value(), b.gold.has_value());
                if (b.gold)
                    QCOMPARE(*a.gold, *b.gold);
                QCOMPARE(a.ended, b.ended);
            }
        }
    }

    void lineFormat()
    {
        tb::test::TempDir dir;
        const RunDirectory run(dir.path());
        run.appendRollouts(stepSet(7));
        const std::string text = readAll(run.rolloutsFile());
        QCOMPARE(std::count(text.begin(), text.end(), '\n'), 1L);
        const auto j = nlohmann::json::parse(text);
        QCOMPARE(j.at("step").get<int64_t>(), int64_t{7});
        const auto& first = j.at("samples").at(0);
        QCOMPARE(first.size(), size_t{6});
        for (const char* key : {"prompt", "response", "reward", "kl", "gold", "ended"})
            QVERIFY2(first.contains(key), key);
        const auto& second = j.at("samples").at(1);
        QVERIFY(!second.contains("gold")); // absent, not null
        QCOMPARE(second.at("ended").get<bool>(), false);
    }

    void invalidUtf8IsReplaced()
    {
        tb::test::TempDir dir;
        const RunDirectory run(dir.path());
        RolloutSampleSet set;
        set.step = 3;
        set.samples.push_back({"p", std::string("cut \xE2\x82", 6), 0.0, 0.0, std::nullopt, true});
        run.appendRollouts(set);
        const auto sets = run.readRollouts();
        QCOMPARE(sets.size(), size_t{1});
        QCOMPARE(sets[0].samples.size(), size_t{1});
        QVERIFY(sets[0].samples[0].response.starts_with("cut "));
        QVERIFY(sets[0].samples[0].response != std::string("cut \xE2\x82", 6));
    }

    void badLinesSkipped()
    {
        tb::test::TempDir dir;
        const RunDirectory run(dir.path());
        run.appendRollouts(stepSet(1));
        {
            std::ofstream out(run.rolloutsFile(), std::ios::app);
            out << "not json\n";
            out << "{\"step\": \"two\", \"samples\": []}\n";
            out << "{\"step\": 2, \"samples\": [{\"prompt\": \"p\", \"response\": 5, \"reward\": 1, \"kl\": 0},"
                << " {\"prompt\": \"p\", \"response\": \"r\", \"reward\": 1, \"kl\": 0}]}\n";
            out << "{\"step\": 3, \"samples\": [{\"prompt\": \"p\", \"resp"; // torn last line
        }
        const auto sets = run.readRollouts();
        QCOMPARE(sets.size(), size_t{2});
        QCOMPARE(sets[1].step, int64_t{2});
        QCOMPARE(sets[1].samples.size(), size_t{1}); // the sample with a numeric response is skipped
        QCOMPARE(sets[1].samples[0].response, std::string("r"));
        QVERIFY(!sets[1].samples[0].gold.has_value());
        QVERIFY(sets[1].samples[0].ended); // missing "ended" reads as true
    }

    void truncateAfter()
    {
        tb::test::TempDir dir;
        const RunDirectory run(dir.path());
        run.truncateRolloutsAfter(3); // no file: nothing happens
        QVERIFY(!std::filesystem::exists(run.rolloutsFile()));
        for (int64_t s = 1; s <= 5; ++s)
            run.appendRollouts(stepSet(s));
        run.truncateRolloutsAfter(3);
        const auto sets = run.readRollouts();
        QCOMPARE(sets.size(), size_t{3});
        QCOMPARE(sets.back().step, int64_t{3});
        QCOMPARE(*sets.back().samples[0].gold, 0.5);
        run.appendRollouts(stepSet(4));
        QCOMPARE(run.readRollouts().back().step, int64_t{4});
    }
};

QTEST_GUILESS_MAIN(TestRolloutsFile)
#include "test_rollouts_file.moc"
