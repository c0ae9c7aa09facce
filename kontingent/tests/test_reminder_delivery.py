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

from aiosmtpd.controller import Controller
from pypdf import PdfReader

import trytond.config as config
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    DB_NAME, activate_module, backup_db_cache, drop_db, restore_db_cache,
    with_transaction)
from trytond.transaction import Transaction

from ..demo.build import build
from ..invoice_report import format_account_number
from .test_delivery import Mailbox, free_port, pdf_text, run_delivery_tasks

DATE = datetime.date(2026, 11, 25)
DUE_DATE = DATE + datetime.timedelta(days=30)
# Fifteen days after the second claim's due date: every open claim of the
# union is overdue for the Norwegian reminder
REMIND_DATE = DUE_DATE + datetime.timedelta(days=15)


def compact(text):
    return ''.join(text.split())


def reminder_kids(reminder):
    return [l.kid for l in reminder.lines]


class ReminderDeliveryTestCase(unittest.TestCase):
    "Reminder letters by e-mail and on paper"

    @classmethod
    def setUpClass(cls):
        "Load the translations, for letters in the payers' languages"
        cache_name = 'kontingent--nb-da'
        drop_db()
        if restore_db_cache(cache_name):
            return
        activate_module('kontingent')
        with Transaction().start(DB_NAME, 0, close=True) as transaction:
            Lang = Pool().get('ir.lang')
            Lang.write(Lang.search([('code', 'in', ['nb', 'da'])]), {
                    'translatable': True,
                    })
            transaction.commit()
        Pool(DB_NAME).init(update=['kontingent'], lang=['nb', 'da'])
        backup_db_cache(cache_name)

    @classmethod
    def tearDownClass(cls):
        drop_db()

    def setUp(self):
        self.mailbox = Mailbox()
        self.smtp = Controller(
            self.mailbox, hostname='127.0.0.1', port=free_port())
        self.smtp.start()
        self.addCleanup(self.smtp.stop)
        self.addCleanup(config.set, 'email', 'uri', config.get(
                'email', 'uri'))
        config.set('email', 'uri', f'smtp://127.0.0.1:{self.smtp.port}')

    def remind(self, attach_copies=False):
        """Build a small demo whose union bills a second claim, send the
        union's reminder run and return it"""
        pool = Pool()
        Level = pool.get('account.dunning.level')
        Line = pool.get('kontingent.billing.line')
        ModelData = pool.get('ir.model.data')
        Party = pool.get('party.party')
        Run = pool.get('kontingent.billing.run')
        ReminderRun = pool.get('kontingent.reminder.run')
        Unit = pool.get('kontingent.unit')
        build(DATE, members=20, households=8, seed=3)
        unit, = Unit.search([('code', '=', 'DF')])
        # Every other payer of the union on paper
        payers = Party.search([
                ('member_unit', 'child_of', [unit.id], 'parent'),
                ('delivery_channel', '=', 'email'),
                ], order=[('id', 'ASC')])
        Party.write(payers[::3], {'delivery_channel': 'paper'})
        run = Run(
            company=unit.company, unit=unit,
            billing_date=datetime.date(2027, 1, 1),
            invoice_date=DATE, due_date=DUE_DATE)
        run.save()
        with Transaction().set_context(
                company=unit.company.id, _skip_warnings=True):
            Run.calculate([run])
            run, = Run.start_processing([run])
            for batch in run.batches():
                Line.bill(batch)
            Run.finish([run])
        # The invoices' own e-mails
        run_delivery_tasks()
        self.mailbox.messages.clear()
        level = Level(ModelData.get_id('kontingent', 'level_norway_reminder'))
        level.attach_copies = attach_copies
        level.save()
        reminders = ReminderRun(company=unit.company, date=REMIND_DATE)
        reminders.save()
        with Transaction().set_context(company=unit.company.id):
            ReminderRun.preview([reminders])
            ReminderRun.process([reminders])
        self.assertEqual(reminders.state, 'done')
        self.assertGreater(len(reminders.reminders), 5)
        return reminders

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
