"""Fixtures of the Python package's tests (run by ctest as Python.pytest).

Reference data comes from ../shared/refdata (or $SCOPEMIA_REFDATA); tests
that need it skip without it, and fail instead under CI=true, like the C++
suite. The `scopemia` program ($SCOPEMIA_BINARY) gives the values the
package must equal.
"""
import csv
import os
import subprocess

import pytest

SOURCE_DIR = os.environ.get("SCOPEMIA_SOURCE_DIR",
                            os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))


def _refdata_dir():
    env = os.environ.get("SCOPEMIA_REFDATA")
    if env:
        return env if os.path.isdir(env) else None
    beside = os.path.normpath(os.path.join(SOURCE_DIR, "..", "shared", "refdata"))
    return beside if os.path.isdir(beside) else None


def _mandatory():
    return os.environ.get("CI") == "true" or os.environ.get("SCOPEMIA_REQUIRE_REFDATA") == "1"


@pytest.fixture(scope="session")
def refdata():
    """refdata(relative path) -> absolute path, or skip (fail under CI=true) when absent."""
    root = _refdata_dir()

    def path(relative):
        p = os.path.join(root, relative) if root else None
        if p is None or not os.path.exists(p):
            message = "reference data %s absent (../shared/refdata or $SCOPEMIA_REFDATA)" % relative
            if _mandatory():
                pytest.fail(message)
            pytest.skip(message)
        return p
    return path


@pytest.fixture(scope="session")
def scopemia_binary():
    binary = os.environ.get("SCOPEMIA_BINARY") or os.path.join(SOURCE_DIR, "build", "scopemia")
    if not os.path.exists(binary):
        pytest.fail("the scopemia program is not built: %s" % binary)
    return binary


@pytest.fixture(scope="session")
def run_cli(scopemia_binary):
    """run_cli(args...) -> CompletedProcess (text), never raising on a non-zero exit."""
    def run(*args):
        return subprocess.run([scopemia_binary, *map(str, args)], capture_output=True, text=True)
    return run


def read_csv_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="session")
def lidc_cases(refdata):
    """The first 30 LIDC cases: (ID, image path, mask path)."""
    cases_csv = refdata("lidc/cases.csv")
    root = os.path.dirname(cases_csv)
    rows = read_csv_rows(cases_csv)[:30]
    return [(r["ID"], os.path.join(root, r["Image"]), os.path.join(root, r["Mask"])) for r in rows]


def same_double(a, b):
    """Bit for bit (NaN equals NaN)."""
    a, b = float(a), float(b)
    return (a != a and b != b) or a == b


def close_to_reference(value, expected):
    """The C++ conformance tests' tolerance: 1e-6 relative, 1e-9 absolute near zero."""
    value, expected = float(value), float(expected)
    if expected != expected:
        return value != value
    diff = abs(value - expected)
    return diff <= 1e-6 * abs(expected) or diff <= 1e-9
