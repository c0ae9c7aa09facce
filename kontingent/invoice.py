# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from collections import defaultdict

from trytond.model import Unique, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .formats import kid


class Invoice(metaclass=PoolMeta):
    __name__ = 'account.invoice'

    kontingent_unit = fields.Many2One(
        'kontingent.unit', "Payee Unit", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ('kid_algorithm', '!=', None),
            ],
        states={
            'invisible': Eval('type') != 'out',
            'readonly': Eval('state') != 'draft',
            },
        help="The organisation unit paid by this invoice; "
        "its KID scheme numbers the claim when the invoice is posted.")
    kontingent_kid = fields.Char(
        "KID", readonly=True,
        states={
            'invisible': ~Eval('kontingent_kid'),
            })
    kontingent_billing_run = fields.Many2One(
        'kontingent.billing.run', "Billing Run", readonly=True,
        ondelete='RESTRICT',
        states={
            'invisible': ~Eval('kontingent_billing_run'),
            })
    kontingent_payment_request = fields.Function(
        fields.Boolean("Payment Request"), 'get_kontingent_payment_request')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('kontingent_kid_unique',
                Unique(t, t.kontingent_unit, t.kontingent_kid),
                'kontingent.msg_invoice_kid_unique'),
            ]
        cls.kontingent_kid.search_unaccented = False

    def get_kontingent_payment_request(self, name):
        "Payment requests carry the KID in place of an invoice number"
        return bool(self.kontingent_unit
            and not self.kontingent_unit.legal_invoice_number)

    def _customer_payment_reference_type(self):
        if self.kontingent_kid:
            return 'kid'
        return super()._customer_payment_reference_type()

    def _format_customer_payment_reference_kid(self, source):
        return self.kontingent_kid

    @classmethod
    def _search_customer_payment_reference(cls, value):
        yield from super()._search_customer_payment_reference(value)
        if kid.is_valid(value):
            yield ('kontingent_kid', '=', kid.compact(value))

    def _number_sequence(self, pattern=None):
        unit = self.kontingent_unit
        if unit and unit.invoice_sequence and self.type == 'out':
            return (unit.invoice_sequence,
                self.accounting_date or self.invoice_date)
        return super()._number_sequence(pattern=pattern)

    @classmethod
    def set_number(cls, invoices):
        cls.set_kontingent_kid(invoices)
        for invoice in invoices:
            if (invoice.kontingent_payment_request
                    and invoice.state not in {'posted', 'paid', 'cancelled'}
                    and not invoice.number):
                invoice.number = invoice.kontingent_kid
        super().set_number(invoices)

    @classmethod
    def set_kontingent_kid(cls, invoices):
        """Give a new KID to the draft claims of payee units without one;
        the caller saves them"""
        to_number = defaultdict(list)
        for invoice in invoices:
            if (invoice.type == 'out' and invoice.kontingent_unit
                    and not invoice.kontingent_kid
                    and invoice.state in {'draft', 'validated'}):
                to_number[invoice.kontingent_unit].append(invoice)
        for unit, unit_invoices in to_number.items():
            kids = unit.make_kids([
                    invoice.kontingent_member_number()
                    for invoice in unit_invoices])
            for invoice, new_kid in zip(unit_invoices, kids):
                invoice.kontingent_kid = new_kid

    def kontingent_member_number(self):
        """The member number the KID shows: the payer's, or that of the
        first member the invoice is for"""
        if self.party.member_number:
            return self.party.member_number
        for line in self.lines:
            member = getattr(line, 'kontingent_member', None)
            if member and member.member_number:
                return member.member_number

    @classmethod
    def cancel(cls, invoices):
        "A cancelled claim leaves its membership periods billable again"
        pool = Pool()
        Line = pool.get('account.invoice.line')
        super().cancel(invoices)
        line = Line.__table__()
        cursor = Transaction().connection.cursor()
        for sub_ids in grouped_slice(
                [i.id for i in invoices if i.state == 'cancelled'],
                count=1000):
            cursor.execute(*line.update(
                    [line.kontingent_billed_membership], [None],
                    where=fields.SQL_OPERATORS['in'](
                        line.invoice, list(sub_ids))))

    @classmethod
    def copy(cls, invoices, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('kontingent_kid')
        default.setdefault('kontingent_billing_run')
        return super().copy(invoices, default=default)


class InvoiceLine(metaclass=PoolMeta):
    __name__ = 'account.invoice.line'

    kontingent_member = fields.Many2One(
        'party.party', "Member", readonly=True, ondelete='RESTRICT',
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        states={
            'invisible': ~Eval('kontingent_member'),
            })
    kontingent_membership = fields.Many2One(
        'kontingent.membership', "Membership", readonly=True,
        ondelete='RESTRICT',
        states={
            'invisible': ~Eval('kontingent_membership'),
            })
    kontingent_period_start = fields.Date(
        "Period Start", readonly=True,
        states={
            'invisible': ~Eval('kontingent_period_start'),
            })
    kontingent_period_end = fields.Date(
        "Period End", readonly=True,
        states={
            'invisible': ~Eval('kontingent_period_end'),
            })
    kontingent_billed_membership = fields.Many2One(
        'kontingent.membership', "Billed Membership", readonly=True,
        ondelete='RESTRICT',
        help="Set while this line is the membership's claim for the period: "
        "the database refuses a second one.")
    kontingent_trace = fields.Text(
        "Price Explanation", readonly=True,
        states={
            'invisible': ~Eval('kontingent_trace'),
            })

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('kontingent_billed_period_unique',
                Unique(t, t.kontingent_billed_membership, t.product,
                    t.kontingent_period_start),
                'kontingent.msg_invoice_line_billed_period_unique'),
            ]

    @classmethod
    def copy(cls, lines, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('kontingent_billed_membership')
        return super().copy(lines, default=default)
