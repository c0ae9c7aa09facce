# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import csv
import datetime
import io
from collections import defaultdict
from decimal import Decimal

from pypdf import PdfReader, PdfWriter

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, Workflow, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.report import Report
from trytond.transaction import Transaction
from trytond.wizard import Button, StateAction, StateView, Wizard

from .exceptions import PrintBatchError

STATES = {
    'readonly': Eval('state') != 'draft',
    }

MANIFEST_COLUMNS = [
    'sequence', 'name', 'address_1', 'address_2', 'address_3',
    'postal_code', 'city', 'country', 'invoice_number', 'kid', 'amount',
    'currency', 'first_page', 'last_page']
# The street lines a print service takes; more are joined into the last
ADDRESS_LINES = 3


def pdf_pages(data):
    return len(PdfReader(io.BytesIO(data)).pages)


def words(text):
    return ' '.join(text.split())


class PrintBatch(Workflow, ModelSQL, ModelView):
    "Print Batch"
    __name__ = 'kontingent.print.batch'

    number = fields.Char("Number", readonly=True)
    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='RESTRICT',
        states=STATES)
    billing_run = fields.Many2One(
        'kontingent.billing.run', "Billing Run", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        states=STATES,
        help="Print only the invoices of this run.")
    unit = fields.Many2One(
        'kontingent.unit', "Unit", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        states=STATES,
        help="Print only the invoices of this unit and the units below it.")
    date = fields.Date("Date", required=True, states=STATES)
    duplex = fields.Boolean(
        "Duplex", states=STATES,
        help="Printed on both sides of the sheet: a document with an odd "
        "number of pages is followed by a blank page, so that the next "
        "document starts on a sheet of its own.")
    documents = fields.One2Many(
        'kontingent.print.batch.document', 'batch', "Documents",
        readonly=True)
    document_count = fields.Function(
        fields.Integer("Number of Documents"), 'get_document_count')
    page_count = fields.Integer("Pages", readonly=True)
    sheet_count = fields.Integer("Sheets", readonly=True)
    totals = fields.Function(fields.Text("Totals"), 'get_totals')
    skipped = fields.Text(
        "Not Printed", readonly=True,
        states={
            'invisible': ~Eval('skipped'),
            },
        help="The invoices left to print, and why.")
    pdf = fields.Binary("PDF", filename='pdf_name', readonly=True)
    pdf_name = fields.Function(fields.Char("PDF Name"), 'get_file_name')
    manifest = fields.Binary(
        "Manifest", filename='manifest_name', readonly=True,
        help="One line per document: recipient, address, invoice, amount "
        "and the pages of the PDF it takes.")
    manifest_name = fields.Function(
        fields.Char("Manifest Name"), 'get_file_name')
    state = fields.Selection([
            ('draft', "Draft"),
            ('done', "Done"),
            ('sent', "Sent"),
            ('cancelled', "Cancelled"),
            ], "State", required=True, readonly=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('date', 'DESC'),
            ('id', 'DESC'),
            ]
        cls._transitions |= {
            ('draft', 'done'),
            ('done', 'sent'),
            ('draft', 'cancelled'),
            ('done', 'cancelled'),
            }
        cls._buttons.update({
                'make': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-print',
                    'depends': ['state'],
                    },
                'send': {
                    'invisible': Eval('state') != 'done',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(['draft', 'done']),
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                })

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_date():
        return Pool().get('ir.date').today()

    @staticmethod
    def default_duplex():
        return False

    @staticmethod
    def default_state():
        return 'draft'

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Sequence = pool.get('ir.sequence')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and not values.get('number'):
            values['number'] = Sequence(ModelData.get_id(
                    'kontingent', 'sequence_print_batch')).get()
        return values

    def get_rec_name(self, name):
        return self.number

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('number',) + tuple(clause[1:])]

    def get_document_count(self, name):
        return len(self.documents)

    def get_file_name(self, name):
        extension = 'pdf' if name == 'pdf_name' else 'csv'
        return f'print-batch-{self.number}.{extension}'

    def currency_totals(self):
        "Return (currency, documents, amount) per currency of the documents"
        counts, amounts = defaultdict(int), defaultdict(Decimal)
        for document in self.documents:
            counts[document.currency] += 1
            amounts[document.currency] += document.amount
        return [(c, counts[c], amounts[c])
            for c in sorted(counts, key=lambda c: c.code)]

    def get_totals(self, name):
        Lang = Pool().get('ir.lang')
        lang = Lang.get()
        return '\n'.join(
            f'{lang.currency(a, c, grouping=True)} ({n})'
            for c, n, a in self.currency_totals())

    @classmethod
    def copy(cls, batches, default=None):
        default = default.copy() if default is not None else {}
        for name in ['number', 'documents', 'page_count', 'sheet_count',
                'skipped', 'pdf', 'manifest']:
            default.setdefault(name)
        default.setdefault('state', 'draft')
        return super().copy(batches, default=default)

    @classmethod
    def check_modification(cls, mode, batches, values=None, external=False):
        super().check_modification(
            mode, batches, values=values, external=external)
        if mode == 'delete':
            for batch in batches:
                if batch.state == 'sent':
                    raise PrintBatchError(gettext(
                            'kontingent.msg_print_batch_delete_sent',
                            batch=batch.rec_name))

    @classmethod
    def delete(cls, batches):
        cls.release(batches)
        super().delete(batches)

    @classmethod
    def release(cls, batches):
        "Put the batches' invoices back to print, for another batch"
        pool = Pool()
        Delivery = pool.get('kontingent.invoice.delivery')
        Document = pool.get('kontingent.print.batch.document')
        documents = [d for b in batches if b.state != 'sent'
            for d in b.documents]
        Delivery.write([d for doc in documents for d in doc.deliveries], {
                'state': 'to_print',
                'print_document': None,
                })
        Document.delete(documents)
        cls.write([b for b in batches if b.state != 'sent'], {
                'page_count': None,
                'sheet_count': None,
                'pdf': None,
                'manifest': None,
                })

    def delivery_domain(self):
        "The domain of the deliveries still to print of the batch"
        domain = [
            ('state', '=', 'to_print'),
            ('print_document', '=', None),
            ('invoice.company', '=', self.company.id),
            ('invoice.state', 'in', ['posted', 'paid']),
            ]
        if self.billing_run:
            domain.append(
                ('invoice.kontingent_billing_run', '=', self.billing_run.id))
        if self.unit:
            domain.append(('invoice.kontingent_unit', 'child_of',
                    [self.unit.id], 'parent'))
        return domain

    def undelivered_invoice_domain(self):
        """The domain of the open membership invoices of the batch that were
        never delivered, like those made by hand"""
        domain = [
            ('company', '=', self.company.id),
            ('type', '=', 'out'),
            ('state', '=', 'posted'),
            ('kontingent_unit', '!=', None),
            ('kontingent_deliveries', '=', None),
            ]
        if self.billing_run:
            domain.append(
                ('kontingent_billing_run', '=', self.billing_run.id))
        if self.unit:
            domain.append(
                ('kontingent_unit', 'child_of', [self.unit.id], 'parent'))
        return domain

    def deliveries_to_print(self):
        pool = Pool()
        Delivery = pool.get('kontingent.invoice.delivery')
        Invoice = pool.get('account.invoice')
        deliveries = Delivery.search(
            self.delivery_domain(), order=[('id', 'ASC')])
        invoices = Invoice.search(
            self.undelivered_invoice_domain(), order=[('id', 'ASC')])
        return deliveries + Delivery.deliver_on_paper(invoices)

    @classmethod
    def deliveries_of_invoices(cls, invoices):
        "Return the deliveries to print of the invoices"
        pool = Pool()
        Delivery = pool.get('kontingent.invoice.delivery')
        deliveries = [d for i in invoices for d in i.kontingent_deliveries
            if d.state == 'to_print' and not d.print_document]
        return deliveries + Delivery.deliver_on_paper([i for i in invoices
                if i.kontingent_unit and i.state == 'posted'
                and not i.kontingent_deliveries])

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def make(cls, batches, deliveries=None):
        """Print the deliveries still to print of each batch's company, run
        and unit, or the deliveries given for the one batch"""
        for batch in batches:
            batch.print_(batch.deliveries_to_print()
                if deliveries is None else deliveries)

    def print_(self, deliveries):
        """Make the PDF and the manifest of the deliveries' invoices (or
        letters), one document per invoice, and mark the deliveries printed

        Concurrent batches can not print an invoice twice: both write its
        deliveries, so the second transaction fails on a serialization or
        lock error and, tried again, finds them printed."""
        pool = Pool()
        Delivery = pool.get('kontingent.invoice.delivery')
        Document = pool.get('kontingent.print.batch.document')
        by_record = defaultdict(list)
        for delivery in deliveries:
            record = delivery.printed_record
            if record.company != self.company:
                raise PrintBatchError(gettext(
                        'kontingent.msg_print_batch_company',
                        invoice=record.rec_name, batch=self.rec_name))
            if (delivery.state == 'to_print'
                    and not delivery.print_document
                    and Document.printable(record)):
                by_record[record].append(delivery)
        documents, skipped = [], []
        for record, record_deliveries in by_record.items():
            problem = Document.address_problem(record)
            if problem:
                skipped.append(problem)
            else:
                documents.append(Document.from_record(
                        self, record, record_deliveries))
        self.skipped = '\n'.join(skipped) or None
        if not documents:
            raise PrintBatchError(gettext(
                    'kontingent.msg_print_batch_empty',
                    skipped=self.skipped or ''))
        documents.sort(key=lambda d: d.sort_key)
        for sequence, document in enumerate(documents, 1):
            document.sequence = sequence
        pdfs = [d.render() for d in documents]
        cover = self.render_cover(documents, [pdf_pages(p) for p in pdfs])
        self.pdf = self.combine([cover] + pdfs)
        self.check_pages(self.pdf, documents)
        self.manifest = self.write_manifest(documents)
        self.save()
        Delivery.write([d for doc in documents for d in doc.deliveries], {
                'state': 'printed',
                'date': datetime.datetime.now(),
                })

    def padding(self, pages):
        "The blank pages after pages so that the next starts a new sheet"
        return pages % 2 if self.duplex else 0

    def paginate(self, documents, cover_pages, document_pages):
        "Set the pages of each document and the counts of the batch"
        page = cover_pages + self.padding(cover_pages) + 1
        for document, pages in zip(documents, document_pages):
            document.first_page = page
            document.last_page = page + pages - 1
            page += pages + self.padding(pages)
        self.page_count = page - 1
        self.sheet_count = (
            self.page_count // 2 if self.duplex else self.page_count)

    def render_cover(self, documents, document_pages):
        """Return the cover sheet, which counts the pages of the batch, its
        own included"""
        pool = Pool()
        Document = pool.get('kontingent.print.batch.document')
        Cover = pool.get('kontingent.print.batch.cover', type='report')
        cover_pages = 1
        while True:
            self.paginate(documents, cover_pages, document_pages)
            self.save()
            Document.save(documents)
            _, cover, _, _ = Cover.execute([self.id], {})
            if pdf_pages(cover) == cover_pages:
                return cover
            cover_pages = pdf_pages(cover)

    def combine(self, pdfs):
        "Return the PDFs as one, each starting on a sheet of its own"
        writer = PdfWriter()
        for pdf in pdfs:
            reader = PdfReader(io.BytesIO(pdf))
            writer.append(reader)
            if self.padding(len(reader.pages)):
                writer.add_blank_page()
        output = io.BytesIO()
        writer.write(output)
        return output.getvalue()

    def check_pages(self, pdf, documents):
        """Refuse the batch unless each document takes its own pages,
        starting on a new sheet, its first page shows its recipient's name
        and KID, and no page shows the KID of another document"""
        owners = {}
        following = documents[0].first_page
        for document in documents:
            if (document.first_page != following
                    or document.last_page < document.first_page
                    or (self.duplex and document.first_page % 2 == 0)):
                raise PrintBatchError(gettext(
                        'kontingent.msg_print_batch_page_range',
                        batch=self.rec_name, **document.names()))
            for page in range(document.first_page, document.last_page + 1):
                owners[page] = document
            following = document.last_page + 1 + self.padding(
                document.last_page - document.first_page + 1)
        pages = PdfReader(io.BytesIO(pdf)).pages
        if len(pages) != self.page_count or following != self.page_count + 1:
            raise PrintBatchError(gettext(
                    'kontingent.msg_print_batch_page_count',
                    batch=self.rec_name, pages=len(pages),
                    expected=self.page_count))
        kids = defaultdict(set)
        for document in documents:
            for kid in document.kids:
                kids[kid].add(document)
        for number, page in enumerate(pages, 1):
            text = page.extract_text()
            owner = owners.get(number)
            for word in text.split():
                if word in kids and owner not in kids[word]:
                    other = min(kids[word], key=lambda d: d.sequence)
                    raise PrintBatchError(gettext(
                            'kontingent.msg_print_batch_page_other',
                            batch=self.rec_name, page=number,
                            **other.names()))
            if owner and number == owner.first_page and (
                    (owner.kids and owner.kids[0] not in text.split())
                    or words(owner.name) not in words(text)):
                raise PrintBatchError(gettext(
                        'kontingent.msg_print_batch_first_page',
                        batch=self.rec_name, page=number, **owner.names()))

    @staticmethod
    def write_manifest(documents):
        output = io.StringIO()
        writer = csv.writer(output, lineterminator='\n')
        writer.writerow(MANIFEST_COLUMNS)
        for document in documents:
            writer.writerow(document.manifest_row())
        return output.getvalue().encode('utf-8')

    @classmethod
    @ModelView.button
    @Workflow.transition('sent')
    def send(cls, batches):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, batches):
        cls.release(batches)


class PrintBatchDocument(ModelSQL, ModelView):
    "Print Batch Document"
    __name__ = 'kontingent.print.batch.document'

    batch = fields.Many2One(
        'kontingent.print.batch', "Batch", required=True, readonly=True,
        ondelete='CASCADE')
    sequence = fields.Integer("Sequence", readonly=True)
    invoice = fields.Many2One(
        'account.invoice', "Invoice", required=True, readonly=True,
        ondelete='RESTRICT')
    party = fields.Many2One(
        'party.party', "Recipient", required=True, readonly=True,
        ondelete='RESTRICT')
    name = fields.Char("Name", readonly=True)
    street = fields.Text("Street", readonly=True)
    postal_code = fields.Char("Postal Code", readonly=True)
    city = fields.Char("City", readonly=True)
    country = fields.Many2One(
        'country.country', "Country", readonly=True, ondelete='RESTRICT')
    amount = fields.Numeric(
        "Amount to Pay", digits='currency', readonly=True)
    currency = fields.Many2One(
        'currency.currency', "Currency", required=True, readonly=True,
        ondelete='RESTRICT')
    first_page = fields.Integer("First Page", readonly=True)
    last_page = fields.Integer("Last Page", readonly=True)
    is_copy = fields.Boolean("Copy", readonly=True)
    deliveries = fields.One2Many(
        'kontingent.invoice.delivery', 'print_document', "Deliveries",
        readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('batch_invoice_unique', Unique(t, t.batch, t.invoice),
                'kontingent.msg_print_batch_invoice_unique'),
            ]
        cls._order.insert(0, ('sequence', 'ASC'))

    def get_rec_name(self, name):
        return f'{self.batch.rec_name}/{self.sequence}'

    @classmethod
    def printable(cls, invoice):
        return invoice.state in {'posted', 'paid'}

    @classmethod
    def address_problem(cls, invoice):
        "Return why the invoice can not be mailed to its payer, or None"
        address = invoice.invoice_address
        if not (address and address.street and address.postal_code
                and address.city):
            return gettext('kontingent.msg_print_batch_no_address',
                invoice=invoice.rec_name, party=invoice.party.rec_name)

    @classmethod
    def from_record(cls, batch, invoice, deliveries):
        address = invoice.invoice_address
        return cls(
            batch=batch, invoice=invoice, party=invoice.party,
            name=address.party_full_name, street=address.street,
            postal_code=address.postal_code, city=address.city,
            country=address.country, amount=invoice.amount_to_pay,
            currency=invoice.currency, deliveries=deliveries,
            is_copy=all(d.is_copy for d in deliveries))

    @property
    def sort_key(self):
        return (self.postal_code or '', self.name or '',
            self.invoice.number or '')

    @property
    def kids(self):
        "The KIDs the document shows, the one on its first page first"
        return [self.invoice.kontingent_kid]

    def names(self):
        "The names of the document, for messages"
        return {
            'invoice': self.invoice.rec_name,
            'party': self.party.rec_name,
            }

    def render(self):
        "Return the PDF of the invoice, as the payer receives it by e-mail"
        InvoiceReport = Pool().get('kontingent.invoice', type='report')
        _, pdf, _, _ = InvoiceReport.execute([self.invoice.id], {
                'kontingent_copy': self.is_copy,
                })
        return pdf

    def manifest_row(self):
        lines = [l for l in (self.street or '').splitlines() if l.strip()]
        lines = lines[:ADDRESS_LINES - 1] + [
            ', '.join(lines[ADDRESS_LINES - 1:])]
        lines += [''] * (ADDRESS_LINES - len(lines))
        return [self.sequence, self.name, *lines, self.postal_code,
            self.city, self.country.code if self.country else '',
            *self.manifest_reference(), self.amount, self.currency.code,
            self.first_page, self.last_page]

    def manifest_reference(self):
        "The invoice number and KID of the manifest's line"
        return self.invoice.number or '', self.invoice.kontingent_kid or ''


class PrintBatchCover(Report):
    "The cover sheet of a print batch, for the print service"
    __name__ = 'kontingent.print.batch.cover'


class InvoiceDelivery(metaclass=PoolMeta):
    __name__ = 'kontingent.invoice.delivery'

    print_document = fields.Many2One(
        'kontingent.print.batch.document', "Print Document", readonly=True,
        ondelete='RESTRICT')
    print_batch = fields.Function(
        fields.Many2One('kontingent.print.batch', "Print Batch"),
        'get_print_batch', searcher='search_print_batch')

    @property
    def printed_record(self):
        "The record whose document is printed"
        return self.invoice

    def get_print_batch(self, name):
        return self.print_document.batch if self.print_document else None

    @classmethod
    def search_print_batch(cls, name, clause):
        return [('print_document.batch' + clause[0][len(name):],)
            + tuple(clause[1:])]

    @classmethod
    def copy(cls, deliveries, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('print_document')
        return super().copy(deliveries, default=default)

    @classmethod
    def deliver_on_paper(cls, invoices):
        """Return the saved deliveries of the invoices whose payers receive
        them on paper"""
        deliveries = [d for d in map(cls.for_invoice, invoices)
            if d.state == 'to_print']
        cls.save(deliveries)
        return deliveries


class BillingRun(metaclass=PoolMeta):
    __name__ = 'kontingent.billing.run'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'print_batch': {
                    'invisible': Eval('state') != 'done',
                    'icon': 'tryton-print',
                    'depends': ['state'],
                    },
                })

    @classmethod
    @ModelView.button_action('kontingent.wizard_print_batch')
    def print_batch(cls, runs):
        pass


class MakePrintBatchStart(ModelView):
    "Make Print Batch"
    __name__ = 'kontingent.print.batch.make.start'

    duplex = fields.Boolean(
        "Duplex",
        help="Printed on both sides of the sheet: a document with an odd "
        "number of pages is followed by a blank page.")

    @classmethod
    def default_duplex(cls):
        return False


class MakePrintBatch(Wizard):
    """Make a print batch of the paper invoices of a billing run, or of the
    invoices or deliveries selected"""
    __name__ = 'kontingent.print.batch.make'

    start = StateView(
        'kontingent.print.batch.make.start',
        'kontingent.print_batch_make_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Make", 'make', 'tryton-ok', default=True),
            ])
    make = StateAction('kontingent.act_print_batch')

    def do_make(self, action):
        pool = Pool()
        Batch = pool.get('kontingent.print.batch')
        Date = pool.get('ir.date')
        batch = Batch(date=Date.today(), duplex=self.start.duplex)
        deliveries = None
        if self.model.__name__ == 'kontingent.billing.run':
            batch.company = self.record.company
            batch.billing_run = self.record
        else:
            if self.model.__name__ == 'account.invoice':
                deliveries = Batch.deliveries_of_invoices(self.records)
            else:
                deliveries = list(self.records)
            if not deliveries:
                raise PrintBatchError(gettext(
                        'kontingent.msg_print_batch_empty', skipped=''))
            # The batch refuses the invoices of any other company
            batch.company = deliveries[0].printed_record.company
        batch.save()
        Batch.make([batch], deliveries)
        action['res_id'] = [batch.id]
        action['views'].reverse()
        return action, {}
