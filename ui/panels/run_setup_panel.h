// SPDX-License-Identifier: MIT
// The Run setup panel: method, model preset (with parameter, memory and time-per-step estimates), every config
// key of the key table as a form field with its help text as tooltip, live pre-flight findings in plain words
// (errors disable Start), Save/Load of the setup as the YAML the CLI reads, and the equivalent tunebench-cli
// command line. It knows core value types only, never the trainer. GUI thread only.
//
// Fine-tuning methods (sft, lora, prompt_tuning) show a parent picker (the project's runs, fed by
// setParentCandidates, plus Browse) that sets init_from, the dataset (data.train, data.format), the sft.* fields
// and the lora.* or prompt_tuning.* fields of the method; the model, tokenizer and corpus come from the parent,
// so their fields are hidden. The parent's shape is read from its run folder's config.yaml, for the trainable-
// parameter count ("Trainable: 74 k of 0.81 M parameters (9.1%)"), the estimates and pre-flight.
#pragma once

#include "core/data/corpus_stats.h"
#include "core/io/run_config.h"
#include "core/store/run_records.h"
#include "core/train/preflight.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QWidget>

#include <memory>
#include <optional>
#include <vector>

class QComboBox;
class QGroupBox;
class QLabel;
class QListWidget;
class QPushButton;

namespace tb::ui {

/// One entry of the parent picker: what the user reads and the run folder or checkpoint file init_from gets.
struct ParentCandidate {
    QString label;
    QString path;
    QString runName;              // the run's name in the project
    bool newestPretrain = false;  // the best checkpoint of the project's newest completed pretrain run
};

class RunSetupPanel : public QWidget {
    Q_OBJECT
public:
    explicit RunSetupPanel(QWidget* parent = nullptr);

    /// The config the form shows. A field whose text does not parse keeps its last good value (and is an error
    /// finding).
    core::RunConfig config() const { return m_config; }
    void setConfig(const core::RunConfig& config);
    /// No pre-flight errors.
    bool canStart() const;
    /// The current pre-flight findings, errors first.
    const std::vector<core::Finding>& findings() const { return m_findings; }

    /// `tunebench-cli pretrain --config FILE --set key=value ...`: FILE is the setup file last saved or loaded
    /// ("setup.yaml" before that), and every key that differs from the defaults or from that file is a --set.
    QString commandLine() const;
    /// The setup file last saved or loaded; empty before.
    QString setupFile() const { return m_setupFile; }

    /// Writes config() as YAML (atomically). On failure returns false with the reason in `error`.
    bool saveSetup(const QString& file, QString* error = nullptr);
    /// Reads a setup YAML (the CLI's rules). On failure returns false with the reason and keeps the form as is.
    bool loadSetup(const QString& file, QString* error = nullptr);

    /// The estimates line shown under the preset picker.
    QString estimateText() const;
    /// "Trainable: 74 k of 0.81 M parameters (9.1%)" for the method and the model (the parent's when fine-tuning).
    QString trainableText() const;

    /// The parent picker's entries: runs newest first, each with its best and latest checkpoint that exist.
    static QList<ParentCandidate> parentCandidatesOf(const std::vector<core::RunRecord>& runs);
    /// The form holds the fine-tune demo's setup (its method and data), so the preset picker shows it.
    bool isFineTuneDemo() const;
    /// The message line under the form (what a preset or hand-off did, and what to do next); empty when hidden.
    QString message() const;
    /// The config of the parent run that init_from names (read from its run folder's config.yaml), if found.
    const std::optional<core::RunConfig>& parentConfig() const { return m_parentConfig; }

public slots:
    /// Sets data.corpus (from the Data panel).
    void setCorpus(const QString& path);
    /// Sets data.train and data.format (the Data panel's "Use as fine-tuning data"). Preference pairs (the formats
    /// preference, preference-implicit, llamafactory-preference, hh-rlhf) make the method dpo; other data makes a
    /// pretraining or DPO setup full SFT, and leaves LoRA and prompt tuning as they are.
    void setFineTuningData(const QString& path, const QString& format);
    /// The Rate tab's "Tune on these votes": method dpo on `preferenceFile` (format preference), starting from
    /// `parentRun`.
    void setPreferenceTuning(const QString& preferenceFile, const QString& parentRun);
    /// Token counts for the pre-flight checks and estimates (from the Data panel); used while data.corpus is
    /// the scanned file.
    void setCorpusStats(const tb::core::CorpusStats& stats);
    /// Applies a preset of core::modelPresets() by name.
    void applyPreset(const QString& name);
    /// The parent picker's entries (the open project's runs, see parentCandidatesOf).
    void setParentCandidates(const QList<tb::ui::ParentCandidate>& candidates);
    /// The setup behind the "Fine-tune demo" preset (resources/demo/finetune_demo.yaml); the entry stays disabled
    /// while the file is missing.
    void setFineTuneDemo(const QString& file);
    /// Loads the fine-tune demo setup; false (with a message) when it is missing or bad. Without an init_from of
    /// its own, its parent is the project's newest completed pretrain run, said in the message ("Parent: pretrain
    /// 1 (newest completed pretrain run)"); when there is none yet, the first one to complete becomes it.
    bool loadFineTuneDemo();
    void openSetup();
    void saveSetupAs();
    void showCommand();

signals:
    void configChanged();
    void startRequested();

private:
    struct Field {
        core::ConfigKeyInfo info;
        QWidget* editor = nullptr;
        QWidget* row = nullptr; // what the form shows: the editor, or a box holding it and its buttons
        QWidget* label = nullptr;
    };

    QWidget* makeEditor(const core::ConfigKeyInfo& info);
    QWidget* makeRow(const Field& field);
    QWidget* makeParentPicker();
    void browseParent(bool folder);
    void syncParentPicker();
    void resolveParent();
    void updateMethodFields();
    /// m_config with the parent's model and tokenizer when fine-tuning from a known parent.
    core::RunConfig effectiveConfig() const;
    const Field* field(const std::string& key) const;
    QString editorText(const Field& field) const;
    void setEditorText(const Field& field, const QString& text);
    void readForm();
    void refresh();
    std::optional<core::TokenSplit> corpusSplit() const;
    /// Pre-flight's counts of a fine-tuning run's data.train (read as the run will, with the parent's tokenizer);
    /// nothing before a parent and data are chosen, or for a file over 32 MB. Cached until the setup changes.
    std::optional<core::FineTuneDataCounts> fineTuneData();
    /// The parent picker's "newest completed pretrain run" (ParentCandidate::newestPretrain), if any.
    const ParentCandidate* newestPretrain() const;
    /// The fine-tune demo was loaded without a parent: take the newest completed pretrain run when there is one.
    void pickDemoParent();
    void showMessage(const QString& text);

    core::RunConfig m_config;
    core::RunConfig m_fileConfig; // as last saved or loaded
    QString m_setupFile;
    std::optional<core::CorpusStats> m_corpusStats;
    core::MachineInfo m_machine;
    double m_throughput = 0;
    std::vector<Field> m_fields;
    std::vector<core::Finding> m_parseFindings;
    std::vector<core::Finding> m_findings;
    bool m_filling = false;
    std::string m_parentPath;                    // the init_from that m_parentConfig was read for
    std::optional<core::RunConfig> m_parentConfig;
    QString m_parentProblem;                     // why the parent's config could not be read
    bool m_parentMissing = false;                // init_from names nothing that exists
    bool m_parentStale = true;                   // read the parent's config again
    std::shared_ptr<const core::Tokenizer> m_parentTokenizer; // the parent's, for pre-flight's data counts
    QString m_dataKey;                           // what m_dataCounts were counted for
    std::optional<core::FineTuneDataCounts> m_dataCounts;
    QString m_demoFile;
    std::optional<core::RunConfig> m_demoConfig; // the fine-tune demo's setup as its file says
    bool m_demoNeedsParent = false;              // the fine-tune demo waits for a completed pretrain run
    QList<ParentCandidate> m_candidates;

    QComboBox* m_method = nullptr;
    QComboBox* m_preset = nullptr;
    QLabel* m_estimates = nullptr;
    QLabel* m_trainable = nullptr;
    QComboBox* m_parentPicker = nullptr;
    QLabel* m_parentInfo = nullptr;
    std::vector<QGroupBox*> m_groups;
    QListWidget* m_findingList = nullptr;
    QLabel* m_message = nullptr;
    QPushButton* m_start = nullptr;
};

} // namespace tb::ui
