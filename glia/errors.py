"""Exceptions raised by glia.

Every error the engine raises maps onto one of these or onto a builtin, so ordinary
``except ValueError`` / ``except KeyError`` code keeps working.
"""

__all__ = ["GliaError", "FormatError"]


class GliaError(Exception):
    """Base class of glia's own exceptions.

    Example::

        try:
            net = glia.Network.from_file("model.net")
        except glia.GliaError as e:      # any glia-specific error (FormatError, ...)
            print("could not load:", e)
    """


class FormatError(GliaError, ValueError):
    """A malformed ``.net`` or ``.seq`` file; the message names the file and the line.

    Example::

        try:
            glia.Network.from_file("broken.net")
        except glia.FormatError as e:
            print(e)          # broken.net:3: expected a number for weight, got 'x'
    """
