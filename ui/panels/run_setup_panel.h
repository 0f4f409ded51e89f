// SPDX-License-Identifier: MIT
// The Run setup panel: method, model preset (with parameter, memory and time-per-step estimates), every config
// key of the key table as a form field with its help text as tooltip, live pre-flight findings in plain words
// (errors disable Start), Save/Load of the setup as the YAML the CLI reads, and the equivalent tunebench-cli
// command line. It knows core value types only, never the trainer. GUI thread only.
#pragma once

#include "core/data/corpus_stats.h"
#include "core/io/run_config.h"
#include "core/train/preflight.h"

#include <QHash>
#include <QString>
#include <QWidget>

#include <optional>
#include <vector>

class QComboBox;
class QLabel;
class QListWidget;
class QPushButton;

namespace tb::ui {

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

public slots:
    /// Sets data.corpus (from the Data panel).
    void setCorpus(const QString& path);
    /// Token counts for the pre-flight checks and estimates (from the Data panel); used while data.corpus is
    /// the scanned file.
    void setCorpusStats(const tb::core::CorpusStats& stats);
    /// Applies a preset of core::modelPresets() by name.
    void applyPreset(const QString& name);
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
    };

    QWidget* makeEditor(const core::ConfigKeyInfo& info);
    QString editorText(const Field& field) const;
    void setEditorText(const Field& field, const QString& text);
    void readForm();
    void refresh();
    std::optional<core::TokenSplit> corpusSplit() const;
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

    QComboBox* m_method = nullptr;
    QComboBox* m_preset = nullptr;
    QLabel* m_estimates = nullptr;
    QListWidget* m_findingList = nullptr;
    QLabel* m_message = nullptr;
    QPushButton* m_start = nullptr;
};

} // namespace tb::ui
