"""Export each addon's .pot from a database where it is installed, and merge
it into the addon's zh_CN.po (keeping existing translations).

    python tools/i18n.py --db DB --modules a,b -- <odoo options>

Prints the terms still untranslated; the zh_CN completeness test fails on them.
"""

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def export_pot(odoo_args, db, module, target):
    cmd = [
        str(Path(sys.executable).parent / "odoo"),
        *odoo_args,
        "-d",
        db,
        f"--i18n-export={target}",
        f"--modules={module}",
        "--log-level=warn",
        "--stop-after-init",
    ]
    subprocess.run(cmd, check=True)


CJK = re.compile(r"[\u3400-\u9fff]")


def drop_chinese_sources(pot_path):
    """Demo records are written in Chinese: their texts are content, not
    interface terms, and need no translation."""
    pot = polib.pofile(str(pot_path), wrapwidth=78)
    for entry in [e for e in pot if CJK.search(e.msgid)]:
        pot.remove(entry)
    pot.save(str(pot_path))


def odoo_memory():
    """Odoo's own zh_CN translations, to fill in the terms our models inherit
    from mail, hr and base (Followers, Activities, Created by...)."""
    import odoo.addons  # noqa: PLC0415 - only needed here

    memory = {}
    for addons_dir in odoo.addons.__path__:
        for name in ("base", "web", "mail", "hr", "portal", "sms", "phone_validation", "resource"):
            path = Path(addons_dir) / name / "i18n" / "zh_CN.po"
            if path.exists():
                for entry in polib.pofile(str(path)):
                    if entry.msgstr and not entry.obsolete:
                        memory.setdefault(entry.msgid, entry.msgstr)
    return memory


def terms(pot_path):
    """What a .pot says, without its header dates."""
    return sorted((e.msgctxt or "", e.msgid, tuple(sorted(e.occurrences))) for e in polib.pofile(str(pot_path)))


def merge(pot_path, po_path, memory):
    pot = polib.pofile(str(pot_path))
    old = polib.pofile(str(po_path)) if po_path.exists() else polib.POFile()
    known = {(e.msgctxt, e.msgid): e.msgstr for e in old if e.msgstr and not e.obsolete}
    for entry in pot:
        if (entry.msgctxt, entry.msgid) not in known and entry.msgid in memory:
            known[(entry.msgctxt, entry.msgid)] = memory[entry.msgid]
    po = polib.POFile(wrapwidth=78)
    po.metadata = dict(pot.metadata)
    po.metadata.update(
        {"Language": "zh_CN", "Content-Type": "text/plain; charset=UTF-8", "Plural-Forms": "nplurals=1; plural=0;"}
    )
    missing = []
    for entry in pot:
        entry.msgstr = known.get((entry.msgctxt, entry.msgid), "")
        if not entry.msgstr:
            missing.append(entry.msgid)
        po.append(entry)
    po.save(str(po_path))
    return missing


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--modules", required=True)
    parser.add_argument("odoo_args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    odoo_args = [a for a in args.odoo_args if a != "--"]
    total = 0
    memory = odoo_memory()
    for module in args.modules.split(","):
        i18n = ROOT / "addons" / module / "i18n"
        i18n.mkdir(exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            pot_tmp = Path(tmp) / f"{module}.pot"
            export_pot(odoo_args, args.db, module, pot_tmp)
            drop_chinese_sources(pot_tmp)
            pot_path = i18n / f"{module}.pot"
            po_path = i18n / "zh_CN.po"
            if pot_path.exists() and po_path.exists() and terms(pot_tmp) == terms(pot_path):
                # nothing changed: keep the files (and their dates) as they are
                missing = [e.msgid for e in polib.pofile(str(po_path)) if not e.msgstr]
            else:
                pot_path.write_bytes(pot_tmp.read_bytes())
                missing = merge(pot_path, po_path, memory)
        total += len(missing)
        print(f"{module}: {len(missing)} untranslated")
        for msgid in missing:
            print(f"    {msgid!r}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
