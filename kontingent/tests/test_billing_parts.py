# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Large billing runs calculated in parts and billed in batches, a queued
task each"""
import datetime
import math
import unittest
from unittest.mock import patch

from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from .. import billing
from ..demo.build import build
from ..exceptions import BillingError

DATE = datetime.date(2026, 11, 25)
PART_SIZE = 4


def queued(method):
    Queue = Pool().get('ir.queue')
    return [t for t in Queue.search([
                ('name', '=', billing.QUEUE),
                ('finished_at', '=', None),
                ], order=[('id', 'ASC')])
        if t.data['method'] == method]


def run_queued_tasks():
    "Run the billing queue's tasks as a worker would, those they queue too"
    Queue = Pool().get('ir.queue')
    while tasks := Queue.search([
                ('name', '=', billing.QUEUE),
                ('finished_at', '=', None),
                ], order=[('id', 'ASC')]):
        for task in tasks:
            task.run()


def calculated(run):
    "The lines, figures and changes of run, as comparable values"
    return (
        sorted((l.membership.id, l.payer.id, l.state, l.amount, l.trace,
                l.message, tuple((i.product.id, i.period_start, i.amount,
                        i.price_basis, i.trace) for i in l.items))
            for l in run.lines),
        sorted((f.kind, f.name, f.members, f.amount) for f in run.figures),
        sorted((c.kind, c.membership.id, c.previous_amount, c.amount)
            for c in run.changes))


class CalculationInPartsTestCase(unittest.TestCase):
    "Runs of more memberships than a part calculated by the workers"

    @classmethod
    def setUpClass(cls):
        activate_module('kontingent')

    def new_run(self, code):
        pool = Pool()
        Run = pool.get('kontingent.billing.run')
        Unit = pool.get('kontingent.unit')
        unit, = Unit.search([('code', '=', code)])
        run = Run(
            company=unit.company, unit=unit,
            billing_date=datetime.date(2027, 1, 1), invoice_date=DATE,
            due_date=DATE + datetime.timedelta(days=30))
        run.save()
        return run

    @with_transaction()
    def test_parts_calculate_as_one(self):
        "A run calculated in parts has the lines and figures of one whole"
        pool = Pool()
        Run = pool.get('kontingent.billing.run')
        build(DATE, members=20, households=8, seed=3)
        run = self.new_run('DF')

        with patch.object(billing, 'CALCULATE_PART_SIZE', PART_SIZE), \
                Transaction().set_context(company=run.company.id):
            Run.calculate([run])
            self.assertEqual(run.state, 'calculating')
            self.assertEqual(run.lines, ())
            to_calculate = run.memberships_to_calculate
            self.assertGreater(to_calculate, 2 * PART_SIZE)
            parts = queued('calculate_part')
            self.assertEqual(
                len(parts), math.ceil(to_calculate / PART_SIZE))

            # A worker that runs a part again adds no line twice
            first, *_ = parts
            first.run()
            lines = len(Run(run.id).lines)
            self.assertEqual(lines, PART_SIZE)
            Run.calculate_part([run], *first.data['args'])
            self.assertEqual(len(Run(run.id).lines), lines)
            self.assertEqual(Run(run.id).state, 'calculating')

            run_queued_tasks()
        run = Run(run.id)
        self.assertEqual(run.state, 'calculated')
        self.assertEqual(len(run.lines), to_calculate)
        self.assertEqual(run.progress, 0.0)
        in_parts = calculated(run)

        with Transaction().set_context(company=run.company.id):
            Run.calculate([run])
        self.assertEqual(Run(run.id).state, 'calculated')
        self.assertEqual(calculated(Run(run.id)), in_parts)

    @with_transaction()
    def test_cancelled_while_calculating(self):
        """A run cancelled while calculating adds no line; it is calculated
        again once its parts are done"""
        pool = Pool()
        Run = pool.get('kontingent.billing.run')
        build(DATE, members=20, households=8, seed=3)
        run = self.new_run('DF')

        with patch.object(billing, 'CALCULATE_PART_SIZE', PART_SIZE), \
                Transaction().set_context(company=run.company.id):
            Run.calculate([run])
            Run.cancel([run])
            Run.draft([run])
            with self.assertRaisesRegex(BillingError, 'parts'):
                Run.calculate([run])

            run_queued_tasks()
            run = Run(run.id)
            self.assertEqual(run.state, 'draft')
            self.assertEqual(run.lines, ())

            Run.calculate([run])
            self.assertEqual(run.state, 'calculating')
            run_queued_tasks()
        self.assertEqual(Run(run.id).state, 'calculated')


class BillingInBatchesTestCase(unittest.TestCase):
    "Claims made by many batches at once, numbered and posted one at a time"

    @classmethod
    def setUpClass(cls):
        activate_module('kontingent')

    @with_transaction()
    def test_claims_made_then_posted(self):
        """Claims made but not posted when the workers stop are posted when
        the run is confirmed again, and no line is claimed twice"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Line = pool.get('kontingent.billing.line')
        Run = pool.get('kontingent.billing.run')
        build(DATE, members=20, households=8, seed=3)
        run = CalculationInPartsTestCase.new_run(self, 'DF')

        with patch.object(billing, 'BATCH_SIZE', 2), \
                Transaction().set_context(company=run.company.id):
            Run.calculate([run])
            Run.confirm([run])
            batches = queued('make_claims')
            self.assertGreater(len(batches), 3)
            self.assertEqual(len(queued('post_claims')), 1)
            for task in batches[:2]:
                task.run()
            claimed = Line.search([
                    ('run', '=', run.id), ('invoice', '!=', None)])
            self.assertTrue(claimed)
            self.assertEqual({l.state for l in claimed}, {'to_bill'})
            drafts = {l.invoice for l in claimed}
            self.assertEqual({i.state for i in drafts}, {'draft'})
            self.assertEqual({i.move.state for i in drafts}, {'draft'})
            self.assertEqual({i.number for i in drafts}, {None})
            self.assertTrue(all(i.kontingent_kid for i in drafts))
            self.assertEqual(Run(run.id).lines_done, 0)
            self.assertEqual(Line.make_claims(claimed), [])

            # The workers stop here; staff confirm the run again
            Queue = pool.get('ir.queue')
            Queue.delete(Queue.search([('name', '=', billing.QUEUE)]))
            Run.confirm([Run(run.id)])
            queued_lines = {i for t in queued('make_claims')
                for i in t.data['args'][0]}
            self.assertFalse(queued_lines & {l.id for l in claimed})
            run_queued_tasks()

        run = Run(run.id)
        self.assertEqual(run.state, 'done')
        self.assertNotIn('to_bill', {l.state for l in run.lines})
        billed = [l for l in run.lines if l.state == 'billed']
        invoices = Invoice.search([('kontingent_billing_run', '=', run.id)])
        self.assertEqual(set(invoices), {l.invoice for l in billed})
        self.assertEqual(
            len(invoices), len({(l.payee, l.payer) for l in billed}))
        self.assertTrue(drafts <= set(invoices))
        self.assertEqual({i.state for i in invoices}, {'posted'})
        self.assertEqual({i.move.state for i in invoices}, {'posted'})
        for field in ['number', 'kontingent_kid']:
            values = [getattr(i, field) for i in invoices]
            self.assertTrue(all(values))
            self.assertEqual(len(set(values)), len(values))
        moves = [i.move.number for i in invoices]
        self.assertEqual(len(set(moves)), len(moves))
        self.assertEqual(sum(i.total_amount for i in invoices),
            run.total_amount)
