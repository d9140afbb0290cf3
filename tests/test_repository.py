"""Suite-level checks of the addons' shape: manifests, dependencies, translations."""

import ast
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
ADDONS = sorted(p.parent for p in (ROOT / "addons").glob("*/__manifest__.py"))
ADDON_NAMES = [p.name for p in ADDONS]


def manifest(addon):
    return ast.literal_eval((addon / "__manifest__.py").read_text(encoding="utf-8"))


def test_all_addons_are_there():
    assert ADDON_NAMES == [
        "ihospital_analysis",
        "ihospital_base",
        "ihospital_his",
        "ihospital_knowledge",
        "ihospital_public",
        "ihospital_regulation",
        "ihospital_staff",
        "ihospital_staff_his",
        "ihospital_survey",
    ]


@pytest.mark.parametrize("addon", ADDONS, ids=ADDON_NAMES)
def test_manifest(addon):
    data = manifest(addon)
    assert data["version"].startswith("18.0.") and len(data["version"].split(".")) == 5
    assert data["license"] == "LGPL-3"
    for key in ("name", "summary", "category", "depends", "author"):
        assert data.get(key), f"{addon.name}: manifest has no {key}"
    for key, value in data.items():
        assert value not in ([], {}, ""), f"{addon.name}: manifest key {key} is empty"
    for path in data.get("data", []) + data.get("demo", []):
        assert (addon / path).is_file(), f"{addon.name}: {path} is listed but missing"
    for doc in ("DESCRIPTION.md", "USAGE.md", "CONFIGURE.md"):
        assert (addon / "readme" / doc).is_file(), f"{addon.name}: readme/{doc} is missing"


@pytest.mark.parametrize("addon", ADDONS, ids=ADDON_NAMES)
def test_dependencies_point_to_base(addon):
    depends = manifest(addon)["depends"]
    if addon.name == "ihospital_base":
        assert not [d for d in depends if d.startswith("ihospital_")], "ihospital_base depends on no other addon"
    else:
        assert "ihospital_base" in depends


@pytest.mark.parametrize("addon", ADDONS, ids=ADDON_NAMES)
def test_zh_cn_translation_is_complete(addon):
    pot_path = addon / "i18n" / f"{addon.name}.pot"
    po_path = addon / "i18n" / "zh_CN.po"
    assert pot_path.is_file(), f"{pot_path} is missing: run make i18n"
    assert po_path.is_file(), f"{po_path} is missing: run make i18n"
    pot = polib.pofile(str(pot_path))
    po = polib.pofile(str(po_path))
    translated = {(e.msgctxt, e.msgid) for e in po if e.msgstr and not e.obsolete and "fuzzy" not in e.flags}
    missing = [e.msgid for e in pot if (e.msgctxt, e.msgid) not in translated]
    assert not missing, f"{addon.name}: {len(missing)} terms lack a zh_CN translation, e.g. {missing[:5]}"


def test_docker_haproxy_cfg_is_generated_from_deploy():
    """docker/haproxy.cfg is deploy/haproxy/ rendered for the compose file's
    services (tools/render_haproxy.py --docker), and HAProxy accepts it."""
    import importlib.util
    import shutil
    import subprocess

    spec = importlib.util.spec_from_file_location("render_haproxy", ROOT / "tools" / "render_haproxy.py")
    render_haproxy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(render_haproxy)
    expected = render_haproxy.HEADER + render_haproxy.render(
        render_haproxy.DOCKER_VALUES, render_haproxy.DOCKER_RESOLVERS
    )
    assert (
        ROOT / "docker" / "haproxy.cfg"
    ).read_text() == expected, "docker/haproxy.cfg is stale: run .venv/bin/python tools/render_haproxy.py --docker"
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    assert Path(haproxy).exists(), "HAProxy is missing (Debian: apt-get install haproxy)"
    checked = subprocess.run(
        [haproxy, "-c", "-f", str(ROOT / "docker" / "haproxy.cfg")], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
