# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import csv
import doctest
import io
import os
import re
import tempfile
import unittest
from collections import Counter

from ..demo import payments
from .test_demo import DATE, run_command


class ImportOCRCommandTestCase(unittest.TestCase):
    "kontingent demo-ocr and import-ocr on a demo database of its own"

    def test_import_ocr(self):
        with tempfile.TemporaryDirectory() as directory:
            config = os.path.join(directory, 'trytond.conf')
            with open(config, 'w') as file:
                file.write(
                    f"[database]\nuri = sqlite://\npath = {directory}\n")
            result = run_command(
                'demo', '-d', 'demo', '--members', '40', '--households', '5',
                '--date', DATE.isoformat(), config=config)
            self.assertEqual(result.returncode, 0, result.stderr)

            paying = os.path.join(directory, 'ocr-1.txt')
            result = run_command(
                'demo-ocr', '-d', 'demo', '--unit', 'DF', '-o', paying,
                '--unknown', '2', '--date', DATE.isoformat(), config=config)
            self.assertEqual(result.returncode, 0, result.stderr)
            counts = re.search(
                r'(\d+) payments, (\d+) of (\d+) open claims', result.stdout)
            self.assertTrue(counts, result.stdout)
            sent, paid, claims = map(int, counts.groups())
            self.assertGreater(paid, 0)
            self.assertEqual(sent, paid + 2)

            result = run_command(
                'import-ocr', '-d', 'demo', paying, config=config)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn(
                f"transmission 0000001: {sent} payments, {paid} matched, "
                "2 unmatched, 0 reversals", result.stdout)
            self.assertIn("Matching payments", result.stderr)

            # The overview shows the claims the file paid, the others
            # overdue
            result = run_command(
                'receivables', '-d', 'demo', '--unit', 'DF',
                '--as-of', DATE.isoformat(), config=config)
            self.assertEqual(result.returncode, 0, result.stderr)
            rows = list(csv.DictReader(io.StringIO(result.stdout)))
            self.assertEqual(
                Counter((r['status'], r['last_payment_date']) for r in rows),
                {('paid', DATE.isoformat()): paid,
                    ('overdue', ''): claims - paid})
            self.assertTrue(all(
                    r['currency'] == 'NOK' and r['days_overdue'] for r in rows
                    if r['status'] == 'overdue'))
            overview = os.path.join(directory, 'receivables.csv')
            result = run_command(
                'receivables', '-d', 'demo', '--unit', 'DF',
                '--as-of', DATE.isoformat(), '--csv', overview,
                config=config)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(
                result.stdout, f"{overview}: {len(rows)} invoices\n")
            with open(overview, newline='', encoding='utf-8') as file:
                self.assertEqual(list(csv.DictReader(file)), rows)
            result = run_command(
                'receivables', '-d', 'demo', '--unit', 'NOPE',
                config=config)
            self.assertEqual(result.returncode, 2)
            self.assertIn("no units have the code or name 'NOPE'",
                result.stderr)

            # The open claims left are the ones the file did not pay
            again = os.path.join(directory, 'ocr-2.txt')
            result = run_command(
                'demo-ocr', '-d', 'demo', '--unit', 'DF', '-o', again,
                '--number', '2', '--share', '1', '--unknown', '0',
                config=config)
            self.assertIn(f"of {claims - paid} open claims", result.stdout)

            with open(paying, 'rb') as file:
                lines = file.read().split(b'\n')
            corrupt = os.path.join(directory, 'ocr-3.txt')
            with open(corrupt, 'wb') as file:
                file.write(b'\n'.join(lines[:2] + lines[3:]))
            result = run_command(
                'import-ocr', '-d', 'demo', paying, corrupt, config=config)
            self.assertEqual(result.returncode, 1)
            self.assertEqual(result.stdout, '')
            self.assertIn(
                f"{paying}: refused: This file was imported already",
                result.stderr)
            self.assertIn(
                f"{corrupt}: refused: not a valid OCR Giro file: line 3: "
                "expected amount item 1 or the end of the assignment, found "
                "amount item 2 for transaction 1", result.stderr)


def load_tests(loader, tests, pattern):
    tests.addTests(doctest.DocTestSuite(payments))
    return tests
