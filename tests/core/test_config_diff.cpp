// SPDX-License-Identifier: MIT
#include "core/common/error.h"
#include "core/io/config_diff.h"
#include "tests/core/test_support.h"

using namespace tb::core;

class TestConfigDiff : public QObject {
    Q_OBJECT
private slots:
    void valuesFollowTheKeyTable()
    {
        RunConfig c;
        c.data.corpus = "/data/my corpus: v2.txt"; // toYaml quotes it; the value comes back unquoted
        const auto values = configValues(c);
        const auto keys = configKeys();
        QCOMPARE(values.size(), keys.size());
        for (size_t i = 0; i < keys.size(); ++i)
            QCOMPARE(QString::fromStdString(values[i].first), QString::fromStdString(keys[i]));
        bool found = false;
        for (const auto& [key, value] : values)
            if (key == "data.corpus") {
                QCOMPARE(QString::fromStdString(value), QString("/data/my corpus: v2.txt"));
                found = true;
            }
        QVERIFY(found);
    }

    void onlyDifferingKeysOfThreeRuns()
    {
        RunConfig a;
        a.data.corpus = "/data/a.txt";
        RunConfig b = a;
        b.train.learningRate = 2e-3;
        RunConfig c = a;
        c.model.nLayer = 6;
        c.train.learningRate = a.train.learningRate;
        c.data.corpus = "/data/c, \"quoted\".txt";
        const auto rows = diffConfigs({a, b, c});
        // Documented order: model before train before data.
        QCOMPARE(rows.size(), size_t(3));
        QCOMPARE(QString::fromStdString(rows[0].key), QString("model.n_layer"));
        QCOMPARE(QString::fromStdString(rows[1].key), QString("train.learning_rate"));
        QCOMPARE(QString::fromStdString(rows[2].key), QString("data.corpus"));
        const std::vector<std::string> layers{std::to_string(a.model.nLayer), std::to_string(a.model.nLayer), "6"};
        QVERIFY(rows[0].values == layers);
        QCOMPARE(QString::fromStdString(rows[1].values[1]), QString("0.002"));
        QCOMPARE(rows[1].values[0], rows[1].values[2]);
        QCOMPARE(QString::fromStdString(rows[2].values[2]), QString("/data/c, \"quoted\".txt"));
    }

    void identicalConfigsAndSingleConfigHaveNoDiff()
    {
        RunConfig a;
        QVERIFY(diffConfigs({a, a, a}).empty());
        QVERIFY(diffConfigs({a}).empty());
        QVERIFY(diffConfigs({}).empty());
    }

    void yamlTextIsComparedByValue()
    {
        // The same learning rate written two ways is no difference; the batch size is.
        const std::string x = "train: {learning_rate: 6e-4, batch_size: 8}\ndata: {corpus: /d.txt}\n";
        const std::string y = "train:\n  learning_rate: 0.0006\n  batch_size: 16\ndata:\n  corpus: /d.txt\n";
        const auto rows = diffConfigYaml({x, y});
        QCOMPARE(rows.size(), size_t(1));
        QCOMPARE(QString::fromStdString(rows[0].key), QString("train.batch_size"));
        QVERIFY((rows[0].values == std::vector<std::string>{"8", "16"}));
        // A stored config from toYaml diffs against itself as nothing.
        RunConfig c;
        QVERIFY(diffConfigYaml({toYaml(c), toYaml(c)}).empty());
    }

    void badYamlNamesItsOrigin()
    {
        try {
            diffConfigYaml({"train: {max_steps: 5}", "train: {no_such_key: 1}"}, {"run-a", "run-b"});
            QFAIL("expected InputError");
        } catch (const InputError& e) {
            const QString what = e.what();
            QVERIFY2(what.contains("run-b") && what.contains("train.no_such_key"), e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestConfigDiff)
#include "test_config_diff.moc"
