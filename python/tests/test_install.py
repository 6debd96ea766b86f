"""The README's install path: a Debian virtual environment sees the built package."""
import os
import subprocess
import sys

from conftest import SOURCE_DIR


def test_install_into_a_virtual_environment(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
                   check=True)
    build_python = os.environ["PYTHONPATH"].split(os.pathsep)[0]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["SCOPEMIA_BUILD_DIR"] = os.path.dirname(build_python)
    script = os.path.join(SOURCE_DIR, "scripts", "install-python.sh")
    r = subprocess.run(["bash", script, str(venv)], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([str(venv / "bin" / "python3"), "-c",
                        "import scopemia, numpy; from scopemia import featureextractor; "
                        "print(scopemia.__file__)"], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().startswith(build_python)
    # Not a virtual environment: a clear refusal.
    r = subprocess.run(["bash", script, str(tmp_path / "nothing")], capture_output=True, text=True, env=env)
    assert r.returncode == 2 and "not a virtual environment" in r.stderr
