# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Reminder letters rendered, e-mailed to a real SMTP server on 127.0.0.1
and printed in print batches"""
import csv
import datetime
import io
import unittest
from decimal import Decimal
from email.utils import parseaddr

from pypdf import PdfReader

from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from ..demo.build import build
from ..invoice_report import format_account_number
from .test_delivery import pdf_text, run_delivery_tasks
from .tools import SMTPServer, TranslatedDatabase, bill_unit

DATE = datetime.date(2026, 11, 25)
DUE_DATE = DATE + datetime.timedelta(days=30)
# Fifteen days after the second claim's due date: every open claim of the
# union is overdue for the Norwegian reminder
REMIND_DATE = DUE_DATE + datetime.timedelta(days=15)


def compact(text):
    return ''.join(text.split())


def reminder_kids(reminder):
    return [l.kid for l in reminder.lines]


class ReminderDeliveryTestCase(
        TranslatedDatabase, SMTPServer, unittest.TestCase):
    "Reminder letters by e-mail and on paper"

    def remind(self, attach_copies=False):
        """Build a small demo whose union bills a second claim, send the
        union's reminder run and return it"""
        pool = Pool()
        Level = pool.get('account.dunning.level')
        ModelData = pool.get('ir.model.data')
        build(DATE, members=20, households=8, seed=3)
        unit = self.bill('DF')
        level = Level(ModelData.get_id('kontingent', 'level_norway_reminder'))
        level.attach_copies = attach_copies
        level.save()
        reminders, = self.run_reminders(unit.company, [REMIND_DATE])
        self.assertGreater(len(reminders.reminders), 5)
        return reminders

    def bill(self, code):
        """Bill unit code, a payer in three on paper, and return it with
        the invoices e-mailed"""
        pool = Pool()
        Party = pool.get('party.party')
        Unit = pool.get('kontingent.unit')
        unit, = Unit.search([('code', '=', code)])
        payers = Party.search([
                ('member_unit', 'child_of', [unit.id], 'parent'),
                ('delivery_channel', '=', 'email'),
                ], order=[('id', 'ASC')])
        Party.write(payers[::3], {'delivery_channel': 'paper'})
        bill_unit(unit, DATE, DUE_DATE)
        # The invoices' own e-mails
        run_delivery_tasks()
        self.mailbox.messages.clear()
        return unit

    def run_reminders(self, company, dates):
        "Preview and send a reminder run of company on each date"
        ReminderRun = Pool().get('kontingent.reminder.run')
        runs = []
        for date in dates:
            run = ReminderRun(company=company, date=date)
            run.save()
            with Transaction().set_context(company=company.id):
                ReminderRun.preview([run])
                ReminderRun.process([run])
            self.assertEqual(run.state, 'done')
            runs.append(run)
        return runs

    def check_letter(self, reminder, text):
        "Check the letter's text shows what to pay and how"
        text = compact(text)
        unit = reminder.unit
        self.assertIn(compact(format_account_number(
                    unit.account_number, unit.country.code)), text)
        for claim in reminder.lines:
            self.assertIn(claim.kid, text)
            self.assertIn(claim.invoice.number, text)
        lang = reminder.party.lang or Pool().get('ir.lang').get()
        for amount in [reminder.fee, reminder.total]:
            self.assertIn(compact(lang.format_number(
                        amount, digits=2, grouping=True)), text)

    @with_transaction()
    def test_letters_emailed_and_printed(self):
        """One letter per payer: e-mailed with its PDF, or printed in a
        print batch after the letter before it"""
        pool = Pool()
        Batch = pool.get('kontingent.print.batch')
        run = self.remind()
        letters = run.reminders
        self.assertEqual(
            len({(r.party, r.unit) for r in letters}), len(letters))
        self.assertTrue(any(len(r.lines) > 1 for r in letters))
        self.assertEqual(
            {len(r.deliveries) for r in letters}, {1})
        deliveries = [r.deliveries[0] for r in letters]
        emailed = [d for d in deliveries if d.state == 'queued']
        on_paper = [d for d in deliveries if d.state == 'to_print']
        self.assertTrue(emailed)
        self.assertTrue(on_paper)
        self.assertEqual(len(emailed) + len(on_paper), len(deliveries))

        run_delivery_tasks()

        self.assertEqual(len(self.mailbox.messages), len(emailed))
        messages = {parseaddr(m['To'])[1]: m for m in self.mailbox.messages}
        for delivery in emailed:
            self.assertEqual((delivery.state, delivery.attempts), ('sent', 1))
            reminder = delivery.reminder
            message = messages[reminder.party.email]
            self.assertEqual(
                parseaddr(message['From'])[1],
                reminder.unit.document_setting('email'))
            body = message.get_body(('plain',)).get_content()
            for claim in reminder.lines:
                self.assertIn(claim.kid, body)
            letter, = message.iter_attachments()
            self.assertEqual(letter.get_content_type(), 'application/pdf')
            self.check_letter(reminder, pdf_text(letter.get_content()))
        # The payer's delivery log shows the letter
        party = emailed[0].party
        self.assertIn(emailed[0], party.invoice_deliveries)

        batch = Batch(company=run.company, date=REMIND_DATE)
        batch.save()
        Batch.make([batch])
        printed = {d.reminder: d for d in batch.documents if d.reminder}
        self.assertEqual(
            set(printed), {d.reminder for d in on_paper})
        for delivery in on_paper:
            self.assertEqual(delivery.state, 'printed')
            self.assertEqual(delivery.print_batch, batch)
        rows = {int(r['sequence']): r for r in csv.DictReader(
                io.StringIO(batch.manifest.decode('utf-8')))}
        for reminder, document in printed.items():
            row = rows[document.sequence]
            self.assertEqual(
                sorted(row['kid'].split()),
                sorted(l.kid for l in reminder.lines))
            self.assertEqual(Decimal(row['amount']), reminder.total)

    @with_transaction()
    def test_copies_attached(self):
        """A level that asks for copies has the invoices follow the letter,
        marked as copies, in the e-mail and in the print batch"""
        pool = Pool()
        Batch = pool.get('kontingent.print.batch')
        run = self.remind(attach_copies=True)
        run_delivery_tasks()
        letters = [r for r in run.reminders
            if r.deliveries[0].channel == 'email']
        messages = {parseaddr(m['To'])[1]: m for m in self.mailbox.messages}
        for reminder in letters:
            message = messages[reminder.party.email]
            letter, *copies = message.iter_attachments()
            self.check_letter(reminder, pdf_text(letter.get_content()))
            texts = [pdf_text(c.get_content()) for c in copies]
            self.assertEqual(
                sorted(k for t in texts for k in reminder_kids(reminder)
                    if k in compact(t)),
                sorted(reminder_kids(reminder)))
            for text in texts:
                self.assertTrue('KOPI' in text or 'COPY' in text)

        batch = Batch(company=run.company, date=REMIND_DATE)
        batch.save()
        Batch.make([batch])
        documents = [d for d in batch.documents if d.reminder]
        self.assertTrue(documents)
        pages = PdfReader(io.BytesIO(batch.pdf)).pages
        for document in documents:
            reminder = document.reminder
            texts = [pages[n - 1].extract_text() for n in range(
                    document.first_page, document.last_page + 1)]
            copies = [('KOPI' in t or 'COPY' in t) for t in texts]
            self.assertFalse(copies[0])
            self.check_letter(reminder, ''.join(
                    t for t, copy in zip(texts, copies) if not copy))
            self.assertGreaterEqual(sum(copies), len(reminder.lines))
            self.assertTrue(copies[-1])

    @with_transaction()
    def test_refused_email_goes_on_paper(self):
        "A refused letter is tried again, then goes on paper"
        self.mailbox.refuse = True
        run = self.remind()
        run_delivery_tasks()
        emailed = [d for r in run.reminders for d in r.deliveries
            if d.channel == 'email']
        self.assertTrue(emailed)
        for delivery in emailed:
            self.assertEqual(
                (delivery.state, delivery.attempts), ('failed', 3))
            self.assertIn('550', delivery.reason)
            paper, = [d for d in delivery.reminder.deliveries
                if d.channel == 'paper']
            self.assertEqual(paper.state, 'to_print')
            self.assertEqual(paper.reminder, delivery.reminder)
        self.assertEqual(self.mailbox.messages, [])

    @with_transaction()
    def test_hand_over_list_emailed(self):
        """The address of the hand-over level gets the run's list of the
        claims handed over"""
        pool = Pool()
        Level = pool.get('account.dunning.level')
        ModelData = pool.get('ir.model.data')
        first = self.remind()
        level = Level(
            ModelData.get_id('kontingent', 'level_norway_hand_over'))
        level.notify_email = 'inkasso@example.org'
        level.save()
        _, run = self.run_reminders(first.company, [
                REMIND_DATE + datetime.timedelta(days=d) for d in [14, 28]])

        self.assertTrue(run.hand_over_file)
        self.assertEqual(run.hand_over_sent_to, 'inkasso@example.org')
        message, = [m for m in self.mailbox.messages
            if parseaddr(m['To'])[1] == 'inkasso@example.org']
        handed_over = [l for r in run.reminders for l in r.lines]
        self.assertIn(str(len(handed_over)), message['Subject'] + (
                message.get_body(('plain',)).get_content()))
        listing, = message.iter_attachments()
        self.assertEqual(listing.get_content_type(), 'text/csv')
        rows = list(csv.DictReader(io.StringIO(listing.get_content())))
        self.assertEqual(rows, list(csv.DictReader(io.StringIO(
                        run.hand_over_file.decode('utf-8')))))
        self.assertEqual(
            sorted(r['kid'] for r in rows),
            sorted(l.invoice.kontingent_kid for l in handed_over))

    @with_transaction()
    def test_danish_reminders_then_association(self):
        """Antenneforeningen's procedure: two rykkere ten days apart with a
        DKK 100 fee and an FI-kort line each, then the claims go to the
        association, whose board gets the list"""
        build(DATE, members=20, households=8, seed=3)
        unit = self.bill('AF')
        first, second, association = self.run_reminders(unit.company, [
                DUE_DATE + datetime.timedelta(days=d) for d in [10, 20, 30]])

        claims = {l.invoice for r in first.reminders for l in r.lines}
        self.assertTrue(claims)
        for run in [first, second]:
            self.assertEqual(
                {(r.kind, r.fee) for r in run.reminders},
                {('reminder', Decimal('100.00'))})
            self.assertEqual(
                {l.invoice for r in run.reminders for l in r.lines}, claims)
        reminder = first.reminders[0]
        pdf, = Pool().get('kontingent.reminder', type='report').render_each(
            [reminder.id])
        text = compact(pdf_text(pdf))
        self.assertIn('+71<', text)
        self.check_letter(reminder, text)

        self.assertEqual(
            {(r.kind, r.fee) for r in association.reminders},
            {('association', Decimal(0))})
        self.assertEqual(association.hand_over_sent_to,
            'bestyrelsen@antenneforeningen.example.dk')
        message, = [m for m in self.mailbox.messages
            if parseaddr(m['To'])[1] == association.hand_over_sent_to]
        listing, = message.iter_attachments()
        rows = list(csv.DictReader(io.StringIO(listing.get_content())))
        self.assertEqual(
            sorted(r['kid'] for r in rows),
            sorted(i.kontingent_kid for i in claims))
        self.assertEqual(sum(Decimal(r['fees']) for r in rows),
            200 * len(association.reminders))
