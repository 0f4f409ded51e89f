// SPDX-License-Identifier: MIT
// The Data panel: opens a training corpus (file dialog or drag-and-drop), shows a faithful preview of its first
// 64 KB and its statistics (size, characters, lines, distinct characters, tokens and the train/val split for the
// run's tokenizer and val fraction). Loading runs as a cancellable CorpusScan, so big files never freeze the GUI.
// A file that fails to load is named with its error (file, line, byte) and the previous corpus stays. GUI thread.
#pragma once

#include "core/data/corpus_stats.h"
#include "core/tokenizer/tokenizer_config.h"

#include <QString>
#include <QWidget>

#include <optional>

class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QFrame;
class QFormLayout;

namespace tb::ui {

class CorpusScan;

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

public slots:
    /// Loads `path` in the background; on success it replaces the corpus on show and corpusChanged() is emitted.
    void openCorpus(const QString& path);
    /// Asks for a file with a dialog and opens it.
    void browseForCorpus();
    /// Cancels a load in progress; the corpus on show stays.
    void cancelLoading();
    /// The tokenizer and val fraction that the token counts follow (from the Run setup panel).
    void setTokenization(const tb::core::TokenizerConfig& tokenizer, double valFraction);

signals:
    void corpusChanged(const QString& path);
    void statsChanged(const tb::core::CorpusStats& stats);
    /// A load failed; the message names the file and, where known, line and byte offset.
    void corpusFailed(const QString& path, const QString& message);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void showStats();
    void showError(const QString& path, const QString& message);
    void setLoading(bool loading);

    CorpusScan* m_scan = nullptr;
    QString m_path;
    QString m_loadingPath;
    QString m_errorText;
    std::optional<core::CorpusStats> m_stats;
    core::TokenizerConfig m_tokenizer;
    double m_valFraction = 0.1;

    QLabel* m_pathLabel = nullptr;
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
