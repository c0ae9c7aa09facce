# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The reminder letter as a document, delivered like the invoices.

The letter is rendered the way the invoice is (invoice_report.py and the
shared parts of report/document.html) and delivered by the invoice
delivery machinery (delivery.py, print_batch.py): a delivery or a print
batch document refers to a reminder instead of an invoice.

Which KID pays what: the OCR import pays one invoice per KID and leaves
what is paid above the invoice's amount as a credit on the payer's
account.  So the letter has a payment part per claim, with the claim's KID
and amount; the fee (a move of its own, without KID) goes with the first
claim, and the payments not yet allocated are deducted from the claims in
their order.  Paying each part with its KID then pays each claim, and the
fee paid with the first claim stays as a credit on the payer's account that
balances the fee's receivable.
"""
import datetime
import io
from decimal import Decimal

from pypdf import PdfReader, PdfWriter

from trytond.i18n import gettext
from trytond.model import Unique, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction

from . import reminder_law
from .invoice_report import Document, DocumentReport, PaymentPart


class Level(metaclass=PoolMeta):
    __name__ = 'account.dunning.level'

    letter_title = fields.Char(
        "Letter Title", translate=True,
        help="The heading of the letter, e.g. \"2. purring\"; "
        "leave empty for the kind's: Reminder or Debt Collection Warning.")


def claims_in_order(reminder):
    "The claims of reminder by due date, then in the order they were invoiced"
    return sorted(reminder.lines, key=lambda l: (
            l.maturity_date or datetime.date.min,
            l.invoice.id if l.invoice else 0, l.id))


class ClaimPaymentPart(PaymentPart):
    "The part of a reminder that pays one claim with its KID"

    def __init__(self, document, claim, amount):
        reminder = document.reminder
        super().__init__(document, claim.kid, amount, reminder.currency,
            reminder.payment_deadline)
        self.claim = claim


class ReminderDocument(Document):
    "What a reminder letter shows, worked out for its template"

    def __init__(self, reminder, lang):
        super().__init__(reminder.company, reminder.unit, lang)
        self.reminder = reminder

    @property
    def title(self):
        return self.reminder.level.letter_title or gettext(
            f'kontingent.msg_reminder_title_{self.reminder.kind}',
            self.lang.code)

    @property
    def letter_text(self):
        return self.reminder.level.letter_text

    @property
    def payer_address(self):
        address = self.reminder.party.address_get(type='invoice')
        return self.address_lines(address) if address else []

    @property
    def claims(self):
        return claims_in_order(self.reminder)

    @property
    def kids(self):
        "The KIDs of the claims, in the letter's order"
        return [l.kid for l in self.claims if l.kid]

    @property
    def invoice_numbers(self):
        return [l.invoice.number for l in self.claims
            if l.invoice and l.invoice.number]

    @property
    def payment_parts(self):
        "The part to pay of each claim with a KID, in the claims' order"
        reminder = self.reminder
        claims = [l for l in self.claims if l.kid]
        if not claims:
            return []
        amounts = [l.amount for l in claims]
        amounts[0] += (reminder.fee or 0) + sum(
            (l.amount for l in reminder.lines if not l.kid), Decimal(0))
        credit = reminder.paid or Decimal(0)
        for index, amount in enumerate(amounts):
            deducted = min(credit, amount)
            amounts[index] -= deducted
            credit -= deducted
        return [ClaimPaymentPart(self, claim, amount)
            for claim, amount in zip(claims, amounts) if amount > 0]

    @property
    def payment_slips(self):
        "The payment parts printed as a giro or an FI-kort"
        return [p for p in self.payment_parts if p.shown]


class ReminderReport(DocumentReport):
    "Reminder letters, each in its payer's language"
    __name__ = 'kontingent.reminder'
    document_class = ReminderDocument

    @classmethod
    def render_with_copies(cls, reminders):
        """Return the PDF of each reminder followed, when its level asks
        for them, by copies of its invoices"""
        InvoiceReport = Pool().get('kontingent.invoice', type='report')
        pdfs = cls.render_each([r.id for r in reminders])
        copies = {}
        invoices = sorted({l.invoice.id for r in reminders
                if r.level.attach_copies for l in r.lines if l.invoice})
        if invoices:
            with Transaction().set_context(kontingent_copy=True):
                copies = dict(zip(
                        invoices, InvoiceReport.render_each(invoices)))
        return [(pdf, [copies[l.invoice.id] for l in claims_in_order(r)
                    if r.level.attach_copies and l.invoice])
            for r, pdf in zip(reminders, pdfs)]


def combine(pdfs):
    "Return the PDFs one after the other as one PDF"
    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(PdfReader(io.BytesIO(pdf)))
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


class Reminder(metaclass=PoolMeta):
    __name__ = 'kontingent.reminder'

    deliveries = fields.One2Many(
        'kontingent.invoice.delivery', 'reminder', "Deliveries",
        readonly=True)

    @classmethod
    def copy(cls, reminders, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('deliveries')
        return super().copy(reminders, default=default)

    @classmethod
    def send(cls, reminders, date):
        """Deliver the letters of each batch with the batch, the e-mails
        queued: a large run is not held up by rendering them"""
        pool = Pool()
        Delivery = pool.get('kontingent.invoice.delivery')
        super().send(reminders, date)
        Delivery.deliver_reminders([r for r in reminders
                if r.kind not in reminder_law.FINAL_KINDS])


def invoice_unless_reminder(cls):
    "Make the invoice of model cls required only when it has no reminder"
    cls.invoice.required = False
    cls.invoice.states = {
        'required': ~Eval('reminder'),
        'invisible': Bool(Eval('reminder')),
        }
    cls.invoice.depends = {'reminder'}


class InvoiceDelivery(metaclass=PoolMeta):
    __name__ = 'kontingent.invoice.delivery'

    reminder = fields.Many2One(
        'kontingent.reminder', "Reminder", readonly=True,
        ondelete='CASCADE',
        states={
            'invisible': ~Eval('reminder'),
            })

    @classmethod
    def __setup__(cls):
        super().__setup__()
        invoice_unless_reminder(cls)

    @property
    def sending_unit(self):
        if getattr(self, 'reminder', None):
            return self.reminder.unit
        return super().sending_unit

    @property
    def printed_record(self):
        return getattr(self, 'reminder', None) or super().printed_record

    @classmethod
    def deliver_reminders(cls, reminders):
        """Log the delivery of each letter in its payer's channel and queue
        the e-mails; return the deliveries"""
        deliveries = [cls.for_reminder(r) for r in reminders]
        cls.save(deliveries)
        cls.queue_emails([d for d in deliveries if d.state == 'queued'])
        return deliveries

    @classmethod
    def for_reminder(cls, reminder, channel=None):
        delivery = cls(
            reminder=reminder, party=reminder.party, is_copy=False,
            date=datetime.datetime.now())
        delivery.set_channel(channel)
        return delivery

    def paper_copy(self, reason):
        delivery = super().paper_copy(reason)
        delivery.reminder = getattr(self, 'reminder', None)
        return delivery

    @classmethod
    def messages(cls, deliveries):
        pool = Pool()
        ReminderReport = pool.get('kontingent.reminder', type='report')
        # By index: deliveries not saved yet are equal to each other
        letters = [i for i, d in enumerate(deliveries)
            if getattr(d, 'reminder', None)]
        invoices = [i for i, d in enumerate(deliveries) if i not in letters]
        messages = [None] * len(deliveries)
        if invoices:
            for i, message in zip(invoices, super().messages(
                        [deliveries[i] for i in invoices])):
                messages[i] = message
        if letters:
            rendered = ReminderReport.render_with_copies(
                [deliveries[i].reminder for i in letters])
            for i, (pdf, copies) in zip(letters, rendered):
                messages[i] = deliveries[i].reminder_message(pdf, copies)
        return messages

    def reminder_message(self, pdf, copies):
        """Return the e-mail of the reminder with pdf, its letter, and the
        copies of its invoices attached"""
        pool = Pool()
        Lang = pool.get('ir.lang')
        reminder = self.reminder
        lang = self.party.lang or Lang.get()
        document = ReminderDocument(reminder, lang)
        parts = document.payment_parts
        values = {
            'title': document.title,
            'unit': document.sender_name,
            'party': self.party.name,
            'amount': lang.currency(
                reminder.total, reminder.currency, grouping=True),
            'deadline': lang.strftime(reminder.payment_deadline),
            'account': document.account_number or '',
            'payments': '\n'.join(
                gettext('kontingent.msg_reminder_email_payment', lang.code,
                    kid=p.kid, amount=lang.currency(
                        p.amount, reminder.currency, grouping=True))
                for p in parts),
            }
        message = self.new_message(document.sender_name, gettext(
                'kontingent.msg_reminder_email_subject', lang.code,
                **values))
        message.set_content(gettext(
                'kontingent.msg_reminder_email_body', lang.code, **values))
        name = f'{document.title}-{reminder.date.isoformat()}'
        message.add_attachment(
            pdf, maintype='application', subtype='pdf',
            filename=f'{name}.pdf')
        for claim, copy in zip(
                [l for l in document.claims if l.invoice], copies):
            message.add_attachment(
                copy, maintype='application', subtype='pdf',
                filename=f'{claim.invoice.number or claim.kid}.pdf')
        return message


class PrintBatch(metaclass=PoolMeta):
    __name__ = 'kontingent.print.batch'

    def delivery_domain(self):
        "The letters to print as well, unless the batch is of a billing run"
        domain = super().delivery_domain()
        if self.billing_run:
            return domain
        reminders = [
            ('state', '=', 'to_print'),
            ('print_document', '=', None),
            ('reminder.company', '=', self.company.id),
            ]
        if self.unit:
            reminders.append(
                ('reminder.unit', 'child_of', [self.unit.id], 'parent'))
        return ['OR', domain, reminders]


class PrintBatchDocument(metaclass=PoolMeta):
    __name__ = 'kontingent.print.batch.document'

    reminder = fields.Many2One(
        'kontingent.reminder', "Reminder", readonly=True,
        ondelete='RESTRICT',
        states={
            'invisible': ~Eval('reminder'),
            })

    @classmethod
    def __setup__(cls):
        super().__setup__()
        invoice_unless_reminder(cls)
        t = cls.__table__()
        cls._sql_constraints += [
            ('batch_reminder_unique', Unique(t, t.batch, t.reminder),
                'kontingent.msg_print_batch_reminder_unique'),
            ]

    @classmethod
    def printable(cls, record):
        if record.__name__ == 'kontingent.reminder':
            return record.state == 'sent'
        return super().printable(record)

    @classmethod
    def address_problem(cls, record):
        if record.__name__ != 'kontingent.reminder':
            return super().address_problem(record)
        address = record.party.address_get(type='invoice')
        if not (address and address.street and address.postal_code
                and address.city):
            return gettext('kontingent.msg_print_batch_reminder_no_address',
                reminder=record.rec_name, party=record.party.rec_name)

    @classmethod
    def from_record(cls, batch, record, deliveries):
        if record.__name__ != 'kontingent.reminder':
            return super().from_record(batch, record, deliveries)
        address = record.party.address_get(type='invoice')
        return cls(
            batch=batch, reminder=record, party=record.party,
            name=address.party_full_name, street=address.street,
            postal_code=address.postal_code, city=address.city,
            country=address.country, amount=record.total,
            currency=record.currency, deliveries=deliveries,
            is_copy=False)

    @property
    def letter(self):
        "The document of the letter, in the payer's language"
        pool = Pool()
        Lang = pool.get('ir.lang')
        return ReminderDocument(
            self.reminder, self.reminder.party.lang or Lang.get())

    @property
    def sort_key(self):
        if getattr(self, 'reminder', None):
            numbers = self.letter.invoice_numbers
            return (self.postal_code or '', self.name or '',
                numbers[0] if numbers else '')
        return super().sort_key

    @property
    def kids(self):
        if getattr(self, 'reminder', None):
            return self.letter.kids
        return super().kids

    def names(self):
        if getattr(self, 'reminder', None):
            return {
                'invoice': self.reminder.rec_name,
                'party': self.party.rec_name,
                }
        return super().names()

    def render(self):
        """Return the PDF of the letter followed by the copies of its
        invoices when its level asks for them"""
        pool = Pool()
        ReminderReport = pool.get('kontingent.reminder', type='report')
        if not getattr(self, 'reminder', None):
            return super().render()
        (pdf, copies), = ReminderReport.render_with_copies([self.reminder])
        return combine([pdf] + copies) if copies else pdf

    def manifest_reference(self):
        if getattr(self, 'reminder', None):
            return (' '.join(self.letter.invoice_numbers),
                ' '.join(self.letter.kids))
        return super().manifest_reference()
