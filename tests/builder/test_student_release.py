"""Does each assignment's student release say what to install, pinned, and how to open it in each front end?"""

import re
import sys
import zipfile

import nbformat
import pytest
import yaml

from ..conftest import ASSIGNMENTS, REPO

FILES = ("README.md", "requirements.txt", "environment.yml")
# Import names of the notebook's packages that differ from their distribution's name.
DISTRIBUTION_OF = {"otter": "otter-grader"}


@pytest.fixture(params=ASSIGNMENTS)
def release(request):
    """The name of every assignment of assignments/*/, one at a time."""
    return request.param


def pins(lines):
    """{distribution: version} of requirement lines (comments and blanks skipped)."""
    found = {}
    for line in lines:
        line = line.split("#")[0].strip()
        if line:
            name, version = re.fullmatch(r"([A-Za-z0-9_.\-\[\]]+)==([\w.]+)", line).groups()
            found[name.lower().replace("_", "-")] = version
    return found


def test_release_holds_the_environment_files(dist, release):
    """Are README.md, requirements.txt and environment.yml in the release folder and in its zip, the same?"""
    folder = dist / "student" / release
    with zipfile.ZipFile(dist / "student" / f"{release}.zip") as archive:
        for name in FILES:
            assert archive.read(f"{release}/{name}") == (folder / name).read_bytes(), name


def test_every_requirement_is_pinned_to_the_tested_version(dist, release):
    """Is every student requirement pinned with ==, to the same version as the dev environment that tests it?"""
    student = pins((dist / "student" / release / "requirements.txt").read_text().splitlines())
    dev = pins((REPO / "requirements" / "dev.txt").read_text().splitlines())
    tested = {name: version for name, version in student.items() if name in dev}
    assert tested == {name: dev[name] for name in tested}
    assert {"numpy", "matplotlib", "ipywidgets", "ipykernel", "otter-grader"} <= set(tested)
    assert {"jupyterlab", "notebook"} <= set(student)  # the front ends: not needed to run the tests


def test_environment_yml_has_the_same_pins(dist, release):
    """Does environment.yml install exactly the pins of requirements.txt, on a Python the README names?"""
    folder = dist / "student" / release
    environment = yaml.safe_load((folder / "environment.yml").read_text())
    pip_section = next(item["pip"] for item in environment["dependencies"] if isinstance(item, dict))
    assert pins(pip_section) == pins((folder / "requirements.txt").read_text().splitlines())
    python = next(item for item in environment["dependencies"] if str(item).startswith("python="))
    assert f"Python {python.split('=')[1]} or newer" in (folder / "README.md").read_text()
    assert environment["name"] == release


def test_every_package_the_notebook_imports_is_required(dist, release):
    """Does requirements.txt cover every non-standard-library module the student notebook imports?"""
    folder = dist / "student" / release
    notebook = nbformat.read(folder / f"{release}.ipynb", as_version=4)
    imported = {match.group(1) for cell in notebook.cells if cell.cell_type == "code"
                for match in re.finditer(r"^\s*(?:import|from)\s+([A-Za-z_]\w*)", cell.source, re.MULTILINE)}
    third_party = {name for name in imported if name not in sys.stdlib_module_names}
    required = set(pins((folder / "requirements.txt").read_text().splitlines()))
    assert third_party and {DISTRIBUTION_OF.get(name, name) for name in third_party} <= required


def test_readme_explains_each_front_end(dist, release):
    """Does the release README tell students how to open the notebook in Jupyter, JupyterLab, VS Code and Colab?"""
    readme = (dist / "student" / release / "README.md").read_text()
    for words in ("pip install -r requirements.txt", "jupyter lab", "jupyter notebook", "conda env create",
                  "VS Code", "Colab", "grader.check", "grader.export", f"{release}.zip"):
        assert words in readme, words


def test_readme_names_only_the_blanks_the_notebook_has(dist, release):
    """Does the release README name the `raise NotImplementedError` and `None  # YOUR ANSWER HERE` blanks
    exactly when the student notebook has such blanks in its code cells?"""
    readme = (dist / "student" / release / "README.md").read_text()
    notebook = nbformat.read(dist / "student" / release / f"{release}.ipynb", as_version=4)
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    for blank in ("raise NotImplementedError", "None  # YOUR ANSWER HERE"):
        assert (blank in readme) == (blank in code), blank
