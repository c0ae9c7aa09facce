# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Run the whole suite: python -m trytond.modules.kontingent.tests

Extra arguments select tests by name pattern, as unittest's -k does.
"""
import sys
import unittest


def main(argv):
    loader = unittest.TestLoader()
    loader.testNamePatterns = [
        f'*{a}*' if '*' not in a else a for a in argv] or None
    suite = loader.loadTestsFromName(__package__)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors) + len(
        result.unexpectedSuccesses)
    passed = max(0, result.testsRun - failed - len(result.skipped))
    print(f"{passed} passed, {failed} failed, {len(result.skipped)} skipped")
    return 0 if result.wasSuccessful() and result.testsRun else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
