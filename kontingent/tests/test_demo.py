# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime
import subprocess
import sys
import unittest
from collections import Counter

from stdnum.no import fodselsnummer

from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from ..demo.build import DEMO_UNIT, build

DATE = datetime.date(2026, 11, 25)


class DemoTestCase(unittest.TestCase):
    "The demo organisations"

    @classmethod
    def setUpClass(cls):
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
        self.assertEqual(len(admin.companies), 2)
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


class CommandLineTestCase(unittest.TestCase):
    "The kontingent command refuses bad arguments clearly"

    def run_command(self, *args):
        return subprocess.run(
            [sys.executable, '-m', 'trytond.modules.kontingent.cli', *args],
            capture_output=True, text=True)

    def test_bad_member_count(self):
        result = self.run_command('demo', '-d', 'x', '--members', '-3')
        self.assertEqual(result.returncode, 2)
        self.assertIn("'-3' is not a whole number of 0 or more",
            result.stderr)

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
