"""Read and check an assignment's metadata (assignments/<name>/assignment.yml)."""

import dataclasses
import pathlib

REPO = pathlib.Path(__file__).resolve().parents[2]


@dataclasses.dataclass(frozen=True)
class Assignment:
    name: str
    title: str
    parameters: dict
    questions: list  # [{"name", "points"}], auto-graded
    manual_questions: list  # [{"name", "title", "points"}]
    limits: dict
    points_policy: tuple = ()  # [{"severity", "what", "min", "max"}]: shares of a question's points

    @property
    def notebook(self):
        return f"{self.name}.ipynb"

    @property
    def points(self):
        """Points of every question, auto-graded and manual, by name."""
        return {q["name"]: q["points"] for q in self.questions + self.manual_questions}


def load(name, repo=REPO):
    import yaml  # here, not at the top: `make grade` imports REPO and starts faster without YAML

    path = repo / "assignments" / name / "assignment.yml"
    if not path.is_file():
        raise SystemExit(f"No assignment metadata at {path}: create it or pick an existing assignment.")
    data = yaml.safe_load(path.read_text())
    required = {"name", "title", "parameters", "questions", "manual_questions", "limits", "points_policy"}
    missing = required - set(data)
    if missing:
        raise SystemExit(f"{path} is missing {sorted(missing)}.")
    if data["name"] != name:
        raise SystemExit(f"{path} says name: {data['name']!r}; it must match its folder {name!r}.")
    for policy in data["points_policy"]:
        if not 0 <= policy["min"] <= policy["max"] <= 1:
            raise SystemExit(f"{path}: points_policy {policy['severity']!r} needs 0 <= min <= max <= 1.")
    return Assignment(**{key: data[key] for key in required})
