# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import pathlib
import subprocess
import sys
import unittest

FORMATS = pathlib.Path(__file__).parent.parent / 'formats'


class FormatsIsolationTestCase(unittest.TestCase):
    "kontingent.formats stays usable without trytond"

    def test_no_trytond_import(self):
        "Importing every formats module loads no trytond module"
        modules = ['formats'] + [
            f'formats.{p.stem}' for p in sorted(FORMATS.glob('*.py'))
            if p.stem != '__init__']
        # Load the folder as a top-level package so that the import of
        # trytond.modules.kontingent (and so trytond) cannot happen.
        code = (
            'import importlib, sys\n'
            f'sys.path.insert(0, {str(FORMATS.parent)!r})\n'
            f'for name in {modules!r}:\n'
            '    importlib.import_module(name)\n'
            'loaded = sorted(m for m in sys.modules '
            "if m.split('.')[0] == 'trytond')\n"
            'print(loaded)\n')
        result = subprocess.run(
            [sys.executable, '-c', code], capture_output=True, text=True,
            check=True)
        self.assertEqual(result.stdout.strip(), '[]')
