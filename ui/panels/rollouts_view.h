// SPDX-License-Identifier: MIT
// The Monitor's table of an RL run's rollout samples (rollouts.jsonl, core::RunDirectory::readRollouts): one row per
// sampled answer with its step, prompt, response, reward, KL and gold score (– when the run has none), in step
// order, scrollable; selectStep() selects a step's rows and scrolls to them (the Monitor calls it when a point of a
// curve is clicked). Long texts are cut in the cells (newlines shown as ↵) and whole in the tooltips. Hidden while it
// has no sample. GUI thread only.
#pragma once

#include "core/store/run_dir.h"

#include <QString>
#include <QWidget>

#include <cstdint>
#include <optional>
#include <vector>

class QLabel;
class QTableView;

namespace tb::ui {

class RolloutsTableModel;

class RolloutsView : public QWidget {
    Q_OBJECT
public:
    enum Column { StepColumn, PromptColumn, ResponseColumn, RewardColumn, KlColumn, GoldColumn, ColumnCount };

    explicit RolloutsView(QWidget* parent = nullptr);
    ~RolloutsView() override;

    /// Replaces the samples (the whole file as read; a grown file keeps the selection and the scroll position).
    void setRollouts(const std::vector<core::RolloutSampleSet>& sets);
    void clear();
    /// Selects every row of `step` and scrolls to the first; false (selection unchanged) when it has none.
    bool selectStep(int64_t step);
    /// The step of the selected rows, if any.
    std::optional<int64_t> selectedStep() const;

    int rowCount() const;
    int stepCount() const;
    /// The text of a cell as shown.
    QString cellText(int row, int column) const;
    QTableView* table() const { return m_table; }

signals:
    /// The selection moved to `step` (a click in the table or selectStep()).
    void stepSelected(qint64 step);
    /// setRollouts() changed the samples (and maybe whether the view is shown).
    void samplesChanged();

private:
    void updateTitle();

    RolloutsTableModel* m_model = nullptr;
    QTableView* m_table = nullptr;
    QLabel* m_title = nullptr;
};

} // namespace tb::ui
