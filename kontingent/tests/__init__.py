# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import pathlib


def load_tests(loader, tests, pattern):
    "Gather every test_*.py of this folder under the package's own name"
    for path in sorted(pathlib.Path(__file__).parent.glob('test_*.py')):
        tests.addTests(loader.loadTestsFromName(f'{__name__}.{path.stem}'))
    return tests
