// SPDX-License-Identifier: MIT
// The Data panel: opens a pretraining corpus or a fine-tuning dataset (file dialog or drag-and-drop).
// - A plain-text corpus is streamed by a cancellable CorpusScan (progress, Cancel): a faithful preview of its first
//   64 KB and its statistics (size, characters, lines, distinct characters, tokens and the train/val split for the
//   run's tokenizer and val fraction). It becomes the run's corpus (corpusChanged).
// - Any other file is read by a DatasetScan (core::loadDataset: every format, auto-detected or chosen in the format
//   box; bad records skipped or the load stopped, by the policy box; CSV columns mapped to fields) and shown in the
//   Dataset tab (DatasetView: counts, problems, duplicates, overlap, length histogram, records). "Use as
//   fine-tuning data" emits datasetChosen(). A .jsonl file of {"text"} records is both: it is also a corpus.
//   Its record browser shows a record as the model sees it with the run's chat template, loss_on, data.replace
//   and the parent run's tokenizer (the setters below, wired from Run setup).
// A file that fails to load is named with its error (file, line, byte or record, field) and what was on show
// stays. GUI thread.
#pragma once

#include "core/data/corpus_stats.h"
#include "core/data/formats/dataset_reader.h"
#include "core/tokenizer/tokenizer_config.h"
#include "ui/bridge/dataset_scan.h"

#include <QString>
#include <QWidget>

#include <optional>

class QComboBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QTabWidget;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QFrame;
class QFormLayout;

namespace tb::ui {

class CorpusScan;
class DatasetScan;
class DatasetView;

class DataPanel : public QWidget {
    Q_OBJECT
public:
    explicit DataPanel(QWidget* parent = nullptr);

    /// The corpus on show (the last one that loaded); empty when none.
    QString corpusPath() const { return m_path; }
    /// Its statistics, when a corpus is loaded.
    const std::optional<core::CorpusStats>& stats() const { return m_stats; }
    /// The token split for the current tokenizer and val fraction (zeros without a corpus).
    core::TokenSplit tokenSplit() const;
    /// The message of the last failed load, until the next load succeeds; empty when none.
    QString errorText() const;
    QString previewText() const;
    bool isLoading() const;
    /// The dataset on show in the Dataset tab (any file but plain text); empty when none.
    QString datasetPath() const { return m_datasetPath; }
    DatasetView* datasetView() const { return m_datasetView; }
    /// The format box (Auto = detect) and the bad-record policy that the next load uses.
    core::DatasetFormat datasetFormat() const;
    core::ErrorPolicy errorPolicy() const;

public slots:
    /// Loads `path` in the background; on success it replaces the corpus on show and corpusChanged() is emitted.
    void openCorpus(const QString& path);
    /// Asks for a file with a dialog and opens it.
    void browseForCorpus();
    /// Cancels a load in progress; the corpus on show stays.
    void cancelLoading();
    /// The tokenizer and val fraction that the token counts follow (from the Run setup panel).
    void setTokenization(const tb::core::TokenizerConfig& tokenizer, double valFraction);
    /// Chooses the format box's entry (Auto detects) and the bad-record policy; they apply from the next load.
    void setDatasetFormat(tb::core::DatasetFormat format);
    void setErrorPolicy(tb::core::ErrorPolicy policy);
    /// Field mappings "field=column, ..." (as the CLI's --map) for the next load; CSV columns or JSON keys.
    void setFieldMapping(const QString& mapping);
    /// The fine-tuning settings the Dataset tab's "As the model sees it" follows (sft.chat_template, sft.loss_on,
    /// data.replace), and the parent run (init_from: a run directory, or a checkpoint file in one) whose
    /// tokenizer.json its tokens use; an empty or unreadable parent shows no tokens.
    void setChatTemplate(const QString& text);
    void setLossOn(const QString& lossOn);
    void setReplacements(const QStringList& items);
    void setParentRun(const QString& path);
    /// Loads the file on show (or the last one that failed) again with the current format, policy and mapping.
    void reload();

signals:
    void corpusChanged(const QString& path);
    void statsChanged(const tb::core::CorpusStats& stats);
    /// A load failed; the message names the file and, where known, line and byte offset.
    void corpusFailed(const QString& path, const QString& message);
    /// "Use as fine-tuning data" on a loaded dataset: its path and format name (core::datasetFormatName).
    void datasetChosen(const QString& path, const QString& format);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void showStats();
    void showError(const QString& path, const QString& message);
    void setLoading(bool loading);
    void showDataset(const DatasetReportPtr& report);
    void showFileLine(qint64 line);
    void setPreview(const QString& text, const QString& title);
    void setColumns(const QStringList& columns);

    CorpusScan* m_scan = nullptr;
    DatasetScan* m_datasetScan = nullptr;
    QString m_path;          // the corpus (pretraining)
    QString m_datasetPath;   // the dataset on show, when not a plain-text corpus
    QString m_shownPath;     // what the panel shows now: m_path or m_datasetPath
    QString m_loadingPath;
    QString m_failedPath;    // the last load that failed, for reload()
    QString m_errorText;
    std::optional<core::CorpusStats> m_stats;
    core::TokenizerConfig m_tokenizer;
    double m_valFraction = 0.1;
    QString m_parentRun;

    QLabel* m_pathLabel = nullptr;
    QComboBox* m_formatBox = nullptr;
    QComboBox* m_policyBox = nullptr;
    QWidget* m_mapRow = nullptr;
    QLineEdit* m_mapEdit = nullptr;
    QLabel* m_columnsLabel = nullptr;
    QTabWidget* m_tabs = nullptr;
    QGroupBox* m_statsBox = nullptr;
    DatasetView* m_datasetView = nullptr;
    QPushButton* m_openButton = nullptr;
    QProgressBar* m_progress = nullptr;
    QPushButton* m_cancelButton = nullptr;
    QFrame* m_errorBox = nullptr;
    QLabel* m_errorLabel = nullptr;
    QPlainTextEdit* m_preview = nullptr;
    QLabel* m_previewTitle = nullptr;
    QFormLayout* m_statsForm = nullptr;
    QLabel* m_values[12] = {};
};

} // namespace tb::ui
