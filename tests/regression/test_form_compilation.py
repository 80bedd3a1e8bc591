"""A form compilation that times out (FFCx JIT: a stale lock left by a run killed while
compiling) ends the run with one line naming the lock and exit 3, not a traceback."""

from pathlib import Path

from solver import cli
from solver.exit_codes import EXIT_SOLVER

REPO = Path(__file__).resolve().parents[2]
LOCK = "/root/.cache/fenics/libffcx_forms_0123abcd.c"


def test_jit_timeout_is_one_line_and_exit_3(tmp_path, monkeypatch, capsys):
    import solver.numerics.problem

    def timed_out(self, *args, **kwargs):
        raise TimeoutError("JIT compilation timed out, probably due to a failed previous "
                           f"compile. Try cleaning cache (e.g. remove {LOCK}) or increase "
                           "timeout option.")

    monkeypatch.setattr(solver.numerics.problem.TransportProblem, "__init__", timed_out)
    case = REPO / "cases" / "reference_forward.yaml"
    rc = cli.main([str(case), "--output", str(tmp_path / "out"), "--set", "time.t_end_s=60",
                   "--quiet"])
    err = capsys.readouterr().err
    assert rc == EXIT_SOLVER
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "form compilation timed out" in lines[0] and LOCK in lines[0]
    assert "Traceback" not in err
