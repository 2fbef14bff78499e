"""Tests of ``.ci/run``: CI must not pass without its PostgreSQL run unless someone opted out.

``make`` is replaced by a stub that records its call, so the real script runs but never the suite, and
PostgreSQL is made unavailable with a state folder that ``scripts/ci_postgres.sh`` refuses to touch.
"""

from __future__ import annotations

import glob
import os
import subprocess
from pathlib import Path

import pytest

CI_RUN = Path(__file__).resolve().parents[1] / ".ci" / "run"

pytestmark = pytest.mark.skipif(not glob.glob("/usr/lib/postgresql/*/bin"),
                                reason="without PostgreSQL installed, ci_postgres.sh would install it")


def _ci_run(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    stubs = tmp_path / "bin"
    stubs.mkdir()
    (stubs / "make").write_text(f'#!/bin/sh\necho "make $*" >"{tmp_path / "make-called"}"\n')
    (stubs / "make").chmod(0o755)
    state = tmp_path / "not-a-cluster"
    state.mkdir()
    (state / "someone-else's-file").write_text("x")
    env = {key: value for key, value in os.environ.items()
           if key not in ("MOVIEREC_TEST_POSTGRES_URL", "MOVIEREC_CI_WITHOUT_POSTGRES")}
    env.update(PATH=f"{stubs}:{env['PATH']}", MOVIEREC_PG_STATE_DIR=str(state), **extra)
    return subprocess.run([str(CI_RUN)], env=env, capture_output=True, text=True, timeout=120)


def test_ci_fails_when_postgresql_is_unavailable(tmp_path: Path) -> None:
    result = _ci_run(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "no PostgreSQL server" in result.stderr and "MOVIEREC_CI_WITHOUT_POSTGRES=1" in result.stderr
    assert not (tmp_path / "make-called").exists()


def test_ci_runs_the_tests_without_postgresql_only_when_told_to(tmp_path: Path) -> None:
    result = _ci_run(tmp_path, MOVIEREC_CI_WITHOUT_POSTGRES="1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "make-called").read_text() == "make test\n"
