# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime
from decimal import Decimal
import unittest
from itertools import groupby

from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from ..demo.build import build
from ..dunning import FeeDunningLevel as OwnFeeLevel
from ..posting import (
    insert_drafts, is_stored, post_drafts, postable_in_bulk)

DATE = datetime.date(2026, 11, 25)
# Columns that differ between two postings of the same claim
IDENTITY = {
    'id', 'create_uid', 'create_date', 'write_uid', 'write_date',
    'number', 'number_alnum', 'number_digit', 'kontingent_kid', 'move',
    'invoice', 'origin', 'kontingent_billed_membership'}


class BulkPostingTestCase(unittest.TestCase):
    "Claims posted in bulk"

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        activate_module('kontingent')

    @with_transaction()
    def test_rows_as_tryton_posts_them(self):
        "Bulk posting writes the rows Tryton's own posting writes"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Run = pool.get('kontingent.billing.run')
        Unit = pool.get('kontingent.unit')
        build(DATE, members=20, households=8, seed=3)

        for code in ['DF', 'AF']:
            with self.subTest(unit=code):
                unit, = Unit.search([('code', '=', code)])
                run = Run(
                    company=unit.company, unit=unit,
                    billing_date=datetime.date(2027, 1, 1),
                    invoice_date=DATE,
                    due_date=DATE + datetime.timedelta(days=30))
                run.save()
                with Transaction().set_context(
                        company=unit.company.id, _skip_warnings=True):
                    Run.calculate([run])
                    run, = Run.start_processing([run])
                    lines = [l for b in run.batches() for l in b]
                    groups = [list(g) for _, g in groupby(
                            lines, key=lambda l: (l.payee.id, l.payer.id))]
                    self.assertGreater(len(groups), 3)
                    payers = {g[0].payer for g in groups}
                    self.assertEqual(run.payer_languages(payers),
                        {p: p.lang for p in payers})

                    tryton = [run.invoice_for(g, {}) for g in groups]
                    for invoice in tryton:
                        for line in invoice.lines:
                            line.kontingent_billed_membership = None
                    Invoice.set_kontingent_kid(tryton)
                    Invoice.save(tryton)
                    Invoice._post(tryton)

                    bulk = [run.invoice_for(g, {}) for g in groups]
                    self.assertTrue(all(map(postable_in_bulk, bulk)))
                    bulk = Invoice.browse(insert_drafts(bulk))
                    post_drafts(bulk)
                    bulk = Invoice.browse([i.id for i in bulk])

                for expected, posted in zip(tryton, bulk):
                    self.assertEqual(posted.state, 'posted')
                    self.assertTrue(posted.kontingent_kid)
                    if posted.kontingent_payment_request:
                        self.assertEqual(posted.number, posted.kontingent_kid)
                    else:
                        self.assertTrue(posted.number)
                        self.assertNotEqual(posted.number, expected.number)
                    self.assertEqual(
                        rows(posted), rows(expected), expected.rec_name)
                    self.assertEqual(
                        rows(*posted.lines), rows(*expected.lines))
                    self.assertEqual(rows(posted.move), rows(expected.move))
                    self.assertEqual(
                        rows(*posted.move.lines), rows(*expected.move.lines))
                    self.assertEqual(posted.amount_to_pay,
                        posted.total_amount)
                    self.assertEqual(
                        [l.maturity_date for l in posted.lines_to_pay],
                        [run.due_date])

    @with_transaction()
    def test_other_claims_post_the_tryton_way(self):
        "Claims with taxes or nothing to pay are not for bulk posting"
        pool = Pool()
        Run = pool.get('kontingent.billing.run')
        Tax = pool.get('account.tax')
        Unit = pool.get('kontingent.unit')
        build(DATE, members=10, households=2, seed=3)
        unit, = Unit.search([('code', '=', 'DF')])
        run = Run(
            company=unit.company, unit=unit,
            billing_date=datetime.date(2027, 1, 1),
            invoice_date=DATE, due_date=DATE)
        run.save()
        with Transaction().set_context(company=unit.company.id):
            Run.calculate([run])
            run, = Run.start_processing([run])
            lines = run.batches()[0][:1]
            invoice = run.invoice_for(lines, {})
            self.assertTrue(postable_in_bulk(invoice))

            account = invoice.lines[0].account
            invoice.lines[0].taxes = [Tax(
                    name="VAT", description="VAT", type='percentage',
                    rate=Decimal('0.25'), company=unit.company,
                    invoice_account=account, credit_note_account=account)]
            self.assertFalse(postable_in_bulk(invoice))

            invoice = run.invoice_for(lines, {})
            invoice.lines[0].unit_price = 0
            self.assertFalse(postable_in_bulk(invoice))


def rows(*records):
    "The stored values of the records but those naming the record"
    if not records:
        return []
    Model = records[0].__class__
    names = [n for n, f in Model._fields.items()
        if is_stored(f) and n not in IDENTITY]
    return [{n: v for n, v in r.items() if n in names}
        for r in Model.read([r.id for r in records], names)]


class FeePostingTestCase(unittest.TestCase):
    "Reminder fees posted in bulk"

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        activate_module('kontingent')

    @with_transaction()
    def test_rows_as_tryton_posts_them(self):
        "Bulk posting of fee moves writes the rows Tryton's posting writes"
        pool = Pool()
        Run = pool.get('kontingent.reminder.run')
        Unit = pool.get('kontingent.unit')
        FeeLevel = pool.get('account.dunning.fee.dunning_level')
        Move = pool.get('account.move')
        build(DATE, members=20, households=8, seed=3)
        union, = Unit.search([('code', '=', 'DF')])
        run = Run(company=union.company, date=DATE)
        run.save()
        Run.preview([run])
        self.assertGreater(len(run.reminders), 2)
        self.assertTrue(all(r.fee == 35 for r in run.reminders))
        fees = FeeLevel.create([{
                    'dunning': r.lines[0].dunning.id,
                    'level': r.level.id,
                    'amount': r.fee,
                    'currency': r.currency.id,
                    } for r in run.reminders])
        with Transaction().set_context(
                company=union.company.id, reminder_date=DATE):
            fees = FeeLevel.browse(fees)
            super(OwnFeeLevel, FeeLevel).process(fees)
            tryton = Move.search([], order=[('id', 'ASC')])
            FeeLevel.process(FeeLevel.browse(fees))
        bulk = Move.search(
            [('id', 'not in', [m.id for m in tryton])],
            order=[('id', 'ASC')])
        self.assertEqual(len(bulk), len(fees))
        tryton = [m for m in tryton if m.origin in fees]
        for expected, posted in zip(tryton, bulk):
            self.assertEqual(posted.origin, expected.origin)
            self.assertEqual(posted.state, 'posted')
            self.assertNotEqual(posted.number, expected.number)
            self.assertEqual(rows(posted), rows(expected))
            self.assertEqual(
                rows(*sorted(posted.lines, key=lambda l: l.debit)),
                rows(*sorted(expected.lines, key=lambda l: l.debit)))
