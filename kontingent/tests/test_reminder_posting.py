# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime
import unittest
from contextlib import contextmanager
from decimal import Decimal

from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from ..demo.build import build
from ..dunning import Dunning as OwnDunning
from ..posting import is_stored
from .test_payment_posting import bill

DATE = datetime.date(2026, 11, 25)
# The billed claims fall due 30 days after DATE
REMIND_DATE = DATE + datetime.timedelta(days=30 + 15)
WARNING_DATE = REMIND_DATE + datetime.timedelta(days=14)
BOOKKEEPING = {'id', 'create_uid', 'create_date', 'write_uid', 'write_date'}


class ReminderPostingTestCase(unittest.TestCase):
    "Dunnings generated and processed in bulk"

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        activate_module('kontingent')

    @with_transaction()
    def test_rows_as_tryton_writes_them(self):
        "Generating and processing in bulk write the rows Tryton writes"
        pool = Pool()
        Dunning = pool.get('account.dunning')
        Invoice = pool.get('account.invoice')
        Run = pool.get('kontingent.reminder.run')
        union = bill(build(DATE, members=20, households=0, seed=3).union_root)
        company = union.company
        claim_without_invoice(union, DATE)

        # New dunnings, one of a receivable line without an invoice, whose
        # procedure is its payer's
        tryton, bulk = generated(company, REMIND_DATE)
        self.assertGreater(len(bulk), 10)
        self.assertEqual(bulk, tryton)
        self.assertIn(None, {r['invoice'] for r in bulk.values()})

        # Processing charges each dunning its fee but the blocked one
        with Transaction().set_context(
                company=company.id, reminder_date=REMIND_DATE):
            dunnings = Dunning.search([
                    ('company', '=', company.id),
                    ('state', '=', 'draft'),
                    ], order=[('id', 'ASC')])
            with rolled_back():
                Dunning.write(dunnings[:1], {'blocked': True})
                super(OwnDunning, Dunning).process(Dunning.browse(dunnings))
                tryton = processed(company)
            with rolled_back():
                Dunning.write(dunnings[:1], {'blocked': True})
                Dunning.process(Dunning.browse(dunnings))
                bulk = processed(company)
        self.assertEqual(bulk, tryton)
        self.assertEqual(
            [r['state'] for r in bulk['dunnings'].values()].count('waiting'),
            len(dunnings) - 1)
        self.assertEqual(len(bulk['fees']), len(dunnings) - 1)
        self.assertEqual({r['amount'] for r in bulk['fees'].values()},
            {Decimal('35')})

        # A run sends the reminders; fourteen days later the warnings are
        # due, but for a claim held by a pending collection, a claim
        # blocked and a claim at the last level, which becomes final
        run = Run(company=company, date=REMIND_DATE)
        run.save()
        Run.preview([run])
        Run.process([run])
        waiting = [d for d in Dunning.search([
                    ('company', '=', company.id),
                    ('state', '=', 'waiting'),
                    ], order=[('id', 'ASC')])
            if d.line.move.origin]
        held, blocked, last = waiting[:3]
        Invoice.write([held.line.move.origin], {'collection_pending': True})
        Dunning.write([blocked], {'blocked': True})
        Dunning.write([last], {'level': last.procedure.levels[-1].id})

        tryton, bulk = generated(company, WARNING_DATE)
        self.assertEqual(bulk, tryton)
        warning = last.procedure.levels[1].id
        self.assertEqual(
            {(r['state'], r['level'] == warning) for r in bulk.values()},
            {('draft', True), ('waiting', False), ('final', False)})
        self.assertEqual(bulk[held.line.id]['state'], 'waiting')
        self.assertEqual(bulk[blocked.line.id]['state'], 'waiting')
        self.assertEqual(
            (bulk[last.line.id]['state'], bulk[last.line.id]['date']),
            ('final', WARNING_DATE))


@contextmanager
def rolled_back():
    "Undo in the end what the transaction did within"
    transaction = Transaction()
    cursor = transaction.connection.cursor()
    cursor.execute('SAVEPOINT compared')
    try:
        yield
    finally:
        cursor.execute('ROLLBACK TO SAVEPOINT compared')
        transaction.counter += 1
        for cache in transaction.cache.values():
            cache.clear()


def generated(company, date):
    """Return the dunnings of company after Tryton's generation on date and
    after the bulk generation, each from the same records"""
    Dunning = Pool().get('account.dunning')
    with Transaction().set_context(
            company=company.id, companies=[company.id], reminder_date=date):
        with rolled_back():
            super(OwnDunning, Dunning).generate_dunnings(date=date)
            tryton = dunning_rows(company)
        Dunning.generate_dunnings(date=date)
        return tryton, dunning_rows(company)


def dunning_rows(company):
    "The stored values of the company's dunnings by line"
    Dunning = Pool().get('account.dunning')
    dunnings = Dunning.search([('company', '=', company.id)])
    result = {}
    for row, dunning in zip(rows(dunnings), dunnings):
        origin = dunning.line.move.origin
        row['invoice'] = origin.id if origin else None
        result[dunning.line.id] = row
    return result


def processed(company):
    "The stored values of the company's dunnings and fees, with the moves"
    pool = Pool()
    FeeLevel = pool.get('account.dunning.fee.dunning_level')
    fees = FeeLevel.search([('dunning.company', '=', company.id)])
    return {
        'dunnings': dunning_rows(company),
        'fees': {(f.dunning.line.id, row.pop('dunning')): row
            for row, f in zip(rows(fees), fees)},
        'moves': sorted((
                f.level.id, m.state, m.date,
                sorted((l.account.id, l.debit, l.credit) for l in m.lines))
            for f in fees for m in f.moves),
        }


def rows(records):
    """The stored values of the records, whether written after they were
    created"""
    if not records:
        return []
    Model = records[0].__class__
    names = [n for n, f in Model._fields.items()
        if is_stored(f) and n not in BOOKKEEPING]
    read = {v['id']: v
        for v in Model.read([r.id for r in records], names + ['write_date'])}
    result = []
    for record in records:
        values = read[record.id]
        row = {n: values[n] for n in names}
        row['written'] = values['write_date'] is not None
        result.append(row)
    return result


def claim_without_invoice(union, due_date):
    """Post a receivable of a member with no invoice, whose payer reminds by
    the union's procedure"""
    pool = Pool()
    Invoice = pool.get('account.invoice')
    Journal = pool.get('account.journal')
    Move = pool.get('account.move')
    Line = pool.get('account.move.line')
    Party = pool.get('party.party')
    Period = pool.get('account.period')
    invoice, = Invoice.search([
            ('company', '=', union.company.id),
            ('type', '=', 'out'),
            ], limit=1, order=[('id', 'ASC')])
    party, = Party.search([
            ('id', '!=', invoice.party.id),
            ('member_unit', '!=', None),
            ], limit=1, order=[('id', 'ASC')])
    Party.write([party], {'dunning_procedure': union.dunning_procedure.id})
    journal, = Journal.search([('code', '=', 'REV')], limit=1)
    with Transaction().set_context(company=union.company.id):
        move = Move(
            company=union.company, journal=journal, date=due_date,
            period=Period.find(union.company, date=due_date),
            lines=[
                Line(account=invoice.account, party=party,
                    debit=Decimal('150'), maturity_date=due_date),
                Line(account=invoice.lines[0].account,
                    credit=Decimal('150')),
                ])
        move.save()
        Move.post([move])
