# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime
import os
import re
import subprocess
import sys
import tempfile
import unittest
from collections import Counter

from stdnum.no import fodselsnummer

from trytond.pool import Pool
from trytond.tests.test_tryton import (
    activate_module, drop_db, with_transaction)
from trytond.transaction import Transaction

from ..demo.build import DEMO_UNIT, build
from ..formats import kid
from .tools import sqlite_config

DATE = datetime.date(2026, 11, 25)


class DemoTestCase(unittest.TestCase):
    "The demo organisations"

    @classmethod
    def setUpClass(cls):
        # Start from the cached database, not from what the test modules
        # before this one left in the shared one
        drop_db()
        activate_module('kontingent')

    @with_transaction()
    def test_build(self):
        "A small demo has consistent members, memberships and prices"
        pool = Pool()
        Party = pool.get('party.party')
        Membership = pool.get('kontingent.membership')
        Unit = pool.get('kontingent.unit')

        build(DATE, members=60, households=20, seed=7)

        union, = Unit.search([('name', '=', DEMO_UNIT)])
        members = Party.search([('member_organisation', '=', union.id)])
        self.assertEqual(len(members), 60)
        self.assertEqual(
            sorted(m.member_number for m in members),
            [f'{n:06d}' for n in range(1, 61)])
        for member in members:
            fnr, = [i.code for i in member.identifiers
                if i.type == 'no_fodselsnummer']
            self.assertTrue(fodselsnummer.is_valid(fnr))
            self.assertEqual(
                member.birth_date, fodselsnummer.get_birth_date(fnr))
            self.assertEqual(member.member_unit.parent, union)
            self.assertIsNotNone(member.member_location)

        User = pool.get('res.user')
        admin, = User.search([('login', '=', 'admin')])
        self.assertEqual(admin.company, union.company)
        antenna, = Unit.search([('name', '=', "Antenneforeningen Demo")])
        # Other test modules may leave a company of their own behind
        self.assertLessEqual(
            {union.company, antenna.company}, set(admin.companies))
        self.assertEqual(admin.company_filter, 'all')

        households = Party.search([
                ('member_unit.name', '=', "Antenneforeningen Demo")])
        self.assertEqual(len(households), 20)
        with Transaction().set_context(_companies=[union.company.id]):
            self.assertEqual(
                Party.search_count([('member_of_user_companies', '=', True)]),
                60)

        memberships = Membership.search([])
        self.assertEqual(len(memberships), 80)
        self.assertIn('active', Counter(m.state for m in memberships))
        with Transaction().set_context(date=DATE):
            for membership in Membership.search([('state', '=', 'active')]):
                lines = membership.get_price_lines(DATE)
                self.assertTrue(lines)
                self.assertTrue(all(line.amount >= 0 for line in lines))
                self.assertEqual(
                    membership.currency.code,
                    'DKK' if membership.unit.country.code == 'DK'
                    else 'NOK')

        Run = pool.get('kontingent.billing.run')
        run, = Run.search([])
        self.assertEqual((run.unit.code, run.state), ('VEST', 'done'))
        billed = [l for l in run.lines if l.state == 'billed']
        self.assertEqual(len(billed), run.lines_done)
        self.assertEqual(
            {l.invoice for l in billed}, set(run.invoices))
        self.assertEqual(
            len(run.invoices), len({l.payer for l in billed}))
        for invoice in run.invoices:
            self.assertEqual(invoice.state, 'posted')
            self.assertTrue(kid.is_valid(invoice.kontingent_kid, kid.MOD10))

        with self.assertRaises(ValueError):
            build(DATE, members=1, households=1)

    @with_transaction()
    def test_seed(self):
        "The same seed builds the same members"
        pool = Pool()
        Party = pool.get('party.party')

        build(DATE, members=5, households=2, seed=3)
        names = [p.name for p in Party.search(
                [('member_unit', '!=', None)], order=[('id', 'ASC')])]
        Transaction().rollback()
        build(DATE, members=5, households=2, seed=3)
        self.assertEqual(names, [p.name for p in Party.search(
                    [('member_unit', '!=', None)], order=[('id', 'ASC')])])


def run_command(*args, config=None):
    environment = dict(os.environ)
    if config:
        environment['TRYTOND_CONFIG'] = config
        environment.pop('TRYTOND_DATABASE__URI', None)
        environment.pop('TRYTOND_DATABASE__PATH', None)
    return subprocess.run(
        [sys.executable, '-m', 'trytond.modules.kontingent.cli', *args],
        capture_output=True, text=True, env=environment)


class BillCommandTestCase(unittest.TestCase):
    "kontingent bill on a demo database of its own"

    def test_bill(self):
        with tempfile.TemporaryDirectory() as directory:
            config = sqlite_config(directory)
            result = run_command(
                'demo', '-d', 'demo', '--members', '40', '--households', '5',
                '--date', DATE.isoformat(), config=config)
            self.assertEqual(result.returncode, 0, result.stderr)

            result = run_command(
                'bill', '-d', 'demo', '--unit', 'NORD',
                '--period-date', '2027-01-01', '--invoice-date', '2026-12-01',
                config=config)
            self.assertEqual(result.returncode, 0, result.stderr)
            summary = re.search(
                r'Billing run (\d+) .*: done, (\d+) members, .* '
                r'(\d+) invoices', result.stdout)
            self.assertTrue(summary, result.stdout)
            run_id, members, invoices = map(int, summary.groups())
            self.assertGreater(members, 0)
            self.assertGreater(invoices, 0)
            self.assertIn('Billing', result.stderr)

            result = run_command(
                'bill', '-d', 'demo', '--run', str(run_id), config=config)
            self.assertEqual(result.returncode, 2)
            self.assertIn(f"billing run {run_id} is done: nothing to bill",
                result.stderr)

            result = run_command(
                'bill', '-d', 'demo', '--unit', 'NORD',
                '--period-date', '2027-06-30', '--invoice-date', '2026-12-01',
                config=config)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn('0 members', result.stdout)
            self.assertEqual(
                result.stdout.count('Already billed for 2027-01-01'),
                members)

            result = run_command(
                'bill', '-d', 'demo', '--unit', 'NOPE',
                '--period-date', '2027-01-01', config=config)
            self.assertEqual(result.returncode, 2)
            self.assertIn("no units have the code or name 'NOPE'",
                result.stderr)


class CommandLineTestCase(unittest.TestCase):
    "The kontingent command refuses bad arguments clearly"

    def run_command(self, *args):
        return run_command(*args)

    def test_bad_member_count(self):
        result = self.run_command('demo', '-d', 'x', '--members', '-3')
        self.assertEqual(result.returncode, 2)
        self.assertIn("'-3' is not a whole number of 0 or more",
            result.stderr)

    def test_bounces_without_maildir(self):
        with tempfile.TemporaryDirectory() as directory:
            config = sqlite_config(directory)
            result = run_command('bounces', '-d', 'x', config=config)
            self.assertEqual(result.returncode, 2)
            self.assertIn("set bounce_maildir in the [kontingent] section",
                result.stderr)
            result = run_command(
                'bounces', '-d', 'x', directory, config=config)
            self.assertEqual(result.returncode, 2)
            self.assertIn(f"{directory} is no Maildir", result.stderr)

    def test_bad_date(self):
        result = self.run_command('demo', '-d', 'x', '--date', '2026-13-01')
        self.assertEqual(result.returncode, 2)
        self.assertIn("is not a date of the form YYYY-MM-DD", result.stderr)

    def test_missing_config(self):
        result = self.run_command(
            '-c', '/nonexistent/trytond.conf', 'demo', '-d', 'x')
        self.assertEqual(result.returncode, 2)
        self.assertIn(
            "configuration file /nonexistent/trytond.conf does not exist",
            result.stderr)
