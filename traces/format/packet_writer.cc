#include "traces/format/packet_writer.h"

#include <fcntl.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "traces/format/text_format.h"
#include "traces/format/time_delta_codec.h"

namespace oopsim::traces {

namespace {

namespace io = google::protobuf::io;

class FdWriterBase : public PacketWriter {
 protected:
  FdWriterBase(int fd, std::string path) : fd_(fd), path_(std::move(path)), stream_(fd) {}
  ~FdWriterBase() override {
    if (fd_ > 1) ::close(fd_);
  }
  bool io_fail(std::string what) {
    error_ = TraceError{ErrorKind::kIo, path_, packets_, 0, 0, std::move(what)};
    return false;
  }
  bool finish_stream() {
    if (!stream_.Flush())
      return io_fail(std::string("write failed: ") + std::strerror(stream_.GetErrno()));
    if (fd_ > 1) {
      int fd = fd_;
      fd_ = -1;
      if (::close(fd) != 0) return io_fail(std::string("close failed: ") + std::strerror(errno));
    }
    return true;
  }
  int fd_;
  std::string path_;
  io::FileOutputStream stream_;
  std::uint64_t packets_ = 0;
};

class BinaryWriter : public FdWriterBase {
 public:
  BinaryWriter(int fd, std::string path)
      : FdWriterBase(fd, std::move(path)),
        coded_(std::make_unique<io::CodedOutputStream>(&stream_)) {}
  bool write(const trace::TracePacket& packet) override {
    if (error_) return false;
    ++packets_;
    const trace::TracePacket& stored = times_.encode(packet);
    std::size_t size = stored.ByteSizeLong();
    coded_->WriteVarint32(static_cast<std::uint32_t>(size));
    stored.SerializeWithCachedSizes(coded_.get());
    if (coded_->HadError())
      return io_fail(std::string("write failed: ") + std::strerror(stream_.GetErrno()));
    return true;
  }
  bool close() override {
    if (error_) return false;
    coded_.reset();  // hands its buffer back to the stream
    return finish_stream();
  }

 private:
  std::unique_ptr<io::CodedOutputStream> coded_;
  TimeDeltaCodec times_;  // version 2 stores event times as deltas
};

class TextWriter : public FdWriterBase {
 public:
  TextWriter(int fd, std::string path) : FdWriterBase(fd, std::move(path)) {}
  bool write(const trace::TracePacket& packet) override {
    if (error_) return false;
    ++packets_;
    std::string what;
    if (!print_text_line(packet, line_, what)) {
      error_ = TraceError{ErrorKind::kData, path_, packets_, 0, 0, what};
      return false;
    }
    line_ += '\n';
    void* data = nullptr;
    int size = 0;
    std::size_t done = 0;
    while (done < line_.size()) {
      if (!stream_.Next(&data, &size))
        return io_fail(std::string("write failed: ") + std::strerror(stream_.GetErrno()));
      std::size_t n = std::min(static_cast<std::size_t>(size), line_.size() - done);
      std::memcpy(data, line_.data() + done, n);
      done += n;
      if (n < static_cast<std::size_t>(size))
        stream_.BackUp(static_cast<int>(static_cast<std::size_t>(size) - n));
    }
    return true;
  }
  bool close() override { return error_ ? false : finish_stream(); }

 private:
  std::string line_;
};

}  // namespace

std::unique_ptr<PacketWriter> create_trace_writer(const std::string& path, TraceForm form,
                                                  TraceError& error) {
  int fd = 1;
  if (path != "-") {
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      error = TraceError{ErrorKind::kIo, path, 0, 0, 0, std::strerror(errno)};
      return nullptr;
    }
  }
  std::string name = path == "-" ? std::string("<stdout>") : path;
  if (form == TraceForm::kBinary) return std::make_unique<BinaryWriter>(fd, name);
  return std::make_unique<TextWriter>(fd, name);
}

}  // namespace oopsim::traces
