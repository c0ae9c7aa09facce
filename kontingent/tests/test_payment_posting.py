# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime
import random
import unittest
from collections import defaultdict
from decimal import Decimal

from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from ..demo.build import build
from ..demo.payments import choose_payments, payment_file
from ..formats import ocr_giro
from ..ocr_import import Importer
from ..posting import is_stored
from .tools import bill_unit

DATE = datetime.date(2026, 11, 25)
PAID_ON = DATE + datetime.timedelta(days=20)
BOOKKEEPING = {'id', 'create_uid', 'create_date', 'write_uid', 'write_date'}
# Columns that differ between two imports of the same payments, and the
# only columns compared of the invoices paid
IGNORED = {
    'kontingent.ocr.file': {'transmission_number', 'fingerprint'},
    'account.statement': {
        'name', 'origin_file', 'origin_file_id', 'start_balance',
        'end_balance'},
    'account.statement.origin': {'kontingent_kid', 'information'},
    'account.move': {'number'},
    'account.move.reconciliation': {'number'},
    'kontingent.payment.unmatched': {'kid'},
    }
COMPARED = {
    'account.invoice': {'state', 'total_amount_cache'},
    }


class PaymentPostingTestCase(unittest.TestCase):
    "Payments of OCR Giro files posted in bulk"

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        activate_module('kontingent')

    @with_transaction(context={'date': PAID_ON, '_skip_warnings': True})
    def test_rows_as_tryton_posts_them(self):
        "Bulk posting writes the rows Tryton's statements write"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Log = pool.get('ir.model.log')
        Queue = pool.get('ir.queue')
        union = bill(build(DATE, members=40, households=0, seed=3).union_root)

        # Two sets of claims of the same amounts, each paid by a file with
        # full, partial, over-, double and unknown payments and a payment
        # the file reverses
        by_amount = defaultdict(list)
        for invoice in Invoice.search([
                    ('kontingent_unit', '=', union.id),
                    ('invoice_date', '=', DATE),
                    ('state', '=', 'posted'),
                    ], order=[('id', 'ASC')]):
            by_amount[invoice.total_amount].append(invoice)
        pairs = [i[:2] for i in by_amount.values() if len(i) >= 2][:6]
        self.assertEqual(len(pairs), 6)
        imports = []
        for number, claims in enumerate(zip(*pairs), start=1):
            full, partly, over, twice, once_more, undone = claims
            payments = [(i.kontingent_kid, i.total_amount) for i in [
                    full, partly, over, twice, once_more, twice, undone]]
            payments[1] = (partly.kontingent_kid, Decimal('100.00'))
            payments[2] = (over.kontingent_kid, over.total_amount + 50)
            payments += choose_payments(
                [], 0, 1, union.kid_algorithm, union.kid_length,
                random.Random(number))
            payments[-1] = (payments[-1][0], Decimal('75.00'))
            transmission = ocr_giro.parse(payment_file(
                    payments, number=f'000000{number}',
                    data_recipient='00010200', agreement_id='000000001',
                    account=union.account_number, date=PAID_ON))
            transactions = transmission.assignments[0].transactions
            transactions.append(ocr_giro.Transaction(
                    type=ocr_giro.TransactionType.REVERSING_WITH_KID,
                    number=len(transactions) + 1, nets_date=PAID_ON,
                    amount=undone.total_amount, kid=undone.kontingent_kid,
                    archive_reference='000000099', bank_date=PAID_ON))
            data = ocr_giro.serialise(transmission).encode('iso-8859-1')
            log_start = len(Transaction().log_records)
            importer = import_file(
                union.company, data, in_bulk=number == 2)
            # The worker processes the invoices of the reconciliations
            # made through the ORM
            for task in Queue.search([('dequeued_at', '=', None)]):
                if task.data['method'] == 'process':
                    task.run()
            if number == 1:
                self.assertFalse(sum(map(len, importer.bulk.values())))
            else:
                # Full payments of an invoice paid once in the file, and
                # the payments queued
                self.assertEqual(
                    [c.invoice if c else None
                        for p in importer.bulk.values() for _, c in p],
                    [full.id, twice.id, once_more.id, None, None])
            logs = {(str(l.resource), l.event, l.target)
                for l in Transaction().log_records[log_start:]
                if l.resource.__name__ == 'account.invoice'}
            logs.update(
                (str(l.resource), l.event, l.target) for l in Log.search([
                        ('resource', 'in', [str(i) for i in claims]),
                        ]))
            statement, = importer.ocr_file.statements
            imports.append((statement, claims, logs))

        tryton, tryton_claims, tryton_logs = imports[0]
        bulk, bulk_claims, bulk_logs = imports[1]
        self.assertEqual(tryton.state, 'posted')
        self.assertEqual(bulk.state, 'posted')
        tryton_records, tryton_named = made(tryton, tryton_claims)
        bulk_records, bulk_named = made(bulk, bulk_claims)
        tryton_roles = roles(tryton_records + tryton_named)
        bulk_roles = roles(bulk_records + bulk_named)
        for expected, posted in zip(tryton_records, bulk_records):
            self.assertEqual(
                rows(posted, bulk_roles), rows(expected, tryton_roles),
                f'{posted.__name__} {posted.id}, as {expected.id}')
        self.assertEqual(len(bulk_logs), 4)
        self.assertEqual(
            {(tryton_roles[tuple(r.split(','))], e, t)
                for r, e, t in tryton_logs},
            {(bulk_roles[tuple(r.split(','))], e, t)
                for r, e, t in bulk_logs})

        self.assertEqual(
            [i.state for i in bulk_claims],
            ['paid', 'posted', 'paid', 'paid', 'paid', 'posted'])
        self.assertEqual(bulk_claims[-1].amount_to_pay,
            bulk_claims[-1].total_amount)
        self.assertEqual(bulk_claims[1].amount_to_pay,
            bulk_claims[1].total_amount - 100)
        moves = [r for r in bulk_records if r.__name__ == 'account.move']
        self.assertTrue(all(m.state == 'posted' for m in moves))
        self.assertEqual(len({m.number for m in moves}), len(moves))
        ocr_file = bulk.kontingent_ocr_file
        self.assertEqual(
            (ocr_file.matched, ocr_file.unmatched, ocr_file.reversals),
            (6, 2, 1))


def bill(union):
    "Bill the coming year's dues of union; return it"
    bill_unit(union, DATE, DATE + datetime.timedelta(days=30))
    return union


def import_file(company, data, in_bulk):
    "Import the OCR Giro file data as OCRFile.import_file does"
    OCRFile = Pool().get('kontingent.ocr.file')
    transmission = ocr_giro.parse(data)
    ocr_file = OCRFile.receive(company, transmission)
    OCRFile.lock_posting(company, transmission)
    importer = Importer(ocr_file, transmission, in_bulk=in_bulk)
    importer.post(importer.statements(data))
    return importer


def made(statement, claims):
    """Return the records the import of statement made or changed, in an
    order the two paths share, and the others they refer to"""
    pool = Pool()
    PaymentLine = pool.get('account.invoice-account.move.line')
    Unmatched = pool.get('kontingent.payment.unmatched')
    records = [statement.kontingent_ocr_file, statement]
    for invoice in claims:
        records.append(invoice)
        records += sorted(invoice.lines_to_pay, key=by_id)
    for origin in sorted(statement.origins, key=by_id):
        records.append(origin)
        for line in sorted(origin.lines, key=by_id):
            records.append(line)
            records += Unmatched.search(
                [('statement_line', '=', line.id)], order=[('id', 'ASC')])
            records.append(line.move)
            for move_line in sorted(line.move.lines, key=by_id):
                records.append(move_line)
                records += PaymentLine.search(
                    [('line', '=', move_line.id)], order=[('id', 'ASC')])
                if move_line.reconciliation:
                    records.append(move_line.reconciliation)
    unique = []
    for record in records:
        if record not in unique:
            unique.append(record)
    return unique, [r for i in claims for r in [i.party, i.move]]


def by_id(record):
    return record.id


def roles(records):
    "Name each record by its model and place among the records"
    return {(r.__name__, str(r.id)): f'{r.__name__} {i}'
        for i, r in enumerate(records)}


def rows(record, roles):
    """The stored values of record, the records among roles named by their
    role, whether it was written after its creation"""
    Model = record.__class__
    names = [n for n, f in Model._fields.items()
        if is_stored(f) and n not in BOOKKEEPING
        and n not in IGNORED.get(Model.__name__, set())
        and n in COMPARED.get(Model.__name__, {n})]
    values, = Model.read([record.id], names + ['write_date'])
    row = {'written': values['write_date'] is not None}
    for name in names:
        field, value = Model._fields[name], values[name]
        if field._type == 'many2one' and value is not None:
            value = roles.get((field.model_name, str(value)), value)
        elif field._type == 'reference' and value:
            value = roles.get(tuple(value.split(',')), value)
        row[name] = value
    return row
