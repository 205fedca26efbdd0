"""The layers hold (pyproject.toml, [tool.importlinter]): the kernel imports
no domain, events imports neither forums nor awards, nothing imports seed,
and so on up. import-linter reads every module's imports; a broken contract
fails here with its message, naming the import that crossed a layer."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def lint_imports(root: Path = ROOT) -> subprocess.CompletedProcess:
    """The venv's lint-imports, run from `root` (it reads that folder's packages and pyproject.toml)."""
    return subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
                          cwd=root, capture_output=True, text=True, timeout=300)


def test_every_package_imports_only_the_layers_below_it():
    result = lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_kernel_module_importing_a_domain_breaks_the_contract(tmp_path):
    """The check can fail: the same contract over a copy with core importing events."""
    copy = tmp_path / "copy"
    for package in ("core", "events", "forums", "awards", "reports", "api", "seed"):
        _copy_python(ROOT / package, copy / package)
    (copy / "core" / "lower_floor.py").write_text("from events import models  # noqa: F401\n")
    (copy / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    result = lint_imports(copy)
    assert result.returncode == 1
    assert "core is not allowed to import events" in result.stdout
    assert "core.lower_floor -> events.models" in result.stdout


def test_a_kernel_module_importing_accounts_breaks_the_contract(tmp_path):
    """Inside core the kernel stands below accounts and equality: the audit
    log importing the account models (it names its actor by the table alone)
    would break the contract."""
    copy = tmp_path / "copy"
    for package in ("core", "events", "forums", "awards", "reports", "api", "seed"):
        _copy_python(ROOT / package, copy / package)
    audit = copy / "core" / "audit.py"
    audit.write_text(audit.read_text() + "\nfrom core.accounts import models  # noqa: E402,F401\n")
    (copy / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    result = lint_imports(copy)
    assert result.returncode == 1
    assert "core.audit is not allowed to import core.accounts" in result.stdout


def _copy_python(source: Path, target: Path) -> None:
    for path in source.rglob("*.py"):
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(path.read_text())
