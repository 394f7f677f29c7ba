#include "models/restart_sets.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "models/table_rows.h"

namespace oopsim::models {

extern const char* const kBuiltinRestartSets;   // generated from models/restart_sets.txt
extern const char* const kBuiltinRestartSteps;  // and models/restart_steps.txt

namespace {

std::vector<std::string> list(const std::string& words) {
  std::vector<std::string> out;
  if (words == "-") return out;
  std::istringstream in(words);
  for (std::string w; std::getline(in, w, ',');)
    if (!w.empty()) out.push_back(w);
  return out;
}

bool contains(const std::vector<std::string>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// A non-negative number of ms, or nullopt.
std::optional<double> milliseconds(const std::string& word) {
  char* end = nullptr;
  double v = std::strtod(word.c_str(), &end);
  if (end == word.c_str() || *end != '\0' || !(v >= 0)) return std::nullopt;
  return v;
}

}  // namespace

bool RestartSet::has_module(std::string_view module) const {
  return contains(modules, module);
}
bool RestartSet::has_subsystem(std::string_view subsystem) const {
  return contains(subsystems, subsystem);
}
bool RestartSet::has_user(std::string_view workload) const {
  return contains(users, workload);
}

double RestartDurations::until(RestartStep step) const {
  double sum = 0;
  for (std::size_t i = 0; i <= static_cast<std::size_t>(step); ++i) sum += ms[i];
  return sum;
}

const RestartSets& RestartSets::builtin() {
  static const RestartSets sets = [] {
    RestartSets s;
    std::string error;
    if (!s.add_rows(kBuiltinRestartSets, "models/restart_sets.txt", error) ||
        !s.add_steps(kBuiltinRestartSteps, "models/restart_steps.txt", error))
      throw std::logic_error(error);
    return s;
  }();
  return sets;
}

bool RestartSets::add_rows(std::string_view text, std::string_view source, std::string& error) {
  return read_table_rows(
      text, source,
      [&](const std::vector<std::string>& w) -> std::string {
        if (w.size() != 4) return "expected '<set> <modules> <subsystems> <users>'";
        if (named(w[0])) return "set " + w[0] + " twice";
        sets_.push_back({w[0], list(w[1]), list(w[2]), list(w[3]), std::nullopt, std::nullopt});
        return "";
      },
      error);
}

bool RestartSets::add_steps(std::string_view text, std::string_view source, std::string& error) {
  return read_table_rows(
      text, source,
      [&](const std::vector<std::string>& w) -> std::string {
        if (w.size() != 3 + kRestartSteps)
          return "expected '<set> <complete|incomplete> <restarts> <6 step medians in ms>'";
        auto it = std::find_if(sets_.begin(), sets_.end(),
                               [&](const RestartSet& s) { return s.name == w[0]; });
        if (it == sets_.end()) return "no set " + w[0] + " in restart_sets.txt";
        if (w[1] != "complete" && w[1] != "incomplete") return "kind is complete or incomplete";
        RestartDurations d;
        d.restarts = std::atoi(w[2].c_str());
        if (d.restarts <= 0) return "restarts must be a positive count";
        for (std::size_t i = 0; i < kRestartSteps; ++i) {
          auto v = milliseconds(w[3 + i]);
          if (!v) return "'" + w[3 + i] + "' is not a duration in ms";
          d.ms[i] = *v;
        }
        (w[1] == "complete" ? it->complete : it->incomplete) = d;
        return "";
      },
      error);
}

const RestartSet* RestartSets::for_module(std::string_view module) const {
  for (const RestartSet& s : sets_)
    if (s.has_module(module)) return &s;
  return nullptr;
}

const RestartSet* RestartSets::for_workload(std::string_view workload) const {
  for (const RestartSet& s : sets_)
    if (s.has_user(workload)) return &s;
  return nullptr;
}

const RestartSet* RestartSets::named(std::string_view name) const {
  for (const RestartSet& s : sets_)
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace oopsim::models
