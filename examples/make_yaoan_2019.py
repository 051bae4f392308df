"""Writes examples/yaoan-2019/, one year of the three-year example (see yaoan_years.py).

Run:  python examples/make_yaoan_2019.py
"""
import importlib.util
from pathlib import Path

HERE = Path(__file__).parent
OUT = HERE / "yaoan-2019"


def _years():
    spec = importlib.util.spec_from_file_location("yaoan_years", HERE / "yaoan_years.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    _years().data(2019, OUT)


if __name__ == "__main__":
    main()
