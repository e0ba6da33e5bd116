"""The README's ten-line example runs and does what it says."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_trains_and_passes_its_gradcheck() -> None:
    (code,) = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    namespace: dict = {}
    exec(compile(code, str(README), "exec"), namespace)  # its assert is the gradcheck
    first_loss = namespace["y"].data.var()  # the loss of predicting the mean of y
    assert namespace["loss"].item() < 0.5 * first_loss


def test_readme_names_the_demo_and_test_commands() -> None:
    text = README.read_text()
    assert "tinygrad-bn demo" in text
    assert "bash scripts/test.sh" in text
    assert (README.parent / "scripts" / "test.sh").exists()
