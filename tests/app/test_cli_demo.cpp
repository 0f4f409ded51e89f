// SPDX-License-Identifier: MIT
// The built-in demo's two steps through tunebench-cli, as the README tells a new user (issue 12): step 1 pretrains
// the demo model (resources/demo/demo.yaml), step 2 fine-tunes it with the shipped preset on the shipped
// instruction set (resources/demo/finetune_demo.yaml, instructions.jsonl). The tuned model's greedy answers to
// trained questions, and to three questions of the held-out validation split, hold their key words and stop at the
// chat template's answer end, well before 100 tokens; the base model does not know its name; a story prompt without
// the template still gets a story; the forgetting meter shows what tuning cost; the probe samples stop too. Seeded: the same numbers on every run.
#include "tests/app/cli_support.h"

#include "core/data/formats/dataset_checks.h"
#include "core/data/formats/dataset_reader.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

using tb::test::readJson;
using tb::test::runCli;
using tb::test::source;

namespace {

constexpr int kMinutes = 60 * 1000;
// finetune_demo.yaml's data.val_fraction: 11 of the 212 records.
constexpr double kValFraction = 0.05;

struct HeldOut {
    const char* question;
    const char* keyWord;
};

// Three records of the validation split (make_instructions.py's HELD_OUT): never trained on, new phrasings of
// trained questions.
const HeldOut kHeldOut[] = {
    {"Who are you, please?", "TuneBench"},
    {"When is the market day?", "Thursday"},
    {"When does the mail boat come here?", "Friday"},
};

// Two trained questions (make_instructions.py's TRAIN).
const HeldOut kTrained[] = {
    {"Who are you?", "TuneBench"},
    {"When is market day?", "Thursday"},
};

/// The tuned run's greedy chat answer (sample --chat), trimmed.
QString askTuned(const QTemporaryDir& dir, const char* question)
{
    const auto answer = runCli({"sample", dir.filePath("sft"), "--chat", "--greedy", "--prompt", question,
                                "--max-new-tokens", "200", "--threads", "1"},
                               dir.path());
    if (answer.exitCode != 0)
        return "(sample failed: " + answer.err + ")";
    qInfo("tuned: %s -> %s", question, qPrintable(answer.out.trimmed()));
    return answer.out.trimmed();
}

/// The questions of instructions.jsonl that fine-tuning holds out (the run's own rule: splitRecords).
QStringList heldOutQuestions()
{
    const auto dataset = tb::core::loadDataset(source("resources/demo/instructions.jsonl").toStdString());
    const auto split = tb::core::splitRecords(dataset.records, kValFraction);
    QStringList out;
    for (const auto& r : split.val)
        for (const auto& t : r.turns)
            if (t.role == tb::core::Role::User)
                out << QString::fromStdString(t.content);
    return out;
}

} // namespace

class TestCliDemo : public QObject {
    Q_OBJECT
private slots:
    void theInstructionSetHoldsOutTheTestQuestions()
    {
        const QStringList held = heldOutQuestions();
        QVERIFY2(held.size() >= 10, qPrintable(held.join(" | ")));
        for (const HeldOut& h : kHeldOut)
            QVERIFY2(held.contains(h.question), h.question);
        // The preset holds out the same share the split above uses.
        const QByteArray preset = [] {
            QFile f(source("resources/demo/finetune_demo.yaml"));
            return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
        }();
        QVERIFY2(preset.contains("val_fraction: 0.05"), preset.constData());
    }

    void twoStepDemo()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        // Step 1: the demo pretraining run, as shipped.
        // One thread: the numbers below were measured so (more threads sum in another order).
        const auto base = runCli({"demo", "--out", dir.filePath("base"), "--threads", "1"}, dir.path(), 20 * kMinutes);
        QVERIFY2(base.exitCode == 0, qPrintable(base.err));

        // Step 2: the fine-tune preset, as shipped, with the demo run as its parent.
        const auto tuned = runCli({"train", "--config", source("resources/demo/finetune_demo.yaml"), "--set",
                                   "init_from=" + dir.filePath("base"), "--set", "train.threads=1", "--out",
                                   dir.filePath("sft")},
                                  dir.path(), 20 * kMinutes);
        QVERIFY2(tuned.exitCode == 0, qPrintable(tuned.err));
        // Pre-flight has nothing to warn about: every record spellable and whole, 11 held out.
        QVERIFY2(!tuned.err.contains("warning:"), qPrintable(tuned.err));
        QVERIFY2(tuned.err.contains("forgetting perplexity"), qPrintable(tuned.err));
        const QJsonObject summary = readJson(dir.filePath("sft/summary.json"));
        QCOMPARE(summary.value("method").toString(), QString("sft"));
        QCOMPARE(QDir::cleanPath(summary.value("parent_run").toString()), QDir::cleanPath(dir.filePath("base")));
        // The forgetting meter shows the cost: the tuned model predicts the corpus worse than its parent.
        const double before = summary.value("forgetting_before").toDouble();
        const double after = summary.value("forgetting_after").toDouble();
        qInfo("forgetting perplexity: %.3f before, %.3f after", before, after);
        QVERIFY2(before > 1.0 && after > before, qPrintable(QString("%1 -> %2").arg(before).arg(after)));

        // Trained questions: the answers it was taught, ending where the answer ends.
        for (const HeldOut& h : kTrained) {
            const QString text = askTuned(dir, h.question);
            QVERIFY2(text.size() < 100 && !text.contains('\n') && text.contains(h.keyWord), qPrintable(text));
        }
        // Held-out questions, never trained on: the answer holds the topic's key word and stops at its end, well
        // before the 200-token limit (a char model: one token a character). The instruction set asks every topic
        // in many words (fillers, word order, lower case), so the model keys on the content words.
        for (const HeldOut& h : kHeldOut) {
            const QString text = askTuned(dir, h.question);
            QVERIFY2(text.size() < 100 && !text.contains('\n') && text.contains(h.keyWord), qPrintable(text));
        }
        // The corpus never names TuneBench (it does say when market day is): only tuning teaches the name.
        const auto baseAnswer =
            runCli({"sample", dir.filePath("base"), "--chat", "--greedy", "--prompt", "Who are you?", "--max-new-tokens",
                    "100", "--threads", "1"},
                   dir.path());
        QVERIFY2(baseAnswer.exitCode == 0, qPrintable(baseAnswer.err));
        qInfo("base:  Who are you? -> %s", qPrintable(baseAnswer.out.trimmed().left(120)));
        QVERIFY2(!baseAnswer.out.contains("TuneBench"), qPrintable(baseAnswer.out));

        // compare --chat: the tuned run gets its template and stops; the base gets the raw prompt.
        const auto both = runCli({"compare", dir.filePath("base"), dir.filePath("sft"), "--chat", "--greedy",
                                  "--prompt", "Who are you?", "--max-new-tokens", "200", "--threads", "1", "--json"},
                                 dir.path());
        QVERIFY2(both.exitCode == 0, qPrintable(both.err));
        QVERIFY2(both.err.contains("gets the raw prompt"), qPrintable(both.err));
        const QStringList lines = both.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 2);
        const QJsonObject tunedOut = QJsonDocument::fromJson(lines[1].toUtf8()).object();
        const QString who = tunedOut.value("text").toString();
        QVERIFY2(who.contains("TuneBench") && who.size() < 100, qPrintable(lines[1]));

        // Without the template, a story prompt still gets a story: words, not an answer.
        const auto story = runCli({"sample", dir.filePath("sft"), "--greedy", "--prompt", "The keeper", "--max-new-tokens",
                                   "120", "--threads", "1"},
                                  dir.path());
        QVERIFY2(story.exitCode == 0, qPrintable(story.err));
        qInfo("story: %s", qPrintable(story.out.trimmed()));
        QVERIFY2(story.out.size() > 100 && story.out.count(' ') >= 15, qPrintable(story.out));

        // The probe samples of the tuning run are chat answers that stop, too.
        QFile samples(dir.filePath("sft/samples.jsonl"));
        QVERIFY(samples.open(QIODevice::ReadOnly));
        const QList<QByteArray> sets = samples.readAll().trimmed().split('\n');
        const QJsonArray last = QJsonDocument::fromJson(sets.last()).object().value("samples").toArray();
        QVERIFY(!last.isEmpty());
        for (const auto& s : last) {
            const QString text = s.toObject().value("text").toString();
            QVERIFY2(text.size() < 100 && !text.contains('\n'), qPrintable(text));
        }
    }
};

QTEST_GUILESS_MAIN(TestCliDemo)
#include "test_cli_demo.moc"
