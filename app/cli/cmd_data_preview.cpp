// SPDX-License-Identifier: MIT
// data preview: one record of a fine-tuning dataset as the model sees it (chat template applied, placeholders
// replaced) with the characters the SFT loss counts marked, optionally as tokens of a run's tokenizer.
#include "cli_args.h"
#include "commands.h"

#include "core/common/error.h"
#include "core/data/chat_template.h"
#include "core/data/formats/dataset_reader.h"
#include "core/data/sft_examples.h"
#include "core/store/model_loader.h"

#include <cstdio>

namespace tb::cli {

namespace {

constexpr const char* kOpen = "\u00ab";  // «
constexpr const char* kClose = "\u00bb"; // »

} // namespace

int runDataPreview(const std::vector<std::string>& args)
{
    const Args a(args, {"format", "template", "record", "replace", "loss-on", "run"}, {});
    if (a.positional().size() != 1)
        throw UsageError{"data preview takes exactly one FILE"};
    const std::string file = a.positional().front();
    core::DatasetLoadOptions options;
    if (const auto format = a.value("format")) {
        const auto parsed = core::parseDatasetFormat(*format);
        if (!parsed)
            throw UsageError{"unknown --format '" + *format + "'"};
        options.format = *parsed;
    }
    const auto chatTemplate = core::ChatTemplate::parse(a.value("template").value_or(""), "--template", "--template");
    const std::string lossOn = a.value("loss-on").value_or("completion");
    if (lossOn != "completion" && lossOn != "all")
        throw UsageError{"--loss-on must be 'completion' or 'all', got '" + lossOn + "'"};
    const auto replacements = core::parseReplacements(a.values("replace"), "--replace");
    core::Dataset dataset = core::loadDataset(file, options);
    const long long index = a.intValue("record").value_or(0);
    if (index < 0 || index >= static_cast<long long>(dataset.records.size()))
        throw core::InputError(file, "--record",
                               "has no record " + std::to_string(index) + " (it has " +
                                   std::to_string(dataset.records.size()) + ", numbered from 0)");
    core::DatasetRecord record = dataset.records[static_cast<size_t>(index)];
    core::applyReplacements(record, replacements);
    const core::RenderedExample example =
        core::renderRecord(record, chatTemplate, core::parseLossOn(lossOn), file);
    std::printf("record %lld of %zu (%s, line %lld); the loss counts the text between %s and %s:\n", index,
                dataset.records.size(), std::string(core::datasetFormatName(dataset.format)).c_str(),
                static_cast<long long>(record.line), kOpen, kClose);
    std::fputs(core::markedText(example, kOpen, kClose).c_str(), stdout);
    if (example.text.empty() || example.text.back() != '\n')
        std::fputs("\n", stdout);
    if (const auto run = a.value("run")) {
        const core::LoadedModel loaded = core::loadModel(*run, false);
        const core::TokenizedExample tokens = core::tokenizeExample(example, *loaded.tokenizer);
        int64_t counted = 0;
        for (size_t i = 1; i < tokens.loss.size(); ++i)
            counted += tokens.loss[i] ? 1 : 0;
        std::printf("\n%zu tokens with %s's %s tokenizer, %lld counted in the loss%s:\n", tokens.ids.size(),
                    run->c_str(), loaded.tokenizer->kind().c_str(), static_cast<long long>(counted),
                    tokens.unknownTokens > 0
                        ? (", " + std::to_string(tokens.unknownTokens) + " unknown (<unk>)").c_str()
                        : "");
        bool inside = false;
        for (size_t i = 0; i < tokens.ids.size(); ++i) {
            const bool lossy = i > 0 && tokens.loss[i];
            if (lossy != inside) {
                std::fputs(lossy ? kOpen : kClose, stdout);
                inside = lossy;
            }
            std::fputs(loaded.tokenizer->tokenText(tokens.ids[i]).c_str(), stdout);
            std::fputs(i + 1 < tokens.ids.size() ? " " : "", stdout);
        }
        std::fputs(inside ? kClose : "", stdout);
        std::fputs("\n", stdout);
    }
    return kExitOk;
}

} // namespace tb::cli
