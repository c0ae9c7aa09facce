# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Paper invoices in print batches for a print-and-send service"""
import csv
import datetime
import io
import os
import tempfile
import unittest
from decimal import Decimal

from pypdf import PdfReader, PdfWriter

from trytond.pool import Pool
from trytond.tests.test_tryton import (
    activate_module, backup_db_cache, drop_db, restore_db_cache,
    with_transaction)
from trytond.transaction import Transaction

from . import test_demo
from ..demo.build import build
from ..exceptions import PrintBatchError
from ..manual_invoice import (
    post_single_invoices, single_invoice, single_invoice_line)
from .tools import bill_unit, sqlite_config

DATE = datetime.date(2026, 11, 25)
BILLING_DATE = datetime.date(2027, 1, 1)


def words(text):
    return ' '.join(text.split())


def page_texts(pdf):
    return [words(page.extract_text())
        for page in PdfReader(io.BytesIO(pdf)).pages]


def pdf_page_count(pdf):
    return len(PdfReader(io.BytesIO(pdf)).pages)


def manifest_rows(data):
    return list(csv.DictReader(io.StringIO(data.decode('utf-8'))))


class PrintBatchTestCase(unittest.TestCase):
    "Print batches of a small demo"

    @classmethod
    def setUpClass(cls):
        "Build the demo once: each test rolls its changes back"
        cache_name = 'kontingent--print-batch'
        drop_db()
        if restore_db_cache(cache_name):
            return
        activate_module('kontingent')
        cls.build_demo()
        backup_db_cache(cache_name)

    @staticmethod
    @with_transaction()
    def build_demo():
        """Build a small demo and bill next year's dues of the union with
        every other member on paper"""
        pool = Pool()
        Party = pool.get('party.party')
        Unit = pool.get('kontingent.unit')
        build(DATE, members=30, households=8, seed=3)
        unit, = Unit.search([('code', '=', 'DF')])
        members = Party.search([
                ('member_unit', 'child_of', [unit.id], 'parent'),
                ], order=[('id', 'ASC')])
        Party.write(members[::2], {'delivery_channel': 'paper'})
        bill_unit(unit, DATE, DATE + datetime.timedelta(days=30),
            billing_date=BILLING_DATE)
        Transaction().commit()

    @classmethod
    def tearDownClass(cls):
        drop_db()

    def run_and_deliveries(self):
        "Return the union's run and its deliveries to print and the others"
        pool = Pool()
        Run = pool.get('kontingent.billing.run')
        run, = Run.search([('billing_date', '=', BILLING_DATE)])
        deliveries = sorted(
            (d for i in run.invoices for d in i.kontingent_deliveries),
            key=lambda d: d.id)
        to_print = [d for d in deliveries if d.state == 'to_print']
        others = [d for d in deliveries if d.state != 'to_print']
        self.assertGreater(len(to_print), 5)
        self.assertTrue(others)
        return run, to_print, others

    def make(self, records, duplex=False):
        "Make a print batch with the wizard from records, and return it"
        pool = Pool()
        Batch = pool.get('kontingent.print.batch')
        MakeBatch = pool.get('kontingent.print.batch.make', type='wizard')
        with Transaction().set_context(
                active_model=records[0].__name__, active_id=records[0].id,
                active_ids=[r.id for r in records]):
            session_id, _, _ = MakeBatch.create()
            try:
                result = MakeBatch.execute(
                    session_id, {'start': {'duplex': duplex}}, 'make')
            finally:
                MakeBatch.delete(session_id)
        (action, _), = result['actions']
        batch, = Batch.browse(action['res_id'])
        return batch

    @with_transaction()
    def test_billing_run(self):
        """A run's paper invoices in one PDF sorted by postal code, after a
        cover sheet, each on its own pages as the manifest says"""
        pool = Pool()
        InvoiceReport = pool.get('kontingent.invoice', type='report')
        Lang = pool.get('ir.lang')
        run, to_print, _ = self.run_and_deliveries()
        invoices = [d.invoice for d in to_print]
        missing = invoices[0]
        missing.invoice_address.postal_code = None
        missing.invoice_address.save()

        batch = self.make([run])

        self.assertEqual(batch.state, 'done')
        self.assertEqual(batch.billing_run, run)
        documents = batch.documents
        self.assertEqual(
            {d.invoice for d in documents}, set(invoices) - {missing})
        self.assertIn(missing.party.rec_name, batch.skipped)
        self.assertEqual(
            [d.state for d in missing.kontingent_deliveries], ['to_print'])

        keys = [(d.postal_code, d.name, d.invoice.number) for d in documents]
        self.assertEqual(keys, sorted(keys))
        self.assertGreater(len({d.postal_code for d in documents}), 3)
        self.assertEqual(
            batch.manifest_name, f'print-batch-{batch.number}.csv')
        rows = manifest_rows(batch.manifest)
        self.assertEqual(
            [(r['sequence'], r['kid'], r['invoice_number'], r['name'],
                r['address_1'], r['postal_code'], r['city'], r['country'],
                Decimal(r['amount']), r['currency']) for r in rows],
            [(str(d.sequence), d.invoice.kontingent_kid, d.invoice.number,
                a.party_full_name, a.street, a.postal_code, a.city, 'NO',
                d.invoice.amount_to_pay, 'NOK')
                for d in documents for a in [d.invoice.invoice_address]])

        pages = page_texts(batch.pdf)
        self.assertEqual(len(pages), batch.page_count)
        self.assertEqual(batch.sheet_count, batch.page_count)
        following = 2
        for row, document in zip(rows, documents):
            _, pdf, _, _ = InvoiceReport.execute([document.invoice.id], {})
            first, last = int(row['first_page']), int(row['last_page'])
            self.assertEqual((first, last),
                (following, following + pdf_page_count(pdf) - 1))
            following = last + 1
        self.assertEqual(following, len(pages) + 1)
        self.assert_one_recipient_per_document(pages, rows)

        cover = pages[0]
        self.assertIn(f"Print batch {batch.number}", cover)
        self.assertIn(f"Documents (envelopes) {len(documents)}", cover)
        self.assertIn(f"Sheets, this one included {batch.sheet_count}", cover)
        self.assertIn(f"Pages, this one included {batch.page_count}", cover)
        (currency, count, amount), = batch.currency_totals()
        self.assertEqual(
            (currency.code, count, amount),
            ('NOK', len(documents),
                sum(d.invoice.amount_to_pay for d in documents)))
        self.assertGreater(amount, 0)
        self.assertIn(
            words(f"NOK {count} "
                + Lang.get().currency(amount, currency, grouping=True)),
            cover)

        self.check_printed_once(batch, run, invoices, missing)

    def assert_one_recipient_per_document(self, pages, rows):
        """The pages of each row show its invoice, KID and recipient, and
        no other recipient's name or KID"""
        for row in rows:
            text = ' '.join(
                pages[int(row['first_page']) - 1:int(row['last_page'])])
            for value in [row['invoice_number'], row['kid'], row['name']]:
                self.assertIn(value, text)
            for other in rows:
                if other is not row:
                    self.assertNotIn(other['kid'], text)
                    if other['name'] not in row['name']:
                        self.assertNotIn(other['name'], text)

    def check_printed_once(self, batch, run, invoices, missing):
        "No invoice is printed twice; cancelling a batch prints it again"
        pool = Pool()
        Batch = pool.get('kontingent.print.batch')
        Delivery = pool.get('kontingent.invoice.delivery')
        printed = [d for doc in batch.documents for d in doc.deliveries]
        self.assertEqual(len(printed), len(batch.documents))
        self.assertEqual({d.state for d in printed}, {'printed'})
        self.assertEqual(
            set(Delivery.search([('print_batch', '=', batch.id)])),
            set(printed))

        with self.assertRaises(PrintBatchError) as context:
            self.make([run])
        self.assertIn(missing.party.rec_name, context.exception.message)

        missing.invoice_address.postal_code = '5003'
        missing.invoice_address.save()
        late = self.make([run])
        self.assertEqual([d.invoice for d in late.documents], [missing])
        self.assertIsNone(late.skipped)

        Batch.cancel([batch])
        self.assertEqual(batch.state, 'cancelled')
        self.assertEqual(
            (batch.documents, batch.pdf, batch.manifest), ((), None, None))
        self.assertEqual({d.state for d in printed}, {'to_print'})
        again = self.make([run])
        self.assertEqual(
            {d.invoice for d in again.documents}, set(invoices) - {missing})

        Batch.send([again])
        with self.assertRaises(PrintBatchError):
            Batch.delete([again])
        Batch.cancel([again])
        self.assertEqual(again.state, 'sent')

        Batch.delete([late])
        self.assertEqual(
            [(d.state, d.print_batch) for d in missing.kontingent_deliveries],
            [('to_print', None)])

    @with_transaction()
    def test_duplex_selection(self):
        """In duplex every document starts on a sheet of its own; invoices
        and deliveries chosen by hand are printed, on paper only"""
        pool = Pool()
        Party = pool.get('party.party')
        Unit = pool.get('kontingent.unit')
        union, = Unit.search([('code', '=', 'DF')])
        member, = Party.search([
                ('member_unit', 'child_of', [union.id], 'parent'),
                ('delivery_channel', '=', 'paper'),
                ], limit=1)
        with Transaction().set_context(company=union.company.id):
            long_invoice = single_invoice(
                union, member, DATE, DATE + datetime.timedelta(days=14))
            product = union.products[0].products[0]
            long_invoice.lines = [
                single_invoice_line(long_invoice, product, Decimal(10),
                    description=f"Course day {n}")
                for n in range(1, 41)]
            post_single_invoices([long_invoice])
        self.assertEqual(long_invoice.kontingent_deliveries, ())

        _, to_print, emailed = self.run_and_deliveries()
        emailed_states = [d.state for d in emailed]
        batch = self.make(
            [long_invoice] + [d.invoice for d in to_print + emailed],
            duplex=True)

        delivery, = long_invoice.kontingent_deliveries
        self.assertEqual(
            (delivery.channel, delivery.state, delivery.print_batch),
            ('paper', 'printed', batch))
        self.assertEqual(
            {d.invoice for d in batch.documents},
            {long_invoice} | {d.invoice for d in to_print})
        self.assertEqual([d.state for d in emailed], emailed_states)

        pages = page_texts(batch.pdf)
        self.assertEqual(len(pages), batch.page_count)
        self.assertEqual(batch.sheet_count * 2, batch.page_count)
        self.assertEqual(pages[1], '')
        counts = set()
        for document in batch.documents:
            count = document.last_page - document.first_page + 1
            counts.add(count % 2)
            self.assertEqual(document.first_page % 2, 1)
            if count % 2:
                self.assertEqual(pages[document.last_page], '')
        self.assertEqual(counts, {0, 1})
        self.assert_one_recipient_per_document(
            pages, manifest_rows(batch.manifest))
        self.check_pages_refused(batch)

    def check_pages_refused(self, batch):
        "A PDF whose pages are not where the manifest says is refused"
        documents = batch.documents
        first, second = documents[0].first_page, documents[1].first_page
        order = list(range(batch.page_count))
        order[first - 1], order[second - 1] = second - 1, first - 1
        for pages, message in [
                (order, "shows the KID of invoice"),
                (order[:-2], "pages where its documents take")]:
            reader = PdfReader(io.BytesIO(batch.pdf))
            writer = PdfWriter()
            for page in pages:
                writer.add_page(reader.pages[page])
            output = io.BytesIO()
            writer.write(output)
            with self.assertRaises(PrintBatchError) as context:
                batch.check_pages(output.getvalue(), documents)
            self.assertIn(message, context.exception.message)

    @with_transaction()
    def test_deliveries_chosen(self):
        "Of the deliveries chosen in the list, those to print are printed"
        _, to_print, queued = self.run_and_deliveries()
        batch = self.make(queued[:2] + to_print[:1])
        document, = batch.documents
        self.assertEqual(document.deliveries, tuple(to_print[:1]))
        self.assertEqual(
            (document.first_page, document.last_page), (2, batch.page_count))
        self.assertEqual({d.state for d in queued[:2]}, {'queued'})

        with self.assertRaises(PrintBatchError):
            self.make(queued[:2])


class PrintBatchCommandTestCase(unittest.TestCase):
    "kontingent print-batch on a demo database of its own"

    def test_print_batch(self):
        with tempfile.TemporaryDirectory() as directory:
            config = sqlite_config(directory)
            result = test_demo.run_command(
                'demo', '-d', 'demo', '--members', '40', '--households', '5',
                '--date', DATE.isoformat(), config=config)
            self.assertEqual(result.returncode, 0, result.stderr)
            result = test_demo.run_command(
                'bill', '-d', 'demo', '--unit', 'DF',
                '--period-date', BILLING_DATE.isoformat(),
                '--invoice-date', DATE.isoformat(), config=config)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn("Billing run 2 ", result.stdout)
            output = os.path.join(directory, 'out')

            result = test_demo.run_command(
                'print-batch', '-d', 'demo', '--run', '2', '--duplex',
                '--output', output, config=config)
            self.assertEqual(result.returncode, 0, result.stderr)
            names = sorted(os.listdir(output))
            self.assertEqual(
                names, ['print-batch-00001.csv', 'print-batch-00001.pdf'])
            with open(os.path.join(output, names[0]), 'rb') as file:
                rows = manifest_rows(file.read())
            with open(os.path.join(output, names[1]), 'rb') as file:
                pages = page_texts(file.read())
            self.assertTrue(rows)
            self.assertEqual(len(pages) % 2, 0)
            self.assertIn(len(pages) - int(rows[-1]['last_page']), {0, 1})
            self.assertIn(
                f"Print batch 00001: {len(rows)} documents, "
                f"{len(pages) // 2} sheets, {len(pages)} pages",
                result.stdout)

            result = test_demo.run_command(
                'print-batch', '-d', 'demo', '--unit', 'DF',
                '--output', output, config=config)
            self.assertEqual(result.returncode, 2)
            self.assertIn("There is nothing to print", result.stderr)

            result = test_demo.run_command(
                'print-batch', '-d', 'demo', '--run', '99',
                '--output', output, config=config)
            self.assertEqual(result.returncode, 2)
            self.assertIn("billing run 99 does not exist", result.stderr)
