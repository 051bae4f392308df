"""Submitted data as the engine sees it: units and one float column per field."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Dataset:
    ids: list[str]
    names: list[str]
    categories: list[str]
    values: dict[str, np.ndarray]  # field -> float64 per unit, NaN = not submitted
    sources: dict[str, str] = field(default_factory=dict)  # field -> where it came from (file)
    evidence: dict[tuple[str, str], str] = field(default_factory=dict)  # (unit id, field) -> 佐证材料

    def __post_init__(self) -> None:
        n = len(self.ids)
        assert len(self.names) == n and len(self.categories) == n
        for f, col in self.values.items():
            assert len(col) == n, f

    def __len__(self) -> int:
        return len(self.ids)

    def column(self, name: str) -> np.ndarray:
        col = self.values.get(name)
        return col if col is not None else np.full(len(self), np.nan)

    def take(self, order: list[int]) -> "Dataset":
        """The same data with units in another order (used by tests of permutation invariance)."""
        idx = np.asarray(order, dtype=int)
        return Dataset(
            [self.ids[i] for i in order], [self.names[i] for i in order], [self.categories[i] for i in order],
            {f: v[idx] for f, v in self.values.items()}, dict(self.sources), dict(self.evidence),
        )
