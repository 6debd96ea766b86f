"""The exceptions scopemia raises for bad input.

The C++ library's one-line input errors ("<file>: <cause>") arrive as
``InputError`` (a ``ValueError``); when the named file does not exist, as
``InputFileNotFoundError``, which is also a ``FileNotFoundError``. Both keep
the file and the cause apart in ``.file`` and ``.cause``.
"""


class InputError(ValueError):
    """Bad input: a missing, unreadable or inconsistent file, image or setting."""

    def __init__(self, message, file="", cause=""):
        super().__init__(message)
        self.file = file
        self.cause = cause or message


class InputFileNotFoundError(InputError, FileNotFoundError):
    """An input file that does not exist."""

    def __init__(self, message, file="", cause=""):
        InputError.__init__(self, message, file, cause)
        self.filename = file

    def __str__(self):
        return self.args[0]
