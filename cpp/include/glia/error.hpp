// Error types thrown by the engine; the Python layer maps each kind to a Python exception.
#pragma once
#include <stdexcept>
#include <string>

namespace glia {

/// The kind of an engine error: one per Python exception it maps to.
enum class ErrorKind : int {
  kGeneric = 0,       ///< RuntimeError
  kFormat = 1,        ///< glia.FormatError
  kKey = 2,           ///< KeyError
  kValue = 3,         ///< ValueError
  kFile = 4,          ///< OSError
  kFileNotFound = 5,  ///< FileNotFoundError
  kBusy = 6,          ///< RuntimeError
  kCancelled = 7,     ///< the pending Python error (KeyboardInterrupt if none)
  kMemory = 8,        ///< MemoryError
  kBuffer = 9,        ///< BufferError
};

/// Base of every error the engine throws; its kind names the Python exception.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what, ErrorKind kind = ErrorKind::kGeneric)
      : std::runtime_error(what), kind_(kind) {}
  ErrorKind kind() const noexcept { return kind_; }

 private:
  ErrorKind kind_;
};
/// A malformed file or line (maps to glia.FormatError, a ValueError).
class FormatError : public Error {
 public:
  explicit FormatError(const std::string& what) : Error(what, ErrorKind::kFormat) {}
};
/// An unknown neuron id (maps to KeyError).
class KeyError : public Error {
 public:
  explicit KeyError(const std::string& what) : Error(what, ErrorKind::kKey) {}
};
/// A bad argument: shape, length, range (maps to ValueError).
class ValueError : public Error {
 public:
  explicit ValueError(const std::string& what) : Error(what, ErrorKind::kValue) {}
};
/// A missing or unreadable file (maps to OSError).
class FileError : public Error {
 public:
  explicit FileError(const std::string& what, ErrorKind kind = ErrorKind::kFile) : Error(what, kind) {}
};
/// A file that does not exist (maps to FileNotFoundError).
class FileNotFound : public FileError {
 public:
  explicit FileNotFound(const std::string& what) : FileError(what, ErrorKind::kFileNotFound) {}
};
/// An instance used from two threads at once (maps to RuntimeError).
class BusyError : public Error {
 public:
  explicit BusyError(const std::string& what) : Error(what, ErrorKind::kBusy) {}
};
/// A structural change of a network while views of its arrays are open (Network::pin).
class BufferError : public Error {
 public:
  explicit BufferError(const std::string& what) : Error(what, ErrorKind::kBuffer) {}
};
/// A hook asked a long loop to stop (the Python error it set is kept).
class Cancelled : public Error {
 public:
  explicit Cancelled(const std::string& what) : Error(what, ErrorKind::kCancelled) {}
};

/// Must be called inside a catch block: rethrows the current exception, classifies it and
/// stores its message in `msg`.
ErrorKind classify_current_exception(std::string& msg);

}  // namespace glia
