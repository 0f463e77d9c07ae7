// Error types thrown by the engine; the Python layer maps each kind to a Python exception.
#pragma once
#include <stdexcept>
#include <string>

namespace glia {

/// Base of every error the engine throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
/// A malformed file or line (maps to glia.FormatError, a ValueError).
class FormatError : public Error {
 public:
  using Error::Error;
};
/// An unknown neuron id (maps to KeyError).
class KeyError : public Error {
 public:
  using Error::Error;
};
/// A bad argument: shape, length, range (maps to ValueError).
class ValueError : public Error {
 public:
  using Error::Error;
};
/// A missing or unreadable file (maps to FileNotFoundError / OSError).
class FileError : public Error {
 public:
  using Error::Error;
};
/// A file that does not exist (maps to FileNotFoundError).
class FileNotFound : public FileError {
 public:
  using FileError::FileError;
};
/// An instance used from two threads at once (maps to RuntimeError).
class BusyError : public Error {
 public:
  using Error::Error;
};
/// A hook asked a long loop to stop (the Python error it set is kept).
class Cancelled : public Error {
 public:
  using Error::Error;
};

/// What classify_current_exception() found: one kind per Python exception it maps to.
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
};

/// Must be called inside a catch block: rethrows the current exception, classifies it and
/// stores its message in `msg`.
ErrorKind classify_current_exception(std::string& msg);

}  // namespace glia
