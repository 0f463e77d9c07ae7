#include "glia/error.hpp"

#include <new>

namespace glia {

int classify_current_exception(std::string& msg) {
  try {
    throw;
  } catch (const FormatError& e) {
    msg = e.what();
    return kFormat;
  } catch (const KeyError& e) {
    msg = e.what();
    return kKey;
  } catch (const ValueError& e) {
    msg = e.what();
    return kValue;
  } catch (const FileError& e) {
    msg = e.what();
    return kFile;
  } catch (const BusyError& e) {
    msg = e.what();
    return kBusy;
  } catch (const Cancelled& e) {
    msg = e.what();
    return kCancelled;
  } catch (const std::bad_alloc&) {
    msg = "out of memory";
    return kMemory;
  } catch (const std::length_error& e) {
    msg = std::string("too large: ") + e.what();
    return kMemory;
  } catch (const std::exception& e) {
    msg = e.what();
    return kGeneric;
  } catch (...) {
    msg = "unknown C++ exception";
    return kGeneric;
  }
}

}  // namespace glia
