// Whole-file reads and atomic writes, shared by every file the engine writes.
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "glia/error.hpp"
#include "glia/io.hpp"
#include "glia/limits.hpp"

namespace glia {

double physical_memory_bytes() noexcept {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<double>(pages) * static_cast<double>(page) : 0.0;
}

std::string read_file(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) throw FileNotFound("No such file: '" + path + "'");
    throw FileError("cannot open '" + path + "': " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) throw FileError("'" + path + "' is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError("cannot open '" + path + "': " + std::strerror(errno));
  // straight into a string of the file's size (a stream copy would hold it two or three
  // times over); a file that grows meanwhile is read to its end
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  in.read(&text[0], static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (in) {
    char buf[65536];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) text.append(buf, static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw FileError("cannot read '" + path + "': " + std::strerror(errno));
  return text;
}

namespace {

std::atomic<std::uint64_t> g_tmp_counter{0};

/// Writes all of `text` to `fd`; returns 0 or the errno of the failure.
int write_all(int fd, const std::string& text) {
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    ssize_t w = ::write(fd, p, left);
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    p += w;
    left -= static_cast<std::size_t>(w);
  }
  return 0;
}

std::string parent_dir(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

void rename_over(const std::string& tmp, const std::string& path) {
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw FileError("cannot replace '" + path + "': " + std::strerror(err));
  }
}

}  // namespace

void write_file_atomic(const std::string& path, const std::string& text) {
  // unique per process and call (the counter is shared by threads saving at once)
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." +
                          std::to_string(g_tmp_counter.fetch_add(1) + 1);
#ifdef O_TMPFILE
  // Linux: write an unnamed file in the target's folder, then give it a name and rename it
  // over the target. A process killed while writing leaves nothing behind.
  {
    int fd = ::open(parent_dir(path).c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
    if (fd >= 0) {
      int err = write_all(fd, text);
      if (err == 0 && ::fsync(fd) != 0) err = errno;
      bool linked = false;
      if (err == 0) {
        const std::string self = "/proc/self/fd/" + std::to_string(fd);
        linked = ::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, tmp.c_str(), AT_SYMLINK_FOLLOW) == 0;
      }
      ::close(fd);
      if (err != 0) throw FileError("cannot write '" + path + "': " + std::strerror(err));
      if (linked) {
        rename_over(tmp, path);
        return;
      }
      // no /proc or no linkat here: fall back to a named temporary file
    }
  }
#endif
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw FileError("cannot write '" + path + "': " + std::strerror(errno));
  int err = write_all(fd, text);
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    throw FileError("cannot write '" + path + "': " + std::strerror(err));
  }
  rename_over(tmp, path);
}

}  // namespace glia
