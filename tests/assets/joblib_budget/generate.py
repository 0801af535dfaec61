"""joblib files whose object array is a nested pickle, for tests/unit/models/test_joblib_budget.py.

Run from the repository root with joblib and numpy installed:

    python tests/assets/joblib_budget/generate.py

``object_array.joblib`` holds a 3,000-string object array and an int;
``object_array_then_payload.joblib`` the same array, then an object that pickles as
``os.system('true')`` (inert here: never loaded). Nothing here is needed at test time
but the written files.
"""

from __future__ import annotations

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent


class _Inert:
    def __reduce__(self) -> tuple[object, ...]:
        return (os.system, ("true",))


def main() -> None:
    import joblib
    import numpy as np

    words = np.array([f"w{i}" for i in range(3000)], dtype=object)
    joblib.dump({"vocabulary": words, "n": 3}, HERE / "object_array.joblib")
    joblib.dump({"vocabulary": words, "hook": _Inert()}, HERE / "object_array_then_payload.joblib")


if __name__ == "__main__":
    main()
