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

/// Kinds returned by classify_current_exception().
enum ErrorKind : int {
  kGeneric = 0,
  kFormat = 1,
  kKey = 2,
  kValue = 3,
  kFile = 4,
  kBusy = 5,
  kCancelled = 6,
  kMemory = 7,
};

/// Must be called inside a catch block: rethrows the current exception, classifies it,
/// stores its message in `msg` and returns its ErrorKind.
int classify_current_exception(std::string& msg);

}  // namespace glia
