#include "sim/report_summary.h"

#include <algorithm>
#include <set>

namespace oopsim::sim {

ReportSummary summarize_predictions(const std::vector<Prediction>& predictions) {
  ReportSummary s;
  std::set<std::string> traces_seen;
  for (const Prediction& p : predictions) {
    if (std::find(s.policies.begin(), s.policies.end(), p.policy) == s.policies.end()) {
      s.policies.push_back(p.policy);
    }
    PolicySummary& ps = s.by_policy[p.policy];
    ps.policy = p.policy;
    std::string code = p.fault && !p.fault->module.empty() ? "modules" : "vmlinux";
    PolicySummary& pc = s.by_code[code][p.policy];
    pc.policy = p.policy;
    for (const WorkloadPrediction& w : p.workloads) {
      ++pc.outcomes[w.predicted.outcome];
      if (w.observed) {
        ++pc.compared;
        if (w.observed->outcome == w.predicted.outcome) ++pc.agreed;
      }
      ++ps.reactions[p.scope][w.predicted.outcome];
      ++ps.outcomes[w.predicted.outcome];
      if (w.observed) {
        ++ps.compared;
        if (w.observed->outcome == w.predicted.outcome) ++ps.agreed;
        ++ps.confusion[w.predicted.outcome][w.observed->outcome];
      }
    }
    if (traces_seen.insert(p.trace).second) {
      ++s.traces;
      if (p.fault) ++s.crashes[p.fault->type][p.scope];
      if (p.fault) ++s.crashes_by_code[code][p.fault->type];
    }
  }
  return s;
}

}  // namespace oopsim::sim
