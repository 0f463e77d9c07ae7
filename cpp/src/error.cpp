#include "glia/error.hpp"

#include <new>

namespace glia {

ErrorKind classify_current_exception(std::string& msg) {
  try {
    throw;
  } catch (const Error& e) {
    msg = e.what();
    return e.kind();
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
