#include "glia/error.hpp"

#include <new>

namespace glia {

ErrorKind classify_current_exception(std::string& msg) {
  try {
    throw;
  } catch (const FormatError& e) {
    msg = e.what();
    return ErrorKind::kFormat;
  } catch (const KeyError& e) {
    msg = e.what();
    return ErrorKind::kKey;
  } catch (const ValueError& e) {
    msg = e.what();
    return ErrorKind::kValue;
  } catch (const FileNotFound& e) {
    msg = e.what();
    return ErrorKind::kFileNotFound;
  } catch (const FileError& e) {
    msg = e.what();
    return ErrorKind::kFile;
  } catch (const BusyError& e) {
    msg = e.what();
    return ErrorKind::kBusy;
  } catch (const Cancelled& e) {
    msg = e.what();
    return ErrorKind::kCancelled;
  } catch (const std::bad_alloc&) {
    msg = "out of memory";
    return ErrorKind::kMemory;
  } catch (const std::length_error& e) {
    msg = std::string("too large: ") + e.what();
    return ErrorKind::kMemory;
  } catch (const std::exception& e) {
    msg = e.what();
    return ErrorKind::kGeneric;
  } catch (...) {
    msg = "unknown C++ exception";
    return ErrorKind::kGeneric;
  }
}

}  // namespace glia
