"""The README's promises: its plugin example works as written, its commands name real options."""

import re
from pathlib import Path

import pytest

from scoring.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_plugin_example_scores(tmp_path, capsys):
    code = re.search(r"```python\n# my_plugins/attendance.py\n(.*?)```", README, re.S).group(1)
    (tmp_path / "my_plugins").mkdir()
    (tmp_path / "my_plugins" / "attendance.py").write_text(code, encoding="utf-8")
    (tmp_path / "c.toml").write_text(
        """
[assessment]
name = "出勤"
year = 2024
categories = ["部门"]
plugins = ["my_plugins"]
[[modules]]
id = "m"
name = "作风"
weights = { "部门" = 100 }
[[indicators]]
id = "A"
module = "m"
name = "出勤"
full = 100
method = "attendance"
field = "出勤率"
params = { per_point = 2 }
[[fields]]
name = "出勤率"
kind = "rate"
""",
        encoding="utf-8",
    )
    data = tmp_path / "data"
    data.mkdir()
    (data / "units.csv").write_text("单位编号,单位名称,类别\nA,甲局,部门\nB,乙局,部门\n", encoding="utf-8")
    (data / "kq.csv").write_text("单位编号,出勤率\nA,100%\nB,97.5\n", encoding="utf-8")
    assert main(["run", str(tmp_path / "c.toml"), "--data", str(data), "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert "甲局" in out and ",100.00," in out
    assert "乙局" in out and ",95.00," in out  # 2.5 points short × 2


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_readme_documents_each_command(command):
    assert f"scoring {command}" in README
