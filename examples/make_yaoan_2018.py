"""Writes examples/yaoan-2018/, one year of the three-year example (see yaoan_years.py).

Run:  python examples/make_yaoan_2018.py
"""
import importlib.util
from pathlib import Path

HERE = Path(__file__).parent
OUT = HERE / "yaoan-2018"


def _years():
    spec = importlib.util.spec_from_file_location("yaoan_years", HERE / "yaoan_years.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    _years().data(2018, OUT)


if __name__ == "__main__":
    main()
