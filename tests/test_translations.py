"""The English catalogue is complete and compiled: no entry of locale/en/LC_MESSAGES/django.po is
untranslated or fuzzy, and the committed django.mo says what the .po says (a .po edited without
`compilemessages` fails). With GNU gettext's msgattrib/msgfmt, which compilemessages needs too."""

import gettext
import os
import shutil
import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "en" / "LC_MESSAGES"
PO, MO = LOCALE / "django.po", LOCALE / "django.mo"


@pytest.fixture(autouse=True)
def gettext_tools():
    if not (shutil.which("msgattrib") and shutil.which("msgfmt")):
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true: GNU gettext (msgattrib, msgfmt) must be installed")
        pytest.skip("GNU gettext (msgattrib, msgfmt) is not installed")


def msgids(*options: str) -> list[str]:
    """The msgids of the entries msgattrib selects (the header excluded)."""
    output = subprocess.run(["msgattrib", "--no-wrap", *options, str(PO)], capture_output=True, text=True,
                            check=True).stdout
    return [line[len("msgid "):] for line in output.splitlines() if line.startswith("msgid ") and line != 'msgid ""']


def test_every_entry_is_translated():
    missing = msgids("--untranslated")
    assert not missing, f"{len(missing)} untranslated entries in {PO.name}: " + "; ".join(missing[:20])


def test_no_entry_is_fuzzy():
    fuzzy = msgids("--only-fuzzy")
    assert not fuzzy, f"{len(fuzzy)} fuzzy entries in {PO.name} (check and drop the flag): " + "; ".join(fuzzy[:20])


def test_the_compiled_catalogue_is_current(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(PO)], check=True, capture_output=True)
    with compiled.open("rb") as fresh, MO.open("rb") as committed:
        fresh_catalog = gettext.GNUTranslations(fresh)._catalog
        committed_catalog = gettext.GNUTranslations(committed)._catalog
    stale = sorted(str(key) for key in fresh_catalog.keys() ^ committed_catalog.keys())
    stale += sorted(str(key) for key in fresh_catalog.keys() & committed_catalog.keys()
                    if fresh_catalog[key] != committed_catalog[key])
    assert not stale, f"django.mo is not compiled from django.po (run compilemessages): {stale[:10]}"
