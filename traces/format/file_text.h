// Whole files read into memory (run outputs, kallsyms, consoles): small helpers shared by the
// tools that read them.
#pragma once

#include <string>

namespace oopsim::traces {

// The whole file; false when it cannot be opened.
bool read_file_text(const std::string& path, std::string& out);
// Writes the whole file; false on failure.
bool write_file_text(const std::string& path, const std::string& text);

}  // namespace oopsim::traces
