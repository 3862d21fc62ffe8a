"""`pip install .` gives a working `kb`: the wheel, installed into a fresh venv, run elsewhere.

The wheel is built from an sdist (so both are complete) without build isolation (setuptools
and build are pinned in the dev extras: no download per run). Its dependencies are not
downloaded again either: the fresh venv reaches the dev venv's site-packages through a .pth
line, which puts them on sys.path without processing that venv's own .pth files (so the
checkout's editable `kb` stays out of reach). Every `kb` here runs with cwd outside the
checkout; the image test (make image-test) installs the wheel with its dependencies for real.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from kb.settings import PROJECT_ROOT
from tests.conftest import KB, free_port

pytestmark = pytest.mark.slow


@dataclass
class Installed:
    """The wheel's file names, and a fresh venv with it installed."""

    wheel_names: set[str]
    venv: Path
    site_packages: Path
    workdir: Path  # outside the checkout; every command runs here

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        environ = {k: v for k, v in os.environ.items()
                   if k not in ("PYTHONPATH", "NEO4J_URI", "KB_DATA_DIR", "VIRTUAL_ENV")}
        environ.update(HOME=str(self.workdir), **env)
        return subprocess.run([str(self.venv / "bin" / args[0]), *args[1:]], cwd=self.workdir,
                              env=environ, capture_output=True, text=True, timeout=60,
                              check=False)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out),
                    str(PROJECT_ROOT)], check=True, capture_output=True)
    (wheel,) = out.glob("*.whl")
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site_packages = next((venv / "lib").glob("python3*/site-packages"))
    (site_packages / "deps-from-dev-venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"),
                    "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True)
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    return Installed(names, venv, site_packages, tmp_path_factory.mktemp("elsewhere"))


def test_wheel_holds_every_module_and_every_file_read_at_run_time(installed: Installed) -> None:
    kb_dir = PROJECT_ROOT / "kb"
    wanted = {f"kb/{p.relative_to(kb_dir)}" for p in kb_dir.rglob("*")
              if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
    # the model and seed data sit at the checkout's top and ship as kb/bundled/*
    for folder in ("schema", "seed_data"):
        wanted |= {f"kb/bundled/{folder}/{p.relative_to(PROJECT_ROOT / folder)}"
                   for p in (PROJECT_ROOT / folder).rglob("*") if p.is_file()}
    missing = wanted - installed.wheel_names
    assert not missing, f"not in the wheel (pyproject.toml package-data / setup.py): {missing}"


def test_installed_kb_runs_from_the_venv_not_the_checkout(installed: Installed) -> None:
    r = installed.run("python", "-c", "import json, kb, kb.model; print(json.dumps("
                      "[kb.__file__, kb.model.MODEL_FILE.as_posix(), "
                      "len(kb.model.get_model().entities)]))")
    assert r.returncode == 0, r.stderr
    module, model_file, kinds = json.loads(r.stdout)
    assert Path(module).is_relative_to(installed.site_packages), module
    assert Path(model_file).is_relative_to(installed.site_packages), model_file
    assert kinds > 5

    r = installed.run("kb", "--help")
    assert r.returncode == 0, r.stderr
    assert "validate" in r.stdout and "serve" in r.stdout


def test_installed_kb_validates_the_packaged_seed_data(installed: Installed) -> None:
    r = installed.run("kb", "validate")
    assert r.returncode == 0, r.stdout + r.stderr
    packaged = installed.site_packages / "kb" / "bundled" / "seed_data"
    assert f"{packaged}: valid" in r.stdout


def test_installed_kb_refuses_to_serve_without_neo4j_uri(installed: Installed) -> None:
    for command in (["kb", "serve"], ["kb", "seed"]):
        r = installed.run(*command)
        assert r.returncode == 1, (command, r.stdout, r.stderr)
        assert "NEO4J_URI is not set" in r.stderr, r.stderr
    # nothing was written into site-packages (data dir defaults to ~/.local/state)
    assert not (installed.site_packages / ".data").exists()


def test_installed_server_answers_a_query(installed: Installed, neo4j_uri: str,
                                          seeded_kb: KB) -> None:
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    environ.update(NEO4J_URI=neo4j_uri, KB_PORT=str(port), KB_WORKERS="1",
                   HOME=str(installed.workdir), KB_WARMUP="off")
    server = subprocess.Popen([str(installed.venv / "bin" / "kb"), "serve"],
                              cwd=installed.workdir, env=environ,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/readyz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "the installed kb serve was not ready"
                time.sleep(0.3)
        with urllib.request.urlopen(f"{base}/api/v1/mechanisms?between=IDF&between=Russia",
                                    timeout=10) as r:
            body = json.load(r)
        assert r.status == 200 and body, body
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    # the "permission error at every start" must not come back
    assert "Permission" not in err.decode(errors="replace"), err
