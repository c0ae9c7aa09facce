# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Set-up shared by the test cases: a database with the Norwegian and
Danish translations, a real SMTP server on 127.0.0.1, billing a unit"""
import datetime
import os
import socket
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

import trytond.config as config
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    DB_NAME, activate_module, backup_db_cache, drop_db, restore_db_cache)
from trytond.transaction import Transaction


class TranslatedDatabase:
    """Mixin of test cases whose database has the module with its nb and da
    translations, loaded the way trytond-admin -l nb da loads them"""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
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
        super().tearDownClass()


class Mailbox:
    "An aiosmtpd handler keeping the messages, or refusing them all"

    def __init__(self, refuse=False):
        self.refuse = refuse
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return '550 5.7.1 Refused by the test server'
        self.messages.append(message_from_bytes(
                envelope.content, policy=policy.default))
        return '250 OK'


def sqlite_config(directory):
    """Write a trytond.conf keeping SQLite databases in directory, for the
    kontingent command; return its path"""
    path = os.path.join(directory, 'trytond.conf')
    with open(path, 'w') as file:
        file.write(f"[database]\nuri = sqlite://\npath = {directory}\n")
    return path


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class SMTPServer:
    """Mixin of test cases that send e-mail through Tryton's settings to an
    SMTP server of their own on 127.0.0.1, keeping what it receives in
    self.mailbox"""

    def setUp(self):
        super().setUp()
        self.mailbox = Mailbox()
        self.smtp = Controller(
            self.mailbox, hostname='127.0.0.1', port=free_port())
        self.smtp.start()
        self.addCleanup(self.smtp.stop)
        self.addCleanup(config.set, 'email', 'uri', config.get(
                'email', 'uri'))
        self.use_smtp(self.smtp.port)

    def use_smtp(self, port):
        config.set('email', 'uri', f'smtp://127.0.0.1:{port}')


def bill_unit(
        unit, invoice_date, due_date, billing_date=datetime.date(2027, 1, 1)):
    """Bill the dues of unit for the periods holding billing_date by a run,
    batch by batch as the workers do; return the run"""
    pool = Pool()
    Line = pool.get('kontingent.billing.line')
    Run = pool.get('kontingent.billing.run')
    run = Run(
        company=unit.company, unit=unit, billing_date=billing_date,
        invoice_date=invoice_date, due_date=due_date)
    run.save()
    with Transaction().set_context(
            company=unit.company.id, _skip_warnings=True):
        Run.calculate([run])
        run, = Run.start_processing([run])
        for batch in run.batches():
            Line.bill(batch)
        Run.finish([run])
    return run
