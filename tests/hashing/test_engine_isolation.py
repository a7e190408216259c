"""The matching engine (hashing/engine/) stands alone: importing every module of it loads no Django module."""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import hashing.engine

ROOT = Path(__file__).resolve().parents[2]


def _engine_modules() -> list[str]:
    return sorted(f"hashing.engine.{m.name}" for m in pkgutil.iter_modules(hashing.engine.__path__))


def test_the_engine_has_the_modules_the_bank_uses():
    # Guards the test below against passing on an empty package after a rename.
    assert {"hashing.engine.index", "hashing.engine.compact", "hashing.engine.kernels"} <= set(_engine_modules())


def test_importing_every_engine_module_loads_no_django_module():
    # A fresh interpreter without DJANGO_SETTINGS_MODULE: the test process itself has Django loaded already.
    code = (
        "import importlib, json, sys\n"
        f"for name in {_engine_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "project = ('django', 'helpline', 'cases')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in project)))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"} | {"PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
