"""Small helpers shared by the pure-Python modules."""
from __future__ import annotations

import os
import tempfile


def write_text_atomic(path, text: str, prefix: str = ".glia-") -> None:
    """Writes ``text`` to a temporary file in the target's folder, then renames it over
    ``path``: readers see the old file or the new one, never half of one."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
