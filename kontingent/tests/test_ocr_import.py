# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import csv
import datetime
import doctest
import io
import os
import re
import tempfile
import unittest
from collections import Counter
from decimal import Decimal

from openpyxl import load_workbook

from ..demo import payments
from ..demo.build import DEMO_UNIT
from .test_demo import DATE, run_command
from .tools import sqlite_config


class ImportOCRCommandTestCase(unittest.TestCase):
    "kontingent demo-ocr and import-ocr on a demo database of its own"

    def test_import_ocr(self):
        with tempfile.TemporaryDirectory() as directory:
            config = sqlite_config(directory)
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

            # The spreadsheet holds the same rows, typed, and their totals
            # per unit
            spreadsheet = os.path.join(directory, 'receivables.xlsx')
            result = run_command(
                'receivables', '-d', 'demo', '--unit', 'DF',
                '--as-of', DATE.isoformat(), '--xlsx', spreadsheet,
                config=config)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(
                result.stdout, f"{spreadsheet}: {len(rows)} invoices\n")
            workbook = load_workbook(spreadsheet)
            self.assertEqual(workbook.sheetnames, ['Invoices', 'Units'])
            invoices = workbook['Invoices']
            header, *cells = invoices.iter_rows(values_only=True)
            self.assertEqual(list(header), list(rows[0]))
            self.assertEqual(
                [dict(zip(header, map(csv_value, r))) for r in cells], rows)
            self.assertEqual(invoices.freeze_panes, 'A2')
            self.assertTrue(all(c.font.b for c in invoices[1]))
            amount, due_date = invoices['G2'], invoices['E2']
            self.assertEqual(
                (amount.data_type, amount.number_format), ('n', '#,##0.00'))
            self.assertTrue(due_date.is_date)
            header, *totals = workbook['Units'].iter_rows(values_only=True)
            balance = header.index('balance')
            self.assertEqual(
                sum(Decimal(str(t[balance])) for t in totals),
                sum(Decimal(r['balance']) for r in rows))
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

            # One reminder per payer (and payee unit) of the claims overdue,
            # previewed, then sent; a second run the same day finds none
            overdue = [r for r in rows if r['status'] == 'overdue']
            remind_date = max(datetime.date.fromisoformat(r['due_date'])
                for r in overdue) + datetime.timedelta(days=14)
            payers = {(r['payer'], r['unit']) for r in overdue}
            result = run_command(
                'remind', '-d', 'demo', '--company', DEMO_UNIT,
                '--date', remind_date.isoformat(), '--preview',
                config=config)
            self.assertEqual(result.returncode, 0, result.stderr)
            preview = re.search(
                r'Reminder run (\d+) .*: previewed, (\d+) letters for '
                r'(\d+) claims', result.stdout)
            self.assertTrue(preview, result.stdout)
            run, letters, reminded = map(int, preview.groups())
            self.assertEqual(letters, len(payers))
            self.assertEqual(reminded, len(overdue))
            result = run_command(
                'remind', '-d', 'demo', '--run', str(run), config=config)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn(
                f"Reminder run {run} ", result.stdout)
            self.assertIn(
                f": done, {letters} letters for {reminded} claims",
                result.stdout)
            result = run_command(
                'remind', '-d', 'demo', '--company', DEMO_UNIT,
                '--date', remind_date.isoformat(), config=config)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn(": done, 0 letters for 0 claims", result.stdout)


def csv_value(value):
    "Return the value of a spreadsheet cell as the CSV export writes it"
    if value is None:
        return ''
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, (int, float)):
        return f'{value:.2f}'
    return value


def load_tests(loader, tests, pattern):
    tests.addTests(doctest.DocTestSuite(payments))
    return tests
