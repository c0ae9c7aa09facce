# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Large billing runs calculated in parts, a queued task each"""
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


def queued_parts():
    Queue = Pool().get('ir.queue')
    return [t for t in Queue.search([
                ('name', '=', billing.QUEUE),
                ('finished_at', '=', None),
                ], order=[('id', 'ASC')])
        if t.data['method'] == 'calculate_part']


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
            parts = queued_parts()
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
