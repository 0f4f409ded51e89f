// SPDX-License-Identifier: MIT
#include "core/io/yaml_limits.h"

#include "core/common/error.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <map>
#include <sstream>
#include <vector>

namespace tb::core {
namespace {

/// Adds up every scalar's bytes (plus one per node) as if each alias were a copy of what its anchor names.
class ExpansionCounter : public YAML::EventHandler {
public:
    explicit ExpansionCounter(const std::string& origin) : m_origin(origin) {}

    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { leaf(mark, anchor, 1); }
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override
    {
        const auto it = m_weight.find(anchor);
        add(mark, it == m_weight.end() ? 1 : it->second);
    }
    void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, const std::string& value) override
    {
        leaf(mark, anchor, static_cast<int64_t>(value.size()) + 1);
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value) override
    {
        start(mark, anchor);
    }
    void OnSequenceEnd() override { end(); }
    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, YAML::EmitterStyle::value) override
    {
        start(mark, anchor);
    }
    void OnMapEnd() override { end(); }

private:
    void add(const YAML::Mark& mark, int64_t bytes)
    {
        m_total += bytes;
        if (m_total > kMaxConfigExpandedBytes)
            throw InputError(m_origin, "",
                             "expands to more than " + std::to_string(kMaxConfigExpandedBytes >> 20) +
                                 " MiB once its aliases (*name) are filled in; a config that large is refused",
                             mark.line >= 0 ? mark.line + 1 : -1);
    }
    void leaf(const YAML::Mark& mark, YAML::anchor_t anchor, int64_t bytes)
    {
        add(mark, bytes);
        if (anchor != YAML::NullAnchor)
            m_weight[anchor] = bytes;
    }
    void start(const YAML::Mark& mark, YAML::anchor_t anchor)
    {
        add(mark, 1);
        m_open.push_back({anchor, m_total});
    }
    void end()
    {
        if (m_open.empty())
            return;
        const Open open = m_open.back();
        m_open.pop_back();
        if (open.anchor != YAML::NullAnchor)
            m_weight[open.anchor] = m_total - open.totalAtStart + 1;
    }

    struct Open {
        YAML::anchor_t anchor;
        int64_t totalAtStart;
    };
    const std::string& m_origin;
    int64_t m_total = 0;
    std::map<YAML::anchor_t, int64_t> m_weight; // expanded size of each anchored node
    std::vector<Open> m_open;
};

} // namespace

void checkYamlLimits(std::string_view text, const std::string& origin)
{
    if (static_cast<int64_t>(text.size()) > kMaxConfigBytes)
        throw InputError(origin, "",
                         "is " + std::to_string(text.size()) + " bytes; a config may have at most " +
                             std::to_string(kMaxConfigBytes >> 20) + " MiB");
    std::istringstream in{std::string(text)};
    ExpansionCounter counter(origin);
    try {
        YAML::Parser parser(in);
        while (parser.HandleNextDocument(counter)) {
        }
    } catch (const YAML::Exception&) {
        // Syntax errors are reported by the parse that follows, with its usual message.
    }
}

} // namespace tb::core
