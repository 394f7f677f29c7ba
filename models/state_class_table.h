// The state-class table: kernel state types -> class (pointer, checked, plain), kept as data so
// that users can extend it (models/state_classes.txt is built in; more rows come from a file).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "models/kernel_model.h"
#include "models/outcome.h"

namespace oopsim::models {

class StateClassTable {
 public:
  // The table in models/state_classes.txt.
  static const StateClassTable& builtin();

  // Adds rows ("<type> <class>" per line, '#' comments). Returns false with `error` naming the
  // source and line of the first bad row.
  bool add_rows(std::string_view text, std::string_view source, std::string& error);
  std::optional<ObjectClass> find(std::string_view type) const;
  std::size_t size() const { return rows_.size(); }

 private:
  std::map<std::string, ObjectClass, std::less<>> rows_;
};

std::optional<ObjectClass> parse_object_class(std::string_view text);
// What a context that reads corrupted state of this class suffers.
Outcome reader_outcome(ObjectClass cls);

}  // namespace oopsim::models
