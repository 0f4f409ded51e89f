// SPDX-License-Identifier: MIT
#include "core/store/vote_store.h"

#include "core/common/atomic_file.h"
#include "core/common/error.h"
#include "core/common/json_text.h"
#include "core/common/rng.h"
#include "core/common/utf8.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <random>
#include <set>
#include <unistd.h>

namespace tb::core {
namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

constexpr Verdict kVerdicts[] = {Verdict::Left, Verdict::Right, Verdict::Tie, Verdict::BothBad, Verdict::Skip};

/// A field that is missing or of the wrong type ends the line's parse with this.
struct FieldError {
    std::string field;
    std::string message;
};

const Json& member(const Json& object, const std::string& key, const std::string& field)
{
    const auto it = object.find(key);
    if (it == object.end())
        throw FieldError{field, "missing"};
    return *it;
}

std::string stringField(const Json& object, const std::string& key, const std::string& prefix = {})
{
    const Json& v = member(object, key, prefix + key);
    if (!v.is_string())
        throw FieldError{prefix + key, std::string("expected a string, got ") + v.type_name()};
    return v.get<std::string>();
}

double numberField(const Json& object, const std::string& key, const std::string& prefix)
{
    const Json& v = member(object, key, prefix + key);
    if (!v.is_number())
        throw FieldError{prefix + key, std::string("expected a number, got ") + v.type_name()};
    return v.get<double>();
}

int64_t integerField(const Json& object, const std::string& key, const std::string& prefix)
{
    const Json& v = member(object, key, prefix + key);
    if (!v.is_number_integer())
        throw FieldError{prefix + key, std::string("expected an integer, got ") + v.type_name()};
    return v.get<int64_t>();
}

bool boolField(const Json& object, const std::string& key, const std::string& prefix)
{
    const Json& v = member(object, key, prefix + key);
    if (!v.is_boolean())
        throw FieldError{prefix + key, std::string("expected true or false, got ") + v.type_name()};
    return v.get<bool>();
}

/// An optional non-negative integer (a field added later, absent from older lines).
std::optional<int64_t> optionalCount(const Json& object, const std::string& key, const std::string& prefix)
{
    if (!object.contains(key))
        return std::nullopt;
    const int64_t value = integerField(object, key, prefix);
    if (value < 0)
        throw FieldError{prefix + key, "must not be negative"};
    return value;
}

const Json& objectField(const Json& object, const std::string& key)
{
    const Json& v = member(object, key, key);
    if (!v.is_object())
        throw FieldError{key, std::string("expected an object, got ") + v.type_name()};
    return v;
}

Json modelJson(const VoteModel& m)
{
    Json j = {{"run", m.run},   {"name", m.name},   {"path", m.path},          {"checkpoint", m.checkpoint},
              {"step", m.step}, {"prompt_text", m.promptText}, {"output", m.output},
              {"output_chars", m.outputChars()}};
    if (m.outputTokens)
        j["output_tokens"] = *m.outputTokens;
    return j;
}

VoteModel parseModel(const Json& j, const std::string& key)
{
    const Json& o = objectField(j, key);
    const std::string p = key + ".";
    VoteModel m;
    m.run = stringField(o, "run", p);
    if (m.run.empty())
        throw FieldError{p + "run", "must not be empty"};
    m.name = stringField(o, "name", p);
    m.path = stringField(o, "path", p);
    m.checkpoint = stringField(o, "checkpoint", p);
    m.step = integerField(o, "step", p);
    m.promptText = stringField(o, "prompt_text", p);
    m.output = stringField(o, "output", p);
    optionalCount(o, "output_chars", p); // checked, but always recomputed from the output (outputChars())
    m.outputTokens = optionalCount(o, "output_tokens", p);
    return m;
}

Vote parseVote(const Json& j)
{
    Vote v;
    v.id = stringField(j, "id");
    if (v.id.empty())
        throw FieldError{"id", "must not be empty"};
    v.time = stringField(j, "time");
    v.prompt = stringField(j, "prompt");
    v.a = parseModel(j, "a");
    v.b = parseModel(j, "b");
    const std::string left = stringField(j, "left");
    if (left != "a" && left != "b")
        throw FieldError{"left", "must be \"a\" or \"b\", got \"" + left + "\""};
    v.aLeft = left == "a";
    const Json& s = objectField(j, "sampling");
    const Json& seed = member(s, "seed", "sampling.seed");
    if (!seed.is_number_unsigned())
        throw FieldError{"sampling.seed", "expected a non-negative integer"};
    v.sampling.seed = seed.get<uint64_t>();
    v.sampling.temperature = numberField(s, "temperature", "sampling.");
    v.sampling.topK = integerField(s, "top_k", "sampling.");
    v.sampling.topP = numberField(s, "top_p", "sampling.");
    v.sampling.maxNewTokens = integerField(s, "max_new_tokens", "sampling.");
    v.sampling.repetitionPenalty = numberField(s, "repetition_penalty", "sampling.");
    v.sampling.greedy = boolField(s, "greedy", "sampling.");
    v.sampling.chatTemplate = boolField(s, "chat_template", "sampling.");
    const std::string verdict = stringField(j, "verdict");
    const auto parsed = parseVerdict(verdict);
    if (!parsed)
        throw FieldError{"verdict", "must be one of left, right, tie, both_bad, skip; got \"" + verdict + "\""};
    v.verdict = *parsed;
    if (j.contains("note"))
        v.note = stringField(j, "note");
    // Added with the bias statistics; older lines have none of them.
    if (j.contains("annotator"))
        v.annotator = stringField(j, "annotator");
    v.timeToVoteMs = optionalCount(j, "time_to_vote_ms", "");
    if (j.contains("repeat_of"))
        v.repeatOf = stringField(j, "repeat_of");
    return v;
}

std::string errnoText() { return std::strerror(errno); }

} // namespace

std::string_view verdictName(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Left: return "left";
    case Verdict::Right: return "right";
    case Verdict::Tie: return "tie";
    case Verdict::BothBad: return "both_bad";
    case Verdict::Skip: return "skip";
    }
    return "skip";
}

std::optional<Verdict> parseVerdict(std::string_view name)
{
    for (Verdict v : kVerdicts)
        if (verdictName(v) == name)
            return v;
    return std::nullopt;
}

int64_t VoteModel::outputChars() const
{
    int64_t n = 0;
    for (size_t pos = 0; pos < output.size(); pos += decodeUtf8(output, pos).length)
        ++n;
    return n;
}

std::optional<std::pair<const VoteModel*, const VoteModel*>> Vote::winnerLoser() const
{
    if (verdict == Verdict::Left)
        return std::make_pair(&left(), &right());
    if (verdict == Verdict::Right)
        return std::make_pair(&right(), &left());
    return std::nullopt;
}

std::string VoteProblem::describe() const
{
    std::string out = fs::path(file).filename().string() + ": line " + std::to_string(line) + ": ";
    if (!field.empty())
        out += "field \"" + field + "\": ";
    return out + message;
}

std::vector<Vote> VoteLog::active() const
{
    std::vector<Vote> out;
    for (const Vote& v : votes)
        if (!v.retracted)
            out.push_back(v);
    return out;
}

std::string utcTimeMillis()
{
    const auto now = std::chrono::system_clock::now();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buf[40];
    const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%03dZ", int(millis));
    return buf;
}

std::string newVoteId()
{
    static thread_local std::mt19937 rng{std::random_device{}()};
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    char buf[40];
    std::snprintf(buf, sizeof buf, "%llx-%08x", static_cast<unsigned long long>(millis), unsigned(rng()));
    return buf;
}

std::string voteLine(const Vote& v)
{
    Json j = {{"type", "vote"},
              {"id", v.id},
              {"time", v.time},
              {"prompt", v.prompt},
              {"a", modelJson(v.a)},
              {"b", modelJson(v.b)},
              {"left", v.aLeft ? "a" : "b"},
              {"sampling",
               {{"seed", v.sampling.seed},
                {"temperature", v.sampling.temperature},
                {"top_k", v.sampling.topK},
                {"top_p", v.sampling.topP},
                {"max_new_tokens", v.sampling.maxNewTokens},
                {"repetition_penalty", v.sampling.repetitionPenalty},
                {"greedy", v.sampling.greedy},
                {"chat_template", v.sampling.chatTemplate}}},
              {"verdict", verdictName(v.verdict)}};
    if (!v.note.empty())
        j["note"] = v.note;
    if (!v.annotator.empty())
        j["annotator"] = v.annotator;
    if (v.timeToVoteMs)
        j["time_to_vote_ms"] = *v.timeToVoteMs;
    if (!v.repeatOf.empty())
        j["repeat_of"] = v.repeatOf;
    // Invalid UTF-8 (a model can emit a partial character) is replaced rather than refused: a vote is never lost.
    return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

VoteStore::VoteStore(fs::path file) : m_file(std::move(file)) {}

VoteStore VoteStore::forProject(const fs::path& projectDir) { return VoteStore(projectDir / "votes.jsonl"); }

void VoteStore::appendLine(const std::string& line) const
{
    if (!m_file.parent_path().empty())
        fs::create_directories(m_file.parent_path());
    const int fd = ::open(m_file.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        throw Error("cannot open " + m_file.string() + ": " + errnoText());
    std::string buf;
    buf.reserve(line.size() + 2);
    // A torn last line (a kill mid-write) must not swallow this one: start on a fresh line.
    const off_t size = ::lseek(fd, 0, SEEK_END);
    char last = '\n';
    if (size > 0 && ::pread(fd, &last, 1, size - 1) == 1 && last != '\n')
        buf.push_back('\n');
    buf += line;
    buf.push_back('\n');
    try {
        writeAll(fd, buf.data(), buf.size(), m_file); // one write() for a line of any sane length
        if (::fsync(fd) != 0)
            throw Error("cannot flush " + m_file.string() + ": " + errnoText());
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
    if (size == 0) {
        // A new file: make its directory entry durable too.
        const int dir = ::open(m_file.parent_path().empty() ? "." : m_file.parent_path().c_str(),
                               O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir >= 0) {
            ::fsync(dir);
            ::close(dir);
        }
    }
}

Vote VoteStore::append(Vote vote) const
{
    if (vote.id.empty())
        vote.id = newVoteId();
    if (vote.time.empty())
        vote.time = utcTimeMillis();
    vote.retracted = false;
    appendLine(voteLine(vote));
    return vote;
}

void VoteStore::retract(const std::string& voteId) const
{
    const Json j = {{"type", "retract"}, {"id", newVoteId()}, {"time", utcTimeMillis()}, {"vote", voteId}};
    appendLine(j.dump());
}

VoteLog VoteStore::read() const
{
    VoteLog log;
    std::error_code ec;
    if (!fs::exists(m_file, ec))
        return log;
    const std::string text = readFile(m_file);
    std::map<std::string, size_t> byId;
    std::set<std::string> retracted;
    size_t pos = 0;
    int64_t lineNo = 0;
    while (pos < text.size()) {
        ++lineNo;
        const size_t end = text.find('\n', pos);
        const bool complete = end != std::string::npos;
        const std::string line = text.substr(pos, complete ? end - pos : std::string::npos);
        pos = complete ? end + 1 : text.size();
        if (line.find_first_not_of(" \t\r") == std::string::npos)
            continue;
        auto problem = [&](std::string field, std::string message) {
            VoteProblem p{m_file.string(), lineNo, std::move(field), std::move(message), false};
            if (!complete) {
                p.tornTail = true;
                p.message = "incomplete last line (the app was stopped while writing it); ignored";
                p.field.clear();
            }
            log.problems.push_back(std::move(p));
        };
        Json j;
        try {
            j = Json::parse(line);
        } catch (const Json::exception& e) { // parse_error, or out_of_range for a number such as 1e999999
            if (const auto overflow = findJsonNumberOverflow(e.what(), line))
                problem(overflow->key, describeJsonNumberOverflow(*overflow));
            else
                problem({}, "not valid JSON: " + jsonErrorDetail(e.what()));
            continue;
        }
        if (!j.is_object()) {
            problem({}, "expected a JSON object");
            continue;
        }
        try {
            const std::string type = stringField(j, "type");
            if (type == "retract") {
                const std::string target = stringField(j, "vote");
                if (!byId.count(target))
                    throw FieldError{"vote", "names no earlier vote (\"" + target + "\")"};
                retracted.insert(target);
                ++log.retractions;
            } else if (type == "vote") {
                Vote v = parseVote(j);
                if (byId.count(v.id))
                    throw FieldError{"id", "repeats the vote of line " +
                                               std::to_string(log.votes[byId[v.id]].line)};
                v.line = lineNo;
                byId[v.id] = log.votes.size();
                log.votes.push_back(std::move(v));
            } else {
                throw FieldError{"type", "must be \"vote\" or \"retract\", got \"" + type + "\""};
            }
        } catch (const FieldError& e) {
            problem(e.field, e.message);
        } catch (const Json::exception& e) {
            problem({}, e.what());
        }
    }
    for (Vote& v : log.votes)
        v.retracted = retracted.count(v.id) > 0;
    return log;
}

namespace {

/// Keeps an equal number of the pairs where `has` is true and where it is false (all of those where it is
/// nullopt), dropping a random choice of the larger group; returns how many it dropped.
template <class Has>
int64_t balance(std::vector<const Vote*>& pairs, Has has, SplitMix64& rng)
{
    std::vector<size_t> yes, no;
    for (size_t i = 0; i < pairs.size(); ++i)
        if (const std::optional<bool> h = has(*pairs[i]))
            (*h ? yes : no).push_back(i);
    std::vector<size_t>& larger = yes.size() > no.size() ? yes : no;
    const size_t excess = larger.size() - std::min(yes.size(), no.size());
    // A partial Fisher-Yates shuffle picks which `excess` of the larger group go.
    for (size_t i = 0; i < excess; ++i)
        std::swap(larger[i], larger[i + rng.below(larger.size() - i)]);
    std::vector<bool> drop(pairs.size(), false);
    for (size_t i = 0; i < excess; ++i)
        drop[larger[i]] = true;
    std::vector<const Vote*> kept;
    for (size_t i = 0; i < pairs.size(); ++i)
        if (!drop[i])
            kept.push_back(pairs[i]);
    pairs = std::move(kept);
    return int64_t(excess);
}

/// The longer and the shorter output's length in characters, each plus one (an empty output has a finite ratio).
double lengthRatio(const VoteModel& x, const VoteModel& y)
{
    const double cx = double(x.outputChars()) + 1.0, cy = double(y.outputChars()) + 1.0;
    return std::max(cx, cy) / std::min(cx, cy);
}

} // namespace

PreferenceExport exportPreferences(const std::vector<Vote>& votes, const fs::path& out,
                                   const PreferenceExportOptions& options)
{
    if (options.maxLengthRatio != 0.0 && !(options.maxLengthRatio >= 1.0))
        throw InputError(out.string(), "max_length_ratio",
                         "must be at least 1 (the longer output's length over the shorter's), or 0 for no limit");
    PreferenceExport result;
    std::vector<const Vote*> pairs;
    for (const Vote& v : votes) {
        if (v.retracted) {
            ++result.retracted;
            continue;
        }
        const auto wl = v.winnerLoser();
        if (!wl) {
            ++result.notDecisive;
            continue;
        }
        if (wl->first->output == wl->second->output) {
            ++result.identical;
            continue;
        }
        if (options.maxLengthRatio > 0.0 && lengthRatio(*wl->first, *wl->second) > options.maxLengthRatio) {
            ++result.droppedLengthRatio;
            continue;
        }
        pairs.push_back(&v);
    }
    SplitMix64 rng(options.seed);
    if (options.balanceSides)
        result.droppedSideBalance =
            balance(pairs, [](const Vote& v) { return std::optional<bool>(v.verdict == Verdict::Left); }, rng);
    if (options.balanceLength)
        result.droppedLengthBalance = balance(
            pairs,
            [](const Vote& v) -> std::optional<bool> {
                const auto wl = v.winnerLoser();
                const int64_t chosen = wl->first->outputChars(), rejected = wl->second->outputChars();
                if (chosen == rejected)
                    return std::nullopt;
                return chosen > rejected;
            },
            rng);
    std::string text;
    for (const Vote* v : pairs) {
        const auto wl = v->winnerLoser();
        const Json j = {{"prompt", v->prompt}, {"chosen", wl->first->output}, {"rejected", wl->second->output}};
        text += j.dump(-1, ' ', false, Json::error_handler_t::replace);
        text += '\n';
        ++result.pairs;
    }
    writeFileAtomically(out, text);
    return result;
}

std::optional<double> PairTally::aWinRate() const
{
    const int64_t n = aWins + bWins + ties;
    if (n == 0)
        return std::nullopt;
    return (double(aWins) + 0.5 * double(ties)) / double(n);
}

VoteSummary summarizeVotes(const std::vector<Vote>& votes)
{
    VoteSummary s;
    std::map<std::pair<std::string, std::string>, PairTally> pairs;
    std::map<std::string, ModelRating> models;
    for (const Vote& v : votes) {
        if (v.retracted) {
            ++s.retracted;
            continue;
        }
        ++s.votes;
        for (const VoteModel* m : {&v.a, &v.b}) {
            ModelRating& r = models[m->run];
            r.run = m->run;
            r.name = m->name.empty() ? m->run : m->name;
        }
        if (v.a.run == v.b.run)
            continue; // a model against itself says nothing about either
        const bool aFirst = v.a.run < v.b.run;
        const VoteModel& first = aFirst ? v.a : v.b;
        const VoteModel& second = aFirst ? v.b : v.a;
        PairTally& t = pairs[{first.run, second.run}];
        t.a = first.run;
        t.b = second.run;
        switch (v.verdict) {
        case Verdict::Left:
        case Verdict::Right: {
            const auto wl = v.winnerLoser();
            (wl->first->run == t.a ? t.aWins : t.bWins)++;
            ++models[wl->first->run].wins;
            ++models[wl->second->run].losses;
            (v.verdict == Verdict::Left ? s.leftWins : s.rightWins)++;
            break;
        }
        case Verdict::Tie:
            ++t.ties;
            ++models[t.a].ties;
            ++models[t.b].ties;
            break;
        case Verdict::BothBad: ++t.bothBad; break;
        case Verdict::Skip: ++t.skips; break;
        }
    }
    for (auto& [key, t] : pairs)
        s.pairs.push_back(t);

    // Bradley-Terry by minorization-maximization: p_i <- W_i / sum_j n_ij / (p_i + p_j), where W_i counts wins plus
    // half the ties, and each pair that met gets one extra virtual tie (half a win each, one more game).
    std::vector<std::string> names;
    std::map<std::string, size_t> index;
    for (const PairTally& t : s.pairs)
        for (const std::string& run : {t.a, t.b})
            if (!index.count(run)) {
                index[run] = names.size();
                names.push_back(run);
            }
    const size_t n = names.size();
    std::vector<double> wins(n, 0.0), p(n, 1.0);
    std::vector<std::vector<double>> games(n, std::vector<double>(n, 0.0));
    for (const PairTally& t : s.pairs) {
        const size_t i = index[t.a], j = index[t.b];
        const double played = double(t.aWins + t.bWins + t.ties) + 1.0;
        games[i][j] += played;
        games[j][i] += played;
        wins[i] += double(t.aWins) + 0.5 * double(t.ties) + 0.5;
        wins[j] += double(t.bWins) + 0.5 * double(t.ties) + 0.5;
    }
    for (int iteration = 0; iteration < 10000 && n > 0; ++iteration) {
        std::vector<double> next(n);
        double logSum = 0.0;
        for (size_t i = 0; i < n; ++i) {
            double denominator = 0.0;
            for (size_t j = 0; j < n; ++j)
                if (j != i && games[i][j] > 0)
                    denominator += games[i][j] / (p[i] + p[j]);
            next[i] = wins[i] / denominator;
            logSum += std::log(next[i]);
        }
        const double scale = std::exp(logSum / double(n)); // geometric mean 1: ratings have mean 0
        double change = 0.0;
        for (size_t i = 0; i < n; ++i) {
            next[i] /= scale;
            change = std::max(change, std::abs(next[i] - p[i]));
        }
        p = std::move(next);
        if (change < 1e-12)
            break;
    }
    for (size_t i = 0; i < n; ++i)
        models[names[i]].rating = 400.0 * std::log10(p[i]);
    for (auto& [run, r] : models)
        s.models.push_back(r);
    std::stable_sort(s.models.begin(), s.models.end(),
                     [](const ModelRating& x, const ModelRating& y) { return x.rating > y.rating; });
    return s;
}

} // namespace tb::core
