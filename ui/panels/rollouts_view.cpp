// SPDX-License-Identifier: MIT
#include "ui/panels/rollouts_view.h"

#include "ui/panels/metric_chart.h"

#include <QAbstractTableModel>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace tb::ui {

namespace {

constexpr int kCellChars = 120; // cut longer texts in the cells; the tooltip has all

QString cellTextOf(const std::string& text)
{
    QString s = QString::fromStdString(text);
    s.replace(QLatin1Char('\n'), QStringLiteral("↵ "));
    return s.size() > kCellChars ? s.left(kCellChars - 1) + QStringLiteral("…") : s;
}

} // namespace

/// The rows: every sample of every step, flattened in file order.
class RolloutsTableModel : public QAbstractTableModel {
public:
    using QAbstractTableModel::QAbstractTableModel;

    struct Row {
        int64_t step = 0;
        core::RolloutSample sample;
    };

    void setSets(const std::vector<core::RolloutSampleSet>& sets)
    {
        std::vector<Row> rows;
        for (const auto& set : sets)
            for (const auto& sample : set.samples)
                rows.push_back({set.step, sample});
        m_steps = int(sets.size());
        // A grown file keeps its first rows: append, so the view keeps its selection and scroll position.
        const bool grown = rows.size() >= m_rows.size() &&
                           std::equal(m_rows.begin(), m_rows.end(), rows.begin(), [](const Row& a, const Row& b) {
                               return a.step == b.step && a.sample.prompt == b.sample.prompt &&
                                      a.sample.response == b.sample.response;
                           });
        if (grown && rows.size() > m_rows.size()) {
            beginInsertRows({}, int(m_rows.size()), int(rows.size()) - 1);
            m_rows = std::move(rows);
            endInsertRows();
        } else if (!grown) {
            beginResetModel();
            m_rows = std::move(rows);
            endResetModel();
        }
    }

    int rowCount(const QModelIndex& parent = {}) const override { return parent.isValid() ? 0 : int(m_rows.size()); }
    int columnCount(const QModelIndex& parent = {}) const override
    {
        return parent.isValid() ? 0 : RolloutsView::ColumnCount;
    }

    QVariant headerData(int section, Qt::Orientation orientation, int role) const override
    {
        if (orientation != Qt::Horizontal)
            return {};
        static const char* const names[] = {"Step", "Prompt", "Response", "Reward", "KL", "Gold"};
        static const char* const tips[] = {
            "The PPO/GRPO iteration whose rollout sampled this answer",
            "The prompt the policy answered",
            "The policy's answer (↵ marks a line break; … an answer that did not end on the end token or string)",
            "The answer's score: the reward model's, the rule scorer's or their mix",
            "The answer's KL to the reference (summed over its tokens, nats)",
            "The gold scorer's score of the answer (reward-hacking lab), when the run logs one"};
        if (role == Qt::DisplayRole && section >= 0 && section < RolloutsView::ColumnCount)
            return RolloutsView::tr(names[section]);
        if (role == Qt::ToolTipRole && section >= 0 && section < RolloutsView::ColumnCount)
            return RolloutsView::tr(tips[section]);
        return {};
    }

    QVariant data(const QModelIndex& index, int role) const override
    {
        if (!index.isValid() || index.row() >= int(m_rows.size()))
            return {};
        const Row& r = m_rows[size_t(index.row())];
        if (role == Qt::DisplayRole) {
            switch (index.column()) {
            case RolloutsView::StepColumn: return QString::number(r.step);
            case RolloutsView::PromptColumn: return cellTextOf(r.sample.prompt);
            case RolloutsView::ResponseColumn:
                return cellTextOf(r.sample.response) + (r.sample.ended ? QString() : QStringLiteral(" …"));
            case RolloutsView::RewardColumn: return QString::number(r.sample.reward, 'f', 3);
            case RolloutsView::KlColumn: return QString::number(r.sample.kl, 'f', 3);
            case RolloutsView::GoldColumn:
                return r.sample.gold ? QString::number(*r.sample.gold, 'f', 3) : QStringLiteral("–");
            default: return {};
            }
        }
        if (role == Qt::ToolTipRole) {
            if (index.column() == RolloutsView::PromptColumn)
                return QString::fromStdString(r.sample.prompt);
            if (index.column() == RolloutsView::ResponseColumn)
                return QString::fromStdString(r.sample.response) +
                       (r.sample.ended ? QString() : RolloutsView::tr("\n(did not end: cut at the length limit)"));
        }
        if (role == Qt::TextAlignmentRole && index.column() != RolloutsView::PromptColumn &&
            index.column() != RolloutsView::ResponseColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    }

    int64_t stepOf(int row) const { return m_rows[size_t(row)].step; }
    int steps() const { return m_steps; }

private:
    std::vector<Row> m_rows;
    int m_steps = 0;
};

RolloutsView::RolloutsView(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("rollouts"));
    m_model = new RolloutsTableModel(this);
    m_title = new QLabel(this);
    m_title->setWordWrap(true);
    m_title->setToolTip(tr("The answers the policy sampled at each iteration, with their reward, KL to the "
                           "reference and gold score. Click a point of a curve on the chart beside to select its "
                           "step's answers."));
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("rollouts table"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideRight);
    m_table->verticalHeader()->setVisible(false);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    QHeaderView* header = m_table->horizontalHeader();
    // The answer takes what is left; the prompt and the numbers start narrow (drag to widen; tooltips are whole).
    header->setMinimumSectionSize(24);
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setSectionResizeMode(ResponseColumn, QHeaderView::Stretch);
    header->setStretchLastSection(false);
    const int number = m_table->fontMetrics().horizontalAdvance(QStringLiteral("-0.000")) + 8;
    for (int c : {StepColumn, RewardColumn, KlColumn, GoldColumn})
        header->resizeSection(c, number);
    header->resizeSection(PromptColumn, number * 2);
    m_table->setMinimumHeight(m_table->verticalHeader()->defaultSectionSize() * 3 + header->sizeHint().height());
    // Narrow minimum: the stretched text columns give way, so the table never widens the window.
    m_table->setMinimumWidth(100);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(m_title);
    layout->addWidget(m_table, 1);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        if (const auto step = selectedStep())
            emit stepSelected(*step);
    });
    updateTitle();
    setVisible(false);
}

RolloutsView::~RolloutsView() = default;

void RolloutsView::setRollouts(const std::vector<core::RolloutSampleSet>& sets)
{
    m_model->setSets(sets);
    updateTitle();
    const bool show = m_model->rowCount() > 0;
    const bool appears = show && isHidden();
    setVisible(show);
    emit samplesChanged(); // the Monitor shows the row it sits in first
    // Half of the row beside the chart it belongs to: the answers need the width.
    auto* row = qobject_cast<QSplitter*>(parentWidget());
    if (appears && row && row->orientation() == Qt::Horizontal && row->count() == 2) {
        const QList<int> sizes = row->sizes();
        const int total = sizes.value(0) + sizes.value(1);
        if (total > 0)
            row->setSizes({total - total / 2, total / 2});
    } else if (appears) {
        makeRoomInSplitter(this);
    }
}

void RolloutsView::clear() { setRollouts({}); }

bool RolloutsView::selectStep(int64_t step)
{
    int first = -1;
    int last = -1;
    for (int row = 0; row < m_model->rowCount(); ++row) {
        if (m_model->stepOf(row) != step)
            continue;
        if (first < 0)
            first = row;
        last = row;
    }
    if (first < 0)
        return false;
    const QItemSelection selection(m_model->index(first, 0), m_model->index(last, ColumnCount - 1));
    m_table->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->selectionModel()->setCurrentIndex(m_model->index(first, 0), QItemSelectionModel::NoUpdate);
    m_table->scrollTo(m_model->index(first, 0), QAbstractItemView::PositionAtTop);
    return true;
}

std::optional<int64_t> RolloutsView::selectedStep() const
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    if (rows.isEmpty())
        return std::nullopt;
    return m_model->stepOf(rows.front().row());
}

int RolloutsView::rowCount() const { return m_model->rowCount(); }

int RolloutsView::stepCount() const { return m_model->steps(); }

QString RolloutsView::cellText(int row, int column) const
{
    return m_model->data(m_model->index(row, column), Qt::DisplayRole).toString();
}

void RolloutsView::updateTitle()
{
    m_title->setText(tr("<b>Rollout samples</b> · %n step(s), %1 answers", nullptr, m_model->steps())
                         .arg(m_model->rowCount()));
}

} // namespace tb::ui
