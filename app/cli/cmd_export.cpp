// SPDX-License-Identifier: MIT
// export: write a run's model as safetensors + config.json, or its LoRA adapter in PEFT's layout.
#include "cli_args.h"
#include "commands.h"

#include "core/io/model_export.h"

#include <cstdio>

namespace tb::cli {

const char* const kExportHelp = R"(usage: tunebench-cli export RUN_DIR|CHECKPOINT --format safetensors|peft --out DIR [--latest]
                            [--allow-non-finite]

Writes a trained model (a run's best checkpoint, else its latest, or a checkpoint file) in an open format, without
pickle (docs/fine-tuning-export.md):

  --format safetensors   model.safetensors (every weight, LoRA merged into the base) + config.json
  --format peft          a LoRA run's adapter as adapter_config.json + adapter_model.safetensors in PEFT's layout
                         (base_model.model.<module>.lora_A.weight / .lora_B.weight); LoRA runs only
  --out DIR              output folder (created if needed; the export's files in it are replaced)
  --latest               use the latest checkpoint instead of the best
  --allow-non-finite     export weights holding NaN or infinite values (refused otherwise: exit 2)
)";

int runExport(const std::vector<std::string>& args)
{
    const Args a(args, {"format", "out"}, {"latest", "allow-non-finite"});
    if (a.positional().size() != 1)
        throw UsageError{"export takes exactly one run directory or checkpoint"};
    const auto format = a.value("format");
    if (!format)
        throw UsageError{"--format safetensors|peft is required"};
    const auto out = a.value("out");
    if (!out || out->empty())
        throw UsageError{"--out DIR is required"};
    const core::ExportFormat kind = core::parseExportFormat(*format);
    const auto files = core::exportModel(a.positional().front(), *out, kind, !a.has("latest"), a.has("allow-non-finite"));
    for (const auto& file : files)
        std::printf("wrote %s\n", file.c_str());
    return kExitOk;
}

} // namespace tb::cli
