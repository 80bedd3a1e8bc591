"""Run a case from Python with the public API only (``solver/__init__.py``).

    .venv/bin/python docs/api_example.py [OUTPUT_DIR]

Loads the shipped forward-bias reference case shortened to 10 minutes, runs it, reads back the
final composition profile and the time series, and prints the migration length L_m and where
the Br/Cl front is. tests/unit/test_api.py runs this file.
"""

import sys
import tempfile
from pathlib import Path

import solver


def main(out: Path) -> float:
    """Run the example into ``out``; return L_m [µm] after 10 minutes."""
    case = solver.load_case("cases/reference_forward.yaml",
                            ["time.t_end_s=600", "time.output_times_s=[0, 600]",
                             "output.figures=false", "output.vtx=false"])
    summary = solver.run_case(case, out, quiet=True)
    t_s, profile = solver.read_profile_csv(sorted((out / "profiles").glob("*.csv"))[-1])
    series = solver.read_timeseries_csv(out / "timeseries.csv")
    front = profile["z_um"][abs(profile["y"] - 0.55).argmin()]
    print(f"{case.name}: t = {t_s:g} s, L_m = {summary['migration_length_um']:.4g} µm, "
          f"front near z = {front:.3f} µm, {len(series['t_s'])} steps recorded "
          f"(solver {solver.__version__})")
    return summary["migration_length_um"]


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp) / "api_demo")
