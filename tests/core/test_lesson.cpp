// SPDX-License-Identifier: MIT
// The lesson file format (core/lesson, docs/lessons.md): a good lesson parsed field by field, every bad lesson an
// InputError naming the file, the line and the field ("step 2: action.compare"), and every shipped lesson under
// resources/lessons parsing with every config it names existing.
#include "core/common/error.h"
#include "core/lesson/lesson.h"
#include "tests/core/test_support.h"

using namespace tb::core;
using tb::test::TempDir;

namespace {

const char* kGood = R"(title: Before and after
concept: supervised fine-tuning
summary: The same prompt before and after tuning.
steps:
  - title: The base
    text: |
      A **base** model.
    runs:
      - {name: base, config: base.yaml, set: ["train.max_steps=7"]}
    show: [monitor, runs]
    lock: [run_setup]
    action: {train: base}
    question: What will it say?
    observe: It continues the text.
  - text: Tune it.
    runs:
      - name: tuned
        config: tuned.yaml
        parent: base
        set: {train.max_steps: 9, train.learning_rate: 0.002}
    action: {compare: [base, tuned], prompts: ["Who are you?", "Hello"], chat: true, max_tokens: 40}
  - text: Just look.
    action: {sample: tuned, prompts: "Once upon", greedy: false, memorization: true, label: Ask it}
)";

const char* kBase = "method: pretrain\ndata: {corpus: corpus.txt}\n";
const char* kTuned = "method: sft\ninit_from: \"\"\ndata: {train: set.jsonl, format: alpaca}\n";

struct Fixture {
    TempDir dir;
    Fixture()
    {
        tb::test::writeBytes(dir / "base.yaml", kBase);
        tb::test::writeBytes(dir / "tuned.yaml", kTuned);
        tb::test::writeBytes(dir / "corpus.txt", "hello world\n");
    }
    std::filesystem::path file() const { return dir / "lesson.yaml"; }
};

/// The message parseLesson throws for `text`, or "" when it parses.
std::string errorOf(const std::string& text, const std::filesystem::path& file, const LessonOptions& options = {})
{
    try {
        parseLesson(text, file, options);
    } catch (const InputError& e) {
        return e.what();
    }
    return {};
}

std::string replaced(std::string text, const std::string& from, const std::string& to)
{
    const size_t at = text.find(from);
    if (at == std::string::npos)
        qFatal("fixture text not found: %s", from.c_str());
    return text.replace(at, from.size(), to);
}

} // namespace

class TestLesson : public QObject {
    Q_OBJECT
private slots:
    void parsesEveryField()
    {
        Fixture f;
        const Lesson lesson = parseLesson(kGood, f.file());
        QCOMPARE(lesson.title, std::string("Before and after"));
        QCOMPARE(lesson.conceptName, std::string("supervised fine-tuning"));
        QCOMPARE(lesson.summary, std::string("The same prompt before and after tuning."));
        QCOMPARE(lesson.steps.size(), size_t(3));
        const LessonStep& s1 = lesson.steps[0];
        QCOMPARE(s1.title, std::string("The base"));
        QCOMPARE(s1.text, std::string("A **base** model.\n"));
        QCOMPARE(s1.runs.size(), size_t(1));
        QCOMPARE(s1.runs[0].name, std::string("base"));
        QCOMPARE(s1.runs[0].config, (f.dir.path() / "base.yaml").lexically_normal());
        QCOMPARE(s1.runs[0].set, std::vector<std::string>{"train.max_steps=7"});
        QCOMPARE(s1.show, (std::vector<std::string>{"monitor", "runs"}));
        QCOMPARE(s1.lock, std::vector<std::string>{"run_setup"});
        QVERIFY(s1.action.kind == LessonActionKind::Train);
        QCOMPARE(s1.action.runs, std::vector<std::string>{"base"});
        QCOMPARE(s1.question, std::string("What will it say?"));
        QCOMPARE(s1.observe, std::string("It continues the text."));
        QCOMPARE(s1.line, int64_t(5));

        const LessonStep& s2 = lesson.steps[1];
        QCOMPARE(s2.runs[0].parent, std::string("base"));
        QCOMPARE(s2.runs[0].set, (std::vector<std::string>{"train.max_steps=9", "train.learning_rate=0.002"}));
        QVERIFY(s2.action.kind == LessonActionKind::Compare);
        QCOMPARE(s2.action.runs, (std::vector<std::string>{"base", "tuned"}));
        QCOMPARE(s2.action.prompts, (std::vector<std::string>{"Who are you?", "Hello"}));
        QVERIFY(s2.action.chat);
        QVERIFY(s2.action.greedy);
        QCOMPARE(s2.action.maxTokens, int64_t(40));

        const LessonStep& s3 = lesson.steps[2];
        QVERIFY(s3.action.kind == LessonActionKind::Sample);
        QCOMPARE(s3.action.prompts, std::vector<std::string>{"Once upon"});
        QVERIFY(!s3.action.greedy);
        QVERIFY(!s3.action.chat);
        QCOMPARE(s3.action.label, std::string("Ask it"));
        QCOMPARE(s3.action.maxTokens, int64_t(120));
        QVERIFY(s3.action.memorization);
        QVERIFY(!s2.action.memorization);
    }

    void runsNeededPutParentsFirst()
    {
        Fixture f;
        const Lesson lesson = parseLesson(kGood, f.file());
        QCOMPARE(lesson.runsNeeded(0).size(), size_t(1));
        // Step 3 declares nothing but samples "tuned": its parent comes first.
        const auto needed = lesson.runsNeeded(2);
        QCOMPARE(needed.size(), size_t(2));
        QCOMPARE(needed[0]->name, std::string("base"));
        QCOMPARE(needed[1]->name, std::string("tuned"));
        QVERIFY(lesson.findRun("tuned", 0) == nullptr);
        QVERIFY(lesson.findRun("tuned", 1) != nullptr);
        QVERIFY(lesson.runsNeeded(9).empty());
    }

    void runConfigAppliesOverridesAndParent()
    {
        Fixture f;
        const Lesson lesson = parseLesson(kGood, f.file());
        const RunConfig base = lessonRunConfig(lesson.steps[0].runs[0]);
        QCOMPARE(base.train.maxSteps, int64_t(7));
        QCOMPARE(base.data.corpus, (f.dir.path() / "corpus.txt").string());
        const RunConfig tuned =
            lessonRunConfig(lesson.steps[1].runs[0], "/p/runs/abc", {"train.max_steps=3", "train.threads=1"});
        QCOMPARE(tuned.initFrom, std::string("/p/runs/abc"));
        QCOMPARE(tuned.train.maxSteps, int64_t(3)); // the extra overrides come last
        QCOMPARE(tuned.train.threads, int64_t(1));
        QCOMPARE(tuned.train.learningRate, 0.002);
    }

    void presetsResolveInTheResourcesFolder()
    {
        TempDir dir;
        const std::string text = "title: t\nconcept: c\nsteps:\n  - text: x\n    runs: [{name: b, preset: demo}]\n";
        const Lesson lesson =
            parseLesson(text, dir / "l.yaml", LessonOptions{tb::test::sourceDir() / "resources"});
        QCOMPARE(lesson.steps[0].runs[0].preset, std::string("demo"));
        QCOMPARE(lesson.steps[0].runs[0].config, (tb::test::sourceDir() / "resources/demo/demo.yaml").lexically_normal());
        // Without a resources folder the preset cannot be found, and says so.
        const std::string error = errorOf(text, dir / "l.yaml");
        QVERIFY2(error.find("step 1: runs[0].preset") != std::string::npos, error.c_str());
        QVERIFY2(error.find("not there") != std::string::npos, error.c_str());
    }

    void badLessons_data()
    {
        QTest::addColumn<QString>("from");
        QTest::addColumn<QString>("to");
        QTest::addColumn<QString>("expected"); // every part must appear in the message, separated by |

        QTest::newRow("missing title") << "title: Before and after\n" << "" << "lesson.yaml|title: is missing";
        QTest::newRow("empty title") << "title: Before and after\n" << "title: \"\"\n" << "title: must not be empty";
        QTest::newRow("missing concept") << "concept: supervised fine-tuning\n" << "" << "concept: is missing";
        QTest::newRow("unknown top key") << "summary:" << "sumary:" << ":3: sumary: unknown key (known keys: title";
        QTest::newRow("no steps") << "steps:\n" << "stepz:\n" << "stepz: unknown key";
        QTest::newRow("unknown step key") << "    question: What will it say?"
                                          << "    quest: What will it say?" << ":13: step 1: quest: unknown key";
        QTest::newRow("step text missing") << "  - text: Tune it.\n" << "  - title: Tune it.\n"
                                           << "step 2: text: is missing";
        QTest::newRow("config missing") << "config: tuned.yaml" << "config: nope.yaml"
                                        << ":18: step 2: runs[0].config: '|nope.yaml' does not exist";
        QTest::newRow("config and preset") << "config: tuned.yaml" << "config: tuned.yaml\n        preset: demo"
                                           << "step 2: runs[0]: needs exactly one of config";
        QTest::newRow("unknown preset") << "config: base.yaml," << "preset: nodemo,"
                                        << "step 1: runs[0].preset: unknown preset 'nodemo' (known: demo, finetune_demo)";
        QTest::newRow("bad override") << "train.max_steps=7" << "train.max_stepz=7"
                                      << "step 1: runs[0].set:|train.max_stepz";
        QTest::newRow("bad override value") << "train.max_steps: 9" << "train.max_steps: many"
                                            << "step 2: runs[0].set:|must be a whole number";
        QTest::newRow("parent unknown") << "parent: base" << "parent: bass"
                                        << "step 2: runs[0].parent: names 'bass', a run no earlier step";
        QTest::newRow("parent missing") << "        parent: base\n" << ""
                                        << "step 2: runs[0].parent: is missing: method sft fine-tunes a parent";
        QTest::newRow("duplicate name") << "name: tuned" << "name: base"
                                        << "step 2: runs[0].name: 'base' is already declared in step 1";
        QTest::newRow("train unknown run") << "action: {train: base}" << "action: {train: tuned}"
                                           << "step 1: action.train: names 'tuned', a run that neither this step";
        QTest::newRow("compare unknown run") << "compare: [base, tuned]" << "compare: [base, other]"
                                             << "step 2: action.compare: names 'other'";
        QTest::newRow("compare one run") << "compare: [base, tuned]" << "compare: [base]"
                                         << "step 2: action.compare: must name 2 to 4 runs";
        QTest::newRow("two actions") << "action: {train: base}" << "action: {train: base, sample: base}"
                                     << "step 1: action: needs exactly one of train, compare or sample";
        QTest::newRow("sample without prompt") << "sample: tuned, prompts: \"Once upon\"," << "sample: tuned,"
                                               << "step 3: action.prompts: is missing";
        QTest::newRow("train with prompts") << "action: {train: base}" << "action: {train: base, prompts: [a]}"
                                            << "step 1: action.prompts: belongs to compare or sample";
        QTest::newRow("bad flag") << "chat: true" << "chat: maybe" << "step 2: action.chat: must be true or false";
        QTest::newRow("bad max tokens") << "max_tokens: 40" << "max_tokens: -4"
                                        << "step 2: action.max_tokens: must be a whole number from 1";
        QTest::newRow("unknown panel") << "lock: [run_setup]" << "lock: [setup]"
                                       << "step 1: lock: unknown panel 'setup' (known: data, run_setup";
        QTest::newRow("observe without question") << "    question: What will it say?\n" << ""
                                                  << "step 1: question: is missing: observe answers a question";
        QTest::newRow("step not a mapping") << "  - text: Just look.\n    action:" << "  - Just look.\n  - action:"
                                            << "step 3: must be a mapping";
        QTest::newRow("not yaml") << "title: Before and after" << "title: [Before" << "is not valid YAML";
    }

    void badLessons()
    {
        QFETCH(QString, from);
        QFETCH(QString, to);
        QFETCH(QString, expected);
        Fixture f;
        const std::string text = replaced(kGood, from.toStdString(), to.toStdString());
        const std::string error = errorOf(text, f.file());
        QVERIFY2(!error.empty(), "the bad lesson parsed");
        QVERIFY2(error.find(f.file().string()) != std::string::npos, error.c_str());
        for (const QString& part : expected.split(QLatin1Char('|')))
            QVERIFY2(error.find(part.toStdString()) != std::string::npos,
                     qPrintable(QStringLiteral("'%1' not in: %2").arg(part, QString::fromStdString(error))));
    }

    void jsonLessons()
    {
        // JSON is YAML too: the same lesson written as JSON parses to the same fields.
        Fixture f;
        const Lesson lesson = parseLesson(
            R"({"title": "J", "concept": "c", "steps": [{"text": "one", "runs": [{"name": "base", "config": "base.yaml"}],
                "action": {"sample": "base", "prompts": ["Hi"]}, "question": "q", "observe": "o"}]})",
            f.dir / "j.json");
        QCOMPARE(lesson.title, std::string("J"));
        QCOMPARE(lesson.steps[0].runs[0].name, std::string("base"));
        QVERIFY(lesson.steps[0].action.kind == LessonActionKind::Sample);
        QCOMPARE(lesson.steps[0].observe, std::string("o"));
        const std::string error = errorOf(R"({"title": "J", "concept": "c", "steps": [{"txt": "one"}]})", f.dir / "j.json");
        QVERIFY2(error.find("j.json:1: step 1: txt: unknown key") != std::string::npos, error.c_str());
    }

    void emptyAndMissingFiles()
    {
        TempDir dir;
        QVERIFY(errorOf("", dir / "e.yaml").find("is empty") != std::string::npos);
        QVERIFY(errorOf("- a\n- b\n", dir / "e.yaml").find("must be a mapping") != std::string::npos);
        QVERIFY(errorOf("title: t\nconcept: c\nsteps: []\n", dir / "e.yaml").find("steps: must be a list of at least")
                != std::string::npos);
        try {
            loadLesson(dir / "missing.yaml");
            QFAIL("a missing file loaded");
        } catch (const InputError& e) {
            QVERIFY2(std::string(e.what()).find("missing.yaml") != std::string::npos, e.what());
        }
    }

    void lessonFilesAreSortedYaml()
    {
        TempDir dir;
        for (const char* name : {"b.yaml", "a.yml", "c.txt", "README.md", "d.json"})
            tb::test::writeBytes(dir / name, "x");
        const auto files = lessonFiles(dir.path());
        QCOMPARE(files.size(), size_t(3));
        QCOMPARE(files[0].filename().string(), std::string("a.yml"));
        QCOMPARE(files[1].filename().string(), std::string("b.yaml"));
        QCOMPARE(files[2].filename().string(), std::string("d.json"));
        QVERIFY(lessonFiles(dir / "nope").empty());
    }

    void everyShippedLessonParses()
    {
        const auto resources = tb::test::sourceDir() / "resources";
        const auto files = lessonFiles(resources / "lessons");
        QVERIFY2(files.size() >= 4, "resources/lessons has fewer than four lessons");
        for (const auto& file : files) {
            Lesson lesson;
            try {
                lesson = loadLesson(file, LessonOptions{resources});
            } catch (const InputError& e) {
                QFAIL(e.what());
            }
            for (size_t s = 0; s < lesson.steps.size(); ++s) {
                for (const LessonRun& run : lesson.steps[s].runs) {
                    QVERIFY2(std::filesystem::is_regular_file(run.config), run.config.c_str());
                    // Each run's config loads with its overrides, and the files it trains on exist.
                    const RunConfig config = lessonRunConfig(run, run.parent.empty() ? "" : "/parent");
                    if (!config.data.corpus.empty())
                        QVERIFY2(std::filesystem::is_regular_file(config.data.corpus), config.data.corpus.c_str());
                    if (!config.data.train.empty())
                        QVERIFY2(std::filesystem::is_regular_file(config.data.train), config.data.train.c_str());
                    if (!config.sft.forgettingCorpus.empty())
                        QVERIFY2(std::filesystem::is_regular_file(config.sft.forgettingCorpus),
                                 config.sft.forgettingCorpus.c_str());
                }
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestLesson)
#include "test_lesson.moc"
