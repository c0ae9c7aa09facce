# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import base64
import io
import os
import re
from decimal import Decimal

import weasyprint
from genshi.filters import Translator
from genshi.template import MarkupTemplate, TemplateLoader
from num2words import num2words
from stdnum.no import kontonr

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.report import Report
from trytond.report.report import TranslateFactory
from trytond.transaction import Transaction

from .exceptions import AccountNumberError, DocumentColourError
from .formats import fik

COLOUR = re.compile(r'^#[0-9a-fA-F]{6}$')
DEFAULT_COLOUR = '#1f4e79'

REPORT_DIRECTORY = os.path.join(os.path.dirname(__file__), 'report')
# The report whose translations the shared parts of the documents use
SHARED_TRANSLATIONS = 'kontingent.invoice'

# num2words has no 'nb' but its 'no' writes Bokmål.
NUM2WORDS_LANGUAGES = {'nb': 'no', 'da': 'da', 'en': 'en'}

IMAGE_TYPES = [
    (b'\x89PNG', 'image/png'),
    (b'\xff\xd8', 'image/jpeg'),
    (b'GIF8', 'image/gif'),
    ]


def image_data_uri(data):
    "Return the image as a data: URI, or None when its type is unknown"
    data = bytes(data)
    if b'<svg' in data[:1024]:
        mime_type = 'image/svg+xml'
    else:
        mime_type = next(
            (t for magic, t in IMAGE_TYPES if data.startswith(magic)), None)
    if mime_type:
        return 'data:%s;base64,%s' % (
            mime_type, base64.b64encode(data).decode('ascii'))


def amount_in_words(amount, language):
    "Return amount as words for the whole units and n/100 for the rest"
    language = NUM2WORDS_LANGUAGES.get((language or 'en')[:2], 'en')
    whole = int(amount)
    cents = int((abs(amount) - abs(whole)) * 100)
    return '%s %02d/100' % (num2words(whole, lang=language), cents)


def format_account_number(number, country_code):
    "Return the account number grouped as the payer's bank writes it"
    if country_code == 'NO' and len(number) == 11:
        return kontonr.format(number)
    elif country_code == 'DK':
        return '%s %s' % (number[:4], number[4:])
    return ' '.join(number[i:i + 4] for i in range(0, len(number), 4))


class Unit(metaclass=PoolMeta):
    __name__ = 'kontingent.unit'

    document_logo = fields.Binary(
        "Logo",
        help="Printed at the top of the invoices (PNG, JPEG or SVG); "
        "leave empty to use the logo of the unit above or of the company.")
    document_colour = fields.Char(
        "Colour",
        help="The colour of the headings and rules of the invoices, "
        "as #RRGGBB; leave empty to use the unit above's.")
    document_text = fields.Text(
        "Invoice Text", translate=True,
        help="Printed under the lines of every invoice, "
        "e.g. what the dues cover or how to change the payer.")
    document_footer = fields.Text(
        "Footer", translate=True,
        help="Printed at the foot of every invoice page: address, "
        "organisation number, contact; "
        "leave empty to use the unit above's or the company's.")
    document_amount_in_words = fields.Boolean(
        "Amount in Words",
        help="Write the amount to pay in words under the figures.")
    fik_creditor_number = fields.Char(
        "FI Creditor Number",
        help="The 8-digit creditor number of the unit's FI agreement: "
        "Danish invoices then carry the FI-kort +71 payment line.")

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('fik_creditor_number'):
            values['fik_creditor_number'] = values[
                'fik_creditor_number'].replace(' ', '')
        return values

    @classmethod
    def validate_fields(cls, units, field_names):
        super().validate_fields(units, field_names)
        if 'document_colour' in field_names:
            for unit in units:
                unit.check_document_colour()
        if 'fik_creditor_number' in field_names:
            for unit in units:
                unit.check_fik_creditor_number()

    def check_document_colour(self):
        # The colour goes into the document's style sheet as it is.
        if self.document_colour and not COLOUR.match(self.document_colour):
            raise DocumentColourError(gettext(
                    'kontingent.msg_unit_document_colour_invalid',
                    colour=self.document_colour, unit=self.rec_name))

    def check_fik_creditor_number(self):
        if self.fik_creditor_number:
            try:
                fik.validate_creditor(self.fik_creditor_number)
            except fik.FIKError as exception:
                raise AccountNumberError(gettext(
                        'kontingent.msg_unit_fik_creditor_number_invalid',
                        number=self.fik_creditor_number,
                        unit=self.rec_name)) from exception

    def document_setting(self, name):
        "Return the setting of the nearest unit, up the tree, that has it"
        return next(
            (getattr(u, name) for u in self.lineage if getattr(u, name)),
            None)


class Document:
    """What a document of a unit to a payer shows, worked out for the
    templates: the unit's look, its sender and footer, its account"""

    def __init__(self, company, unit, lang):
        self.company = company
        self.unit = unit
        self.lang = lang

    @property
    def colour(self):
        return (self.unit and self.unit.document_setting('document_colour')
            or DEFAULT_COLOUR)

    @property
    def logo(self):
        logo = self.unit and self.unit.document_setting('document_logo')
        logo = logo or self.company.logo
        if logo:
            return image_data_uri(logo)

    @property
    def sender(self):
        "The party named as the one who bills"
        return self.unit and self.unit.party or self.company.party

    @property
    def sender_name(self):
        return self.unit.name if self.unit else self.sender.name

    @property
    def sender_address(self):
        "The sender's address lines, under the unit's name"
        pool = Pool()
        Address = pool.get('party.address')
        address = self.sender.address_get()
        if address:
            with Transaction().set_context(address_with_party=False):
                address = Address(address.id)
                return [l for l in address.full_address.splitlines() if l]
        return []

    @property
    def footer(self):
        return (self.unit and self.unit.document_setting('document_footer')
            or self.company.footer_used)

    @staticmethod
    def address_lines(address):
        return [l for l in (address.full_address or '').splitlines() if l]

    @property
    def account_number(self):
        if self.unit:
            return format_account_number(
                self.unit.account_number, self.unit.country.code)

    def format_number(self, value, digits):
        return self.lang.format_number(value, digits=digits, grouping=True)


class PaymentPart:
    """The part to pay one KID with: a giro in NOK, an FI-kort payment line
    in DKK when the unit has an FI creditor number"""

    def __init__(self, document, kid, amount, currency, due_date):
        self.document = document
        self.kid = kid
        self.amount = amount
        self.currency = currency
        self.due_date = due_date

    @property
    def giro(self):
        "Whether to print the Norwegian giro payment part"
        return self.currency.code == 'NOK' and bool(self.kid)

    @property
    def fik_payment_line(self):
        """The FI-kort +71 line, when the KID is a valid payment id: a MOD10
        KID zero-padded to 15 digits"""
        unit = self.document.unit
        creditor = unit and unit.fik_creditor_number
        if (self.currency.code == 'DKK' and creditor and self.kid
                and len(self.kid) <= fik.LENGTH
                and fik.is_valid(self.kid.zfill(fik.LENGTH))):
            return fik.format(self.kid.zfill(fik.LENGTH), creditor)

    @property
    def fik_payment_id(self):
        if self.fik_payment_line:
            return self.kid.zfill(fik.LENGTH)

    @property
    def shown(self):
        "Whether the document has a payment part for the KID"
        return self.giro or bool(self.fik_payment_line)

    @property
    def whole_and_cents(self):
        "The amount to pay as its whole units and two-digit cents"
        amount = self.amount.quantize(Decimal('0.01'))
        whole = int(amount)
        return (self.document.format_number(Decimal(whole), 0),
            '%02d' % int((amount - whole) * 100))


class InvoiceDocument(Document):
    "What an invoice document shows, worked out for its template"

    def __init__(self, invoice, lang):
        super().__init__(invoice.company, invoice.kontingent_unit, lang)
        self.invoice = invoice

    @property
    def payment_request(self):
        return bool(self.invoice.kontingent_payment_request)

    @property
    def kid(self):
        return self.invoice.kontingent_kid

    @property
    def text(self):
        return self.unit and self.unit.document_text

    @property
    def payer_address(self):
        return self.address_lines(self.invoice.invoice_address)

    @property
    def members(self):
        "The members the invoice is for, by name, the payer excepted"
        members = []
        for line in self.invoice.lines:
            member = line.kontingent_member
            if (member and member != self.invoice.party
                    and member not in members):
                members.append(member)
        return members

    @property
    def due_date(self):
        dates = [l.maturity_date for l in self.invoice.lines_to_pay
            if l.maturity_date]
        return min(dates) if dates else self.invoice.invoice_date

    @property
    def amount_to_pay(self):
        if self.invoice.state in {'posted', 'paid'}:
            return self.invoice.amount_to_pay
        return self.invoice.total_amount

    @property
    def amount_in_words(self):
        if self.unit and self.unit.document_amount_in_words:
            return amount_in_words(self.amount_to_pay, self.lang.code)

    @property
    def payment_part(self):
        part = PaymentPart(self, self.kid, self.amount_to_pay,
            self.invoice.currency, self.due_date)
        if part.shown:
            return part

    @staticmethod
    def explanation(line):
        "The steps of the line's price explanation, without its heading"
        return [step.strip()
            for step in (line.kontingent_trace or '').splitlines()
            if step.startswith(' ')]


class DocumentTranslateFactory(TranslateFactory):
    """Translates the texts of a document's own template, and those of the
    shared parts (report/document.html) as the invoice's"""

    def gettext(self, text):
        value = super().gettext(text)
        if value == text and self.report_name != SHARED_TRANSLATIONS:
            value = self.translation.get_report(SHARED_TRANSLATIONS, text)
        return value


class DocumentReport(Report):
    """A document of a unit to its payers: an HTML template that includes
    the shared parts, rendered as PDF by weasyprint

    The template's document(record) is a document_class of the record in
    its party's language."""
    document_class = None

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Lang = pool.get('ir.lang')
        context = super().get_context(records, header, data)

        def document(record):
            lang = record.party.lang or Lang.get()
            record.set_lang(lang.code)
            context['set_lang'](lang.code)
            return cls.document_class(record, lang)
        context['document'] = document
        return context

    @classmethod
    def execute(cls, ids, data):
        with cls.document_context(data):
            return super().execute(ids, data)

    @classmethod
    def document_context(cls, data):
        # Copies are asked for by the context (e-mail) or the data (the
        # wizard's report); the template reads the context.
        copy = Transaction().context.get('kontingent_copy') or data.get(
            'kontingent_copy')
        return Transaction().set_context(
            address_with_party=True, kontingent_copy=bool(copy))

    @classmethod
    def render_each(cls, ids, data=None):
        """Return the PDF of each record on its own, the same as execute
        returns for that record alone

        The records are read together, which saves about a fifth of the
        time of one execute per record.
        """
        pool = Pool()
        ActionReport = pool.get('ir.action.report')
        action_report, = ActionReport.search([
                ('report_name', '=', cls.__name__),
                ], limit=1)
        data = dict(data or {}, model=action_report.model)
        cls.check_access(action_report, data['model'], ids)
        pdfs = []
        with cls.document_context(data):
            for record in cls._get_records(ids, data['model'], data):
                header = dict(cls.header_key(record, data))
                _, pdf = cls._execute([record], header, data, action_report)
                pdfs.append(bytes(pdf))
        return pdfs

    @classmethod
    def render(cls, report, report_context):
        # The template includes document.html: it needs a loader that
        # finds it, even when staff replaced the template
        if report.get_template_cached() is None:
            report.set_template_cached(MarkupTemplate(
                    io.BytesIO(report.report_content),
                    loader=TemplateLoader(
                        [REPORT_DIRECTORY], auto_reload=False)))
        return super().render(report, report_context)

    @classmethod
    def _callback_loader(cls, report, template):
        if report.translatable:
            pool = Pool()
            Translation = pool.get('ir.translation')
            translate = DocumentTranslateFactory(cls.__name__, Translation)
            translator = Translator(translate)
            # Last, as trytond does: after set_lang is evaluated
            template.filters.append(translator)
            template.add_directives(Translator.NAMESPACE, translator)
            return translate

    @classmethod
    def convert(cls, report, data, timeout=5 * 60, retry=5):
        # The logos are data: URIs, which trytond's fetcher refuses.
        if report.template_extension == 'html' and report.extension == 'pdf':
            return 'pdf', weasyprint.HTML(
                string=data,
                url_fetcher=weasyprint.URLFetcher(
                    allowed_protocols={'data'}),
                ).write_pdf()
        return super().convert(report, data, timeout=timeout, retry=retry)


class InvoiceReport(DocumentReport):
    "Membership invoices and payment requests, each in its payer's language"
    __name__ = 'kontingent.invoice'
    document_class = InvoiceDocument
