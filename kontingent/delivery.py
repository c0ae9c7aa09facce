# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime
import logging
import os
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from sql import Null

import trytond.config as config
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.sendmail import get_smtp_server, send_message
from trytond.tools import grouped_slice
from trytond.tools.email_ import EmailNotValidError, validate_email
from trytond.transaction import Transaction
from trytond.wizard import (
    Button, StateReport, StateTransition, StateView, Wizard)

from .exceptions import DeliveryError
from .formats import dsn
from .invoice_report import InvoiceDocument
from .party import DELIVERY_CHANNELS
from .posting import insert

logger = logging.getLogger(__name__)

# The ir.queue of e-mail batches: rendering and sending invoices must not
# hold up the billing batches on their own queue
QUEUE = 'kontingent_delivery'
# Messages per task: one SMTP connection each, short enough to retry
BATCH_SIZE = 50
# A failed e-mail is tried again after this delay, by a trytond-worker
RETRY_DELAY = datetime.timedelta(minutes=15)

STATES = [
    ('queued', "Queued"),
    ('sent', "Sent"),
    ('failed', "Failed"),
    ('bounced', "Bounced"),
    ('to_print', "To Print"),
    ('printed', "Printed"),
    ('published', "In Portal"),
    ]


def email_attempts():
    "How many times an e-mail is tried before the document goes on paper"
    return config.getint('kontingent', 'email_attempts', default=3)


def valid_email(party):
    "Return the party's e-mail address when it is valid, or None"
    address = (party.email or '').strip()
    # trytond's validate_email checks nothing without the email-validator
    # package: the address needs at least a mailbox at a domain.
    mailbox, _, domain = address.rpartition('@')
    if not mailbox or '.' not in domain or ' ' in address:
        return None
    try:
        validate_email(address)
    except EmailNotValidError:
        return None
    return address


class InvoiceDelivery(ModelSQL, ModelView):
    "Invoice Delivery"
    __name__ = 'kontingent.invoice.delivery'

    invoice = fields.Many2One(
        'account.invoice', "Invoice", required=True, readonly=True,
        ondelete='CASCADE')
    party = fields.Many2One(
        'party.party', "Payer", required=True, readonly=True,
        ondelete='RESTRICT')
    channel = fields.Selection(
        DELIVERY_CHANNELS, "Channel", required=True, readonly=True)
    channel_string = channel.translated('channel')
    state = fields.Selection(STATES, "State", required=True, readonly=True)
    is_copy = fields.Boolean(
        "Copy", readonly=True, help="A copy sent again or reprinted.")
    email = fields.Char(
        "E-mail", readonly=True,
        states={
            'invisible': Eval('channel') != 'email',
            })
    attempts = fields.Integer("Attempts", readonly=True)
    date = fields.Timestamp("Date", readonly=True)
    reason = fields.Text(
        "Reason", readonly=True,
        states={
            'invisible': ~Eval('reason'),
            })
    message_id = fields.Char(
        "Message-ID", readonly=True, strip=False,
        states={
            'invisible': ~Eval('message_id'),
            },
        help="The Message-ID of the e-mail sent: a bounce returns it.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        table = cls.__table__()
        cls._sql_indexes.add(Index(
                table, (table.message_id, Index.Equality()),
                where=table.message_id != Null))
        cls._order.insert(0, ('id', 'DESC'))
        cls._buttons.update({
                'bounce': {
                    'invisible': Eval('state') != 'sent',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_attempts(cls):
        return 0

    @classmethod
    def default_is_copy(cls):
        return False

    @classmethod
    def deliver(cls, invoices, is_copy=False):
        """Log the delivery of each invoice in its payer's channel and queue
        the e-mails; return the deliveries"""
        deliveries = [cls.for_invoice(i, is_copy=is_copy) for i in invoices]
        # Built from checked values: a billing batch logs hundreds at once
        deliveries = cls.browse(
            insert(cls, deliveries, [{}] * len(deliveries)))
        cls.queue_emails([d for d in deliveries if d.state == 'queued'])
        return deliveries

    @classmethod
    def for_invoice(cls, invoice, channel=None, is_copy=False):
        """Return the delivery of invoice in channel (by default the
        payer's), on paper when there is no way to deliver it so"""
        delivery = cls(
            invoice=invoice, party=invoice.party, is_copy=is_copy,
            date=datetime.datetime.now())
        delivery.set_channel(channel)
        return delivery

    def set_channel(self, channel=None):
        """Deliver in channel (by default the payer's), on paper when there
        is no way to deliver so"""
        payer = self.party
        self.channel = channel or payer.delivery_channel or 'paper'
        if self.channel == 'email':
            self.email = valid_email(payer)
            if self.email:
                self.state = 'queued'
            else:
                self.to_paper(gettext(
                        'kontingent.msg_delivery_no_email',
                        party=payer.rec_name, email=payer.email or ''))
        elif self.channel == 'portal':
            self.state = 'published'
        elif self.channel == 'paper':
            self.state = 'to_print'
        else:
            # eFaktura, AvtaleGiro and the others have no way out yet
            self.to_paper(gettext(
                    'kontingent.msg_delivery_channel_unavailable',
                    channel=self.channel_string))

    @classmethod
    def email_copies(cls, invoices):
        """Return the saved deliveries of a copy of each invoice to its
        payer's e-mail address, for the caller to queue or send"""
        for invoice in invoices:
            if not valid_email(invoice.party):
                raise DeliveryError(gettext(
                        'kontingent.msg_delivery_copy_no_email',
                        invoice=invoice.rec_name,
                        party=invoice.party.rec_name))
        deliveries = [cls.for_invoice(i, channel='email', is_copy=True)
            for i in invoices]
        cls.save(deliveries)
        return deliveries

    @classmethod
    def log_printed_copies(cls, invoices):
        deliveries = [cls.for_invoice(i, channel='paper', is_copy=True)
            for i in invoices]
        for delivery in deliveries:
            delivery.state = 'printed'
        cls.save(deliveries)
        return deliveries

    def to_paper(self, reason):
        self.channel = 'paper'
        self.state = 'to_print'
        self.reason = reason

    @classmethod
    def queue_emails(cls, deliveries, delay=None):
        with Transaction().set_context(
                queue_name=QUEUE, queue_scheduled_at=delay):
            for batch in grouped_slice(deliveries, BATCH_SIZE):
                cls.__queue__.send_emails(list(batch))

    @classmethod
    def send_emails(cls, deliveries):
        """Send the queued e-mails over one SMTP connection; a failure is
        queued again or, after the last attempt, goes on paper"""
        deliveries = [d for d in deliveries if d.state == 'queued']
        if not deliveries:
            return
        try:
            server = get_smtp_server(strict=True)
        except (smtplib.SMTPException, OSError) as exception:
            cls.failed(deliveries, exception)
            return
        failures = []
        try:
            messages = cls.messages(deliveries)
            for delivery, message in zip(deliveries, messages):
                try:
                    server = send_message(message, server=server, strict=True)
                except (smtplib.SMTPException, OSError) as exception:
                    failures.append((delivery, exception))
                else:
                    delivery.attempts += 1
                    delivery.state = 'sent'
                    delivery.message_id = message['Message-ID']
                    delivery.date = datetime.datetime.now()
                    delivery.reason = None
        finally:
            server.quit()
        cls.save([d for d in deliveries if d.state == 'sent'])
        for delivery, exception in failures:
            cls.failed([delivery], exception)

    @classmethod
    def failed(cls, deliveries, exception):
        "Record a failed attempt, and queue the retry or go on paper"
        reason = str(exception) or exception.__class__.__name__
        retry, paper = [], []
        for delivery in deliveries:
            delivery.attempts += 1
            delivery.date = datetime.datetime.now()
            delivery.reason = reason
            if delivery.attempts >= email_attempts():
                delivery.state = 'failed'
                paper.append(delivery.paper_copy(gettext(
                            'kontingent.msg_delivery_email_failed',
                            attempts=delivery.attempts, reason=reason)))
            else:
                retry.append(delivery)
        cls.save(deliveries + paper)
        cls.queue_emails(retry, delay=RETRY_DELAY)

    def paper_copy(self, reason):
        "Return the paper delivery that replaces this one"
        delivery = self.__class__(
            invoice=self.invoice, party=self.party, is_copy=self.is_copy,
            date=datetime.datetime.now())
        delivery.to_paper(reason)
        return delivery

    @classmethod
    def read_bounces(cls, path=None):
        """Record the bounces among the new messages of the Maildir at path
        (by default [kontingent] bounce_maildir); return, for each message,
        its file name and what was made of it as (outcome, detail)

        The messages are marked read once the transaction is committed:
        a bounce read by a transaction that fails is read again.
        """
        path = path or config.get('kontingent', 'bounce_maildir')
        if not path:
            return []
        new = os.path.join(path, 'new')
        names = sorted(n for n in os.listdir(new) if not n.startswith('.'))
        results = []
        for name in names:
            with open(os.path.join(new, name), 'rb') as file:
                results.append((name, cls.record_bounce(file.read())))
        reader = Transaction().join(MaildirReader(path))
        reader.names.extend(n for n in names if n not in reader.names)
        return results

    @classmethod
    def record_bounce(cls, data):
        """Mark bounced the e-mail a delivery status notification (bytes)
        reports failed for good, and put it on paper; return the outcome
        and its detail:

        - bounced: the delivery bounced now;
        - already: the delivery was bounced or is not sent;
        - delayed: the server still tries, nothing to do;
        - unknown: the report is about no e-mail sent from here;
        - ignored: the message is no report, or breaks RFC 3464.
        """
        try:
            report = dsn.parse(data)
        except dsn.DSNError as exception:
            return 'ignored', str(exception)
        if not report.failed:
            return 'delayed', report.original_message_id
        deliveries = report.original_message_id and cls.search([
                ('message_id', '=', report.original_message_id),
                ], limit=1)
        if not deliveries:
            return 'unknown', report.original_message_id
        delivery, = deliveries
        if delivery.state != 'sent':
            return 'already', delivery
        failed = report.failed[0]
        delivery.reason = failed.diagnostic or failed.status
        cls.bounce([delivery])
        return 'bounced', delivery

    @classmethod
    @ModelView.button
    def bounce(cls, deliveries):
        "Mark as bounced the e-mails that came back and print them"
        paper = []
        for delivery in deliveries:
            delivery.state = 'bounced'
            paper.append(delivery.paper_copy(gettext(
                        'kontingent.msg_delivery_email_bounced',
                        email=delivery.email)))
        cls.save(deliveries + paper)

    @classmethod
    def messages(cls, deliveries):
        """Return the e-mail of each delivery with the PDF of its invoice,
        the PDFs rendered together"""
        InvoiceReport = Pool().get('kontingent.invoice', type='report')
        pdfs = [None] * len(deliveries)
        for is_copy in {bool(d.is_copy) for d in deliveries}:
            indexes = [i for i, d in enumerate(deliveries)
                if bool(d.is_copy) == is_copy]
            with Transaction().set_context(kontingent_copy=is_copy):
                rendered = InvoiceReport.render_each(
                    [deliveries[i].invoice.id for i in indexes])
            for i, pdf in zip(indexes, rendered):
                pdfs[i] = pdf
        return [d.message(pdf) for d, pdf in zip(deliveries, pdfs)]

    def message(self, pdf):
        "Return the e-mail of the invoice with pdf, its document, attached"
        pool = Pool()
        Lang = pool.get('ir.lang')
        invoice = self.invoice
        lang = self.party.lang or Lang.get()
        document = InvoiceDocument(invoice, lang)
        reference = document.kid if document.payment_request else (
            invoice.number)
        values = {
            'unit': document.sender_name,
            'reference': reference,
            'party': self.party.name,
            'amount': lang.currency(
                document.amount_to_pay, invoice.currency, grouping=True),
            'due_date': lang.strftime(document.due_date),
            'kid': document.kid or '',
            'account': document.account_number or '',
            }
        kind = 'payment_request' if document.payment_request else 'invoice'
        message = self.new_message(document.sender_name, gettext(
                f'kontingent.msg_{kind}_email_subject', lang.code, **values))
        body = gettext(
            f'kontingent.msg_{kind}_email_body', lang.code, **values)
        if self.is_copy:
            body = gettext(
                'kontingent.msg_invoice_email_copy', lang.code) + '\n\n' + body
        message.set_content(body)
        message.add_attachment(
            pdf, maintype='application', subtype='pdf',
            filename=f'{reference}.pdf')
        return message

    def new_message(self, sender_name, subject):
        "Return an e-mail from the payee unit to the payer"
        sender = self.sender()
        message = EmailMessage()
        message['From'] = formataddr((sender_name, sender))
        message['To'] = formataddr((self.party.name, self.email))
        message['Subject'] = subject
        _, _, domain = sender.rpartition('@')
        message['Message-ID'] = make_msgid(
            idstring=f'kontingent.{self.id}', domain=domain or None)
        return message

    @property
    def sending_unit(self):
        "The payee unit of the document delivered"
        return self.invoice.kontingent_unit

    def sender(self):
        "The address of the payee unit, or of a unit above it"
        unit = self.sending_unit
        return (unit and unit.document_setting('email')
            or config.get('email', 'from'))


class MaildirReader:
    """Marks the messages read, as a mail client would, when the
    transaction that recorded them commits"""

    def __init__(self, path):
        self.path = path
        self.names = []

    def __eq__(self, other):
        return (isinstance(other, MaildirReader)
            and other.path == self.path)

    def __hash__(self):
        return hash(self.path)

    def tpc_begin(self, transaction):
        pass

    def commit(self, transaction):
        pass

    def tpc_vote(self, transaction):
        pass

    def tpc_finish(self, transaction):
        names, self.names = self.names, []
        for name in names:
            # Maildir: a message read moves from new to cur, flagged Seen
            try:
                os.rename(os.path.join(self.path, 'new', name),
                    os.path.join(self.path, 'cur', f'{name}:2,S'))
            except OSError:
                logger.warning(
                    "could not mark %s read in %s", name, self.path,
                    exc_info=True)

    def tpc_abort(self, transaction):
        pass

    def abort(self, transaction):
        pass


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append((
                'kontingent.invoice.delivery|read_bounces',
                "Read Bounced E-mails"))


class Invoice(metaclass=PoolMeta):
    __name__ = 'account.invoice'

    kontingent_deliveries = fields.One2Many(
        'kontingent.invoice.delivery', 'invoice', "Deliveries",
        readonly=True)

    @classmethod
    def copy(cls, invoices, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('kontingent_deliveries')
        return super().copy(invoices, default=default)


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    invoice_deliveries = fields.One2Many(
        'kontingent.invoice.delivery', 'party', "Deliveries",
        readonly=True,
        help="The invoices and reminder letters delivered to the party.")

    @classmethod
    def copy(cls, parties, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('invoice_deliveries')
        return super().copy(parties, default=default)


class BillingLine(metaclass=PoolMeta):
    __name__ = 'kontingent.billing.line'

    @classmethod
    def post_claims(cls, run):
        """Deliver the invoices as they are posted: a run of many thousand
        members then never waits for one last huge transaction"""
        pool = Pool()
        Delivery = pool.get('kontingent.invoice.delivery')
        invoices = super().post_claims(run)
        if invoices:
            Delivery.deliver(invoices)
        return invoices


class InvoiceCopyStart(ModelView):
    "Send Again or Reprint Invoices"
    __name__ = 'kontingent.invoice.copy.start'

    how = fields.Selection([
            ('email', "Send Again by E-mail"),
            ('print', "Reprint"),
            ], "How", required=True)

    @classmethod
    def default_how(cls):
        return 'print'


class InvoiceCopy(Wizard):
    "Send Again or Reprint Invoices"
    __name__ = 'kontingent.invoice.copy'

    start = StateView(
        'kontingent.invoice.copy.start',
        'kontingent.invoice_copy_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("OK", 'copy', 'tryton-ok', default=True),
            ])
    copy = StateTransition()
    print_ = StateReport('kontingent.invoice')

    def transition_copy(self):
        pool = Pool()
        Delivery = pool.get('kontingent.invoice.delivery')
        if self.start.how == 'email':
            Delivery.queue_emails(Delivery.email_copies(self.records))
            return 'end'
        Delivery.log_printed_copies(self.records)
        return 'print_'

    def do_print_(self, action):
        return action, {
            'ids': [r.id for r in self.records],
            'kontingent_copy': True,
            }
