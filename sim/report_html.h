// simrun --report: one self-contained HTML page (inline CSS, SVG and a few lines of script): the
// policy x outcome matrix as a chart, predicted versus observed, the seed-style tables beside the
// seed study's numbers, and per trace the explanation with its graphs inline.
#pragma once

#include <string>
#include <vector>

#include "sim/prediction.h"

namespace oopsim::sim {

// Rendered graphs for each prediction (same order); an empty string shows the DOT source instead.
struct HtmlGraphs {
  std::vector<std::string> wait_for_svg;
  std::vector<std::string> propagation_svg;
};

std::string render_html(const std::vector<Prediction>& predictions, const HtmlGraphs& graphs);

}  // namespace oopsim::sim
