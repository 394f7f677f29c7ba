// Compression of trace files into .xz (liblzma), for the bundled corpus: the readers open them
// as they lie (xz_decoder.h).
#pragma once

#include <string>

namespace oopsim::traces {

// Compresses `in` into `out` (written atomically through a temporary); false and `error`.
bool xz_compress_file(const std::string& in, const std::string& out, int preset,
                      std::string& error);

}  // namespace oopsim::traces
