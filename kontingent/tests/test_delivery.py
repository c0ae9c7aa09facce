# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Invoices delivered by e-mail to a real SMTP server on 127.0.0.1"""
import datetime
import io
import mailbox
import os
import tempfile
import unittest
from email.utils import parseaddr

from pypdf import PdfReader

from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from ..delivery import QUEUE, MaildirReader
from ..demo.build import build
from ..formats import dsn
from .test_formats_dsn import BOUNCES
from .tools import SMTPServer, TranslatedDatabase, bill_unit, free_port

DATE = datetime.date(2026, 11, 25)


def pdf_text(data):
    return '\n'.join(
        page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def run_delivery_tasks():
    "Run the queued e-mail tasks, the retries they queue included"
    Queue = Pool().get('ir.queue')
    while tasks := Queue.search([
                ('name', '=', QUEUE),
                ('finished_at', '=', None),
                ], order=[('id', 'ASC')]):
        for task in tasks:
            task.run()


class DeliveryTestCase(
        TranslatedDatabase, SMTPServer, unittest.TestCase):
    "Invoices delivered by e-mail, on paper and as copies"

    def bill(self, code, prepare=None):
        """Build a small demo, let prepare change its members, bill unit
        code and return the run's invoices"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Unit = pool.get('kontingent.unit')
        build(DATE, members=20, households=8, seed=3)
        # The demo's own done run queued its e-mails
        run_delivery_tasks()
        self.mailbox.messages.clear()
        unit, = Unit.search([('code', '=', code)])
        if prepare:
            prepare(unit)
        run = bill_unit(unit, DATE, DATE + datetime.timedelta(days=30))
        self.assertEqual(run.state, 'done')
        invoices = Invoice.search(
            [('kontingent_billing_run', '=', run.id)])
        self.assertGreater(len(invoices), 5)
        return invoices

    @with_transaction()
    def test_billing_run_emails(self):
        "A done run sends one message per e-mail payer, others go on paper"
        pool = Pool()
        Party = pool.get('party.party')
        ContactMechanism = pool.get('party.contact_mechanism')

        expected = {}

        def prepare(unit):
            payers = Party.search([
                    ('member_unit', 'child_of', [unit.id], 'parent'),
                    ('member_payer', '=', None),
                    ('member_free', '=', False),
                    ('delivery_channel', '=', 'email'),
                    ], order=[('id', 'ASC')])
            # An e-mail member whose address is gone, one whose address
            # is broken and one who reads invoices in the portal only
            gone, broken, portal = payers[:3]
            ContactMechanism.delete([c for c in gone.contact_mechanisms
                    if c.type == 'email'])
            ContactMechanism.write([c for c in broken.contact_mechanisms
                    if c.type == 'email'], {'value': 'no-at-sign'})
            Party.write([portal], {'delivery_channel': 'portal'})
            expected.update({
                    gone: ('paper', 'to_print'),
                    broken: ('paper', 'to_print'),
                    portal: ('portal', 'published'),
                    })
        invoices = self.bill('DF', prepare)
        self.assertEqual(
            [len(i.kontingent_deliveries) for i in invoices],
            [1] * len(invoices))
        deliveries = [i.kontingent_deliveries[0] for i in invoices]
        queued = [d for d in deliveries if d.state == 'queued']
        self.assertTrue(queued)
        self.assertEqual({d.channel for d in queued}, {'email'})
        self.assertTrue(any(d.state == 'to_print' and not d.reason
                for d in deliveries))
        for party, (channel, state) in expected.items():
            delivery, = [d for d in deliveries if d.party == party]
            self.assertEqual((delivery.channel, delivery.state),
                (channel, state))
            if channel == 'paper':
                self.assertIn(party.rec_name, delivery.reason)

        run_delivery_tasks()

        self.assertEqual(len(self.mailbox.messages), len(queued))
        messages = {parseaddr(m['To'])[1]: m for m in self.mailbox.messages}
        for delivery in queued:
            self.assertEqual(delivery.state, 'sent')
            self.assertEqual(delivery.attempts, 1)
            invoice = delivery.invoice
            message = messages[invoice.party.email]
            unit = invoice.kontingent_unit
            self.assertEqual(
                parseaddr(message['From'])[1],
                unit.document_setting('email'))
            self.assertIn(unit.name, message['Subject'])
            body = message.get_body(('plain',)).get_content()
            self.assertIn(invoice.kontingent_kid, body)
            attachment, = message.iter_attachments()
            self.assertEqual(attachment.get_content_type(), 'application/pdf')
            text = pdf_text(attachment.get_content()).replace(' ', '')
            self.assertIn(invoice.kontingent_kid, text)
            self.assertNotIn('KOPI', text)
        self.assertEqual(
            len(invoices[0].party.invoice_deliveries), 1)

    @with_transaction()
    def test_bounces_read_from_maildir(self):
        """A report that an e-mail failed for good bounces its delivery to
        paper, once; delays, unknown e-mails and other mail change nothing;
        the messages are marked read when the transaction commits"""
        pool = Pool()
        Delivery = pool.get('kontingent.invoice.delivery')
        invoices = self.bill('DF')
        run_delivery_tasks()
        sent = {d.message_id: d for i in invoices
            for d in i.kontingent_deliveries if d.state == 'sent'}
        self.assertEqual(len(sent), len(self.mailbox.messages))
        # A long Message-ID is folded on the wire: unfolded, it keeps the
        # fold's space
        bounced, delayed = [sent[m['Message-ID'].strip()]
            for m in self.mailbox.messages[:2]]
        user_unknown = 'smtp; 550 5.1.1 <x@example.net>: user unknown'

        def report(message, action, status, diagnostic=''):
            recipient = parseaddr(message['To'])[1]
            return dsn.build(message, [dsn.RecipientStatus(
                        recipient, action, status, diagnostic)],
                reporting_mta='mx.example.net',
                sender='MAILER-DAEMON@mx.example.net').as_bytes()
        first, second = self.mailbox.messages[:2]
        unknown = first.__class__()
        for name, value in first.items():
            unknown[name] = value
        unknown.replace_header('Message-ID', '<elsewhere@example.org>')
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, 'bounces')
            maildir = mailbox.Maildir(path)
            files = {
                'failed': report(first, 'failed', '5.1.1', user_unknown),
                'delayed': report(second, 'delayed', '4.4.1'),
                'unknown': report(unknown, 'failed', '5.1.1'),
                'vacation': (BOUNCES / 'vacation_reply.eml').read_bytes(),
                }
            keys = {maildir.add(mailbox.MaildirMessage(data)): name
                for name, data in files.items()}

            results = Delivery.read_bounces(path)

            outcomes = {keys[key]: outcome for key, (outcome, _) in results}
            self.assertEqual(outcomes, {
                    'failed': 'bounced', 'delayed': 'delayed',
                    'unknown': 'unknown', 'vacation': 'ignored'})
            self.assertEqual(bounced.state, 'bounced')
            self.assertEqual(bounced.reason, ' '.join(user_unknown.split()))
            paper, = [d for d in bounced.invoice.kontingent_deliveries
                if d.channel == 'paper']
            self.assertEqual(paper.state, 'to_print')
            self.assertIn(bounced.email, paper.reason)
            self.assertEqual(delayed.state, 'sent')
            # Read again before the commit: the bounce is not counted twice
            results = Delivery.read_bounces(path)
            self.assertEqual(
                {keys[k]: o for k, (o, _) in results}['failed'], 'already')
            self.assertEqual(len(bounced.invoice.kontingent_deliveries), 2)

            reader = Transaction().join(MaildirReader(path))
            self.assertEqual(sorted(reader.names), sorted(keys))
            reader.tpc_finish(Transaction())
            self.assertEqual(os.listdir(os.path.join(path, 'new')), [])
            self.assertEqual(
                {maildir.get_message(k).get_flags() for k in keys}, {'S'})
            self.assertEqual(Delivery.read_bounces(path), [])

    @with_transaction()
    def test_refused_email_goes_on_paper(self):
        "A refused message is tried again, then the invoice goes on paper"
        self.mailbox.refuse = True
        invoices = self.bill('DF')
        run_delivery_tasks()
        emails = [d for i in invoices for d in i.kontingent_deliveries
            if d.channel == 'email']
        self.assertTrue(emails)
        for delivery in emails:
            self.assertEqual(delivery.state, 'failed')
            self.assertEqual(delivery.attempts, 3)
            self.assertIn('550', delivery.reason)
            paper, = [d for d in delivery.invoice.kontingent_deliveries
                if d.channel == 'paper']
            self.assertEqual(paper.state, 'to_print')
            self.assertIn('3', paper.reason)
        self.assertEqual(self.mailbox.messages, [])

    @with_transaction()
    def test_closed_port_goes_on_paper(self):
        "A server that does not answer counts as a failure for each message"
        invoices = self.bill('AF')
        self.use_smtp(free_port())
        run_delivery_tasks()
        emails = [d for i in invoices for d in i.kontingent_deliveries
            if d.channel == 'email']
        self.assertTrue(emails)
        self.assertEqual({d.state for d in emails}, {'failed'})
        self.assertEqual({d.attempts for d in emails}, {3})
        for delivery in emails:
            self.assertEqual(
                [d.state for d in delivery.invoice.kontingent_deliveries
                    if d.channel == 'paper'],
                ['to_print'])

    @with_transaction()
    def test_copies(self):
        """Messages are in the payer's language, and a copy sent again or
        reprinted says so on the document"""
        pool = Pool()
        Delivery = pool.get('kontingent.invoice.delivery')
        InvoiceReport = pool.get('kontingent.invoice', type='report')
        Lang = pool.get('ir.lang')
        invoices = self.bill('DF')
        run_delivery_tasks()
        sent = [i for i in invoices
            if [d.state for d in i.kontingent_deliveries] == ['sent']]
        invoice = sent[0]
        self.mailbox.messages.clear()

        expected = {
            'nb': "Faktura", 'da': "Faktura", 'en': "Invoice"}
        for code, word in expected.items():
            with self.subTest(language=code):
                invoice.party.lang, = Lang.search([('code', '=', code)])
                invoice.party.save()
                delivery = Delivery.for_invoice(invoice, channel='email')
                message, = Delivery.messages([delivery])
                self.assertTrue(message['Subject'].startswith(word))
                body = message.get_body(('plain',)).get_content()
                self.assertIn(invoice.kontingent_kid, body)
        invoice.party.lang, = Lang.search([('code', '=', 'nb')])
        invoice.party.save()

        Delivery.queue_emails(Delivery.email_copies([invoice]))
        run_delivery_tasks()

        message, = self.mailbox.messages
        attachment, = message.iter_attachments()
        self.assertIn('KOPI', pdf_text(attachment.get_content()))
        copy = invoice.kontingent_deliveries[0]
        self.assertEqual((copy.is_copy, copy.state), (True, 'sent'))

        Delivery.log_printed_copies([invoice])
        _, pdf, _, _ = InvoiceReport.execute(
            [invoice.id], {'kontingent_copy': True})
        self.assertIn('KOPI', pdf_text(pdf))
        printed = invoice.kontingent_deliveries[0]
        self.assertEqual(
            (printed.is_copy, printed.channel, printed.state),
            (True, 'paper', 'printed'))
