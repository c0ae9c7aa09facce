# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.modules.product import price_digits
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction
from trytond.wizard import Button, StateAction, StateView, Wizard

from .exceptions import ManualInvoiceError
from .membership import shown_date


def single_invoice(payee, party, invoice_date, due_date):
    """Return an unsaved customer invoice of party paid to payee, a unit
    with a KID scheme, due on due_date

    Read payee and party in the context of the payee's company: the
    receivable account and the prices are company values.
    """
    pool = Pool()
    Invoice = pool.get('account.invoice')
    Journal = pool.get('account.journal')
    company = payee.company
    journal = payee.journal
    if not journal:
        journal, = Journal.search([('type', '=', 'revenue')], limit=1)
    return Invoice(
        company=company, type='out', party=party,
        invoice_address=party.address_get('invoice'),
        currency=company.currency, journal=journal,
        account=party.account_receivable_used, payment_term=None,
        invoice_date=invoice_date, payment_term_date=due_date,
        kontingent_unit=payee, lines=[])


def single_invoice_line(
        invoice, product, unit_price, quantity=1, description=None):
    "Return an unsaved line of invoice; a member customer is its member"
    pool = Pool()
    InvoiceLine = pool.get('account.invoice.line')
    party = invoice.party
    return InvoiceLine(
        company=invoice.company, currency=invoice.currency, type='line',
        product=product, description=description, quantity=quantity,
        unit=product.default_uom, unit_price=unit_price,
        account=product.account_revenue_used,
        taxes=product.customer_taxes_used,
        kontingent_member=party if party.member_unit else None)


def post_single_invoices(invoices):
    "Save and post invoices built by single_invoice, KIDs included"
    pool = Pool()
    Invoice = pool.get('account.invoice')
    with Transaction().set_context(_skip_warnings=True):
        Invoice.save(invoices)
        Invoice.post(invoices)


class ManualInvoiceStart(ModelView):
    "Invoice Member or Unit"
    __name__ = 'kontingent.invoice.manual.start'

    unit = fields.Many2One(
        'kontingent.unit', "Unit", required=True,
        help="The unit that invoices; it, or the nearest unit above it "
        "with a KID scheme, is paid.")
    payee = fields.Many2One(
        'kontingent.unit', "Payee", readonly=True,
        help="The unit whose account and KID scheme receive the payment.")
    company = fields.Many2One('company.company', "Company", readonly=True)
    currency = fields.Many2One(
        'currency.currency', "Currency", readonly=True)
    party = fields.Many2One(
        'party.party', "Customer", required=True,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="A member or any other party, "
        "e.g. the party of a local branch.")
    invoice_date = fields.Date("Invoice Date", required=True)
    due_date = fields.Date(
        "Due Date", required=True,
        domain=[
            If(Eval('due_date') & Eval('invoice_date'),
                ('due_date', '>=', Eval('invoice_date')),
                ()),
            ])
    description = fields.Char("Description")
    lines = fields.One2Many(
        'kontingent.invoice.manual.line', None, "Lines",
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})

    @fields.depends('unit')
    def on_change_with_payee(self):
        return self.unit.payee if self.unit else None

    @fields.depends('unit')
    def on_change_with_company(self):
        return self.unit.company if self.unit else None

    @fields.depends('unit')
    def on_change_with_currency(self):
        return self.unit.company.currency if self.unit else None

    @fields.depends('unit', 'invoice_date', 'due_date')
    def on_change_with_due_date(self):
        payee = self.unit.payee if self.unit else None
        if self.invoice_date and payee:
            return self.invoice_date + datetime.timedelta(
                days=payee.days_to_pay)
        return self.due_date


class ManualInvoiceLine(ModelView):
    "Invoice Member or Unit Line"
    __name__ = 'kontingent.invoice.manual.line'

    company = fields.Many2One('company.company', "Company", readonly=True)
    currency = fields.Many2One(
        'currency.currency', "Currency", readonly=True)
    product = fields.Many2One(
        'product.product', "Product", required=True,
        domain=[
            ('type', '=', 'service'),
            ],
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    description = fields.Char("Description")
    quantity = fields.Float("Quantity", digits=(16, 2), required=True)
    unit_price = fields.Numeric(
        "Unit Price", digits=price_digits, required=True)
    amount = fields.Numeric("Amount", digits='currency', readonly=True)

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_currency(cls):
        pool = Pool()
        Company = pool.get('company.company')
        company = cls.default_company()
        if company is not None and company >= 0:
            return Company(company).currency.id

    @classmethod
    def default_quantity(cls):
        return 1

    @fields.depends('product', 'company', 'description')
    def on_change_product(self):
        "Propose the list price of the unit's company"
        pool = Pool()
        Product = pool.get('product.product')
        if not self.product:
            return
        if not self.description:
            self.description = self.product.name
        company = self.company.id if self.company else None
        with Transaction().set_context(company=company):
            self.unit_price = Product(self.product.id).list_price_used

    @fields.depends('quantity', 'unit_price', 'currency')
    def on_change_with_amount(self):
        if self.quantity is None or self.unit_price is None:
            return None
        amount = Decimal(str(self.quantity)) * self.unit_price
        if self.currency:
            amount = self.currency.round(amount)
        return amount


class ManualInvoice(Wizard):
    "Invoice Member or Unit"
    __name__ = 'kontingent.invoice.manual'
    start = StateView(
        'kontingent.invoice.manual.start',
        'kontingent.invoice_manual_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Invoice", 'invoice', 'tryton-ok', default=True),
            ])
    invoice = StateAction('account_invoice.act_invoice_out_form')

    def default_start(self, fields):
        pool = Pool()
        Unit = pool.get('kontingent.unit')
        values = {
            'invoice_date': shown_date(),
            }
        unit = None
        if (self.model and self.model.__name__ == 'party.party'
                and self.record):
            party = self.record
            values['party'] = party.id
            if party.member_unit:
                unit = party.member_unit
            else:
                # A unit invoiced as a customer is paid by the unit above
                units = Unit.search([('party', '=', party.id)], limit=1)
                if units and units[0].parent:
                    unit = units[0].parent
        if unit:
            values['unit'] = unit.id
            values['company'] = unit.company.id
            values['currency'] = unit.company.currency.id
            if unit.payee:
                values['payee'] = unit.payee.id
                values['due_date'] = values['invoice_date'] + (
                    datetime.timedelta(days=unit.payee.days_to_pay))
        return values

    def do_invoice(self, action):
        invoice = self.create_invoice()
        action['views'].reverse()
        return action, {'res_id': [invoice.id]}

    def check(self):
        "Raise ManualInvoiceError if the form can not be invoiced"
        start = self.start
        if not start.unit.payee:
            raise ManualInvoiceError(gettext(
                    'kontingent.msg_manual_invoice_no_kid_scheme',
                    unit=start.unit.rec_name))
        if not start.lines:
            raise ManualInvoiceError(gettext(
                    'kontingent.msg_manual_invoice_no_lines'))
        if not start.party.addresses:
            raise ManualInvoiceError(gettext(
                    'kontingent.msg_manual_invoice_no_address',
                    party=start.party.rec_name))

    def create_invoice(self):
        "Create and post the invoice of the form, and return it"
        self.check()
        # Records read in the unit's company see its accounts and prices
        with Transaction().set_context(
                company=self.start.unit.company.id):
            invoice = self.get_invoice()
            post_single_invoices([invoice])
        return invoice

    def get_invoice(self):
        pool = Pool()
        Party = pool.get('party.party')
        Product = pool.get('product.product')
        Unit = pool.get('kontingent.unit')
        start = self.start
        invoice = single_invoice(
            Unit(start.unit.payee.id), Party(start.party.id),
            start.invoice_date, start.due_date)
        invoice.description = start.description
        invoice.lines = [
            single_invoice_line(
                invoice, Product(line.product.id), line.unit_price,
                quantity=line.quantity, description=line.description)
            for line in start.lines]
        return invoice
